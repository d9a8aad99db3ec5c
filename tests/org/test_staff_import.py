"""Staff import: the rules of DESIGN.md invariant 8 and issue 2's bad-input list."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import Workbook

from core import roles
from core.imports import reading
from core.imports.pipeline import run_import
from org.models import StaffProfile
from org.signals import staff_changed

User = get_user_model()

EN_HEADER = "employee_no,name,department_code,position,hire_date,email,is_active"
ZH_HEADER = "工号,姓名,部门编码,岗位,入职日期,邮箱,在职"


def csv_bytes(*lines: str, encoding: str = "utf-8") -> bytes:
    return ("\n".join(lines) + "\n").encode(encoding)


def snapshot():
    """Everything an import may touch, to prove that nothing changed."""
    return (
        sorted(
            StaffProfile.objects.values_list(
                "employee_no",
                "name",
                "department__code",
                "position",
                "hire_date",
                "is_active",
                "user__email",
                "user__is_active",
            )
        ),
        User.objects.count(),
    )


@pytest.fixture
def three_staff_csv():
    return csv_bytes(
        EN_HEADER,
        "100001,张三,O1,柜员,2020-03-01,zhang@bank.example,是",
        "100002,李四,O2,客户经理,2019/07/15,,Y",
        "100003,王五,S2,支行行长,2018年1月2日,wang@bank.example,1",
    )


def test_valid_file_creates_staff_with_accounts(bank, three_staff_csv):
    report = run_import("staff", three_staff_csv, filename="staff.csv")

    assert report.ok, report.as_text()
    assert (report.new, report.updated, report.unchanged) == (3, 0, 0)
    zhang = StaffProfile.objects.select_related("user", "department").get(
        employee_no="100001"
    )
    assert zhang.name == "张三"
    assert zhang.department == bank.o1
    assert zhang.hire_date == dt.date(2020, 3, 1)
    assert zhang.user.username == "100001"
    assert zhang.user.email == "zhang@bank.example"
    assert not zhang.user.has_usable_password()
    assert list(zhang.user.groups.values_list("name", flat=True)) == [roles.LEARNER]
    assert StaffProfile.objects.get(employee_no="100002").hire_date == dt.date(
        2019, 7, 15
    )
    assert StaffProfile.objects.get(employee_no="100003").hire_date == dt.date(
        2018, 1, 2
    )


def test_chinese_headers_are_accepted(bank):
    data = csv_bytes(ZH_HEADER, "100001,张三,O1,柜员,2020-03-01,,是")
    report = run_import("staff", data, filename="员工.csv")
    assert report.ok, report.as_text()
    assert StaffProfile.objects.filter(
        employee_no="100001", department=bank.o1
    ).exists()


@pytest.mark.parametrize("encoding", ["gb18030", "gbk", "utf-8-sig", "utf-16"])
def test_encodings_are_detected(bank, encoding):
    data = csv_bytes(
        ZH_HEADER, "100001,欧阳娜娜,O1,大堂经理,2020-03-01,,否", encoding=encoding
    )
    report = run_import("staff", data, filename="staff.csv")
    assert report.ok, report.as_text()
    profile = StaffProfile.objects.get(employee_no="100001")
    assert (profile.name, profile.position, profile.is_active) == (
        "欧阳娜娜",
        "大堂经理",
        False,
    )


def xlsx_bytes(rows) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_xlsx_with_excel_dates_and_numeric_numbers(bank):
    data = xlsx_bytes(
        [
            ["工号", "姓名", "部门编码", "岗位", "入职日期", "邮箱", "在职"],
            [100001, "张三", "O1", "柜员", dt.datetime(2020, 3, 1), None, "是"],
            [100002.0, "李四", "O2", "柜员", "2021-05-06", "li@bank.example", True],
        ]
    )
    report = run_import("staff", data, filename="staff.xlsx")
    assert report.ok, report.as_text()
    assert StaffProfile.objects.get(employee_no="100001").hire_date == dt.date(
        2020, 3, 1
    )
    assert StaffProfile.objects.get(employee_no="100002").is_active is True


def test_reimporting_the_same_file_changes_nothing(bank, three_staff_csv):
    run_import("staff", three_staff_csv)
    before = snapshot()

    report = run_import("staff", three_staff_csv)

    assert report.ok
    assert (report.new, report.updated, report.unchanged) == (0, 0, 3)
    assert snapshot() == before


def test_changed_rows_update_profile_and_account(bank, three_staff_csv):
    run_import("staff", three_staff_csv)
    data = csv_bytes(
        EN_HEADER,
        "100001,张三丰,O2,客户经理,2020-03-01,new@bank.example,否",
    )

    report = run_import("staff", data)

    assert (report.new, report.updated) == (0, 1)
    profile = StaffProfile.objects.select_related("user").get(employee_no="100001")
    assert (profile.name, profile.department, profile.position) == (
        "张三丰",
        bank.o2,
        "客户经理",
    )
    assert profile.user.email == "new@bank.example"
    assert profile.is_active is False and profile.user.is_active is False
    assert profile.user.first_name == "张三丰"
    assert report.changes[0].fields["department_code"] == ["O1", "O2"]


def test_import_never_deletes_staff_missing_from_the_file(bank, three_staff_csv):
    run_import("staff", three_staff_csv)
    run_import("staff", csv_bytes(EN_HEADER, "100004,赵六,O1,柜员,,,"))
    assert StaffProfile.objects.count() == 4


def test_dry_run_writes_nothing(bank, three_staff_csv):
    before = snapshot()
    report = run_import("staff", three_staff_csv, dry_run=True)
    assert report.ok and report.new == 3
    assert not report.committed
    assert snapshot() == before


def test_existing_account_with_the_same_username_is_linked(bank):
    account = User.objects.create_user(username="100001", password="x-Secret-99")
    report = run_import("staff", csv_bytes(EN_HEADER, "100001,张三,O1,柜员,,,"))
    assert report.ok
    assert StaffProfile.objects.get(employee_no="100001").user == account


# --- bad input: readable report, nothing written -------------------------------------


def assert_nothing_written(before, report):
    assert not report.ok
    assert not report.committed
    assert snapshot() == before


def errors_of(report):
    return [(e.row, e.column, e.message) for e in report.sorted_errors()]


def test_unknown_department_code(bank):
    before = snapshot()
    report = run_import(
        "staff",
        csv_bytes(EN_HEADER, "100001,张三,O1,柜员,,,", "100002,李四,NOPE,柜员,,,"),
    )
    assert_nothing_written(before, report)
    assert errors_of(report) == [
        (3, "department_code", "“NOPE” is not a known department code.")
    ]


def test_duplicate_employee_numbers_in_one_file(bank):
    before = snapshot()
    report = run_import(
        "staff",
        csv_bytes(ZH_HEADER, "100001,张三,O1,柜员,,,", "100001,张三,O2,柜员,,,"),
    )
    assert_nothing_written(before, report)
    assert errors_of(report) == [
        (3, "工号", "“100001” already appears in row 2 of this file.")
    ]


@pytest.mark.parametrize(
    "bad_date, message",
    [
        ("2026-02-30", "“2026-02-30” is not a date that exists."),
        ("2026年13月1日", "“2026年13月1日” is not a date that exists."),
        (
            "yesterday",
            "“yesterday” is not a date; use a form such as 2026-11-29, "
            "2026/11/29 or 2026年11月29日.",
        ),
    ],
)
def test_impossible_dates(bank, bad_date, message):
    before = snapshot()
    report = run_import(
        "staff", csv_bytes(EN_HEADER, f"100001,张三,O1,柜员,{bad_date},,")
    )
    assert_nothing_written(before, report)
    assert errors_of(report) == [(2, "hire_date", message)]


def test_empty_required_cells(bank):
    before = snapshot()
    report = run_import(
        "staff", csv_bytes(EN_HEADER, "100001,,O1,柜员,,,", ",李四,,柜员,,,")
    )
    assert_nothing_written(before, report)
    assert errors_of(report) == [
        (2, "name", "This cell is required."),
        (3, "department_code", "This cell is required."),
        (3, "employee_no", "This cell is required."),
    ]


def test_every_bad_row_is_reported_and_good_rows_are_not_written(bank):
    before = snapshot()
    report = run_import(
        "staff",
        csv_bytes(
            EN_HEADER,
            "100001,张三,O1,柜员,2020-01-01,,是",
            "100002,李四,XX,柜员,2020-01-01,,是",
            "100003,王五,O1,柜员,2020-01-01,not-an-email,是",
            "100004,赵六,O1,柜员,2020-01-01,,maybe",
            "100005,孙七,O1,柜员,2020-01-01,,是",
        ),
    )
    assert_nothing_written(before, report)
    assert [(row, column) for row, column, _m in errors_of(report)] == [
        (3, "department_code"),
        (4, "email"),
        (5, "is_active"),
    ]
    assert report.invalid_rows == 3


def test_invalid_employee_number_characters(bank):
    report = run_import("staff", csv_bytes(EN_HEADER, "10 01,张三,O1,柜员,,,"))
    assert [(r, c) for r, c, _m in errors_of(report)] == [(2, "employee_no")]


def test_missing_columns_in_the_header(bank):
    before = snapshot()
    report = run_import("staff", csv_bytes("工号,岗位", "100001,柜员"))
    assert_nothing_written(before, report)
    assert errors_of(report) == [
        (
            1,
            "",
            "Required columns are missing: 姓名 (name)、部门编码 (department_code).",
        )
    ]


def test_unknown_columns_are_ignored_with_a_warning(bank):
    report = run_import(
        "staff", csv_bytes("工号,姓名,部门编码,备注", "100001,张三,O1,新人")
    )
    assert report.ok
    assert report.warnings == ["The column “备注” is not recognised and was ignored."]


@pytest.mark.parametrize(
    "text, encoding",
    [
        ("工號,姓名,部門編碼,崗位\n100001,張三豐,O1,櫃員", "big5"),
        ("社員番号,氏名,部署コード\n100001,山田太郎,O1", "shift_jis"),
        (
            "employee_no,name,department_code\n100001,Ma\u00eftre \u00e9l\u00e8ve,O1",
            "latin-1",
        ),
    ],
)
def test_a_file_in_an_unknown_encoding(bank, text, encoding):
    before = snapshot()
    report = run_import("staff", text.encode(encoding))
    assert_nothing_written(before, report)
    assert errors_of(report) == [(None, "", str(reading.ERROR_UNKNOWN_ENCODING))]


@pytest.mark.parametrize(
    "data, filename",
    [
        (b"\x89PNG\r\n\x1a\n" + bytes(200), "photo.png"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "scan.pdf"),
        (bytes.fromhex("d0cf11e0a1b11ae1") + bytes(100), "old.xls"),
    ],
)
def test_a_file_that_is_not_csv_or_xlsx(bank, data, filename):
    before = snapshot()
    report = run_import("staff", data, filename=filename)
    assert_nothing_written(before, report)
    assert errors_of(report) == [(None, "", str(reading.ERROR_NOT_TABULAR))]


def test_a_file_over_the_upload_size_is_refused_before_reading(bank, settings):
    settings.IMPORT_MAX_UPLOAD_BYTES = 100
    report = run_import(
        "staff", csv_bytes(EN_HEADER, "100001," + "张" * 60 + ",O1,,,,")
    )
    assert not report.ok
    assert report.errors[0].message == str(reading.ERROR_TOO_LARGE) % {"limit": 0}
    assert report.total_rows == 0


# --- announcements and cost ----------------------------------------------------------


def test_new_and_moved_staff_are_announced_after_commit(
    bank, three_staff_csv, django_capture_on_commit_callbacks
):
    received = []

    def listener(sender, staff_ids, **kwargs):
        received.append(
            sorted(
                StaffProfile.objects.filter(pk__in=staff_ids).values_list(
                    "employee_no", flat=True
                )
            )
        )

    staff_changed.connect(listener)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            run_import("staff", three_staff_csv)
        with django_capture_on_commit_callbacks(execute=True):
            run_import(
                "staff",
                csv_bytes(
                    EN_HEADER,
                    "100001,张三,O2,柜员,2020-03-01,zhang@bank.example,是",
                    "100002,李四改名,O2,客户经理,2019/07/15,,Y",
                ),
            )
        with django_capture_on_commit_callbacks(execute=True):
            run_import("staff", three_staff_csv, dry_run=True)
    finally:
        staff_changed.disconnect(listener)
    assert received == [["100001", "100002", "100003"], ["100001"]]


def _rows(count: int, start: int = 200000) -> bytes:
    lines = [EN_HEADER] + [
        f"{start + i},员工{i},O{1 + i % 3},柜员,2020-01-01,,是" for i in range(count)
    ]
    return csv_bytes(*lines)


def _split(context):
    """(reads and other statements, INSERT statements: multi-row, or one
    prepared statement run for many rows, logged as "N times: INSERT …")."""
    inserts = [q for q in context.captured_queries if "INSERT" in q["sql"][:40]]
    return len(context.captured_queries) - len(inserts), len(inserts)


def test_queries_do_not_grow_with_the_number_of_rows(bank, settings):
    """Reads are per chunk, not per row; inserts grow only by the database's
    statement size (SQLite takes at most 999 parameters per statement)."""
    settings.IMPORT_CHUNK_ROWS = 1000
    with CaptureQueriesContext(connection) as small:
        assert run_import("staff", _rows(10)).ok
    with CaptureQueriesContext(connection) as large:
        assert run_import("staff", _rows(300, start=300000)).ok
    small_other, small_inserts = _split(small)
    large_other, large_inserts = _split(large)
    assert large_other == small_other
    assert small_inserts == 3  # accounts, profiles, group memberships
    assert large_inserts <= 3 * -(-300 // 45)  # batches of >= 45 rows
    with CaptureQueriesContext(connection) as reimport:
        assert run_import("staff", _rows(300, start=300000)).unchanged == 300
    assert len(reimport.captured_queries) <= small_other


def test_new_staff_are_not_looked_up_chunk_by_chunk(bank, settings):
    """The roster's numbers and account names are read once per import; the
    chunks of new employees ask the database nothing about their keys."""
    settings.IMPORT_CHUNK_ROWS = 100
    with CaptureQueriesContext(connection) as context:
        assert run_import("staff", _rows(300, start=300000)).new == 300
    key_lookups = [
        q["sql"]
        for q in context.captured_queries
        if q["sql"].startswith("SELECT")
        and " IN (" in q["sql"]
        and ('"employee_no"' in q["sql"] or '"username"' in q["sql"])
    ]
    assert key_lookups == []


def test_existing_staff_in_a_later_chunk_are_updated_and_accounts_linked(
    bank, settings
):
    settings.IMPORT_CHUNK_ROWS = 2
    assert run_import("staff", csv_bytes(EN_HEADER, "100004,旧名,O1,柜员,,,")).ok
    account = User.objects.create_user(username="100005", password="x-Secret-99")
    data = csv_bytes(
        EN_HEADER,
        "100001,张三,O1,柜员,,,",
        "100002,李四,O1,柜员,,,",
        "100004,新名,O2,柜员,,,",
        "100005,赵六,O2,柜员,,,",
    )
    report = run_import("staff", data)
    assert report.ok and (report.new, report.updated) == (3, 1)
    assert StaffProfile.objects.get(employee_no="100004").name == "新名"
    assert StaffProfile.objects.get(employee_no="100005").user == account
    assert StaffProfile.objects.count() == 4


def test_a_failure_in_the_middle_of_an_import_leaves_the_database_as_it_was(
    bank, settings, monkeypatch
):
    """Chunk 1 is written, then the database refuses chunk 2: nothing stays."""
    from org import services

    settings.IMPORT_CHUNK_ROWS = 100
    before = snapshot()
    real = services.staff_create_many
    calls = []

    def failing(profiles, **kwargs):
        calls.append(len(profiles))
        if len(calls) == 2:
            raise RuntimeError("the disk is full")
        return real(profiles, **kwargs)

    monkeypatch.setattr(services, "staff_create_many", failing)
    report = run_import("staff", _rows(250, start=500000))
    assert len(calls) == 2
    assert not report.ok and not report.committed
    assert "the disk is full" in report.errors[0].message
    assert snapshot() == before
