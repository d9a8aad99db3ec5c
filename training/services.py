"""Writes of training: assignments, lesson progress, course completion, study
hours and reminders. Views, admin views, commands, tasks and signal receivers
only call these.

Assignment rules (decided here, tested in tests/training/test_assignments.py):
- A *mandatory*, live course is assigned automatically to its audience: when it
  is published, when staff join, and when staff move department or position.
  Staff who leave the audience keep what they were assigned (and their progress).
- Each assignment of a (staff, course) pair has the next `cycle` number.
- Recertification: period n of a pair starts `recertify_months * (n - 1)` months
  after its first assignment. When the current period has no assignment yet, one
  is created, due `due_days` from now; periods that passed unnoticed are caught up
  by that single assignment rather than recreated one by one (a pile of
  assignments that are overdue the moment they appear helps nobody).
- A course is complete for an assignment when every live lesson was studied
  since the assignment's window opened (any time for cycle 1, since assignment
  for later cycles) and every registered requirement (quizzes) is met.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.template.loader import render_to_string
from django.utils import timezone, translation
from wagtail.models import Page, Site

from org.models import Department, StaffProfile
from training import selectors
from training.models import (
    Assignment,
    CoursePage,
    LessonPage,
    LessonProgress,
    SentReminder,
    StudyCredit,
    TrainingHomePage,
)

logger = logging.getLogger(__name__)

# A single visit can credit at most this much study time (a tab left open
# overnight is not study).
MAX_SECONDS_PER_VISIT = 4 * 60 * 60


# --- dates --------------------------------------------------------------------


def end_of_day(day: dt.date) -> dt.datetime:
    """The last second of `day` in the site's time zone."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time(23, 59, 59)))


def due_after(days: int, now: dt.datetime | None = None) -> dt.datetime:
    now = now or timezone.now()
    return end_of_day(timezone.localdate(now) + dt.timedelta(days=days))


def add_months(moment: dt.datetime, months: int) -> dt.datetime:
    """`moment` plus whole calendar months (the day clipped to the month's end)."""
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    day = moment.day
    while True:
        try:
            return moment.replace(year=year, month=month, day=day)
        except ValueError:
            day -= 1


def recertification_period(
    first: dt.datetime, moment: dt.datetime, recertify_months: int
) -> int:
    """Which period (1, 2, …) `moment` falls in, periods starting at `first`."""
    if recertify_months <= 0 or moment <= first:
        return 1
    months = (moment.year - first.year) * 12 + moment.month - first.month
    if add_months(first, months) > moment:
        months -= 1
    return months // recertify_months + 1


# --- the site -----------------------------------------------------------------

HOME_SLUG = "academy"


@transaction.atomic
def training_home_ensure(*, title: str = "权益学堂") -> TrainingHomePage:
    """The learner dashboard as the default Site's root page (served at `/`),
    replacing Wagtail's initial welcome page. Idempotent."""
    home = TrainingHomePage.objects.first()
    root = Page.get_first_root_node()
    if home is None:
        home = TrainingHomePage(title=title, slug=HOME_SLUG, live=False)
        root.add_child(instance=home)
        home.save_revision().publish()
    site = Site.objects.filter(is_default_site=True).first()
    if site is None:
        Site.objects.create(
            hostname="localhost",
            port=80,
            root_page=home,
            is_default_site=True,
            site_name=title,
        )
    elif site.root_page_id != home.pk:
        site.root_page = home
        site.save(update_fields=["root_page"])
    # Wagtail's welcome page (a bare Page titled "Welcome to your new Wagtail
    # site!") is no longer reachable: remove it if nobody added content under it.
    bare = ContentType.objects.get_for_model(Page)
    for page in Page.objects.child_of(Page.objects.get(pk=root.pk)).filter(
        content_type=bare, numchild=0
    ):
        if not Site.objects.filter(root_page=page).exists():
            page.delete()
    return home


# --- assignments --------------------------------------------------------------


def _auto_courses():
    return CoursePage.objects.live().filter(mandatory=True)


