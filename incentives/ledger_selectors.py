"""Reads of the reward/penalty ledger for HR's review screens, the learner's
"my record", the manager's team totals and the ledger export.

Every function costs a fixed number of queries whatever the number of entries:
totals are SQL aggregates, evidence objects are fetched once per kind.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Q, QuerySet, Sum
from django.urls import NoReverseMatch, reverse

from incentives.models import Complaint, LedgerEntry
from org.models import Department, StaffProfile

ZERO = Decimal("0.00")


def money(value) -> Decimal:
    """An amount with two decimals (SQLite's SUM drops them)."""
    return Decimal(value or 0).quantize(ZERO)


@dataclass
class Totals:
    """Sum of points and amount (CNY) of a set of entries."""

    points: int = 0
    amount: Decimal = ZERO
    count: int = 0

    @classmethod
    def of(cls, row: dict) -> Totals:
        return cls(
            points=row.get("points") or 0,
            amount=money(row.get("amount")),
            count=row.get("count") or 0,
        )


TOTALS = {"points": Sum("points"), "amount": Sum("amount"), "count": Count("pk")}


def ledger_entry_list(
    *,
    period: str = "",
    department: Department | None = None,
    kind: str = "",
    status: str = "",
    rule=None,
    search: str = "",
    staff: StaffProfile | None = None,
) -> QuerySet[LedgerEntry]:
    """Entries narrowed by the review filters, with everything a row shows loaded."""
    qs = LedgerEntry.objects.select_related(
        "staff__department",
        "rule_version__rule",
        "reviewed_by",
        "created_by",
    )
    if period:
        qs = qs.filter(period=period)
    if department is not None:
        qs = qs.filter(staff__department__path__startswith=department.path)
    if kind:
        qs = qs.filter(kind=kind)
    if status:
        qs = qs.filter(status=status)
    if rule is not None:
        qs = qs.filter(rule_version__rule=rule)
    if staff is not None:
        qs = qs.filter(staff=staff)
    if search:
        qs = qs.filter(
            Q(staff__employee_no__icontains=search) | Q(staff__name__icontains=search)
        )
    return qs


def ledger_totals(queryset: QuerySet[LedgerEntry]) -> Totals:
    """Points and amount of a (filtered) set of entries: one query."""
    return Totals.of(queryset.order_by().aggregate(**TOTALS))


def ledger_entry_get(pk) -> LedgerEntry:
    """One entry with its rule version, people and reversal chain loaded."""
    return LedgerEntry.objects.select_related(
        "staff__department",
        "rule_version__rule",
        "reviewed_by",
        "created_by",
        "evaluation_run__started_by",
        "reversal_of",
        "reversed_by",
        "source_type",
    ).get(pk=pk)


def ledger_periods() -> list[str]:
    """Every period that has entries, newest first."""
    return list(
        LedgerEntry.objects.order_by("-period")
        .values_list("period", flat=True)
        .distinct()
    )


# --- statements and "my record" ----------------------------------------------------


@dataclass
class PeriodBlock:
    """One period of someone's record: its entries and their totals."""

    period: str
    entries: list[LedgerEntry] = field(default_factory=list)
    approved: Totals = field(default_factory=Totals)
    pending: Totals = field(default_factory=Totals)


def _period_blocks(entries: list[LedgerEntry]) -> list[PeriodBlock]:
    blocks: dict[str, PeriodBlock] = {}
    for entry in entries:
        block = blocks.setdefault(entry.period, PeriodBlock(entry.period))
        block.entries.append(entry)
        bucket = {
            LedgerEntry.Status.APPROVED: block.approved,
            LedgerEntry.Status.PENDING: block.pending,
        }.get(entry.status)
        if bucket is not None:
            bucket.points += entry.points
            bucket.amount += entry.amount
            bucket.count += 1
    return sorted(blocks.values(), key=lambda b: b.period, reverse=True)


def staff_statement(
    *, staff: StaffProfile, period: str = ""
) -> tuple[list[PeriodBlock], Totals]:
    """HR's statement of one staff member: every entry (any status) by period,
    with approved and pending totals per period and approved overall."""
    qs = ledger_entry_list(staff=staff, period=period).order_by("-period", "pk")
    blocks = _period_blocks(list(qs))
    return blocks, ledger_totals(qs.filter(status=LedgerEntry.Status.APPROVED))


# What a learner sees of their own record: approved entries (they count) and
# pending ones (marked as awaiting review, not counted). Rejected entries never
# took effect and are left out.
RECORD_STATUSES = (LedgerEntry.Status.APPROVED, LedgerEntry.Status.PENDING)


def record_entries(*, staff: StaffProfile, period: str = "") -> QuerySet[LedgerEntry]:
    qs = LedgerEntry.objects.select_related("rule_version__rule", "reversal_of").filter(
        staff=staff, status__in=RECORD_STATUSES
    )
    if period:
        qs = qs.filter(period=period)
    return qs.order_by("-period", "-created_at", "-pk")


def record_get(*, staff: StaffProfile, pk) -> LedgerEntry:
    """One of the learner's own visible entries; DoesNotExist for anyone else's."""
    return record_entries(staff=staff).select_related("source_type").get(pk=pk)


def record_blocks(*, staff: StaffProfile, period: str = "") -> list[PeriodBlock]:
    return _period_blocks(list(record_entries(staff=staff, period=period)))


def record_periods(*, staff: StaffProfile) -> list[str]:
    return list(
        LedgerEntry.objects.filter(staff=staff, status__in=RECORD_STATUSES)
        .order_by("-period")
        .values_list("period", flat=True)
        .distinct()
    )


# --- evidence links -----------------------------------------------------------------


@dataclass
class Evidence:
    label: str
    url: str = ""


def _attempt_url(attempt_id: int) -> str:
    """The learner's result page of an attempt, when the quiz engine has one."""
    for name in ("quizzes:attempt_result", "quizzes:attempt_detail", "quizzes:attempt"):
        try:
            return reverse(name, args=[attempt_id])
        except NoReverseMatch:
            continue
    return ""


def evidence_for(
    entries: list[LedgerEntry], *, for_admin: bool = False
) -> dict[int, Evidence]:
    """{entry id: Evidence} for the entries that have one: the label the
    engine wrote and a link (attempt result page, complaint, course).

    Objects are read once per evidence kind (a fixed number of queries)."""
    ids_by_type: dict[int, set[int]] = defaultdict(set)
    for entry in entries:
        if entry.source_type_id and entry.source_id:
            ids_by_type[entry.source_type_id].add(entry.source_id)
    urls: dict[tuple[int, int], str] = {}
    for type_id, ids in ids_by_type.items():
        content_type = ContentType.objects.get_for_id(type_id)
        model = content_type.model_class()
        label = f"{content_type.app_label}.{content_type.model}"
        if model is None:
            continue
        if label == "quizzes.attempt":
            for pk in ids:
                urls[type_id, pk] = _attempt_url(pk)
        elif label == "incentives.complaint" and for_admin:
            for pk in ids:
                urls[type_id, pk] = reverse("complaints:inspect", args=[pk])
        elif label == "training.assignment":
            rows = model.objects.filter(pk__in=ids).select_related("course")
            for row in rows:
                urls[type_id, row.pk] = row.course.url or ""
        elif label == "training.coursepage":
            for page in model.objects.filter(pk__in=ids):
                urls[type_id, page.pk] = page.url or ""
    result = {}
    for entry in entries:
        if not (entry.source_type_id or entry.evidence_label):
            continue
        url = urls.get((entry.source_type_id, entry.source_id), "")
        result[entry.pk] = Evidence(label=entry.evidence_label, url=url)
    return result


def attach_evidence(entries: list[LedgerEntry], *, for_admin: bool = False) -> None:
    """Set `entry.evidence` (Evidence or None) on each entry."""
    found = evidence_for(entries, for_admin=for_admin)
    for entry in entries:
        entry.evidence = found.get(entry.pk)


def complaint_reference(entry: LedgerEntry) -> str:
    if entry.source_type_id and entry.source_type.model_class() is Complaint:
        return entry.evidence_label
    return ""


# --- totals by department / by person ------------------------------------------------


@dataclass
class DepartmentTotals:
    department: Department
    by_period: dict[str, Totals] = field(default_factory=dict)
    total: Totals = field(default_factory=Totals)


def department_period_totals(
    *,
    parent: Department | None = None,
    period: str = "",
    status: str = LedgerEntry.Status.APPROVED,
) -> tuple[list[DepartmentTotals], list[str]]:
    """Totals of each unit directly under `parent` (the top-level units when
    None), each with its whole subtree rolled up, by period: two queries."""
    if parent is None:
        units = list(Department.get_root_nodes())
        if len(units) == 1:
            # One bank: show its branches/departments rather than one bar.
            parent = units[0]
    if parent is not None:
        units = list(parent.get_children())
    qs = LedgerEntry.objects.filter(status=status)
    if parent is not None:
        qs = qs.filter(staff__department__path__startswith=parent.path)
    if period:
        qs = qs.filter(period=period)
    rows = (
        qs.order_by()
        .values("staff__department__path", "period")
        .annotate(**TOTALS)
        .order_by()
    )
    result = {unit.path: DepartmentTotals(department=unit) for unit in units}
    periods: set[str] = set()
    depth = len(units[0].path) if units else 0
    for row in rows:
        unit = result.get(row["staff__department__path"][:depth])
        if unit is None:
            continue  # staff of the parent unit itself
        periods.add(row["period"])
        cell = unit.by_period.setdefault(row["period"], Totals())
        for t in (cell, unit.total):
            t.points += row["points"] or 0
            t.amount += money(row["amount"])
            t.count += row["count"]
    return list(result.values()), sorted(periods, reverse=True)


def team_totals(*, department: Department | None, period: str = "") -> QuerySet:
    """Approved totals by person and period for a subtree (everyone when None):
    rows of employee_no, name, department name, period, points, amount, count."""
    qs = LedgerEntry.objects.filter(status=LedgerEntry.Status.APPROVED)
    if department is not None:
        qs = qs.filter(staff__department__path__startswith=department.path)
    if period:
        qs = qs.filter(period=period)
    return (
        qs.order_by()
        .values(
            "staff_id",
            "staff__employee_no",
            "staff__name",
            "staff__department__name",
            "period",
        )
        .annotate(**TOTALS)
        .order_by("-period", "staff__department__path", "staff__employee_no")
    )


def team_periods(*, department: Department | None) -> list[str]:
    qs = LedgerEntry.objects.filter(status=LedgerEntry.Status.APPROVED)
    if department is not None:
        qs = qs.filter(staff__department__path__startswith=department.path)
    return list(qs.order_by("-period").values_list("period", flat=True).distinct())
