"""Writes to the organisation: departments, staff, accounts.

Every function validates, writes inside a transaction and announces staff
changes (for course assignment) after commit.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Container, Iterable

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core import roles
from org.models import Department, StaffProfile
from org.signals import staff_changed

User = get_user_model()

ERROR_MOVE_INTO_SUBTREE = _(
    "A department cannot be moved under itself or its own sub-units."
)
ERROR_CODE_TAKEN = _("Another department already has this code.")
ERROR_EMPLOYEE_NO_TAKEN = _("Another staff member already has this employee number.")


def _announce(staff_ids: Iterable[int]) -> None:
    ids = sorted(set(staff_ids))
    if ids:
        transaction.on_commit(
            lambda: staff_changed.send(sender=StaffProfile, staff_ids=ids)
        )


# --- departments --------------------------------------------------------------------


@transaction.atomic
def department_create(
    *, code: str, name: str, kind: str, parent: Department | None = None
) -> Department:
    if Department.objects.filter(code=code).exists():
        raise ValidationError({"code": ERROR_CODE_TAKEN})
    department = Department(code=code, name=name, kind=kind)
    department.full_clean(exclude=["path", "depth", "numchild"], validate_unique=False)
    if parent is None:
        return Department.add_root(instance=department)
    parent = Department.objects.get(pk=parent.pk)  # fresh path and numchild
    return parent.add_child(instance=department)


@transaction.atomic
def department_update(
    *,
    department: Department,
    name: str,
    kind: str,
    code: str | None = None,
    parent: Department | None = None,
) -> Department:
    """Rename, re-code or move a department (with its whole subtree)."""
    current = Department.objects.select_for_update().get(pk=department.pk)
    if code and code != current.code:
        if Department.objects.filter(code=code).exclude(pk=current.pk).exists():
            raise ValidationError({"code": ERROR_CODE_TAKEN})
        current.code = code
    current.name = name
    current.kind = kind
    current.full_clean(exclude=["path", "depth", "numchild"], validate_unique=False)
    current.save(update_fields=["code", "name", "kind"])
    old_parent = current.get_parent()
    if (parent.pk if parent else None) != (old_parent.pk if old_parent else None):
        department_move(department=current, parent=parent)
    return Department.objects.get(pk=current.pk)


@transaction.atomic
def department_move(*, department: Department, parent: Department | None) -> None:
    node = Department.objects.get(pk=department.pk)
    if parent is not None:
        parent = Department.objects.get(pk=parent.pk)
        if parent.path.startswith(node.path):
            raise ValidationError({"parent": ERROR_MOVE_INTO_SUBTREE})
        node.move(parent, "last-child")
    else:
        node.move(Department.get_last_root_node(), "last-sibling")
    # Everyone in the moved subtree now sits under a new parent: audiences by
    # department subtree may now include or exclude them.
    moved = Department.objects.get(pk=node.pk)
    _announce(
        StaffProfile.objects.filter(
            department__path__startswith=moved.path
        ).values_list("pk", flat=True)
    )


# --- staff ----------------------------------------------------------------------


def unusable_password() -> str:
    """What make_password(None) stores, from one urandom call instead of 40
    `secrets.choice` calls: a bulk import creates thousands at once."""
    return UNUSABLE_PASSWORD_PREFIX + secrets.token_urlsafe(30)


def _learner_group() -> Group:
    group, _created = Group.objects.get_or_create(name=roles.LEARNER)
    return group


@transaction.atomic
def staff_create(
    *,
    employee_no: str,
    name: str,
    department: Department,
    position: str = "",
    hire_date: dt.date | None = None,
    email: str = "",
    phone: str = "",
    is_active: bool = True,
) -> StaffProfile:
    """One new employee with an account that cannot log in until a password is set."""
    if StaffProfile.objects.filter(employee_no=employee_no).exists():
        raise ValidationError({"employee_no": ERROR_EMPLOYEE_NO_TAKEN})
    profile = StaffProfile(
        employee_no=employee_no,
        name=name,
        department=department,
        position=position,
        hire_date=hire_date,
        phone=phone,
        is_active=is_active,
    )
    profile.email = email
    profile.full_clean(exclude=["user"], validate_unique=False)
    staff_create_many([profile])
    return profile


def staff_create_many(
    profiles: list[StaffProfile], *, taken_usernames: Container[str] | None = None
) -> None:
    """Create accounts and profiles in bulk (imports). Each profile carries an
    `email` attribute. An existing account with the same username is linked.

    `taken_usernames`: every username in use, if the caller has read them
    (an import does, once): only those are looked up."""
    usernames = [p.employee_no for p in profiles]
    if taken_usernames is not None:
        usernames = [name for name in usernames if name in taken_usernames]
    # An empty list asks the database nothing (Django answers it itself).
    accounts = {u.username: u for u in User.objects.filter(username__in=usernames)}
    new_accounts = []
    for profile in profiles:
        if profile.employee_no not in accounts:
            account = User(
                username=profile.employee_no,
                first_name=profile.name[:150],
                email=getattr(profile, "email", "") or "",
                is_active=profile.is_active,
                password=unusable_password(),
            )
            accounts[profile.employee_no] = account
            new_accounts.append(account)
    User.objects.bulk_create(new_accounts)
    for profile in profiles:
        profile.user = accounts[profile.employee_no]
    StaffProfile.objects.bulk_create(profiles)
    _memberships_add(user_ids=[p.user_id for p in profiles], group=_learner_group())
    _announce(p.pk for p in profiles)


def _memberships_add(*, user_ids: list[int], group: Group) -> None:
    """Put the accounts in `group` (those already in it stay as they are), in
    one statement: a 100,000-row import spent more on building membership
    model instances and their INSERT than on this."""
    table = connection.ops.quote_name(User.groups.through._meta.db_table)
    # The table name comes from the model, the values are parameters.
    insert = f"INSERT INTO {table} (user_id, group_id)"  # noqa: S608
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"{insert} SELECT unnest(%s::bigint[]), %s ON CONFLICT DO NOTHING",
                [user_ids, group.pk],
            )
            return
        # SQLite: one prepared statement, stepped per row in C.
        cursor.executemany(
            f"{insert} VALUES (%s, %s) ON CONFLICT DO NOTHING",
            [(user_id, group.pk) for user_id in user_ids],
        )


def staff_update_many(
    profiles: list[StaffProfile], moved_ids: Iterable[int] = ()
) -> None:
    """Write changed profiles (and their accounts' name, e-mail, active flag) in bulk.

    `moved_ids`: profiles whose department or position changed.
    """
    now = timezone.now()
    accounts = []
    for profile in profiles:
        profile.updated_at = now
        account = profile.user
        account.first_name = profile.name[:150]
        if hasattr(profile, "email"):
            account.email = profile.email or ""
        account.is_active = profile.is_active
        accounts.append(account)
    StaffProfile.objects.bulk_update(
        profiles,
        [
            "name",
            "department",
            "position",
            "hire_date",
            "phone",
            "is_active",
            "updated_at",
        ],
    )
    User.objects.bulk_update(accounts, ["first_name", "email", "is_active"])
    _announce(moved_ids)


@transaction.atomic
def staff_update(
    *,
    staff: StaffProfile,
    name: str,
    department: Department,
    position: str = "",
    hire_date: dt.date | None = None,
    email: str = "",
    phone: str | None = None,
    is_active: bool = True,
) -> StaffProfile:
    """Change a person's record; `phone` None leaves the phone number as it is."""
    profile = (
        StaffProfile.objects.select_related("user").select_for_update().get(pk=staff.pk)
    )
    moved = profile.department_id != department.pk or profile.position != position
    profile.name = name
    profile.department = department
    profile.position = position
    profile.hire_date = hire_date
    profile.is_active = is_active
    profile.email = email
    if phone is not None:
        profile.phone = phone
    profile.full_clean(exclude=["user"], validate_unique=False)
    staff_update_many([profile], moved_ids=[profile.pk] if moved else [])
    return profile


@transaction.atomic
def staff_deactivate(*, staff: StaffProfile) -> StaffProfile:
    """A leaver: cannot log in any more; every record of theirs stays."""
    StaffProfile.objects.filter(pk=staff.pk).update(
        is_active=False, updated_at=timezone.now()
    )
    User.objects.filter(pk=staff.user_id).update(is_active=False)
    staff.refresh_from_db()
    return staff


@transaction.atomic
def staff_set_password(*, staff: StaffProfile, password: str) -> None:
    account = User.objects.select_for_update().get(pk=staff.user_id)
    account.set_password(password)
    account.save(update_fields=["password"])