def assignments_sync_course(
    *, course: CoursePage, now: dt.datetime | None = None
) -> int:
    """Assign a live mandatory course to everyone in its audience who never had
    it. Returns how many assignments were created."""
    course = CoursePage.objects.get(pk=course.pk)
    if not (course.live and course.mandatory):
        return 0
    now = now or timezone.now()
    staff_ids = (
        StaffProfile.objects.filter(selectors.audience_q(course))
        .exclude(assignments__course=course)
        .values_list("pk", flat=True)
    )
    due_at = due_after(course.due_days, now)
    created = Assignment.objects.bulk_create(
        [
            Assignment(
                staff_id=staff_id,
                course=course,
                cycle=1,
                assigned_at=now,
                due_at=due_at,
                source=Assignment.Source.AUDIENCE,
            )
            for staff_id in staff_ids
        ],
        ignore_conflicts=True,
    )
    return len(created)


def assignments_sync_staff(
    *, staff_ids: Iterable[int], now: dt.datetime | None = None
) -> int:
    """New hires and movers: assign every live mandatory course whose audience
    now includes them and that they never had. Constant number of queries."""
    staff_ids = list(staff_ids)
    if not staff_ids:
        return 0
    now = now or timezone.now()
    courses = list(_auto_courses().prefetch_related("audience_departments"))
    if not courses:
        return 0
    people = list(
        StaffProfile.objects.filter(pk__in=staff_ids, is_active=True).values_list(
            "pk", "department__path", "position"
        )
    )
    had = set(
        Assignment.objects.filter(
            staff_id__in=staff_ids, course__in=courses
        ).values_list("staff_id", "course_id")
    )
    new = []
    for course in courses:
        paths = [d.path for d in course.audience_departments.all()]
        positions = set(course.position_list)
        due_at = due_after(course.due_days, now)
        for staff_id, path, position in people:
            if (staff_id, course.pk) in had:
                continue
            if paths and not any(path.startswith(p) for p in paths):
                continue
            if positions and position not in positions:
                continue
            new.append(
                Assignment(
                    staff_id=staff_id,
                    course=course,
                    cycle=1,
                    assigned_at=now,
                    due_at=due_at,
                    source=Assignment.Source.AUDIENCE,
                )
            )
    return len(Assignment.objects.bulk_create(new, ignore_conflicts=True))


def _next_cycles(staff_ids: Iterable[int], course: CoursePage) -> dict[int, int]:
    latest = dict(
        Assignment.objects.filter(course=course, staff_id__in=list(staff_ids))
        .values("staff_id")
        .annotate(top=Max("cycle"))
        .values_list("staff_id", "top")
    )
    return {staff_id: latest.get(staff_id, 0) + 1 for staff_id in staff_ids}


def assignment_create(
    *,
    staff: StaffProfile,
    course: CoursePage,
    due_at: dt.datetime,
    source: str = Assignment.Source.MANUAL,
    assigned_by=None,
    reason: str = "",
) -> Assignment:
    """A new cycle of `course` for `staff` (remediation, or one person by hand).

    Always a new assignment, even if one is open: a remediation must be studied
    again after the complaint, and the incentives app links to this record.
    """
    for _attempt in range(3):
        try:
            with transaction.atomic():
                cycle = _next_cycles([staff.pk], course)[staff.pk]
                return Assignment.objects.create(
                    staff=staff,
                    course=course,
                    cycle=cycle,
                    assigned_at=timezone.now(),
                    due_at=due_at,
                    source=source,
                    assigned_by=assigned_by,
                    reason=reason,
                )
        except IntegrityError:  # a concurrent writer took this cycle number
            continue
    raise RuntimeError("could not allocate an assignment cycle")


@dataclass
class AssignPlan:
    """Who an HR/trainer assignment would reach, before it is confirmed."""

    course: CoursePage
    due_at: dt.datetime
    to_assign: list[StaffProfile] = field(default_factory=list)
    already_open: list[StaffProfile] = field(default_factory=list)


def assignments_plan(
    *,
    course: CoursePage,
    due_at: dt.datetime,
    departments: Iterable[Department] = (),
    staff: Iterable[StaffProfile] = (),
) -> AssignPlan:
    """Active staff of `departments` (with their subtrees) and `staff`; those
    with an open assignment of the course are left as they are."""
    targets = selectors.staff_targets(departments=departments, staff=staff)
    open_ids = set(
        Assignment.objects.filter(
            course=course, staff__in=targets, completed_at__isnull=True
        ).values_list("staff_id", flat=True)
    )
    plan = AssignPlan(course=course, due_at=due_at)
    for person in targets:
        (plan.already_open if person.pk in open_ids else plan.to_assign).append(person)
    return plan


