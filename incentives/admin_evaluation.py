"""HR's "Evaluate a period" in the Wagtail admin: give a period, see the dry
run (what would be posted, nothing written), then confirm to run the
evaluation as a background job and follow its progress and result."""

from __future__ import annotations

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.translation import gettext_lazy
from django.views.defaults import permission_denied
from django.views.generic import View
from wagtail.admin.menu import MenuItem
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.viewsets.base import ViewSet

from core.jobs import job_progress
from core.models import Job
from incentives.models import EvaluationRun
from incentives.periods import period_normalise, period_previous_month
from incentives.services import evaluation
from incentives.views import ForbiddenMixin
from org.models import StaffProfile

EVALUATE_PERMISSION = "incentives.add_evaluationrun"
PREVIEW_ROWS = 500


class PeriodForm(forms.Form):
    period = forms.CharField(
        label=gettext_lazy("Period"),
        max_length=7,
        help_text=gettext_lazy("A month such as 2026-11 or a quarter such as 2026-Q4."),
    )

    def clean_period(self):
        return period_normalise(self.cleaned_data["period"])


class EvaluatePermissionMixin(ForbiddenMixin):
    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm(EVALUATE_PERMISSION):
            return permission_denied(request, PermissionDenied())
        return super().dispatch(request, *args, **kwargs)


class EvaluateView(EvaluatePermissionMixin, WagtailAdminTemplateMixin, View):
    """GET: the period form. POST preview: the dry run. POST confirm: queue it."""

    template_name = "incentives/admin/evaluate.html"
    page_title = gettext_lazy("Evaluate a period")
    header_icon = "pick"

    def get(self, request):
        form = PeriodForm(initial={"period": period_previous_month()})
        return self.render_to_response(self.get_context_data(form=form))

    def post(self, request):
        form = PeriodForm(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        period = form.cleaned_data["period"]
        if "confirm" in request.POST:
            job = evaluation.evaluation_job_create(period=period, by=request.user)
            return redirect("incentive_evaluation:job", job_id=job.pk)
        try:
            result = evaluation.evaluate_period(period, dry_run=True)
        except ValidationError as exc:
            form.add_error("period", exc)
            return self.render_to_response(self.get_context_data(form=form))
        new = result.new
        names = dict(
            StaffProfile.objects.filter(
                pk__in={c.staff_id for c in new[:PREVIEW_ROWS]}
            ).values_list("pk", "name")
        )
        rows = [
            {
                "staff": names.get(c.staff_id, c.staff_id),
                "rule": c.rule_version,
                "kind": c.rule_version.get_kind_display(),
                "points": c.points,
                "amount": c.amount,
                "reason": c.reason,
                "evidence": c.evidence_label,
            }
            for c in new[:PREVIEW_ROWS]
        ]
        return self.render_to_response(
            self.get_context_data(
                form=form,
                result=result,
                rows=rows,
                more=max(0, len(new) - PREVIEW_ROWS),
                recent_runs=EvaluationRun.objects.filter(period=period)[:5],
            )
        )


class EvaluationJobView(EvaluatePermissionMixin, WagtailAdminTemplateMixin, View):
    template_name = "incentives/admin/evaluate_job.html"
    page_title = gettext_lazy("Evaluation")
    header_icon = "pick"

    def get(self, request, job_id):
        job = Job.objects.filter(pk=job_id, kind=evaluation.JOB_KIND).first()
        if job is None:
            raise Http404
        done, total = job_progress(job)
        return self.render_to_response(
            self.get_context_data(
                job=job,
                done=done,
                total=total,
                percent=int(done * 100 / total) if total else 0,
                back_url=reverse("incentive_evaluation:evaluate"),
            )
        )


class EvaluateMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.has_perm(EVALUATE_PERMISSION)


class EvaluationViewSet(ViewSet):
    icon = "pick"
    menu_label = gettext_lazy("Evaluate a period")
    menu_item_class = EvaluateMenuItem

    def get_urlpatterns(self):
        return [
            path("", EvaluateView.as_view(), name="evaluate"),
            path("jobs/<uuid:job_id>/", EvaluationJobView.as_view(), name="job"),
        ]


__all__ = ["EvaluationViewSet", "EvaluateView", "EvaluationJobView"]
