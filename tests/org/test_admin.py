"""HR's department and staff screens in the Wagtail admin."""

import pytest
from django.contrib.auth import get_user_model

from core import roles
from org.models import Department, StaffProfile
from org.signals import staff_changed
from tests import factories

User = get_user_model()


def _many_staff(bank, count):
    for i in range(count):
        factories.staff(department=[bank.o1, bank.o2, bank.o3][i % 3], position="柜员")


def test_staff_listing_queries_do_not_grow_with_rows(
    as_hr, bank, django_assert_max_num_queries
):
    _many_staff(bank, 5)
    with django_assert_max_num_queries(25) as small:
        assert as_hr.get("/admin/staff/").status_code == 200
    _many_staff(bank, 45)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = as_hr.get("/admin/staff/")
    assert response.status_code == 200


def test_department_listing_queries_do_not_grow(
    as_hr, bank, django_assert_max_num_queries
):
    with django_assert_max_num_queries(25) as small:
        assert as_hr.get("/admin/departments/").status_code == 200
    for i in range(30):
        factories.department(f"新网点{i}", parent=bank.s2)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert as_hr.get("/admin/departments/").status_code == 200


def listed(response):
    return sorted(obj.employee_no for obj in response.context["object_list"])


def test_filter_by_department_subtree_position_and_active(
    as_hr, bank, learner, other_learner
):
    factories.staff(
        department=bank.o2, employee_no="X1", position="大堂经理", is_active=False
    )
    assert listed(as_hr.get("/admin/staff/", {"department": bank.s1.pk})) == [
        "L001",
        "X1",
    ]
    assert listed(as_hr.get("/admin/staff/", {"department": bank.o3.pk})) == ["L002"]
    assert listed(as_hr.get("/admin/staff/", {"position": "大堂经理"})) == ["X1"]
    assert "X1" not in listed(as_hr.get("/admin/staff/", {"is_active": "true"}))
    assert listed(as_hr.get("/admin/staff/", {"is_active": "false"})) == ["X1"]


def test_search_by_name_or_number(as_hr, learner, other_learner):
    assert listed(as_hr.get("/admin/staff/", {"q": "林学员"})) == ["L001"]
    assert listed(as_hr.get("/admin/staff/", {"q": "L002"})) == ["L002"]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_staff_listing_exports(as_hr, learner, fmt):
    response = as_hr.get("/admin/staff/", {"export": fmt})
    assert response.status_code == 200
    body = (
        b"".join(response.streaming_content) if response.streaming else response.content
    )
    if fmt == "csv":
        assert "林学员" in body.decode("utf-8")
    else:
        assert body[:2] == b"PK"


def test_listing_csv_export_is_inert_and_opens_in_excel(as_hr, bank):
    factories.staff(department=bank.o1, employee_no="F1", name='=HYPERLINK("x")')
    response = as_hr.get("/admin/staff/", {"export": "csv"})
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    assert "'=HYPERLINK" in body
    assert ",是" in body  # active shown as 是/否


