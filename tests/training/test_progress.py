"""Studying lessons, completing courses, study hours, and the extension point
through which the quizzes app adds requirements."""

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.training import factories as training_factories
from training import requirements, selectors, services, study_clock
from training.models import Assignment, LessonProgress, StudyCredit


@pytest.fixture
def lessons(course):
    return list(course.get_children().live().specific().order_by("path"))


def test_studying_every_lesson_completes_the_course_and_credits_hours(
    learner, course, lessons
):
    assignment = Assignment.objects.get(staff=learner, course=course)
    services.lesson_mark_studied(staff=learner, lesson=lessons[0], seconds=120)
    assignment.refresh_from_db()
    assert assignment.completed_at is None
    services.lesson_mark_studied(staff=learner, lesson=lessons[1], seconds=60)
    assignment.refresh_from_db()
    assert assignment.completed_at is not None
    credit = StudyCredit.objects.get(staff=learner)
    assert credit.minutes == course.estimated_minutes
    assert credit.year == timezone.localdate().year
    assert selectors.study_minutes(staff_ids=[learner.pk], year=credit.year) == {
        learner.pk: course.estimated_minutes
    }
    # Studying again later neither re-completes nor credits twice.
    services.lesson_mark_studied(staff=learner, lesson=lessons[0])
    assert StudyCredit.objects.filter(staff=learner).count() == 1


def test_study_hours_are_per_year(learner, course):
    for year, minutes in [(2025, 30), (2026, 45), (2026, 60)]:
        StudyCredit.objects.create(
            staff=learner,
            course=course,
            course_title=course.title,
            minutes=minutes,
            year=year,
            credited_at=timezone.now(),
        )
    assert selectors.study_minutes(staff_ids=[learner.pk], year=2026) == {
        learner.pk: 105
    }
    assert selectors.study_minutes(staff_ids=[learner.pk], year=2025) == {
        learner.pk: 30
    }


def test_time_spent_adds_up_and_is_capped(learner, lessons):
    services.lesson_mark_studied(staff=learner, lesson=lessons[0], seconds=90)
    services.lesson_mark_studied(staff=learner, lesson=lessons[0], seconds=10**9)
    progress = LessonProgress.objects.get(staff=learner, lesson=lessons[0])
    assert progress.seconds_spent == 90 + services.MAX_SECONDS_PER_VISIT


def test_the_study_clock_credits_no_more_than_the_real_time(monkeypatch):
    now = 1_800_000_000
    monkeypatch.setattr(study_clock.time, "time", lambda: now)
    token = study_clock.start_token()
    monkeypatch.setattr(study_clock.time, "time", lambda: now + 100)
    assert study_clock.credited_seconds(token, "60") == 60
    assert study_clock.credited_seconds(token, "99999") == 100
    assert study_clock.credited_seconds("forged", "60") == 0
    assert study_clock.credited_seconds(token, "-5") == 0


def test_a_learner_marks_a_lesson_studied_with_a_post(as_learner, learner, lessons):
    url = reverse("training:lesson_studied", args=[lessons[0].pk])
    assert as_learner.get(url).status_code == 405
    response = as_learner.post(
        url, {"clock": study_clock.start_token(), "seconds": "30"}
    )
    assert response.status_code == 302
    assert response["Location"] == lessons[0].url
    assert LessonProgress.objects.get(staff=learner, lesson=lessons[0]).completed_at
    page = as_learner.get(lessons[0].url)
    assert "data-study-time" in page.content.decode()


def test_marking_studied_needs_csrf_and_login(learner, lessons):
    url = reverse("training:lesson_studied", args=[lessons[0].pk])
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(learner.user)
    assert strict.post(url).status_code == 403
    anonymous = Client().post(url)
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    assert not LessonProgress.objects.exists()


def test_a_draft_lesson_cannot_be_marked(as_learner, course):
    draft = training_factories.lesson(course=course, publish=False)
    url = reverse("training:lesson_studied", args=[draft.pk])
    assert as_learner.post(url).status_code == 404


