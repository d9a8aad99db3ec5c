from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from core.admin_views import admin_urlpatterns, importable_kinds


@hooks.register("register_admin_urls")
def register_import_urls():
    return [
        path(
            "imports/",
            include((admin_urlpatterns(), "core_imports"), namespace="core_imports"),
        )
    ]


@hooks.register("construct_main_menu")
def hide_wagtail_help_menu(request, menu_items):
    # Links to wagtail.org's release notes and guides mean nothing to bank staff.
    menu_items[:] = [item for item in menu_items if item.name != "help"]


class ImportMenuItem(MenuItem):
    def is_shown(self, request):
        return bool(importable_kinds(request.user))


@hooks.register("register_admin_menu_item")
def register_import_menu_item():
    return ImportMenuItem(
        _("Import data"),
        reverse("core_imports:index"),
        icon_name="upload",
        order=900,
    )
