"""The quiz app in the Wagtail admin: the question bank (questions as snippets
with drafts, revisions and locking; choices edited inline; categories), the
quiz reports and regrades (quizzes/admin_views.py), and a read-only listing of
attempts with, beside each attempt, its answers, regrades and integrity events.

Filtering by usage (which quizzes draw a question) belongs to the quiz engine,
which does not exist yet; it will add that filter with its models.
"""

from __future__ import annotations

import django_filters
from django.db.models import Count
from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.menu import MenuItem
from wagtail.admin.panels import FieldPanel, InlinePanel, ObjectList
from wagtail.admin.ui.tables import BooleanColumn, Column, LiveStatusTagColumn
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets.button import Button
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import (
    IndexView,
    SnippetViewSet,
    SnippetViewSetGroup,
)

from core.exports import neutralise
from org.models import Department
from quizzes import admin_views
from quizzes.forms import QuestionForm
from quizzes.models import Attempt, Question, QuestionCategory, QuizPage
from quizzes.resources import EXPORT_KEYS, QuestionResource
from quizzes.selectors import law_name_list, with_approved_schedule


class QuestionFilterSet(WagtailFilterSet):
    category = django_filters.ModelChoiceFilter(
        label=_("Category"), queryset=QuestionCategory.objects.all()
    )
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=Question.Kind.choices)
    difficulty = django_filters.ChoiceFilter(
        label=_("Difficulty"), choices=Question.Difficulty.choices
    )
    law_name = django_filters.ChoiceFilter(label=_("Source (law)"), choices=list)
    is_active = django_filters.BooleanFilter(label=_("Active"))

    class Meta:
        model = Question
        fields = ["category", "kind", "difficulty", "law_name", "is_active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["law_name"].extra["choices"] = [(n, n) for n in law_name_list()]


class QuestionIndexView(IndexView):
    """Lists questions with their category in one query; exports (CSV/XLSX)
    in the import columns, so an exported file can be edited and imported."""

    def get_base_queryset(self):
        # The title column shows the latest revision's title (drafts included).
        queryset = with_approved_schedule(
            super()
            .get_base_queryset()
            .select_related("category", "latest_revision")
            .defer("latest_revision__content")
        )
        if self.is_export:
            queryset = queryset.prefetch_related("choices")
        return queryset

    def to_row_dict(self, item):
        if not hasattr(self, "_resource"):
            self._resource = QuestionResource()
        values = self._resource.export_row(item)
        if self.request.GET.get("export") == self.FORMAT_CSV:
            values = [neutralise(v) for v in values]
        return dict(zip(self.list_export, values, strict=True))


class QuestionViewSet(SnippetViewSet):
    model = Question
    icon = "help"
    menu_label = _("Questions")
    index_view_class = QuestionIndexView
    edit_handler = ObjectList(
        [
            FieldPanel("category"),
            FieldPanel("kind"),
            FieldPanel("stem"),
            InlinePanel(
                "choices",
                label=_("Choices (A to F, in order)"),
                min_num=2,
                max_num=6,
                help_text=_(
                    "True-or-false questions have exactly the two choices 正确 "
                    "and 错误; tick the correct one."
                ),
            ),
            FieldPanel("explanation"),
            FieldPanel("source"),
            FieldPanel("difficulty"),
            FieldPanel("tags"),
            FieldPanel("is_active"),
        ],
        base_form_class=QuestionForm,
    )
    copy_view_enabled = False
    list_per_page = 50
    ordering = ["-pk"]
    search_fields = ["stem", "source"]
    search_backend_name = None  # plain SQL (icontains): right for Chinese text
    filterset_class = QuestionFilterSet
    list_display = [
        "__str__",
        Column("category", label=_("Category")),
        Column("kind", label=_("Kind"), accessor="get_kind_display"),
        Column("difficulty", label=_("Difficulty"), accessor="get_difficulty_display"),
        Column("source", label=_("Source")),
        BooleanColumn("is_active", label=_("Active")),
        LiveStatusTagColumn(),
    ]
    list_export = list(EXPORT_KEYS)
    export_headings = {key: key for key in EXPORT_KEYS}
    export_filename = "questions"


class QuestionCategoryViewSet(SnippetViewSet):
    model = QuestionCategory
    icon = "folder-open-inverse"
    menu_label = _("Question categories")
    panels = [FieldPanel("name"), FieldPanel("description")]
    copy_view_enabled = False
    search_fields = ["name"]
    search_backend_name = None
    list_display = ["name", "description"]


class QuestionBankGroup(SnippetViewSetGroup):
    menu_label = _("Question bank")
    menu_icon = "help"
    menu_order = 300
    items = (QuestionViewSet, QuestionCategoryViewSet)


register_snippet(QuestionBankGroup)


# --- reports and regrades -----------------------------------------------------------


@hooks.register("register_admin_urls")
def register_quiz_report_urls():
    urls = [
        path("", admin_views.QuizReportIndexView.as_view(), name="index"),
        path("<int:pk>/", admin_views.QuizReportView.as_view(), name="report"),
        path(
            "<int:pk>/export/<str:table>.<str:fmt>",
            admin_views.report_export,
            name="export",
        ),
        path(
            "regrade/question/<int:pk>/",
            admin_views.RegradeView.as_view(),
            name="regrade",
        ),
    ]
    return [
        path("quiz-reports/", include((urls, "quiz_reports"), namespace="quiz_reports"))
    ]


class QuizReportMenuItem(MenuItem):
    def is_shown(self, request):
        return admin_views.can_see_reports(request.user)


@hooks.register("register_admin_menu_item")
def register_quiz_report_menu_item():
    return QuizReportMenuItem(
        _("Quiz reports"),
        reverse("quiz_reports:index"),
        icon_name="doc-full",
        order=310,
    )


@hooks.register("register_snippet_listing_buttons")
def question_regrade_button(snippet, user, next_url=None):
    if isinstance(snippet, Question) and admin_views.can_regrade(user):
        yield Button(
            _("Regrade attempts"),
            url=reverse("quiz_reports:regrade", args=[snippet.pk]),
            icon_name="redirect",
            priority=60,
        )


# --- attempts -------------------------------------------------------------------------


class AttemptPermissionPolicy(ModelPermissionPolicy):
    """Attempts are records written by the quiz engine: trainers, HR and
    administrators view them; nobody adds, edits or deletes them here."""

    def user_has_permission(self, user, action):
        return action == "view" and admin_views.can_see_reports(user)

    def user_has_permission_for_instance(self, user, action, instance):
        return self.user_has_permission(user, action)


register_permission_policy(Attempt, AttemptPermissionPolicy(Attempt))


class AttemptFilterSet(WagtailFilterSet):
    quiz = django_filters.ModelChoiceFilter(
        label=_("Quiz"), queryset=QuizPage.objects.order_by("path")
    )
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=Attempt.Status.choices
    )
    passed = django_filters.BooleanFilter(label=_("Passed"))
    department = django_filters.ModelChoiceFilter(
        label=_("Department (and every unit under it)"),
        queryset=Department.objects.order_by("path"),
        method="filter_department",
    )

    class Meta:
        model = Attempt
        fields = ["quiz", "status", "passed", "department"]

    def filter_department(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(staff__department__path__startswith=value.path)


class AttemptIndexView(generic.IndexView):
    def get_base_queryset(self):
        return (
            super()
            .get_base_queryset()
            .select_related("staff__department", "quiz")
            .defer("questions")
            .annotate(integrity_count=Count("integrity_events"))
        )


class AttemptInspectView(generic.InspectView):
    """The attempt with its answers (correctness, points), regrade records and
    integrity events. Integrity events are shown for review only: nothing
    changes a score because of them."""

    template_name = "quizzes/admin/attempt_inspect.html"

    def get_object(self, queryset=None):
        return generic.InspectView.get_object(
            self, Attempt.objects.select_related("staff__department", "quiz")
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        attempt = self.object
        answers = {a.question_key: a for a in attempt.answers.all()}
        rows = []
        for index, entry in enumerate(attempt.questions, start=1):
            answer = answers.get(entry.get("key"))
            selected = set(answer.selected) if answer else set()
            rows.append(
                {
                    "number": index,
                    "stem": entry.get("stem", ""),
                    "source": entry.get("source", ""),
                    "choices": [
                        {
                            "label": c.get("label", ""),
                            "text": c.get("text", ""),
                            "is_correct": c.get("is_correct"),
                            "selected": c.get("id") in selected,
                        }
                        for c in entry.get("choices", [])
                    ],
                    "answer": answer,
                    "question_id": entry.get("question_id"),
                }
            )
        context.update(
            answer_rows=rows,
            regrades=attempt.regrades.select_related("by", "question").order_by(
                "at", "pk"
            ),
            integrity_events=attempt.integrity_events.order_by("at", "pk"),
            can_regrade=admin_views.can_regrade(self.request.user),
        )
        return context


class AttemptViewSet(ModelViewSet):
    model = Attempt
    icon = "list-ul"
    menu_label = _("Quiz attempts")
    menu_order = 305
    add_to_admin_menu = True
    index_view_class = AttemptIndexView
    inspect_view_class = AttemptInspectView
    inspect_view_enabled = True
    inspect_view_fields = [
        "staff",
        "quiz",
        "number",
        "status",
        "started_at",
        "deadline_at",
        "submitted_at",
        "score",
        "max_score",
        "percent",
        "passed",
        "pass_mark",
        "partial_credit",
        "max_attempts",
    ]
    copy_view_enabled = False
    filterset_class = AttemptFilterSet
    search_fields = ["staff__employee_no", "staff__name"]
    search_backend_name = None
    list_per_page = 50
    ordering = ["-submitted_at", "-pk"]
    list_display = [
        "staff",
        Column("employee_no", label=_("Employee number"), accessor="staff.employee_no"),
        Column("department", label=_("Department"), accessor="staff.department"),
        Column("quiz", label=_("Quiz"), accessor="quiz.title"),
        Column("number", label=_("Attempt")),
        Column("status", label=_("Status"), accessor="get_status_display"),
        Column("submitted_at", label=_("Ended at")),
        Column("percent", label=_("Percent")),
        BooleanColumn("passed", label=_("Passed")),
        Column("integrity_count", label=_("Integrity events")),
    ]
    form_fields = ["status"]  # required by ModelViewSet; nobody may add or edit


@hooks.register("register_admin_viewset")
def register_attempt_viewset():
    return AttemptViewSet("quiz_attempts")
