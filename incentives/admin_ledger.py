"""HR's reward/penalty ledger in the Wagtail admin.

The ledger is append-only, so there is no edit or delete view (nor URL) at all:
HR lists and filters entries, reads one in full, approves or rejects pending
entries (singly, or in bulk after a confirmation page that lists what will
change), reverses an approved one, posts a manual adjustment, prints one
person's statement and sees totals by department and period. Every write goes
through incentives.services.ledger; its maker-checker refusals are shown as
they are.
"""

from __future__ import annotations

import django_filters
from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.defaults import permission_denied
from django.views.generic import FormView, TemplateView
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.tables import Column, TitleColumn
from wagtail.admin.views import generic
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.viewsets.base import ViewSet
from wagtail.admin.widgets.button import Button

from core.audit import audit_export
from incentives import ledger_selectors
from incentives.exports import HEADER, ledger_download
from incentives.forms import (
    LedgerAdjustmentForm,
    LedgerBulkForm,
    LedgerReasonForm,
    RecordFilterForm,
    add_service_errors,
)
from incentives.models import EntryKind, IncentiveRule, LedgerEntry
from incentives.services import ledger as ledger_services
from incentives.views import ForbiddenMixin
from org.forms import DepartmentChoiceField
from org.models import Department, StaffProfile

VIEW_PERMISSION = "incentives.view_ledgerentry"
REVIEW_PERMISSION = "incentives.change_ledgerentry"  # approve / reject
POST_PERMISSION = "incentives.add_ledgerentry"  # adjustments and reversals

LIST_PER_PAGE = 50
STATEMENT_PERIODS = 24


def _messages_of(error: ValidationError) -> list[str]:
    return [str(m) for m in error.messages]


# --- listing -----------------------------------------------------------------------


class StaffSubtreeFilter(django_filters.ModelChoiceFilter):
    """Entries of staff in a department and every unit under it."""

    field_class = DepartmentChoiceField

    def filter(self, qs, value):
        if value is None:
            return qs
        return qs.filter(staff__department__path__startswith=value.path)


