"""Non-page endpoints of the learner site: marking a lesson studied, the
manager's team view and its export, lesson search. Pages themselves are served
by Wagtail (training.models)."""

from __future__ import annotations

import io

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from core.audit import audit_export
from core.exports import CONTENT_TYPES, write_csv, write_xlsx
from org.models import StaffProfile
from org.selectors import staff_get_for_user
from training import selectors, services, study_clock
from training.forms import TeamFilterForm
from training.models import LessonPage

TEAM_PAGE_SIZE = 50


@require_POST
def lesson_studied(request, pk: int):
    """The learner marks a lesson studied; the time on the page is credited."""
    lesson = get_object_or_404(LessonPage.objects.live(), pk=pk)
    staff = staff_get_for_user(request.user)
    if staff is None:
        raise Http404
    seconds = study_clock.credited_seconds(
        request.POST.get("clock", ""), request.POST.get("seconds")
    )
    services.lesson_mark_studied(staff=staff, lesson=lesson, seconds=seconds)
    messages.success(request, _("Lesson marked as studied."))
    target = request.POST.get("next") or lesson.get_url(request)
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = lesson.get_url(request)
    return HttpResponseRedirect(target)


def _team_filters(request, scope):
    form = TeamFilterForm(request.GET or None, scope=scope)
    if request.GET and not form.is_valid():
        # A department outside the viewer's subtree (or any invalid choice) is
        # not shown to exist.
        if "department" in form.errors:
            raise Http404
        return form, {}
    data = form.cleaned_data if form.is_bound else {}
    return form, {
        "department": data.get("department"),
        "course": data.get("course"),
        "status": data.get("status") or "",
        "search": (data.get("q") or "").strip(),
    }


@require_GET
def team(request):
    """Staff of the manager's subtree × their assignments (HR: everyone)."""
    scope = selectors.team_scope_get(request.user)
    form, filters = _team_filters(request, scope)
    now = timezone.now()
    qs = selectors.team_assignments(scope, now=now, **filters)
    page = Paginator(qs, TEAM_PAGE_SIZE).get_page(request.GET.get("page"))
    rows = selectors.team_rows(list(page.object_list), now)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "training/team.html",
        {
            "scope": scope,
            "form": form,
            "page": page,
            "rows": rows,
            "summary": selectors.team_summary(qs, now),
            "query": query.urlencode(),
        },
    )


EXPORT_HEADER = [
    "employee_no",
    "name",
    "department",
    "position",
    "course",
    "cycle",
    "source",
    "assigned_at",
    "due_at",
    "completed_at",
    "status",
    "progress_percent",
]


def _export_rows(rows):
    yield EXPORT_HEADER
    status_labels = {
        selectors.Status.COMPLETED: _("Completed"),
        selectors.Status.OVERDUE: _("Overdue"),
        selectors.Status.DUE_SOON: _("Due soon"),
        selectors.Status.OPEN: _("Open"),
    }
    for row in rows:
        a = row.assignment
        yield [
            a.staff.employee_no,
            a.staff.name,
            a.staff.department.name,
            a.staff.position,
            a.course.title,
            a.cycle,
            a.get_source_display(),
            a.assigned_at,
            a.due_at,
            a.completed_at,
            str(status_labels[row.status]),
            row.progress.percent,
        ]


@require_GET
def team_export(request, fmt: str):
    if fmt not in CONTENT_TYPES:
        raise Http404
    scope = selectors.team_scope_get(request.user)
    _form, filters = _team_filters(request, scope)
    now = timezone.now()
    rows = selectors.team_rows(
        list(selectors.team_assignments(scope, now=now, **filters)), now
    )
    buffer = io.BytesIO()
    if fmt == "xlsx":
        write_xlsx(_export_rows(rows), buffer, title="team")
    else:
        text = io.TextIOWrapper(buffer, encoding="utf-8", newline="")
        write_csv(_export_rows(rows), text)
        text.flush()
        text.detach()
    # Recorded once the file exists: a failure above leaves no export in the log.
    audit_export(request=request, kind="training.team", fmt=fmt, filters=filters)
    response = HttpResponse(buffer.getvalue(), content_type=CONTENT_TYPES[fmt])
    stamp = timezone.localdate(now).isoformat()
    response["Content-Disposition"] = f'attachment; filename="team-{stamp}.{fmt}"'
    return response


@require_GET
def team_member(request, employee_no: str):
    """One person's assignments; 404 for anyone outside the viewer's scope."""
    scope = selectors.team_scope_get(request.user)
    staff = get_object_or_404(
        StaffProfile.objects.select_related("department"), employee_no=employee_no
    )
    if not scope.contains(staff.department):
        raise Http404
    return render(
        request,
        "training/team_member.html",
        {"member": staff, "rows": selectors.staff_overview(staff=staff)},
    )


@require_GET
def search(request):
    query = request.GET.get("q", "").strip()[:100]
    hits = selectors.lesson_search(query) if query else []
    for hit in hits:
        hit.url = hit.lesson.get_url(request)
    return render(request, "training/search.html", {"query": query, "hits": hits})
