"""Factories for rules and ledger entries (ledger-core). Entries are inserted
the way evaluation inserts them; reviews go through the ledger service."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

from incentives.models import (
    EntryKind,
    EvaluationRun,
    IncentiveRule,
    LedgerEntry,
    RuleVersion,
    TriggerKind,
)

_numbers = itertools.count(1)


def rule(
    *,
    code: str = "",
    trigger: str = TriggerKind.QUIZ_PASSED_FIRST_ATTEMPT,
    kind: str = EntryKind.REWARD,
    points: int = 10,
    amount: Decimal | str = "50.00",
    active_from: dt.date = dt.date(2020, 1, 1),
    active_until: dt.date | None = None,
    by=None,
    **filters,
) -> RuleVersion:
    """A rule with one version; returns the version."""
    n = next(_numbers)
    incentive_rule = IncentiveRule.objects.create(
        name=f"规则{n}", code=code or f"rule-{n}"
    )
    return RuleVersion.objects.create(
        rule=incentive_rule,
        number=1,
        trigger=trigger,
        kind=kind,
        points=points,
        amount=Decimal(amount),
        active_from=active_from,
        active_until=active_until,
        created_by=by,
        **filters,
    )


def run(*, period: str = "2026-10", by=None) -> EvaluationRun:
    return EvaluationRun.objects.create(period=period, started_by=by)


def entry(
    *,
    staff,
    kind: str = EntryKind.REWARD,
    points: int = 10,
    amount: Decimal | str = "50.00",
    period: str = "2026-10",
    by=None,
    evaluation_run: EvaluationRun | None = None,
    rule_version: RuleVersion | None = None,
    reason: str = "测试奖励",
) -> LedgerEntry:
    """A pending entry; penalties get negative points and amount."""
    n = next(_numbers)
    sign = 1 if kind == EntryKind.REWARD else -1
    return LedgerEntry.objects.create(
        staff=staff,
        kind=kind,
        points=sign * abs(points),
        amount=sign * abs(Decimal(amount)),
        period=period,
        posting_key=f"test:{n}",
        reason=reason,
        created_by=by,
        evaluation_run=evaluation_run,
        rule_version=rule_version,
    )
