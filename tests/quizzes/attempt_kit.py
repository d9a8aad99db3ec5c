"""Shared helpers of the attempt tests: quizzes of N questions, a frozen clock."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from quizzes.models import Question
from tests.quizzes import factories

EXPLANATION = "解析：此题考查知情权（EXPLANATION-MARKER）"
FEEDBACK = "选项反馈（FEEDBACK-MARKER）"


def questions(count: int, *, kind=Question.Kind.SINGLE, category=None):
    category = category or factories.category()
    made = []
    for _ in range(count):
        q = factories.question(category=category, kind=kind, explanation=EXPLANATION)
        first = q.choices.first()
        first.feedback = FEEDBACK
        first.save()
        made.append(q)
    return made


def quiz_with(course, count: int = 5, **fields):
    """A quiz of `count` fixed single-choice questions (no shuffling unless
    asked), with an explanation and choice feedback that must never leak."""
    fields.setdefault("shuffle_questions", False)
    fields.setdefault("shuffle_choices", False)
    return factories.quiz(course=course, fixed=questions(count), **fields)


def right_choice(question: dict) -> int:
    return next(c["id"] for c in question["choices"] if c["is_correct"])


def wrong_choice(question: dict) -> int:
    return next(c["id"] for c in question["choices"] if not c["is_correct"])


class Clock:
    """Freeze django.utils.timezone.now (the services and views read it)."""

    def __init__(self, monkeypatch, at: dt.datetime | None = None):
        self.now = at or timezone.now()
        monkeypatch.setattr(timezone, "now", lambda: self.now)

    def advance(self, **delta) -> dt.datetime:
        self.now += dt.timedelta(**delta)
        return self.now
