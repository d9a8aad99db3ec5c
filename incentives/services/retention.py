"""Retention of complaint personal data (个人信息保护法 第十九条: kept no longer
than the purpose needs).

A complaint closed more than `settings.COMPLAINT_RETENTION_DAYS` days ago keeps
what the ledger and the statistics need (reference number, dates, channel,
category, department, staff, outcome) and loses the customer's story: the
summary and the free-text reasons and notes, which can quote the customer.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core.audit import audit_record
from core.models import AuditEvent
from incentives.models import Complaint

#: What replaces each anonymised text. Stored data, so not translated.
ANONYMISED_TEXT = "〔已匿名化〕"

#: The free-text fields that can hold a customer's personal data.
PERSONAL_TEXT_FIELDS = ("summary", "extension_reason", "approval_note")

_BATCH = 500


@dataclass(frozen=True)
class RetentionReport:
    closed_before: dt.datetime
    retention_days: int
    dry_run: bool
    references: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.references)


def complaints_expired(*, now: dt.datetime | None = None):
    """Closed complaints past the retention period and not yet anonymised."""
    cutoff = _cutoff(now)
    return Complaint.objects.filter(
        status=Complaint.Status.CLOSED,
        resolved_at__lt=cutoff,
        anonymised_at__isnull=True,
    )


def complaints_anonymise_expired(
    *, now: dt.datetime | None = None, dry_run: bool = False
) -> RetentionReport:
    """Anonymise every complaint closed longer ago than the retention period.

    Idempotent: anonymised complaints are skipped, so a second run (or two runs
    at once) changes nothing. One audit event lists what was anonymised; a run
    that finds nothing records nothing.
    """
    now = now or timezone.now()
    days = settings.COMPLAINT_RETENTION_DAYS
    report = RetentionReport(
        closed_before=_cutoff(now), retention_days=days, dry_run=dry_run
    )
    with transaction.atomic():
        rows = list(
            complaints_expired(now=now)
            .select_for_update()
            .order_by("pk")
            .values_list("pk", "reference_no")
        )
        report.references.extend(reference for _pk, reference in rows)
        if dry_run or not rows:
            return report
        ids = [pk for pk, _reference in rows]
        for start in range(0, len(ids), _BATCH):
            _anonymise(ids[start : start + _BATCH], now=now)
        audit_record(
            user=None,
            action=AuditEvent.Action.ANONYMISE,
            target_type="incentives.complaint",
            detail={
                "count": report.count,
                "retention_days": days,
                "closed_before": report.closed_before.isoformat(),
                "fields": list(PERSONAL_TEXT_FIELDS),
                "references": report.references,
            },
        )
    return report


def _anonymise(ids: list[int], *, now: dt.datetime) -> None:
    # Empty texts stay empty (nothing to hide), so that a blank reason still
    # reads as "none given"; the constraints that need a reason find the marker.
    queryset = Complaint.objects.filter(pk__in=ids, anonymised_at__isnull=True)
    for name in PERSONAL_TEXT_FIELDS:
        queryset.exclude(**{name: ""}).update(**{name: ANONYMISED_TEXT})
    queryset.update(anonymised_at=now, updated_at=now)


def _cutoff(now: dt.datetime | None) -> dt.datetime:
    now = now or timezone.now()
    return now - dt.timedelta(days=settings.COMPLAINT_RETENTION_DAYS)
