"""Services of background jobs: create, run, follow progress."""

from __future__ import annotations

import hashlib
import logging

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.imports.pipeline import run_import
from core.models import Job

logger = logging.getLogger(__name__)

ERROR_NOT_PREVIEWED = _(
    "This file has not been checked yet, or its check found errors."
)
ERROR_ALREADY_APPLIED = _("This file has already been imported.")
PROGRESS_KEY = "job-progress:{}"


def import_preview_create(*, user, record_kind: str, uploaded) -> Job:
    """Store an uploaded file and queue its dry run."""
    data = uploaded.read()
    job = Job(
        kind=Job.Kind.IMPORT_PREVIEW,
        record_kind=record_kind,
        input_name=uploaded.name[:255],
        input_sha256=hashlib.sha256(data).hexdigest(),
        created_by=user,
    )
    job.input_data = data
    job.save()
    _enqueue(job)
    return job


@transaction.atomic
def import_apply_create(*, user, preview: Job) -> Job:
    """Queue the real import of a file whose dry run found no errors."""
    preview = Job.objects.select_for_update().get(pk=preview.pk)
    if (
        preview.kind != Job.Kind.IMPORT_PREVIEW
        or preview.status != Job.Status.SUCCEEDED
        or preview.report.get("errors")
    ):
        raise ValueError(ERROR_NOT_PREVIEWED)
    if preview.applied_by.exclude(status=Job.Status.FAILED).exists():
        raise ValueError(ERROR_ALREADY_APPLIED)
    job = Job.objects.create(
        kind=Job.Kind.IMPORT_APPLY,
        record_kind=preview.record_kind,
        input_data=preview.input_data,
        input_name=preview.input_name,
        input_sha256=preview.input_sha256,
        preview_of=preview,
        created_by=user,
    )
    _enqueue(job)
    return job


def export_create(
    *, user, record_kind: str, fmt: str, filters: dict | None = None
) -> Job:
    """Queue an export of one kind of record (optionally filtered, e.g. a ledger
    period) to a file that only `user` may download."""
    job = Job.objects.create(
        kind=Job.Kind.EXPORT,
        record_kind=record_kind,
        input_name=f"{record_kind}.{fmt}",
        report={"format": fmt, "filters": filters or {}},
        created_by=user,
    )
    _enqueue(job)
    return job


def _enqueue(job: Job) -> None:
    from core.tasks import run_job

    transaction.on_commit(lambda: run_job.enqueue(job_id=str(job.pk)))


def job_run(*, job_id) -> Job:
    """Run a queued job to its end; a failure is recorded on the job, not raised."""
    with transaction.atomic():
        job = Job.objects.select_for_update().get(pk=job_id)
        if job.status != Job.Status.QUEUED:
            return job
        job.status = Job.Status.RUNNING
        job.started_at = timezone.now()
        job.save(update_fields=["status", "started_at"])

    def progress(done: int, total: int) -> None:
        # Progress lives in the cache: the import's own transaction is still open,
        # so a row update would not be visible to the page that polls it.
        cache.set(PROGRESS_KEY.format(job.pk), (done, total), timeout=3600)

    if job.kind == Job.Kind.EXPORT:
        return _run_export(job, progress)
    try:
        data = bytes(job.input_data)
        report = run_import(
            job.record_kind,
            data,
            filename=job.input_name,
            dry_run=job.kind == Job.Kind.IMPORT_PREVIEW,
            progress=progress,
        )
    except Exception as exc:
        logger.exception("job %s failed", job.pk)
        job.status = Job.Status.FAILED
        job.error = f"{type(exc).__name__}: {exc}"
    else:
        job.report = report.to_dict()
        job.progress_total = report.total_rows
        job.progress_done = report.total_rows
        # A file with bad rows is a finished check, not a crash: the report says why.
        job.status = (
            Job.Status.SUCCEEDED
            if report.ok or job.kind == Job.Kind.IMPORT_PREVIEW
            else Job.Status.FAILED
        )
    job.finished_at = timezone.now()
    job.save()
    if job.kind == Job.Kind.IMPORT_APPLY and job.report.get("committed"):
        from core.audit import audit_record
        from core.models import AuditEvent

        audit_record(
            user=job.created_by,
            action=AuditEvent.Action.IMPORT,
            target_type=job.record_kind,
            detail={
                "file": job.input_name,
                "new": job.report.get("new"),
                "updated": job.report.get("updated"),
                "job": str(job.pk),
            },
        )
    cache.delete(PROGRESS_KEY.format(job.pk))
    return job


