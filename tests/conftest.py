"""Shared fixtures: a small bank and one user per role.

bank: branch B > sub-branch S1 > outlets O1, O2; B > sub-branch S2 > outlet O3;
B > department HR.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.test import Client

from core import roles
from org.models import Department, StaffProfile
from tests import factories


def pytest_collection_modifyitems(config, items):
    """Race tests (marker `postgres`) need real concurrent transactions: they run
    in the PostgreSQL pass of CI and are deselected, not skipped, on SQLite."""
    from django.conf import settings

    if "postgresql" in settings.DATABASES["default"]["ENGINE"]:
        return
    kept = [item for item in items if not item.get_closest_marker("postgres")]
    dropped = [item for item in items if item.get_closest_marker("postgres")]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


@dataclass
class Bank:
    branch: Department
    s1: Department
    o1: Department
    o2: Department
    s2: Department
    o3: Department
    hr_dept: Department


@pytest.fixture
def bank(db) -> Bank:
    branch = factories.department("示范分行", code="B", kind="branch")
    s1 = factories.department("城东支行", code="S1", kind="sub_branch", parent=branch)
    o1 = factories.department("东湖路网点", code="O1", parent=s1)
    o2 = factories.department("解放路网点", code="O2", parent=s1)
    s2 = factories.department("城西支行", code="S2", kind="sub_branch", parent=branch)
    o3 = factories.department("西溪网点", code="O3", parent=s2)
    hr_dept = factories.department(
        "人力资源部", code="HRD", kind="department", parent=branch
    )
    return Bank(branch, s1, o1, o2, s2, o3, hr_dept)


@pytest.fixture
def learner(bank) -> StaffProfile:
    return factories.staff(department=bank.o1, employee_no="L001", name="林学员")


@pytest.fixture
def other_learner(bank) -> StaffProfile:
    return factories.staff(department=bank.o3, employee_no="L002", name="王同事")


@pytest.fixture
def manager(bank) -> StaffProfile:
    return factories.staff(
        department=bank.s1,
        employee_no="M001",
        name="周行长",
        position="支行行长",
        role=roles.MANAGER,
    )


@pytest.fixture
def trainer(bank) -> StaffProfile:
    return factories.staff(
        department=bank.branch,
        employee_no="T001",
        name="陈培训",
        position="培训专员",
        role=roles.TRAINER,
    )


@pytest.fixture
def hr(bank) -> StaffProfile:
    return factories.staff(
        department=bank.hr_dept,
        employee_no="H001",
        name="赵人事",
        position="人事专员",
        role=roles.HR,
    )


@pytest.fixture
def admin(bank) -> StaffProfile:
    return factories.staff(
        department=bank.branch,
        employee_no="A001",
        name="管理员",
        role=None,
        superuser=True,
    )


def client_for(profile: StaffProfile | None) -> Client:
    client = Client()
    if profile is not None:
        client.force_login(profile.user)
    return client


@pytest.fixture
def as_learner(learner):
    return client_for(learner)


@pytest.fixture
def as_manager(manager):
    return client_for(manager)


@pytest.fixture
def as_trainer(trainer):
    return client_for(trainer)


@pytest.fixture
def as_hr(hr):
    return client_for(hr)


@pytest.fixture
def as_admin(admin):
    return client_for(admin)


@pytest.fixture
def role_clients(learner, manager, trainer, hr, admin):
    """{role name: logged-in client}, including 'anonymous'."""
    return {
        "anonymous": Client(),
        "learner": client_for(learner),
        "manager": client_for(manager),
        "trainer": client_for(trainer),
        "hr": client_for(hr),
        "admin": client_for(admin),
    }


@pytest.fixture(autouse=True)
def _english_messages():
    """Messages asserted in tests read in English; requests still negotiate
    their own language (Chinese by default) through LocaleMiddleware."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test starts with an empty cache (progress, axes counters)."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
