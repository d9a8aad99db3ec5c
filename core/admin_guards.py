"""Permission checks that Wagtail's admin leaves to a later step, made up front.

Registered in core/wagtail_hooks.py; the permission matrix
(tests/core/test_url_matrix.py) shows each one.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import router
from django.db.models.deletion import Collector, ProtectedError, RestrictedError
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _


def guard_page_move(request, page_to_move, destination):
    """`before_move_page` hook. Wagtail's move confirmation page checks the
    permission only when the move is posted; whoever may not move the page (HR,
    a trainer without publish rights) should not get the confirmation either."""
    if not page_to_move.permissions_for_user(request.user).can_move_to(destination):
        raise PermissionDenied


ERROR_PAGE_IN_USE = _(
    "This page cannot be deleted: records such as quiz attempts point to it or to "
    "a page below it. Unpublish it instead."
)


def guard_page_delete(request, page):
    """`before_delete_page` hook. Deleting a page whose subtree holds protected
    records (a quiz with attempts under a course) would end in a server error
    half-way; refuse it up front with a message."""
    if request.method != "POST":
        return None
    collector = Collector(using=router.db_for_write(type(page)))
    try:
        for each in page.get_descendants(inclusive=True).specific():
            collector.collect([each])  # one model at a time
    except (ProtectedError, RestrictedError):
        messages.error(request, ERROR_PAGE_IN_USE)
        return redirect("wagtailadmin_pages:delete", page.pk)
    return None
