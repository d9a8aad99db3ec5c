"""Regrade after a corrected answer key: dry run, apply, records, signal,
notebook, idempotency, in-progress attempts untouched, constant queries."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from quizzes.models import (
    Attempt,
    AttemptAnswer,
    NotebookEntry,
    Question,
    RegradeRecord,
)
from quizzes.services import notebook, regrade
from quizzes.signals import attempts_regraded
from tests.quizzes import factories
from tests.quizzes.attempt_factories import graded_attempt

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)


def correct_key(question: Question, correct_texts: set[str]) -> Question:
    """Publish a new revision of `question` with a different answer key, as a
    trainer editing it in the admin would (choice ids stay)."""
    question = Question.objects.get(pk=question.pk)
    choices = list(question.choices.all())
    for choice in choices:
        choice.is_correct = choice.text in correct_texts
    question.choices = choices
    question.save_revision().publish()
    return Question.objects.get(pk=question.pk)


def choice_id(question: Question, text: str) -> int:
    return question.choices.get(text=text).pk


@pytest.fixture
def questions():
    # The first question's key says 甲; the trainer will correct it to 乙.
    return [factories.question() for _ in range(4)]


@pytest.fixture
def quiz(course, questions):
    return factories.quiz(course=course, fixed=questions, max_attempts=5, pass_mark=75)


@pytest.fixture
def received():
    calls = []

    def receiver(sender, **kwargs):
        calls.append(kwargs)

    attempts_regraded.connect(receiver)
    yield calls
    attempts_regraded.disconnect(receiver)


def attempt_choosing(staff, quiz, questions, text, *, number=1, at=T0, **kwargs):
    """Questions 2–4 right; question 1 answered with choice `text`."""
    q1 = questions[0]
    return graded_attempt(
        staff=staff,
        quiz=quiz,
        number=number,
        submitted_at=at,
        answers=[(q1, [choice_id(q1, text)]), *((q, True) for q in questions[1:])],
        **kwargs,
    )


def test_dry_run_lists_changes_and_writes_nothing(
    learner, other_learner, quiz, questions
):
    chose_b = attempt_choosing(learner, quiz, questions, "乙")  # 3/4 → 4/4
    chose_a = attempt_choosing(other_learner, quiz, questions, "甲")  # 4/4 → 3/4
    correct_key(questions[0], {"乙"})
    plan = regrade.regrade_plan(question=questions[0])
    by_attempt = {r.attempt.pk: r for r in plan.regrades}
    assert set(by_attempt) == {chose_b.pk, chose_a.pk}
    b, a = by_attempt[chose_b.pk], by_attempt[chose_a.pk]
    assert (b.old_score, b.new_score, b.old_percent, b.new_percent) == (
        Decimal(3),
        Decimal(4),
        Decimal("75.00"),
        Decimal("100.00"),
    )
    assert (a.old_passed, a.new_passed) == (True, True)
    assert a.new_percent == Decimal("75.00")
    assert not RegradeRecord.objects.exists()
    assert Attempt.objects.get(pk=chose_b.pk).score == 3


def test_apply_regrades_records_and_signals_once(
    learner,
    other_learner,
    trainer,
    quiz,
    questions,
    received,
    django_capture_on_commit_callbacks,
):
    chose_b = attempt_choosing(learner, quiz, questions, "乙", pass_mark=80)
    chose_a = attempt_choosing(other_learner, quiz, questions, "甲", pass_mark=80)
    correct_key(questions[0], {"乙"})
    with django_capture_on_commit_callbacks(execute=True):
        regrade.regrade_apply(
            question=questions[0], by=trainer.user, reason="答案更正：应为乙"
        )
    b = Attempt.objects.get(pk=chose_b.pk)
    a = Attempt.objects.get(pk=chose_a.pk)
    assert (b.score, b.percent, b.passed) == (Decimal(4), Decimal("100.00"), True)
    assert (a.score, a.percent, a.passed) == (Decimal(3), Decimal("75.00"), False)
    answer = AttemptAnswer.objects.get(attempt=b, question=questions[0])
    assert (answer.correct, answer.points) == (True, Decimal(1))
    # The snapshot now carries the corrected key.
    entry = next(e for e in b.questions if e["question_id"] == questions[0].pk)
    assert {c["text"] for c in entry["choices"] if c["is_correct"]} == {"乙"}
    records = list(RegradeRecord.objects.order_by("attempt_id"))
    assert len(records) == 2
    assert len({r.regrade_id for r in records}) == 1
    assert {r.by_id for r in records} == {trainer.user.pk}
    assert {r.reason for r in records} == {"答案更正：应为乙"}
    assert [(r.old_score, r.new_score) for r in records] == [
        (Decimal(3), Decimal(4)),
        (Decimal(4), Decimal(3)),
    ]
    assert len(received) == 1
    assert received[0]["regrade_id"] == records[0].regrade_id
    assert sorted(received[0]["changes"]) == sorted(
        [
            (b.pk, False, True, Decimal("75.00"), Decimal("100.00")),
            (a.pk, True, False, Decimal("100.00"), Decimal("75.00")),
        ]
    )


def test_applying_twice_changes_nothing_the_second_time(
    learner, trainer, quiz, questions, received, django_capture_on_commit_callbacks
):
    attempt_choosing(learner, quiz, questions, "乙")
    correct_key(questions[0], {"乙"})
    with django_capture_on_commit_callbacks(execute=True):
        regrade.regrade_apply(question=questions[0], by=trainer.user, reason="更正")
    state = list(Attempt.objects.values_list("pk", "score", "percent", "passed"))
    with django_capture_on_commit_callbacks(execute=True):
        plan = regrade.regrade_apply(
            question=questions[0], by=trainer.user, reason="更正"
        )
    assert plan.regrades == [] and plan.up_to_date == 1
    assert (
        list(Attempt.objects.values_list("pk", "score", "percent", "passed")) == state
    )
    assert RegradeRecord.objects.count() == 1
    assert len(received) == 1


def test_an_attempt_whose_score_does_not_move_is_recorded_not_signalled(
    learner, trainer, quiz, questions, received, django_capture_on_commit_callbacks
):
    attempt_choosing(learner, quiz, questions, "丙")  # wrong before and after
    correct_key(questions[0], {"乙"})
    with django_capture_on_commit_callbacks(execute=True):
        regrade.regrade_apply(question=questions[0], by=trainer.user, reason="更正")
    record = RegradeRecord.objects.get()
    assert record.old_score == record.new_score == Decimal(3)
    assert received == []


def test_in_progress_attempts_keep_their_version(
    learner, other_learner, trainer, quiz, questions
):
    running = attempt_choosing(
        learner, quiz, questions, "乙", status=Attempt.Status.IN_PROGRESS
    )
    before = Attempt.objects.get(pk=running.pk).questions
    correct_key(questions[0], {"乙"})
    plan = regrade.regrade_apply(question=questions[0], by=trainer.user, reason="更正")
    assert plan.regrades == []
    assert Attempt.objects.get(pk=running.pk).questions == before
    assert not RegradeRecord.objects.exists()


def test_partial_credit_and_pass_mark_of_the_attempt_are_used(learner, trainer, course):
    multiple = factories.question(
        kind=Question.Kind.MULTIPLE,
        choices=[("甲", True), ("乙", True), ("丙", False), ("丁", False)],
    )
    other = factories.question()
    quiz = factories.quiz(course=course, fixed=[multiple, other], pass_mark=50)
    ids = {c.text: c.pk for c in multiple.choices.all()}
    attempt = graded_attempt(
        staff=learner,
        quiz=quiz,
        answers=[(multiple, [ids["甲"], ids["丙"]]), (other, False)],
        partial_credit=True,
        pass_mark=40,
    )
    correct_key(multiple, {"甲", "丙"})
    regrade.regrade_apply(question=multiple, by=trainer.user, reason="更正")
    attempt.refresh_from_db()
    # Exactly the corrected key ticked: full points → 1 of 2, 50 % ≥ 40.
    assert (attempt.score, attempt.percent, attempt.passed) == (
        Decimal(1),
        Decimal("50.00"),
        True,
    )


def test_the_notebook_follows_the_regrade(
    learner, other_learner, trainer, quiz, questions
):
    chose_b = attempt_choosing(learner, quiz, questions, "乙")
    chose_a = attempt_choosing(other_learner, quiz, questions, "甲")
    for attempt in (chose_b, chose_a):
        notebook.notebook_record_attempt(attempt=attempt)
    q1 = questions[0]
    assert NotebookEntry.objects.get(staff=learner, question=q1).resolved_at is None
    assert not NotebookEntry.objects.filter(staff=other_learner).exists()
    correct_key(q1, {"乙"})
    regrade.regrade_apply(question=q1, by=trainer.user, reason="更正")
    now_right = NotebookEntry.objects.get(staff=learner, question=q1)
    assert now_right.resolved_at == chose_b.submitted_at
    assert now_right.resolution == NotebookEntry.Resolution.ATTEMPT
    now_wrong = NotebookEntry.objects.get(staff=other_learner, question=q1)
    assert now_wrong.resolved_at is None
    assert now_wrong.last_wrong_at == chose_a.submitted_at


def test_a_later_wrong_attempt_keeps_the_question_in_the_notebook(
    learner, trainer, quiz, questions
):
    first = attempt_choosing(learner, quiz, questions, "乙", at=T0)
    later = attempt_choosing(
        learner, quiz, questions, "丙", number=2, at=T0 + dt.timedelta(days=1)
    )
    for attempt in (first, later):
        notebook.notebook_record_attempt(attempt=attempt)
    correct_key(questions[0], {"乙"})
    regrade.regrade_apply(question=questions[0], by=trainer.user, reason="更正")
    entry = NotebookEntry.objects.get(staff=learner, question=questions[0])
    assert entry.resolved_at is None


def test_a_reason_is_required(learner, trainer, quiz, questions):
    attempt_choosing(learner, quiz, questions, "乙")
    correct_key(questions[0], {"乙"})
    with pytest.raises(regrade.RegradeError):
        regrade.regrade_apply(question=questions[0], by=trainer.user, reason="  ")
    assert not RegradeRecord.objects.exists()


@pytest.mark.parametrize("learners", [2, 12])
def test_apply_takes_constant_queries(
    bank, trainer, quiz, questions, learners, django_assert_max_num_queries
):
    from tests import factories as org_factories

    for index in range(learners):
        staff = org_factories.staff(department=bank.o1)
        attempt_choosing(staff, quiz, questions, "乙" if index % 2 else "甲")
    correct_key(questions[0], {"乙"})
    with django_assert_max_num_queries(16):
        plan = regrade.regrade_apply(
            question=questions[0], by=trainer.user, reason="更正"
        )
    assert len(plan.regrades) == learners
