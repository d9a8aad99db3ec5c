"""import_data / export_data: the command contracts of DESIGN.md."""

import io

import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from org.models import StaffProfile
from tests import factories

STAFF = "employee_no,name,department_code,position,hire_date,email,is_active\n"


def run(*args):
    out = io.StringIO()
    code = 0
    try:
        call_command(*args, stdout=out)
    except SystemExit as exc:
        code = exc.code
    return code, out.getvalue()


def test_import_exit_zero_and_report(bank, tmp_path):
    path = tmp_path / "staff.csv"
    path.write_text(STAFF + "100001,张三,O1,柜员,2020-01-01,,是\n", encoding="utf-8")
    code, output = run("import_data", "staff", str(path))
    assert code == 0
    assert "1 new" in output or "新增 1" in output
    assert StaffProfile.objects.filter(employee_no="100001").exists()


def test_import_exit_one_on_invalid_rows_and_nothing_written(bank, tmp_path):
    path = tmp_path / "staff.csv"
    path.write_text(
        STAFF + "100001,张三,O1,柜员,,,\n100002,李四,ZZ,柜员,,,\n", encoding="utf-8"
    )
    code, output = run("import_data", "staff", str(path))
    assert code == 1
    assert "ZZ" in output
    assert not StaffProfile.objects.filter(employee_no="100001").exists()


def test_dry_run_writes_nothing(bank, tmp_path):
    path = tmp_path / "staff.csv"
    path.write_text(STAFF + "100001,张三,O1,柜员,,,\n", encoding="utf-8")
    code, _output = run("import_data", "staff", str(path), "--dry-run")
    assert code == 0
    assert not StaffProfile.objects.exists()


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_then_import_changes_nothing(bank, tmp_path, fmt):
    factories.staff(department=bank.o1, employee_no="100001", name="张三")
    factories.staff(
        department=bank.o3, employee_no="100002", name="李四", is_active=False
    )
    path = tmp_path / f"staff.{fmt}"
    code, output = run("export_data", "staff", "-o", str(path))
    assert code == 0 and output.startswith("2 rows")
    code, output = run("import_data", "staff", str(path))
    assert code == 0
    assert "2 unchanged" in output or "未变 2" in output

    dept_path = tmp_path / f"departments.{fmt}"
    run("export_data", "departments", "-o", str(dept_path))
    code, output = run("import_data", "departments", str(dept_path))
    assert code == 0 and ("7 unchanged" in output or "未变 7" in output)


def test_export_neutralises_formula_text_but_keeps_it_readable(bank, tmp_path):
    factories.staff(department=bank.o1, employee_no="100001", name='=HYPERLINK("x")')
    csv_path = tmp_path / "staff.csv"
    xlsx_path = tmp_path / "staff.xlsx"
    run("export_data", "staff", "-o", str(csv_path))
    run("export_data", "staff", "-o", str(xlsx_path))

    assert '\'=HYPERLINK(""x"")' in csv_path.read_text(encoding="utf-8-sig")
    sheet = load_workbook(xlsx_path).active
    name_cell = sheet.cell(row=2, column=2)
    assert name_cell.value == '=HYPERLINK("x")'
    assert name_cell.data_type == "s"  # stored as text: never a formula

    # And the round trip restores the exact name.
    code, output = run("import_data", "staff", str(csv_path))
    assert code == 0
    assert StaffProfile.objects.get(employee_no="100001").name == '=HYPERLINK("x")'


def test_export_refuses_an_unsupported_format(bank, tmp_path):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="cannot be exported as gift"):
        call_command("export_data", "staff", "-o", str(tmp_path / "x.gift"))


def test_load_demo_is_idempotent(db, settings, tmp_path, monkeypatch):
    settings.DEMO_PASSWORD = "Demo-Password-123"
    _code, first = run("load_demo")
    counts = StaffProfile.objects.count()
    _code, second = run("load_demo")
    assert StaffProfile.objects.count() == counts
    for username in [
        "demo-learner",
        "demo-manager",
        "demo-trainer",
        "demo-hr",
        "demo-admin",
    ]:
        assert username in second
    assert "Demo-Password-123" in second
    learner = StaffProfile.objects.get(employee_no="demo-learner").user
    assert learner.check_password("Demo-Password-123")


def test_a_file_over_the_limit_is_refused_before_it_is_read(
    bank, tmp_path, settings, monkeypatch
):
    settings.IMPORT_MAX_UPLOAD_BYTES = 1024 * 1024
    path = tmp_path / "huge.csv"
    with path.open("wb") as handle:
        handle.write(STAFF.encode())
        handle.seek(3 * 1024 * 1024)
        handle.write(b"\n")
    read = []
    monkeypatch.setattr(type(path), "read_bytes", lambda self: read.append(self) or b"")
    code, output = run("import_data", "staff", str(path))
    assert code == 1
    assert "1 MB" in output
    assert read == []
