"""Chinese search: 知情权 and 不良信息 find the lessons containing them, on
SQLite and PostgreSQL alike (CI runs this file on both)."""

import pytest
from django.urls import reverse

from tests.training import factories as training_factories
from training import content, selectors
from training.demo_modules import law


@pytest.fixture
def library(home):
    consumer = training_factories.course(parent=home, title="消费者权益保护法")
    rights = training_factories.lesson(
        course=consumer,
        title="消费者的权利",
        body=[law(content.CONSUMER_LAW, 8, note="这就是常说的知情权。")],
    )
    duties = training_factories.lesson(
        course=consumer,
        title="经营者的义务",
        body=[law(content.CONSUMER_LAW, 26)],
    )
    credit = training_factories.course(parent=home, title="征信业管理条例")
    retention = training_factories.lesson(
        course=credit,
        title="保存期限",
        body=[law(content.CREDIT_REGULATION, 16)],
    )
    draft = training_factories.lesson(
        course=credit,
        title="草稿",
        body=[law(content.CREDIT_REGULATION, 15)],
        publish=False,
    )
    return {"rights": rights, "duties": duties, "retention": retention, "draft": draft}


def found(query):
    return {hit.lesson.pk for hit in selectors.lesson_search(query)}


def test_words_inside_chinese_sentences_are_found(library):
    assert found("知情权") == {library["rights"].pk}
    # 不良信息 sits in the middle of 第十六条; the draft (第十五条) is not live.
    assert found("不良信息") == {library["retention"].pk}
    assert found("格式条款") == {library["duties"].pk}
    assert found("不存在的词") == set()


def test_every_word_must_match(library):
    assert found("不良信息 5年") == {library["retention"].pk}
    assert found("不良信息 知情权") == set()


def test_wildcards_are_literal(library):
    assert found("%") == set()
    assert found("_") == set()


def test_search_page(as_learner, library):
    response = as_learner.get(reverse("training:search"), {"q": "不良信息"})
    html = response.content.decode()
    assert response.status_code == 200
    assert library["retention"].url in html
    assert "征信业管理条例" in html  # the course of the hit
    assert library["rights"].url not in html


def test_search_needs_login(client, library):
    response = client.get(reverse("training:search"), {"q": "知情权"})
    assert response.status_code == 302
