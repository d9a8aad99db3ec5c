"""A trainer uploads a Moodle GIFT file through the admin, sees what would be
imported and what is skipped, confirms, and finds the questions in the bank."""

import pytest

from core import roles
from tests import factories
from tests.e2e.conftest import login

pytestmark = pytest.mark.e2e

GIFT = """\
// Exported from Moodle
$CATEGORY: $course$/top/Default for 培训/消费者权益保护法

::七日无理由退货::网购商品，消费者有权自收到商品之日起（ ）内退货。{
\t=七日#正确。
\t~十五日
\t~三十日
\t####消费者权益保护法第二十五条。
}

::简答::Who's buried in Grant's tomb?{=no one =nobody}

经营者收集消费者个人信息应当公开其收集、使用规则。{T}
"""


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_trainer_imports_a_gift_file_through_the_admin(page, live_server, tmp_path):
    branch = factories.department("示范分行", code="B", kind="branch")
    trainer = factories.staff(department=branch, employee_no="T001", role=roles.TRAINER)
    upload = tmp_path / "moodle.gift"
    upload.write_text(GIFT, encoding="utf-8")

    login(page, live_server, trainer.employee_no, factories.PASSWORD)
    page.goto(f"{live_server.url}/admin/imports/questions/")
    page.set_input_files("input[type=file]", str(upload))
    page.click("[data-check-file]")

    summary = page.locator("[data-import-summary]")
    summary.wait_for()
    assert summary.locator("[data-count=new]").inner_text() == "2"
    assert summary.locator("[data-count=skipped]").inner_text() == "1"
    skipped = page.locator("[data-import-skipped]").inner_text()
    assert "简答" in skipped and "11" in skipped

    page.click("[data-confirm-import]")
    page.locator("[data-import-done]").wait_for()

    page.goto(f"{live_server.url}/admin/snippets/quizzes/question/")
    listing = page.locator("table.listing").inner_text()
    assert "网购商品" in listing and "个人信息" in listing
    assert "消费者权益保护法" in listing
