"""Writes to the complaint ledger.

Every write masks the summary, derives the deadline and checks the rules of
`complaint_errors()` before it touches the database; the database constraints
on Complaint repeat the rules that must hold whatever writes.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from incentives.masking import mask_personal_numbers
from incentives.models import (
    APPROVED_MAX_DAYS,
    EXTENDED_DAYS,
    STANDARD_DAYS,
    Complaint,
    ComplaintViewLog,
)
from org.models import Department, StaffProfile

ERROR_REFERENCE_TAKEN = _("Another complaint already has this reference number.")
ERROR_RECEIVED_IN_FUTURE = _("The time of receipt cannot be in the future.")
ERROR_RESOLVED_BEFORE_RECEIVED = _(
    "The complaint cannot be resolved before it was received."
)
ERROR_RESOLVED_IN_FUTURE = _("The resolution time cannot be in the future.")
ERROR_OUTCOME_WITHOUT_RESOLUTION = _(
    "An outcome needs a resolution date: give the date the complaint was resolved."
)
ERROR_RESOLVED_BUT_OPEN = _(
    "A complaint with a resolution date must have the status “closed”."
)
ERROR_CLOSED_WITHOUT_RESOLUTION = _("A closed complaint needs a resolution date.")
ERROR_CLOSED_WITHOUT_OUTCOME = _("A closed complaint needs an outcome.")
ERROR_FAULT_WITHOUT_STAFF = _(
    "Staff at fault needs a responsible staff member: name the employee."
)
ERROR_EXTENSION_REASON_REQUIRED = _("Give the reason for extending the deadline.")
ERROR_ALREADY_EXTENDED = _(
    "The deadline has already been extended once; a longer deadline needs a "
    "recorded approval."
)
ERROR_EXTEND_CLOSED = _("A closed complaint's deadline cannot be extended.")
ERROR_APPROVAL_NEEDS_EXTENSION = _(
    "Extend the deadline to 30 days first; only then can a longer deadline be approved."
)
ERROR_APPROVAL_NOTE_REQUIRED = _(
    "A deadline beyond 30 days needs a recorded approval: say who approved it and why."
)
ERROR_APPROVAL_APPROVER_REQUIRED = _(
    "A deadline beyond 30 days needs a recorded approval by a signed-in user."
)
ERROR_APPROVED_DEADLINE_TOO_SHORT = _(
    "An approved deadline must be later than 30 days after receipt (%(limit)s)."
)
ERROR_APPROVED_DEADLINE_TOO_LONG = _(
    "An approved deadline can be at most 60 days after receipt (%(limit)s)."
)
ERROR_ALREADY_APPROVED = _("A longer deadline has already been approved.")
ERROR_APPROVE_CLOSED = _("A closed complaint's deadline cannot be changed.")

# The fields a person (or an import row) sets directly; the rest are derived.
EDITABLE_FIELDS = (
    "received_at",
    "channel",
    "category",
    "department",
    "responsible_staff",
    "handler",
    "status",
    "resolved_at",
    "outcome",
    "staff_at_fault",
    "customer_satisfied",
    "escalated",
    "topic",
    "law_article",
    "summary",
)


# --- rules -----------------------------------------------------------------------


def complaint_deadline(
    *,
    received_at: dt.datetime,
    extended: bool = False,
    approved_deadline_at: dt.datetime | None = None,
) -> dt.datetime:
    """15 days from receipt; 30 after the one extension; the approved deadline
    if a longer one was approved."""
    if approved_deadline_at is not None:
        return approved_deadline_at
    days = EXTENDED_DAYS if extended else STANDARD_DAYS
    return received_at + dt.timedelta(days=days)


def _whole_seconds(value: dt.datetime | None) -> dt.datetime | None:
    """Complaint times are kept to the second (what a file can carry)."""
    return value.replace(microsecond=0) if value is not None else None


def complaint_errors(complaint: Complaint, *, now: dt.datetime | None = None) -> dict:
    """The rules of a complaint record: {field: [messages]}. No queries."""
    now = now or timezone.now()
    errors: dict[str, list] = {}

    def add(field, message):
        errors.setdefault(field, []).append(message)

    received, resolved = complaint.received_at, complaint.resolved_at
    if received is not None and received > now:
        add("received_at", ERROR_RECEIVED_IN_FUTURE)
    if resolved is not None:
        if received is not None and resolved < received:
            add("resolved_at", ERROR_RESOLVED_BEFORE_RECEIVED)
        if resolved > now:
            add("resolved_at", ERROR_RESOLVED_IN_FUTURE)
    if complaint.outcome and resolved is None:
        add("outcome", ERROR_OUTCOME_WITHOUT_RESOLUTION)
    if complaint.status == Complaint.Status.CLOSED:
        if resolved is None:
            add("resolved_at", ERROR_CLOSED_WITHOUT_RESOLUTION)
        if not complaint.outcome:
            add("outcome", ERROR_CLOSED_WITHOUT_OUTCOME)
    elif resolved is not None:
        add("status", ERROR_RESOLVED_BUT_OPEN)
    if complaint.staff_at_fault and complaint.responsible_staff_id is None:
        add("staff_at_fault", ERROR_FAULT_WITHOUT_STAFF)
    if received is not None and complaint.approved_deadline_at is not None:
        _check_approved_deadline(received, complaint.approved_deadline_at, add)
    return errors


def _check_approved_deadline(received, deadline, add) -> None:
    shortest = received + dt.timedelta(days=EXTENDED_DAYS)
    longest = received + dt.timedelta(days=APPROVED_MAX_DAYS)
    if deadline <= shortest:
        add(
            "approved_deadline_at",
            ERROR_APPROVED_DEADLINE_TOO_SHORT % {"limit": _local(shortest)},
        )
    elif deadline > longest:
        add(
            "approved_deadline_at",
            ERROR_APPROVED_DEADLINE_TOO_LONG % {"limit": _local(longest)},
        )


def _local(value: dt.datetime) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")


def complaint_prepare(complaint: Complaint) -> Complaint:
    """Mask the summary and derive the deadline (imports call this per row)."""
    complaint.summary = mask_personal_numbers(complaint.summary or "")
    complaint.received_at = _whole_seconds(complaint.received_at)
    complaint.resolved_at = _whole_seconds(complaint.resolved_at)
    if complaint.received_at is not None:
        complaint.deadline_at = complaint_deadline(
            received_at=complaint.received_at,
            extended=complaint.extended_at is not None,
            approved_deadline_at=complaint.approved_deadline_at,
        )
    return complaint


def _validate(complaint: Complaint, *, reference_taken: bool = False) -> None:
    """Raise every problem of the record at once, field by field."""
    errors = complaint_errors(complaint)
    if reference_taken:
        errors.setdefault("reference_no", []).append(ERROR_REFERENCE_TAKEN)
    try:
        complaint.full_clean(
            exclude=["deadline_at"], validate_unique=False, validate_constraints=False
        )
    except ValidationError as exc:
        errors = exc.update_error_dict(errors)
    if errors:
        raise ValidationError(errors)


def _save(complaint: Complaint, **kwargs) -> None:
    """Save inside a savepoint; a duplicate reference number (also from a
    concurrent request) becomes a readable error."""
    try:
        with transaction.atomic():
            complaint.save(**kwargs)
    except IntegrityError as exc:
        if (
            Complaint.objects.filter(reference_no=complaint.reference_no)
            .exclude(pk=complaint.pk)
            .exists()
        ):
            raise ValidationError({"reference_no": ERROR_REFERENCE_TAKEN}) from exc
        raise


# --- writes -------------------------------------------------------------------------


@transaction.atomic
def complaint_create(
    *,
    reference_no: str,
    received_at: dt.datetime,
    channel: str,
    department: Department,
    category: str = "",
    responsible_staff: StaffProfile | None = None,
    handler: StaffProfile | None = None,
    status: str = Complaint.Status.OPEN,
    resolved_at: dt.datetime | None = None,
    outcome: str = "",
    staff_at_fault: bool = False,
    customer_satisfied: bool | None = None,
    escalated: bool = False,
    topic: str = "",
    law_article: str = "",
    summary: str = "",
) -> Complaint:
    """Record a complaint; its deadline is 15 days from receipt."""
    reference_no = (reference_no or "").strip()
    complaint = Complaint(
        reference_no=reference_no,
        received_at=received_at,
        channel=channel,
        category=category,
        department=department,
        responsible_staff=responsible_staff,
        handler=handler,
        status=status,
        resolved_at=resolved_at,
        outcome=outcome or "",
        staff_at_fault=staff_at_fault,
        customer_satisfied=customer_satisfied,
        escalated=escalated,
        topic=topic or "",
        law_article=law_article,
        summary=summary,
    )
    complaint_prepare(complaint)
    taken = Complaint.objects.filter(reference_no=reference_no).exists()
    _validate(complaint, reference_taken=taken)
    _save(complaint, force_insert=True)
    return complaint


@transaction.atomic
def complaint_update(*, complaint: Complaint, **changes) -> Complaint:
    """Change the fields a person may set (see EDITABLE_FIELDS) and, if given,
    the reference number. The deadline follows a changed time of receipt."""
    unknown = set(changes) - {*EDITABLE_FIELDS, "reference_no"}
    if unknown:
        raise TypeError(f"complaint_update() cannot set {sorted(unknown)}")
    current = Complaint.objects.select_for_update().get(pk=complaint.pk)
    for field, value in changes.items():
        if field in ("outcome", "topic") and value is None:
            value = ""
        if field == "reference_no":
            value = (value or "").strip()
        setattr(current, field, value)
    complaint_prepare(current)
    taken = (
        "reference_no" in changes
        and Complaint.objects.filter(reference_no=current.reference_no)
        .exclude(pk=current.pk)
        .exists()
    )
    _validate(current, reference_taken=taken)
    _save(current)
    return current


@transaction.atomic
def complaint_close(
    *,
    complaint: Complaint,
    resolved_at: dt.datetime,
    outcome: str,
    staff_at_fault: bool = False,
    customer_satisfied: bool | None = None,
) -> Complaint:
    """Record the decision: when it was made and what it was."""
    return complaint_update(
        complaint=complaint,
        status=Complaint.Status.CLOSED,
        resolved_at=resolved_at,
        outcome=outcome,
        staff_at_fault=staff_at_fault,
        customer_satisfied=customer_satisfied,
    )


@transaction.atomic
def complaint_extend(*, complaint: Complaint, reason: str, by) -> Complaint:
    """The one extension allowed: the deadline becomes 30 days from receipt.

    Precondition: the complaint is open and has not been extended before.
    """
    current = Complaint.objects.select_for_update().get(pk=complaint.pk)
    reason = (reason or "").strip()
    if current.status == Complaint.Status.CLOSED:
        raise ValidationError({NON_FIELD_ERRORS: ERROR_EXTEND_CLOSED})
    if current.extended_at is not None:
        raise ValidationError({NON_FIELD_ERRORS: ERROR_ALREADY_EXTENDED})
    if not reason:
        raise ValidationError({"extension_reason": ERROR_EXTENSION_REASON_REQUIRED})
    current.extended_at = timezone.now()
    current.extension_reason = reason
    current.extended_by = by
    complaint_prepare(current)
    current.save(
        update_fields=[
            "extended_at",
            "extension_reason",
            "extended_by",
            "deadline_at",
            "updated_at",
        ]
    )
    return current


@transaction.atomic
def complaint_approve_longer_deadline(
    *,
    complaint: Complaint,
    deadline_at: dt.datetime,
    note: str,
    by,
    reference: str = "",
) -> Complaint:
    """Record a senior approval of a deadline beyond 30 days (at most 60).

    Precondition: the complaint is open and was extended to 30 days first.
    """
    current = Complaint.objects.select_for_update().get(pk=complaint.pk)
    note = (note or "").strip()
    errors: dict[str, list] = {}

    def add(field, message):
        errors.setdefault(field, []).append(message)

    if current.status == Complaint.Status.CLOSED:
        add(NON_FIELD_ERRORS, ERROR_APPROVE_CLOSED)
    elif current.approved_deadline_at is not None:
        add(NON_FIELD_ERRORS, ERROR_ALREADY_APPROVED)
    elif current.extended_at is None:
        add(NON_FIELD_ERRORS, ERROR_APPROVAL_NEEDS_EXTENSION)
    if not note:
        add("approval_note", ERROR_APPROVAL_NOTE_REQUIRED)
    if by is None or not getattr(by, "is_authenticated", False):
        add(NON_FIELD_ERRORS, ERROR_APPROVAL_APPROVER_REQUIRED)
    if deadline_at is not None:
        deadline_at = _whole_seconds(deadline_at)
        _check_approved_deadline(current.received_at, deadline_at, add)
    if errors:
        raise ValidationError(errors)
    current.approved_deadline_at = deadline_at
    current.approval_note = note
    current.approval_reference = (reference or "").strip()
    current.approved_by = by
    current.approved_at = timezone.now()
    complaint_prepare(current)
    current.save(
        update_fields=[
            "approved_deadline_at",
            "approval_note",
            "approval_reference",
            "approved_by",
            "approved_at",
            "deadline_at",
            "updated_at",
        ]
    )
    return current


def complaint_create_many(complaints: list[Complaint]) -> None:
    """Write imported complaints in bulk.

    Precondition (the import resource sees to it row by row): each one went
    through complaint_prepare() and has no complaint_errors().
    """
    Complaint.objects.bulk_create(complaints)


def complaint_update_many(complaints: list[Complaint], fields: list[str]) -> None:
    """Write changed imported complaints in bulk (same precondition)."""
    now = timezone.now()
    for complaint in complaints:
        complaint.updated_at = now
    Complaint.objects.bulk_update(complaints, [*fields, "updated_at"])


def complaint_view_log(*, complaint: Complaint, user) -> ComplaintViewLog:
    """Record that `user` opened the complaint's detail."""
    return ComplaintViewLog.objects.create(complaint=complaint, user=user)


