from __future__ import annotations

from pathlib import Path

import pytest

from quizzes.models import Choice, Question, QuestionCategory

BANK_CSV = (
    Path(__file__).resolve().parents[2] / "quizzes" / "content" / "question_bank.csv"
)


@pytest.fixture
def bank_csv() -> bytes:
    return BANK_CSV.read_bytes()


def bank_state():
    """Everything a question import may touch, to prove that nothing changed."""
    return (
        sorted(
            Question.objects.values_list(
                "pk",
                "category__name",
                "kind",
                "stem",
                "explanation",
                "source",
                "law_name",
                "article_number",
                "difficulty",
                "is_active",
                "stem_key",
                "live",
                "latest_revision_id",
            )
        ),
        sorted(
            Choice.objects.values_list(
                "pk",
                "question_id",
                "sort_order",
                "text",
                "is_correct",
                "feedback",
                "weight",
            )
        ),
        sorted(QuestionCategory.objects.values_list("pk", "name")),
    )