class LedgerFilterSet(WagtailFilterSet):
    period = django_filters.ChoiceFilter(label=gettext_lazy("Period"), choices=list)
    department = StaffSubtreeFilter(
        queryset=Department.objects.order_by("path"),
        label=gettext_lazy("Department (with sub-units)"),
    )
    kind = django_filters.ChoiceFilter(
        label=gettext_lazy("Kind"), choices=EntryKind.choices
    )
    status = django_filters.ChoiceFilter(
        label=gettext_lazy("Status"), choices=LedgerEntry.Status.choices
    )
    rule = django_filters.ModelChoiceFilter(
        label=gettext_lazy("Rule"),
        queryset=IncentiveRule.objects.order_by("code"),
        field_name="rule_version__rule",
    )

    class Meta:
        model = LedgerEntry
        fields = ["period", "department", "kind", "status", "rule"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["period"].extra["choices"] = [
            (p, p) for p in ledger_selectors.ledger_periods()
        ]


class SelectColumn(Column):
    """A tick box for the bulk review form (pending entries only)."""

    cell_template_name = "incentives/admin/ledger_select_cell.html"

    def __init__(self):
        super().__init__("select", label="")


class SignedColumn(Column):
    def get_value(self, instance):
        value = super().get_value(instance)
        return f"{value:+d}" if isinstance(value, int) else value


class StaffColumn(Column):
    cell_template_name = "incentives/admin/ledger_staff_cell.html"


class LedgerIndexView(ForbiddenMixin, generic.IndexView):
    model = LedgerEntry
    template_name = "incentives/admin/ledger_index.html"
    results_template_name = "incentives/admin/ledger_index_results.html"
    index_url_name = "ledger:index"
    index_results_url_name = "ledger:index_results"
    inspect_url_name = "ledger:inspect"
    any_permission_required = ["view"]
    filterset_class = LedgerFilterSet
    search_fields = ["staff__employee_no", "staff__name"]
    paginate_by = LIST_PER_PAGE
    default_ordering = "-pk"
    page_title = gettext_lazy("Reward/penalty ledger")
    header_icon = "list-ul"
    export_filename = "ledger"
    list_export = HEADER

    @cached_property
    def columns(self):
        return [
            SelectColumn(),
            TitleColumn(
                "pk",
                label=gettext_lazy("Entry"),
                accessor=lambda entry: f"#{entry.pk}",
                get_url=lambda entry: reverse("ledger:inspect", args=[entry.pk]),
                sort_key="pk",
            ),
            StaffColumn("staff", label=gettext_lazy("Staff member")),
            Column("period", label=gettext_lazy("Period"), sort_key="period"),
            Column("kind", label=gettext_lazy("Kind"), accessor="get_kind_display"),
            SignedColumn("points", label=gettext_lazy("Points"), sort_key="points"),
            Column("amount", label=gettext_lazy("Amount (CNY)"), sort_key="amount"),
            Column(
                "rule",
                label=gettext_lazy("Rule"),
                accessor=lambda e: (
                    e.rule_version.rule.code if e.rule_version_id else _("manual")
                ),
            ),
            Column(
                "status", label=gettext_lazy("Status"), accessor="get_status_display"
            ),
            Column("reason", label=gettext_lazy("Reason")),
        ]

    def get_base_queryset(self):
        return ledger_selectors.ledger_entry_list()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["totals"] = ledger_selectors.ledger_totals(self.object_list)
        context["can_review"] = self.request.user.has_perm(REVIEW_PERMISSION)
        return context

    @cached_property
    def header_more_buttons(self):
        buttons = list(super().header_more_buttons)
        buttons.append(
            Button(
                _("Pending entries"),
                url=reverse("ledger:index") + "?status=pending",
                icon_name="time",
                priority=10,
            )
        )
        buttons.append(
            Button(
                _("Totals by department"),
                url=reverse("ledger:totals"),
                icon_name="table",
                priority=20,
            )
        )
        if self.request.user.has_perm(POST_PERMISSION):
            buttons.append(
                Button(
                    _("Manual adjustment"),
                    url=reverse("ledger:adjust"),
                    icon_name="plus",
                    priority=30,
                )
            )
        return buttons

    def as_spreadsheet(self, queryset, spreadsheet_format):
        """The export_data columns, streamed; audited like every export."""
        audit_export(
            request=self.request,
            kind="incentives.ledgerentry",
            fmt=spreadsheet_format,
            filters={k: v for k, v in self.request.GET.items() if k != "export"},
        )
        return ledger_download(queryset, spreadsheet_format)


# --- shared pieces of the other admin views ------------------------------------------


class LedgerAdminMixin(ForbiddenMixin, WagtailAdminTemplateMixin):
    """Permission check (403 for staff tools without it) and breadcrumbs."""

    permission_required = VIEW_PERMISSION
    header_icon = "list-ul"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm(self.permission_required):
            return permission_denied(request, PermissionDenied())
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse("ledger:index"), "label": _("Reward/penalty ledger")},
            {"url": "", "label": self.get_page_title()},
        ]


class EntryMixin(LedgerAdminMixin):
    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self._entry = None

    @property
    def entry(self) -> LedgerEntry:
        if self._entry is None:
            try:
                self._entry = ledger_selectors.ledger_entry_get(self.kwargs["pk"])
            except LedgerEntry.DoesNotExist:
                raise Http404 from None
        return self._entry

    def entry_url(self) -> str:
        return reverse("ledger:inspect", args=[self.entry.pk])

    def get_page_subtitle(self):
        return f"#{self.entry.pk}"


