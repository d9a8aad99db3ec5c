"""HR's complaint ledger in the Wagtail admin."""

from __future__ import annotations

import datetime as dt

from django.http import Http404
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail import hooks
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel, ObjectList
from wagtail.admin.ui.tables import Column, StatusFlagColumn, TitleColumn
from wagtail.admin.views import generic
from wagtail.admin.views.generic.history import HistoryView
from wagtail.admin.views.generic.usage import UsageView
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup
from wagtail.admin.widgets.button import Button
from wagtail.log_actions import log
from wagtail.permissions import register_permission_policy

from core.admin_export import SafeSpreadsheetExportMixin
from core.admin_views import import_url
from core.imports import registry
from incentives import selectors, services
from incentives.filters import ComplaintFilterSet
from incentives.forms import ComplaintForm
from incentives.models import Complaint
from incentives.views import (
    LOG_APPROVE,
    LOG_EXTEND,
    ComplaintApproveDeadlineView,
    ComplaintExtendView,
    ForbiddenMixin,
    ServiceFormMixin,
    can_approve,
    can_extend,
)
from org.wagtail_hooks import NoDeletePermissionPolicy

VIEW_LOG_PERMISSION = "incentives.view_complaintviewlog"
VIEW_LOG_LIMIT = 100

# Complaints are records of what happened: never deleted.
register_permission_policy(Complaint, NoDeletePermissionPolicy(Complaint))


def _local(value: dt.datetime) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")


def _user_label(user) -> str | None:
    if user is None:
        return None
    name = user.get_full_name()
    return f"{name} ({user.get_username()})" if name else user.get_username()


def _complaint_or_404(pk) -> Complaint:
    try:
        return selectors.complaint_get(pk)
    except (Complaint.DoesNotExist, ValueError):
        raise Http404 from None


class LocalTimeColumn(Column):
    """A date-time as a bank clerk writes it (2026-10-03 09:12, local time);
    Wagtail's DateColumn says "just now" for every deadline still ahead."""

    def get_value(self, instance):
        value = super().get_value(instance)
        return _local(value) if value else ""


class ComplaintCreateView(ForbiddenMixin, ServiceFormMixin, generic.CreateView):
    def save_instance(self):
        complaint = services.complaint_create(**self.form.service_kwargs())
        log(instance=complaint, action="wagtail.create", user=self.request.user)
        return complaint


class ComplaintEditView(ForbiddenMixin, ServiceFormMixin, generic.EditView):
    def get_object(self, queryset=None):
        return _complaint_or_404(self.kwargs[self.pk_url_kwarg])

    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        # The edit form shows the whole complaint: that is a view too.
        services.complaint_view_log(complaint=self.object, user=request.user)
        return response

    def save_instance(self):
        kwargs = self.form.service_kwargs()
        kwargs.pop("reference_no", None)
        complaint = services.complaint_update(complaint=self.object, **kwargs)
        log(instance=complaint, action="wagtail.edit", user=self.request.user)
        return complaint


class ComplaintIndexView(ForbiddenMixin, SafeSpreadsheetExportMixin, generic.IndexView):
    def get_base_queryset(self):
        return selectors.complaint_list()

    @cached_property
    def header_more_buttons(self):
        buttons = list(super().header_more_buttons)
        buttons.append(
            Button(
                _("Overdue complaints"),
                url=reverse("complaints:index") + "?overdue=true",
                icon_name="warning",
                priority=10,
            )
        )
        kind = registry.get_kind("complaints")
        if kind.user_can_import(self.request.user):
            buttons.append(
                Button(
                    _("Import complaints"),
                    url=import_url("complaints"),
                    icon_name="upload",
                    priority=20,
                )
            )
        return buttons


