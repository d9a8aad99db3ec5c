from django.conf import settings

from core import roles


def site(request):
    """Role flags for navigation; one groups query per request at most."""
    user = getattr(request, "user", None)
    return {
        "site_name": settings.WAGTAIL_SITE_NAME,
        "user_roles": roles.user_roles(user) if user else frozenset(),
        "can_use_admin": bool(
            user
            and user.is_authenticated
            and (user.is_superuser or roles.has_role(user, roles.TRAINER, roles.HR))
        ),
        "can_see_team": bool(
            user
            and user.is_authenticated
            and roles.has_role(user, roles.MANAGER, roles.HR)
        ),
    }
