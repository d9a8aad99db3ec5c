"""A learner takes a timed quiz on a phone: starts it, answers (autosaved),
reloads (the answers are still there), submits through the confirmation
listing the unanswered question, and sees the result. Before submission the
page source holds no answer key."""

import re

import pytest
from playwright.sync_api import expect

from quizzes.models import Attempt, AttemptAnswer, IntegrityEvent
from tests import factories
from tests.e2e.conftest import login
from tests.quizzes import factories as quiz_factories
from tests.quizzes.attempt_kit import EXPLANATION, FEEDBACK, questions
from tests.training import factories as training_factories

pytestmark = pytest.mark.e2e

PHONE = {"width": 375, "height": 812}


@pytest.fixture
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "zh-CN"}


def right_choice(question: dict) -> int:
    return next(c["id"] for c in question["choices"] if c["is_correct"])


def wait_saved(page):
    page.locator('[data-save-status][data-state="saved"]').wait_for()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_learner_takes_a_timed_quiz(page, live_server):
    branch = factories.department("示范分行", code="B", kind="branch")
    outlet = factories.department("东湖路网点", code="O1", parent=branch)
    learner = factories.staff(department=outlet, employee_no="L001", name="林小雨")
    home = training_factories.home()
    course = training_factories.course(parent=home, title="消费者权益保护法")
    quiz = quiz_factories.quiz(
        course=course,
        title="单元测验",
        fixed=questions(3),
        time_limit_minutes=10,
        shuffle_questions=False,
    )

    page.set_viewport_size(PHONE)
    login(page, live_server, learner.employee_no, factories.PASSWORD)
    page.goto(f"{live_server.url}{quiz.url}")
    page.locator("[data-integrity-notice]").wait_for()
    page.locator("[data-start]").click()
    page.locator("[data-attempt]").wait_for()
    attempt = Attempt.objects.get()
    first, second, third = attempt.questions

    # No answer key anywhere in what the browser received.
    source = page.content()
    for secret in (EXPLANATION, FEEDBACK, "is_correct", "weight"):
        assert secret not in source
    # The server renders the time left; the script counts it down.
    expect(page.locator("[data-countdown]")).to_have_text(re.compile(r"^(9|10):\d\d$"))
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    page.locator(f'input[value="{right_choice(first)}"]').check()
    wait_saved(page)
    page.locator(f'input[value="{right_choice(second)}"]').check()
    wait_saved(page)
    assert page.locator(f'[data-nav="{first["key"]}"].is-answered').count() == 1
    assert AttemptAnswer.objects.exclude(saved_at=None).count() == 2

    page.reload()
    page.locator("[data-attempt]").wait_for()
    assert page.locator(f'input[value="{right_choice(first)}"]').is_checked()
    assert page.locator(f'input[value="{right_choice(second)}"]').is_checked()

    page.locator("[data-submit]").click()
    dialog = page.locator("[data-confirm]")
    dialog.wait_for()
    assert page.locator("[data-unanswered]").inner_text() == "3"
    page.locator("[data-confirm-cancel]").click()
    assert Attempt.objects.get().status == Attempt.Status.IN_PROGRESS
    page.locator("[data-submit]").click()
    page.locator("[data-confirm-ok]").click()

    page.locator("[data-result]").wait_for()
    assert "2.00 / 3.00" in page.locator("[data-score]").inner_text()
    assert EXPLANATION in page.content()
    done = Attempt.objects.get()
    assert done.status == Attempt.Status.SUBMITTED and done.score == 2
    assert third["key"] not in {
        a.question_key for a in done.answers.exclude(saved_at=None)
    }
    assert not IntegrityEvent.objects.filter(kind="paste").exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_page_says_not_saved_and_retries_when_the_server_fails(page, live_server):
    branch = factories.department("示范分行", code="B", kind="branch")
    learner = factories.staff(department=branch, employee_no="L001", name="林小雨")
    course = training_factories.course(parent=training_factories.home())
    quiz = quiz_factories.quiz(course=course, fixed=questions(2))

    login(page, live_server, learner.employee_no, factories.PASSWORD)
    page.goto(f"{live_server.url}{quiz.url}")
    page.locator("[data-start]").click()
    page.locator("[data-attempt]").wait_for()
    attempt = Attempt.objects.get()
    question = attempt.questions[0]

    failures = {"left": 1}

    def flaky(route):
        if failures["left"]:
            failures["left"] -= 1
            route.fulfill(
                status=503,
                content_type="application/json",
                body='{"ok": false, "error": "unavailable", "message": ""}',
            )
        else:
            route.continue_()

    page.route("**/answer/", flaky)
    page.locator(f'input[value="{right_choice(question)}"]').check()
    page.locator('[data-save-status][data-state="failed"]').wait_for()
    wait_saved(page)  # the retry went through
    answer = AttemptAnswer.objects.get(question_key=question["key"])
    assert answer.selected == [right_choice(question)]

    # End on the result page: an attempt page left open reports "page hidden"
    # when the browser closes it, and that request would race the database
    # flush after the test.
    page.locator("[data-submit]").click()
    page.locator("[data-confirm-ok]").click()
    page.locator("[data-result]").wait_for()
    assert Attempt.objects.get().status == Attempt.Status.SUBMITTED
