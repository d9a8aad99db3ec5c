"""Question bank factories, built on the services so that test questions obey
the bank's rules and have published revisions like real ones."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import ROUND_DOWN, Decimal

from wagtail.models import Page

from quizzes import services
from quizzes.models import (
    Attempt,
    Question,
    QuestionCategory,
    QuizDraw,
    QuizPage,
    QuizQuestion,
)

_numbers = itertools.count(1)


def category(name: str = "") -> QuestionCategory:
    return QuestionCategory.objects.get_or_create(name=name or f"分类{next(_numbers)}")[
        0
    ]


def question(
    *,
    category: QuestionCategory | None = None,
    kind: str = Question.Kind.SINGLE,
    stem: str = "",
    choices: list[tuple[str, bool]] | None = None,
    source: str = "消费者权益保护法第七条",
    publish: bool = True,
    **kwargs,
) -> Question:
    if choices is None:
        choices = {
            Question.Kind.SINGLE: [("甲", True), ("乙", False), ("丙", False)],
            Question.Kind.MULTIPLE: [("甲", True), ("乙", True), ("丙", False)],
            Question.Kind.TRUE_FALSE: [("正确", True), ("错误", False)],
        }[kind]
    return services.question_create(
        category=category or globals()["category"](),
        kind=kind,
        stem=stem or f"第{next(_numbers)}题：下列说法正确的是（ ）。",
        choices=[services.ChoiceInput(text, correct) for text, correct in choices],
        source=source,
        publish=publish,
        **kwargs,
    )


def quiz(
    *,
    course,
    title: str = "单元测验",
    slug: str = "",
    publish: bool = True,
    fixed=(),
    draws=(),
    **fields,
) -> QuizPage:
    """A quiz page under `course`, added and published as an editor would.
    `fixed`: questions (or (question, points)); `draws`: dicts of QuizDraw
    fields."""
    page = QuizPage(
        title=title,
        slug=slug or f"quiz-{Page.objects.count() + 1}",
        live=False,
        **fields,
    )
    Page.objects.get(pk=course.pk).add_child(instance=page)
    for index, item in enumerate(fixed):
        question, points = item if isinstance(item, tuple) else (item, 1)
        page.fixed_questions.add(
            QuizQuestion(question=question, points=points, sort_order=index)
        )
    for index, draw in enumerate(draws):
        page.draws.add(QuizDraw(sort_order=index, **draw))
    page.save()
    if publish:
        page.save_revision().publish()
    return QuizPage.objects.get(pk=page.pk)


def finished_attempt(
    *,
    staff,
    quiz: QuizPage,
    number: int = 1,
    score: Decimal | int = 8,
    max_score: Decimal | int = 10,
    submitted_at: dt.datetime,
    pass_mark: int = 60,
    max_attempts: int | None = None,
    status: str = Attempt.Status.SUBMITTED,
) -> Attempt:
    """An ended attempt written directly (no questions): for selectors and
    reports that read only attempt rows."""
    score, max_score = Decimal(score), Decimal(max_score)
    percent = (score * 100 / max_score).quantize(Decimal("0.01"), ROUND_DOWN)
    return Attempt.objects.create(
        staff=staff,
        quiz=quiz,
        number=number,
        max_attempts=max_attempts or quiz.max_attempts,
        status=status,
        started_at=submitted_at - dt.timedelta(minutes=10),
        submitted_at=submitted_at,
        pass_mark=pass_mark,
        score=score,
        max_score=max_score,
        percent=percent,
        passed=percent >= pass_mark,
    )
