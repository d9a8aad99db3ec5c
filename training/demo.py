"""Demo content of training: the learner dashboard as the site's home page,
the four real study modules (ordinary, editable pages with revisions), and some
progress so that dashboards and the team view have something to show."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from core import demo
from org.models import Department, StaffProfile
from training import services
from training.demo_modules import MODULES
from training.models import Assignment, CoursePage, LessonPage, LessonProgress


def _publish(page) -> None:
    page.save_revision().publish()


def _ensure_course(home, module) -> tuple[CoursePage, bool]:
    existing = CoursePage.objects.child_of(home).filter(slug=module["slug"]).first()
    if existing is not None:  # never overwrite what trainers have edited
        return existing, False
    course = CoursePage(
        title=module["title"],
        slug=module["slug"],
        topic=module["topic"],
        summary=module["summary"],
        estimated_minutes=module["estimated_minutes"],
        due_days=module["due_days"],
        recertify_months=module["recertify_months"],
        mandatory=True,
        live=False,
    )
    home.add_child(instance=course)
    codes = module.get("audience_departments")
    if codes:
        course.audience_departments = list(Department.objects.filter(code__in=codes))
        course.save()
    for lesson_data in module["lessons"]:
        lesson = LessonPage(
            title=lesson_data["title"],
            slug=lesson_data["slug"],
            summary=lesson_data["summary"],
            body=lesson_data["body"],
            live=False,
        )
        course.add_child(instance=lesson)
        _publish(lesson)
    _publish(course)  # assigns the course to its audience (page_published)
    return course, True


@demo.step(20, "training: home page and study modules")
def load_training(ctx: demo.DemoContext) -> None:
    home = services.training_home_ensure()
    for module in MODULES:
        course, created = _ensure_course(home, module)
        ctx.log(f"    {'+' if created else '='} {course.title}")


@demo.step(21, "training: demo progress")
def load_progress(ctx: demo.DemoContext) -> None:
    """Some staff have studied, some are overdue (only on a fresh database)."""
    if LessonProgress.objects.exists():
        return
    services.assignments_sync_all()
    courses = {c.slug: c for c in CoursePage.objects.all()}
    lessons = {
        slug: list(LessonPage.objects.live().child_of(course).order_by("path"))
        for slug, course in courses.items()
    }
    now = timezone.now()
    staff = list(StaffProfile.objects.filter(is_active=True).order_by("employee_no"))
    for index, person in enumerate(staff):
        if person.employee_no == "demo-learner":
            plan = {"consumer-protection-law": 1}
        elif index % 3 == 0:
            plan = {"credit-reporting": 99, "consumer-protection-law": 2}
        elif index % 3 == 1:
            plan = {"consumer-protection-law": 1, "financial-knowledge": 99}
        else:
            plan = {}
        for slug, count in plan.items():
            for lesson in lessons.get(slug, [])[:count]:
                services.lesson_mark_studied(
                    staff=person, lesson=lesson, seconds=300 + 60 * (index % 7)
                )
        if index % 4 == 2 or person.employee_no == "demo-learner":
            Assignment.objects.filter(
                staff=person,
                course=courses.get("financial-knowledge"),
                completed_at__isnull=True,
            ).update(
                assigned_at=now - dt.timedelta(days=40),
                due_at=now - dt.timedelta(days=10),
            )
