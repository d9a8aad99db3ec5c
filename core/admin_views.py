"""The import screens of the Wagtail admin: choose a kind, upload, preview the
dry run, confirm, see the result. Every step runs the same pipeline as
`manage.py import_data`."""

from __future__ import annotations

import io

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.generic import FormView, TemplateView, View
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from core import jobs
from core.exports import CONTENT_TYPES, write_csv, write_xlsx
from core.forms import ImportUploadForm
from core.imports import registry
from core.imports.report import ImportReport
from core.models import Job
from core.uploads import SizeLimitUploadHandler

ERROR_LIST_LIMIT = 500


def importable_kinds(user) -> list[registry.RecordKind]:
    return [kind for kind in registry.all_kinds() if kind.user_can_import(user)]


def _kind_or_404(user, name: str) -> registry.RecordKind:
    try:
        kind = registry.get_kind(name)
    except KeyError:
        raise Http404 from None
    if not kind.importable:
        raise Http404
    if not kind.user_can_import(user):
        raise PermissionDenied
    return kind


def _job_or_404(user, pk) -> Job:
    """Only the person who started a job (or an administrator) may see it."""
    job = get_object_or_404(
        Job.objects.select_related("created_by")
        .defer("input_data")
        .exclude(kind=Job.Kind.EXPORT),
        pk=pk,
    )
    if job.created_by_id != user.pk and not user.is_superuser:
        raise Http404
    _kind_or_404(user, job.record_kind)
    return job


class ImportBreadcrumbsMixin(WagtailAdminTemplateMixin):
    """Home > Import data > this page (the last crumb is the page's title)."""

    def get_breadcrumbs_items(self):
        items = [*self.breadcrumbs_items]
        if not isinstance(self, ImportIndexView):
            items.append(
                {"url": reverse("core_imports:index"), "label": _("Import data")}
            )
        return [*items, {"url": "", "label": self.get_page_title()}]


class ImportIndexView(ImportBreadcrumbsMixin, TemplateView):
    template_name = "core/admin/import_index.html"
    page_title = gettext_lazy("Import data")
    header_icon = "upload"

    def get_context_data(self, **kwargs):
        kinds = importable_kinds(self.request.user)
        if not kinds:
            raise PermissionDenied
        recent = (
            Job.objects.defer("input_data")
            .filter(record_kind__in=[k.name for k in kinds])
            .exclude(kind=Job.Kind.EXPORT)
        )
        if not self.request.user.is_superuser:
            recent = recent.filter(created_by=self.request.user)
        return super().get_context_data(
            kinds=kinds, recent_jobs=recent.select_related("created_by")[:20], **kwargs
        )


@method_decorator(csrf_exempt, name="dispatch")
class ImportUploadView(ImportBreadcrumbsMixin, FormView):
    """Upload a file for one kind. The size limit is enforced while the upload
    streams in (before CSRF checking reads the body), so a huge file is never
    stored."""

    template_name = "core/admin/import_upload.html"
    header_icon = "upload"
    form_class = ImportUploadForm

    def dispatch(self, request, *args, **kwargs):
        self.kind = _kind_or_404(request.user, kwargs["kind"])
        if request.method == "POST":
            request.upload_handlers.insert(
                0, SizeLimitUploadHandler(request, settings.IMPORT_MAX_UPLOAD_BYTES)
            )
        return csrf_protect(super().dispatch)(request, *args, **kwargs)

    def get_page_title(self):
        return _("Import %(kind)s") % {"kind": self.kind.label}

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["extensions"] = self.kind.import_formats
        kwargs["too_large"] = getattr(self.request, "upload_too_large", False)
        return kwargs

    def get_context_data(self, **kwargs):
        return super().get_context_data(kind=self.kind, **kwargs)

    def form_valid(self, form):
        job = jobs.import_preview_create(
            user=self.request.user,
            record_kind=self.kind.name,
            uploaded=form.cleaned_data["file"],
        )
        return redirect("core_imports:job", pk=job.pk)


class ImportTemplateView(View):
    """An empty file with the header row (Chinese labels) to fill in."""

    def get(self, request, kind, fmt):
        record_kind = _kind_or_404(request.user, kind)
        if fmt not in ("csv", "xlsx"):
            raise Http404
        header = [c.label_zh for c in record_kind.columns if c.in_template]
        response = HttpResponse(content_type=CONTENT_TYPES[fmt])
        response["Content-Disposition"] = (
            f'attachment; filename="{kind}-template.{fmt}"'
        )
        if fmt == "csv":
            text = io.StringIO()
            write_csv(iter([header]), text)
            response.write(text.getvalue().encode("utf-8"))
        else:
            write_xlsx(iter([header]), response, title=kind)
        return response


