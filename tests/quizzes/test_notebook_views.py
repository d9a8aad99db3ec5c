"""The learner's notebook pages: grouping, practice without the key before
answering, right/wrong with explanation after, leaving after two right
answers, own entries only (404), every role, query bounds."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from quizzes.models import Attempt, NotebookEntry
from quizzes.services import notebook
from tests import factories as org_factories
from tests.quizzes import factories
from tests.quizzes.attempt_factories import graded_attempt

pytestmark = pytest.mark.django_db

EXPLANATION = "解析：经营者应当如实说明（秘密解析）"


@pytest.fixture
def questions():
    return [
        factories.question(
            source="消费者权益保护法第八条",
            explanation=EXPLANATION,
            choices=[("知情权", True), ("隐身权", False), ("飞行权", False)],
        ),
        factories.question(source="消费者权益保护法第八条"),
        factories.question(source="消费者权益保护法第二十五条"),
        factories.question(source="个人信息保护法第十三条"),
    ]


@pytest.fixture
def quiz(course, questions):
    return factories.quiz(course=course, fixed=questions)


def fill_notebook(staff, quiz, questions):
    attempt = graded_attempt(
        staff=staff, quiz=quiz, answers=[(q, False) for q in questions]
    )
    notebook.notebook_record_attempt(attempt=attempt)
    return attempt


@pytest.fixture
def entries(learner, quiz, questions):
    fill_notebook(learner, quiz, questions)
    return {e.question_id: e for e in NotebookEntry.objects.filter(staff=learner)}


def right_ids(question):
    return [c.pk for c in question.choices.all() if c.is_correct]


def wrong_ids(question):
    return [next(c.pk for c in question.choices.all() if not c.is_correct)]


def test_anonymous_visitors_are_sent_to_login(entries, questions):
    entry = entries[questions[0].pk]
    client = Client()
    for url in (
        reverse("quizzes:notebook"),
        reverse("quizzes:notebook_practice_next"),
        reverse("quizzes:notebook_practice", args=[entry.pk]),
        reverse("quizzes:notebook_result", args=[entry.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    response = client.post(
        reverse("quizzes:notebook_practice", args=[entry.pk]), {"choice": 1}
    )
    assert response.status_code == 302
    assert NotebookEntry.objects.get(pk=entry.pk).practice_count == 0


@pytest.mark.parametrize("role", ["learner", "manager", "trainer", "hr", "admin"])
def test_every_role_has_its_own_notebook(role_clients, role):
    client = role_clients[role]
    assert client.get(reverse("quizzes:notebook")).status_code == 200
    response = client.get(reverse("quizzes:notebook_practice_next"))
    assert response.status_code == 200
    assert b"data-notebook-empty" in response.content


@pytest.mark.parametrize("role", ["manager", "trainer", "hr", "admin"])
def test_nobody_reaches_another_learners_entries(
    role_clients, entries, questions, role
):
    entry = entries[questions[0].pk]
    client = role_clients[role]
    practice = reverse("quizzes:notebook_practice", args=[entry.pk])
    assert client.get(practice).status_code == 404
    assert client.post(practice, {"choice": right_ids(questions[0])}).status_code == 404
    assert (
        client.get(reverse("quizzes:notebook_result", args=[entry.pk])).status_code
        == 404
    )
    assert NotebookEntry.objects.get(pk=entry.pk).practice_count == 0


def test_another_learner_gets_404(other_learner, entries, questions):
    client = Client()
    client.force_login(other_learner.user)
    entry = entries[questions[0].pk]
    assert (
        client.get(reverse("quizzes:notebook_practice", args=[entry.pk])).status_code
        == 404
    )
    assert (
        client.post(
            reverse("quizzes:notebook_practice", args=[entry.pk]), {"choice": "1"}
        ).status_code
        == 404
    )
    html = client.get(reverse("quizzes:notebook")).content.decode()
    assert f'data-entry="{entry.pk}"' not in html


def test_index_groups_by_law_and_article(as_learner, entries, questions):
    html = as_learner.get(reverse("quizzes:notebook")).content.decode()
    assert 'data-stat="open">4<' in html
    assert 'data-law="消费者权益保护法"' in html
    assert 'data-law="个人信息保护法"' in html
    consumer = html.index('data-law="消费者权益保护法"')
    privacy = html.index('data-law="个人信息保护法"')
    section = html[consumer:privacy] if consumer < privacy else html[consumer:]
    assert section.count("data-entry=") == 3
    assert "Article 8" in section or "第8条" in section
    assert EXPLANATION not in html


def test_practice_page_holds_no_answer_key(as_learner, entries, questions):
    question = questions[0]
    entry = entries[question.pk]
    response = as_learner.get(reverse("quizzes:notebook_practice", args=[entry.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert question.stem in html
    assert "知情权" in html and "隐身权" in html
    assert EXPLANATION not in html
    assert "is_correct" not in html and "data-correct" not in html
    assert "Correct answer" not in html and "正确答案" not in html
    assert "消费者权益保护法第八条" not in html  # the source comes after answering


def test_practice_answer_shows_the_result_and_counts_once(
    as_learner, entries, questions
):
    question = questions[0]
    entry = entries[question.pk]
    url = reverse("quizzes:notebook_practice", args=[entry.pk])
    response = as_learner.post(url, {"choice": right_ids(question)})
    result_url = reverse("quizzes:notebook_result", args=[entry.pk])
    assert response.status_code == 302 and response["Location"] == result_url
    html = as_learner.get(result_url).content.decode()
    assert 'data-practice-result="right"' in html
    assert EXPLANATION in html
    assert "消费者权益保护法第八条" in html
    # Reloading the result counts nothing more.
    as_learner.get(result_url)
    entry.refresh_from_db()
    assert (entry.practice_count, entry.practice_right) == (1, 1)
    # A wrong answer says so and shows the key.
    as_learner.post(url, {"choice": wrong_ids(question)})
    html = as_learner.get(result_url).content.decode()
    assert 'data-practice-result="wrong"' in html
    assert "data-correct" in html


def test_two_right_answers_take_the_question_out(as_learner, entries, questions):
    question = questions[0]
    entry = entries[question.pk]
    url = reverse("quizzes:notebook_practice", args=[entry.pk])
    as_learner.post(url, {"choice": right_ids(question)})
    as_learner.post(url, {"choice": right_ids(question)})
    entry.refresh_from_db()
    assert entry.resolution == NotebookEntry.Resolution.PRACTICE
    html = as_learner.get(reverse("quizzes:notebook")).content.decode()
    assert f'data-entry="{entry.pk}"' not in html
    assert 'data-stat="open">3<' in html
    # Practice never touched the attempt.
    attempt = Attempt.objects.get()
    assert attempt.score == 0


def test_garbage_choices_are_a_wrong_answer(as_learner, entries, questions):
    entry = entries[questions[0].pk]
    url = reverse("quizzes:notebook_practice", args=[entry.pk])
    other = right_ids(questions[1])
    assert as_learner.post(url, {"choice": ["x", "", *other]}).status_code == 302
    entry.refresh_from_db()
    assert (entry.practice_count, entry.practice_right) == (1, 0)


def test_practice_of_one_law(as_learner, entries, questions):
    response = as_learner.get(
        reverse("quizzes:notebook_practice_next"), {"law": "个人信息保护法"}
    )
    entry = entries[questions[3].pk]
    assert response.status_code == 302
    assert response["Location"].startswith(
        reverse("quizzes:notebook_practice", args=[entry.pk])
    )
    response = as_learner.get(
        reverse("quizzes:notebook_practice_next"), {"law": "无此法"}
    )
    assert b"data-notebook-empty" in response.content


def test_practice_needs_csrf(learner, entries, questions):
    client = Client(enforce_csrf_checks=True)
    client.force_login(learner.user)
    entry = entries[questions[0].pk]
    url = reverse("quizzes:notebook_practice", args=[entry.pk])
    assert client.post(url, {"choice": right_ids(questions[0])}).status_code == 403
    entry.refresh_from_db()
    assert entry.practice_count == 0


@pytest.mark.parametrize("size", [2, 20])
def test_pages_take_constant_queries(
    learner, course, size, django_assert_max_num_queries
):
    laws = ["消费者权益保护法", "个人信息保护法", "商业银行法"]
    questions = [
        factories.question(source=f"{laws[i % 3]}第{i + 1}条") for i in range(size)
    ]
    quiz = factories.quiz(course=course, fixed=questions)
    fill_notebook(learner, quiz, questions)
    client = Client()
    client.force_login(learner.user)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("quizzes:notebook")).status_code == 200
    entry = NotebookEntry.objects.filter(staff=learner).first()
    with django_assert_max_num_queries(14):
        assert (
            client.get(
                reverse("quizzes:notebook_practice", args=[entry.pk])
            ).status_code
            == 200
        )


def test_staff_of_other_departments_do_not_share_entries(bank, quiz, questions):
    first = org_factories.staff(department=bank.o2)
    second = org_factories.staff(department=bank.o2)
    fill_notebook(first, quiz, questions)
    client = Client()
    client.force_login(second.user)
    html = client.get(reverse("quizzes:notebook")).content.decode()
    assert 'data-stat="open">0<' in html


def test_practice_never_reveals_what_the_quiz_withholds(
    learner, as_learner, course, questions
):
    from quizzes.models import QuizPage

    quiz = factories.quiz(
        course=course,
        fixed=questions,
        feedback_policy=QuizPage.FeedbackPolicy.NEVER,
    )
    fill_notebook(learner, quiz, questions)
    question = questions[0]
    entry = NotebookEntry.objects.get(staff=learner, question=question)
    as_learner.post(
        reverse("quizzes:notebook_practice", args=[entry.pk]),
        {"choice": wrong_ids(question)},
    )
    html = as_learner.get(
        reverse("quizzes:notebook_result", args=[entry.pk])
    ).content.decode()
    assert 'data-practice-result="wrong"' in html
    assert "data-key-withheld" in html
    assert "data-correct" not in html
    assert EXPLANATION not in html
    entry.refresh_from_db()
    assert entry.practice_count == 1
