"""A learner logs in, opens an assigned course from the dashboard, studies a
lesson and sees the progress bar move; the dashboard is readable on a phone
(a 375 × 812 screenshot is saved to a temporary folder, path printed)."""

import tempfile
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests import factories
from tests.e2e.conftest import login
from tests.training import factories as training_factories

pytestmark = pytest.mark.e2e

PHONE = {"width": 375, "height": 812}


@pytest.fixture
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "zh-CN"}  # the default UI language


def progress(page, scope="body") -> str:
    return page.locator(f"{scope} [data-progress]").first.get_attribute("data-progress")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_learner_studies_a_lesson_and_the_progress_bar_moves(
    page, live_server, capsys
):
    branch = factories.department("示范分行", code="B", kind="branch")
    outlet = factories.department("东湖路网点", code="O1", parent=branch)
    learner = factories.staff(department=outlet, employee_no="L001", name="林小雨")
    home = training_factories.home()
    course = training_factories.course(parent=home, title="征信业管理条例")
    first = training_factories.lesson(course=course, title="信息采集与本人同意")
    training_factories.lesson(course=course, title="不良信息的保存期限")

    page.set_viewport_size(PHONE)
    login(page, live_server, learner.employee_no, factories.PASSWORD)
    card = page.locator(f"[data-course='{course.pk}']")
    card.wait_for()
    assert progress(page, f"[data-course='{course.pk}']") == "0"

    # The phone-sized dashboard: nothing wider than the screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    folder = Path(tempfile.mkdtemp(prefix="learner-dashboard-"))
    shot = folder / "dashboard-375x812.png"
    page.screenshot(path=str(shot))
    with capsys.disabled():
        print(f"\nPhone screenshot of the dashboard: {shot}")
    assert shot.stat().st_size > 0

    card.locator("h3 a").click()
    page.locator("ol.lesson-list").wait_for()
    assert "征信业管理条例" in page.locator("h1").inner_text()
    page.locator("ol.lesson-list a", has_text="信息采集与本人同意").click()
    page.locator("[data-lesson-position]").wait_for()
    assert page.url.endswith(first.url)
    assert progress(page, "[data-study-box]") == "0"

    page.screenshot(path=str(folder / "lesson-375x812.png"), full_page=True)
    page.locator("[data-mark-studied]").click()
    page.locator(".message--success").wait_for()
    assert progress(page, "[data-study-box]") == "50"
    assert "不良信息的保存期限" in page.locator("a[rel=next]").inner_text()

    page.goto(f"{live_server.url}/")
    assert progress(page, f"[data-course='{course.pk}']") == "50"
    continue_link = page.locator(f"[data-course='{course.pk}'] [data-continue]")
    continue_link.click()
    # Waits for the lesson's heading: the dashboard has an <h1> of its own.
    expect(page.locator("h1")).to_contain_text("不良信息的保存期限")
