"""The four roles of DESIGN.md are Django groups; Admin is a superuser.

Group names are identifiers (never shown untranslated): use ROLE_LABELS for display.
"""

from django.utils.translation import gettext_lazy as _

LEARNER = "Learner"
MANAGER = "Manager"
TRAINER = "Trainer"
HR = "HR"

ROLES = (LEARNER, MANAGER, TRAINER, HR)
ROLE_LABELS = {
    LEARNER: _("Learner"),
    MANAGER: _("Manager"),
    TRAINER: _("Trainer"),
    HR: _("HR"),
}

_CACHE_ATTR = "_rights_academy_roles"


def user_roles(user) -> frozenset[str]:
    """The role names of `user`, read once per user object (one query)."""
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is None:
        cached = frozenset(
            user.groups.filter(name__in=ROLES).values_list("name", flat=True)
        )
        setattr(user, _CACHE_ATTR, cached)
    return cached


def has_role(user, *roles: str) -> bool:
    """True if the user holds any of `roles`; superusers hold every role."""
    if getattr(user, "is_superuser", False) and user.is_active:
        return True
    return bool(user_roles(user).intersection(roles))