def reversal_chain(entry: LedgerEntry) -> list[LedgerEntry]:
    """The entries linked to `entry` by reversals, oldest first (short chains)."""
    chain = [entry]
    current = entry
    while current.reversal_of_id:
        current = LedgerEntry.objects.select_related("staff").get(
            pk=current.reversal_of_id
        )
        chain.insert(0, current)
    current = entry
    while True:
        following = (
            LedgerEntry.objects.select_related("staff")
            .filter(reversal_of=current)
            .first()
        )
        if following is None:
            break
        chain.append(following)
        current = following
    return chain if len(chain) > 1 else []


class LedgerEntryView(EntryMixin, TemplateView):
    template_name = "incentives/admin/ledger_entry.html"
    page_title = gettext_lazy("Ledger entry")

    def get_context_data(self, **kwargs):
        entry = self.entry
        ledger_selectors.attach_evidence([entry], for_admin=True)
        user = self.request.user
        makers = {entry.created_by_id}
        if entry.evaluation_run_id:
            makers.add(entry.evaluation_run.started_by_id)
        is_pending = entry.status == LedgerEntry.Status.PENDING
        return super().get_context_data(
            entry=entry,
            chain=reversal_chain(entry),
            can_review=is_pending and user.has_perm(REVIEW_PERMISSION),
            can_reverse=(
                entry.status == LedgerEntry.Status.APPROVED
                and not hasattr(entry, "_reversed")
                and not LedgerEntry.objects.filter(reversal_of=entry).exists()
                and user.has_perm(POST_PERMISSION)
            ),
            is_maker=is_pending
            and ledger_services.four_eyes()
            and (user.pk in makers or entry.staff.user_id == user.pk),
            **kwargs,
        )


class LedgerApproveView(EntryMixin, TemplateView):
    """POST only: the entry page is the confirmation."""

    permission_required = REVIEW_PERMISSION
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        try:
            ledger_services.entry_approve(entry=self.entry, by=request.user)
        except ValidationError as exc:
            for message in _messages_of(exc):
                messages.error(request, message)
        else:
            messages.success(
                request, _("Entry #%(id)s approved.") % {"id": self.entry.pk}
            )
        return redirect(self.entry_url())


class EntryFormView(EntryMixin, FormView):
    template_name = "incentives/admin/ledger_form.html"
    form_class = LedgerReasonForm
    submit_label = ""
    explanation = ""

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            entry=self.entry,
            submit_label=self.submit_label,
            explanation=self.get_explanation(),
            cancel_url=self.entry_url(),
            **kwargs,
        )

    def get_explanation(self) -> str:
        return ""

    def form_valid(self, form):
        try:
            self.perform(form.cleaned_data["reason"])
        except ValidationError as exc:
            form.add_error(None, _messages_of(exc))
            return self.form_invalid(form)
        messages.success(self.request, self.success_message())
        return redirect(self.success_url_for())

    def success_url_for(self) -> str:
        return self.entry_url()


class LedgerRejectView(EntryFormView):
    permission_required = REVIEW_PERMISSION
    page_title = gettext_lazy("Reject the entry")
    submit_label = gettext_lazy("Reject")

    def get_explanation(self):
        return _("The entry will be rejected and will never count. Say why.")

    def perform(self, reason):
        ledger_services.entry_reject(
            entry=self.entry, by=self.request.user, reason=reason
        )

    def success_message(self):
        return _("Entry #%(id)s rejected.") % {"id": self.entry.pk}


class LedgerReverseView(EntryFormView):
    permission_required = POST_PERMISSION
    page_title = gettext_lazy("Reverse the entry")
    submit_label = gettext_lazy("Post the reversal")

    def get_explanation(self):
        return _(
            "A reversal entry of %(points)+d points and %(amount)s CNY will be "
            "posted for %(name)s in %(period)s, pending review by another person. "
            "The original entry stays as it is."
        ) % {
            "points": -self.entry.points,
            "amount": -self.entry.amount,
            "name": self.entry.staff.name,
            "period": self.entry.period,
        }

    def perform(self, reason):
        self.reversal = ledger_services.entry_reverse(
            entry=self.entry, by=self.request.user, reason=reason
        )

    def success_message(self):
        return _("Reversal #%(id)s posted; another person must approve it.") % {
            "id": self.reversal.pk
        }

    def success_url_for(self):
        return reverse("ledger:inspect", args=[self.reversal.pk])


