"""The wrong-answer notebook: entering and leaving on graded attempts (the
submit writes it; `notebook_record_attempt` replays an ended attempt),
idempotency, and the query bound of the service."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from quizzes.models import Attempt, NotebookEntry
from quizzes.services import notebook
from tests.quizzes import factories
from tests.quizzes.attempt_factories import graded_attempt

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def questions():
    return [factories.question() for _ in range(3)]


@pytest.fixture
def quiz(course, questions):
    return factories.quiz(course=course, fixed=questions, max_attempts=5)


def entries(staff):
    return {e.question_id: e for e in NotebookEntry.objects.filter(staff=staff)}


def submit(attempt):
    notebook.notebook_record_attempt(attempt=attempt)


def test_wrong_answers_enter_and_right_answers_do_not(learner, quiz, questions):
    q1, q2, q3 = questions
    attempt = graded_attempt(
        staff=learner,
        quiz=quiz,
        answers=[(q1, False), (q2, True), (q3, False)],
        submitted_at=T0,
    )
    submit(attempt)
    found = entries(learner)
    assert set(found) == {q1.pk, q3.pk}
    assert found[q1.pk].wrong_count == 1
    assert found[q1.pk].last_wrong_at == T0
    assert found[q1.pk].resolved_at is None


def test_the_same_attempt_twice_counts_once(learner, quiz, questions):
    q1, q2, q3 = questions
    attempt = graded_attempt(
        staff=learner, quiz=quiz, answers=[(q1, False), (q2, True), (q3, True)]
    )
    submit(attempt)
    submit(attempt)
    assert entries(learner)[q1.pk].wrong_count == 1
    assert NotebookEntry.objects.count() == 1


def test_a_later_right_answer_takes_it_out_and_a_later_wrong_one_back(
    learner, quiz, questions
):
    q1, q2, q3 = questions
    first = graded_attempt(
        staff=learner,
        quiz=quiz,
        answers=[(q1, False), (q2, False), (q3, True)],
        submitted_at=T0,
    )
    submit(first)
    second = graded_attempt(
        staff=learner,
        quiz=quiz,
        number=2,
        answers=[(q1, True), (q2, False), (q3, True)],
        submitted_at=T0 + dt.timedelta(days=1),
    )
    submit(second)
    found = entries(learner)
    assert found[q1.pk].resolved_at == second.submitted_at
    assert found[q1.pk].resolution == NotebookEntry.Resolution.ATTEMPT
    assert found[q2.pk].resolved_at is None
    assert found[q2.pk].wrong_count == 2
    third = graded_attempt(
        staff=learner,
        quiz=quiz,
        number=3,
        answers=[(q1, False), (q2, True), (q3, True)],
        submitted_at=T0 + dt.timedelta(days=2),
    )
    submit(third)
    found = entries(learner)
    assert found[q1.pk].resolved_at is None
    assert found[q1.pk].resolution == ""
    assert found[q1.pk].wrong_count == 2
    assert found[q1.pk].last_wrong_at == third.submitted_at
    assert found[q2.pk].resolution == NotebookEntry.Resolution.ATTEMPT


def test_an_older_attempt_arriving_late_changes_nothing(learner, quiz, questions):
    q1, q2, q3 = questions
    newer = graded_attempt(
        staff=learner,
        quiz=quiz,
        number=2,
        answers=[(q1, False), (q2, True), (q3, True)],
        submitted_at=T0 + dt.timedelta(days=1),
    )
    submit(newer)
    older = graded_attempt(
        staff=learner,
        quiz=quiz,
        answers=[(q1, True), (q2, True), (q3, True)],
        submitted_at=T0,
    )
    submit(older)
    assert entries(learner)[q1.pk].resolved_at is None


def test_in_progress_attempts_are_ignored(learner, quiz, questions):
    attempt = graded_attempt(
        staff=learner,
        quiz=quiz,
        answers=[(q, False) for q in questions],
        status=Attempt.Status.IN_PROGRESS,
    )
    notebook.notebook_record_attempt(attempt=attempt)
    assert not NotebookEntry.objects.exists()


def test_closed_attempts_count_like_submitted_ones(learner, quiz, questions):
    attempt = graded_attempt(
        staff=learner,
        quiz=quiz,
        answers=[(q, False) for q in questions],
        status=Attempt.Status.CLOSED,
    )
    submit(attempt)
    assert len(entries(learner)) == 3


def test_entries_are_per_learner(learner, other_learner, quiz, questions):
    q1, q2, q3 = questions
    submit(
        graded_attempt(
            staff=learner, quiz=quiz, answers=[(q1, False), (q2, True), (q3, True)]
        )
    )
    submit(
        graded_attempt(
            staff=other_learner,
            quiz=quiz,
            answers=[(q1, True), (q2, False), (q3, True)],
        )
    )
    assert set(entries(learner)) == {q1.pk}
    assert set(entries(other_learner)) == {q2.pk}


@pytest.mark.parametrize("size", [3, 30])
def test_recording_an_attempt_takes_constant_queries(
    learner, course, size, django_assert_max_num_queries
):
    questions = [factories.question() for _ in range(size)]
    quiz = factories.quiz(course=course, fixed=questions, max_attempts=5)
    first = graded_attempt(
        staff=learner,
        quiz=quiz,
        answers=[(q, False) for q in questions],
        submitted_at=T0,
    )
    with django_assert_max_num_queries(6):
        notebook.notebook_record_attempt(attempt=first)
    second = graded_attempt(
        staff=learner,
        quiz=quiz,
        number=2,
        answers=[(q, i % 2 == 0) for i, q in enumerate(questions)],
        submitted_at=T0 + dt.timedelta(hours=1),
    )
    with django_assert_max_num_queries(6):
        notebook.notebook_record_attempt(attempt=second)
    assert NotebookEntry.objects.filter(resolved_at__isnull=True).count() == size // 2


def test_practice_counts_two_right_answers_then_the_question_leaves(
    learner, quiz, questions
):
    q1 = questions[0]
    submit(
        graded_attempt(
            staff=learner,
            quiz=quiz,
            answers=[(q1, False), (questions[1], True), (questions[2], True)],
        )
    )
    entry = NotebookEntry.objects.get(staff=learner, question=q1)
    right = [c.pk for c in q1.choices.all() if c.is_correct]
    wrong = [next(c.pk for c in q1.choices.all() if not c.is_correct)]
    assert notebook.notebook_practice_answer(entry=entry, selected=right).right
    assert not notebook.notebook_practice_answer(entry=entry, selected=wrong).right
    entry.refresh_from_db()
    assert (entry.practice_count, entry.practice_right, entry.resolved_at) == (
        2,
        1,
        None,
    )
    result = notebook.notebook_practice_answer(entry=entry, selected=right)
    assert result.left
    entry.refresh_from_db()
    assert entry.resolution == NotebookEntry.Resolution.PRACTICE
    assert entry.resolved_at is not None
    # Practice never touched the attempt or its score.
    attempt = Attempt.objects.get()
    assert attempt.score == 2


def test_practice_right_restarts_when_the_question_enters_again(
    learner, quiz, questions
):
    q1, q2, q3 = questions
    submit(
        graded_attempt(
            staff=learner,
            quiz=quiz,
            answers=[(q1, False), (q2, True), (q3, True)],
            submitted_at=timezone.now() - dt.timedelta(days=3),
        )
    )
    entry = NotebookEntry.objects.get(staff=learner, question=q1)
    right = [c.pk for c in q1.choices.all() if c.is_correct]
    notebook.notebook_practice_answer(entry=entry, selected=right)
    notebook.notebook_practice_answer(entry=entry, selected=right)
    submit(
        graded_attempt(
            staff=learner,
            quiz=quiz,
            number=2,
            answers=[(q1, False), (q2, True), (q3, True)],
        )
    )
    entry.refresh_from_db()
    assert (entry.resolved_at, entry.practice_right, entry.wrong_count) == (None, 0, 2)


def test_choices_of_another_question_are_wrong_in_practice(learner, quiz, questions):
    q1, q2, q3 = questions
    submit(
        graded_attempt(
            staff=learner, quiz=quiz, answers=[(q1, False), (q2, True), (q3, True)]
        )
    )
    entry = NotebookEntry.objects.get(staff=learner, question=q1)
    others = [c.pk for c in q2.choices.all() if c.is_correct]
    assert not notebook.notebook_practice_answer(entry=entry, selected=others).right


def test_a_real_submission_fills_the_notebook_and_a_regrade_empties_it(
    learner, trainer, quiz, questions, django_capture_on_commit_callbacks
):
    """Through the quiz engine: start, answer 乙 everywhere, submit (the signal
    arrives on commit); then the key of the first question is corrected to 乙."""
    from quizzes.services import attempts, regrade
    from tests.quizzes.test_regrade import correct_key

    attempt = attempts.attempt_start(staff=learner, quiz=quiz)
    for entry in attempt.questions:
        chosen = next(c["id"] for c in entry["choices"] if c["text"] == "乙")
        attempts.answer_save(
            attempt=attempt, question_key=entry["key"], choice_ids=[chosen]
        )
    with django_capture_on_commit_callbacks(execute=True):
        attempt = attempts.attempt_submit(attempt=attempt)
    assert attempt.score == 0
    assert set(
        NotebookEntry.objects.filter(
            staff=learner, resolved_at__isnull=True
        ).values_list("question_id", flat=True)
    ) == {q.pk for q in questions}
    correct_key(questions[0], {"乙"})
    regrade.regrade_apply(question=questions[0], by=trainer.user, reason="更正")
    attempt.refresh_from_db()
    assert attempt.score == 1
    entry = NotebookEntry.objects.get(staff=learner, question=questions[0])
    assert entry.resolution == NotebookEntry.Resolution.ATTEMPT


def test_the_submit_writes_the_notebook_with_the_score(learner, quiz, questions):
    """The real submit: the wrong answers are in the notebook as soon as the
    score is stored (same transaction), with the attempt's end as their time."""
    from quizzes.services import attempts

    attempt = attempts.attempt_start(staff=learner, quiz=quiz)
    for position, question in enumerate(attempt.questions):
        want_right = position == 0
        pick = [c["id"] for c in question["choices"] if c["is_correct"] == want_right]
        attempts.answer_save(
            attempt=attempt, question_key=question["key"], choice_ids=pick[:1]
        )
    done = attempts.attempt_submit(attempt=attempt)
    wrong = {q["question_id"] for q in attempt.questions[1:]}
    found = entries(learner)
    assert set(found) == wrong
    assert {e.last_wrong_at for e in found.values()} == {done.submitted_at}


def test_a_failing_notebook_write_leaves_the_attempt_in_progress(
    learner, quiz, questions, monkeypatch
):
    from quizzes.services import attempts

    attempt = attempts.attempt_start(staff=learner, quiz=quiz)

    def broken(**kwargs):
        raise RuntimeError("notebook unavailable")

    monkeypatch.setattr(notebook, "notebook_record_grades", broken)
    with pytest.raises(RuntimeError):
        attempts.attempt_submit(attempt=attempt)
    stored = Attempt.objects.get(pk=attempt.pk)
    assert stored.status == Attempt.Status.IN_PROGRESS and stored.score is None
