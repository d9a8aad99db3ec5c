"""Permission checks that Wagtail's admin leaves to a later step, made up front.

Registered in core/wagtail_hooks.py; the permission matrix
(tests/core/test_url_matrix.py) shows each one.
"""

from django.core.exceptions import PermissionDenied


def guard_page_move(request, page_to_move, destination):
    """`before_move_page` hook. Wagtail's move confirmation page checks the
    permission only when the move is posted; whoever may not move the page (HR,
    a trainer without publish rights) should not get the confirmation either."""
    if not page_to_move.permissions_for_user(request.user).can_move_to(destination):
        raise PermissionDenied
