"""Demo question bank: the 60 real questions shipped in quizzes/content,
imported through the same pipeline as `manage.py import_data questions`."""

from __future__ import annotations

from pathlib import Path

from core import demo
from core.imports.pipeline import run_import

QUESTION_BANK = Path(__file__).resolve().parent / "content" / "question_bank.csv"


@demo.step(30, "quizzes: question bank")
def load_question_bank(ctx: demo.DemoContext) -> None:
    report = run_import(
        "questions", QUESTION_BANK.read_bytes(), filename=QUESTION_BANK.name
    )
    if not report.ok:
        raise RuntimeError(report.as_text())
    ctx.log(f"    {report.summary()}")
