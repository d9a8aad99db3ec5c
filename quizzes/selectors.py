"""Reads of the question bank."""

from __future__ import annotations

from django.db.models import QuerySet

from quizzes.models import Question


def question_list_usable() -> QuerySet[Question]:
    """Questions a quiz may show: published and active. The live row is the
    published version (drafts live in revisions), so its choices are too."""
    return Question.objects.filter(live=True, is_active=True)


def law_name_list() -> list[str]:
    """The laws that questions cite, for filtering the bank by source."""
    return list(
        Question.objects.exclude(law_name="")
        .order_by("law_name")
        .values_list("law_name", flat=True)
        .distinct()
    )
