"""Incentive evaluation: a period's events → pending ledger entries.

One service for the command, the HR admin view and the background task:
`evaluate_period(period, by=…, dry_run=…)`. It reads each trigger's events with
a fixed number of set-based queries (the count does not grow with staff,
attempts or complaints) and inserts the entries in bulk with ON CONFLICT DO
NOTHING on the unique posting key, so running it again, or twice at once,
posts each entry once. All of it happens in one transaction: a failure in the
middle leaves the ledger as it was.

Posting keys name the rule (not its version) and the event, not the period:
an attempt, a complaint or an assignment earns a rule's entry once, whether
its month or its quarter is evaluated, and a new version of a rule does not
pay again for an event its older version already posted.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import F, Max, OuterRef, Q, Subquery
from django.db.models.constants import OnConflict
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.jobs import PROGRESS_KEY
from core.models import Job
from incentives.models import (
    Complaint,
    EntryKind,
    EvaluationRun,
    LedgerEntry,
    RemediationLink,
    RuleVersion,
    TriggerKind,
)
from incentives.periods import period_bounds, period_dates, period_normalise
from incentives.services.ledger import posting_key
from quizzes.models import Attempt, QuizPage
from quizzes.selectors import attempt_outcomes
from training.models import Assignment, CoursePage

T = TriggerKind
logger = logging.getLogger(__name__)

# Reasons, stored in the site's default language (Chinese) when posted.
REASONS = {
    T.QUIZ_PASSED_FIRST_ATTEMPT: _("Passed the quiz “%(quiz)s” at the first attempt"),
    T.QUIZ_PERFECT_SCORE: _("Full marks in the quiz “%(quiz)s”"),
    T.QUIZ_FAILED_ALL_ATTEMPTS: _("Failed the quiz “%(quiz)s” with every attempt used"),
    T.COURSE_COMPLETED_ON_TIME: _("Completed the course “%(course)s” on time"),
    T.COURSE_OVERDUE_AT_PERIOD_END: _(
        "The course “%(course)s” was overdue (due %(due)s) at the end of %(period)s"
    ),
    T.COMPLAINT_UPHELD_AT_FAULT: _(
        "Complaint %(ref)s was upheld with this employee at fault"
    ),
    T.COMPLAINT_RESOLVED_ON_TIME_SATISFIED: _(
        "Complaint %(ref)s was resolved on time and the customer was satisfied"
    ),
    T.COMPLAINT_OVERDUE: _("Complaint %(ref)s passed its deadline (%(due)s)"),
    T.REMEDIATION_COMPLETED_ON_TIME: _(
        "Completed the remediation course “%(course)s” for complaint %(ref)s on time"
    ),
}
UPHELD = (Complaint.Outcome.UPHELD, Complaint.Outcome.PARTLY_UPHELD)


@dataclass
class Candidate:
    """An entry the evaluation would post."""

    rule_version: RuleVersion
    staff_id: int
    source_model: type
    source_id: int
    evidence_label: str
    reason: str
    posting_key: str
    already_posted: bool = False

    @property
    def kind(self) -> str:
        return self.rule_version.kind

    @property
    def points(self) -> int:
        sign = 1 if self.kind == EntryKind.REWARD else -1
        return sign * self.rule_version.points

    @property
    def amount(self) -> Decimal:
        sign = 1 if self.kind == EntryKind.REWARD else -1
        return sign * self.rule_version.amount


@dataclass
class EvaluationResult:
    period: str
    dry_run: bool
    candidates: list[Candidate] = field(default_factory=list)
    run: EvaluationRun | None = None

    @property
    def new(self) -> list[Candidate]:
        return [c for c in self.candidates if not c.already_posted]

    @property
    def created(self) -> int:
        return self.run.created if self.run else 0

    @property
    def skipped(self) -> int:
        return len(self.candidates) - len(self.new)


@dataclass
class _Window:
    period: str
    start: dt.datetime  # inclusive
    end: dt.datetime  # exclusive
    cutoff: dt.datetime  # min(end, now): what "still open at the end" can see
    last_day: dt.date


def rule_versions_in_force(start_day: dt.date, last_day: dt.date) -> list[RuleVersion]:
    """The current (latest) version of every rule, if it is active and its
    window meets the period. One query."""
    latest = (
        RuleVersion.objects.filter(rule=OuterRef("rule"))
        .values("rule")
        .annotate(n=Max("number"))
        .values("n")
    )
    return list(
        RuleVersion.objects.filter(number=Subquery(latest), is_active=True)
        .filter(active_from__lte=last_day)
        .filter(Q(active_until__isnull=True) | Q(active_until__gte=start_day))
        .select_related("rule")
        .order_by("rule__code")
    )


def _local_date(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d")


# --- triggers ---------------------------------------------------------------------


def _quiz_candidates(versions, window: _Window, add) -> None:
    outcomes = attempt_outcomes(start=window.start, end=window.end)
    if not outcomes:
        return
    quiz_titles = dict(
        QuizPage.objects.filter(pk__in={o.quiz_id for o in outcomes}).values_list(
            "pk", "title"
        )
    )
    topics = dict(
        CoursePage.objects.filter(
            pk__in={o.course_id for o in outcomes if o.course_id}
        ).values_list("pk", "topic")
    )
    quiz_candidates_for(versions, outcomes, quiz_titles, topics, add)


QUIZ_TESTS = {
    T.QUIZ_PASSED_FIRST_ATTEMPT: lambda o: o.is_first_attempt and o.passed,
    T.QUIZ_PERFECT_SCORE: lambda o: o.is_perfect and o.passed,
    T.QUIZ_FAILED_ALL_ATTEMPTS: lambda o: o.attempts_exhausted_without_pass,
}


def quiz_candidates_for(versions, outcomes, quiz_titles, topics, add) -> None:
    """Apply the quiz rules to attempt outcomes (no queries); the regrade
    receiver shares it."""
    label_format = gettext("%(quiz)s, attempt %(number)s")
    for version in versions:
        test = QUIZ_TESTS[version.trigger]
        for outcome in outcomes:
            if not test(outcome):
                continue
            if version.quiz_id and outcome.quiz_id != version.quiz_id:
                continue
            if version.course_id and outcome.course_id != version.course_id:
                continue
            if version.topic and topics.get(outcome.course_id) != version.topic:
                continue
            title = quiz_titles.get(outcome.quiz_id, "")
            add(
                version,
                staff_id=outcome.staff_id,
                source_model=Attempt,
                source_id=outcome.attempt_id,
                label=label_format % {"quiz": title, "number": outcome.number},
                reason={"quiz": title},
            )


def _assignment_rows(versions, queryset):
    """(version, row) pairs passing each version's course/topic filter; a row
    is (pk, staff_id, course_id, course topic, course title, due_at). Plain
    tuples: a quarter has a hundred thousand assignments."""
    rows = list(
        queryset.order_by("pk").values_list(
            "pk", "staff_id", "course_id", "course__topic", "course__title", "due_at"
        )
    )
    for version in versions:
        for row in rows:
            if version.course_id and row[2] != version.course_id:
                continue
            if version.topic and row[3] != version.topic:
                continue
            yield version, row


def _course_completed_candidates(versions, window: _Window, add) -> None:
    done = Assignment.objects.filter(
        course__mandatory=True,
        completed_at__gte=window.start,
        completed_at__lt=window.end,
        completed_at__lte=F("due_at"),
    ).exclude(source=Assignment.Source.REMEDIATION)
    for version, (pk, staff_id, _course, _topic, title, _due) in _assignment_rows(
        versions, done
    ):
        add(
            version,
            staff_id=staff_id,
            source_model=Assignment,
            source_id=pk,
            label=title,
            reason={"course": title},
        )


def _course_overdue_candidates(versions, window: _Window, add) -> None:
    # Once per assignment: it fell due in the period and was still not done
    # at the period's end (or now, for the current period).
    overdue = Assignment.objects.filter(
        course__mandatory=True,
        staff__is_active=True,
        due_at__gte=window.start,
        due_at__lt=window.cutoff,
    ).filter(Q(completed_at__isnull=True) | Q(completed_at__gte=window.cutoff))
    for version, (pk, staff_id, _course, _topic, title, due) in _assignment_rows(
        versions, overdue
    ):
        add(
            version,
            staff_id=staff_id,
            source_model=Assignment,
            source_id=pk,
            label=title,
            reason={"course": title, "due": _local_date(due), "period": window.period},
        )


def _remediation_candidates(versions, window: _Window, add) -> None:
    links = list(
        RemediationLink.objects.filter(
            assignment__completed_at__gte=window.start,
            assignment__completed_at__lt=window.end,
            assignment__completed_at__lte=F("assignment__due_at"),
        )
        .order_by("pk")
        .values_list(
            "assignment_id",
            "assignment__staff_id",
            "assignment__course_id",
            "assignment__course__topic",
            "assignment__course__title",
            "complaint__reference_no",
        )
    )
    for version in versions:
        for assignment_id, staff_id, course_id, topic, title, reference in links:
            if version.course_id and course_id != version.course_id:
                continue
            if version.topic and topic != version.topic:
                continue
            add(
                version,
                staff_id=staff_id,
                source_model=Assignment,
                source_id=assignment_id,
                label=f"{title} · {reference}",
                reason={"course": title, "ref": reference},
            )


def _complaint_candidates(versions, window: _Window, add) -> None:
    resolved_in_period = Q(resolved_at__gte=window.start, resolved_at__lt=window.end)
    queries = {
        T.COMPLAINT_UPHELD_AT_FAULT: (
            Complaint.objects.filter(
                resolved_in_period,
                outcome__in=UPHELD,
                staff_at_fault=True,
                responsible_staff__isnull=False,
            ),
            "responsible_staff_id",
        ),
        T.COMPLAINT_RESOLVED_ON_TIME_SATISFIED: (
            Complaint.objects.filter(
                resolved_in_period,
                status=Complaint.Status.CLOSED,
                resolved_at__lte=F("deadline_at"),
                customer_satisfied=True,
                handler__isnull=False,
            ),
            "handler_id",
        ),
        # Once per complaint, in the period its deadline passed.
        T.COMPLAINT_OVERDUE: (
            Complaint.objects.filter(
                deadline_at__gte=window.start,
                deadline_at__lt=window.cutoff,
                handler__isnull=False,
            ).filter(Q(resolved_at__isnull=True) | Q(resolved_at__gt=F("deadline_at"))),
            "handler_id",
        ),
    }
    by_trigger = defaultdict(list)
    for version in versions:
        by_trigger[version.trigger].append(version)
    for trigger, trigger_versions in by_trigger.items():
        queryset, staff_field = queries[trigger]
        rows = list(
            queryset.order_by("pk").values_list(
                "pk", "reference_no", "category", "deadline_at", staff_field
            )
        )
        for version in trigger_versions:
            for pk, reference, category, deadline, staff_id in rows:
                if (
                    version.complaint_category
                    and category != version.complaint_category
                ):
                    continue
                add(
                    version,
                    staff_id=staff_id,
                    source_model=Complaint,
                    source_id=pk,
                    label=reference,
                    reason={"ref": reference, "due": _local_date(deadline)},
                )


HANDLERS = (
    (
        {T.QUIZ_PASSED_FIRST_ATTEMPT, T.QUIZ_PERFECT_SCORE, T.QUIZ_FAILED_ALL_ATTEMPTS},
        _quiz_candidates,
    ),
    ({T.COURSE_COMPLETED_ON_TIME}, _course_completed_candidates),
    ({T.COURSE_OVERDUE_AT_PERIOD_END}, _course_overdue_candidates),
    ({T.REMEDIATION_COMPLETED_ON_TIME}, _remediation_candidates),
    (
        {
            T.COMPLAINT_UPHELD_AT_FAULT,
            T.COMPLAINT_RESOLVED_ON_TIME_SATISFIED,
            T.COMPLAINT_OVERDUE,
        },
        _complaint_candidates,
    ),
)


# --- the service ------------------------------------------------------------------


def evaluation_candidates(
    period: str, *, now: dt.datetime | None = None, progress=None
) -> list[Candidate]:
    """Every entry the period's events earn under the rules in force, each
    marked `already_posted` if its posting key is taken. Reads only."""
    period = period_normalise(period)
    start, end = period_bounds(period)
    first_day, last_day = period_dates(period)
    now = now or timezone.now()
    window = _Window(period, start, end, min(end, now), last_day)
    versions = rule_versions_in_force(first_day, last_day)
    candidates: dict[str, Candidate] = {}
    # Resolved once, not per candidate: a quarter has ~100,000 of them. The
    # reasons are resolved in the default language (see the override below).
    reason_formats: dict[str, str] = {}

    def add(version, *, staff_id, source_model, source_id, label, reason):
        key = posting_key(
            rule_code=version.rule.code,
            source=f"{source_model._meta.model_name}:{source_id}",
            staff_id=staff_id,
        )
        if key in candidates:
            return
        reason_format = reason_formats.get(version.trigger)
        if reason_format is None:
            reason_format = reason_formats[version.trigger] = str(
                REASONS[version.trigger]
            )
        candidates[key] = Candidate(
            rule_version=version,
            staff_id=staff_id,
            source_model=source_model,
            source_id=source_id,
            evidence_label=str(label)[:200],
            reason=reason_format % reason,
            posting_key=key,
        )

    steps = [
        (handler, [v for v in versions if v.trigger in triggers])
        for triggers, handler in HANDLERS
    ]
    steps = [(handler, vs) for handler, vs in steps if vs]
    with translation.override(settings.LANGUAGE_CODE):
        for done, (handler, step_versions) in enumerate(steps, start=1):
            handler(step_versions, window, add)
            if progress:
                progress(done, len(steps) + 1)
    for key in _taken_keys(candidates.values()) & candidates.keys():
        candidates[key].already_posted = True
    return list(candidates.values())


def _taken_keys(candidates) -> set[str]:
    """Posting keys already in the ledger among the candidates' sources, in one
    query by source id RANGE (an IN list of every key would outgrow the
    database's parameter limit at a bank's size); callers intersect."""
    ids = defaultdict(list)
    for candidate in candidates:
        ids[candidate.source_model].append(candidate.source_id)
    if not ids:
        return set()
    types = ContentType.objects.get_for_models(*ids)
    where = Q()
    for model, source_ids in ids.items():
        where |= Q(
            source_type=types[model],
            source_id__gte=min(source_ids),
            source_id__lte=max(source_ids),
        )
    return set(
        LedgerEntry.objects.filter(where, rule_version__isnull=False).values_list(
            "posting_key", flat=True
        )
    )


#: The temporary table the entries pass through on PostgreSQL.
STAGING_TABLE = "incentives_evaluation_staging"


def _insert_entries(candidates: list[Candidate], *, period: str, run, by) -> None:
    """Insert the candidates' ledger entries, skipping any posting key taken
    meanwhile (a concurrent run): what bulk_create(ignore_conflicts=True)
    does, without building a model instance and preparing every field of
    every row (most of the evaluation's time at a bank's size). The values
    are prepared by the fields themselves, once per rule version and once
    for the columns every entry shares."""
    if not candidates:
        return
    # One template entry gives the values the entries share (period, run,
    # creator, status, created_at …) exactly as the model would save them.
    template = LedgerEntry(period=period, created_by=by, evaluation_run=run)
    fields = [f for f in LedgerEntry._meta.concrete_fields if not f.primary_key]
    shared = {
        f.attname: f.get_db_prep_save(f.pre_save(template, True), connection)
        for f in fields
    }
    amount_field = LedgerEntry._meta.get_field("amount")
    per_version = {}
    for candidate in candidates:
        version = candidate.rule_version
        if version.pk not in per_version:
            per_version[version.pk] = (
                candidate.kind,
                candidate.points,
                amount_field.get_db_prep_save(candidate.amount, connection),
            )
    types = {
        model: content_type.pk
        for model, content_type in ContentType.objects.get_for_models(
            *{c.source_model for c in candidates}
        ).items()
    }
    varying = [
        "staff_id",
        "rule_version_id",
        "kind",
        "points",
        "amount",
        "source_type_id",
        "source_id",
        "evidence_label",
        "posting_key",
        "reason",
    ]
    constant = [f.attname for f in fields if f.attname not in varying]
    columns = [LedgerEntry._meta.get_field(name).column for name in varying]
    columns += [LedgerEntry._meta.get_field(name).column for name in constant]
    tail = tuple(shared[name] for name in constant)
    rows = [
        (
            c.staff_id,
            c.rule_version.pk,
            *per_version[c.rule_version.pk],
            types[c.source_model],
            c.source_id,
            c.evidence_label,
            c.posting_key,
            c.reason,
        )
        for c in candidates
    ]
    ops = connection.ops
    head = "{} {} ({})".format(
        ops.insert_statement(on_conflict=OnConflict.IGNORE),
        ops.quote_name(LedgerEntry._meta.db_table),
        ", ".join(ops.quote_name(column) for column in columns),
    )
    suffix = ops.on_conflict_suffix_sql(fields, OnConflict.IGNORE, [], [])
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            # SQLite: one prepared statement, stepped per row in C.
            placeholders = ", ".join(["%s"] * len(columns))
            cursor.executemany(
                f"{head} VALUES ({placeholders}) {suffix}",
                [row + tail for row in rows],
            )
            return
        # PostgreSQL: the rows are COPied into a temporary table (psycopg
        # formats them in C), then moved into the ledger by one INSERT …
        # SELECT with the shared values as parameters. Arrays passed to
        # unnest() cost ten times as much: each value quoted in Python and
        # parsed again by the server.
        field_of = LedgerEntry._meta.get_field
        staging = ops.quote_name(STAGING_TABLE)
        definitions = ", ".join(
            f"{ops.quote_name(field_of(name).column)} "
            f"{field_of(name).db_type(connection)}"
            for name in varying
        )
        constants = ", ".join(
            f"%s::{field_of(name).db_type(connection)}" for name in constant
        )
        # Dropped explicitly: the transaction may be an outer one's savepoint.
        cursor.execute(f"CREATE TEMPORARY TABLE {staging} ({definitions})")
        with cursor.copy(f"COPY {staging} FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        cursor.execute(f"{head} SELECT *, {constants} FROM {staging} {suffix}", tail)  # noqa: S608
        cursor.execute(f"DROP TABLE {staging}")


def evaluate_period(
    period: str,
    *,
    by=None,
    dry_run: bool = False,
    now: dt.datetime | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> EvaluationResult:
    """Post the period's pending entries (or, with dry_run, only say what
    they would be, writing nothing). Raises ValidationError on a bad period."""
    period = period_normalise(period)
    if dry_run:
        return EvaluationResult(
            period=period,
            dry_run=True,
            candidates=evaluation_candidates(period, now=now, progress=progress),
        )
    with transaction.atomic():
        run = EvaluationRun.objects.create(period=period, started_by=by)
        candidates = evaluation_candidates(period, now=now, progress=progress)
        _insert_entries(
            [c for c in candidates if not c.already_posted],
            period=period,
            run=run,
            by=by,
        )
        created = LedgerEntry.objects.filter(evaluation_run=run).count()
        EvaluationRun.objects.filter(pk=run.pk).update(
            status=EvaluationRun.Status.DONE,
            finished_at=timezone.now(),
            candidates=len(candidates),
            created=created,
            skipped=len(candidates) - created,
        )
        run.refresh_from_db()
    if progress:
        progress(1, 1)
    return EvaluationResult(
        period=period, dry_run=False, candidates=candidates, run=run
    )


# --- as a background job -------------------------------------------------------------

#: core.Job.kind of an evaluation (core's Kind lists imports only so far).
JOB_KIND = "incentive_evaluation"


def evaluation_job_create(*, period: str, by) -> Job:
    """Queue the evaluation of `period` as a core Job (progress and result on
    the job). Raises ValidationError on a bad period before queueing."""
    period = period_normalise(period)
    job = Job.objects.create(
        kind=JOB_KIND, record_kind="ledger", input_name=period, created_by=by
    )

    def enqueue():
        from incentives.tasks import evaluate_incentives

        evaluate_incentives.enqueue(job_id=str(job.pk))

    transaction.on_commit(enqueue)
    return job


def evaluation_job_run(*, job_id) -> Job:
    """Run a queued evaluation job to its end; a failure is recorded on the job
    (and, the evaluation being one transaction, nothing of it is kept)."""
    with transaction.atomic():
        job = Job.objects.select_for_update().get(pk=job_id)
        if job.status != Job.Status.QUEUED:
            return job
        job.status = Job.Status.RUNNING
        job.started_at = timezone.now()
        job.save(update_fields=["status", "started_at"])

    def progress(done: int, total: int) -> None:
        cache.set(PROGRESS_KEY.format(job.pk), (done, total), timeout=3600)

    try:
        result = evaluate_period(job.input_name, by=job.created_by, progress=progress)
    except Exception as exc:
        logger.exception("evaluation job %s failed", job.pk)
        job.status = Job.Status.FAILED
        job.error = f"{type(exc).__name__}: {exc}"
    else:
        job.status = Job.Status.SUCCEEDED
        job.report = {
            "period": result.period,
            "run": result.run.pk,
            "found": len(result.candidates),
            "created": result.created,
            "skipped": len(result.candidates) - result.created,
        }
        job.progress_done = job.progress_total = 1
    job.finished_at = timezone.now()
    job.save()
    cache.delete(PROGRESS_KEY.format(job.pk))
    return job


__all__ = [
    "Candidate",
    "EvaluationResult",
    "REASONS",
    "evaluation_candidates",
    "evaluate_period",
    "rule_versions_in_force",
    "evaluation_job_create",
    "evaluation_job_run",
    "JOB_KIND",
]
