"""The learner's quiz pages and JSON endpoints: what they show, what they
refuse, what never leaves the server before submission (invariant 1), and how
many queries they take."""

from __future__ import annotations

import datetime as dt
import json
import uuid

import pytest
from django.conf import settings
from django.db import OperationalError, connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from quizzes.models import Attempt, AttemptAnswer, IntegrityEvent, QuizPage
from quizzes.services import attempts as services
from quizzes.views import time_left_text
from tests.quizzes.attempt_kit import (
    EXPLANATION,
    FEEDBACK,
    Clock,
    quiz_with,
    right_choice,
    wrong_choice,
)

pytestmark = pytest.mark.django_db

# Anything of the answer key: none of it may reach the browser before submit.
FORBIDDEN = (
    EXPLANATION,
    FEEDBACK,
    "is_correct",
    "weight",
    '"explanation"',
    '"feedback"',
    'class="explanation"',
    "is-key",
    "data-result-question",
)


def url(name, attempt):
    return reverse(f"quizzes:{name}", kwargs={"uuid": attempt.uuid})


def post_json(client, address, payload):
    return client.post(address, json.dumps(payload), content_type="application/json")


def assert_no_key(body: str):
    for secret in FORBIDDEN:
        assert secret not in body, secret


@pytest.fixture
def quiz(course):
    return quiz_with(course, 3, time_limit_minutes=20)


@pytest.fixture
def attempt(quiz, learner):
    return services.attempt_start(staff=learner, quiz=quiz)


# --- the quiz page (start page) ------------------------------------------------


