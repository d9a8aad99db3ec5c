"""The audit log of personal data: who viewed or exported what, searchable by HR."""

import io

import pytest
from django.core.management import call_command

from core.models import AuditEvent
from tests import factories


def events(action=None):
    qs = AuditEvent.objects.order_by("at")
    if action:
        qs = qs.filter(action=action)
    return list(qs.values_list("action", "target_type", "user__username"))


def test_hr_opening_a_staff_record_is_logged(as_hr, hr, learner):
    assert as_hr.get(f"/admin/staff/edit/{learner.pk}/").status_code == 200
    event = AuditEvent.objects.get()
    assert (event.action, event.target_type, event.target_id, event.user) == (
        "view_personal_data",
        "org.staffprofile",
        str(learner.pk),
        hr.user,
    )


def test_listing_exports_are_logged(as_hr, learner):
    response = as_hr.get("/admin/staff/", {"export": "xlsx", "is_active": "true"})
    assert response.status_code == 200
    event = AuditEvent.objects.get()
    assert event.action == "export" and event.target_type == "org.staffprofile"
    assert event.detail["format"] == "xlsx"
    assert event.detail["filters"] == {"is_active": "true"}


def test_command_exports_are_logged(bank, learner, tmp_path):
    call_command(
        "export_data", "staff", "-o", str(tmp_path / "s.csv"), stdout=io.StringIO()
    )
    assert events() == [("export", "staff", None)]


def test_manager_team_export_is_logged(as_manager, manager, learner):
    from tests.training import factories as training_factories

    training_factories.home()
    response = as_manager.get("/team/export.csv")
    assert response.status_code == 200
    assert events() == [("export", "training.team", manager.employee_no)]


def test_phone_numbers_are_shown_to_hr_only(as_hr, as_manager, learner):
    from org import services

    services.staff_update(
        staff=learner,
        name=learner.name,
        department=learner.department,
        position=learner.position,
        phone="13800138000",
    )
    assert (
        "13800138000" in as_hr.get(f"/admin/staff/edit/{learner.pk}/").content.decode()
    )
    assert "13800138000" not in as_hr.get("/admin/staff/").content.decode()
    from tests.training import factories as training_factories

    training_factories.home()
    assert "13800138000" not in as_manager.get("/team/").content.decode()


@pytest.mark.parametrize(
    "role, expected",
    [("learner", 302), ("manager", 302), ("trainer", 302), ("hr", 200), ("admin", 200)],
)
def test_who_reads_the_audit_log(role_clients, role, expected):
    response = role_clients[role].get("/admin/audit_log/")
    assert response.status_code == expected


def test_hr_searches_and_exports_the_audit_log(as_hr, hr, learner):
    as_hr.get(f"/admin/staff/edit/{learner.pk}/")
    listing = as_hr.get("/admin/audit_log/", {"q": learner.name})
    assert len(listing.context["object_list"]) == 1
    export = as_hr.get("/admin/audit_log/", {"export": "csv"})
    body = b"".join(export.streaming_content).decode("utf-8")
    assert learner.name in body
    # Exporting the audit log is itself logged.
    assert AuditEvent.objects.filter(target_type="core.auditevent").count() == 1


def test_nobody_can_edit_or_delete_the_log(as_admin, admin, learner):
    as_admin.get(f"/admin/staff/edit/{learner.pk}/")
    event = AuditEvent.objects.get()
    for url in [
        "/admin/audit_log/new/",
        f"/admin/audit_log/edit/{event.pk}/",
        f"/admin/audit_log/delete/{event.pk}/",
    ]:
        assert as_admin.get(url).status_code in (302, 403, 404)
    assert as_admin.post(f"/admin/audit_log/delete/{event.pk}/").status_code in (
        302,
        403,
        404,
    )
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_confirmed_imports_are_logged(
    as_hr, hr, bank, django_capture_on_commit_callbacks
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from core.models import Job

    with django_capture_on_commit_callbacks(execute=True):
        as_hr.post(
            "/admin/imports/staff/",
            {
                "file": SimpleUploadedFile(
                    "s.csv", "工号,姓名,部门编码\n900001,钱学森,O1\n".encode()
                )
            },
        )
    preview = Job.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        as_hr.post(f"/admin/imports/jobs/{preview.pk}/confirm/")
    assert events("import") == [("import", "staff", hr.employee_no)]


def test_audit_listing_queries_are_bounded(
    as_hr, hr, bank, django_assert_max_num_queries
):
    people = [factories.staff(department=bank.o1) for _ in range(3)]
    for person in people:
        as_hr.get(f"/admin/staff/edit/{person.pk}/")
    with django_assert_max_num_queries(30) as small:
        as_hr.get("/admin/audit_log/")
    small_count = len(small)  # later requests clear the connection's query log
    more = [factories.staff(department=bank.o1) for _ in range(20)]
    for person in more:
        as_hr.get(f"/admin/staff/edit/{person.pk}/")
    with django_assert_max_num_queries(small_count):
        as_hr.get("/admin/audit_log/")
