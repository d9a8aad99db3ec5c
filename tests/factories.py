"""Typed factories built on the services, so test data obeys the same rules as
real data (tree paths, accounts, groups)."""

from __future__ import annotations

import datetime as dt
import itertools

from django.contrib.auth.models import Group

from core import roles
from org import services
from org.models import Department, StaffProfile

PASSWORD = "Correct-Horse-42"
_numbers = itertools.count(1)


def department(
    name: str = "",
    *,
    code: str = "",
    kind: str = "outlet",
    parent: Department | None = None,
) -> Department:
    n = next(_numbers)
    return services.department_create(
        code=code or f"D{n:05d}", name=name or f"网点{n}", kind=kind, parent=parent
    )


def staff(
    *,
    department: Department,
    employee_no: str = "",
    name: str = "",
    position: str = "柜员",
    role: str | None = roles.LEARNER,
    is_active: bool = True,
    superuser: bool = False,
    hire_date: dt.date | None = None,
    email: str = "",
) -> StaffProfile:
    n = next(_numbers)
    profile = services.staff_create(
        employee_no=employee_no or f"E{n:06d}",
        name=name or f"员工{n}",
        department=department,
        position=position,
        hire_date=hire_date or dt.date(2020, 1, 1),
        email=email or f"e{n}@bank.example",
        is_active=is_active,
    )
    user = profile.user
    user.set_password(PASSWORD)
    if superuser:
        user.is_superuser = True
        user.is_staff = True
    user.save()
    if role and role != roles.LEARNER:
        user.groups.add(Group.objects.get(name=role))
    return profile
