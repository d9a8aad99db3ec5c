"""Reads of training: audiences, progress, the learner dashboard, course and
lesson state, the manager's team view, search and reminders.

Every function answers with a constant number of queries, whatever the number
of courses, lessons, blocks or staff (tests/training/test_query_counts.py).
"""

from __future__ import annotations

import datetime as dt
import functools
import operator
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone
from wagtail.models import Page

from core import roles
from org.models import Department, StaffProfile
from org.selectors import staff_get_for_user
from training import requirements
from training.models import (
    Assignment,
    CoursePage,
    LessonPage,
    LessonProgress,
    StudyCredit,
)

DUE_SOON_DAYS = 7


# --- audiences ----------------------------------------------------------------


def audience_q(course: CoursePage) -> Q:
    """Active staff in the course's audience (departments with their subtrees,
    positions; an empty field does not restrict)."""
    q = Q(is_active=True)
    paths = [d.path for d in course.audience_departments.all()]
    if paths:
        q &= functools.reduce(
            operator.or_, (Q(department__path__startswith=p) for p in paths)
        )
    positions = course.position_list
    if positions:
        q &= Q(position__in=positions)
    return q


def staff_targets(
    *, departments: Iterable[Department] = (), staff: Iterable[StaffProfile] = ()
) -> list[StaffProfile]:
    """Active staff of `departments` (with subtrees) and the `staff` named."""
    conditions = [Q(department__path__startswith=d.path) for d in departments]
    staff_ids = [s.pk for s in staff]
    if staff_ids:
        conditions.append(Q(pk__in=staff_ids))
    if not conditions:
        return []
    return list(
        StaffProfile.objects.filter(functools.reduce(operator.or_, conditions))
        .filter(is_active=True)
        .select_related("department")
        .order_by("employee_no")
    )


# --- progress -----------------------------------------------------------------


@dataclass
class Progress:
    total: int = 0
    done: int = 0
    lessons_total: int = 0
    lessons_done: int = 0
    requirements_met: bool = True
    next_page: ChildPage | None = None

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0

    @property
    def complete(self) -> bool:
        return (
            self.total > 0
            and self.lessons_done == self.lessons_total
            and self.requirements_met
        )

    @property
    def started(self) -> bool:
        return self.done > 0


def _lesson_type_id() -> int:
    return ContentType.objects.get_for_model(LessonPage).pk


def _requirement_type_ids() -> set[int]:
    models = requirements.course_child_page_models()
    if not models:
        return set()
    return {ct.pk for ct in ContentType.objects.get_for_models(*models).values()}


@dataclass(frozen=True)
class ChildPage:
    """A live child page of a course (a lesson, a quiz) as progress, outlines
    and their links read it. A dashboard reads some 250 of them: as Page
    instances (six timestamps converted, a cluster set up each) they cost a
    third of its time."""

    pk: int
    title: str
    slug: str
    content_type_id: int
    course: Page

    def get_url(self, request=None) -> str | None:
        # A child's URL is its course's URL plus its slug (Wagtail's url_path).
        base = self.course.get_url(request)
        if base is None:
            return None
        return f"{base.rstrip('/')}/{self.slug}{'/' if base.endswith('/') else ''}"


def course_children(courses: Iterable[Page]) -> dict[int, list[ChildPage]]:
    """Live lessons (and registered children such as quizzes) of each course,
    in tree order; one query for all courses."""
    courses = {c.pk: c for c in courses}
    result: dict[int, list[ChildPage]] = {pk: [] for pk in courses}
    if not courses:
        return result
    wanted = {_lesson_type_id(), *_requirement_type_ids()}
    by_path = {c.path: c for c in courses.values()}
    condition = functools.reduce(
        operator.or_,
        (Q(path__startswith=c.path, depth=c.depth + 1) for c in courses.values()),
    )
    rows = (
        Page.objects.live()
        .filter(condition, content_type_id__in=wanted)
        .order_by("path")
        .values_list("pk", "title", "slug", "content_type_id", "path")
    )
    for pk, title, slug, content_type_id, path in rows:
        course = by_path[path[: -Page.steplen]]
        result[course.pk].append(ChildPage(pk, title, slug, content_type_id, course))
    return result


