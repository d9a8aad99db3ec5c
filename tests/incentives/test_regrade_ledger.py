"""A regrade that changes an attempt's outcome corrects the ledger: approved
entries get a reversal, pending ones are rejected as superseded, and what the
new outcome earns is posted; a second delivery of the signal changes nothing."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import pytest

from core import roles
from incentives.models import EntryKind, LedgerEntry, TriggerKind
from incentives.services import evaluation, ledger
from quizzes.models import Attempt, RegradeRecord
from quizzes.signals import attempts_regraded
from tests import factories
from tests.incentives import ledger_factories as lf
from tests.incentives.conftest import local
from tests.quizzes import factories as quiz_factories
from tests.training import factories as training_factories

T = TriggerKind
NOW = local(2026, 11, 20, 12)


@pytest.fixture
def quiz(db):
    from django.core.cache import cache

    home = training_factories.home()
    cache.clear()
    course = training_factories.course(parent=home, title="消保法")
    return quiz_factories.quiz(course=course, title="消保法测验", max_attempts=1)


@pytest.fixture
def reviewer(bank):
    return factories.staff(department=bank.hr_dept, role=roles.HR)


@pytest.fixture
def rules_in_force(db):
    return {
        "first": lf.rule(trigger=T.QUIZ_PASSED_FIRST_ATTEMPT, code="first", points=10),
        "failed": lf.rule(
            trigger=T.QUIZ_FAILED_ALL_ATTEMPTS,
            code="failed",
            kind=EntryKind.PENALTY,
            points=5,
            amount="30",
        ),
    }


def regrade(attempt, *, passed, by=None):
    """What the quiz engine does: change the attempt, record, signal."""
    regrade_id = uuid.uuid4()
    old = Attempt.objects.get(pk=attempt.pk)
    percent = Decimal("90.00") if passed else Decimal("40.00")
    Attempt.objects.filter(pk=attempt.pk).update(
        passed=passed, percent=percent, score=percent / 10
    )
    RegradeRecord.objects.create(
        regrade_id=regrade_id,
        attempt=old,
        question_key="q1",
        by=by,
        at=NOW,
        reason="答案更正",
        old_score=old.score,
        new_score=percent / 10,
        old_percent=old.percent,
        new_percent=percent,
        old_passed=old.passed,
        new_passed=passed,
    )
    changes = [(attempt.pk, old.passed, passed, old.percent, percent)]
    attempts_regraded.send(sender=Attempt, changes=changes, regrade_id=regrade_id)
    return regrade_id, changes


def state():
    return sorted(
        LedgerEntry.objects.values_list(
            "posting_key", "status", "points", "amount", "reversal_of_id"
        )
    )


def test_pass_to_fail_reverses_approved_and_posts_penalty(
    quiz, learner, rules_in_force, reviewer, trainer
):
    attempt = quiz_factories.finished_attempt(
        staff=learner, quiz=quiz, score=8, submitted_at=local(2026, 10, 3)
    )
    evaluation.evaluate_period("2026-10", now=NOW)
    [reward] = LedgerEntry.objects.all()
    ledger.entry_approve(reward, reviewer.user)

    regrade_id, changes = regrade(attempt, passed=False, by=trainer.user)

    reversal = LedgerEntry.objects.get(reversal_of=reward)
    assert (reversal.points, reversal.status) == (-10, "pending")
    assert str(regrade_id) in reversal.reason
    penalty = LedgerEntry.objects.get(rule_version=rules_in_force["failed"])
    assert (penalty.points, penalty.amount) == (-5, Decimal("-30.00"))
    assert penalty.source_id == attempt.pk and penalty.period == "2026-10"
    assert penalty.status == "pending"
    # The reversal and the replacement net out the original after approval.
    ledger.entries_approve_many([reversal.pk, penalty.pk], reviewer.user)
    approved = LedgerEntry.objects.approved()
    assert sum(approved.values_list("points", flat=True)) == -5

    # Idempotent: the same signal again, and evaluating again, change nothing.
    before = state()
    attempts_regraded.send(sender=Attempt, changes=changes, regrade_id=regrade_id)
    evaluation.evaluate_period("2026-10", now=NOW)
    assert state() == before


def test_pending_entry_rejected_as_superseded(quiz, learner, rules_in_force, trainer):
    attempt = quiz_factories.finished_attempt(
        staff=learner, quiz=quiz, score=8, submitted_at=local(2026, 10, 3)
    )
    evaluation.evaluate_period("2026-10", now=NOW)

    regrade(attempt, passed=False, by=trainer.user)

    reward = LedgerEntry.objects.get(rule_version=rules_in_force["first"])
    assert reward.status == "rejected"
    assert reward.reviewed_by == trainer.user
    assert "regrade" in reward.review_note.lower() or "重新评分" in reward.review_note
    assert not LedgerEntry.objects.filter(reversal_of__isnull=False).exists()
    assert LedgerEntry.objects.filter(
        rule_version=rules_in_force["failed"], status="pending"
    ).exists()


def test_fail_pass_fail_chain(quiz, learner, rules_in_force, reviewer, trainer):
    attempt = quiz_factories.finished_attempt(
        staff=learner, quiz=quiz, score=3, submitted_at=local(2026, 10, 3)
    )
    evaluation.evaluate_period("2026-10", now=NOW)
    [penalty] = LedgerEntry.objects.all()
    ledger.entry_approve(penalty, reviewer.user)

    regrade(attempt, passed=True, by=trainer.user)
    reward = LedgerEntry.objects.get(rule_version=rules_in_force["first"])
    ledger.entries_approve_many(
        LedgerEntry.objects.pending().values_list("pk", flat=True), reviewer.user
    )
    regrade(attempt, passed=False, by=trainer.user)

    # The reward is reversed, and the penalty (its key taken by the first
    # posting) is posted again under the regrade's key.
    assert LedgerEntry.objects.filter(reversal_of=reward).exists()
    penalties = LedgerEntry.objects.filter(
        rule_version=rules_in_force["failed"], reversal_of__isnull=True
    )
    assert penalties.count() == 2
    assert penalties.filter(posting_key__startswith="regrade:").count() == 1


def test_unevaluated_period_left_to_the_evaluation(quiz, learner, rules_in_force):
    attempt = quiz_factories.finished_attempt(
        staff=learner, quiz=quiz, score=8, submitted_at=local(2026, 10, 3)
    )
    regrade(attempt, passed=False)
    assert not LedgerEntry.objects.exists()
    evaluation.evaluate_period("2026-10", now=NOW)
    [entry] = LedgerEntry.objects.all()
    assert entry.rule_version == rules_in_force["failed"]


def test_quarter_evaluation_counts_as_evaluated(quiz, learner, rules_in_force):
    attempt = quiz_factories.finished_attempt(
        staff=learner, quiz=quiz, score=8, submitted_at=local(2026, 10, 3)
    )
    evaluation.evaluate_period("2026-Q4", now=NOW + dt.timedelta(days=40))
    regrade(attempt, passed=False)
    # No author on the regrade: the pending reward stays for HR to reject.
    assert LedgerEntry.objects.get(rule_version=rules_in_force["first"]).status == (
        "pending"
    )
    assert LedgerEntry.objects.filter(rule_version=rules_in_force["failed"]).exists()
