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


@pytest.fixture
def home(db):
    from django.core.cache import cache

    from tests.training import factories as training_factories

    page = training_factories.home()
    cache.clear()  # Wagtail caches site root paths
    return page


@pytest.fixture
def course(home):
    """A published course for everyone, with one lesson."""
    from tests.training import factories as training_factories

    page = training_factories.course(parent=home, title="消费者权益保护法")
    training_factories.lesson(course=page, title="消费者的权利")
    return page
