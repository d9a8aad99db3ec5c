"""Guards on Wagtail's user and group administration.

Whoever may edit users without being an administrator cannot make anyone (themself
included) an administrator or HR, cannot edit administrators or HR, and cannot
delete anyone who is on the staff roster (leavers are deactivated, never deleted:
their records must stay attributable). Groups and their permissions are for
administrators only: editing a group could make it HR in all but name. Bulk
actions on users (assign a role, (de)activate, delete) would go round all of this,
so they are for administrators only too.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.users.forms import UserCreationForm, UserEditForm
from wagtail.users.views import users as user_views

from core import roles

PRIVILEGED_GROUPS = (roles.HR,)


def is_privileged(user) -> bool:
    return user.is_superuser or user.groups.filter(name__in=PRIVILEGED_GROUPS).exists()


class GuardedUserFormMixin:
    def __init__(self, *args, editor=None, **kwargs):
        super().__init__(*args, **kwargs)
        if editor is not None and not editor.is_superuser:
            self.fields.pop("is_superuser", None)
            if "groups" in self.fields:
                self.fields["groups"].queryset = Group.objects.exclude(
                    name__in=PRIVILEGED_GROUPS
                ).order_by("name")


class GuardedUserEditForm(GuardedUserFormMixin, UserEditForm):
    pass


class GuardedUserCreationForm(GuardedUserFormMixin, UserCreationForm):
    pass


class GuardedCreateView(user_views.CreateView):
    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "editor": self.request.user}


class GuardedEditView(user_views.EditView):
    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_superuser and is_privileged(self.object):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "editor": self.request.user}


class GuardedDeleteView(user_views.DeleteView):
    def dispatch(self, request, *args, **kwargs):
        target = self.get_object()
        if hasattr(target, "staff_profile") or (
            not request.user.is_superuser and is_privileged(target)
        ):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class GuardedUserViewSet(user_views.UserViewSet):
    add_view_class = GuardedCreateView
    edit_view_class = GuardedEditView
    delete_view_class = GuardedDeleteView

    def get_form_class(self, for_update=False):
        return GuardedUserEditForm if for_update else GuardedUserCreationForm


def guard_user_bulk_actions(request, action_type, objects, action_view):
    """`before_bulk_action` hook: only administrators run bulk actions on users
    (Wagtail's "assign role" offers every group, HR included), and nobody deletes
    rostered staff in bulk either."""
    if action_view.model is not get_user_model():
        return
    if not request.user.is_superuser:
        raise PermissionDenied
    if action_type == "delete" and any(
        hasattr(user, "staff_profile") for user in objects
    ):
        raise PermissionDenied


class SuperuserOnlyPolicy(ModelPermissionPolicy):
    def user_has_permission(self, user, action):
        return user.is_active and user.is_superuser

    def user_has_permission_for_instance(self, user, action, instance):
        return self.user_has_permission(user, action)
