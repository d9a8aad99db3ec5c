"""Training in the Wagtail admin: assignments (listing, export) and the
"assign a course" screen for HR and trainers (choose, confirm, assign)."""

from __future__ import annotations

import django_filters
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView
from wagtail import hooks
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.tables import Column, DateColumn
from wagtail.admin.views import generic
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets.button import HeaderButton
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy

from training import services
from training.forms import AssignForm
from training.models import Assignment, CoursePage


class AssignmentPermissionPolicy(ModelPermissionPolicy):
    """Assignments are records: created through the assign screen or services,
    never edited or deleted in the admin."""

    def user_has_permission(self, user, action):
        if action in ("change", "delete"):
            return False
        return super().user_has_permission(user, action)

    def user_has_permission_for_instance(self, user, action, instance):
        return self.user_has_permission(user, action)


register_permission_policy(Assignment, AssignmentPermissionPolicy(Assignment))


class AssignmentFilterSet(WagtailFilterSet):
    course = django_filters.ModelChoiceFilter(
        queryset=CoursePage.objects.order_by("path"), label=gettext_lazy("Course")
    )
    completed = django_filters.BooleanFilter(
        field_name="completed_at",
        lookup_expr="isnull",
        exclude=True,
        label=gettext_lazy("Completed"),
    )

    class Meta:
        model = Assignment
        fields = ["course", "source", "completed"]


class AssignmentIndexView(generic.IndexView):
    def get_base_queryset(self):
        return (
            super()
            .get_base_queryset()
            .select_related("staff__department", "course", "assigned_by")
        )

    def get_header_buttons(self):
        buttons = super().get_header_buttons()
        if self.request.user.has_perm("training.add_assignment"):
            buttons.append(
                HeaderButton(
                    _("Assign a course"),
                    url=reverse("assignments:assign"),
                    icon_name="plus",
                )
            )
        return buttons


class AssignView(WagtailAdminTemplateMixin, FormView):
    """Step 1: choose course, departments/people and due date. Step 2: confirm
    the people it reaches. Step 3: assign (services.assignments_assign)."""

    form_class = AssignForm
    template_name = "training/admin/assign.html"
    page_title = gettext_lazy("Assign a course")
    header_icon = "calendar-check"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm("training.add_assignment"):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def form_valid(self, form):
        data = form.cleaned_data
        due_at = services.end_of_day(data["due_date"])
        arguments = {
            "course": data["course"],
            "due_at": due_at,
            "departments": list(data["departments"]),
            "staff": data["staff"],
        }
        if self.request.POST.get("confirm") != "1":
            plan = services.assignments_plan(**arguments)
            return self.render_to_response(
                self.get_context_data(form=form, plan=plan, confirming=True)
            )
        plan = services.assignments_assign(
            **arguments, assigned_by=self.request.user, reason=data["reason"]
        )
        messages.success(
            self.request,
            _(
                "%(course)s was assigned to %(count)s people, due %(date)s; "
                "%(skipped)s already had it open."
            )
            % {
                "course": plan.course.title,
                "count": len(plan.to_assign),
                "date": data["due_date"].isoformat(),
                "skipped": len(plan.already_open),
            },
        )
        return redirect("assignments:index")


class AssignmentViewSet(ModelViewSet):
    model = Assignment
    icon = "calendar-check"
    menu_label = gettext_lazy("Assignments")
    menu_order = 210
    add_to_admin_menu = True
    index_view_class = AssignmentIndexView
    filterset_class = AssignmentFilterSet
    copy_view_enabled = False
    inspect_view_enabled = False
    list_per_page = 50
    search_fields = ["staff__employee_no", "staff__name", "course__title"]
    ordering = ["-assigned_at"]
    list_display = [
        Column("staff", label=gettext_lazy("Staff member")),
        Column("course", label=gettext_lazy("Course")),
        Column("cycle", label=gettext_lazy("Cycle")),
        Column("source", label=gettext_lazy("Source"), accessor="get_source_display"),
        DateColumn("assigned_at", label=gettext_lazy("Assigned at")),
        DateColumn("due_at", label=gettext_lazy("Due")),
        DateColumn("completed_at", label=gettext_lazy("Completed at")),
    ]
    list_export = [
        "staff.employee_no",
        "staff.name",
        "staff.department",
        "course.title",
        "cycle",
        "source",
        "assigned_at",
        "due_at",
        "completed_at",
    ]
    export_headings = {
        "staff.employee_no": gettext_lazy("Employee number"),
        "staff.name": gettext_lazy("Name"),
        "staff.department": gettext_lazy("Department"),
        "course.title": gettext_lazy("Course"),
        "cycle": gettext_lazy("Cycle"),
        "source": gettext_lazy("Source"),
        "assigned_at": gettext_lazy("Assigned at"),
        "due_at": gettext_lazy("Due"),
        "completed_at": gettext_lazy("Completed at"),
    }
    export_filename = "assignments"
    form_fields = ["due_at"]

    def get_index_view_kwargs(self, **kwargs):
        return super().get_index_view_kwargs(add_url_name=None, **kwargs)

    def get_urlpatterns(self):
        return [
            *super().get_urlpatterns(),
            path("assign/", AssignView.as_view(), name="assign"),
        ]


@hooks.register("register_admin_viewset")
def register_assignment_viewset():
    return AssignmentViewSet("assignments")
