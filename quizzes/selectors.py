"""Reads of the question bank and the quiz engine."""

from __future__ import annotations

import datetime as dt
import functools
import operator
from collections.abc import Collection
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db.models import CharField, Exists, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Cast, Length, Substr
from wagtail.models import Page, Revision

from quizzes.models import Attempt, Question, QuizPage


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


# --- outcomes for the incentives engine -------------------------------------------


@dataclass(frozen=True)
class AttemptOutcome:
    """One ended attempt, as the incentives engine sees it (a stable contract).

    `percent` is the current percentage (after any regrade), a Decimal with two
    places; `max_attempts` is the limit in force when the attempt started (see
    Attempt); `attempts_exhausted_without_pass` is true when this attempt is
    the last one allowed and neither it nor any earlier attempt of the same
    learner and quiz passed.
    """

    attempt_id: int
    staff_id: int
    quiz_id: int
    course_id: int | None
    number: int
    submitted_at: dt.datetime
    percent: Decimal
    passed: bool
    max_attempts: int
    is_first_attempt: bool
    is_perfect: bool
    attempts_exhausted_without_pass: bool


def attempt_outcomes(*, start: dt.datetime, end: dt.datetime) -> list[AttemptOutcome]:
    """Every attempt that ended in [start, end) (submitted or closed at its
    deadline) of a quiz that counts for incentives, oldest first, in one query.

    `course_id` is the quiz's parent page (its course) now, None only if the
    page were moved out of the tree."""
    passed_so_far = Attempt.objects.filter(
        staff_id=OuterRef("staff_id"),
        quiz_id=OuterRef("quiz_id"),
        number__lte=OuterRef("number"),
        passed=True,
    )
    parent = Page.objects.filter(
        path=Substr(
            OuterRef("quiz__path"), 1, Length(OuterRef("quiz__path")) - Page.steplen
        )
    ).values("pk")[:1]
    rows = (
        Attempt.objects.filter(
            status__in=Attempt.FINISHED,
            submitted_at__gte=start,
            submitted_at__lt=end,
            quiz__counts_for_incentives=True,
        )
        .annotate(course_id=Subquery(parent), any_pass=Exists(passed_so_far))
        .order_by("submitted_at", "pk")
        .values_list(
            "pk",
            "staff_id",
            "quiz_id",
            "course_id",
            "number",
            "submitted_at",
            "percent",
            "passed",
            "max_attempts",
            "score",
            "max_score",
            "any_pass",
        )
    )
    return [
        AttemptOutcome(
            attempt_id=pk,
            staff_id=staff_id,
            quiz_id=quiz_id,
            course_id=course_id,
            number=number,
            submitted_at=submitted_at,
            percent=percent,
            passed=passed,
            max_attempts=max_attempts,
            is_first_attempt=number == 1,
            is_perfect=score == max_score,
            attempts_exhausted_without_pass=number >= max_attempts and not any_pass,
        )
        for (
            pk,
            staff_id,
            quiz_id,
            course_id,
            number,
            submitted_at,
            percent,
            passed,
            max_attempts,
            score,
            max_score,
            any_pass,
        ) in rows
    ]


# --- the course requirement (training's extension point) --------------------------


def quiz_requirements_met(
    *, staff_ids: Collection[int], course_ids: Collection[int]
) -> set[tuple[int, int]]:
    """The (staff_id, course_id) pairs where the learner passed every live quiz
    of the course (any attempt; a course without quizzes is met by everyone).
    Three queries, whatever the number of staff and courses."""
    staff_ids, course_ids = set(staff_ids), set(course_ids)
    if not staff_ids or not course_ids:
        return set()
    courses = dict(Page.objects.filter(pk__in=course_ids).values_list("path", "pk"))
    quizzes_of: dict[int, set[int]] = {pk: set() for pk in courses.values()}
    if courses:
        condition = functools.reduce(
            operator.or_,
            (
                Q(path__startswith=path, depth=len(path) // Page.steplen + 1)
                for path in courses
            ),
        )
        for pk, path in (
            QuizPage.objects.live().filter(condition).values_list("pk", "path")
        ):
            quizzes_of[courses[path[: -Page.steplen]]].add(pk)
    quiz_ids = set().union(*quizzes_of.values())
    passed: dict[int, set[int]] = {}
    if quiz_ids:
        for staff_id, quiz_id in (
            Attempt.objects.filter(
                staff_id__in=staff_ids, quiz_id__in=quiz_ids, passed=True
            )
            .values_list("staff_id", "quiz_id")
            .distinct()
        ):
            passed.setdefault(staff_id, set()).add(quiz_id)
    return {
        (staff_id, course_id)
        for staff_id in staff_ids
        for course_id in course_ids
        if quizzes_of.get(course_id, set()) <= passed.get(staff_id, set())
    }


# --- notebook ---------------------------------------------------------------------


@dataclass
class NotebookArticle:
    article_number: int | None
    entries: list


@dataclass
class NotebookLaw:
    law_name: str
    count: int
    articles: list[NotebookArticle]


def notebook_open_entries(*, staff_id: int, law_name: str | None = None):
    """The learner's open notebook entries with their question (one query)."""
    from quizzes.models import NotebookEntry

    queryset = NotebookEntry.objects.filter(
        staff_id=staff_id, resolved_at__isnull=True
    ).select_related("question")
    if law_name is not None:
        queryset = queryset.filter(question__law_name=law_name)
    return queryset


def notebook_by_law(*, staff_id: int) -> list[NotebookLaw]:
    """Open entries grouped by law, then article (questions without a parsed
    law come last, under an empty name), in one query."""
    entries = notebook_open_entries(staff_id=staff_id).order_by(
        "question__law_name", "question__article_number", "-last_wrong_at", "pk"
    )
    laws: dict[str, dict[int | None, list]] = {}
    for entry in entries:
        question = entry.question
        laws.setdefault(question.law_name, {}).setdefault(
            question.article_number, []
        ).append(entry)
    ordered = sorted(laws.items(), key=lambda item: (item[0] == "", item[0]))
    return [
        NotebookLaw(
            law_name=law,
            count=sum(len(items) for items in articles.values()),
            articles=[
                NotebookArticle(article_number=number, entries=items)
                for number, items in sorted(
                    articles.items(), key=lambda item: (item[0] is None, item[0] or 0)
                )
            ],
        )
        for law, articles in ordered
    ]


def notebook_next_entry(*, staff_id: int, law_name: str | None = None):
    """The open entry to practise next: least practised, then most often wrong,
    then oldest; None when the notebook (or that law) is empty."""
    return (
        notebook_open_entries(staff_id=staff_id, law_name=law_name)
        .order_by("practice_count", "-wrong_count", "last_wrong_at", "pk")
        .first()
    )
