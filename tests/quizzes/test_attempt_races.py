"""Concurrent requests against real PostgreSQL transactions (marker
`postgres`: deselected on SQLite, which serialises writers anyway)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from quizzes.models import Attempt, AttemptAnswer
from quizzes.services import attempts as services
from quizzes.services.grading import question_grade
from quizzes.signals import attempt_submitted
from tests.quizzes.attempt_kit import quiz_with, right_choice, wrong_choice

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def run_together(count: int, work) -> tuple[list, list]:
    """Run `work(index)` in `count` threads released at once; each thread has
    its own connection. Returns (results, errors)."""
    barrier = threading.Barrier(count)
    results, errors = [None] * count, []

    def target(index):
        try:
            barrier.wait()
            results[index] = work(index)
        except Exception as exc:  # noqa: BLE001 - reported to the test
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=target, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results, errors


@pytest.fixture
def heard():
    lock, heard = threading.Lock(), []

    def receiver(sender, attempt, **kwargs):
        with lock:
            heard.append(attempt.pk)

    attempt_submitted.connect(receiver, weak=False)
    yield heard
    attempt_submitted.disconnect(receiver)


def test_twenty_simultaneous_starts_give_one_attempt(course, learner):
    quiz = quiz_with(course, 3)
    results, errors = run_together(
        20, lambda i: services.attempt_start(staff=learner, quiz=quiz).pk
    )
    assert errors == []
    assert Attempt.objects.count() == 1
    assert set(results) == {Attempt.objects.get().pk}
    assert AttemptAnswer.objects.count() == 3


def test_simultaneous_starts_never_exceed_max_attempts(course, learner):
    quiz = quiz_with(course, 1, max_attempts=2)

    def start_and_submit(index):
        try:
            attempt = services.attempt_start(staff=learner, quiz=quiz)
        except services.AttemptError as exc:
            return exc.code
        services.attempt_submit(attempt=attempt)
        return "ok"

    results, errors = run_together(12, start_and_submit)
    assert errors == []
    assert Attempt.objects.count() <= 2
    assert set(Attempt.objects.values_list("number", flat=True)) <= {1, 2}
    assert set(results) <= {"ok", "no_attempts_left", "busy"}


def test_ten_simultaneous_submits_give_one_score_and_one_signal(course, learner, heard):
    quiz = quiz_with(course, 4)
    attempt = services.attempt_start(staff=learner, quiz=quiz)
    for q in attempt.questions[:3]:
        services.answer_save(
            attempt=attempt, question_key=q["key"], choice_ids=[right_choice(q)]
        )
    results, errors = run_together(
        10,
        lambda i: (
            services.attempt_submit(
                attempt=Attempt.objects.select_related("quiz").get(pk=attempt.pk)
            ).score
        ),
    )
    assert errors == []
    assert set(results) == {3}
    assert heard == [attempt.pk]
    done = Attempt.objects.get(pk=attempt.pk)
    assert done.status == Attempt.Status.SUBMITTED and done.score == 3


def test_saves_racing_a_submit_never_change_what_was_graded(course, learner, heard):
    quiz = quiz_with(course, 5)
    attempt = services.attempt_start(staff=learner, quiz=quiz)
    questions = attempt.questions

    def work(index):
        fresh = Attempt.objects.select_related("quiz").get(pk=attempt.pk)
        if index == 0:
            return services.attempt_submit(attempt=fresh).pk
        q = questions[index % len(questions)]
        choice = right_choice(q) if index % 2 else wrong_choice(q)
        try:
            services.answer_save(
                attempt=fresh, question_key=q["key"], choice_ids=[choice], seq=index
            )
        except services.AttemptError as exc:
            return exc.code
        return "saved"

    results, errors = run_together(11, work)
    assert errors == []
    assert set(results[1:]) <= {"saved", "ended"}
    done = Attempt.objects.get(pk=attempt.pk)
    by_key = {q["key"]: q for q in questions}
    graded = 0
    for answer in done.answers.all():
        grade = question_grade(
            question=by_key[answer.question_key],
            selected=answer.selected,
            partial_credit=False,
        )
        assert answer.correct == grade.correct  # what is stored is what was graded
        graded += grade.points
    assert done.score == graded
    assert heard == [done.pk]
    # and afterwards a save changes nothing
    q = questions[0]
    with pytest.raises(services.AttemptError):
        services.answer_save(
            attempt=done,
            question_key=q["key"],
            choice_ids=[right_choice(q)],
            seq=10**15,
        )
