"""The real study modules: article texts verbatim from the shipped study files,
unverified items marked, load_demo idempotent and the pages editable."""

import pytest
from django.core.management import call_command
from wagtail.models import Site

from training import content
from training.demo_modules import MODULES
from training.models import CoursePage, LessonPage, TrainingHomePage

ALL_TEXT = "\n".join(
    content.read(name)
    for name in (
        content.CONSUMER_LAW,
        content.CREDIT_REGULATION,
        content.FINANCIAL_KNOWLEDGE,
        content.COMPLAINT_RULES,
    )
)


def law_blocks():
    for module in MODULES:
        for lesson in module["lessons"]:
            for block in lesson["body"]:
                if block["type"] == "law_article":
                    yield module["slug"], lesson["slug"], block["value"]


def test_every_quoted_article_is_verbatim_from_the_study_files():
    blocks = list(law_blocks())
    assert len(blocks) > 80
    for module, lesson, value in blocks:
        for paragraph in value["text"].split("\n\n"):
            assert paragraph in ALL_TEXT, (module, lesson, value["article"])


def test_the_articles_the_mission_names_are_quoted():
    quoted = {(v["law_name"], v["article"]) for _m, _l, v in law_blocks()}
    consumer = "中华人民共和国消费者权益保护法"
    for number in [*range(7, 30), *range(39, 64)]:
        assert (consumer, content.article_label(number)) in quoted, number
    credit = "征信业管理条例"
    for number in (13, 16, 17, 25, 26):
        assert (credit, content.article_label(number)) in quoted, number


def test_sources_not_checked_against_the_official_text_are_marked_unverified():
    for _module, _lesson, value in law_blocks():
        from_complaint_rules = value["law_name"] == "银行业保险业消费投诉处理管理办法"
        from_pboc_measures = value["law_name"].startswith("中国人民银行金融消费者")
        if from_complaint_rules or from_pboc_measures:
            assert value["status"] == "unverified", value["article"]


def test_every_consumer_law_lesson_has_a_banking_case_study():
    consumer = next(m for m in MODULES if m["slug"] == "consumer-protection-law")
    for lesson in consumer["lessons"]:
        assert any(b["type"] == "case_study" for b in lesson["body"]), lesson["slug"]


@pytest.mark.django_db
def test_load_demo_builds_editable_modules_and_is_idempotent(capsys, settings):
    settings.DEMO_PASSWORD = "Demo-password-123"
    call_command("load_demo")
    counts = (CoursePage.objects.count(), LessonPage.objects.count())
    call_command("load_demo")
    assert (CoursePage.objects.count(), LessonPage.objects.count()) == counts == (4, 12)
    home = TrainingHomePage.objects.get()
    assert Site.objects.get(is_default_site=True).root_page_id == home.pk
    for page in [*CoursePage.objects.all(), *LessonPage.objects.all()]:
        assert page.live and page.revisions.exists(), page.title
    retention = LessonPage.objects.get(slug="retention-period")
    assert "不良信息" in retention.search_text
    hotlines = LessonPage.objects.get(slug="hotlines")
    unverified = [
        b
        for b in hotlines.body
        if b.block_type == "callout" and b.value["status"] == "unverified"
    ]
    assert unverified  # 12378 and the secondary-source rule


@pytest.mark.django_db
def test_the_demo_dashboard_renders_for_the_demo_learner(settings):
    from django.contrib.auth import get_user_model
    from django.test import Client

    settings.DEMO_PASSWORD = "Demo-password-123"
    call_command("load_demo")
    client = Client()
    client.force_login(get_user_model().objects.get(username="demo-learner"))
    html = client.get("/").content.decode()
    assert "消费者权益保护法（新消法）" in html
    lesson = LessonPage.objects.get(slug="hotlines")
    assert "待核实" in client.get(lesson.url).content.decode()
