"""Permission checks made up front in the Wagtail admin (core/admin_guards.py)."""

from wagtail.models import Page

from core.admin_guards import ERROR_PAGE_IN_USE
from tests.quizzes import attempt_factories
from tests.quizzes import factories as quiz_factories
from tests.training import factories as training_factories


def test_a_course_whose_quiz_has_attempts_is_not_deleted(as_admin, learner):
    training_factories.home()
    course = training_factories.course()
    question = quiz_factories.question()
    quiz = quiz_factories.quiz(course=course, fixed=[question])
    attempt_factories.graded_attempt(
        staff=learner, quiz=quiz, answers=[(question, True)]
    )

    response = as_admin.post(f"/admin/pages/{course.pk}/delete/", follow=True)

    assert response.status_code == 200
    assert str(ERROR_PAGE_IN_USE) in response.content.decode()
    assert Page.objects.filter(pk__in=[course.pk, quiz.pk]).count() == 2


def test_a_course_without_attempts_is_deleted(as_admin):
    training_factories.home()
    course = training_factories.course()
    training_factories.lesson(course=course)

    response = as_admin.post(f"/admin/pages/{course.pk}/delete/")

    assert response.status_code == 302
    assert not Page.objects.filter(pk=course.pk).exists()


def test_hr_gets_no_move_confirmation(as_hr):
    training_factories.home()
    course = training_factories.course()
    other = training_factories.course(title="另一门课")
    lesson = training_factories.lesson(course=course)

    response = as_hr.get(f"/admin/pages/{lesson.pk}/move/{other.pk}/confirm/")

    assert response.status_code == 302 and response["Location"] == "/admin/"
