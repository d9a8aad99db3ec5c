"""The generic hooks of the import pipeline that record kinds may use: readers
and writers of other formats, a row key for duplicate checks, skipped records,
line-numbered errors, hidden columns. Tried on a throwaway kind built from the
departments kind, so these tests depend on no app above core but org."""

from __future__ import annotations

import dataclasses
import io

import pytest
from django.urls import reverse

from core.exports import write_export
from core.forms import ImportUploadForm
from core.imports import registry
from core.imports.pipeline import run_import
from core.imports.reading import Table
from core.imports.report import ImportReport, RowError, SkippedItem
from core.models import Job
from org.models import Department

KIND = "test-departments"


def lines_reader(data: bytes) -> Table:
    """A toy text format: 'code|name|kind' per line, a line '#skip name' is
    skipped and a line '!' is an error; rows are numbered by line."""
    rows, skipped, errors = [], [], []
    for number, line in enumerate(data.decode().splitlines(), start=1):
        if line.startswith("#skip "):
            skipped.append(SkippedItem(number, line[6:], "not a department"))
        elif line == "!":
            errors.append(RowError(number, "", "broken line"))
        elif line:
            rows.append((number, line.split("|")))
    table = Table(
        headers=["code", "name", "kind"], _rows=lambda: iter(rows), format="lines"
    )
    table.skipped, table.errors = skipped, errors
    table.warnings.append("read by the toy reader")
    return table


def fake_writer(stream, queryset=None) -> int:
    names = list(Department.objects.values_list("code", flat=True))
    stream.write(" ".join(names).encode())
    return len(names)


@pytest.fixture
def test_kind():
    base = registry.get_kind("departments")
    kind = dataclasses.replace(
        base,
        name=KIND,
        columns=(*base.columns, registry.Column("note", "备注", in_template=False)),
        import_formats=("csv", "xlsx", "lines"),
        export_formats=("csv", "xlsx", "fake"),
        readers={"lines": lines_reader},
        writers={"fake": fake_writer},
        row_key=lambda cells: str(cells.get("name", "")).strip(),
    )
    registry.register(kind)
    yield kind
    registry._kinds.pop(KIND)


def test_a_reader_is_chosen_by_the_file_extension(db, test_kind):
    data = b"X1|Branch one|branch\n#skip Mystery\n\nX2|Outlet|outlet\n"

    report = run_import(KIND, data, filename="units.lines")

    assert report.ok, report.as_text()
    assert report.new == 2
    assert report.format == "lines" and report.rows_are_lines
    assert report.skipped == [SkippedItem(2, "Mystery", "not a department")]
    assert "read by the toy reader" in report.warnings
    text = report.as_text()
    assert "1 skipped." in text
    assert "Line 2: “Mystery” skipped (not a department)." in text
    assert set(Department.objects.values_list("code", flat=True)) == {"X1", "X2"}


def test_the_same_bytes_under_another_name_are_read_as_csv(db, test_kind):
    report = run_import(KIND, b"code,name\nX1,One\n", filename="units.csv")
    assert report.ok and report.format == "csv"


def test_reader_errors_fail_the_file_and_every_row_is_still_checked(db, test_kind):
    data = b"X1|One|branch\n!\nX2|Two|nonsense\n"

    report = run_import(KIND, data, filename="units.lines")

    assert [(e.row, e.column) for e in report.sorted_errors()] == [(2, ""), (3, "kind")]
    assert "Line 2: broken line" in report.as_text()
    assert not report.committed
    assert not Department.objects.exists()


def test_a_row_key_finds_duplicates_the_natural_key_cell_alone_would_miss(
    db, test_kind
):
    data = b"X1|Same name|branch\nX2| Same name |branch\n"

    report = run_import(KIND, data, filename="units.lines")

    assert [(e.row, e.column, e.message) for e in report.errors] == [
        (2, "code", "“X2” already appears in row 1 of this file.")
    ]


def test_the_formula_apostrophe_is_undone_only_for_spreadsheets(db, test_kind):
    assert run_import(KIND, b"X1|'+1 branch|branch\n", filename="u.lines").ok
    assert Department.objects.get(code="X1").name == "'+1 branch"
    assert run_import(KIND, b"code,name\nX2,'+2 branch\n", filename="u.csv").ok
    assert Department.objects.get(code="X2").name == "+2 branch"


def test_an_export_format_with_its_own_writer(db, test_kind):
    run_import(KIND, b"code,name\nA1,One\nA2,Two\n", filename="u.csv")
    stream = io.BytesIO()

    count = write_export(KIND, stream, "fake")

    assert (count, stream.getvalue()) == (2, b"A1 A2")


def test_reports_with_skipped_records_survive_json(db):
    report = ImportReport(kind=KIND, format="gift")
    report.skipped.append(SkippedItem(4, "Q", "essay"))
    report.add_error(9, "answer", "bad")

    restored = ImportReport.from_dict(report.to_dict())

    assert restored == report
    assert "Line 9, column answer: bad" in restored.as_text()
    old = report.to_dict()
    del old["skipped"], old["format"]  # a report stored before these fields
    assert ImportReport.from_dict(old).skipped == []


def test_hidden_columns_stay_out_of_the_template(as_admin, test_kind):
    response = as_admin.get(reverse("core_imports:template", args=[KIND, "csv"]))

    header = response.content.decode("utf-8-sig").strip()
    assert header == "部门编码,部门名称,上级部门编码,类型"


def test_the_upload_form_names_extra_formats():
    form = ImportUploadForm(extensions=("csv", "xlsx", "gift"))
    assert ".gift" in str(form.fields["file"].help_text)
    assert form.fields["file"].widget.attrs["accept"] == ".csv,.xlsx,.gift"


def test_the_job_page_lists_skipped_records(as_admin, admin, test_kind):
    report = run_import(KIND, b"#skip Mystery\nX1|One|branch\n", filename="u.lines")
    job = Job.objects.create(
        kind=Job.Kind.IMPORT_PREVIEW,
        record_kind=KIND,
        input_name="u.lines",
        status=Job.Status.SUCCEEDED,
        report=report.to_dict(),
        created_by=admin.user,
    )

    content = as_admin.get(reverse("core_imports:job", args=[job.pk])).content.decode()

    assert "data-import-skipped" in content and "Mystery" in content
    assert 'data-count="skipped">1<' in content


def test_the_preview_of_a_new_record_leaves_out_its_empty_columns(db, test_kind):
    data = b"code,name,parent_code,kind\nX1,One,,branch\n"

    report = run_import(KIND, data, filename="u.csv")

    assert report.changes[0].fields == {
        "code": ["", "X1"],
        "name": ["", "One"],
        "kind": ["", "branch"],
    }