class LedgerBulkView(LedgerAdminMixin, TemplateView):
    """Step 1 (ticked in the listing): a page listing what will change.
    Step 2 (confirmed there): approve or reject every listed entry, or none."""

    permission_required = REVIEW_PERMISSION
    template_name = "incentives/admin/ledger_bulk_confirm.html"
    page_title = gettext_lazy("Confirm the review")
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        action = request.POST.get("action")
        if action not in (LedgerBulkForm.APPROVE, LedgerBulkForm.REJECT):
            raise Http404
        ids = [int(pk) for pk in request.POST.getlist("entry") if pk.isdigit()]
        if not ids:
            messages.error(request, str(ledger_services.ERROR_NOTHING_SELECTED))
            return redirect(reverse("ledger:index") + "?status=pending")
        entries = list(ledger_selectors.ledger_entry_list().filter(pk__in=ids))
        pending = [e for e in entries if e.status == LedgerEntry.Status.PENDING]
        skipped = [e for e in entries if e.status != LedgerEntry.Status.PENDING]
        form = LedgerBulkForm(
            request.POST if request.POST.get("confirm") == "1" else None,
            initial={"action": action, "entry": [e.pk for e in pending]},
        )
        if form.is_bound and form.is_valid():
            ids = [e.pk for e in form.cleaned_data["entry"]]
            try:
                if action == LedgerBulkForm.APPROVE:
                    report = ledger_services.entries_approve_many(ids, by=request.user)
                    message = _("%(count)d entries approved.")
                else:
                    report = ledger_services.entries_reject_many(
                        ids, by=request.user, reason=form.cleaned_data["reason"]
                    )
                    message = _("%(count)d entries rejected.")
            except ValidationError as exc:
                form.add_error(None, _messages_of(exc))
            else:
                messages.success(request, message % {"count": report.count})
                return redirect(reverse("ledger:index") + "?status=pending")
        return self.render_to_response(
            self.get_context_data(
                form=form,
                action=action,
                is_reject=action == LedgerBulkForm.REJECT,
                pending=pending,
                skipped=skipped,
                totals=_sum(pending),
            )
        )


def _sum(entries) -> ledger_selectors.Totals:
    totals = ledger_selectors.Totals()
    for entry in entries:
        totals.points += entry.points
        totals.amount += entry.amount
        totals.count += 1
    return totals


class LedgerAdjustView(LedgerAdminMixin, FormView):
    permission_required = POST_PERMISSION
    template_name = "incentives/admin/ledger_form.html"
    form_class = LedgerAdjustmentForm
    page_title = gettext_lazy("Manual adjustment")

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            submit_label=_("Post the adjustment"),
            explanation=_(
                "The adjustment is posted as a pending entry; another HR member "
                "approves it."
            ),
            cancel_url=reverse("ledger:index"),
            **kwargs,
        )

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            entry = ledger_services.adjustment_create(
                staff=data["employee_no"],
                kind=data["kind"],
                points=data["points"],
                amount=data["amount"],
                period=data["period"],
                reason=data["reason"],
                by=self.request.user,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("Adjustment #%(id)s posted; another person must approve it.")
            % {"id": entry.pk},
        )
        return redirect(reverse("ledger:inspect", args=[entry.pk]))


class LedgerStatementView(LedgerAdminMixin, TemplateView):
    """All entries of one staff member by period, with totals."""

    template_name = "incentives/admin/ledger_statement.html"
    page_title = gettext_lazy("Statement")

    def get_context_data(self, **kwargs):
        staff = get_object_or_404(
            StaffProfile.objects.select_related("department"),
            employee_no=self.kwargs["employee_no"],
        )
        periods = list(
            LedgerEntry.objects.filter(staff=staff)
            .order_by("-period")
            .values_list("period", flat=True)
            .distinct()[:STATEMENT_PERIODS]
        )
        form = RecordFilterForm(self.request.GET or None, periods=periods)
        period = (
            form.cleaned_data["period"] if form.is_bound and form.is_valid() else ""
        )
        blocks, approved = ledger_selectors.staff_statement(staff=staff, period=period)
        return super().get_context_data(
            staff=staff, form=form, blocks=blocks, approved=approved, **kwargs
        )

    def get_page_subtitle(self):
        return self.kwargs["employee_no"]


