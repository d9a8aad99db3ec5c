"""HR uploads a staff file through the admin, previews it, confirms, and finds
the new staff in the listing."""

import pytest

from core import roles
from tests import factories
from tests.e2e.conftest import login

pytestmark = pytest.mark.e2e

STAFF_CSV = (
    "工号,姓名,部门编码,岗位,入职日期,邮箱,在职\n"
    "900001,钱学森,O1,客户经理,2024-05-06,qian@bank.example,是\n"
    "900002,孙小美,O1,柜员,2025/01/02,,是\n"
)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_hr_imports_staff_through_the_admin(page, live_server, tmp_path):
    branch = factories.department("示范分行", code="B", kind="branch")
    factories.department("东湖路网点", code="O1", parent=branch)
    hr = factories.staff(department=branch, employee_no="H001", role=roles.HR)
    upload = tmp_path / "staff.csv"
    upload.write_bytes(STAFF_CSV.encode("gb18030"))

    login(page, live_server, hr.employee_no, factories.PASSWORD)
    page.goto(f"{live_server.url}/admin/imports/staff/")
    page.set_input_files("input[type=file]", str(upload))
    page.click("[data-check-file]")

    summary = page.locator("[data-import-summary]")
    summary.wait_for()
    assert summary.locator("[data-count=new]").inner_text() == "2"
    assert summary.locator("[data-count=invalid]").inner_text() == "0"
    assert "钱学森" in page.locator("[data-import-changes]").inner_text()

    page.click("[data-confirm-import]")
    page.locator("[data-import-done]").wait_for()

    page.goto(f"{live_server.url}/admin/staff/")
    listing = page.locator("table.listing").inner_text()
    assert "钱学森" in listing and "孙小美" in listing
