"""The question bank in the Wagtail admin: who may use it, the form's rules,
drafts and revisions, listing filters and query counts, export, and the import
screen offering questions to trainers."""

from __future__ import annotations

import io

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape
from wagtail.test.utils.form_data import inline_formset, nested_form_data

from core.imports.pipeline import run_import
from quizzes import services
from quizzes.models import Choice, Question, QuestionCategory
from tests.quizzes import factories
from tests.quizzes.conftest import bank_state

LIST = "wagtailsnippets_quizzes_question:list"
ADD = "wagtailsnippets_quizzes_question:add"
EDIT = "wagtailsnippets_quizzes_question:edit"
DELETE = "wagtailsnippets_quizzes_question:delete"
CATEGORY_LIST = "wagtailsnippets_quizzes_questioncategory:list"
CATEGORY_ADD = "wagtailsnippets_quizzes_questioncategory:add"
CATEGORY_EDIT = "wagtailsnippets_quizzes_questioncategory:edit"
HISTORY = "wagtailsnippets_quizzes_question:history"

# role -> status of the question listing (302s go to the login or admin home)
ACCESS = {
    "anonymous": 302,
    "learner": 302,
    "manager": 302,
    "trainer": 200,
    "hr": 302,
    "admin": 200,
}


def question_form(
    category,
    *,
    stem="消费者享有（ ）的权利。",
    kind="single",
    choices=(("安全权", True), ("定价权", False)),
    publish=True,
    ids=(),
):
    data = nested_form_data(
        {
            "category": category.pk,
            "kind": kind,
            "stem": stem,
            "explanation": "第七条。",
            "source": "消费者权益保护法第七条",
            "difficulty": 2,
            "tags": "",
            "is_active": True,
            "choices": inline_formset(
                [
                    {
                        "id": ids[i] if i < len(ids) else "",
                        "text": text,
                        "is_correct": correct,
                        "feedback": "",
                        "weight": "",
                        "ORDER": i,
                    }
                    for i, (text, correct) in enumerate(choices)
                ],
                initial=len(ids),
                min=2,
                max=6,
            ),
        }
    )
    if publish:
        data["action-publish"] = "action-publish"
    return data


