"""HR reviews the ledger in the admin: opens the pending entries, approves some
in bulk after the confirmation page, rejects one with a reason, downloads the
XLSX export; the learner then sees the approved entries on "my record"."""

import pytest
from openpyxl import load_workbook

from core import roles
from incentives.models import LedgerEntry
from tests import factories
from tests.e2e.conftest import login
from tests.incentives import ledger_factories

pytestmark = pytest.mark.e2e

DOWNLOAD = """url => {
  const link = document.createElement("a");
  link.href = url;
  document.body.appendChild(link);
  link.click();
}"""


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_hr_reviews_and_the_learner_sees_the_result(page, live_server, tmp_path):
    branch = factories.department("示范分行", code="B", kind="branch")
    outlet = factories.department("东湖路网点", code="O1", parent=branch)
    hr = factories.staff(department=branch, employee_no="H001", role=roles.HR)
    learner = factories.staff(department=outlet, employee_no="L001", name="林学员")
    first, second, third = (
        ledger_factories.entry(staff=learner, points=10, reason=f"首次通过测验{n}")
        for n in (1, 2, 3)
    )

    login(page, live_server, hr.employee_no, factories.PASSWORD)
    page.goto(f"{live_server.url}/admin/ledger/?status=pending")
    totals = page.locator("[data-ledger-totals]")
    assert "3" in totals.inner_text()

    # Approve two in bulk: a confirmation page lists them first.
    for entry in (first, second):
        page.check(f"input[name=entry][value='{entry.pk}']")
    page.click("#ledger-bulk-form button[value=approve]")
    confirm = page.locator("[data-confirm-list]")
    confirm.wait_for()
    assert "首次通过测验1" in confirm.inner_text()
    assert "首次通过测验3" not in confirm.inner_text()
    assert LedgerEntry.objects.filter(status="pending").count() == 3
    page.click("[data-confirm-review]")
    page.wait_for_url("**/admin/ledger/?status=pending")
    assert set(
        LedgerEntry.objects.filter(pk__in=[first.pk, second.pk]).values_list(
            "status", flat=True
        )
    ) == {"approved"}

    # Reject the third with a reason.
    page.goto(f"{live_server.url}/admin/ledger/{third.pk}/")
    page.click(f"a[href$='/admin/ledger/{third.pk}/reject/']")
    page.fill("textarea[name=reason]", "重复生成，予以驳回")
    page.click("form button[type=submit].button")
    page.wait_for_url(f"**/admin/ledger/{third.pk}/")
    assert page.locator("[data-status]").get_attribute("data-status") == "rejected"

    # Download the XLSX export of the whole ledger.
    page.goto(f"{live_server.url}/admin/ledger/")
    with page.expect_download() as download_info:
        page.evaluate(DOWNLOAD, f"{live_server.url}/admin/ledger/?export=xlsx")
    path = tmp_path / "ledger.xlsx"
    download_info.value.save_as(path)
    rows = list(load_workbook(path).active.iter_rows(values_only=True))
    assert rows[0][:3] == ("id", "period", "employee_no")
    statuses = {row[0]: row[10] for row in rows[1:]}
    assert statuses == {
        first.pk: "approved",
        second.pk: "approved",
        third.pk: "rejected",
    }

    # The learner sees the two approved entries, not the rejected one.
    page.context.clear_cookies()
    login(page, live_server, learner.employee_no, factories.PASSWORD)
    page.goto(f"{live_server.url}/record/")
    record = page.locator("main").inner_text()
    assert "首次通过测验1" in record and "首次通过测验2" in record
    assert "首次通过测验3" not in record
    assert page.locator("[data-stat=points]").inner_text() == "+20"