def assignments_progress(
    assignments: list[Assignment],
    *,
    children: dict[int, list[Page]] | None = None,
) -> dict[int, Progress]:
    """Progress of each assignment (by pk), computed in bulk. The assignments
    must have `course` loaded."""
    if not assignments:
        return {}
    if children is None:
        children = course_children({a.course for a in assignments})
    lesson_type = _lesson_type_id()
    lesson_ids = {
        p.pk
        for pages in children.values()
        for p in pages
        if p.content_type_id == lesson_type
    }
    staff_ids = {a.staff_id for a in assignments}
    studied: dict[tuple[int, int], dt.datetime] = {
        (staff_id, lesson_id): completed_at
        for staff_id, lesson_id, completed_at in LessonProgress.objects.filter(
            staff_id__in=staff_ids,
            lesson_id__in=lesson_ids,
            completed_at__isnull=False,
        ).values_list("staff_id", "lesson_id", "completed_at")
    }
    met = requirements.requirements_met(
        staff_ids=staff_ids, course_ids={a.course_id for a in assignments}
    )
    result = {}
    for assignment in assignments:
        result[assignment.pk] = progress_of(
            staff_id=assignment.staff_id,
            course_id=assignment.course_id,
            pages=children.get(assignment.course_id, []),
            studied=studied,
            since=assignment.progress_since,
            met=met,
            lesson_type=lesson_type,
        )
    return result


def progress_of(
    *,
    staff_id: int,
    course_id: int,
    pages: list[ChildPage],
    studied: dict[tuple[int, int], dt.datetime],
    since: dt.datetime | None,
    met: set[tuple[int, int]],
    lesson_type: int,
) -> Progress:
    progress = Progress(requirements_met=(staff_id, course_id) in met)
    for page in pages:
        progress.total += 1
        if page.content_type_id == lesson_type:
            progress.lessons_total += 1
            when = studied.get((staff_id, page.pk))
            if when is not None and (since is None or when >= since):
                progress.lessons_done += 1
                progress.done += 1
                continue
        elif progress.requirements_met:
            progress.done += 1
            continue
        if progress.next_page is None:
            progress.next_page = page
    return progress


def is_studied(when: dt.datetime | None, since: dt.datetime | None) -> bool:
    return when is not None and (since is None or when >= since)


# --- assignment states --------------------------------------------------------


class Status:
    COMPLETED = "completed"
    OVERDUE = "overdue"
    DUE_SOON = "due_soon"
    OPEN = "open"


def assignment_status(assignment: Assignment, now: dt.datetime | None = None) -> str:
    now = now or timezone.now()
    if assignment.completed_at is not None:
        return Status.COMPLETED
    if assignment.due_at < now:
        return Status.OVERDUE
    if assignment.due_at < now + dt.timedelta(days=DUE_SOON_DAYS):
        return Status.DUE_SOON
    return Status.OPEN


# --- the learner dashboard ----------------------------------------------------


@dataclass
class CourseRow:
    course: CoursePage
    assignment: Assignment | None
    progress: Progress
    status: str
    url: str
    continue_url: str


@dataclass
class Dashboard:
    staff: StaffProfile | None
    open: list[CourseRow] = field(default_factory=list)
    completed: list[Assignment] = field(default_factory=list)
    other_courses: list[CoursePage] = field(default_factory=list)
    minutes_this_year: int = 0
    year: int = 0
    overdue_count: int = 0

    @property
    def hours_this_year(self) -> float:
        return round(self.minutes_this_year / 60, 1)


def study_minutes(*, staff_ids: Iterable[int], year: int) -> dict[int, int]:
    """Minutes of study credited per staff member in `year` (学时 × 60)."""
    return dict(
        StudyCredit.objects.filter(staff_id__in=list(staff_ids), year=year)
        .values("staff_id")
        .annotate(total=Sum("minutes"))
        .values_list("staff_id", "total")
    )