@pytest.mark.parametrize("role", ACCESS)
def test_who_may_open_the_question_bank(role_clients, role):
    client = role_clients[role]
    question = factories.question()
    urls = [reverse(name) for name in (LIST, ADD, CATEGORY_LIST, CATEGORY_ADD)]
    urls += [
        reverse(EDIT, args=[question.pk]),
        reverse(CATEGORY_EDIT, args=[question.category_id]),
        reverse(HISTORY, args=[question.pk]),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == ACCESS[role], (url, response)
    if role == "hr":
        assert client.get(reverse(LIST))["Location"] == "/admin/"


def test_trainers_have_no_delete(as_trainer, as_admin, db):
    question = factories.question()
    url = reverse(DELETE, args=[question.pk])

    assert as_trainer.get(url).status_code == 302
    assert as_trainer.post(url).status_code == 302
    assert Question.objects.filter(pk=question.pk).exists()
    assert as_admin.get(url).status_code == 200


def test_a_trainer_publishes_a_new_question(as_trainer, trainer):
    category = factories.category("消费者权益保护法")

    response = as_trainer.post(reverse(ADD), question_form(category))

    assert response.status_code == 302
    question = Question.objects.get()
    assert question.live and question.live_revision_id
    assert question.stem_key and question.article_number == 7
    assert [(c.text, c.is_correct) for c in question.choices.all()] == [
        ("安全权", True),
        ("定价权", False),
    ]
    assert question.latest_revision.user_id == trainer.user_id


def in_chinese(message, params=None) -> str:
    """A message as the admin shows it (Chinese, the default language)."""
    with translation.override("zh-hans"):
        text = str(message)
    return escape(text % params if params else text)


@pytest.mark.parametrize(
    ("kind", "choices", "message", "params"),
    [
        (
            "single",
            (("甲", True), ("乙", True)),
            services.ERROR_SINGLE_ONE_CORRECT,
            {"count": 2},
        ),
        (
            "multiple",
            (("甲", True), ("乙", False)),
            services.ERROR_MULTIPLE_TWO_CORRECT,
            {"count": 1},
        ),
        (
            "true_false",
            (("对", True), ("错", False)),
            services.ERROR_TRUE_FALSE_CHOICES,
            None,
        ),
    ],
)
def test_publishing_a_broken_question_shows_the_rule_in_the_form(
    as_trainer, kind, choices, message, params
):
    category = factories.category()

    response = as_trainer.post(
        reverse(ADD), question_form(category, kind=kind, choices=choices)
    )

    assert response.status_code == 200
    assert in_chinese(message, params) in response.content.decode()
    assert not Question.objects.exists()


def test_a_weight_that_restates_the_default_is_stored_as_empty(as_trainer):
    category = factories.category()
    data = question_form(category, choices=(("甲", True), ("乙", False), ("丙", False)))
    data["choices-0-weight"] = "100"
    data["choices-1-weight"] = "50"

    assert as_trainer.post(reverse(ADD), data).status_code == 302

    weights = [c.weight for c in Question.objects.get().choices.all()]
    assert weights == [None, 50, None]


def test_a_draft_may_be_incomplete_but_publishing_it_may_not(as_trainer):
    category = factories.category()
    broken = question_form(
        category, choices=(("甲", False), ("乙", False)), publish=False
    )

    response = as_trainer.post(reverse(ADD), broken)

    assert response.status_code == 302
    draft = Question.objects.get()
    assert not draft.live
    ids = [c.pk for c in draft.choices.all()]
    publish = question_form(category, choices=(("甲", False), ("乙", False)), ids=ids)
    response = as_trainer.post(reverse(EDIT, args=[draft.pk]), publish)
    assert response.status_code == 200
    draft.refresh_from_db()
    assert not draft.live


def test_a_second_copy_of_a_question_is_refused_even_as_a_draft(as_trainer):
    category = factories.category()
    factories.question(category=category, stem="消费者享有（ ）的权利。")

    response = as_trainer.post(
        reverse(ADD),
        question_form(category, stem="消费者享有 ( ) 的权利.", publish=False),
    )

    assert response.status_code == 200
    assert in_chinese(services.ERROR_DUPLICATE_QUESTION) in response.content.decode()
    assert Question.objects.count() == 1


def test_editing_a_choice_keeps_its_id_and_drafts_leave_the_live_row_alone(
    as_trainer,
):
    question = factories.question(choices=[("甲", True), ("乙", False)])
    ids = [c.pk for c in question.choices.all()]
    edited = question_form(
        question.category,
        stem=question.stem,
        choices=(("甲（改）", True), ("乙", False)),
        ids=ids,
        publish=False,
    )

    assert as_trainer.post(reverse(EDIT, args=[question.pk]), edited).status_code == 302
    assert Choice.objects.get(pk=ids[0]).text == "甲"  # still the published text
    question.refresh_from_db()
    assert question.has_unpublished_changes

    edited["action-publish"] = "action-publish"
    assert as_trainer.post(reverse(EDIT, args=[question.pk]), edited).status_code == 302
    assert [c.pk for c in question.choices.all()] == ids
    assert Choice.objects.get(pk=ids[0]).text == "甲（改）"


def test_posts_need_a_csrf_token(trainer):
    client = Client(enforce_csrf_checks=True)
    client.force_login(trainer.user)
    category = factories.category()

    response = client.post(reverse(ADD), question_form(category))

    assert response.status_code == 403
    assert not Question.objects.exists()


def test_the_listing_filters_and_searches(as_trainer):
    law = factories.category("消费者权益保护法")
    credit = factories.category("征信业管理条例")
    factories.question(category=law, stem="七日无理由退货的期限是？")
    factories.question(
        category=credit,
        kind=Question.Kind.TRUE_FALSE,
        stem="异议应在二十日内处理。",
        source="征信业管理条例第二十五条",
        difficulty=Question.Difficulty.HARD,
    )
    factories.question(category=credit, stem="停用的题", is_active=False)
    url = reverse(LIST)

    def listed(**params):
        content = as_trainer.get(url, params).content.decode()
        return sorted(
            s
            for s in ("七日无理由退货", "异议应在二十日内处理", "停用的题")
            if s in content
        )

    assert listed() == ["七日无理由退货", "停用的题", "异议应在二十日内处理"]
    assert listed(category=law.pk) == ["七日无理由退货"]
    assert listed(kind="true_false") == ["异议应在二十日内处理"]
    assert listed(difficulty=3) == ["异议应在二十日内处理"]
    assert listed(law_name="征信业管理条例") == ["异议应在二十日内处理"]
    assert listed(is_active="false") == ["停用的题"]
    assert listed(q="无理由") == ["七日无理由退货"]


def test_listing_queries_do_not_grow_with_the_number_of_questions(
    as_trainer, django_assert_max_num_queries
):
    categories = [factories.category(f"分类{i}") for i in range(3)]
    for i in range(3):
        factories.question(category=categories[i % 3], stem=f"少量第{i}题")
    url = reverse(LIST)
    as_trainer.get(url)  # warm caches (content types, site)

    with CaptureQueriesContext(connection) as few:
        assert as_trainer.get(url).status_code == 200
    for i in range(30):
        factories.question(category=categories[i % 3], stem=f"较多第{i}题")

    with django_assert_max_num_queries(len(few.captured_queries)):
        response = as_trainer.get(url)
    assert response.status_code == 200
    assert "较多第29题" in response.content.decode()


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_listing_export_imports_back_unchanged(
    as_trainer, bank_csv, fmt, django_assert_max_num_queries
):
    assert run_import("questions", bank_csv, filename="bank.csv").ok
    before = bank_state()

    # 60 questions with their choices: a handful of queries, not one per row.
    with django_assert_max_num_queries(15):
        response = as_trainer.get(reverse(LIST), {"export": fmt})
        data = b"".join(response.streaming_content if response.streaming else response)

    assert response.status_code == 200
    report = run_import("questions", data, filename=f"export.{fmt}")
    assert report.ok, report.as_text()
    assert report.unchanged == 60
    assert bank_state() == before


def test_the_import_screen_offers_questions_to_trainers_only(role_clients):
    upload = reverse("core_imports:upload", args=["questions"])
    index = reverse("core_imports:index")

    trainer = role_clients["trainer"].get(index)
    assert trainer.status_code == 200
    assert upload in trainer.content.decode()
    assert role_clients["trainer"].get(upload).status_code == 200

    hr = role_clients["hr"].get(index)
    assert hr.status_code == 200 and upload not in hr.content.decode()
    # Wagtail turns "permission denied" into a redirect to the admin home.
    assert role_clients["hr"].get(upload)["Location"] == "/admin/"
    assert role_clients["admin"].get(upload).status_code == 200
    for role in ("anonymous", "learner", "manager"):
        assert role_clients[role].get(upload).status_code == 302


GIFT_UPLOAD = """\
$CATEGORY: 消费者权益保护法

::退货::网购商品可以在收到之日起（ ）内无理由退货。{=七日 ~十五日 ~三十日}

::简答::Who's buried in Grant's tomb?{=no one =nobody}
"""


def test_a_trainer_imports_a_gift_file_through_the_admin(
    as_trainer, django_capture_on_commit_callbacks
):
    upload = reverse("core_imports:upload", args=["questions"])
    gift_file = io.BytesIO(GIFT_UPLOAD.encode())
    gift_file.name = "bank.gift"

    with django_capture_on_commit_callbacks(execute=True):
        response = as_trainer.post(upload, {"file": gift_file})

    assert response.status_code == 302
    job_page = as_trainer.get(response["Location"])
    content = job_page.content.decode()
    assert "data-import-skipped" in content and "简答" in content
    assert not Question.objects.exists()  # a preview writes nothing
    confirm = response["Location"] + "confirm/"
    with django_capture_on_commit_callbacks(execute=True):
        assert as_trainer.post(confirm).status_code == 302
    assert Question.objects.get().stem == "网购商品可以在收到之日起（ ）内无理由退货。"
    assert QuestionCategory.objects.get().name == "消费者权益保护法"
