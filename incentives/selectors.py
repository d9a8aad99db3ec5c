"""Reads of the complaint ledger."""

from __future__ import annotations

import datetime as dt

from django.db.models import BooleanField, Case, F, Q, QuerySet, Value, When
from django.utils import timezone

from incentives.models import Complaint, ComplaintViewLog


def overdue_q(now: dt.datetime | None = None) -> Q:
    """Open past its deadline, or closed after it."""
    now = now or timezone.now()
    return Q(status=Complaint.Status.OPEN, deadline_at__lt=now) | Q(
        status=Complaint.Status.CLOSED, resolved_at__gt=F("deadline_at")
    )


def with_overdue(
    queryset: QuerySet[Complaint], now: dt.datetime | None = None
) -> QuerySet[Complaint]:
    """Annotate `is_overdue` (see overdue_q)."""
    return queryset.annotate(
        is_overdue=Case(
            When(overdue_q(now), then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        )
    )


def complaint_list(
    *, overdue: bool | None = None, now: dt.datetime | None = None
) -> QuerySet[Complaint]:
    """Complaints with their department and staff loaded and `is_overdue`."""
    qs = with_overdue(
        Complaint.objects.select_related(
            "department",
            "responsible_staff",
            "handler",
        ),
        now,
    )
    if overdue is True:
        qs = qs.filter(overdue_q(now))
    elif overdue is False:
        qs = qs.exclude(overdue_q(now))
    return qs


def complaint_get(pk) -> Complaint:
    """One complaint with everything its detail page shows (raises DoesNotExist)."""
    return complaint_list().select_related("extended_by", "approved_by").get(pk=pk)


def complaint_is_overdue(complaint: Complaint, now: dt.datetime | None = None) -> bool:
    now = now or timezone.now()
    if complaint.status == Complaint.Status.CLOSED:
        return (
            complaint.resolved_at is not None
            and complaint.resolved_at > complaint.deadline_at
        )
    return now > complaint.deadline_at


def complaint_view_log_list(complaint: Complaint) -> QuerySet[ComplaintViewLog]:
    """Who opened the complaint's detail, most recent first."""
    return ComplaintViewLog.objects.filter(complaint=complaint).select_related(
        "user", "user__staff_profile"
    )