class ComplaintInspectView(ForbiddenMixin, generic.InspectView):
    """The complaint in full. Every opening is logged (who, when); HR sees the log."""

    template_name = "incentives/admin/complaint_inspect.html"

    def get_object(self, queryset=None):
        return _complaint_or_404(self.pk)

    def get(self, request, *args, **kwargs):
        services.complaint_view_log(complaint=self.object, user=request.user)
        return super().get(request, *args, **kwargs)

    def get_field_label(self, field_name, field):
        if field_name == "is_overdue":
            return _("Overdue")
        return super().get_field_label(field_name, field)

    def get_is_overdue_display_value(self):
        return _("Yes") if self.object.is_overdue else _("No")

    def get_extended_by_display_value(self):
        return _user_label(self.object.extended_by)

    def get_approved_by_display_value(self):
        return _user_label(self.object.approved_by)

    def get_field_display_value(self, field_name, field):
        value = super().get_field_display_value(field_name, field)
        if value is None or value == "":
            return "—"
        if isinstance(value, bool):
            return _("Yes") if value else _("No")
        if isinstance(value, dt.datetime):
            return _local(value)
        return value

    @cached_property
    def header_more_buttons(self):
        buttons = list(super().header_more_buttons)
        if self.request.user.has_perm("incentives.change_complaint"):
            if can_extend(self.object):
                buttons.append(
                    Button(
                        _("Extend the deadline"),
                        url=reverse("complaints:extend", args=[self.object.pk]),
                        icon_name="time",
                        priority=30,
                    )
                )
            if can_approve(self.object):
                buttons.append(
                    Button(
                        _("Record the approval of a longer deadline"),
                        url=reverse(
                            "complaints:approve_deadline", args=[self.object.pk]
                        ),
                        icon_name="tick",
                        priority=40,
                    )
                )
        return buttons

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_see_view_log"] = self.request.user.has_perm(VIEW_LOG_PERMISSION)
        if context["can_see_view_log"]:
            context["view_log"] = list(
                selectors.complaint_view_log_list(self.object)[:VIEW_LOG_LIMIT]
            )
        return context


class ComplaintDeleteView(ForbiddenMixin, generic.DeleteView):
    """Never allowed (NoDeletePermissionPolicy); answers 403."""


class ComplaintHistoryView(ForbiddenMixin, HistoryView):
    pass


class ComplaintUsageView(ForbiddenMixin, UsageView):
    pass


