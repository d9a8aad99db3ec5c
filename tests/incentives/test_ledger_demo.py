"""load_demo's incentives step: a rule for every trigger, the previous month
evaluated with some entries approved (maker-checker kept), idempotent."""

from __future__ import annotations

import pytest

from incentives.demo import load_complaints, load_incentives
from incentives.models import (
    EvaluationRun,
    IncentiveRule,
    LedgerEntry,
    RuleVersion,
    TriggerKind,
)


@pytest.fixture
def demo_bank(demo_bank):
    """The demo organisation (conftest) with the demo complaints."""
    load_complaints(demo_bank)
    return demo_bank


def ledger():
    return sorted(
        LedgerEntry.objects.values_list("posting_key", "status", "points", "amount")
    )


def test_rules_evaluation_and_approvals_idempotent(demo_bank):
    load_incentives(demo_bank)

    triggers = set(RuleVersion.objects.values_list("trigger", flat=True))
    assert triggers == set(TriggerKind.values)
    entries = LedgerEntry.objects.select_related("evaluation_run__started_by")
    statuses = {e.status for e in entries}
    assert statuses == {"pending", "approved"}
    for entry in entries.filter(status="approved"):
        assert entry.reviewed_by.username == "demo-hr"
        assert entry.evaluation_run.started_by.username != "demo-hr"

    before = (ledger(), IncentiveRule.objects.count(), EvaluationRun.objects.count())
    load_incentives(demo_bank)
    after = (ledger(), IncentiveRule.objects.count(), EvaluationRun.objects.count())
    assert after == before
