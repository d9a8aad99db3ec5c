"""Reads of the organisation: department subtrees and the staff roster."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from org.models import Department, StaffProfile


def department_subtree(department: Department) -> QuerySet[Department]:
    """The department and every department under it."""
    return Department.objects.filter(path__startswith=department.path)


def department_choices() -> list[tuple[int, str]]:
    """(id, indented name) in tree order, for select boxes."""
    return [
        (pk, f"{'— ' * (depth - 1)}{name} ({code})")
        for pk, depth, name, code in Department.objects.order_by("path").values_list(
            "pk", "depth", "name", "code"
        )
    ]


def staff_list(
    *,
    department: Department | None = None,
    position: str | None = None,
    is_active: bool | None = None,
    search: str | None = None,
) -> QuerySet[StaffProfile]:
    """Staff with their department and account loaded (no query per row)."""
    qs = StaffProfile.objects.select_related("department", "user")
    if department is not None:
        qs = qs.filter(department__path__startswith=department.path)
    if position:
        qs = qs.filter(position=position)
    if is_active is not None:
        qs = qs.filter(is_active=is_active)
    if search:
        qs = qs.filter(
            Q(employee_no__icontains=search)
            | Q(name__icontains=search)
            | Q(position__icontains=search)
        )
    return qs


def staff_in_subtree(department: Department) -> QuerySet[StaffProfile]:
    return StaffProfile.objects.filter(department__path__startswith=department.path)


def position_list() -> list[str]:
    return list(
        StaffProfile.objects.exclude(position="")
        .order_by("position")
        .values_list("position", flat=True)
        .distinct()
    )


def staff_get_for_user(user) -> StaffProfile | None:
    if not user.is_authenticated:
        return None
    try:
        return StaffProfile.objects.select_related("department").get(user=user)
    except StaffProfile.DoesNotExist:
        return None
