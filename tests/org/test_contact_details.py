"""Staff e-mail addresses and phone numbers are HR's alone: never in listings,
team pages or other people's screens, and in forms and exports only for whoever
holds `org.view_contact_details` (HR; administrators hold every permission)."""

from __future__ import annotations

import csv
import io

import pytest
from django.contrib.auth.models import Group, Permission
from openpyxl import load_workbook

from core import roles
from core.models import AuditEvent
from org.models import StaffProfile
from tests import factories
from tests.conftest import client_for

EMAIL = "lin.private@bank.example"
PHONE = "13912345678"


@pytest.fixture
def person(bank):
    profile = factories.staff(
        department=bank.o1, employee_no="C001", name="林私密", email=EMAIL
    )
    StaffProfile.objects.filter(pk=profile.pk).update(phone=PHONE)
    return profile


@pytest.fixture
def clerk(bank):
    """Someone an administrator let edit the roster without being HR."""
    group = Group.objects.create(name="Roster clerks")
    group.permissions.add(
        *Permission.objects.filter(
            codename__in=["view_staffprofile", "change_staffprofile", "access_admin"]
        )
    )
    profile = factories.staff(department=bank.branch, role=roles.TRAINER)
    profile.user.groups.add(group)
    return profile


def shows_contact(content: bytes | str) -> bool:
    text = content.decode() if isinstance(content, bytes) else content
    return EMAIL in text or PHONE in text


def test_hr_holds_the_permission_and_others_do_not(hr, manager, trainer, learner):
    assert hr.user.has_perm("org.view_contact_details")
    for other in (manager, trainer, learner):
        assert not other.user.has_perm("org.view_contact_details")


def test_hr_sees_e_mail_and_phone_in_the_form(as_hr, person):
    response = as_hr.get(f"/admin/staff/edit/{person.pk}/")
    form = response.context["form"]
    assert {"email", "phone"} <= set(form.fields)
    assert shows_contact(response.content)


def test_a_roster_clerk_edits_without_seeing_or_losing_them(clerk, person):
    client = client_for(clerk)
    response = client.get(f"/admin/staff/edit/{person.pk}/")
    assert response.status_code == 200
    assert not {"email", "phone"} & set(response.context["form"].fields)
    assert not shows_contact(response.content)
    # Nothing personal was shown, so nothing is logged as viewed.
    assert not AuditEvent.objects.filter(
        action=AuditEvent.Action.VIEW_PERSONAL_DATA, user=clerk.user
    ).exists()

    response = client.post(
        f"/admin/staff/edit/{person.pk}/",
        {
            "name": "林私密改",
            "department": person.department_id,
            "position": "大堂经理",
            "hire_date": "2020-01-01",
            "is_active": "on",
        },
    )

    assert response.status_code == 302, response.context["form"].errors
    person = StaffProfile.objects.select_related("user").get(pk=person.pk)
    assert person.position == "大堂经理"
    assert (person.user.email, person.phone) == (EMAIL, PHONE)


def test_listings_never_show_them_even_to_hr(as_hr, person):
    response = as_hr.get("/admin/staff/")
    assert person.employee_no in response.content.decode()
    assert not shows_contact(response.content)


def _csv_export(client) -> list[list[str]]:
    response = client.get("/admin/staff/?export=csv")
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(body)))


def test_the_staff_export_has_e_mail_for_hr_only(as_hr, clerk, person):
    hr_rows = _csv_export(as_hr)
    assert any(EMAIL in row for row in hr_rows)

    clerk_rows = _csv_export(client_for(clerk))
    assert len(clerk_rows[0]) == len(hr_rows[0]) - 1
    assert not any(shows_contact(",".join(row)) for row in clerk_rows)
    assert any(person.employee_no in row for row in clerk_rows)


def test_the_xlsx_export_too(clerk, person):
    response = client_for(clerk).get("/admin/staff/?export=xlsx")
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    cells = [str(c.value) for row in workbook.active.iter_rows() for c in row]
    assert person.employee_no in cells
    assert not any(shows_contact(c) for c in cells)


@pytest.mark.parametrize("who", ["manager", "hr", "admin"])
def test_team_pages_and_exports_never_show_them(who, request, person, bank):
    from datetime import timedelta

    from django.utils import timezone

    from tests.training import factories as training_factories
    from training import services

    course = training_factories.course()
    services.assignment_create(
        staff=person, course=course, due_at=timezone.now() + timedelta(days=5)
    )
    client = client_for(request.getfixturevalue(who))
    for url in (
        "/team/",
        f"/team/{person.employee_no}/",
        "/team/export.csv",
        "/team/export.xlsx",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        body = response.content
        if url.endswith(".xlsx"):
            workbook = load_workbook(io.BytesIO(body))
            body = " ".join(
                str(c.value) for row in workbook.active.iter_rows() for c in row
            )
            assert person.name in body
        assert not shows_contact(body), url


def test_trainers_assignment_screens_never_show_them(as_trainer, person):
    from datetime import timedelta

    from django.utils import timezone

    from tests.training import factories as training_factories
    from training import services

    services.assignment_create(
        staff=person,
        course=training_factories.course(),
        due_at=timezone.now() + timedelta(days=5),
    )
    for url in ("/admin/assignments/", "/admin/assignments/?export=csv"):
        response = as_trainer.get(url)
        assert response.status_code == 200
        body = (
            b"".join(response.streaming_content)
            if response.streaming
            else response.content
        )
        assert person.employee_no in body.decode("utf-8-sig")
        assert not shows_contact(body)