@transaction.atomic
def assignments_assign(
    *,
    course: CoursePage,
    due_at: dt.datetime,
    departments: Iterable[Department] = (),
    staff: Iterable[StaffProfile] = (),
    assigned_by=None,
    reason: str = "",
) -> AssignPlan:
    """HR or a trainer assigns a course to departments and/or people."""
    plan = assignments_plan(
        course=course, due_at=due_at, departments=departments, staff=staff
    )
    cycles = _next_cycles([p.pk for p in plan.to_assign], course)
    now = timezone.now()
    Assignment.objects.bulk_create(
        [
            Assignment(
                staff=person,
                course=course,
                cycle=cycles[person.pk],
                assigned_at=now,
                due_at=due_at,
                source=Assignment.Source.MANUAL,
                assigned_by=assigned_by,
                reason=reason,
            )
            for person in plan.to_assign
        ]
    )
    return plan


def assignments_recertify(*, now: dt.datetime | None = None) -> int:
    """Create the current period's assignment for every pair whose latest
    assignment belongs to an earlier period. Idempotent within a period."""
    now = now or timezone.now()
    created = 0
    for course in _auto_courses().filter(recertify_months__gt=0):
        audience = set(
            StaffProfile.objects.filter(selectors.audience_q(course)).values_list(
                "pk", flat=True
            )
        )
        first: dict[int, dt.datetime] = {}
        latest: dict[int, tuple[int, dt.datetime]] = {}
        for staff_id, cycle, assigned_at in (
            Assignment.objects.filter(course=course)
            .order_by("staff_id", "cycle")
            .values_list("staff_id", "cycle", "assigned_at")
        ):
            first.setdefault(staff_id, assigned_at)
            latest[staff_id] = (cycle, assigned_at)
        due_at = due_after(course.due_days, now)
        new = []
        for staff_id, (cycle, assigned_at) in latest.items():
            if staff_id not in audience:
                continue
            months = course.recertify_months
            start = first[staff_id]
            if recertification_period(start, now, months) > recertification_period(
                start, assigned_at, months
            ):
                new.append(
                    Assignment(
                        staff_id=staff_id,
                        course=course,
                        cycle=cycle + 1,
                        assigned_at=now,
                        due_at=due_at,
                        source=Assignment.Source.AUDIENCE,
                    )
                )
        created += len(Assignment.objects.bulk_create(new, ignore_conflicts=True))
    return created


def assignments_sync_all(*, now: dt.datetime | None = None) -> dict[str, int]:
    """The daily job: audiences of every live mandatory course, then
    recertification."""
    assigned = sum(
        assignments_sync_course(course=course, now=now) for course in _auto_courses()
    )
    return {"assigned": assigned, "recertified": assignments_recertify(now=now)}


# --- progress and completion --------------------------------------------------


@transaction.atomic
def lesson_mark_studied(
    *, staff: StaffProfile, lesson: LessonPage, seconds: int = 0
) -> LessonProgress:
    """Record that `staff` studied `lesson` (now), adding the time spent, then
    refresh the completion of the course."""
    now = timezone.now()
    seconds = max(0, min(int(seconds or 0), MAX_SECONDS_PER_VISIT))
    progress, _created = LessonProgress.objects.select_for_update().get_or_create(
        staff=staff, lesson=lesson
    )
    course = lesson.get_parent().specific
    windows = [
        a.progress_since
        for a in Assignment.objects.filter(
            staff=staff, course_id=course.pk, completed_at__isnull=True
        )
    ]
    if progress.completed_at is None or any(
        w is not None and w > progress.completed_at for w in windows
    ):
        progress.completed_at = now
    progress.seconds_spent += seconds
    progress.save(update_fields=["completed_at", "seconds_spent", "updated_at"])
    if isinstance(course, CoursePage):
        course_completion_refresh(staff=staff, course=course)
    return progress


