"""Grading: pure functions over an attempt's frozen snapshot, no database.

The attempt services and the regrade both call these, so a question is scored
by the same rules when the attempt ends and when a trainer regrades it.

Rules (issue 4, item 5):
- single choice and true-or-false: all or nothing;
- multiple choice: all or nothing (exactly the right choices ticked), or with
  the quiz's partial credit: each right choice ticked earns its share of the
  points and each wrong one ticked takes its share away, never below zero.
  When the question carries weights (Moodle's `%50%`, `%-100%`, kept in the
  snapshot), the ticked choices' weights add up instead (a choice without a
  weight counts its default: the right choices share 100 %, wrong ones 0).

Points are rounded down to two places and so is the percentage, so that
rounding never turns a fail into a pass.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from decimal import ROUND_DOWN, Decimal
from typing import NamedTuple

CENT = Decimal("0.01")
ZERO = Decimal(0)
ONE = Decimal(1)
HUNDRED = Decimal(100)

MULTIPLE = "multiple"


class QuestionGrade(NamedTuple):
    """`correct` means full points; `points` is what the answer earned."""

    correct: bool
    points: Decimal


class AttemptTotals(NamedTuple):
    score: Decimal
    max_score: Decimal
    percent: Decimal
    passed: bool


def _cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_DOWN)


def question_points(question: Mapping) -> Decimal:
    """The points a snapshot question is worth (1 when the snapshot says none)."""
    return Decimal(str(question.get("points", 1)))


def _fraction_by_share(choices: Sequence[Mapping], ticked: set[int]) -> Decimal:
    right = [c for c in choices if c["is_correct"]]
    wrong = [c for c in choices if not c["is_correct"]]
    earned = ZERO
    if right:
        earned += Decimal(sum(1 for c in right if c["id"] in ticked)) / len(right)
    if wrong:
        earned -= Decimal(sum(1 for c in wrong if c["id"] in ticked)) / len(wrong)
    return earned


def _fraction_by_weight(choices: Sequence[Mapping], ticked: set[int]) -> Decimal:
    right_count = sum(1 for c in choices if c["is_correct"]) or 1
    total = ZERO
    for choice in choices:
        if choice["id"] not in ticked:
            continue
        if choice.get("weight") is not None:
            total += Decimal(str(choice["weight"]))
        elif choice["is_correct"]:
            total += HUNDRED / right_count
    return total / HUNDRED


def question_grade(
    *, question: Mapping, selected: Collection[int], partial_credit: bool
) -> QuestionGrade:
    """Grade one snapshot question (an `Attempt.questions` entry) for the
    choice ids the learner ticked. Ids that are not choices of this question
    are ignored (the attempt services refuse them before they are saved)."""
    choices = question["choices"]
    ids = {c["id"] for c in choices}
    ticked = {choice_id for choice_id in selected if choice_id in ids}
    right = {c["id"] for c in choices if c["is_correct"]}
    points = question_points(question)
    exact = bool(ticked) and ticked == right
    if question["kind"] != MULTIPLE or not partial_credit:
        return QuestionGrade(exact, points if exact else ZERO)
    if any(c.get("weight") is not None for c in choices):
        fraction = _fraction_by_weight(choices, ticked)
    else:
        fraction = _fraction_by_share(choices, ticked)
    fraction = min(max(fraction, ZERO), ONE)
    if exact:
        fraction = ONE
    return QuestionGrade(fraction == ONE, _cents(points * fraction))


def attempt_totals(
    *, points: Iterable[Decimal], max_score: Decimal, pass_mark: int
) -> AttemptTotals:
    """Score, maximum, percentage (two places, rounded down) and whether it
    reaches the pass mark. An attempt worth nothing scores 0 %."""
    score = _cents(sum(points, ZERO))
    max_score = _cents(Decimal(max_score))
    percent = _cents(score * HUNDRED / max_score) if max_score else ZERO.quantize(CENT)
    return AttemptTotals(score, max_score, percent, percent >= pass_mark)


def attempt_grade(
    *,
    questions: Sequence[Mapping],
    selections: Mapping[str, Collection[int]],
    partial_credit: bool,
    pass_mark: int,
) -> tuple[dict[str, QuestionGrade], AttemptTotals]:
    """Grade every question of a snapshot: `selections` maps a question's
    `key` to the ticked choice ids (a missing key is an unanswered question).
    Returns the grade per key and the attempt's totals."""
    grades = {
        question["key"]: question_grade(
            question=question,
            selected=selections.get(question["key"], ()),
            partial_credit=partial_credit,
        )
        for question in questions
    }
    totals = attempt_totals(
        points=(grade.points for grade in grades.values()),
        max_score=sum((question_points(q) for q in questions), ZERO),
        pass_mark=pass_mark,
    )
    return grades, totals
