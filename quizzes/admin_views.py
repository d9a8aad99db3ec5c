"""Trainer tools of the quiz engine in the Wagtail admin: quiz reports (with
CSV/XLSX export) and the regrade of a question's attempts (dry run, then
apply). Registered in quizzes/wagtail_hooks.py.

Reports are for trainers, HR and administrators; a regrade changes scores, so
it is for trainers and administrators only. Everyone else with admin access
gets 403; people without admin access never get this far (Wagtail sends them
to the login page).
"""

from __future__ import annotations

import io

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from core import roles
from core.audit import audit_export
from core.exports import CONTENT_TYPES, FORMATS, write_csv, write_xlsx
from quizzes import stats
from quizzes.models import Question, QuizPage, RegradeRecord
from quizzes.services import regrade


def can_see_reports(user) -> bool:
    return roles.has_role(user, roles.TRAINER, roles.HR)


def can_regrade(user) -> bool:
    return roles.has_role(user, roles.TRAINER)


class ReportAccessMixin:
    def dispatch(self, request, *args, **kwargs):
        if not can_see_reports(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class QuizReportIndexView(ReportAccessMixin, WagtailAdminTemplateMixin, TemplateView):
    template_name = "quizzes/admin/report_index.html"
    page_title = gettext_lazy("Quiz reports")
    header_icon = "doc-full"

    def get_context_data(self, **kwargs):
        return super().get_context_data(rows=stats.quiz_report_list(), **kwargs)


class QuizReportView(ReportAccessMixin, WagtailAdminTemplateMixin, TemplateView):
    template_name = "quizzes/admin/report.html"
    header_icon = "doc-full"

    def dispatch(self, request, *args, **kwargs):
        self.quiz = get_object_or_404(QuizPage, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_page_title(self):
        return _("Report: %(quiz)s") % {"quiz": self.quiz.title}

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse("quiz_reports:index"), "label": _("Quiz reports")},
            {"url": "", "label": self.quiz.title},
        ]

    def get_context_data(self, **kwargs):
        questions = stats.question_stats(quiz=self.quiz)
        return super().get_context_data(
            quiz=self.quiz,
            summary=stats.quiz_summary(quiz=self.quiz),
            questions=questions,
            dubious_count=sum(1 for q in questions if q.dubious),
            departments=stats.department_pass_rates(quiz=self.quiz),
            can_regrade=can_regrade(self.request.user),
            formats=FORMATS,
            **kwargs,
        )


def report_export(request, pk: int, table: str, fmt: str):
    """One table of a quiz report as CSV or XLSX (formula-like text inert)."""
    if not can_see_reports(request.user):
        raise PermissionDenied
    quiz = get_object_or_404(QuizPage, pk=pk)
    if table not in stats.REPORT_TABLES or fmt not in FORMATS:
        raise Http404
    rows = stats.REPORT_TABLES[table](quiz=quiz)
    audit_export(
        request=request,
        kind=f"quizzes.report.{table}",
        fmt=fmt,
        filters={"quiz": quiz.pk},
    )
    response = HttpResponse(content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = (
        f'attachment; filename="quiz-{quiz.pk}-{table}.{fmt}"'
    )
    if fmt == "csv":
        text = io.StringIO()
        write_csv(rows, text)
        response.write(text.getvalue().encode("utf-8"))
    else:
        write_xlsx(rows, response, title=table)
    return response


class RegradeView(WagtailAdminTemplateMixin, TemplateView):
    """GET: the dry run (which ended attempts change, old and new score).
    POST with a reason: apply, then back to the dry run (now empty)."""

    template_name = "quizzes/admin/regrade.html"
    header_icon = "redirect"

    def dispatch(self, request, *args, **kwargs):
        if not can_regrade(request.user):
            raise PermissionDenied
        self.question = get_object_or_404(Question, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_page_title(self):
        return _("Regrade attempts")

    def get_page_subtitle(self):
        return str(self.question)

    def get_context_data(self, **kwargs):
        plan = None
        error = kwargs.pop("error", None)
        try:
            plan = regrade.regrade_plan(question=self.question)
        except regrade.RegradeError as exc:
            error = error or str(exc)
        return super().get_context_data(
            question=self.question,
            plan=plan,
            error=error,
            history=RegradeRecord.objects.filter(question=self.question)
            .select_related("attempt__staff", "by")
            .order_by("-at", "pk")[:50],
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        try:
            plan = regrade.regrade_apply(
                question=self.question,
                by=request.user,
                reason=request.POST.get("reason", ""),
            )
        except regrade.RegradeError as exc:
            context = self.get_context_data(error=str(exc), **kwargs)
            return self.render_to_response(context, status=400)
        messages.success(
            request,
            _("%(count)s attempts were regraded; the score of %(moved)s changed.")
            % {"count": len(plan.regrades), "moved": len(plan.moved)},
        )
        return redirect("quiz_reports:regrade", pk=self.question.pk)