def course_completion_refresh_at(
    *, staff: StaffProfile, course_path: str
) -> list[Assignment]:
    """`course_completion_refresh` for the course at `course_path` (the
    parent of a quiz page), when the learner has an open assignment of it;
    one query when they have none, as on most submits."""
    course_id = (
        Assignment.objects.filter(
            staff=staff, course__path=course_path, completed_at__isnull=True
        )
        .values_list("course_id", flat=True)
        .first()
    )
    if course_id is None:
        return []
    course = CoursePage.objects.get(pk=course_id)
    return course_completion_refresh(staff=staff, course=course)


@transaction.atomic
def course_completion_refresh(
    *, staff: StaffProfile, course: CoursePage
) -> list[Assignment]:
    """Mark the open assignments of (staff, course) completed when their lessons
    are studied and every requirement (quizzes) is met. Called after a lesson is
    studied and by the quizzes app after a pass. Returns what it completed."""
    open_assignments = list(
        Assignment.objects.select_for_update()
        .filter(staff=staff, course_id=course.pk, completed_at__isnull=True)
        .select_related("course")
        .order_by("cycle")
    )
    if not open_assignments:
        return []
    progress = selectors.assignments_progress(open_assignments)
    done = [a for a in open_assignments if progress[a.pk].complete]
    if not done:
        return []
    now = timezone.now()
    for assignment in done:
        assignment.completed_at = now
    Assignment.objects.bulk_update(done, ["completed_at"])
    newest = done[-1]
    StudyCredit.objects.create(
        staff=staff,
        assignment=newest,
        course_id=course.pk,
        course_title=course.title,
        minutes=course.estimated_minutes,
        year=timezone.localdate(now).year,
        credited_at=now,
    )
    return done


# --- reminders ----------------------------------------------------------------


@dataclass
class ReminderReport:
    learners: int = 0
    managers: int = 0
    skipped: int = 0


def _claim(recipient_id: int, kind: str, day: dt.date) -> SentReminder | None:
    """Take today's slot for this reminder; None if someone already has."""
    try:
        with transaction.atomic():
            return SentReminder.objects.create(
                recipient_id=recipient_id, kind=kind, date=day
            )
    except IntegrityError:
        return None


def _send(claim: SentReminder, *, to: str, subject: str, body: str) -> bool:
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [to])
    except Exception:
        logger.exception("reminder to %s failed; it will be retried", to)
        claim.delete()  # free the slot so that the next run tries again
        return False
    return True


def reminders_send(*, days: int = 3, now: dt.datetime | None = None) -> ReminderReport:
    """E-mail every learner with courses due within `days` days or overdue, and
    each manager one digest of their subtree. At most one of each per person and
    day, however often this runs (also concurrently)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    report = ReminderReport()
    pending = selectors.reminder_assignments(
        until=end_of_day(today + dt.timedelta(days=days))
    )
    by_staff: dict[int, list[Assignment]] = defaultdict(list)
    for assignment in pending:
        by_staff[assignment.staff_id].append(assignment)
    base_url = settings.WAGTAILADMIN_BASE_URL.rstrip("/")
    with translation.override(settings.LANGUAGE_CODE):
        for items in by_staff.values():
            person = items[0].staff
            if not person.user.email:
                continue
            claim = _claim(person.user_id, SentReminder.Kind.LEARNER, today)
            if claim is None:
                report.skipped += 1
                continue
            context = {"staff": person, "items": items, "now": now, "url": base_url}
            if _send(
                claim,
                to=person.user.email,
                subject=render_to_string(
                    "training/email/learner_reminder_subject.txt", context
                ).strip(),
                body=render_to_string("training/email/learner_reminder.txt", context),
            ):
                report.learners += 1
        for manager, items in selectors.manager_digests(pending):
            if not manager.user.email:
                continue
            claim = _claim(manager.user_id, SentReminder.Kind.MANAGER_DIGEST, today)
            if claim is None:
                report.skipped += 1
                continue
            context = {"manager": manager, "items": items, "now": now, "url": base_url}
            if _send(
                claim,
                to=manager.user.email,
                subject=render_to_string(
                    "training/email/manager_digest_subject.txt", context
                ).strip(),
                body=render_to_string("training/email/manager_digest.txt", context),
            ):
                report.managers += 1
    return report
