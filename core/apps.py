from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = _("Core")


from wagtail.users.apps import WagtailUsersAppConfig  # noqa: E402


class UsersConfig(WagtailUsersAppConfig):
    """Wagtail's user administration with the guards of core/users.py."""

    user_viewset = "core.users.GuardedUserViewSet"

    def ready(self):
        super().ready()
        from django.contrib.auth.models import Group
        from wagtail.permissions import register_permission_policy

        from core.users import SuperuserOnlyPolicy

        register_permission_policy(Group, SuperuserOnlyPolicy(Group))
