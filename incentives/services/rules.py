"""Writes of incentive rules. A rule's identity (name, code) is edited in
place; what it does lives in immutable versions: every change of trigger,
filters, effect or window makes a new version, and the latest is current.
Entries name the version that made them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils.translation import gettext_lazy as _

from incentives.models import EntryKind, IncentiveRule, RuleVersion, TriggerKind

ERROR_CODE_TAKEN = _("Another rule already has this code.")
ERROR_NAME_REQUIRED = _("Give the rule a name.")
ERROR_CODE_REQUIRED = _("Give the rule a code.")
ERROR_NO_EFFECT = _("A rule needs points or an amount (at least one not zero).")
ERROR_NEGATIVE = _(
    "Give points and amount as positive numbers; a penalty makes them negative."
)
ERROR_BAD_AMOUNT = _("The amount must be a number with at most two decimals.")
ERROR_BAD_WINDOW = _("The end of the active window cannot be before its start.")
ERROR_NO_START = _("Give the date from which the rule applies.")
ERROR_BAD_TRIGGER = _("Choose what the rule reacts to.")
ERROR_BAD_KIND = _("Choose reward or penalty.")
ERROR_QUIZ_FILTER = _("A quiz can only filter a rule about quiz results.")
ERROR_COURSE_FILTER = _("A course or topic cannot filter a rule about complaints.")
ERROR_CATEGORY_FILTER = _(
    "A complaint category can only filter a rule about complaints."
)

QUIZ_TRIGGERS = {
    TriggerKind.QUIZ_PASSED_FIRST_ATTEMPT,
    TriggerKind.QUIZ_PERFECT_SCORE,
    TriggerKind.QUIZ_FAILED_ALL_ATTEMPTS,
}
COMPLAINT_TRIGGERS = {
    TriggerKind.COMPLAINT_UPHELD_AT_FAULT,
    TriggerKind.COMPLAINT_RESOLVED_ON_TIME_SATISFIED,
    TriggerKind.COMPLAINT_OVERDUE,
}

#: The fields a version carries; a change of any of them makes a new version.
VERSION_FIELDS = (
    "trigger",
    "kind",
    "points",
    "amount",
    "active_from",
    "active_until",
    "is_active",
    "course",
    "topic",
    "quiz",
    "complaint_category",
)


def rule_version_errors(fields: dict) -> dict:
    """The rules of a version's fields: {field: [messages]}. No queries."""
    errors: dict[str, list] = {}

    def add(name, message):
        errors.setdefault(name, []).append(message)

    trigger = fields.get("trigger")
    if trigger not in TriggerKind.values:
        add("trigger", ERROR_BAD_TRIGGER)
    if fields.get("kind") not in EntryKind.values:
        add("kind", ERROR_BAD_KIND)
    points, amount = fields.get("points") or 0, fields.get("amount") or 0
    try:
        amount = Decimal(str(amount))
        if amount != amount.quantize(Decimal("0.01")):
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        add("amount", ERROR_BAD_AMOUNT)
        amount = Decimal(1)
    if points < 0 or amount < 0:
        add(NON_FIELD_ERRORS, ERROR_NEGATIVE)
    elif not points and not amount:
        add(NON_FIELD_ERRORS, ERROR_NO_EFFECT)
    start, end = fields.get("active_from"), fields.get("active_until")
    if start is None:
        add("active_from", ERROR_NO_START)
    elif end is not None and end < start:
        add("active_until", ERROR_BAD_WINDOW)
    if fields.get("quiz") is not None and trigger not in QUIZ_TRIGGERS:
        add("quiz", ERROR_QUIZ_FILTER)
    if trigger in COMPLAINT_TRIGGERS and (
        fields.get("course") is not None or fields.get("topic")
    ):
        add("course", ERROR_COURSE_FILTER)
    if fields.get("complaint_category") and trigger not in COMPLAINT_TRIGGERS:
        add("complaint_category", ERROR_CATEGORY_FILTER)
    return errors


def _version_fields(fields: dict) -> dict:
    clean = {name: fields[name] for name in VERSION_FIELDS if name in fields}
    clean.setdefault("is_active", True)
    clean["topic"] = clean.get("topic") or ""
    clean["complaint_category"] = (clean.get("complaint_category") or "").strip()
    clean["points"] = int(clean.get("points") or 0)
    clean["amount"] = clean.get("amount") or Decimal(0)
    return clean


def _add_version(rule: IncentiveRule, fields: dict, by) -> RuleVersion:
    latest = rule.versions.aggregate(n=Max("number"))["n"] or 0
    return RuleVersion.objects.create(
        rule=rule, number=latest + 1, created_by=by, **fields
    )


@transaction.atomic
def rule_create(
    *,
    name: str,
    code: str,
    trigger: str,
    kind: str,
    active_from: dt.date,
    by=None,
    description: str = "",
    **version_fields,
) -> IncentiveRule:
    """A new rule with its first version."""
    name, code = (name or "").strip(), (code or "").strip()
    fields = _version_fields(
        {"trigger": trigger, "kind": kind, "active_from": active_from, **version_fields}
    )
    errors = rule_version_errors(fields)
    if not name:
        errors.setdefault("name", []).append(ERROR_NAME_REQUIRED)
    if not code:
        errors.setdefault("code", []).append(ERROR_CODE_REQUIRED)
    elif IncentiveRule.objects.filter(code=code).exists():
        errors.setdefault("code", []).append(ERROR_CODE_TAKEN)
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            rule = IncentiveRule.objects.create(
                name=name, code=code, description=description
            )
    except IntegrityError as exc:  # a concurrent create took the code
        raise ValidationError({"code": ERROR_CODE_TAKEN}) from exc
    _add_version(rule, fields, by)
    return rule


@transaction.atomic
def rule_update(*, rule: IncentiveRule, by=None, **changes) -> RuleVersion:
    """Rename or describe the rule, and make a new version if anything it does
    changed. Returns the current version (new or not)."""
    rule = IncentiveRule.objects.select_for_update().get(pk=rule.pk)
    current = rule.versions.order_by("-number").first()
    identity = {k: changes.pop(k) for k in ("name", "description") if k in changes}
    unknown = set(changes) - set(VERSION_FIELDS)
    if unknown:
        raise TypeError(f"rule_update() cannot set {sorted(unknown)}")
    base = {name: getattr(current, name) for name in VERSION_FIELDS} if current else {}
    fields = _version_fields({**base, **changes})
    errors = rule_version_errors(fields)
    if "name" in identity and not (identity["name"] or "").strip():
        errors.setdefault("name", []).append(ERROR_NAME_REQUIRED)
    if errors:
        raise ValidationError(errors)
    if identity:
        for name, value in identity.items():
            setattr(rule, name, (value or "").strip())
        rule.save(update_fields=list(identity))
    if current is not None and all(
        getattr(current, name) == value for name, value in fields.items()
    ):
        return current
    return _add_version(rule, fields, by)


def rule_deactivate(*, rule: IncentiveRule, by=None) -> RuleVersion:
    """Stop the rule: a new version that is not active (history stays)."""
    return rule_update(rule=rule, by=by, is_active=False)


def rule_activate(*, rule: IncentiveRule, by=None) -> RuleVersion:
    return rule_update(rule=rule, by=by, is_active=True)


__all__ = [
    "rule_version_errors",
    "rule_create",
    "rule_update",
    "rule_deactivate",
    "rule_activate",
    "VERSION_FIELDS",
    "QUIZ_TRIGGERS",
    "COMPLAINT_TRIGGERS",
]