def dashboard_get(*, user, home: Page, request=None) -> Dashboard:
    now = timezone.now()
    staff = staff_get_for_user(user)
    dashboard = Dashboard(staff=staff, year=timezone.localdate(now).year)
    assignments = (
        list(
            Assignment.objects.filter(staff=staff)
            .select_related("course")
            .order_by("due_at", "-cycle")
        )
        if staff
        else []
    )
    live = [a for a in assignments if a.course.live]
    progress = assignments_progress([a for a in live if a.completed_at is None])
    seen: set[int] = set()
    for assignment in sorted(live, key=lambda a: -a.cycle):
        if assignment.completed_at is not None:
            continue
        if assignment.course_id in seen:  # an older cycle still open: newest wins
            continue
        seen.add(assignment.course_id)
        row_progress = progress[assignment.pk]
        dashboard.open.append(
            CourseRow(
                course=assignment.course,
                assignment=assignment,
                progress=row_progress,
                status=assignment_status(assignment, now),
                url=assignment.course.get_url(request),
                continue_url=(
                    row_progress.next_page.get_url(request)
                    if row_progress.next_page
                    else assignment.course.get_url(request)
                ),
            )
        )
    dashboard.open.sort(key=lambda row: (row.assignment.due_at, row.course.title))
    dashboard.overdue_count = sum(
        1 for r in dashboard.open if r.status == Status.OVERDUE
    )
    dashboard.completed = sorted(
        (a for a in assignments if a.completed_at is not None),
        key=lambda a: a.completed_at,
        reverse=True,
    )
    assigned_ids = {a.course_id for a in assignments}
    dashboard.other_courses = list(
        CoursePage.objects.live()
        .child_of(home)
        .exclude(pk__in=assigned_ids)
        .order_by("path")
    )
    if staff:
        dashboard.minutes_this_year = study_minutes(
            staff_ids=[staff.pk], year=dashboard.year
        ).get(staff.pk, 0)
    return dashboard


# --- course and lesson pages --------------------------------------------------


def _current_assignment(staff, course_id) -> Assignment | None:
    """The newest open assignment of the course, else the newest completed one."""
    if staff is None:
        return None
    return _pick_current(
        list(Assignment.objects.filter(staff=staff, course_id=course_id))
    )


def _pick_current(assignments: list[Assignment]) -> Assignment | None:
    open_ = [a for a in assignments if a.completed_at is None]
    pool = open_ or assignments
    return max(pool, key=lambda a: a.cycle) if pool else None


@dataclass
class LessonItem:
    page: ChildPage
    number: int
    is_lesson: bool
    studied: bool
    url: str


@dataclass
class Outline:
    staff: StaffProfile | None
    assignment: Assignment | None
    progress: Progress
    items: list[LessonItem]
    status: str | None
    continue_url: str | None


def _outline(course: CoursePage, staff, request) -> Outline:
    pages = course_children([course])[course.pk]
    assignment = _current_assignment(staff, course.pk)
    lesson_type = _lesson_type_id()
    since = assignment.progress_since if assignment else None
    studied: dict[tuple[int, int], dt.datetime] = {}
    met: set[tuple[int, int]] = set()
    if staff is not None:
        studied = {
            (staff.pk, lesson_id): when
            for lesson_id, when in LessonProgress.objects.filter(
                staff=staff,
                lesson_id__in=[p.pk for p in pages],
                completed_at__isnull=False,
            ).values_list("lesson_id", "completed_at")
        }
        met = requirements.requirements_met(
            staff_ids=[staff.pk], course_ids=[course.pk]
        )
    progress = progress_of(
        staff_id=staff.pk if staff else 0,
        course_id=course.pk,
        pages=pages,
        studied=studied,
        since=since,
        met=met,
        lesson_type=lesson_type,
    )
    items = [
        LessonItem(
            page=page,
            number=number,
            is_lesson=page.content_type_id == lesson_type,
            studied=(
                is_studied(studied.get((staff.pk if staff else 0, page.pk)), since)
                if page.content_type_id == lesson_type
                else (staff is not None and (staff.pk, course.pk) in met)
            ),
            url=page.get_url(request),
        )
        for number, page in enumerate(pages, start=1)
    ]
    return Outline(
        staff=staff,
        assignment=assignment,
        progress=progress,
        items=items,
        status=assignment_status(assignment) if assignment else None,
        continue_url=progress.next_page.get_url(request)
        if progress.next_page
        else None,
    )


