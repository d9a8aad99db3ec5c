"""HR and trainers assign courses in the Wagtail admin, with a confirmation
step; assignments are listed and exported there, never edited."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from tests import factories
from tests.training import factories as training_factories
from training.forms import ERROR_DUE_IN_PAST
from training.models import Assignment

ASSIGN = reverse("assignments:assign")
INDEX = reverse("assignments:index")


@pytest.fixture
def optional_course(home):
    return training_factories.course(parent=home, title="金融知识", mandatory=False)


def form_data(course, bank, **extra):
    due = (timezone.localdate() + dt.timedelta(days=20)).isoformat()
    return {
        "course": course.pk,
        "departments": [bank.s1.pk],
        "staff": "",
        "due_date": due,
        "reason": "",
        **extra,
    }


def test_roles_on_the_assign_screen_and_listing(role_clients, optional_course):
    expected = {"learner": 302, "manager": 302, "trainer": 200, "hr": 200, "admin": 200}
    for role, status in expected.items():
        for url in (ASSIGN, INDEX):
            response = role_clients[role].get(url)
            assert response.status_code == status, (role, url)


def test_assigning_shows_who_it_reaches_then_assigns_on_confirmation(
    as_hr, hr, bank, optional_course
):
    in_s1 = [factories.staff(department=d) for d in (bank.o1, bank.o2)]
    outside = factories.staff(department=bank.o3, employee_no="OUT1")
    preview = as_hr.post(ASSIGN, form_data(optional_course, bank, staff="OUT1"))
    assert preview.status_code == 200
    assert 'data-plan-count="3"' in preview.content.decode()
    assert not Assignment.objects.filter(course=optional_course).exists()

    done = as_hr.post(
        ASSIGN, form_data(optional_course, bank, staff="OUT1", confirm="1")
    )
    assert done.status_code == 302 and done["Location"] == INDEX
    rows = Assignment.objects.filter(course=optional_course)
    assert {r.staff_id for r in rows} == {*(p.pk for p in in_s1), outside.pk}
    assert {r.assigned_by_id for r in rows} == {hr.user_id}
    assert {timezone.localdate(r.due_at) for r in rows} == {
        timezone.localdate() + dt.timedelta(days=20)
    }


def test_unknown_employee_numbers_and_empty_targets_are_refused(
    as_trainer, bank, optional_course
):
    unknown = as_trainer.post(
        ASSIGN, form_data(optional_course, bank, departments=[], staff="NOPE")
    )
    assert "NOPE" in unknown.content.decode()
    empty = as_trainer.post(ASSIGN, form_data(optional_course, bank, departments=[]))
    assert empty.status_code == 200
    assert not Assignment.objects.filter(course=optional_course).exists()


def test_assignments_cannot_be_edited_or_deleted_in_the_admin(
    as_admin, learner, course
):
    assignment = Assignment.objects.get(staff=learner, course=course)
    for name in ("edit", "delete"):
        response = as_admin.get(reverse(f"assignments:{name}", args=[assignment.pk]))
        assert response.status_code in (302, 403), name
    assignment.refresh_from_db()


def test_listing_and_export(as_hr, learner, course):
    listing = as_hr.get(INDEX)
    assert learner.name in listing.content.decode()
    export = as_hr.get(INDEX, {"export": "csv"})
    assert export.status_code == 200
    body = b"".join(export.streaming_content).decode("utf-8-sig")
    assert learner.employee_no in body


def test_trainers_get_no_staff_admin(as_trainer):
    for url in ("/admin/staff/", "/admin/departments/"):
        assert as_trainer.get(url).status_code in (302, 403), url


def test_a_due_date_in_the_past_is_refused(as_hr, bank, optional_course):
    data = form_data(optional_course, bank, due_date="2001-01-01")
    response = as_hr.post(ASSIGN, data)
    assert response.status_code == 200
    errors = response.context["form"].errors["due_date"]
    assert errors == [str(ERROR_DUE_IN_PAST)]
    assert not Assignment.objects.filter(course=optional_course).exists()
