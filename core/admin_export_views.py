"""Exports as background jobs in the Wagtail admin: choose a kind, a format
and (where the kind has them) filters; follow the job's progress; download the
file. Only the person who asked (or an administrator) may download it, and the
download is recorded in the audit log like every export."""

from __future__ import annotations

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView, TemplateView, View
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from core import jobs
from core.imports import registry
from core.models import Job


def exportable_kinds(user) -> list[registry.RecordKind]:
    return [kind for kind in registry.all_kinds() if kind.user_can_export(user)]


def _kind_or_404(user, name: str) -> registry.RecordKind:
    try:
        kind = registry.get_kind(name)
    except KeyError:
        raise Http404 from None
    if not kind.user_can_export(user):
        raise PermissionDenied
    return kind


def _filterable(kind: registry.RecordKind) -> bool:
    return hasattr(kind.resource_class, "filter_export_queryset")


def _export_job_or_404(user, pk) -> Job:
    job = get_object_or_404(
        Job.objects.defer("input_data").select_related("created_by"),
        pk=pk,
        kind=Job.Kind.EXPORT,
    )
    if job.created_by_id != user.pk and not user.is_superuser:
        raise Http404
    _kind_or_404(user, job.record_kind)
    return job


class ExportForm(forms.Form):
    format = forms.ChoiceField(label=gettext_lazy("Format"))
    period = forms.RegexField(
        label=gettext_lazy("Period"),
        regex=r"^\d{4}-(0[1-9]|1[0-2]|Q[1-4])$",
        required=False,
        help_text=gettext_lazy("A month such as 2026-11 or a quarter such as 2026-Q4."),
        error_messages={"invalid": gettext_lazy("Use 2026-11 or 2026-Q4.")},
    )
    status = forms.CharField(
        label=gettext_lazy("Status"), required=False, max_length=16
    )

    def __init__(self, *args, kind: registry.RecordKind, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["format"].choices = [(f, f.upper()) for f in kind.export_formats]
        if not _filterable(kind):
            del self.fields["period"]
            del self.fields["status"]

    def filters(self) -> dict:
        return {
            key: self.cleaned_data[key]
            for key in ("period", "status")
            if self.cleaned_data.get(key)
        }


class ExportBreadcrumbsMixin(WagtailAdminTemplateMixin):
    header_icon = "download"

    def get_breadcrumbs_items(self):
        items = [*self.breadcrumbs_items]
        if not isinstance(self, ExportIndexView):
            items.append(
                {"url": reverse("core_exports:index"), "label": _("Export data")}
            )
        return [*items, {"url": "", "label": self.get_page_title()}]


class ExportIndexView(ExportBreadcrumbsMixin, TemplateView):
    template_name = "core/admin/export_index.html"
    page_title = gettext_lazy("Export data")

    def get_context_data(self, **kwargs):
        kinds = exportable_kinds(self.request.user)
        if not kinds:
            raise PermissionDenied
        recent = Job.objects.defer("input_data").filter(
            kind=Job.Kind.EXPORT, record_kind__in=[k.name for k in kinds]
        )
        if not self.request.user.is_superuser:
            recent = recent.filter(created_by=self.request.user)
        return super().get_context_data(
            kinds=kinds, recent_jobs=recent.select_related("created_by")[:20], **kwargs
        )


class ExportStartView(ExportBreadcrumbsMixin, FormView):
    template_name = "core/admin/export_start.html"
    form_class = ExportForm

    def dispatch(self, request, *args, **kwargs):
        self.kind = _kind_or_404(request.user, kwargs["kind"])
        return super().dispatch(request, *args, **kwargs)

    def get_page_title(self):
        return _("Export %(kind)s") % {"kind": self.kind.label}

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "kind": self.kind}

    def get_context_data(self, **kwargs):
        return super().get_context_data(kind=self.kind, **kwargs)

    def form_valid(self, form):
        job = jobs.export_create(
            user=self.request.user,
            record_kind=self.kind.name,
            fmt=form.cleaned_data["format"],
            filters=form.filters(),
        )
        return redirect("core_exports:job", pk=job.pk)


class ExportJobView(ExportBreadcrumbsMixin, TemplateView):
    template_name = "core/admin/export_job.html"

    def dispatch(self, request, *args, **kwargs):
        self.job = _export_job_or_404(request.user, kwargs["pk"])
        if self.job.status == Job.Status.RUNNING and jobs.job_fail_stale():
            self.job = _export_job_or_404(request.user, kwargs["pk"])
        self.kind = registry.get_kind(self.job.record_kind)
        return super().dispatch(request, *args, **kwargs)

    def get_page_title(self):
        return _("Export of %(kind)s") % {"kind": self.kind.label}

    def get_context_data(self, **kwargs):
        done, total = jobs.job_progress(self.job)
        return super().get_context_data(
            job=self.job,
            kind=self.kind,
            filters=self.job.report.get("filters") or {},
            progress_done=done,
            progress_total=total,
            progress_percent=int(done * 100 / total) if total else 0,
            **kwargs,
        )


class ExportDownloadView(View):
    def get(self, request, pk):
        job = _export_job_or_404(request.user, pk)
        if job.status != Job.Status.SUCCEEDED or not job.result_file:
            raise Http404
        return FileResponse(
            job.result_file.open("rb"),
            as_attachment=True,
            filename=job.result_file.name.rsplit("/", 1)[-1],
        )


def admin_urlpatterns():
    return [
        path("", ExportIndexView.as_view(), name="index"),
        path("jobs/<uuid:pk>/", ExportJobView.as_view(), name="job"),
        path("jobs/<uuid:pk>/download/", ExportDownloadView.as_view(), name="download"),
        path("<slug:kind>/", ExportStartView.as_view(), name="start"),
    ]
