"""Grading rules over snapshot questions (no database)."""

from decimal import Decimal

import pytest

from quizzes.services.grading import (
    AttemptTotals,
    QuestionGrade,
    attempt_grade,
    attempt_totals,
    question_grade,
)


def snapshot(kind, correct, *, count=None, points=1, weights=None, key="q1"):
    """A snapshot question with choices 1..count; `correct` lists the right ids."""
    count = count or (2 if kind == "true_false" else 4)
    weights = weights or {}
    return {
        "key": key,
        "points": points,
        "kind": kind,
        "choices": [
            {
                "id": i,
                "label": "ABCDEF"[i - 1],
                "text": f"选项{i}",
                "is_correct": i in correct,
                "feedback": "",
                "weight": weights.get(i),
            }
            for i in range(1, count + 1)
        ],
    }


def grade(question, selected, partial=False):
    return question_grade(question=question, selected=selected, partial_credit=partial)


@pytest.mark.parametrize("partial", [False, True])
def test_single_choice_is_all_or_nothing(partial):
    q = snapshot("single", {2}, points=3)
    assert grade(q, [2], partial) == QuestionGrade(True, Decimal(3))
    assert grade(q, [1], partial) == QuestionGrade(False, Decimal(0))
    assert grade(q, [1, 2], partial) == QuestionGrade(False, Decimal(0))
    assert grade(q, [], partial) == QuestionGrade(False, Decimal(0))


@pytest.mark.parametrize("partial", [False, True])
def test_true_false_is_all_or_nothing(partial):
    q = snapshot("true_false", {1})
    assert grade(q, [1], partial).correct
    assert grade(q, [2], partial) == (False, Decimal(0))


def test_multiple_without_partial_credit_needs_exactly_the_right_choices():
    q = snapshot("multiple", {1, 2, 3}, points=2)
    assert grade(q, [3, 1, 2]) == (True, Decimal(2))
    assert grade(q, [1, 2]) == (False, Decimal(0))
    assert grade(q, [1, 2, 3, 4]) == (False, Decimal(0))


def test_multiple_with_partial_credit_earns_and_loses_shares():
    q = snapshot("multiple", {1, 2, 3}, count=5, points=3)
    assert grade(q, [1, 2, 3], True) == (True, Decimal(3))
    assert grade(q, [1, 2], True) == (False, Decimal(2))
    # two of three right (+2/3), one of two wrong (−1/2): 1/6 of 3 points
    assert grade(q, [1, 2, 4], True) == (False, Decimal("0.50"))
    # never below zero
    assert grade(q, [1, 4, 5], True) == (False, Decimal(0))
    assert grade(q, [4], True) == (False, Decimal(0))
    assert grade(q, [], True) == (False, Decimal(0))


def test_partial_credit_rounds_points_down_to_cents():
    q = snapshot("multiple", {1, 2, 3}, count=3)
    assert grade(q, [1], True).points == Decimal("0.33")


def test_weights_from_the_snapshot_replace_the_shares():
    q = snapshot(
        "multiple",
        {1, 2},
        count=4,
        points=2,
        weights={1: "70", 2: "30", 3: "-50", 4: "-100"},
    )
    assert grade(q, [1, 2], True) == (True, Decimal(2))
    assert grade(q, [1], True) == (False, Decimal("1.40"))
    assert grade(q, [1, 3], True) == (False, Decimal("0.40"))
    assert grade(q, [2, 4], True) == (False, Decimal(0))
    # weights do not matter without partial credit
    assert grade(q, [1], False) == (False, Decimal(0))


def test_a_choice_without_weight_counts_its_default_among_weighted_ones():
    # correct choices share 100 % by default, wrong ones 0 unless weighted
    q = snapshot("multiple", {1, 2}, count=3, weights={3: "-50"})
    assert grade(q, [1], True) == (False, Decimal("0.50"))
    assert grade(q, [1, 3], True) == (False, Decimal(0))
    assert grade(q, [1, 2, 3], True) == (False, Decimal("0.50"))


def test_ids_of_other_questions_and_duplicates_are_ignored():
    q = snapshot("multiple", {1, 2})
    assert grade(q, [1, 2, 999]) == (True, Decimal(1))
    assert grade(q, [1, 1, 2, 2]) == (True, Decimal(1))
    assert grade(q, [999], True) == (False, Decimal(0))


def test_totals_percent_has_two_places_rounded_down():
    totals = attempt_totals(
        points=[Decimal(1), Decimal(1)], max_score=Decimal(3), pass_mark=66
    )
    assert totals == AttemptTotals(
        Decimal("2.00"), Decimal("3.00"), Decimal("66.66"), True
    )
    assert not attempt_totals(
        points=[Decimal(1), Decimal(1)], max_score=Decimal(3), pass_mark=67
    ).passed


def test_totals_pass_mark_is_inclusive_and_empty_attempt_scores_zero():
    assert attempt_totals(points=[Decimal(6)], max_score=10, pass_mark=60).passed
    assert not attempt_totals(
        points=[Decimal("5.99")], max_score=10, pass_mark=60
    ).passed
    empty = attempt_totals(points=[], max_score=Decimal(0), pass_mark=60)
    assert empty == (Decimal("0.00"), Decimal("0.00"), Decimal("0.00"), False)


def test_attempt_grade_grades_each_key_and_counts_unanswered_as_zero():
    questions = [
        snapshot("single", {1}, key="a", points=2),
        snapshot("multiple", {1, 2}, key="b", points=3),
        snapshot("true_false", {2}, key="c"),
    ]
    grades, totals = attempt_grade(
        questions=questions,
        selections={"a": [1], "b": [1]},
        partial_credit=True,
        pass_mark=60,
    )
    assert grades == {
        "a": (True, Decimal(2)),
        "b": (False, Decimal("1.50")),
        "c": (False, Decimal(0)),
    }
    assert totals == (Decimal("3.50"), Decimal("6.00"), Decimal("58.33"), False)