class JobDetailView(ImportBreadcrumbsMixin, TemplateView):
    template_name = "core/admin/import_job.html"
    header_icon = "upload"

    def dispatch(self, request, *args, **kwargs):
        self.job = _job_or_404(request.user, kwargs["pk"])
        if self.job.status == Job.Status.RUNNING and jobs.job_fail_stale():
            self.job = _job_or_404(request.user, kwargs["pk"])
        self.kind = registry.get_kind(self.job.record_kind)
        return super().dispatch(request, *args, **kwargs)

    def get_page_title(self):
        if self.job.kind == Job.Kind.IMPORT_PREVIEW:
            return _("Check of %(file)s") % {"file": self.job.input_name}
        return _("Import of %(file)s") % {"file": self.job.input_name}

    def get_context_data(self, **kwargs):
        report = ImportReport.from_dict(self.job.report) if self.job.report else None
        done, total = jobs.job_progress(self.job)
        errors = report.sorted_errors() if report else []
        applied = None
        if self.job.kind == Job.Kind.IMPORT_PREVIEW:
            applied = (
                self.job.applied_by.defer("input_data")
                .exclude(status=Job.Status.FAILED)
                .first()
            )
        return super().get_context_data(
            job=self.job,
            kind=self.kind,
            report=report,
            errors=errors[:ERROR_LIST_LIMIT],
            errors_truncated=len(errors) > ERROR_LIST_LIMIT,
            progress_done=done,
            progress_total=total,
            progress_percent=int(done * 100 / total) if total else 0,
            applied=applied,
            can_confirm=(
                self.job.kind == Job.Kind.IMPORT_PREVIEW
                and self.job.status == Job.Status.SUCCEEDED
                and report is not None
                and report.ok
                and (report.new or report.updated)
                and applied is None
            ),
            **kwargs,
        )


class JobConfirmView(View):
    def post(self, request, pk):
        preview = _job_or_404(request.user, pk)
        try:
            job = jobs.import_apply_create(user=request.user, preview=preview)
        except ValueError as exc:
            messages.error(request, str(exc))
            return redirect("core_imports:job", pk=preview.pk)
        return redirect("core_imports:job", pk=job.pk)


class JobRetryView(View):
    def post(self, request, pk):
        job = _job_or_404(request.user, pk)
        try:
            retry = jobs.job_retry(job=job, user=request.user)
        except ValueError as exc:
            messages.error(request, str(exc))
            return redirect("core_imports:job", pk=job.pk)
        return redirect("core_imports:job", pk=retry.pk)


class JobErrorsView(View):
    """Every error of a job's report as CSV (the page shows the first ones)."""

    def get(self, request, pk):
        job = _job_or_404(request.user, pk)
        report = ImportReport.from_dict(job.report) if job.report else None
        if report is None:
            raise Http404
        rows = [[_("Row"), _("Column"), _("Problem")]] + [
            [e.row or "", e.column, e.message] for e in report.sorted_errors()
        ]
        text = io.StringIO()
        write_csv(iter(rows), text)
        response = HttpResponse(
            text.getvalue().encode("utf-8"), content_type=CONTENT_TYPES["csv"]
        )
        response["Content-Disposition"] = 'attachment; filename="import-errors.csv"'
        return response


def admin_urlpatterns():
    from django.urls import path

    return [
        path("", ImportIndexView.as_view(), name="index"),
        path("jobs/<uuid:pk>/", JobDetailView.as_view(), name="job"),
        path("jobs/<uuid:pk>/confirm/", JobConfirmView.as_view(), name="confirm"),
        path("jobs/<uuid:pk>/errors.csv", JobErrorsView.as_view(), name="errors"),
        path("jobs/<uuid:pk>/retry/", JobRetryView.as_view(), name="retry"),
        path("<slug:kind>/", ImportUploadView.as_view(), name="upload"),
        path(
            "<slug:kind>/template.<slug:fmt>",
            ImportTemplateView.as_view(),
            name="template",
        ),
    ]


def import_url(kind_name: str) -> str:
    return reverse("core_imports:upload", args=[kind_name])
