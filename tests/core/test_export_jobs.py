"""Exports as background jobs: start, progress, result file, download, failure,
permissions and the audit log."""

import csv
import io

import pytest
from django.test import Client

from core import exports, jobs, roles
from core.models import AuditEvent, Job
from tests import factories
from tests.conftest import client_for


@pytest.fixture
def run_on_commit(django_capture_on_commit_callbacks):
    """Post and run the queued job as a real commit would."""

    def post(client, url, data=None):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(url, data or {})
        return response

    return post


def _job():
    return Job.objects.get(kind=Job.Kind.EXPORT)


def test_hr_exports_staff_in_the_background_and_downloads_the_file(
    as_hr, hr, learner, run_on_commit
):
    response = run_on_commit(as_hr, "/admin/exports/staff/", {"format": "csv"})
    job = _job()
    assert response.status_code == 302
    assert response["Location"] == f"/admin/exports/jobs/{job.pk}/"
    assert job.status == Job.Status.SUCCEEDED
    assert job.created_by == hr.user
    assert job.progress_done == job.progress_total == 2  # hr and learner

    page = as_hr.get(f"/admin/exports/jobs/{job.pk}/")
    assert b"data-export-done" in page.content

    download = as_hr.get(f"/admin/exports/jobs/{job.pk}/download/")
    assert download.status_code == 200
    assert "attachment" in download["Content-Disposition"]
    text = b"".join(download.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][0] == "employee_no"
    assert {r[0] for r in rows[1:]} == {hr.employee_no, learner.employee_no}

    event = AuditEvent.objects.get(action=AuditEvent.Action.EXPORT)
    assert event.user == hr.user
    assert event.detail["rows"] == 2
    assert event.detail["job"] == str(job.pk)


def test_xlsx_export_job(as_hr, hr, run_on_commit):
    run_on_commit(as_hr, "/admin/exports/departments/", {"format": "xlsx"})
    job = _job()
    assert job.status == Job.Status.SUCCEEDED
    assert job.result_file.name.endswith(".xlsx")
    from openpyxl import load_workbook

    with job.result_file.open("rb") as handle:
        sheet = load_workbook(handle, read_only=True).active
        header = next(sheet.iter_rows(values_only=True))
    assert header[0] == "code"


def test_progress_is_reported_while_rows_are_written(hr, bank, monkeypatch):
    for number in range(5):
        factories.staff(department=bank.o1, employee_no=f"P{number:03d}")
    monkeypatch.setattr(exports, "PROGRESS_EVERY", 2)
    seen = []
    job = Job.objects.create(
        kind=Job.Kind.EXPORT,
        record_kind="staff",
        report={"format": "csv", "filters": {}},
        created_by=hr.user,
    )
    real_set = jobs.cache.set

    def spy(key, value, timeout=None):
        seen.append(value)
        return real_set(key, value, timeout)

    monkeypatch.setattr(jobs.cache, "set", spy)
    jobs.job_run(job_id=job.pk)
    total = 6  # five staff and HR
    assert seen == [(0, total), (2, total), (4, total), (6, total)]
    job.refresh_from_db()
    assert (job.progress_done, job.progress_total) == (total, total)


def test_a_failing_export_leaves_no_file_and_no_audit_entry(
    as_hr, hr, run_on_commit, monkeypatch
):
    def broken_rows(*args, **kwargs):
        yield ["employee_no"]
        raise RuntimeError("disk full")

    monkeypatch.setattr(exports, "export_rows", broken_rows)
    run_on_commit(as_hr, "/admin/exports/staff/", {"format": "csv"})
    job = _job()
    assert job.status == Job.Status.FAILED
    assert "disk full" in job.error
    assert not job.result_file
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).exists()
    page = as_hr.get(f"/admin/exports/jobs/{job.pk}/")
    assert "disk full" in page.content.decode()
    assert as_hr.get(f"/admin/exports/jobs/{job.pk}/download/").status_code == 404


def test_only_the_person_who_asked_may_see_or_download_the_file(
    as_hr, hr, bank, run_on_commit, as_admin
):
    run_on_commit(as_hr, "/admin/exports/staff/", {"format": "csv"})
    job = _job()
    other_hr = factories.staff(
        department=bank.hr_dept, employee_no="H002", role=roles.HR
    )
    other = client_for(other_hr)
    assert other.get(f"/admin/exports/jobs/{job.pk}/").status_code == 404
    assert other.get(f"/admin/exports/jobs/{job.pk}/download/").status_code == 404
    assert as_admin.get(f"/admin/exports/jobs/{job.pk}/download/").status_code == 200
    # An export job is not an import job.
    assert as_hr.get(f"/admin/imports/jobs/{job.pk}/").status_code == 404


@pytest.mark.parametrize(
    ("role", "index", "start_staff"),
    [
        ("anonymous", 302, 302),
        ("learner", 302, 302),
        ("manager", 302, 302),
        ("trainer", 200, 302),  # questions, not staff: sent back to the dashboard
        ("hr", 200, 200),
        ("admin", 200, 200),
    ],
)
def test_who_may_export_what(role_clients, role, index, start_staff):
    client = role_clients[role]
    assert client.get("/admin/exports/").status_code == index
    response = client.get("/admin/exports/staff/")
    assert response.status_code == start_staff
    if role == "trainer":
        assert response["Location"] == "/admin/"


def test_trainer_exports_questions_as_gift(as_trainer, run_on_commit):
    from tests.quizzes import factories as quiz_factories

    quiz_factories.question(stem="个人金融信息属于什么？")
    run_on_commit(as_trainer, "/admin/exports/questions/", {"format": "gift"})
    job = _job()
    assert job.status == Job.Status.SUCCEEDED
    with job.result_file.open("rb") as handle:
        assert "个人金融信息属于什么" in handle.read().decode("utf-8")


def test_filters_are_offered_only_where_the_kind_has_them(as_hr):
    page = as_hr.get("/admin/exports/staff/").content.decode()
    assert 'name="period"' not in page


def test_unknown_kind_is_404(as_hr):
    assert as_hr.get("/admin/exports/nothing/").status_code == 404


def test_starting_an_export_needs_csrf(hr):
    client = Client(enforce_csrf_checks=True)
    client.force_login(hr.user)
    assert client.post("/admin/exports/staff/", {"format": "csv"}).status_code == 403
    assert not Job.objects.exists()


def test_pages_have_bounded_queries(
    as_hr, hr, run_on_commit, django_assert_max_num_queries
):
    run_on_commit(as_hr, "/admin/exports/staff/", {"format": "csv"})
    job = _job()
    with django_assert_max_num_queries(25):
        assert as_hr.get("/admin/exports/").status_code == 200
    with django_assert_max_num_queries(25):
        assert as_hr.get(f"/admin/exports/jobs/{job.pk}/").status_code == 200
