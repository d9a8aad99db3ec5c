"""The manager's team totals: approved points and amount by person and period,
for the manager's department subtree only; HR and administrators see all."""

from __future__ import annotations

import pytest
from django.urls import reverse

from core import roles
from incentives.services import ledger as ledger_services
from tests import factories
from tests.conftest import client_for
from tests.incentives import ledger_factories

TEAM = reverse("incentives:team_totals")


@pytest.fixture
def reviewer(bank):
    return factories.staff(department=bank.hr_dept, employee_no="H900", role=roles.HR)


@pytest.fixture
def entries(learner, other_learner, reviewer):
    """L001 (O1, under S1): +10/50 approved in 2026-10, +7 pending;
    L002 (O3, under S2): +10/50 approved."""
    mine = ledger_factories.entry(staff=learner, reason="O1 奖励")
    ledger_factories.entry(staff=learner, points=7, amount="7", reason="待审")
    theirs = ledger_factories.entry(staff=other_learner, reason="O3 奖励")
    for entry in (mine, theirs):
        ledger_services.entry_approve(entry=entry, by=reviewer.user)
    return mine, theirs


def rows(response) -> dict[str, tuple]:
    return {
        r["staff__employee_no"]: (r["period"], r["points"], str(r["amount"]))
        for r in response.context["chart"]
    }


def test_anonymous_visitors_are_sent_to_log_in(client, entries):
    response = client.get(TEAM)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("role", ["learner", "trainer"])
def test_learners_and_trainers_get_403(role_clients, entries, role):
    assert role_clients[role].get(TEAM).status_code == 403


def test_a_manager_sees_their_subtree_only(as_manager, entries):
    response = as_manager.get(TEAM)
    assert response.status_code == 200
    assert rows(response) == {"L001": ("2026-10", 10, "50.00")}
    html = response.content.decode()
    assert "L002" not in html
    assert response.context["summary"].points == 10


def test_a_manager_elsewhere_sees_other_staff(bank, entries):
    s2_manager = factories.staff(
        department=bank.s2, employee_no="M002", role=roles.MANAGER
    )
    response = client_for(s2_manager).get(TEAM)
    assert rows(response) == {"L002": ("2026-10", 10, "50.00")}


def test_a_department_outside_the_subtree_answers_404(as_manager, bank, entries):
    assert as_manager.get(TEAM, {"department": bank.o3.pk}).status_code == 404
    response = as_manager.get(TEAM, {"department": bank.o1.pk})
    assert rows(response) == {"L001": ("2026-10", 10, "50.00")}


@pytest.mark.parametrize("role", ["hr", "admin"])
def test_hr_and_admin_see_everyone(role_clients, entries, role):
    response = role_clients[role].get(TEAM)
    assert response.status_code == 200
    assert set(rows(response)) == {"L001", "L002"}


def test_the_period_filter(as_hr, learner, reviewer, entries):
    later = ledger_factories.entry(staff=learner, period="2026-11", points=4)
    ledger_services.entry_approve(entry=later, by=reviewer.user)
    response = as_hr.get(TEAM, {"period": "2026-11"})
    assert rows(response) == {"L001": ("2026-11", 4, "50.00")}


@pytest.mark.parametrize("people", [2, 20])
def test_queries_do_not_grow_with_staff_or_entries(
    as_manager, bank, reviewer, django_assert_max_num_queries, people
):
    created = []
    for n in range(people):
        staff = factories.staff(department=bank.o2)
        created.append(ledger_factories.entry(staff=staff, reason=f"奖励{n}"))
        created.append(ledger_factories.entry(staff=staff, period="2026-11"))
    ledger_services.entries_approve_many([e.pk for e in created], by=reviewer.user)
    with django_assert_max_num_queries(14):
        response = as_manager.get(TEAM)
    assert response.status_code == 200
    assert len(response.context["page"].object_list) == 2 * people
