"""In a real browser: a learner practises a question of the wrong-answer
notebook on a phone (no answer key in the page before answering, two right
answers take it out), and a trainer opens the quiz report (no CSP violation;
screenshots saved to a temporary folder, paths printed)."""

import tempfile
from pathlib import Path

import pytest

from quizzes.models import NotebookEntry
from quizzes.services import notebook
from tests import factories
from tests.e2e.conftest import login
from tests.quizzes import factories as quiz_factories
from tests.quizzes.attempt_factories import graded_attempt
from tests.training import factories as training_factories

pytestmark = pytest.mark.e2e

PHONE = {"width": 375, "height": 812}
EXPLANATION = "经营者提供商品或者服务，应当向消费者提供真实、全面的信息。"


@pytest.fixture
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "zh-CN"}


def _setup():
    branch = factories.department("示范分行", code="B", kind="branch")
    outlet = factories.department("东湖路网点", code="O1", parent=branch)
    learner = factories.staff(department=outlet, employee_no="L001", name="林小雨")
    trainer = factories.staff(
        department=branch, employee_no="T001", name="陈培训", role="Trainer"
    )
    home = training_factories.home()
    course = training_factories.course(parent=home, title="消费者权益保护法")
    question = quiz_factories.question(
        stem="消费者享有知悉其购买、使用的商品的真实情况的权利，这是（ ）。",
        choices=[("知情权", True), ("自主选择权", False), ("公平交易权", False)],
        source="消费者权益保护法第八条",
        explanation=EXPLANATION,
    )
    other = quiz_factories.question(source="消费者权益保护法第九条")
    quiz = quiz_factories.quiz(course=course, fixed=[question, other])
    attempt = graded_attempt(
        staff=learner, quiz=quiz, answers=[(question, False), (other, False)]
    )
    notebook.notebook_record_attempt(attempt=attempt)
    return learner, trainer, quiz, question


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_learner_practises_and_a_trainer_reads_the_report(page, live_server, capsys):
    learner, trainer, quiz, question = _setup()
    folder = Path(tempfile.mkdtemp(prefix="quiz-trainer-"))
    page.set_viewport_size(PHONE)
    login(page, live_server, learner.employee_no, factories.PASSWORD)
    page.goto(f"{live_server.url}/notebook/")
    page.locator("[data-law]").first.wait_for()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=str(folder / "notebook-375.png"), full_page=True)
    entry = NotebookEntry.objects.get(staff=learner, question=question)
    for _ in range(2):
        page.goto(f"{live_server.url}/notebook/practice/{entry.pk}/")
        page.locator("[data-practice-form]").wait_for()
        assert EXPLANATION not in page.content()
        page.get_by_label("知情权").check()
        page.locator("[data-practice-form] button[type=submit]").click()
        page.locator("[data-practice-result='right']").wait_for()
        assert EXPLANATION in page.content()
    page.screenshot(path=str(folder / "practice-result-375.png"), full_page=True)
    entry.refresh_from_db()
    assert entry.resolution == NotebookEntry.Resolution.PRACTICE

    page.context.clear_cookies()
    page.set_viewport_size({"width": 1280, "height": 900})
    login(page, live_server, trainer.employee_no, factories.PASSWORD)
    page.goto(f"{live_server.url}/admin/quiz-reports/{quiz.pk}/")
    page.locator("[data-distribution]").wait_for()
    page.screenshot(path=str(folder / "report-1280.png"), full_page=True)
    with capsys.disabled():
        print(f"\nScreenshots: {folder}")
