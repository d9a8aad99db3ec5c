"""Infrastructure models only: background jobs (imports now; exports, evaluation
and reminders later) with their progress and report."""

import uuid

from django.conf import settings
from django.core.files.storage import storages
from django.db import models
from django.utils.translation import gettext_lazy as _


def _private_storage():
    return storages["private"]


class Job(models.Model):
    """A unit of background work that a person started and wants to follow.

    Imports run as two jobs over the same stored file: a dry run ("preview") and,
    after the person confirms, the real import ("apply"). An export job writes
    its file to private storage (`result_file`) for the person who asked for it;
    its format and filters are in `report`.
    """

    class Kind(models.TextChoices):
        IMPORT_PREVIEW = "import_preview", _("Import preview")
        IMPORT_APPLY = "import_apply", _("Import")
        EXPORT = "export", _("Export")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    record_kind = models.CharField(_("record kind"), max_length=32, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.QUEUED
    )
    # The uploaded file itself lives in the database (uploads are capped at
    # IMPORT_MAX_UPLOAD_MB): any app process or worker on any machine can read it,
    # with no shared disk, and it is never served as a URL.
    input_data = models.BinaryField(_("file"), blank=True, editable=False)
    result_file = models.FileField(
        _("result file"), storage=_private_storage, upload_to="jobs/%Y/%m/", blank=True
    )
    input_name = models.CharField(_("file name"), max_length=255, blank=True)
    input_sha256 = models.CharField(max_length=64, blank=True)
    preview_of = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="applied_by",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="jobs",
        verbose_name=_("started by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    report = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        verbose_name = _("job")
        verbose_name_plural = _("jobs")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["created_by", "-created_at"])]

    def __str__(self):
        return f"{self.get_kind_display()} {self.record_kind} {self.input_name}"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.SUCCEEDED, self.Status.FAILED)


class AuditEvent(models.Model):
    """Who looked at or took out personal data, and when (个人信息保护法).

    Append-only by use: nothing in the product edits or deletes these rows.
    """

    class Action(models.TextChoices):
        VIEW_PERSONAL_DATA = "view_personal_data", _("Viewed personal data")
        EXPORT = "export", _("Exported")
        IMPORT = "import", _("Imported")
        ANONYMISE = "anonymise", _("Anonymised")

    at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("user"),
    )
    action = models.CharField(_("action"), max_length=32, choices=Action.choices)
    target_type = models.CharField(_("record type"), max_length=100, blank=True)
    target_id = models.CharField(_("record id"), max_length=64, blank=True)
    target_repr = models.CharField(_("record"), max_length=255, blank=True)
    detail = models.JSONField(_("detail"), default=dict, blank=True)
    ip_address = models.GenericIPAddressField(_("address"), null=True, blank=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit log")
        ordering = ["-at"]
        indexes = [models.Index(fields=["target_type", "target_id"])]

    def __str__(self):
        return (
            f"{self.at:%Y-%m-%d %H:%M} {self.get_action_display()} {self.target_repr}"
        )
