"""Evaluation of a period: each trigger, idempotence (three runs, one ledger),
dry run, rule versions, filters, constant query counts, a failure in the
middle, and (PostgreSQL) concurrent runs."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from incentives.models import (
    Complaint,
    EntryKind,
    EvaluationRun,
    LedgerEntry,
    RemediationLink,
    TriggerKind,
)
from incentives.services import evaluation, ledger, rules
from quizzes.models import Attempt
from tests import factories
from tests.incentives import ledger_factories as lf
from tests.incentives.conftest import local
from tests.quizzes import factories as quiz_factories
from tests.training import factories as training_factories
from training.models import Assignment, CoursePage

T = TriggerKind
PERIOD = "2026-10"
NOW = local(2026, 11, 20, 12)


def oct_(day, hour=10):
    return local(2026, 10, day, hour)


def ledger_state():
    return sorted(
        LedgerEntry.objects.values_list(
            "posting_key",
            "staff_id",
            "kind",
            "points",
            "amount",
            "status",
            "rule_version_id",
            "source_type_id",
            "source_id",
        )
    )


def evaluate(**kwargs):
    kwargs.setdefault("now", NOW)
    return evaluation.evaluate_period(PERIOD, **kwargs)


@pytest.fixture
def home(db):
    from django.core.cache import cache

    page = training_factories.home()
    cache.clear()  # Wagtail caches site root paths
    return page


@pytest.fixture
def course(home):
    return training_factories.course(parent=home, title="消费者权益保护法")


@pytest.fixture
def quiz(course):
    return quiz_factories.quiz(course=course, title="消保法测验", max_attempts=2)


def assignment(staff, course, *, due, completed=None, source="manual"):
    cycle = Assignment.objects.filter(staff=staff, course=course).count() + 1
    return Assignment.objects.create(
        staff=staff,
        course=course,
        cycle=cycle,
        assigned_at=due - dt.timedelta(days=30),
        due_at=due,
        completed_at=completed,
        source=source,
    )


# --- each trigger -------------------------------------------------------------


def test_quiz_triggers(quiz, learner, other_learner):
    first = lf.rule(trigger=T.QUIZ_PASSED_FIRST_ATTEMPT, points=10, amount="20")
    perfect = lf.rule(trigger=T.QUIZ_PERFECT_SCORE, points=5, amount="0")
    failed = lf.rule(
        trigger=T.QUIZ_FAILED_ALL_ATTEMPTS,
        kind=EntryKind.PENALTY,
        points=3,
        amount="10",
    )
    perfect_first = quiz_factories.finished_attempt(
        staff=learner, quiz=quiz, score=10, submitted_at=oct_(3)
    )
    quiz_factories.finished_attempt(
        staff=other_learner, quiz=quiz, score=2, submitted_at=oct_(4)
    )
    last = quiz_factories.finished_attempt(
        staff=other_learner, quiz=quiz, number=2, score=3, submitted_at=oct_(5)
    )
    # Outside the period: nothing.
    quiz_factories.finished_attempt(
        staff=learner, quiz=quiz, number=2, score=10, submitted_at=local(2026, 11, 1)
    )

    result = evaluate()

    assert result.run.created == 3
    entries = {
        (e.rule_version_id, e.staff_id): e
        for e in LedgerEntry.objects.select_related("source_type")
    }
    assert set(entries) == {
        (first.pk, learner.pk),
        (perfect.pk, learner.pk),
        (failed.pk, other_learner.pk),
    }
    reward = entries[first.pk, learner.pk]
    assert (reward.kind, reward.points, reward.amount) == ("reward", 10, Decimal("20"))
    assert reward.source_type.model_class() is Attempt
    assert reward.source_id == perfect_first.pk
    assert "消保法测验" in reward.reason
    assert reward.status == LedgerEntry.Status.PENDING
    assert reward.period == PERIOD
    penalty = entries[failed.pk, other_learner.pk]
    assert (penalty.points, penalty.amount) == (-3, Decimal("-10"))
    assert penalty.source_id == last.pk


def test_titles_with_quotes_braces_and_backslashes_are_stored_as_they_are(
    course, learner
):
    """The insert passes values as arrays on PostgreSQL: characters special in
    an array literal must come through unchanged."""
    title = "A \"quoted\", {braced} \\ back\\slashed 'quiz' NULL"
    odd_quiz = quiz_factories.quiz(course=course, title=title)
    lf.rule(trigger=T.QUIZ_PASSED_FIRST_ATTEMPT, points=10, amount="20")
    attempt = quiz_factories.finished_attempt(
        staff=learner, quiz=odd_quiz, score=10, submitted_at=oct_(3)
    )

    (candidate,) = evaluate(dry_run=True).candidates
    evaluate()

    entry = LedgerEntry.objects.get()
    assert title in entry.reason
    assert entry.reason == candidate.reason
    assert entry.evidence_label == candidate.evidence_label
    assert entry.evidence_label.startswith(title)
    assert entry.source_id == attempt.pk
    assert entry.posting_key == candidate.posting_key


def test_quiz_not_counting_for_incentives_ignored(course, learner):
    practice = quiz_factories.quiz(course=course, counts_for_incentives=False)
    lf.rule(trigger=T.QUIZ_PASSED_FIRST_ATTEMPT)
    quiz_factories.finished_attempt(staff=learner, quiz=practice, submitted_at=oct_(3))
    assert evaluate().run.created == 0


def test_course_triggers(course, learner, other_learner):
    done = lf.rule(trigger=T.COURSE_COMPLETED_ON_TIME, points=2, amount="0")
    late = lf.rule(
        trigger=T.COURSE_OVERDUE_AT_PERIOD_END,
        kind=EntryKind.PENALTY,
        points=2,
        amount="0",
    )
    on_time = assignment(learner, course, due=oct_(20), completed=oct_(10))
    overdue = assignment(other_learner, course, due=oct_(15))
    # Completed late but within the period: neither on time nor overdue at the end.
    assignment(other_learner, course, due=oct_(1), completed=oct_(5))
    # Due next month: not yet overdue.
    assignment(learner, course, due=local(2026, 11, 5))

    evaluate()

    got = set(LedgerEntry.objects.values_list("rule_version_id", "source_id"))
    assert got == {(done.pk, on_time.pk), (late.pk, overdue.pk)}
    assert "消费者权益保护法" in LedgerEntry.objects.get(source_id=overdue.pk).reason


def test_non_mandatory_course_ignored(home, learner):
    optional = training_factories.course(parent=home, title="选修", mandatory=False)
    lf.rule(trigger=T.COURSE_COMPLETED_ON_TIME)
    assignment(learner, optional, due=oct_(20), completed=oct_(10))
    assert evaluate().run.created == 0


def test_complaint_triggers(make_complaint, learner, other_learner, bank):
    at_fault = lf.rule(
        trigger=T.COMPLAINT_UPHELD_AT_FAULT,
        kind=EntryKind.PENALTY,
        points=5,
        amount="200",
    )
    satisfied = lf.rule(trigger=T.COMPLAINT_RESOLVED_ON_TIME_SATISFIED, points=3)
    overdue = lf.rule(
        trigger=T.COMPLAINT_OVERDUE, kind=EntryKind.PENALTY, points=1, amount="50"
    )
    upheld = make_complaint(
        received_at=oct_(2),
        responsible_staff=learner,
        handler=other_learner,
        status="closed",
        resolved_at=oct_(9),
        outcome="partly_upheld",
        staff_at_fault=True,
        customer_satisfied=True,
    )
    not_upheld = make_complaint(
        received_at=oct_(2),
        responsible_staff=learner,
        handler=other_learner,
        status="closed",
        resolved_at=oct_(9),
        outcome="not_upheld",
        customer_satisfied=False,
    )
    late = make_complaint(
        received_at=local(2026, 9, 25),
        handler=other_learner,
        status="closed",
        resolved_at=oct_(20),
        outcome="not_upheld",
        customer_satisfied=True,
    )
    still_open = make_complaint(received_at=local(2026, 9, 28), handler=learner)

    evaluate()

    got = set(
        LedgerEntry.objects.values_list("rule_version_id", "staff_id", "source_id")
    )
    assert got == {
        (at_fault.pk, learner.pk, upheld.pk),
        (satisfied.pk, other_learner.pk, upheld.pk),
        (overdue.pk, other_learner.pk, late.pk),
        (overdue.pk, learner.pk, still_open.pk),
    }
    assert not LedgerEntry.objects.filter(source_id=not_upheld.pk).exists()
    entry = LedgerEntry.objects.get(rule_version=at_fault)
    assert entry.source_type == ContentType.objects.get_for_model(Complaint)
    assert upheld.reference_no in entry.reason
    assert entry.evidence_label == upheld.reference_no


def test_remediation_trigger(make_complaint, course, learner):
    rule = lf.rule(trigger=T.REMEDIATION_COMPLETED_ON_TIME, points=4)
    complaint = make_complaint(received_at=oct_(1))
    remedial = assignment(
        learner, course, due=oct_(28), completed=oct_(20), source="remediation"
    )
    RemediationLink.objects.create(complaint=complaint, assignment=remedial)
    late = assignment(
        learner, course, due=oct_(10), completed=oct_(20), source="remediation"
    )
    RemediationLink.objects.create(complaint=complaint, assignment=late)
    # The course-completed rule does not pay for remediation.
    lf.rule(trigger=T.COURSE_COMPLETED_ON_TIME)

    evaluate()

    [entry] = LedgerEntry.objects.all()
    assert (entry.rule_version_id, entry.source_id) == (rule.pk, remedial.pk)
    assert complaint.reference_no in entry.reason


# --- filters, versions, windows -----------------------------------------------


def test_filters(course, quiz, learner, make_complaint, home):
    other_course = training_factories.course(parent=home, title="征信")
    CoursePage.objects.filter(pk=other_course.pk).update(topic="credit_reporting")
    other_quiz = quiz_factories.quiz(course=other_course, title="征信测验")
    by_quiz = lf.rule(trigger=T.QUIZ_PASSED_FIRST_ATTEMPT, quiz=quiz)
    by_topic = lf.rule(trigger=T.QUIZ_PASSED_FIRST_ATTEMPT, topic="credit_reporting")
    by_course = lf.rule(trigger=T.QUIZ_PASSED_FIRST_ATTEMPT, course=course)
    by_category = lf.rule(
        trigger=T.COMPLAINT_UPHELD_AT_FAULT,
        complaint_category="理财",
        kind=EntryKind.PENALTY,
    )
    a = quiz_factories.finished_attempt(staff=learner, quiz=quiz, submitted_at=oct_(3))
    b = quiz_factories.finished_attempt(
        staff=learner, quiz=other_quiz, submitted_at=oct_(3)
    )
    fields = {
        "received_at": oct_(2),
        "responsible_staff": learner,
        "status": "closed",
        "resolved_at": oct_(9),
        "outcome": "upheld",
        "staff_at_fault": True,
    }
    wealth = make_complaint(category="理财", **fields)
    make_complaint(category="银行卡", **fields)

    evaluate()

    assert set(LedgerEntry.objects.values_list("rule_version_id", "source_id")) == {
        (by_quiz.pk, a.pk),
        (by_course.pk, a.pk),
        (by_topic.pk, b.pk),
        (by_category.pk, wealth.pk),
    }


def test_inactive_or_out_of_window_rules_post_nothing(quiz, learner):
    version = lf.rule(trigger=T.QUIZ_PASSED_FIRST_ATTEMPT, code="first")
    rules.rule_deactivate(rule=version.rule)
    lf.rule(trigger=T.QUIZ_PASSED_FIRST_ATTEMPT, active_from=dt.date(2026, 11, 1))
    lf.rule(
        trigger=T.QUIZ_PASSED_FIRST_ATTEMPT,
        active_from=dt.date(2026, 1, 1),
        active_until=dt.date(2026, 9, 30),
    )
    quiz_factories.finished_attempt(staff=learner, quiz=quiz, submitted_at=oct_(3))
    assert evaluate().run.created == 0


def test_new_version_does_not_post_again(quiz, learner):
    version = lf.rule(trigger=T.QUIZ_PASSED_FIRST_ATTEMPT, code="first", points=10)
    quiz_factories.finished_attempt(staff=learner, quiz=quiz, submitted_at=oct_(3))
    evaluate()
    newer = rules.rule_update(rule=version.rule, points=20)
    assert newer.number == 2
    assert evaluate().run.created == 0
    assert LedgerEntry.objects.get().rule_version == version


def test_quarter_after_month_does_not_post_again(quiz, learner):
    lf.rule(trigger=T.QUIZ_PASSED_FIRST_ATTEMPT)
    quiz_factories.finished_attempt(staff=learner, quiz=quiz, submitted_at=oct_(3))
    evaluate()
    result = evaluation.evaluate_period("2026-Q4", now=NOW)
    assert result.run.created == 0 and result.skipped == 1


# --- idempotence, dry run, bad input ------------------------------------------


@pytest.fixture
def busy_period(quiz, course, learner, other_learner, make_complaint):
    lf.rule(trigger=T.QUIZ_PASSED_FIRST_ATTEMPT)
    lf.rule(trigger=T.COURSE_OVERDUE_AT_PERIOD_END, kind=EntryKind.PENALTY)
    lf.rule(trigger=T.COMPLAINT_OVERDUE, kind=EntryKind.PENALTY)
    for staff in (learner, other_learner):
        quiz_factories.finished_attempt(staff=staff, quiz=quiz, submitted_at=oct_(3))
        assignment(staff, course, due=oct_(15))
        make_complaint(received_at=local(2026, 9, 28), handler=staff)


def test_three_runs_one_ledger(busy_period, hr):
    first = evaluate(by=hr.user)
    after_first = ledger_state()
    assert first.run.created == 6 and len(after_first) == 6
    second = evaluate(by=hr.user)
    third = evaluate()
    assert ledger_state() == after_first
    assert second.run.created == third.run.created == 0
    assert second.skipped == 6
    assert EvaluationRun.objects.count() == 3


def test_approved_entries_stay_as_they_are_on_rerun(busy_period, hr, other_learner):
    evaluate(by=hr.user)
    entry = LedgerEntry.objects.filter(staff=other_learner).first()
    reviewer = factories.staff(department=other_learner.department, role="HR")
    ledger.entry_approve(entry, reviewer.user)
    before = ledger_state()
    evaluate()
    assert ledger_state() == before


def test_dry_run_writes_nothing(busy_period):
    result = evaluate(dry_run=True)
    assert len(result.candidates) == 6 and len(result.new) == 6
    assert result.run is None
    assert not LedgerEntry.objects.exists()
    assert not EvaluationRun.objects.exists()
    evaluate()
    again = evaluate(dry_run=True)
    assert len(again.new) == 0 and again.skipped == 6


@pytest.mark.parametrize("period", ["2026-13", "2026", "2026-Q5", "abc", ""])
def test_bad_period_refused(db, period):
    with pytest.raises(ValidationError):
        evaluation.evaluate_period(period)
    assert not EvaluationRun.objects.exists()


def test_failure_in_the_middle_leaves_the_database_as_before(busy_period, monkeypatch):
    evaluate()
    LedgerEntry.objects.filter(pk__in=[]).exists()  # warm
    before, runs = ledger_state(), EvaluationRun.objects.count()
    # A fresh event, then a crash after the insert.
    lf.rule(trigger=T.QUIZ_PERFECT_SCORE)
    Attempt.objects.all()  # noqa: B018

    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    from incentives.models import LedgerEntryQuerySet

    monkeypatch.setattr(LedgerEntryQuerySet, "count", boom)
    with pytest.raises(RuntimeError):
        evaluate()
    monkeypatch.undo()
    assert ledger_state() == before
    assert EvaluationRun.objects.count() == runs


# --- query counts -------------------------------------------------------------


def _populate(n, quiz, course, bank, make_complaint):
    staff = [factories.staff(department=bank.o2) for _ in range(n)]
    for person in staff:
        quiz_factories.finished_attempt(
            staff=person, quiz=quiz, score=10, submitted_at=oct_(3)
        )
        assignment(person, course, due=oct_(15))
        assignment(person, course, due=oct_(25), completed=oct_(20))
        make_complaint(
            received_at=oct_(1),
            responsible_staff=person,
            handler=person,
            status="closed",
            resolved_at=oct_(30),
            outcome="upheld",
            staff_at_fault=True,
            customer_satisfied=True,
        )


@pytest.fixture
def every_rule(db):
    for trigger in T.values:
        lf.rule(trigger=trigger)


def _reads_and_inserts(captured):
    """(reads, writes of entries): the INSERTs, and on PostgreSQL the
    statements of the temporary table the entries pass through."""
    sqls = [q["sql"] for q in captured]
    inserts = [
        sql
        for sql in sqls
        if 'INTO "incentives_ledgerentry"' in sql or evaluation.STAGING_TABLE in sql
    ]
    return len(sqls) - len(inserts), len(inserts)


def test_query_count_does_not_grow_with_staff(
    every_rule, quiz, course, bank, make_complaint
):
    """Reads are the same for 2 and 10 staff; so are the writes on
    PostgreSQL (create the temporary table, COPY, INSERT … SELECT, drop);
    on SQLite one prepared statement, logged once per batch."""
    _populate(2, quiz, course, bank, make_complaint)
    ContentType.objects.clear_cache()
    with CaptureQueriesContext(connection) as small:
        small_result = evaluate()
    _populate(10, quiz, course, bank, make_complaint)
    ContentType.objects.clear_cache()
    with CaptureQueriesContext(connection) as large:
        large_result = evaluate()
    assert large_result.run.created > 4 * small_result.run.created > 0
    small_reads, small_inserts = _reads_and_inserts(small.captured_queries)
    large_reads, large_inserts = _reads_and_inserts(large.captured_queries)
    assert small_reads == large_reads <= 19
    if connection.vendor == "postgresql":
        assert small_inserts == large_inserts == 4
    else:
        assert small_inserts == 1
        assert large_inserts <= -(-large_result.run.created // 50)
    with CaptureQueriesContext(connection) as dry:
        evaluate(dry_run=True)
    assert len(dry.captured_queries) <= 13


# --- PostgreSQL races ---------------------------------------------------------


def _in_threads(*targets):
    barrier = threading.Barrier(len(targets))
    errors = []

    def wrap(target):
        try:
            barrier.wait()
            target()
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=wrap, args=(t,)) for t in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def _overdue_complaints(bank, staff, prefix):
    """Open complaints received in September: each passes its deadline in
    October. No pages: a transactional test may run after the page tree was
    flushed."""
    from incentives import services

    for n, person in enumerate(staff):
        services.complaint_create(
            reference_no=f"{prefix}-{n}",
            received_at=local(2026, 9, 20, 9),
            channel=Complaint.Channel.PHONE,
            department=bank.o1,
            handler=person,
        )


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_concurrent_evaluations_post_one_set(bank):
    lf.rule(trigger=T.COMPLAINT_OVERDUE, kind=EntryKind.PENALTY)
    staff = [factories.staff(department=bank.o1, role=None) for _ in range(20)]
    _overdue_complaints(bank, staff, "RACE")

    errors = _in_threads(evaluate, evaluate)

    assert errors == []
    assert LedgerEntry.objects.count() == 20
    assert sum(EvaluationRun.objects.values_list("created", flat=True)) == 20


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_evaluation_while_hr_approves_stays_consistent(bank):
    lf.rule(trigger=T.COMPLAINT_OVERDUE, kind=EntryKind.PENALTY)
    reviewer = factories.staff(department=bank.hr_dept, role=None)
    staff = [factories.staff(department=bank.o1, role=None) for _ in range(10)]
    _overdue_complaints(bank, staff, "FIRST")
    evaluate()
    ids = list(LedgerEntry.objects.values_list("pk", flat=True))
    # New events arrive, then evaluation and a bulk approval run at once.
    _overdue_complaints(bank, staff, "SECOND")

    errors = _in_threads(
        evaluate, lambda: ledger.entries_approve_many(ids, reviewer.user)
    )

    assert errors == []
    assert LedgerEntry.objects.filter(pk__in=ids, status="approved").count() == 10
    assert LedgerEntry.objects.count() == 20
    assert LedgerEntry.objects.filter(status="pending").count() == 10


# --- the command -----------------------------------------------------------------


def test_command_dry_run_and_run(busy_period):
    import io

    from django.core.management import call_command

    out = io.StringIO()
    call_command("evaluate_incentives", "--period", PERIOD, "--dry-run", stdout=out)
    assert out.getvalue().count("\n+ ") + out.getvalue().startswith("+ ") == 6
    assert not LedgerEntry.objects.exists()
    out = io.StringIO()
    call_command("evaluate_incentives", "--period", PERIOD, stdout=out)
    assert LedgerEntry.objects.count() == 6
    assert PERIOD in out.getvalue()


def test_command_bad_period_exits_1(db):
    import io

    from django.core.management import call_command

    out = io.StringIO()
    with pytest.raises(SystemExit) as exc:
        call_command("evaluate_incentives", "--period", "2026-13", stdout=out)
    assert exc.value.code == 1
    assert "2026-Q4" in out.getvalue()
    assert not EvaluationRun.objects.exists()


# --- the background job ----------------------------------------------------------


def test_job_runs_the_evaluation_with_its_maker(
    busy_period, hr, django_capture_on_commit_callbacks
):
    from core.models import Job

    with django_capture_on_commit_callbacks(execute=True):
        job = evaluation.evaluation_job_create(period="2026-10", by=hr.user)
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED
    assert job.report["created"] == 6
    assert set(
        LedgerEntry.objects.values_list("evaluation_run__started_by", flat=True)
    ) == {hr.user.pk}


def test_failed_job_is_recorded_and_posts_nothing(busy_period, hr, monkeypatch):
    from core.models import Job

    def boom(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(evaluation, "evaluation_candidates", boom)
    job = Job.objects.create(
        kind=evaluation.JOB_KIND, input_name="2026-10", created_by=hr.user
    )
    evaluation.evaluation_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert "database went away" in job.error
    assert not LedgerEntry.objects.exists()
    assert not EvaluationRun.objects.exists()


def test_job_refuses_a_bad_period(db, hr):
    from core.models import Job

    with pytest.raises(ValidationError):
        evaluation.evaluation_job_create(period="2026-00", by=hr.user)
    assert not Job.objects.exists()