__all__ = [
    "complaint_deadline",
    "complaint_errors",
    "complaint_prepare",
    "complaint_create",
    "complaint_update",
    "complaint_close",
    "complaint_extend",
    "complaint_approve_longer_deadline",
    "complaint_create_many",
    "complaint_update_many",
    "complaint_view_log",
    "ERROR_REFERENCE_TAKEN",
    "ERROR_RECEIVED_IN_FUTURE",
    "ERROR_RESOLVED_BEFORE_RECEIVED",
    "ERROR_RESOLVED_IN_FUTURE",
    "ERROR_OUTCOME_WITHOUT_RESOLUTION",
    "ERROR_RESOLVED_BUT_OPEN",
    "ERROR_CLOSED_WITHOUT_RESOLUTION",
    "ERROR_CLOSED_WITHOUT_OUTCOME",
    "ERROR_FAULT_WITHOUT_STAFF",
    "ERROR_EXTENSION_REASON_REQUIRED",
    "ERROR_ALREADY_EXTENDED",
    "ERROR_EXTEND_CLOSED",
    "ERROR_APPROVAL_NEEDS_EXTENSION",
    "ERROR_APPROVAL_NOTE_REQUIRED",
    "ERROR_APPROVAL_APPROVER_REQUIRED",
    "ERROR_APPROVED_DEADLINE_TOO_SHORT",
    "ERROR_APPROVED_DEADLINE_TOO_LONG",
    "ERROR_ALREADY_APPROVED",
    "ERROR_APPROVE_CLOSED",
    "EDITABLE_FIELDS",
]