class ComplaintViewSet(ModelViewSet):
    model = Complaint
    icon = "warning"
    menu_label = gettext_lazy("Complaints")
    index_view_class = ComplaintIndexView
    add_view_class = ComplaintCreateView
    edit_view_class = ComplaintEditView
    inspect_view_class = ComplaintInspectView
    delete_view_class = ComplaintDeleteView
    history_view_class = ComplaintHistoryView
    usage_view_class = ComplaintUsageView
    inspect_view_enabled = True
    inspect_view_fields = [
        "reference_no",
        "received_at",
        "channel",
        "category",
        "department",
        "responsible_staff",
        "handler",
        "status",
        "deadline_at",
        "is_overdue",
        "resolved_at",
        "outcome",
        "staff_at_fault",
        "customer_satisfied",
        "escalated",
        "topic",
        "law_article",
        "summary",
        "extended_at",
        "extension_reason",
        "extended_by",
        "approved_deadline_at",
        "approval_reference",
        "approval_note",
        "approved_by",
        "approved_at",
    ]
    copy_view_enabled = False
    edit_handler = ObjectList(
        [
            MultiFieldPanel(
                [
                    FieldRowPanel(
                        [FieldPanel("reference_no"), FieldPanel("received_at")]
                    ),
                    FieldRowPanel([FieldPanel("channel"), FieldPanel("category")]),
                    FieldPanel("department"),
                    FieldRowPanel(
                        [
                            FieldPanel("responsible_employee_no"),
                            FieldPanel("handler_employee_no"),
                        ]
                    ),
                    FieldPanel("summary"),
                ],
                heading=gettext_lazy("The complaint"),
            ),
            MultiFieldPanel(
                [
                    FieldRowPanel([FieldPanel("status"), FieldPanel("resolved_at")]),
                    FieldPanel("outcome"),
                    FieldRowPanel(
                        [
                            FieldPanel("staff_at_fault"),
                            FieldPanel("customer_satisfied"),
                            FieldPanel("escalated"),
                        ]
                    ),
                ],
                heading=gettext_lazy("Handling and outcome"),
            ),
            MultiFieldPanel(
                [FieldPanel("topic"), FieldPanel("law_article")],
                heading=gettext_lazy("Retraining"),
            ),
        ],
        base_form_class=ComplaintForm,
    )
    list_per_page = 50
    ordering = ["-received_at", "-pk"]
    search_fields = ["reference_no", "summary"]
    filterset_class = ComplaintFilterSet
    list_display = [
        TitleColumn(
            "reference_no",
            label=gettext_lazy("Reference number"),
            url_name="complaints:inspect",
            sort_key="reference_no",
        ),
        LocalTimeColumn(
            "received_at", label=gettext_lazy("Received"), sort_key="received_at"
        ),
        Column(
            "channel", label=gettext_lazy("Channel"), accessor="get_channel_display"
        ),
        Column("department", label=gettext_lazy("Department")),
        Column("responsible_staff", label=gettext_lazy("Responsible")),
        Column("status", label=gettext_lazy("Status"), accessor="get_status_display"),
        LocalTimeColumn(
            "deadline_at", label=gettext_lazy("Deadline"), sort_key="deadline_at"
        ),
        StatusFlagColumn(
            "is_overdue",
            label=gettext_lazy("Overdue"),
            true_label=gettext_lazy("Overdue"),
        ),
        Column(
            "outcome", label=gettext_lazy("Outcome"), accessor="get_outcome_display"
        ),
    ]
    list_export = [
        "reference_no",
        "received_at",
        "get_channel_display",
        "category",
        "department.code",
        "department.name",
        "responsible_staff.employee_no",
        "responsible_staff.name",
        "handler.employee_no",
        "get_status_display",
        "deadline_at",
        "is_overdue",
        "resolved_at",
        "get_outcome_display",
        "staff_at_fault",
        "customer_satisfied",
        "escalated",
        "get_topic_display",
        "law_article",
        "extension_reason",
        "approval_note",
        "summary",
    ]
    export_headings = {
        "reference_no": gettext_lazy("Reference number"),
        "received_at": gettext_lazy("Received"),
        "get_channel_display": gettext_lazy("Channel"),
        "category": gettext_lazy("Category"),
        "department.code": gettext_lazy("Department code"),
        "department.name": gettext_lazy("Department"),
        "responsible_staff.employee_no": gettext_lazy("Responsible employee number"),
        "responsible_staff.name": gettext_lazy("Responsible"),
        "handler.employee_no": gettext_lazy("Handler employee number"),
        "get_status_display": gettext_lazy("Status"),
        "deadline_at": gettext_lazy("Deadline"),
        "is_overdue": gettext_lazy("Overdue"),
        "resolved_at": gettext_lazy("Resolved"),
        "get_outcome_display": gettext_lazy("Outcome"),
        "staff_at_fault": gettext_lazy("Staff at fault"),
        "customer_satisfied": gettext_lazy("Customer satisfied"),
        "escalated": gettext_lazy("Escalated"),
        "get_topic_display": gettext_lazy("Topic"),
        "law_article": gettext_lazy("Law article"),
        "extension_reason": gettext_lazy("Reason for the extension"),
        "approval_note": gettext_lazy("Approval"),
        "summary": gettext_lazy("Summary"),
    }
    export_filename = "complaints"

    def get_urlpatterns(self):
        return [
            *super().get_urlpatterns(),
            path("extend/<int:pk>/", ComplaintExtendView.as_view(), name="extend"),
            path(
                "approve-deadline/<int:pk>/",
                ComplaintApproveDeadlineView.as_view(),
                name="approve_deadline",
            ),
        ]


class IncentivesGroup(ModelViewSetGroup):
    menu_label = gettext_lazy("Incentives")
    menu_icon = "pick"
    menu_order = 300
    items = (ComplaintViewSet("complaints"),)


@hooks.register("register_admin_viewset")
def register_incentives_viewsets():
    return IncentivesGroup()


@hooks.register("register_log_actions")
def register_complaint_log_actions(actions):
    actions.register_action(
        LOG_EXTEND, gettext_lazy("Extend deadline"), gettext_lazy("Deadline extended")
    )
    actions.register_action(
        LOG_APPROVE,
        gettext_lazy("Approve longer deadline"),
        gettext_lazy("Longer deadline approved"),
    )


# --- rules and evaluation (ledger-core)
from incentives.admin_evaluation import EvaluationViewSet  # noqa: E402
from incentives.admin_rules import RuleViewSet  # noqa: E402

IncentivesGroup.items = (
    *IncentivesGroup.items,
    RuleViewSet("incentive_rules"),
    EvaluationViewSet("incentive_evaluation"),
)


# --- ledger (ledger-ui)
from incentives.admin_ledger import LedgerViewSet  # noqa: E402

IncentivesGroup.items = (*IncentivesGroup.items, LedgerViewSet("ledger"))
