"""Admin views of the complaint ledger that Wagtail's generic views don't
provide: extending a deadline and recording the approval of a longer one."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET
from django.views.defaults import permission_denied
from django.views.generic import FormView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.log_actions import log

from incentives import ledger_selectors, services
from incentives.forms import (
    ApproveDeadlineForm,
    ExtendDeadlineForm,
    RecordFilterForm,
    TeamLedgerFilterForm,
    add_service_errors,
)
from incentives.models import Complaint, LedgerEntry

LOG_EXTEND = "incentives.extend_deadline"
LOG_APPROVE = "incentives.approve_deadline"
CHANGE_PERMISSION = "incentives.change_complaint"


class ServiceFormMixin:
    """Create/edit through the services; their ValidationErrors go on the form."""

    def form_valid(self, form):
        try:
            return super().form_valid(form)
        except ValidationError as exc:
            add_service_errors(form, exc)
            self.produced_error_code = "validation_error"
            self.produced_error_message = self.get_error_message()
            return self.form_invalid(form)


class ForbiddenMixin:
    """Answer 403 when a permission is missing.

    Wagtail turns PermissionDenied into a redirect to the dashboard with a
    message; complaints hold personal data, so someone without access (a
    trainer) gets a plain 403 instead, and learns nothing about the record.
    """

    def dispatch(self, request, *args, **kwargs):
        try:
            return super().dispatch(request, *args, **kwargs)
        except PermissionDenied as exc:
            return permission_denied(request, exc)


def can_extend(complaint: Complaint) -> bool:
    return complaint.status == Complaint.Status.OPEN and complaint.extended_at is None


def can_approve(complaint: Complaint) -> bool:
    return (
        complaint.status == Complaint.Status.OPEN
        and complaint.extended_at is not None
        and complaint.approved_deadline_at is None
    )


class ComplaintActionView(ForbiddenMixin, WagtailAdminTemplateMixin, FormView):
    """A form about one complaint that HR (change permission) submits."""

    template_name = "incentives/admin/complaint_action.html"
    header_icon = "time"
    submit_label = ""

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.complaint = None

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm(CHANGE_PERMISSION):
            return permission_denied(request, PermissionDenied())
        self.complaint = get_object_or_404(Complaint, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, *args, **kwargs):
        if not self.available(self.complaint):
            messages.warning(request, self.unavailable_message())
            return redirect(self.inspect_url())
        return super().get(request, *args, **kwargs)

    def get_page_subtitle(self):
        return self.complaint.reference_no

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {
                "url": reverse("complaints:index"),
                "label": capfirst(Complaint._meta.verbose_name_plural),
            },
            {"url": self.inspect_url(), "label": self.complaint.reference_no},
            {"url": "", "label": self.get_page_title()},
        ]

    def inspect_url(self) -> str:
        return reverse("complaints:inspect", args=[self.complaint.pk])

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            complaint=self.complaint,
            cancel_url=self.inspect_url(),
            submit_label=self.submit_label,
            **kwargs,
        )

    def form_valid(self, form):
        try:
            self.complaint = self.perform(form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, self.success_message())
        return redirect(self.inspect_url())

    def available(self, complaint: Complaint) -> bool:
        raise NotImplementedError

    def unavailable_message(self) -> str:
        raise NotImplementedError

    def perform(self, data) -> Complaint:
        raise NotImplementedError

    def success_message(self) -> str:
        raise NotImplementedError


class ComplaintExtendView(ComplaintActionView):
    form_class = ExtendDeadlineForm
    page_title = gettext_lazy("Extend the deadline")
    submit_label = gettext_lazy("Extend to 30 days")

    def available(self, complaint: Complaint) -> bool:
        return can_extend(complaint)

    def unavailable_message(self) -> str:
        if self.complaint.status == Complaint.Status.CLOSED:
            return str(services.ERROR_EXTEND_CLOSED)
        return str(services.ERROR_ALREADY_EXTENDED)

    def perform(self, data) -> Complaint:
        complaint = services.complaint_extend(
            complaint=self.complaint, reason=data["reason"], by=self.request.user
        )
        log(instance=complaint, action=LOG_EXTEND, user=self.request.user)
        return complaint

    def success_message(self) -> str:
        return _("The deadline of %(reference)s was extended to 30 days.") % {
            "reference": self.complaint.reference_no
        }


class ComplaintApproveDeadlineView(ComplaintActionView):
    form_class = ApproveDeadlineForm
    page_title = gettext_lazy("Record the approval of a longer deadline")
    submit_label = gettext_lazy("Record the approval")

    def available(self, complaint: Complaint) -> bool:
        return can_approve(complaint)

    def unavailable_message(self) -> str:
        if self.complaint.status == Complaint.Status.CLOSED:
            return str(services.ERROR_APPROVE_CLOSED)
        if self.complaint.approved_deadline_at is not None:
            return str(services.ERROR_ALREADY_APPROVED)
        return str(services.ERROR_APPROVAL_NEEDS_EXTENSION)

    def perform(self, data) -> Complaint:
        complaint = services.complaint_approve_longer_deadline(
            complaint=self.complaint,
            deadline_at=data["deadline_at"],
            note=data["note"],
            reference=data["reference"],
            by=self.request.user,
        )
        log(instance=complaint, action=LOG_APPROVE, user=self.request.user)
        return complaint

    def success_message(self) -> str:
        return _("The approved deadline of %(reference)s was recorded.") % {
            "reference": self.complaint.reference_no
        }


# --- the reward/penalty ledger on the learner site -----------------------------------
# "My record" shows a learner's approved entries (they count) and pending ones
# (marked as awaiting HR's review, not counted in the totals); rejected entries
# never took effect and are not shown. Someone else's entry answers 404.

RECORD_PAGE_PERIODS = 12
TEAM_PAGE_SIZE = 50


def _own_staff(request):
    from org.selectors import staff_get_for_user

    staff = staff_get_for_user(request.user)
    if staff is None:
        raise Http404
    return staff


@require_GET
def record(request):
    staff = _own_staff(request)
    periods = ledger_selectors.record_periods(staff=staff)
    form = RecordFilterForm(request.GET or None, periods=periods)
    period = form.cleaned_data["period"] if form.is_bound and form.is_valid() else ""
    blocks = ledger_selectors.record_blocks(staff=staff, period=period)
    entries = [entry for block in blocks for entry in block.entries]
    ledger_selectors.attach_evidence(entries)
    approved = ledger_selectors.Totals()
    for block in blocks:
        approved.points += block.approved.points
        approved.amount += block.approved.amount
        approved.count += block.approved.count
    return render(
        request,
        "incentives/record.html",
        {
            "staff": staff,
            "form": form,
            "blocks": blocks,
            "approved": approved,
            "period": period,
        },
    )


@require_GET
def record_entry(request, pk: int):
    staff = _own_staff(request)
    try:
        entry = ledger_selectors.record_get(staff=staff, pk=pk)
    except LedgerEntry.DoesNotExist:
        raise Http404 from None
    ledger_selectors.attach_evidence([entry])
    return render(request, "incentives/record_entry.html", {"entry": entry})


@require_GET
def team_totals(request):
    """Approved totals by person and period for the manager's subtree (HR: all)."""
    from training.selectors import team_scope_get

    scope = team_scope_get(request.user)
    base = None if scope.everyone else scope.department
    form = TeamLedgerFilterForm(
        request.GET or None,
        scope=scope,
        periods=ledger_selectors.team_periods(department=base),
    )
    department, period = base, ""
    if form.is_bound:
        if not form.is_valid():
            # A department outside the viewer's subtree is not shown to exist.
            if "department" in form.errors:
                raise Http404
        else:
            department = form.cleaned_data["department"] or base
            period = form.cleaned_data["period"]
    rows = ledger_selectors.team_totals(department=department, period=period)
    page = Paginator(rows, TEAM_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "incentives/record_team.html",
        {
            "scope": scope,
            "form": form,
            "page": page,
            "summary": ledger_selectors.ledger_totals(
                ledger_selectors.ledger_entry_list(
                    department=department,
                    period=period,
                    status=LedgerEntry.Status.APPROVED,
                )
            ),
            "chart": chart_bars(list(page.object_list)),
            "query": query.urlencode(),
        },
    )


def chart_bars(rows, *, key: str = "points") -> list[dict]:
    """Bar widths (percent of the largest magnitude) for a server-drawn chart."""
    largest = max((abs(row[key] or 0) for row in rows), default=0)
    bars = []
    for row in rows:
        value = row[key] or 0
        width = round(100 * abs(value) / largest) if largest else 0
        bars.append(
            {
                **row,
                "amount": ledger_selectors.money(row["amount"]),
                "width": width,
                "negative": value < 0,
            }
        )
    return bars