def _run_export(job: Job, progress) -> Job:
    """Write the export to a temporary file, then keep it on the job. A failure
    leaves no file and no audit entry claiming an export happened."""
    import tempfile

    from django.core.files import File

    from core.audit import audit_record
    from core.exports import export_queryset, write_export
    from core.models import AuditEvent

    fmt = job.report["format"]
    filters = job.report.get("filters") or {}
    try:
        selected = export_queryset(job.record_kind, filters)
        total = selected.count()
        # Unfiltered, a kind's own writer (e.g. GIFT) picks its default records.
        queryset = selected if filters else None
        progress(0, total)
        with tempfile.TemporaryFile() as stream:
            count = write_export(
                job.record_kind,
                stream,
                fmt,
                queryset,
                progress=lambda done: progress(done, max(total, done)),
            )
            stream.seek(0)
            stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
            job.result_file.save(
                f"{job.record_kind}-{stamp}.{fmt}", File(stream), save=False
            )
    except Exception as exc:
        logger.exception("export job %s failed", job.pk)
        job.status = Job.Status.FAILED
        job.error = f"{type(exc).__name__}: {exc}"
    else:
        job.status = Job.Status.SUCCEEDED
        job.progress_done = job.progress_total = count
        job.report = {**job.report, "rows": count}
    job.finished_at = timezone.now()
    with transaction.atomic():
        job.save()
        if job.status == Job.Status.SUCCEEDED:
            audit_record(
                user=job.created_by,
                action=AuditEvent.Action.EXPORT,
                target_type=job.record_kind,
                detail={
                    "format": fmt,
                    "filters": filters,
                    "rows": job.progress_done,
                    "job": str(job.pk),
                },
            )
    cache.delete(PROGRESS_KEY.format(job.pk))
    return job


def job_progress(job: Job) -> tuple[int, int]:
    if job.is_finished:
        return job.progress_done, job.progress_total
    return cache.get(PROGRESS_KEY.format(job.pk), (0, 0))


ERROR_WORKER_STOPPED = _(
    "The job stopped without finishing (its worker was stopped or crashed). Nothing "
    "it did was kept; run it again."
)
ERROR_NOT_RETRYABLE = _("Only a failed job can be run again.")


def job_fail_stale(*, now=None) -> int:
    """Mark as failed the jobs that have been running longer than JOB_TIMEOUT_SECONDS.

    A job's work happens in one transaction, so a worker killed mid-job leaves
    nothing half-written; only the job's own status needs setting right.
    """
    from django.conf import settings

    now = now or timezone.now()
    cutoff = now - timezone.timedelta(seconds=settings.JOB_TIMEOUT_SECONDS)
    return Job.objects.filter(status=Job.Status.RUNNING, started_at__lt=cutoff).update(
        status=Job.Status.FAILED, error=str(ERROR_WORKER_STOPPED), finished_at=now
    )


@transaction.atomic
def job_retry(*, job: Job, user) -> Job:
    """Queue a new job doing what a failed one set out to do, on the same file."""
    job = Job.objects.select_for_update().get(pk=job.pk)
    if job.status != Job.Status.FAILED:
        raise ValueError(ERROR_NOT_RETRYABLE)
    retry = Job.objects.create(
        kind=job.kind,
        record_kind=job.record_kind,
        input_data=job.input_data,
        input_name=job.input_name,
        input_sha256=job.input_sha256,
        preview_of=job.preview_of,
        created_by=user,
    )
    _enqueue(retry)
    return retry