def english(client):
    """Pages speak Chinese unless the learner chose English (language cookie)."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def test_quiz_page_shows_rules_notice_and_start(as_learner, quiz):
    response = english(as_learner).get(quiz.url)
    body = response.content.decode()
    assert response.status_code == 200
    assert "data-integrity-notice" in body and "data-start" in body
    assert "Pass mark: 60%" in body and "Time limit: 20 min" in body
    assert "Attempts left: 3 of 3" in body


def test_quiz_page_history_and_resume(as_learner, learner, quiz, attempt):
    body = as_learner.get(quiz.url).content.decode()
    assert "data-resume" in body and str(attempt.uuid) in body
    services.attempt_submit(attempt=attempt)
    body = as_learner.get(quiz.url).content.decode()
    assert "data-attempt-history" in body and url("attempt_result", attempt) in body
    assert "0.00 / 3.00" in body


def test_quiz_page_when_attempts_are_used_up(as_learner, learner, course):
    quiz = quiz_with(course, 1, max_attempts=1)
    services.attempt_submit(attempt=services.attempt_start(staff=learner, quiz=quiz))
    body = as_learner.get(quiz.url).content.decode()
    assert 'data-refusal="no_attempts_left"' in body and "data-start" not in body


def test_quiz_page_queries_do_not_grow_with_attempts(
    as_learner, learner, course, django_assert_max_num_queries
):
    quiz = quiz_with(course, 2, max_attempts=10)
    as_learner.get(quiz.url)  # warm the site caches
    counts = []
    for _ in range(2):
        for _ in range(3):
            services.attempt_submit(
                attempt=services.attempt_start(staff=learner, quiz=quiz)
            )
        with CaptureQueriesContext(connection) as queries:
            assert as_learner.get(quiz.url).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1] <= 20


def test_start_creates_and_redirects_then_resumes(as_learner, quiz):
    start = reverse("quizzes:attempt_start", kwargs={"quiz_id": quiz.pk})
    first = as_learner.post(start)
    attempt = Attempt.objects.get()
    assert first.status_code == 302 and first.url == url("attempt_take", attempt)
    assert as_learner.post(start).url == first.url
    assert Attempt.objects.count() == 1


def test_start_refused_goes_back_to_the_quiz_with_a_message(as_learner, course):
    quiz = quiz_with(course, 1, close_at=timezone.now() - dt.timedelta(minutes=1))
    start = reverse("quizzes:attempt_start", kwargs={"quiz_id": quiz.pk})
    response = english(as_learner).post(start, follow=True)
    assert response.redirect_chain[-1][0] == quiz.url
    assert "This quiz is closed." in response.content.decode()
    assert not Attempt.objects.exists()


def test_start_of_an_unpublished_quiz_is_404(as_learner, course):
    quiz = quiz_with(course, 1, publish=False)
    start = reverse("quizzes:attempt_start", kwargs={"quiz_id": quiz.pk})
    assert as_learner.post(start).status_code == 404


# --- the take page ---------------------------------------------------------------


def test_take_page_holds_no_answer_key(as_learner, attempt):
    response = as_learner.get(url("attempt_take", attempt))
    body = response.content.decode()
    assert response.status_code == 200
    for q in attempt.questions:
        assert q["stem"] in body
        for choice in q["choices"]:
            assert f'value="{choice["id"]}"' in body
    assert 'data-deadline="' in body and "js/attempt.js" in body
    assert_no_key(body)
    assert "<script>" not in body and "onclick" not in body


def test_take_page_shows_the_time_left_before_any_script_runs(
    as_learner, attempt, monkeypatch
):
    # The fixture's quiz allows 20 minutes; the countdown starts from what is left.
    clock = Clock(monkeypatch)
    clock.now = attempt.deadline_at - dt.timedelta(minutes=19, seconds=5)
    body = as_learner.get(url("attempt_take", attempt)).content.decode()
    assert ">19:05</span>" in body


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [(0, "0:00"), (-3, "0:00"), (65.9, "1:05"), (600, "10:00"), (3723, "1:02:03")],
)
def test_time_left_reads_as_the_countdown_does(seconds, shown):
    assert time_left_text(seconds) == shown


def test_take_page_shows_saved_answers_after_reload(as_learner, attempt):
    q = attempt.questions[1]
    services.answer_save(
        attempt=attempt, question_key=q["key"], choice_ids=[right_choice(q)]
    )
    body = as_learner.get(url("attempt_take", attempt)).content.decode()
    assert f'value="{right_choice(q)}" checked' in body
    assert body.count(" checked") == 1
    assert f'class="question-nav__item is-answered" data-nav="{q["key"]}"' in body


def test_take_page_of_an_ended_attempt_shows_the_result(as_learner, attempt):
    services.attempt_submit(attempt=attempt)
    response = as_learner.get(url("attempt_take", attempt))
    assert response.status_code == 302 and response.url == url(
        "attempt_result", attempt
    )


def test_take_page_closes_an_overdue_attempt(as_learner, attempt, monkeypatch):
    clock = Clock(monkeypatch)
    clock.now = attempt.deadline_at + dt.timedelta(minutes=1)
    response = as_learner.get(url("attempt_take", attempt))
    assert response.url == url("attempt_result", attempt)
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.CLOSED


# --- autosave ----------------------------------------------------------------------


def test_autosave_saves_and_answers_nothing_about_correctness(as_learner, attempt):
    q = attempt.questions[0]
    response = post_json(
        as_learner,
        url("answer_save", attempt),
        {
            "question": q["key"],
            "choices": [wrong_choice(q)],
            "seq": 5,
            # fields a client may add: all ignored
            "score": 100,
            "correct": True,
            "points": 9,
            "saved_at": "2000-01-01T00:00:00Z",
            "deadline_at": "2100-01-01T00:00:00Z",
        },
    )
    assert response.status_code == 200
    assert response.json() == {"ok": True, "written": True}
    assert_no_key(response.content.decode())
    answer = AttemptAnswer.objects.get(attempt=attempt, question_key=q["key"])
    assert answer.selected == [wrong_choice(q)] and answer.correct is None
    assert answer.points is None and answer.saved_at > timezone.now() - dt.timedelta(
        minutes=1
    )
    attempt.refresh_from_db()
    assert (
        attempt.score is None
        and attempt.deadline_at < timezone.now() + dt.timedelta(hours=1)
    )


@pytest.mark.parametrize(
    "payload_of",
    [
        lambda a, q, other: {"question": q["key"], "choices": [999999999]},
        lambda a, q, other: {"question": q["key"], "choices": [right_choice(other)]},
        lambda a, q, other: {"question": "q0", "choices": []},
        lambda a, q, other: {"question": q["key"], "choices": "1"},
        lambda a, q, other: {"question": q["key"]},
        lambda a, q, other: ["not", "an", "object"],
    ],
    ids=[
        "no-such-choice",
        "other-question",
        "no-such-question",
        "not-a-list",
        "missing",
        "not-an-object",
    ],
)
def test_autosave_refuses_bad_input_cleanly(as_learner, attempt, payload_of):
    q, other = attempt.questions[0], attempt.questions[1]
    services.answer_save(
        attempt=attempt, question_key=q["key"], choice_ids=[right_choice(q)]
    )
    response = post_json(
        as_learner, url("answer_save", attempt), payload_of(attempt, q, other)
    )
    assert response.status_code == 400
    assert response.json()["ok"] is False
    assert_no_key(response.content.decode())
    assert AttemptAnswer.objects.get(
        attempt=attempt, question_key=q["key"]
    ).selected == [right_choice(q)]


def test_autosave_of_garbage_body(as_learner, attempt):
    response = as_learner.post(
        url("answer_save", attempt), b"\xff{", content_type="application/json"
    )
    assert response.status_code == 400


def test_autosave_after_submit_changes_nothing(as_learner, attempt):
    q = attempt.questions[0]
    services.answer_save(
        attempt=attempt, question_key=q["key"], choice_ids=[right_choice(q)]
    )
    services.attempt_submit(attempt=attempt)
    response = post_json(
        as_learner,
        url("answer_save", attempt),
        {"question": q["key"], "choices": [wrong_choice(q)], "seq": 10**14},
    )
    assert response.status_code == 409
    assert response.json()["result_url"] == url("attempt_result", attempt)
    assert "score" not in response.json()
    answer = AttemptAnswer.objects.get(attempt=attempt, question_key=q["key"])
    assert answer.selected == [right_choice(q)] and answer.correct is True


def test_autosave_after_the_grace_is_refused(
    as_learner, attempt, monkeypatch, settings
):
    settings.QUIZ_SAVE_GRACE_SECONDS = 15
    clock = Clock(monkeypatch)
    q = attempt.questions[0]
    clock.now = attempt.deadline_at + dt.timedelta(seconds=16)
    response = post_json(
        as_learner,
        url("answer_save", attempt),
        {"question": q["key"], "choices": [right_choice(q)]},
    )
    assert response.status_code == 409 and response.json()["error"] == "too_late"
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.CLOSED and attempt.score == 0


def test_autosave_when_the_database_is_away_then_back(as_learner, attempt, monkeypatch):
    q = attempt.questions[0]
    real_save = services.answer_save

    def database_gone(**kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(services, "answer_save", database_gone)
    payload = {"question": q["key"], "choices": [right_choice(q)], "seq": 7}
    failed = post_json(as_learner, url("answer_save", attempt), payload)
    assert failed.status_code == 503
    assert failed.json()["error"] == "unavailable" and failed.json()["message"]
    assert (
        AttemptAnswer.objects.get(attempt=attempt, question_key=q["key"]).saved_at
        is None
    )
    monkeypatch.setattr(services, "answer_save", real_save)
    retried = post_json(as_learner, url("answer_save", attempt), payload)
    assert retried.status_code == 200
    assert AttemptAnswer.objects.get(
        attempt=attempt, question_key=q["key"]
    ).selected == [right_choice(q)]


# --- submit and result ---------------------------------------------------------


def test_submit_grades_and_shows_the_result(as_learner, attempt):
    for q in attempt.questions[:2]:
        post_json(
            as_learner,
            url("answer_save", attempt),
            {"question": q["key"], "choices": [right_choice(q)]},
        )
    response = as_learner.post(
        url("attempt_submit", attempt), {"score": "3", "passed": "1", "percent": "100"}
    )
    assert response.status_code == 302 and response.url == url(
        "attempt_result", attempt
    )
    attempt.refresh_from_db()
    assert attempt.score == 2 and attempt.percent.to_eng_string() == "66.66"
    body = as_learner.get(response.url).content.decode()
    assert "2.00 / 3.00 · 66.66%" in body and "data-passed" in body
    assert EXPLANATION in body and "消费者权益保护法第七条" in body
    # a second submit (another tab) changes nothing
    as_learner.post(url("attempt_submit", attempt))
    assert Attempt.objects.get(pk=attempt.pk).submitted_at == attempt.submitted_at


def test_result_of_an_attempt_in_progress_goes_back_to_it(as_learner, attempt):
    response = as_learner.get(url("attempt_result", attempt))
    assert response.url == url("attempt_take", attempt)


@pytest.mark.parametrize(
    ("policy", "close_in", "visible"),
    [
        (QuizPage.FeedbackPolicy.AFTER_SUBMIT, None, True),
        (QuizPage.FeedbackPolicy.NEVER, None, False),
        (QuizPage.FeedbackPolicy.AFTER_CLOSE, dt.timedelta(days=1), False),
        (QuizPage.FeedbackPolicy.AFTER_PASS, None, False),
    ],
)
def test_result_follows_the_feedback_policy(
    as_learner, learner, course, policy, close_in, visible
):
    quiz = quiz_with(
        course,
        2,
        feedback_policy=policy,
        close_at=timezone.now() + close_in if close_in else None,
    )
    attempt = services.attempt_submit(
        attempt=services.attempt_start(staff=learner, quiz=quiz)
    )
    body = as_learner.get(url("attempt_result", attempt)).content.decode()
    assert "0.00 / 2.00" in body  # the score, always
    assert (EXPLANATION in body) is visible
    assert ("data-result-question" in body) is visible
    if not visible:
        assert_no_key(body)
        assert "data-score-only" in body


def test_after_pass_shows_earlier_attempts_once_passed(as_learner, learner, course):
    quiz = quiz_with(course, 1, feedback_policy=QuizPage.FeedbackPolicy.AFTER_PASS)
    failed = services.attempt_submit(
        attempt=services.attempt_start(staff=learner, quiz=quiz)
    )
    assert (
        EXPLANATION
        not in as_learner.get(url("attempt_result", failed)).content.decode()
    )
    second = services.attempt_start(staff=learner, quiz=quiz)
    q = second.questions[0]
    services.answer_save(
        attempt=second, question_key=q["key"], choice_ids=[right_choice(q)]
    )
    services.attempt_submit(attempt=second)
    assert EXPLANATION in as_learner.get(url("attempt_result", failed)).content.decode()


def test_after_close_shows_once_the_quiz_closed(
    as_learner, learner, course, monkeypatch
):
    clock = Clock(monkeypatch)
    quiz = quiz_with(
        course,
        1,
        feedback_policy=QuizPage.FeedbackPolicy.AFTER_CLOSE,
        close_at=clock.now + dt.timedelta(hours=1),
    )
    attempt = services.attempt_submit(
        attempt=services.attempt_start(staff=learner, quiz=quiz)
    )
    clock.advance(hours=2)
    assert (
        EXPLANATION in as_learner.get(url("attempt_result", attempt)).content.decode()
    )


# --- integrity events ----------------------------------------------------------


def test_integrity_event_endpoint(as_learner, attempt):
    response = post_json(
        as_learner,
        url("integrity_event", attempt),
        {"kind": "paste", "detail": "12 chars"},
    )
    assert response.json() == {"ok": True, "recorded": True}
    post_json(as_learner, url("integrity_event", attempt), {"kind": "nonsense"})
    post_json(as_learner, url("integrity_event", attempt), {"kind": ["paste"]})
    assert list(IntegrityEvent.objects.values_list("kind", "detail")) == [
        ("paste", "12 chars")
    ]
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.IN_PROGRESS and attempt.score is None


# --- who may do what -----------------------------------------------------------

POST_VIEWS = ("answer_save", "attempt_submit", "integrity_event")
GET_VIEWS = ("attempt_take", "attempt_result")


def test_anonymous_is_sent_to_login(attempt, quiz):
    client = Client()
    start = reverse("quizzes:attempt_start", kwargs={"quiz_id": quiz.pk})
    gets = [quiz.url, *(url(name, attempt) for name in GET_VIEWS)]
    posts = [start, *(url(name, attempt) for name in POST_VIEWS)]
    responses = [client.get(a) for a in gets] + [client.post(a) for a in posts]
    for address, response in zip(gets + posts, responses, strict=True):
        assert response.status_code == 302, address
        assert response.url.startswith(reverse("login")), address
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.IN_PROGRESS


@pytest.mark.parametrize("role", ["learner", "manager", "trainer", "hr", "admin"])
def test_other_peoples_attempts_are_404_for_every_role(
    role, role_clients, other_learner, quiz
):
    theirs = services.attempt_start(staff=other_learner, quiz=quiz)
    client = role_clients[role]
    for name in GET_VIEWS:
        assert client.get(url(name, theirs)).status_code == 404, name
    q = theirs.questions[0]
    for name in POST_VIEWS:
        response = post_json(
            client,
            url(name, theirs),
            {"question": q["key"], "choices": [right_choice(q)]},
        )
        assert response.status_code == 404, name
    theirs.refresh_from_db()
    assert theirs.status == Attempt.Status.IN_PROGRESS
    assert (
        not AttemptAnswer.objects.filter(attempt=theirs).exclude(selected=[]).exists()
    )


@pytest.mark.parametrize("role", ["manager", "trainer", "hr", "admin"])
def test_every_role_can_take_a_quiz_as_staff(role, role_clients, quiz):
    client = role_clients[role]
    response = client.post(
        reverse("quizzes:attempt_start", kwargs={"quiz_id": quiz.pk})
    )
    assert response.status_code == 302
    assert client.get(response.url).status_code == 200


def test_a_user_without_staff_profile_gets_404(quiz, attempt, django_user_model):
    user = django_user_model.objects.create_user("nobody", password="x")  # noqa: S106
    client = Client()
    client.force_login(user)
    assert (
        client.post(
            reverse("quizzes:attempt_start", kwargs={"quiz_id": quiz.pk})
        ).status_code
        == 404
    )
    assert client.get(url("attempt_take", attempt)).status_code == 404


def test_tampered_uuid_is_404(as_learner, attempt):
    attempt.uuid = uuid.uuid4()
    for name in GET_VIEWS:
        assert as_learner.get(url(name, attempt)).status_code == 404
    for name in POST_VIEWS:
        assert post_json(as_learner, url(name, attempt), {}).status_code == 404
    assert as_learner.get(f"/quiz/attempt/{attempt.pk}/").status_code == 404


def test_get_on_post_endpoints_is_405(as_learner, attempt, quiz):
    for name in POST_VIEWS:
        assert as_learner.get(url(name, attempt)).status_code == 405
    start = reverse("quizzes:attempt_start", kwargs={"quiz_id": quiz.pk})
    assert as_learner.get(start).status_code == 405


def test_csrf_is_required(learner, attempt, quiz):
    client = Client(enforce_csrf_checks=True)
    client.force_login(learner.user)
    q = attempt.questions[0]
    start = reverse("quizzes:attempt_start", kwargs={"quiz_id": quiz.pk})
    assert client.post(start).status_code == 403
    for name in POST_VIEWS:
        response = post_json(
            client,
            url(name, attempt),
            {"question": q["key"], "choices": [right_choice(q)], "kind": "paste"},
        )
        assert response.status_code == 403, name
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.IN_PROGRESS
    assert not IntegrityEvent.objects.exists()
    assert not AttemptAnswer.objects.exclude(selected=[]).exists()
    # with the token from the page, the same save works
    page = client.get(url("attempt_take", attempt)).content.decode()
    token = page.split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]
    response = client.post(
        url("answer_save", attempt),
        json.dumps({"question": q["key"], "choices": [right_choice(q)]}),
        content_type="application/json",
        headers={"X-CSRFToken": token},
    )
    assert response.status_code == 200


# --- query counts: bounded, and the same for 5 and 30 questions ------------------


def counted(client, method, address, payload=None) -> int:
    with CaptureQueriesContext(connection) as queries:
        if method == "get":
            response = client.get(address)
        elif payload is None:
            response = client.post(address)
        else:
            response = post_json(client, address, payload)
    assert response.status_code in (200, 302), address
    return len(queries)


def test_query_counts_are_constant_in_the_number_of_questions(
    as_learner, learner, course
):
    counts = {}
    for size in (5, 30):
        quiz = quiz_with(course, size, slug=f"size-{size}")
        attempt = services.attempt_start(staff=learner, quiz=quiz)
        as_learner.get(quiz.url)  # warm the site caches
        as_learner.get(url("attempt_take", attempt))
        take = counted(as_learner, "get", url("attempt_take", attempt))
        saves = [
            counted(
                as_learner,
                "post",
                url("answer_save", attempt),
                {"question": q["key"], "choices": [right_choice(q)]},
            )
            for q in attempt.questions
        ]
        assert len(set(saves)) == 1
        submit = counted(as_learner, "post", url("attempt_submit", attempt))
        result = counted(as_learner, "get", url("attempt_result", attempt))
        counts[size] = {
            "take": take,
            "save": saves[0],
            "submit": submit,
            "result": result,
        }
        assert Attempt.objects.get(pk=attempt.pk).score == size
    assert counts[5] == counts[30]
    bounds = {"take": 10, "save": 9, "submit": 24, "result": 12}
    for name, bound in bounds.items():
        assert counts[30][name] <= bound, (name, counts[30])
