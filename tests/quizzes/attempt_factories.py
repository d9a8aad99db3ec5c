"""Finished attempts with a real snapshot and graded answer rows, written
directly (not through the quiz engine), for the notebook, reports, the attempt
admin and regrades. Grading here is all-or-nothing, as the engine's default."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_DOWN, Decimal

from django.utils import timezone

from quizzes.models import Attempt, AttemptAnswer, IntegrityEvent, Question, QuizPage


def right_choices(question: Question) -> list[int]:
    return [c.pk for c in question.choices.all() if c.is_correct]


def wrong_choices(question: Question) -> list[int]:
    return [next(c.pk for c in question.choices.all() if not c.is_correct)]


def snapshot_entry(question: Question, index: int, points: int = 1) -> dict:
    question = Question.objects.select_related("category").get(pk=question.pk)
    return {**question.as_snapshot(), "key": f"q{index + 1}", "points": points}


def graded_attempt(
    *,
    staff,
    quiz: QuizPage,
    answers: list[tuple[Question, bool | list[int]]],
    number: int = 1,
    submitted_at: dt.datetime | None = None,
    status: str = Attempt.Status.SUBMITTED,
    pass_mark: int | None = None,
    partial_credit: bool = False,
    max_attempts: int | None = None,
    snapshots: list[dict] | None = None,
) -> Attempt:
    """An ended attempt of `quiz` by `staff`: each (question, answer) is
    answered right (True), wrong (False) or with the given choice ids (graded
    all-or-nothing against the question's key as it is now). In progress
    attempts (status in_progress) get no grade."""
    submitted_at = submitted_at or timezone.now()
    questions = snapshots or [
        snapshot_entry(question, index) for index, (question, _) in enumerate(answers)
    ]
    finished = status != Attempt.Status.IN_PROGRESS
    attempt = Attempt(
        staff=staff,
        quiz=quiz,
        number=number,
        max_attempts=max_attempts or max(quiz.max_attempts, number),
        status=status,
        started_at=submitted_at - dt.timedelta(minutes=10),
        submitted_at=submitted_at if finished else None,
        pass_mark=quiz.pass_mark if pass_mark is None else pass_mark,
        partial_credit=partial_credit,
        questions=questions,
        max_score=Decimal(sum(q["points"] for q in questions)),
    )
    rows = []
    score = Decimal(0)
    for snapshot, (question, answer) in zip(questions, answers, strict=True):
        if answer is True:
            selected = [c["id"] for c in snapshot["choices"] if c["is_correct"]]
        elif answer is False:
            selected = [
                next(c["id"] for c in snapshot["choices"] if not c["is_correct"])
            ]
        else:
            selected = list(answer)
        key = {c["id"] for c in snapshot["choices"] if c["is_correct"]}
        correct = set(selected) == key
        points = Decimal(snapshot["points"]) if correct else Decimal(0)
        score += points
        rows.append(
            AttemptAnswer(
                question_key=snapshot["key"],
                question_id=question.pk if question is not None else None,
                selected=selected,
                saved_at=submitted_at,
                correct=correct if finished else None,
                points=points if finished else None,
                max_points=Decimal(snapshot["points"]),
            )
        )
    if finished:
        attempt.score = score
        attempt.percent = (
            (score * 100 / attempt.max_score).quantize(Decimal("0.01"), ROUND_DOWN)
            if attempt.max_score
            else Decimal(0)
        )
        attempt.passed = attempt.percent >= attempt.pass_mark
    attempt.save()
    for row in rows:
        row.attempt = attempt
    AttemptAnswer.objects.bulk_create(rows)
    return attempt


def integrity_event(attempt: Attempt, kind: str, at: dt.datetime | None = None):
    return IntegrityEvent.objects.create(
        attempt=attempt, kind=kind, at=at or attempt.started_at
    )
