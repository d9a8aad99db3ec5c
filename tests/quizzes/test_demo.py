"""The demo step imports the shipped question bank, idempotently."""

from __future__ import annotations

from core import demo
from quizzes import demo as quizzes_demo
from quizzes.models import Question
from tests.quizzes.conftest import bank_state


def test_the_demo_bank_is_the_shipped_file_and_loads_twice_unchanged(db):
    assert quizzes_demo.QUESTION_BANK.is_file()
    assert "quizzes" in quizzes_demo.QUESTION_BANK.parts  # not /work/shared
    context = demo.DemoContext(password="x", password_source="test", log=print)

    quizzes_demo.load_question_bank(context)
    first = bank_state()
    quizzes_demo.load_question_bank(context)

    assert Question.objects.filter(live=True).count() == 60
    assert bank_state() == first
    assert any(name == "quizzes: question bank" for _o, name, _f in demo.steps())