def test_the_next_parameter_cannot_redirect_off_site(as_learner, lessons):
    url = reverse("training:lesson_studied", args=[lessons[0].pk])
    response = as_learner.post(url, {"next": "https://evil.example/"})
    assert response["Location"] == lessons[0].url


def test_progress_counts_only_live_lessons(learner, course, lessons):
    training_factories.lesson(course=course, publish=False)  # a draft
    for lesson in lessons:
        services.lesson_mark_studied(staff=learner, lesson=lesson)
    assert Assignment.objects.get(staff=learner, course=course).completed_at


def test_course_children_link_where_wagtail_does(course, lessons, rf, settings):
    """Children are read as plain rows; their links must be the pages' own."""
    from wagtail.models import Page

    request = rf.get("/", HTTP_HOST="localhost")
    for append_slash in (True, False):
        settings.WAGTAIL_APPEND_SLASH = append_slash
        children = selectors.course_children([course])[course.pk]
        assert [c.pk for c in children] == [lesson.pk for lesson in lessons]
        for child in children:
            page = Page.objects.get(pk=child.pk)
            assert child.get_url(request) == page.get_url(request)
            assert child.get_url() == page.get_url()
            assert child.title == page.title


# --- the extension point -------------------------------------------------------------


class FakeQuizProvider:
    """Stands in for the quizzes app: staff in `passed` have passed."""

    def __init__(self):
        self.passed: set[tuple[int, int]] = set()
        self.calls = 0

    def __call__(self, *, staff_ids, course_ids):
        self.calls += 1
        return {(s, c) for s in staff_ids for c in course_ids if (s, c) in self.passed}


@pytest.fixture
def quiz_provider():
    provider = FakeQuizProvider()
    requirements.register_requirement_provider(provider)
    yield provider
    requirements.unregister_requirement_provider(provider)


def test_a_course_waits_for_its_requirements(learner, course, lessons, quiz_provider):
    for lesson in lessons:
        services.lesson_mark_studied(staff=learner, lesson=lesson)
    assignment = Assignment.objects.get(staff=learner, course=course)
    assert assignment.completed_at is None
    # The quizzes app reports a pass.
    quiz_provider.passed.add((learner.pk, course.pk))
    done = services.course_completion_refresh(staff=learner, course=course)
    assert [a.pk for a in done] == [assignment.pk]
    assert StudyCredit.objects.filter(staff=learner).count() == 1


def test_providers_are_asked_in_bulk(learner, other_learner, course, quiz_provider):
    assignments = list(Assignment.objects.select_related("course"))
    assert len(assignments) == 2
    selectors.assignments_progress(assignments)
    assert quiz_provider.calls == 1


def test_higher_apps_can_add_page_types_under_a_course():
    from training.models import CoursePage, LessonPage, TrainingHomePage

    registered = requirements.course_child_page_models()  # e.g. quizzes.QuizPage
    requirements.register_course_child_page_type("training.TrainingHomePage")
    try:
        assert TrainingHomePage in CoursePage.clean_subpage_models()
    finally:
        requirements.unregister_course_child_page_type("training.TrainingHomePage")
    assert CoursePage.clean_subpage_models() == [LessonPage, *registered]


def test_overdue_and_completed_late(learner, course, lessons):
    assignment = Assignment.objects.get(staff=learner, course=course)
    Assignment.objects.filter(pk=assignment.pk).update(
        due_at=timezone.now() - dt.timedelta(days=1)
    )
    assignment.refresh_from_db()
    assert selectors.assignment_status(assignment) == selectors.Status.OVERDUE
    for lesson in lessons:
        services.lesson_mark_studied(staff=learner, lesson=lesson)
    assignment.refresh_from_db()
    assert assignment.completed_late
    assert selectors.assignment_status(assignment) == selectors.Status.COMPLETED
