"""The demo quizzes and attempts: one quiz per real module, attempts of every
kind across two months, created through the services, idempotent."""

from __future__ import annotations

from django.utils import timezone
from django.utils.module_loading import autodiscover_modules

from core import demo
from quizzes import demo as quizzes_demo
from quizzes.models import Attempt, AttemptAnswer, QuizPage
from quizzes.selectors import attempt_outcomes
from training.models import CoursePage


def state():
    return (
        sorted(QuizPage.objects.values_list("pk", "slug", "live", "path")),
        sorted(
            Attempt.objects.values_list(
                "pk", "staff_id", "quiz_id", "number", "status", "score", "submitted_at"
            )
        ),
        AttemptAnswer.objects.count(),
    )


def test_demo_quizzes_and_attempts(db, settings, tmp_path):
    settings.DEMO_PASSWORD = "Demo-test-password-1"
    autodiscover_modules("demo")
    context = demo.DemoContext(password="x", password_source="test", log=print)
    for _order, name, step in demo.steps():
        if name.split(":")[0] in {"org", "training", "quizzes"}:
            step(context)
    first = state()
    for _order, name, step in demo.steps():
        if name.startswith("quizzes:"):
            step(context)
    assert state() == first

    courses = CoursePage.objects.filter(slug__in=[q[0] for q in quizzes_demo.QUIZZES])
    assert courses.count() == 4
    for course in courses:
        quiz = QuizPage.objects.live().child_of(course).get()
        assert quiz.fixed_questions.count() == 2 and quiz.draws.count() == 1

    attempts = Attempt.objects.all()
    assert not attempts.filter(status=Attempt.Status.IN_PROGRESS).exists()
    assert (
        attempts.filter(passed=True).exists() and attempts.filter(passed=False).exists()
    )
    assert any(a.is_perfect for a in attempts)
    exhausted = [
        o
        for o in attempt_outcomes(
            start=timezone.now().replace(year=2000), end=timezone.now()
        )
        if o.attempts_exhausted_without_pass
    ]
    assert exhausted
    now = timezone.localtime()
    months = {timezone.localtime(a.submitted_at).month for a in attempts}
    previous = 12 if now.month == 1 else now.month - 1
    assert {now.month, previous} <= months
    assert all(a.submitted_at <= timezone.now() for a in attempts)
    assert attempts.filter(staff__employee_no="demo-learner").count() == 2
