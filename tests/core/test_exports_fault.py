"""Faults in the middle of an export: the database is left as it was (no audit
event for an export that did not finish) and no half-written file is left where
the export should be."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from core import exports
from core.imports import registry
from core.models import AuditEvent, Job
from tests import factories


class Boom(RuntimeError):
    """The injected fault (say, the database went away)."""


@pytest.fixture
def staff_rows(bank):
    for n in range(5):
        factories.staff(department=bank.o1, employee_no=f"10000{n}")


@pytest.fixture
def fail_on_third_row(monkeypatch):
    """Make the staff resource fail while writing its third record."""
    resource_class = registry.get_kind("staff").resource_class
    original = resource_class.export_row
    calls = {"n": 0}

    def export_row(self, obj, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise Boom("connection lost")
        return original(self, obj, *args, **kwargs)

    monkeypatch.setattr(resource_class, "export_row", export_row)
    return calls


def database_state():
    return (
        list(AuditEvent.objects.values_list("pk", "action", "target_type")),
        list(Job.objects.values_list("pk", "status")),
    )


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_fault_mid_export_leaves_no_file_and_no_audit_event(
    staff_rows, fail_on_third_row, tmp_path, fmt
):
    output = tmp_path / f"staff.{fmt}"
    before = database_state()

    with pytest.raises(Boom):
        call_command("export_data", "staff", "-o", str(output))

    assert fail_on_third_row["n"] == 3  # the fault struck in the middle
    assert database_state() == before
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).exists()
    assert list(tmp_path.iterdir()) == []  # neither the file nor a temporary one


def test_a_fault_keeps_the_previous_export_file_as_it_was(
    staff_rows, fail_on_third_row, tmp_path
):
    output = tmp_path / "staff.csv"
    output.write_bytes(b"yesterday's complete export")

    with pytest.raises(Boom):
        exports.write_export_file("staff", output, "csv")

    assert output.read_bytes() == b"yesterday's complete export"
    assert [p.name for p in tmp_path.iterdir()] == ["staff.csv"]


def test_a_fault_in_a_format_writer_is_handled_alike(staff_rows, tmp_path, monkeypatch):
    """Formats with their own writer (GIFT for questions) go the same way."""
    from quizzes.models import Question

    def broken_writer(stream, queryset):
        stream.write(b"::Q1:: half a question {")
        raise Boom("disk full")

    kind = registry.get_kind("questions")
    monkeypatch.setitem(kind.writers, "gift", broken_writer)
    output = tmp_path / "questions.gift"

    with pytest.raises(Boom):
        call_command("export_data", "questions", "-o", str(output))

    assert not output.exists() and list(tmp_path.iterdir()) == []
    assert not AuditEvent.objects.exists()
    assert not Question.objects.exists()


def test_the_same_export_without_the_fault_is_written_and_audited_once(
    staff_rows, tmp_path
):
    output = tmp_path / "staff.csv"

    call_command("export_data", "staff", "-o", str(output))

    assert output.read_text(encoding="utf-8-sig").count("\n") >= 6
    assert [p.name for p in tmp_path.iterdir()] == ["staff.csv"]
    event = AuditEvent.objects.get(action=AuditEvent.Action.EXPORT)
    assert event.detail["rows"] >= 5 and event.detail["command"] == "export_data"


def test_a_streamed_admin_download_is_audited_before_its_first_byte(
    staff_rows, as_hr, monkeypatch
):
    """A download streamed to the browser is recorded before it starts: part of
    it may reach the person even if it fails later, so the event must exist."""
    from wagtail.admin.views.mixins import SpreadsheetExportMixin

    def failing_stream(self, queryset):
        yield "\ufeffemployee_no\n".encode()
        raise Boom("connection lost")

    # Fail inside Wagtail's own row writer, beneath our safety mixin.
    monkeypatch.setattr(SpreadsheetExportMixin, "stream_csv", failing_stream)
    response = as_hr.get("/admin/staff/?export=csv")
    assert response.status_code == 200
    with pytest.raises(Boom):
        b"".join(response.streaming_content)

    event = AuditEvent.objects.get(action=AuditEvent.Action.EXPORT)
    assert event.target_type == "org.staffprofile"


def test_a_failed_xlsx_export_leaves_no_temporary_file_behind(
    staff_rows, fail_on_third_row, tmp_path
):
    from openpyxl.worksheet._writer import ALL_TEMP_FILES

    before = set(ALL_TEMP_FILES)
    with pytest.raises(Boom):
        exports.write_export_file("staff", tmp_path / "staff.xlsx", "xlsx")
    assert set(ALL_TEMP_FILES) == before


def test_a_fault_in_an_export_job_marks_it_failed_with_no_file_and_no_audit(
    staff_rows, fail_on_third_row, hr
):
    from core import jobs

    job = jobs.export_create(user=hr.user, record_kind="staff", fmt="csv")
    job = jobs.job_run(job_id=job.pk)  # on_commit never fires in a test

    assert job.status == Job.Status.FAILED and "connection lost" in job.error
    assert not job.result_file
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).exists()


def test_the_same_export_job_without_the_fault_succeeds_and_is_audited(staff_rows, hr):
    from core import jobs

    job = jobs.export_create(user=hr.user, record_kind="staff", fmt="csv")
    job = jobs.job_run(job_id=job.pk)

    assert job.status == Job.Status.SUCCEEDED and job.result_file
    assert AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).count() == 1
    job.result_file.delete(save=False)
