"""Course and lesson pages built the way an editor would (add, revision,
publish), so page_published fires as in the admin."""

from __future__ import annotations

from wagtail.models import Page

from training import services
from training.models import CoursePage, LessonPage, TrainingHomePage


def home() -> TrainingHomePage:
    return services.training_home_ensure(title="权益学堂")


def course(
    *,
    parent: TrainingHomePage | None = None,
    title: str = "消费者权益保护法",
    slug: str = "",
    publish: bool = True,
    departments=(),
    positions: str = "",
    due_days: int = 30,
    recertify_months: int = 0,
    estimated_minutes: int = 60,
    mandatory: bool = True,
) -> CoursePage:
    parent = parent or home()
    page = CoursePage(
        title=title,
        slug=slug or f"course-{Page.objects.count() + 1}",
        topic=CoursePage.Topic.CONSUMER_PROTECTION,
        summary="课程简介",
        due_days=due_days,
        recertify_months=recertify_months,
        estimated_minutes=estimated_minutes,
        mandatory=mandatory,
        audience_positions=positions,
        live=False,
    )
    parent = Page.objects.get(pk=parent.pk)
    parent.add_child(instance=page)
    if departments:
        page.audience_departments = list(departments)
        page.save()
    if publish:
        page.save_revision().publish()
    return CoursePage.objects.get(pk=page.pk)


def law_block(text="消费者享有知悉其购买、使用的商品或者接受的服务的真实情况的权利。"):
    return {
        "type": "law_article",
        "value": {
            "law_name": "中华人民共和国消费者权益保护法",
            "article": "第八条",
            "text": text,
            "note": "知情权",
            "status": "verified",
            "source": "",
        },
    }


def lesson(
    *,
    course: CoursePage,
    title: str = "",
    body=None,
    publish: bool = True,
) -> LessonPage:
    number = Page.objects.count() + 1
    page = LessonPage(
        title=title or f"第{number}课",
        slug=f"lesson-{number}",
        summary="",
        body=body if body is not None else [law_block()],
        live=False,
    )
    Page.objects.get(pk=course.pk).add_child(instance=page)
    if publish:
        page.save_revision().publish()
    return LessonPage.objects.get(pk=page.pk)
