"""Whoever may edit users (without being an administrator) cannot hand out
administrator or HR rights, nor touch administrators, HR or rostered staff."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission

from core import roles
from tests import factories
from tests.conftest import client_for

User = get_user_model()


@pytest.fixture
def user_editor(bank):
    """A trainer to whom an administrator gave user management."""
    group = Group.objects.create(name="User admins")
    group.permissions.add(
        *Permission.objects.filter(
            content_type__app_label__in=["auth", "wagtailadmin"],
            codename__in=[
                "add_user",
                "change_user",
                "view_user",
                "delete_user",
                "access_admin",
            ],
        )
    )
    profile = factories.staff(department=bank.branch, role=roles.TRAINER)
    profile.user.groups.add(group)
    return profile


def form_data(user, **extra):
    data = {
        "username": user.username,
        "email": user.email or "x@bank.example",
        "first_name": user.first_name,
        "last_name": "",
        "is_active": "on",
    }
    data.update(extra)
    return data


def test_cannot_make_themself_an_administrator_or_hr(user_editor):
    client = client_for(user_editor)
    url = f"/admin/users/edit/{user_editor.user.pk}/"
    response = client.get(url)
    assert response.status_code == 200
    form = response.context["form"]
    assert "is_superuser" not in form.fields
    assert not form.fields["groups"].queryset.filter(name=roles.HR).exists()

    hr_group = Group.objects.get(name=roles.HR)
    client.post(
        url, form_data(user_editor.user, is_superuser="on", groups=[hr_group.pk])
    )
    user_editor.user.refresh_from_db()
    assert not user_editor.user.is_superuser
    assert not user_editor.user.groups.filter(name=roles.HR).exists()


def test_cannot_make_anyone_else_hr(user_editor, learner):
    client = client_for(user_editor)
    hr_group = Group.objects.get(name=roles.HR)
    client.post(
        f"/admin/users/edit/{learner.user.pk}/",
        form_data(learner.user, is_superuser="on", groups=[hr_group.pk]),
    )
    learner.user.refresh_from_db()
    assert not learner.user.is_superuser
    assert not learner.user.groups.filter(name=roles.HR).exists()


def test_cannot_create_an_administrator(user_editor):
    client = client_for(user_editor)
    client.post(
        "/admin/users/new/",
        {
            "username": "sneaky",
            "email": "s@bank.example",
            "first_name": "S",
            "last_name": "",
            "password1": "Very-Long-Pass-1",
            "password2": "Very-Long-Pass-1",
            "is_superuser": "on",
            "groups": [Group.objects.get(name=roles.HR).pk],
        },
    )
    sneaky = User.objects.filter(username="sneaky").first()
    assert sneaky is None or (not sneaky.is_superuser and not sneaky.groups.exists())


def test_cannot_edit_administrators_or_hr(user_editor, admin, hr):
    client = client_for(user_editor)
    for target in (admin, hr):
        response = client.get(f"/admin/users/edit/{target.user.pk}/")
        assert response.status_code in (302, 403)
        client.post(
            f"/admin/users/edit/{target.user.pk}/", form_data(target.user, is_active="")
        )
        target.user.refresh_from_db()
        assert target.user.is_active


def test_rostered_staff_are_never_deleted(as_admin, learner):
    as_admin.post(f"/admin/users/delete/{learner.user.pk}/")
    assert User.objects.filter(pk=learner.user.pk).exists()


def test_groups_are_for_administrators_only(user_editor, as_admin):
    client = client_for(user_editor)
    hr_group = Group.objects.get(name=roles.HR)
    assert client.get("/admin/groups/").status_code in (302, 403)
    assert client.get(f"/admin/groups/edit/{hr_group.pk}/").status_code in (302, 403)
    assert as_admin.get(f"/admin/groups/edit/{hr_group.pk}/").status_code == 200


def test_an_administrator_still_can(as_admin, learner):
    response = as_admin.get(f"/admin/users/edit/{learner.user.pk}/")
    assert "is_superuser" in response.context["form"].fields


@pytest.mark.parametrize(
    "action", ["assign_role", "set_active_state", "delete"], ids=str
)
def test_bulk_actions_on_users_are_for_administrators_only(
    user_editor, learner, admin, action
):
    """Wagtail's bulk "assign role" offers every group: a user editor could
    otherwise make themself (or anyone) HR, or deactivate an administrator."""
    client = client_for(user_editor)
    hr_group = Group.objects.get(name=roles.HR)
    targets = [user_editor.user, learner.user, admin.user]
    query = "&".join(f"id={u.pk}" for u in targets)
    data = {
        "assign_role": {"role": hr_group.pk, "mode": "assign"},
        "set_active_state": {"mark_as_active": "False"},
        "delete": {},
    }[action]
    before = sorted(
        User.objects.values_list("pk", "is_active", "is_superuser", "groups__name")
    )

    response = client.post(f"/admin/bulk/auth/user/{action}/?{query}", data)

    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert before == sorted(
        User.objects.values_list("pk", "is_active", "is_superuser", "groups__name")
    )


def test_an_administrator_can_still_assign_roles_in_bulk(as_admin, learner):
    trainer_group = Group.objects.get(name=roles.TRAINER)
    response = as_admin.post(
        f"/admin/bulk/auth/user/assign_role/?id={learner.user.pk}",
        {"role": trainer_group.pk, "mode": "assign"},
    )
    assert response.status_code == 302
    assert learner.user.groups.filter(name=roles.TRAINER).exists()


def test_rostered_staff_are_not_deleted_in_bulk_either(as_admin, learner):
    response = as_admin.post(f"/admin/bulk/auth/user/delete/?id={learner.user.pk}")
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert User.objects.filter(pk=learner.user.pk).exists()