def course_outline_get(*, course: CoursePage, user, request=None) -> Outline:
    return _outline(course, staff_get_for_user(user), request)


@dataclass
class LessonState:
    course: CoursePage
    outline: Outline
    number: int
    count: int
    previous: LessonItem | None
    next: LessonItem | None
    studied: bool
    studied_at: dt.datetime | None
    seconds_spent: int

    @property
    def minutes_spent(self) -> int:
        return self.seconds_spent // 60


def lesson_state_get(*, lesson: LessonPage, user, request=None) -> LessonState:
    course = CoursePage.objects.get(path=lesson.path[: -Page.steplen])
    staff = staff_get_for_user(user)
    outline = _outline(course, staff, request)
    index = next(
        (i for i, item in enumerate(outline.items) if item.page.pk == lesson.pk), 0
    )
    record = (  # none yet for a lesson previewed before its first save
        LessonProgress.objects.filter(staff=staff, lesson=lesson).first()
        if staff and lesson.pk
        else None
    )
    since = outline.assignment.progress_since if outline.assignment else None
    return LessonState(
        course=course,
        outline=outline,
        number=index + 1,
        count=len(outline.items),
        previous=outline.items[index - 1] if index > 0 else None,
        next=outline.items[index + 1] if index + 1 < len(outline.items) else None,
        studied=bool(record and is_studied(record.completed_at, since)),
        studied_at=record.completed_at if record else None,
        seconds_spent=record.seconds_spent if record else 0,
    )


# --- the manager's team view --------------------------------------------------


@dataclass
class TeamScope:
    """Whose staff a user may see: a department subtree, or everyone."""

    department: Department | None
    everyone: bool

    def departments(self) -> QuerySet[Department]:
        qs = Department.objects.order_by("path")
        if not self.everyone:
            qs = qs.filter(path__startswith=self.department.path)
        return qs

    def contains(self, department: Department) -> bool:
        return self.everyone or department.path.startswith(self.department.path)


def team_scope_get(user) -> TeamScope:
    """HR and administrators see everyone; a manager their department subtree;
    anyone else nothing (PermissionDenied)."""
    if user.is_superuser or roles.has_role(user, roles.HR):
        return TeamScope(department=None, everyone=True)
    if roles.has_role(user, roles.MANAGER):
        staff = staff_get_for_user(user)
        if staff is not None and staff.is_active:
            return TeamScope(department=staff.department, everyone=False)
    raise PermissionDenied


def team_assignments(
    scope: TeamScope,
    *,
    department: Department | None = None,
    course: CoursePage | None = None,
    status: str = "",
    search: str = "",
    now: dt.datetime | None = None,
) -> QuerySet[Assignment]:
    """Assignments of the staff in scope (narrowed by the filters), with staff,
    department and course loaded."""
    now = now or timezone.now()
    qs = Assignment.objects.select_related("staff__department", "course").filter(
        staff__is_active=True
    )
    if not scope.everyone:
        qs = qs.filter(staff__department__path__startswith=scope.department.path)
    if department is not None:
        qs = qs.filter(staff__department__path__startswith=department.path)
    if course is not None:
        qs = qs.filter(course=course)
    if status == Status.COMPLETED:
        qs = qs.filter(completed_at__isnull=False)
    elif status == Status.OVERDUE:
        qs = qs.filter(completed_at__isnull=True, due_at__lt=now)
    elif status == Status.OPEN:
        qs = qs.filter(completed_at__isnull=True, due_at__gte=now)
    if search:
        qs = qs.filter(
            Q(staff__employee_no__icontains=search)
            | Q(staff__name__icontains=search)
            | Q(staff__position__icontains=search)
        )
    return qs.order_by(
        "staff__department__path", "staff__employee_no", "course__path", "cycle"
    )


