"""Writes to the append-only ledger: review, reversal and manual adjustments.

The ledger is never edited: a pending entry is approved or rejected once (a
conditional UPDATE … WHERE status='pending', so two reviewers racing get one
winner); an approved entry is corrected by a reversal entry, at most one per
entry (a one-to-one column enforces it). Maker-checker: with
settings.INCENTIVES_FOUR_EYES the maker of an entry (the author of a manual
adjustment or reversal, or whoever ran the evaluation that posted it) may not
review it, and nobody reviews an entry about themselves.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from incentives.models import EntryKind, LedgerEntry
from incentives.periods import period_normalise
from org.models import StaffProfile

ERROR_NOT_PENDING = _("This entry has already been reviewed; it cannot be changed.")
ERROR_OWN_MAKER = _(
    "You made this entry (or ran the evaluation that posted it): another person "
    "must review it."
)
ERROR_OWN_ENTRY = _("You cannot review an entry about yourself.")
ERROR_REVIEWER_REQUIRED = _("A review needs a signed-in reviewer.")
ERROR_REJECT_REASON_REQUIRED = _("Give the reason for rejecting the entry.")
ERROR_REVERSAL_REASON_REQUIRED = _("Give the reason for the reversal.")
ERROR_REVERSE_NOT_APPROVED = _(
    "Only an approved entry can be reversed; reject a pending entry instead."
)
ERROR_ALREADY_REVERSED = _("This entry has already been reversed.")
ERROR_ADJUSTMENT_REASON_REQUIRED = _("A manual adjustment needs a reason.")
ERROR_ADJUSTMENT_EMPTY = _("Give points or an amount (at least one not zero).")
ERROR_BAD_KIND = _("Choose reward or penalty.")
ERROR_BAD_AMOUNT = _("The amount must be a number with at most two decimals.")
ERROR_NOTHING_SELECTED = _("Select at least one entry.")
ERROR_ENTRY_MISSING = _("Entry #%(id)s does not exist.")
ERROR_ENTRY_PROBLEM = _("Entry #%(id)s: %(problem)s")


@dataclass
class ReviewReport:
    """What a bulk review did (all-or-nothing: either every entry or none)."""

    status: str
    entry_ids: list[int] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.entry_ids)


def posting_key(
    *, rule_code: str, source: str, staff_id: int, period: str | None = None
) -> str:
    """The unique key of an evaluated entry: the RULE (not its version), the
    source event and the employee; a period only for events that are a state
    at a period's end. Re-evaluating, evaluating the quarter after its months,
    or evaluating with a newer version of the rule finds the key taken and
    posts nothing."""
    key = f"{rule_code}:{source}:{staff_id}"
    return f"{key}:{period}" if period else key


def four_eyes() -> bool:
    return getattr(settings, "INCENTIVES_FOUR_EYES", True)


def _makers(entry: LedgerEntry) -> set[int]:
    makers = {entry.created_by_id}
    if entry.evaluation_run_id is not None:
        makers.add(entry.evaluation_run.started_by_id)
    return makers - {None}


def _review_problem(entry: LedgerEntry, by):
    """Why `by` may not review `entry` now (a message), or None."""
    if entry.status != LedgerEntry.Status.PENDING:
        return ERROR_NOT_PENDING
    if four_eyes():
        if by.pk in _makers(entry):
            return ERROR_OWN_MAKER
        if entry.staff.user_id == by.pk:
            return ERROR_OWN_ENTRY
    return None


def _check_reviewer(by) -> None:
    if by is None or not getattr(by, "is_authenticated", False):
        raise ValidationError({NON_FIELD_ERRORS: ERROR_REVIEWER_REQUIRED})


def _fresh(entry_ids):
    return LedgerEntry.objects.select_related("staff", "evaluation_run").filter(
        pk__in=entry_ids
    )


def _review_one(entry: LedgerEntry, by, status: str, note: str) -> LedgerEntry:
    _check_reviewer(by)
    current = _fresh([entry.pk]).first()
    if current is None:
        missing = ERROR_ENTRY_MISSING % {"id": entry.pk}
        raise ValidationError({NON_FIELD_ERRORS: missing})
    problem = _review_problem(current, by)
    if problem:
        raise ValidationError({NON_FIELD_ERRORS: problem})
    changed = LedgerEntry.objects.filter(pk=current.pk)._review(
        status=status, reviewed_by=by, reviewed_at=timezone.now(), review_note=note
    )
    if changed != 1:  # someone else reviewed it between our read and our write
        raise ValidationError({NON_FIELD_ERRORS: ERROR_NOT_PENDING})
    return LedgerEntry.objects.get(pk=current.pk)


@transaction.atomic
def entry_approve(entry: LedgerEntry, by, note: str = "") -> LedgerEntry:
    """Approve a pending entry. Precondition: `by` holds the review permission."""
    return _review_one(entry, by, LedgerEntry.Status.APPROVED, (note or "").strip())


@transaction.atomic
def entry_reject(entry: LedgerEntry, by, reason: str) -> LedgerEntry:
    """Reject a pending entry with a reason (kept as the review note)."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"review_note": ERROR_REJECT_REASON_REQUIRED})
    return _review_one(entry, by, LedgerEntry.Status.REJECTED, reason)


