"""Reads of the question bank."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db.models import CharField, Exists, OuterRef, QuerySet
from django.db.models.functions import Cast
from wagtail.models import Revision

from quizzes.models import Question


def question_list_usable() -> QuerySet[Question]:
    """Questions a quiz may show: published and active. The live row is the
    published version (drafts live in revisions), so its choices are too."""
    return Question.objects.filter(live=True, is_active=True)


def law_name_list() -> list[str]:
    """The laws that questions cite, for filtering the bank by source."""
    return list(
        Question.objects.exclude(law_name="")
        .order_by("law_name")
        .values_list("law_name", flat=True)
        .distinct()
    )


def with_approved_schedule(queryset: QuerySet[Question]) -> QuerySet[Question]:
    """Annotate whether each question has a revision scheduled to go live, which
    the status shown in listings needs (else one query per question)."""
    scheduled = Revision.objects.filter(
        base_content_type=ContentType.objects.get_for_model(Question),
        object_id=Cast(OuterRef("pk"), output_field=CharField()),
        approved_go_live_at__isnull=False,
    )
    return queryset.annotate(_approved_schedule=Exists(scheduled))
