"""Background jobs: progress, failure, a dead worker, running again."""

import datetime as dt

import pytest
from django.utils import timezone

from core import jobs
from core.models import Job
from org.models import StaffProfile

GOOD = "工号,姓名,部门编码\n900001,钱学森,O1\n".encode()


def make_job(hr, **fields):
    defaults = {
        "kind": Job.Kind.IMPORT_APPLY,
        "record_kind": "staff",
        "input_data": GOOD,
        "input_name": "staff.csv",
        "created_by": hr.user,
    }
    return Job.objects.create(**{**defaults, **fields})


def test_immediate_backend_runs_the_job(bank, hr, django_capture_on_commit_callbacks):
    from django.core.files.uploadedfile import SimpleUploadedFile

    with django_capture_on_commit_callbacks(execute=True):
        job = jobs.import_preview_create(
            user=hr.user,
            record_kind="staff",
            uploaded=SimpleUploadedFile("s.csv", GOOD),
        )
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED
    assert (job.progress_done, job.progress_total) == (1, 1)
    assert job.report["new"] == 1 and not StaffProfile.objects.filter(
        employee_no="900001"
    )


def test_progress_is_visible_while_running(bank, hr, monkeypatch):
    job = make_job(hr)
    seen = []

    def fake_import(kind, data, *, filename, dry_run, progress):
        progress(40, 100)
        seen.append(jobs.job_progress(Job.objects.get(pk=job.pk)))
        from core.imports.report import ImportReport

        return ImportReport(kind=kind, total_rows=100, new=100, committed=True)

    monkeypatch.setattr(jobs, "run_import", fake_import)
    jobs.job_run(job_id=job.pk)
    assert seen == [(40, 100)]


def test_a_crash_marks_the_job_failed_and_writes_nothing(bank, hr, monkeypatch):
    job = make_job(hr)

    def explode(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(jobs, "run_import", explode)
    jobs.job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED and "disk on fire" in job.error
    assert not StaffProfile.objects.filter(employee_no="900001").exists()


def test_a_job_is_run_once_only(bank, hr):
    job = make_job(hr)
    jobs.job_run(job_id=job.pk)
    jobs.job_run(job_id=job.pk)
    assert StaffProfile.objects.filter(employee_no="900001").count() == 1


def test_a_job_whose_worker_died_is_failed_and_can_run_again(
    bank, hr, settings, django_capture_on_commit_callbacks
):
    started = timezone.now() - dt.timedelta(seconds=settings.JOB_TIMEOUT_SECONDS + 60)
    dead = make_job(hr, status=Job.Status.RUNNING, started_at=started)
    alive = make_job(hr, status=Job.Status.RUNNING, started_at=timezone.now())

    assert jobs.job_fail_stale() == 1
    dead.refresh_from_db()
    alive.refresh_from_db()
    assert dead.status == Job.Status.FAILED and alive.status == Job.Status.RUNNING

    with django_capture_on_commit_callbacks(execute=True):
        retry = jobs.job_retry(job=dead, user=hr.user)
    retry.refresh_from_db()
    assert retry.status == Job.Status.SUCCEEDED
    assert StaffProfile.objects.filter(employee_no="900001").exists()


def test_only_failed_jobs_can_run_again(bank, hr):
    job = make_job(hr, status=Job.Status.SUCCEEDED)
    with pytest.raises(ValueError):
        jobs.job_retry(job=job, user=hr.user)


def test_retry_from_the_job_page(as_hr, hr, bank, django_capture_on_commit_callbacks):
    job = make_job(hr, status=Job.Status.FAILED, error="boom")
    page = as_hr.get(f"/admin/imports/jobs/{job.pk}/").content.decode()
    assert "data-retry-job" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = as_hr.post(f"/admin/imports/jobs/{job.pk}/retry/")
    assert response.status_code == 302
    assert Job.objects.filter(status=Job.Status.SUCCEEDED).count() == 1