def _review_many(entry_ids, by, status: str, note: str) -> ReviewReport:
    _check_reviewer(by)
    ids = sorted({int(pk) for pk in entry_ids})
    if not ids:
        raise ValidationError({NON_FIELD_ERRORS: ERROR_NOTHING_SELECTED})
    entries = {entry.pk: entry for entry in _fresh(ids)}
    problems = []
    for pk in ids:
        entry = entries.get(pk)
        problem = ERROR_ENTRY_MISSING % {"id": pk} if entry is None else None
        if entry is not None and (reason := _review_problem(entry, by)):
            problem = ERROR_ENTRY_PROBLEM % {"id": pk, "problem": reason}
        if problem:
            problems.append(problem)
    if problems:
        raise ValidationError({NON_FIELD_ERRORS: problems})
    changed = LedgerEntry.objects.filter(pk__in=ids)._review(
        status=status, reviewed_by=by, reviewed_at=timezone.now(), review_note=note
    )
    if changed != len(ids):
        # Another reviewer got to some of them first: undo ours, change nothing.
        transaction.set_rollback(True)
        raise ValidationError({NON_FIELD_ERRORS: ERROR_NOT_PENDING})
    return ReviewReport(status=status, entry_ids=ids)


def entries_approve_many(entry_ids, by, note: str = "") -> ReviewReport:
    """Approve all the given pending entries, or none if any one may not be."""
    with transaction.atomic():
        return _review_many(entry_ids, by, LedgerEntry.Status.APPROVED, note or "")


def entries_reject_many(entry_ids, by, reason: str) -> ReviewReport:
    """Reject all the given pending entries with one reason, or none."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"review_note": ERROR_REJECT_REASON_REQUIRED})
    with transaction.atomic():
        return _review_many(entry_ids, by, LedgerEntry.Status.REJECTED, reason)


@transaction.atomic
def entry_reverse(entry: LedgerEntry, by, reason: str) -> LedgerEntry:
    """Post the pending reversal of an approved entry: opposite points and
    amount, the same staff, kind and period, linked by `reversal_of`.

    A reversal is itself an entry: it is reviewed (four eyes: not by its
    author), and once approved it can be reversed in turn (a chain).
    """
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": ERROR_REVERSAL_REASON_REQUIRED})
    original = LedgerEntry.objects.select_for_update().get(pk=entry.pk)
    return _post_reversal(original, by=by, reason=reason)


def _post_reversal(
    original: LedgerEntry, *, by, reason: str, key: str | None = None, run=None
) -> LedgerEntry:
    """Precondition: `original` is locked (select_for_update)."""
    if original.status != LedgerEntry.Status.APPROVED:
        raise ValidationError({NON_FIELD_ERRORS: ERROR_REVERSE_NOT_APPROVED})
    if LedgerEntry.objects.filter(reversal_of=original).exists():
        raise ValidationError({NON_FIELD_ERRORS: ERROR_ALREADY_REVERSED})
    reversal = LedgerEntry(
        staff_id=original.staff_id,
        rule_version_id=original.rule_version_id,
        kind=original.kind,
        points=-original.points,
        amount=-original.amount,
        period=original.period,
        source_type_id=original.source_type_id,
        source_id=original.source_id,
        evidence_label=original.evidence_label,
        posting_key=key or f"reversal:{original.pk}",
        reason=gettext("Reversal of entry #%(id)s: %(reason)s")
        % {"id": original.pk, "reason": reason},
        created_by=by,
        evaluation_run=run,
        reversal_of=original,
        is_manual=by is not None and run is None,
    )
    try:
        with transaction.atomic():
            reversal.save(force_insert=True)
    except IntegrityError as exc:
        if LedgerEntry.objects.filter(reversal_of=original).exists():
            # a concurrent reversal won
            raise ValidationError({NON_FIELD_ERRORS: ERROR_ALREADY_REVERSED}) from exc
        raise
    return reversal


def _signed(kind: str, points, amount) -> tuple[int, Decimal]:
    """Points and amount with the sign of the kind (penalties negative)."""
    sign = 1 if kind == EntryKind.REWARD else -1
    return sign * abs(int(points or 0)), sign * abs(Decimal(amount or 0))


@transaction.atomic
def adjustment_create(
    *,
    staff: StaffProfile,
    kind: str,
    points: int = 0,
    amount=0,
    period: str,
    reason: str,
    by,
    source=None,
) -> LedgerEntry:
    """A manual reward or penalty, pending review by someone else (four eyes).

    Points and amount may be given unsigned: the kind decides the sign.
    """
    errors: dict[str, list] = {}

    def add(name, message):
        errors.setdefault(name, []).append(message)

    reason = (reason or "").strip()
    if not reason:
        add("reason", ERROR_ADJUSTMENT_REASON_REQUIRED)
    if kind not in EntryKind.values:
        add("kind", ERROR_BAD_KIND)
    try:
        period = period_normalise(period)
    except ValidationError as exc:
        add("period", exc.messages[0])
    try:
        amount = Decimal(str(amount or 0))
        if amount != amount.quantize(Decimal("0.01")):
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        add("amount", ERROR_BAD_AMOUNT)
        amount = Decimal(0)
    try:
        points = int(points or 0)
    except (TypeError, ValueError):
        add("points", ERROR_ADJUSTMENT_EMPTY)
        points = 0
    if not points and not amount:
        add(NON_FIELD_ERRORS, ERROR_ADJUSTMENT_EMPTY)
    if errors:
        raise ValidationError(errors)
    points, amount = _signed(kind, points, amount)
    entry = LedgerEntry(
        staff=staff,
        kind=kind,
        points=points,
        amount=amount,
        period=period,
        posting_key=f"manual:{uuid.uuid4().hex}",
        reason=reason,
        created_by=by,
        is_manual=True,
    )
    if source is not None:
        entry.source_type = ContentType.objects.get_for_model(source)
        entry.source_id = source.pk
        entry.evidence_label = str(source)[:200]
    entry.save(force_insert=True)
    return entry


__all__ = [
    "ReviewReport",
    "posting_key",
    "entry_approve",
    "entry_reject",
    "entries_approve_many",
    "entries_reject_many",
    "entry_reverse",
    "adjustment_create",
]