def test_hr_creates_staff_through_the_service(as_hr, bank):
    response = as_hr.post(
        "/admin/staff/new/",
        {
            "employee_no": "N001",
            "name": "新员工",
            "department": bank.o2.pk,
            "position": "柜员",
            "hire_date": "2026-11-01",
            "email": "n001@bank.example",
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    profile = StaffProfile.objects.select_related("user").get(employee_no="N001")
    assert profile.user.username == "N001"
    assert profile.user.email == "n001@bank.example"
    assert not profile.user.has_usable_password()
    assert profile.user.groups.filter(name=roles.LEARNER).exists()


def test_moving_staff_announces_the_change(
    as_hr, bank, learner, django_capture_on_commit_callbacks
):
    received = []
    staff_changed.connect(
        lambda sender, staff_ids, **kw: received.append(staff_ids),
        weak=False,
        dispatch_uid="test-move",
    )
    try:
        with django_capture_on_commit_callbacks(execute=True):
            response = as_hr.post(
                f"/admin/staff/edit/{learner.pk}/",
                {
                    "employee_no": "IGNORED",
                    "name": learner.name,
                    "department": bank.o3.pk,
                    "position": learner.position,
                    "hire_date": "2020-01-01",
                    "email": "l@bank.example",
                    "is_active": "on",
                },
            )
    finally:
        staff_changed.disconnect(dispatch_uid="test-move")
    assert response.status_code == 302
    learner.refresh_from_db()
    assert learner.department == bank.o3
    assert learner.employee_no == "L001"  # the login name cannot be edited
    assert received == [[learner.pk]]


def test_deactivating_a_leaver_keeps_them(as_hr, learner):
    response = as_hr.post(
        f"/admin/staff/edit/{learner.pk}/",
        {
            "name": learner.name,
            "department": learner.department_id,
            "position": "柜员",
            "hire_date": "2020-01-01",
            "email": "",
        },
    )
    assert response.status_code == 302
    learner.refresh_from_db()
    learner.user.refresh_from_db()
    assert learner.is_active is False and learner.user.is_active is False


def test_staff_and_departments_cannot_be_deleted(as_admin, learner, bank):
    assert as_admin.get(f"/admin/staff/delete/{learner.pk}/").status_code in (302, 403)
    assert as_admin.post(f"/admin/staff/delete/{learner.pk}/").status_code in (302, 403)
    assert as_admin.post(f"/admin/departments/delete/{bank.o1.pk}/").status_code in (
        302,
        403,
    )
    assert StaffProfile.objects.filter(pk=learner.pk).exists()
    assert Department.objects.filter(pk=bank.o1.pk).exists()


def test_department_created_under_a_parent_and_moved(as_hr, bank):
    response = as_hr.post(
        "/admin/departments/new/",
        {"code": "O9", "name": "新网点", "kind": "outlet", "parent": bank.s2.pk},
    )
    assert response.status_code == 302
    o9 = Department.objects.get(code="O9")
    assert o9.get_parent() == bank.s2

    response = as_hr.post(
        f"/admin/departments/edit/{bank.s2.pk}/",
        {"code": "S2", "name": "城西支行", "kind": "sub_branch", "parent": bank.s1.pk},
    )
    assert response.status_code == 302
    assert Department.objects.get(code="O9").get_ancestors().filter(code="S1").exists()


def test_department_cannot_move_under_its_own_subtree(as_hr, bank):
    response = as_hr.post(
        f"/admin/departments/edit/{bank.s1.pk}/",
        {"code": "S1", "name": "城东支行", "kind": "sub_branch", "parent": bank.o1.pk},
    )
    assert response.status_code == 200  # the form shows the error
    assert Department.objects.get(code="S1").get_parent() == bank.branch


def test_hr_sets_a_password(as_hr, learner):
    response = as_hr.post(
        f"/admin/staff/{learner.pk}/password/",
        {"password1": "Brand-New-Pass-77", "password2": "Brand-New-Pass-77"},
    )
    assert response.status_code == 302
    learner.user.refresh_from_db()
    assert learner.user.check_password("Brand-New-Pass-77")


def test_weak_or_mismatched_passwords_are_refused(as_hr, learner):
    response = as_hr.post(
        f"/admin/staff/{learner.pk}/password/", {"password1": "123", "password2": "123"}
    )
    assert response.status_code == 200 and response.context["form"].errors
    response = as_hr.post(
        f"/admin/staff/{learner.pk}/password/",
        {"password1": "Brand-New-Pass-77", "password2": "Brand-New-Pass-78"},
    )
    assert response.status_code == 200 and response.context["form"].errors


def test_hr_cannot_take_over_an_administrators_account(as_hr, admin):
    response = as_hr.post(
        f"/admin/staff/{admin.pk}/password/",
        {"password1": "Brand-New-Pass-77", "password2": "Brand-New-Pass-77"},
    )
    assert response.status_code in (302, 403)
    admin.user.refresh_from_db()
    assert not admin.user.check_password("Brand-New-Pass-77")
