"""The manager's view: scope by department subtree, filters, exports, roles."""

import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from tests import factories
from tests.training import factories as training_factories

TEAM = reverse("training:team")


@pytest.fixture
def team(bank, home, manager):
    """S1 (the manager's sub-branch) has two outlets; S2 is someone else's."""
    o1 = factories.staff(department=bank.o1, employee_no="S1A", name="东湖员工")
    o2 = factories.staff(department=bank.o2, employee_no="S1B", name="解放员工")
    o3 = factories.staff(department=bank.o3, employee_no="S2A", name="西溪员工")
    evil = factories.staff(department=bank.o2, employee_no="S1C", name="=1+2")
    course = training_factories.course(parent=home, title="征信业管理条例")
    training_factories.lesson(course=course)
    return {"o1": o1, "o2": o2, "o3": o3, "evil": evil, "course": course}


def employees(response):
    return {row.assignment.staff.employee_no for row in response.context["rows"]}


def test_roles(role_clients, team):
    expected = {
        "anonymous": 302,
        "learner": 403,
        "trainer": 403,
        "manager": 200,
        "hr": 200,
        "admin": 200,
    }
    for role, status in expected.items():
        assert role_clients[role].get(TEAM).status_code == status, role
        export = role_clients[role].get(reverse("training:team_export", args=["csv"]))
        assert export.status_code == status, role


def test_a_manager_sees_only_their_subtree(as_manager, team, manager):
    response = as_manager.get(TEAM)
    seen = employees(response)
    assert {"S1A", "S1B", "S1C", manager.employee_no} <= seen
    assert "S2A" not in seen
    assert "西溪员工" not in response.content.decode()


def test_hr_sees_everyone_and_filters_by_department(as_hr, bank, team):
    assert "S2A" in employees(as_hr.get(TEAM))
    narrowed = employees(as_hr.get(TEAM, {"department": bank.o3.pk}))
    assert narrowed == {"S2A"}


def test_a_manager_cannot_filter_their_way_out(as_manager, bank, team):
    assert as_manager.get(TEAM, {"department": bank.o3.pk}).status_code == 404
    assert as_manager.get(TEAM, {"department": bank.branch.pk}).status_code == 404
    own = as_manager.get(TEAM, {"department": bank.o1.pk})
    assert employees(own) == {"S1A"}


def test_a_manager_cannot_open_or_export_other_staff(as_manager, bank, team):
    outside = reverse("training:team_member", args=["S2A"])
    assert as_manager.get(outside).status_code == 404
    inside = as_manager.get(reverse("training:team_member", args=["S1A"]))
    assert inside.status_code == 200
    assert "征信业管理条例" in inside.content.decode()
    export = as_manager.get(
        reverse("training:team_export", args=["csv"]), {"department": bank.o3.pk}
    )
    assert export.status_code == 404


def test_filters_by_status_and_search(as_manager, team):
    assert employees(as_manager.get(TEAM, {"status": "completed"})) == set()
    assert "S1A" in employees(as_manager.get(TEAM, {"status": "open"}))
    assert employees(as_manager.get(TEAM, {"q": "东湖"})) == {"S1A"}


def test_csv_export_is_scoped_and_neutralises_formulas(as_manager, team):
    response = as_manager.get(reverse("training:team_export", args=["csv"]))
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][0] == "employee_no"
    numbers = {row[0] for row in rows[1:]}
    assert {"S1A", "S1B", "S1C"} <= numbers and "S2A" not in numbers
    names = {row[1] for row in rows[1:]}
    assert "'=1+2" in names and "=1+2" not in names


def test_xlsx_export(as_manager, team):
    response = as_manager.get(reverse("training:team_export", args=["xlsx"]))
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0][0] == "employee_no"
    numbers = {row[0] for row in values[1:]}
    assert "S1A" in numbers and "S2A" not in numbers
    evil = next(row for row in values[1:] if row[0] == "S1C")
    assert evil[1] == "=1+2"  # stored as text, never a formula
    assert sheet.cell(row=values.index(evil) + 1, column=2).data_type == "s"


def test_unknown_export_format_is_404(as_manager, team):
    url = reverse("training:team_export", args=["pdf"])
    assert as_manager.get(url).status_code == 404


def test_a_manager_without_a_profile_sees_nothing(db, bank):
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.test import Client

    user = get_user_model().objects.create_user("loose", password="x-Password-1")
    user.groups.add(Group.objects.get(name="Manager"))
    client = Client()
    client.force_login(user)
    assert client.get(TEAM).status_code == 403


def test_pagination(as_hr, bank, home):
    course = training_factories.course(parent=home)
    for n in range(55):
        factories.staff(department=bank.o1, employee_no=f"P{n:03d}")
    course.save_revision().publish()
    first = as_hr.get(TEAM)
    assert len(first.context["rows"]) == 50
    second = as_hr.get(TEAM, {"page": 2})
    assert len(second.context["rows"]) >= 5
