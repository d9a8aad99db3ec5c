"""The question bank in the Wagtail admin: questions (snippets with drafts,
revisions and locking; choices edited inline) and their categories.

Filtering by usage (which quizzes draw a question) belongs to the quiz engine,
which does not exist yet; it will add that filter with its models.
"""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.panels import FieldPanel, InlinePanel, ObjectList
from wagtail.admin.ui.tables import BooleanColumn, Column, LiveStatusTagColumn
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import (
    IndexView,
    SnippetViewSet,
    SnippetViewSetGroup,
)

from core.exports import neutralise
from quizzes.forms import QuestionForm
from quizzes.models import Question, QuestionCategory
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
