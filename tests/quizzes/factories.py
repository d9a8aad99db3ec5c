"""Question bank factories, built on the services so that test questions obey
the bank's rules and have published revisions like real ones."""

from __future__ import annotations

import itertools

from quizzes import services
from quizzes.models import Question, QuestionCategory

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
