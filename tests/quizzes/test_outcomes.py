"""The contract with the incentives engine: quizzes.selectors.attempt_outcomes
(one row per ended attempt of a quiz that counts, set-based, constant queries)
and the course requirement provider."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from quizzes.models import Attempt
from quizzes.selectors import attempt_outcomes, quiz_requirements_met
from tests import factories
from tests.quizzes import factories as quiz_factories

pytestmark = pytest.mark.django_db

NOV = timezone.make_aware(dt.datetime(2026, 11, 1))
DEC = timezone.make_aware(dt.datetime(2026, 12, 1))


def at(day: int, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime(2026, 11, day, hour))


def by_id(rows):
    return {row.attempt_id: row for row in rows}


def test_rows_carry_the_attempt_and_its_course(course, learner):
    quiz = quiz_factories.quiz(course=course, max_attempts=3)
    attempt = quiz_factories.finished_attempt(
        staff=learner, quiz=quiz, number=1, score=7, submitted_at=at(3)
    )

    [row] = attempt_outcomes(start=NOV, end=DEC)

    assert row.attempt_id == attempt.pk
    assert row.staff_id == learner.pk
    assert row.quiz_id == quiz.pk
    assert row.course_id == course.pk
    assert row.number == 1
    assert row.submitted_at == at(3)
    assert row.percent == Decimal("70.00")
    assert row.passed is True
    assert row.max_attempts == 3
    assert row.is_first_attempt is True
    assert row.is_perfect is False
    assert row.attempts_exhausted_without_pass is False


def test_period_is_half_open_and_only_ended_attempts_of_counting_quizzes(
    course, learner, other_learner
):
    quiz = quiz_factories.quiz(course=course)
    practice_quiz = quiz_factories.quiz(course=course, counts_for_incentives=False)
    first_moment = quiz_factories.finished_attempt(
        staff=learner, quiz=quiz, submitted_at=NOV
    )
    closed = quiz_factories.finished_attempt(
        staff=other_learner,
        quiz=quiz,
        submitted_at=at(30, 23),
        status=Attempt.Status.CLOSED,
    )
    quiz_factories.finished_attempt(  # the end is excluded
        staff=learner, quiz=quiz, number=2, submitted_at=DEC
    )
    quiz_factories.finished_attempt(  # before the period
        staff=other_learner, quiz=quiz, number=2, submitted_at=NOV - dt.timedelta(1)
    )
    quiz_factories.finished_attempt(  # a quiz that does not count
        staff=learner, quiz=practice_quiz, submitted_at=at(5)
    )
    Attempt.objects.create(  # in progress: not an outcome yet
        staff=learner,
        quiz=practice_quiz,
        number=2,
        max_attempts=3,
        started_at=at(6),
        pass_mark=60,
    )

    rows = attempt_outcomes(start=NOV, end=DEC)

    assert [row.attempt_id for row in rows] == [first_moment.pk, closed.pk]


def test_first_perfect_and_exhausted_flags(course, bank):
    quiz = quiz_factories.quiz(course=course, max_attempts=2)
    failed_twice, passed_second, passed_first, perfect = (
        factories.staff(department=bank.o1) for _ in range(4)
    )
    f1 = quiz_factories.finished_attempt(
        staff=failed_twice, quiz=quiz, number=1, score=3, submitted_at=at(2)
    )
    f2 = quiz_factories.finished_attempt(
        staff=failed_twice, quiz=quiz, number=2, score=5, submitted_at=at(3)
    )
    p1 = quiz_factories.finished_attempt(
        staff=passed_second, quiz=quiz, number=1, score=2, submitted_at=at(2)
    )
    p2 = quiz_factories.finished_attempt(
        staff=passed_second, quiz=quiz, number=2, score=9, submitted_at=at(3)
    )
    q1 = quiz_factories.finished_attempt(
        staff=passed_first, quiz=quiz, number=1, score=6, submitted_at=at(2)
    )
    q2 = quiz_factories.finished_attempt(  # a retake that failed after a pass
        staff=passed_first, quiz=quiz, number=2, score=1, submitted_at=at(3)
    )
    top = quiz_factories.finished_attempt(
        staff=perfect, quiz=quiz, number=1, score=10, submitted_at=at(4)
    )

    rows = by_id(attempt_outcomes(start=NOV, end=DEC))

    exhausted = {pk for pk, row in rows.items() if row.attempts_exhausted_without_pass}
    assert exhausted == {f2.pk}
    assert {pk for pk, row in rows.items() if row.is_first_attempt} == {
        f1.pk,
        p1.pk,
        q1.pk,
        top.pk,
    }
    assert {pk for pk, row in rows.items() if row.is_perfect} == {top.pk}
    assert rows[top.pk].percent == Decimal("100.00")
    assert {pk for pk, row in rows.items() if row.passed} == {p2.pk, q1.pk, top.pk}
    assert rows[q2.pk].passed is False


def test_exhausted_uses_the_limit_in_force_when_the_attempt_started(course, learner):
    quiz = quiz_factories.quiz(course=course, max_attempts=1)
    attempt = quiz_factories.finished_attempt(
        staff=learner, quiz=quiz, number=1, score=2, submitted_at=at(2)
    )
    quiz.max_attempts = 3  # the trainer allows more attempts afterwards
    quiz.save_revision().publish()

    [row] = attempt_outcomes(start=NOV, end=DEC)

    assert row.attempt_id == attempt.pk
    assert row.max_attempts == 1
    assert row.attempts_exhausted_without_pass is True


def _attempts(course, bank, learners: int, quizzes: int):
    pages = [quiz_factories.quiz(course=course) for _ in range(quizzes)]
    for n in range(learners):
        person = factories.staff(department=bank.o2)
        for page in pages:
            for number in (1, 2):
                quiz_factories.finished_attempt(
                    staff=person,
                    quiz=page,
                    number=number,
                    score=n % 11,
                    submitted_at=at(1 + n % 28, 8 + number),
                )


@pytest.mark.parametrize("learners, quizzes", [(1, 1), (12, 3)])
def test_two_queries_whatever_the_number_of_attempts(
    course, bank, django_assert_num_queries, learners, quizzes
):
    _attempts(course, bank, learners, quizzes)

    with django_assert_num_queries(2):
        rows = attempt_outcomes(start=NOV, end=DEC)

    assert len(rows) == learners * quizzes * 2
    assert {row.course_id for row in rows} == {course.pk}


# --- the course requirement -------------------------------------------------------


def test_course_is_met_when_every_live_quiz_is_passed(course, home, learner, bank):
    from tests.training import factories as training_factories

    other = factories.staff(department=bank.o1)
    no_quiz_course = training_factories.course(parent=home, title="征信")
    first = quiz_factories.quiz(course=course)
    second = quiz_factories.quiz(course=course)
    quiz_factories.quiz(course=course, publish=False)  # a draft: not required
    quiz_factories.finished_attempt(
        staff=learner, quiz=first, score=9, submitted_at=at(2)
    )
    quiz_factories.finished_attempt(
        staff=learner, quiz=second, score=6, submitted_at=at(2)
    )
    quiz_factories.finished_attempt(
        staff=other, quiz=first, score=9, submitted_at=at(2)
    )
    quiz_factories.finished_attempt(
        staff=other, quiz=second, score=2, submitted_at=at(2)
    )

    met = quiz_requirements_met(
        staff_ids={learner.pk, other.pk}, course_ids={course.pk, no_quiz_course.pk}
    )

    assert met == {
        (learner.pk, course.pk),
        (learner.pk, no_quiz_course.pk),
        (other.pk, no_quiz_course.pk),
    }


@pytest.mark.parametrize("learners", [1, 15])
def test_requirement_provider_queries_are_constant(
    course, bank, django_assert_num_queries, learners
):
    _attempts(course, bank, learners, 2)
    staff_ids = set(Attempt.objects.values_list("staff_id", flat=True).distinct())

    with django_assert_num_queries(3):
        met = quiz_requirements_met(staff_ids=staff_ids, course_ids={course.pk})

    assert len(met) == sum(1 for n in range(learners) if n % 11 >= 6)
