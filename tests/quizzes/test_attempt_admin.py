"""Attempts in the admin (read-only listing and detail, with answers, regrades
and integrity events) and the regrade screen: permissions for every role,
filters, search, query bounds, dry run then apply."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from quizzes.models import Attempt, IntegrityEvent, RegradeRecord
from tests import factories as org_factories
from tests.quizzes import factories
from tests.quizzes.attempt_factories import graded_attempt, integrity_event
from tests.quizzes.test_regrade import correct_key

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def questions():
    return [factories.question() for _ in range(3)]


@pytest.fixture
def quiz(course, questions):
    return factories.quiz(
        course=course, fixed=questions, title="权益测验", pass_mark=80
    )


@pytest.fixture
def attempt(learner, quiz, questions):
    attempt = graded_attempt(
        staff=learner,
        quiz=quiz,
        answers=[(questions[0], False), (questions[1], True), (questions[2], True)],
        submitted_at=T0,
    )
    integrity_event(
        attempt, IntegrityEvent.Kind.PAGE_HIDDEN, T0 - dt.timedelta(minutes=3)
    )
    integrity_event(attempt, IntegrityEvent.Kind.PASTE, T0 - dt.timedelta(minutes=2))
    return attempt


def urls(attempt, question):
    return {
        "index": reverse("quiz_attempts:index"),
        "inspect": reverse("quiz_attempts:inspect", args=[attempt.pk]),
        "regrade": reverse("quiz_reports:regrade", args=[question.pk]),
    }


@pytest.mark.parametrize("role", ["anonymous", "learner", "manager"])
def test_people_without_admin_access_are_sent_to_login(
    role_clients, attempt, questions, role
):
    for name, url in urls(attempt, questions[0]).items():
        response = role_clients[role].get(url)
        assert response.status_code == 302, name
        assert response["Location"].startswith(reverse("login")), name
    response = role_clients[role].post(
        urls(attempt, questions[0])["regrade"], {"reason": "x"}
    )
    assert response.status_code == 302


@pytest.mark.parametrize("role", ["trainer", "hr", "admin"])
def test_trainers_hr_and_admins_see_attempts(role_clients, attempt, questions, role):
    client = role_clients[role]
    assert client.get(urls(attempt, questions[0])["index"]).status_code == 200
    assert client.get(urls(attempt, questions[0])["inspect"]).status_code == 200


def test_nobody_edits_or_deletes_attempts(role_clients, attempt):
    for role in ("trainer", "hr", "admin"):
        client = role_clients[role]
        for name in ("edit", "delete"):
            url = reverse(f"quiz_attempts:{name}", args=[attempt.pk])
            assert client.get(url).status_code in (302, 403), (role, name)
            client.post(url, {"status": "in_progress"})
        assert client.get(reverse("quiz_attempts:add")).status_code in (302, 403)
    assert Attempt.objects.get(pk=attempt.pk).status == Attempt.Status.SUBMITTED


def test_only_trainers_and_admins_regrade(role_clients, attempt, questions):
    """HR is denied as Wagtail denies: back to the dashboard, nothing done."""
    url = urls(attempt, questions[0])["regrade"]
    correct_key(questions[0], {"乙"})
    for response in (
        role_clients["hr"].get(url),
        role_clients["hr"].post(url, {"reason": "x"}),
    ):
        assert (response.status_code, response["Location"]) == (
            302,
            reverse("wagtailadmin_home"),
        )
    assert not RegradeRecord.objects.exists()
    for role in ("trainer", "admin"):
        assert role_clients[role].get(url).status_code == 200, role


def test_detail_shows_answers_integrity_events_and_regrades(
    as_trainer, attempt, questions
):
    html = as_trainer.get(
        reverse("quiz_attempts:inspect", args=[attempt.pk])
    ).content.decode()
    assert 'data-event="page_hidden"' in html
    assert 'data-event="paste"' in html
    assert "Nothing changes a score automatically" in html or "不会自动改变" in html
    assert html.count("data-answer=") == 3
    assert 'data-correct="no"' in html


def test_listing_filters_and_search(
    as_trainer, bank, attempt, quiz, questions, other_learner
):
    graded_attempt(
        staff=other_learner,
        quiz=quiz,
        answers=[(q, True) for q in questions],
        submitted_at=T0,
    )
    index = reverse("quiz_attempts:index")

    def listed(query):
        html = as_trainer.get(index, query).content.decode()
        return {number for number in ("L001", "L002") if number in html}

    assert listed({}) == {"L001", "L002"}
    assert listed({"q": "L002"}) == {"L002"}
    assert listed({"q": "林学员"}) == {"L001"}
    assert listed({"passed": "true"}) == {"L002"}
    assert listed({"passed": "false"}) == {"L001"}
    assert listed({"department": bank.s1.pk}) == {"L001"}
    assert listed({"department": bank.branch.pk}) == {"L001", "L002"}
    assert listed({"status": "closed"}) == set()
    assert listed({"quiz": quiz.pk}) == {"L001", "L002"}


@pytest.mark.parametrize("count", [2, 20])
def test_listing_queries_are_bounded(
    as_trainer, bank, quiz, questions, count, django_assert_max_num_queries
):
    for _ in range(count):
        staff = org_factories.staff(department=bank.o2)
        attempt = graded_attempt(
            staff=staff, quiz=quiz, answers=[(q, True) for q in questions]
        )
        integrity_event(attempt, IntegrityEvent.Kind.WINDOW_BLUR)
    with django_assert_max_num_queries(40):
        response = as_trainer.get(reverse("quiz_attempts:index"))
    assert response.status_code == 200


def test_regrade_screen_dry_run_then_apply(
    as_trainer, trainer, attempt, questions, learner
):
    q1 = questions[0]
    correct_key(q1, {"乙"})
    url = reverse("quiz_reports:regrade", args=[q1.pk])
    html = as_trainer.get(url).content.decode()
    assert f'data-attempt="{attempt.pk}"' in html
    assert not RegradeRecord.objects.exists()
    # A reason is required: nothing changes without one.
    assert as_trainer.post(url, {"reason": ""}).status_code == 400
    assert not RegradeRecord.objects.exists()
    response = as_trainer.post(url, {"reason": "答案应为乙"})
    assert response.status_code == 302
    record = RegradeRecord.objects.get()
    assert (record.attempt_id, record.by_id, record.reason) == (
        attempt.pk,
        trainer.user.pk,
        "答案应为乙",
    )
    # The learner chose 乙 (the first wrong choice), now right: 3 of 3.
    assert Attempt.objects.get(pk=attempt.pk).score == Decimal(3)
    html = as_trainer.get(url).content.decode()
    assert "data-plan>" not in html
    detail = as_trainer.get(
        reverse("quiz_attempts:inspect", args=[attempt.pk])
    ).content.decode()
    assert "答案应为乙" in detail


def test_regrade_needs_csrf(trainer, attempt, questions):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(trainer.user)
    correct_key(questions[0], {"乙"})
    url = reverse("quiz_reports:regrade", args=[questions[0].pk])
    assert client.post(url, {"reason": "x"}).status_code == 403
    assert not RegradeRecord.objects.exists()


def test_question_listing_offers_a_regrade_to_trainers(as_trainer, questions):
    html = as_trainer.get(reverse("wagtailsnippets_quizzes_question:list")).content
    assert reverse("quiz_reports:regrade", args=[questions[0].pk]).encode() in html