class TotalsFilterForm(forms.Form):
    department = DepartmentChoiceField(
        queryset=Department.objects.order_by("path"),
        required=False,
        label=gettext_lazy("Department"),
    )
    period = forms.ChoiceField(required=False, label=gettext_lazy("Period"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["period"].choices = [("", _("All periods"))] + [
            (p, p) for p in ledger_selectors.ledger_periods()
        ]


CHART_WIDTH = 600
CHART_BAR = 22


class LedgerTotalsView(LedgerAdminMixin, TemplateView):
    """Approved totals of each unit (with its sub-units) by period, and a bar chart."""

    template_name = "incentives/admin/ledger_totals.html"
    page_title = gettext_lazy("Totals by department and period")

    def get_context_data(self, **kwargs):
        form = TotalsFilterForm(self.request.GET or None)
        parent, period = None, ""
        if form.is_bound and form.is_valid():
            parent = form.cleaned_data["department"]
            period = form.cleaned_data["period"]
        units, periods = ledger_selectors.department_period_totals(
            parent=parent, period=period
        )
        largest = max((abs(u.total.amount) for u in units), default=0) or 1
        half = CHART_WIDTH // 2
        bars = []
        for index, unit in enumerate(units):
            width = int(half * abs(unit.total.amount) / largest)
            negative = unit.total.amount < 0
            bars.append(
                {
                    "unit": unit,
                    "y": index * (CHART_BAR + 8),
                    "x": half - width if negative else half,
                    "width": width,
                    "negative": negative,
                }
            )
        rows = [
            {
                "unit": unit,
                "cells": [unit.by_period.get(p) for p in periods],
            }
            for unit in units
        ]
        return super().get_context_data(
            form=form,
            periods=periods,
            rows=rows,
            bars=bars,
            chart_width=CHART_WIDTH,
            chart_half=CHART_WIDTH // 2,
            chart_height=max(len(bars), 1) * (CHART_BAR + 8),
            chart_bar=CHART_BAR,
            **kwargs,
        )


# --- registration --------------------------------------------------------------------


class LedgerMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.has_perm(VIEW_PERMISSION)


class LedgerViewSet(ViewSet):
    """No add, edit or delete URL exists: the ledger is append-only."""

    add_to_admin_menu = True
    menu_label = gettext_lazy("Reward/penalty ledger")
    icon = "list-ul"
    menu_order = 310

    @cached_property
    def menu_item_class(self):
        return LedgerMenuItem

    @property
    def menu_url(self):
        return reverse("ledger:index")

    def get_urlpatterns(self):
        return [
            path("", LedgerIndexView.as_view(), name="index"),
            path(
                "results/",
                LedgerIndexView.as_view(results_only=True),
                name="index_results",
            ),
            path("<int:pk>/", LedgerEntryView.as_view(), name="inspect"),
            path("<int:pk>/approve/", LedgerApproveView.as_view(), name="approve"),
            path("<int:pk>/reject/", LedgerRejectView.as_view(), name="reject"),
            path("<int:pk>/reverse/", LedgerReverseView.as_view(), name="reverse"),
            path("review/", LedgerBulkView.as_view(), name="bulk"),
            path("adjust/", LedgerAdjustView.as_view(), name="adjust"),
            path(
                "statement/<str:employee_no>/",
                LedgerStatementView.as_view(),
                name="statement",
            ),
            path("totals/", LedgerTotalsView.as_view(), name="totals"),
        ]
