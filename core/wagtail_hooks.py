from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.tables import Column
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy

from core.admin_export import SafeSpreadsheetExportMixin
from core.admin_export_views import admin_urlpatterns as export_admin_urlpatterns
from core.admin_export_views import exportable_kinds
from core.admin_guards import guard_page_delete, guard_page_move
from core.admin_views import admin_urlpatterns, importable_kinds
from core.models import AuditEvent
from core.users import guard_user_bulk_actions

hooks.register("before_bulk_action", guard_user_bulk_actions)
hooks.register("before_move_page", guard_page_move)
hooks.register("before_delete_page", guard_page_delete)


class ReadOnlyPermissionPolicy(ModelPermissionPolicy):
    """Only "view": the audit log is written by the product, never by hand."""

    def user_has_permission(self, user, action):
        return action == "view" and super().user_has_permission(user, action)

    def user_has_permission_for_instance(self, user, action, instance):
        return self.user_has_permission(user, action)


@hooks.register("register_admin_urls")
def register_import_urls():
    return [
        path(
            "imports/",
            include((admin_urlpatterns(), "core_imports"), namespace="core_imports"),
        )
    ]


@hooks.register("register_admin_urls")
def register_export_urls():
    return [
        path(
            "exports/",
            include(
                (export_admin_urlpatterns(), "core_exports"), namespace="core_exports"
            ),
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


class ExportMenuItem(MenuItem):
    def is_shown(self, request):
        return bool(exportable_kinds(request.user))


@hooks.register("register_admin_menu_item")
def register_export_menu_item():
    return ExportMenuItem(
        _("Export data"),
        reverse("core_exports:index"),
        icon_name="download",
        order=901,
    )


class AuditEventIndexView(SafeSpreadsheetExportMixin, generic.IndexView):
    def get_base_queryset(self):
        return super().get_base_queryset().select_related("user")


class AuditEventViewSet(ModelViewSet):
    """HR searches and exports the audit log; nobody edits it."""

    model = AuditEvent
    icon = "history"
    menu_label = _("Audit log")
    menu_order = 950
    add_to_admin_menu = True
    index_view_class = AuditEventIndexView
    list_per_page = 50
    search_fields = ["target_repr", "target_type", "user__username", "user__first_name"]
    list_filter = {"action": ["exact"], "at": ["gte", "lte"], "target_type": ["exact"]}
    list_display = [
        Column("at", label=_("Time")),
        Column("user", label=_("User")),
        Column("action", label=_("Action"), accessor="get_action_display"),
        Column("target_type", label=_("Record type")),
        Column("target_repr", label=_("Record")),
        Column("ip_address", label=_("Address")),
    ]
    list_export = [
        "at",
        "user",
        "action",
        "target_type",
        "target_id",
        "target_repr",
        "detail",
        "ip_address",
    ]
    export_filename = "audit-log"
    form_fields = ["action"]  # required by ModelViewSet; no add/edit permission exists
    inspect_view_enabled = True
    copy_view_enabled = False


register_permission_policy(AuditEvent, ReadOnlyPermissionPolicy(AuditEvent))


@hooks.register("register_admin_viewset")
def register_audit_viewset():
    return AuditEventViewSet("audit_log")