def team_summary(qs: QuerySet[Assignment], now: dt.datetime | None = None) -> dict:
    now = now or timezone.now()
    return qs.order_by().aggregate(
        total=Count("pk"),
        completed=Count("pk", filter=Q(completed_at__isnull=False)),
        overdue=Count("pk", filter=Q(completed_at__isnull=True, due_at__lt=now)),
        staff=Count("staff", distinct=True),
    )


def overdue_counts(staff_ids: Iterable[int], now: dt.datetime | None = None) -> dict:
    now = now or timezone.now()
    return dict(
        Assignment.objects.filter(
            staff_id__in=list(staff_ids), completed_at__isnull=True, due_at__lt=now
        )
        .values("staff_id")
        .annotate(n=Count("pk"))
        .values_list("staff_id", "n")
    )


@dataclass
class TeamRow:
    assignment: Assignment
    progress: Progress
    status: str
    overdue_count: int


def team_rows(assignments: list[Assignment], now=None) -> list[TeamRow]:
    progress = assignments_progress(assignments)
    overdue = overdue_counts({a.staff_id for a in assignments}, now)
    return [
        TeamRow(
            assignment=a,
            progress=progress[a.pk],
            status=assignment_status(a, now),
            overdue_count=overdue.get(a.staff_id, 0),
        )
        for a in assignments
    ]


# --- search -------------------------------------------------------------------


@dataclass
class SearchHit:
    lesson: LessonPage
    course_title: str
    snippet: str


def lesson_search(query: str, *, limit: int = 50) -> list[SearchHit]:
    """Live lessons containing every word of `query`.

    Chinese is written without spaces, so full-text engines that split on
    spaces (SQLite FTS5's unicode61, PostgreSQL's 'simple' configuration) see a
    whole sentence as one token and miss 知情权 inside it. We match substrings
    of the lesson's plain text instead: correct on every backend, and fast
    enough for a training library of hundreds of lessons.
    """
    terms = [t for t in query.split() if t][:8]
    if not terms:
        return []
    qs = LessonPage.objects.live()
    for term in terms:
        qs = qs.filter(search_text__icontains=term)
    lessons = list(qs.order_by("path")[:limit])
    parents = dict(
        Page.objects.filter(
            path__in={p.path[: -Page.steplen] for p in lessons}
        ).values_list("path", "title")
    )
    return [
        SearchHit(
            lesson=lesson,
            course_title=parents.get(lesson.path[: -Page.steplen], ""),
            snippet=_snippet(lesson.search_text, terms[0]),
        )
        for lesson in lessons
    ]


def _snippet(text: str, term: str, width: int = 60) -> str:
    at = text.lower().find(term.lower())
    if at < 0:
        return text[: width * 2]
    start = max(0, at - width)
    end = min(len(text), at + len(term) + width)
    return (
        ("…" if start else "")
        + text[start:end].replace("\n", " ")
        + ("…" if end < len(text) else "")
    )


# --- reminders ----------------------------------------------------------------


def reminder_assignments(*, until: dt.datetime) -> list[Assignment]:
    """Open assignments of active staff due before `until` (overdue included)."""
    return list(
        Assignment.objects.filter(
            completed_at__isnull=True,
            due_at__lte=until,
            staff__is_active=True,
            staff__user__is_active=True,
            course__live=True,
        )
        .select_related("staff__user", "staff__department", "course")
        .order_by("staff__department__path", "staff__employee_no", "due_at")
    )


def manager_digests(pending: list[Assignment]):
    """(manager, their subtree's pending assignments) for every active manager
    with at least one."""
    managers = (
        StaffProfile.objects.filter(
            is_active=True,
            user__is_active=True,
            user__groups__name=roles.MANAGER,
        )
        .select_related("user", "department")
        .distinct()
        .order_by("employee_no")
    )
    for manager in managers:
        items = [
            a
            for a in pending
            if a.staff.department.path.startswith(manager.department.path)
            and a.staff_id != manager.pk
        ]
        if items:
            yield manager, items


def staff_overview(*, staff: StaffProfile) -> list[TeamRow]:
    """One person's assignments (the manager's drill-down)."""
    assignments = list(
        Assignment.objects.filter(staff=staff)
        .select_related("staff__department", "course")
        .order_by("course__path", "cycle")
    )
    return team_rows(assignments)
