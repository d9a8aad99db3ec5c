"""The benchmark data generator at tiny scale: it fills an empty database with
valid, consistent records of every kind the benchmarks read."""

import datetime as dt

import pytest

from bench.datagen import Scale, generate, quarter_bounds


@pytest.mark.django_db
def test_tiny_scale_fills_every_kind_consistently():
    from incentives.models import Complaint
    from org.models import Department, StaffProfile
    from quizzes.models import Attempt, Question, QuizPage
    from quizzes.selectors import attempt_outcomes
    from training.models import Assignment, CoursePage, LessonPage

    scale = Scale.tiny()
    counts = generate(scale, day=dt.date(2026, 8, 15))
    assert counts["period"] == "2026-Q3"
    assert Department.objects.count() == scale.departments
    assert StaffProfile.objects.count() == scale.staff
    assert CoursePage.objects.live().count() == scale.courses
    assert LessonPage.objects.live().count() == scale.courses * scale.lessons
    assert QuizPage.objects.live().count() == scale.courses
    assert Question.objects.filter(live=True).count() == scale.questions
    assert Attempt.objects.count() == scale.attempts
    assert Assignment.objects.count() == scale.staff * scale.mandatory_courses
    assert Complaint.objects.count() == scale.complaints
    start, end, _ = quarter_bounds(dt.date(2026, 8, 15))
    outcomes = attempt_outcomes(start=start, end=end)
    assert len(outcomes) == scale.attempts
    assert {o.passed for o in outcomes} == {True, False}
    for attempt in Attempt.objects.all():
        assert start <= attempt.submitted_at < end


def test_scaling_keeps_the_course_structure():
    doubled = Scale.default().times(0.5)
    assert doubled.staff == 5_000
    assert doubled.courses == 30
