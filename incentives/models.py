"""Incentives: the complaint ledger (投诉台帐) and its audit trail.

Rules (deadlines, extension, approval, masking) live in services.py; the
database constraints below repeat the ones that must hold whatever writes.
"""

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from org.models import Department, StaffProfile

#: The 2020 complaint-handling measures (银保监会令2020年第3号): a decision within
#: 15 days of receipt, extendable to 30 days for complex cases, and by a further
#: 30 days (60 in all) only with a senior approval.
STANDARD_DAYS = 15
EXTENDED_DAYS = 30
APPROVED_MAX_DAYS = 60


class Complaint(models.Model):
    """One customer complaint as the bank's complaint system records it.

    `deadline_at` is derived by `services.complaint_deadline()` from the receipt
    time, the one extension and any recorded approval; it is stored so that
    overdue complaints are one indexed query. Summaries are stored masked.
    """

    class Channel(models.TextChoices):
        PHONE = "phone", pgettext_lazy("complaint channel", "Phone")
        LETTER = "letter", pgettext_lazy("complaint channel", "Letter")
        VISIT = "visit", pgettext_lazy("complaint channel", "Visit in person")
        ONLINE = "online", pgettext_lazy("complaint channel", "Online")
        REGULATOR = (
            "regulator",
            pgettext_lazy("complaint channel", "Referred by the regulator"),
        )

    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("complaint status", "Being handled")
        CLOSED = "closed", pgettext_lazy("complaint status", "Closed")

    class Outcome(models.TextChoices):
        UPHELD = "upheld", pgettext_lazy("complaint outcome", "Upheld")
        PARTLY_UPHELD = (
            "partly_upheld",
            pgettext_lazy("complaint outcome", "Partly upheld"),
        )
        NOT_UPHELD = "not_upheld", pgettext_lazy("complaint outcome", "Not upheld")

    class Topic(models.TextChoices):
        """The course topics of training.CoursePage (same codes), so that an
        upheld complaint can assign the matching course."""

        CONSUMER_PROTECTION_LAW = (
            "consumer_protection_law",
            pgettext_lazy("course topic", "Consumer protection law"),
        )
        FINANCIAL_KNOWLEDGE = (
            "financial_knowledge",
            pgettext_lazy("course topic", "Financial knowledge"),
        )
        CREDIT_REPORTING = (
            "credit_reporting",
            pgettext_lazy("course topic", "Credit reporting"),
        )
        COMPLAINT_HANDLING = (
            "complaint_handling",
            pgettext_lazy("course topic", "Complaint handling"),
        )
        OTHER = "other", pgettext_lazy("course topic", "Other")

    reference_no = models.CharField(_("reference number"), max_length=64, unique=True)
    received_at = models.DateTimeField(_("received at"), db_index=True)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    category = models.CharField(_("category"), max_length=64, blank=True)
    department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        related_name="complaints",
        verbose_name=_("department"),
    )
    responsible_staff = models.ForeignKey(
        StaffProfile,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="complaints_responsible",
        verbose_name=_("responsible staff member"),
    )
    handler = models.ForeignKey(
        StaffProfile,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="complaints_handled",
        verbose_name=_("handler"),
    )
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=Status.choices,
        default=Status.OPEN,
        db_index=True,
    )
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    deadline_at = models.DateTimeField(_("deadline"), db_index=True)
    outcome = models.CharField(
        _("outcome"), max_length=16, choices=Outcome.choices, blank=True
    )
    staff_at_fault = models.BooleanField(_("staff at fault"), default=False)
    customer_satisfied = models.BooleanField(
        _("customer satisfied"), null=True, blank=True
    )
    escalated = models.BooleanField(_("escalated"), default=False)
    topic = models.CharField(
        _("topic"), max_length=32, choices=Topic.choices, blank=True
    )
    law_article = models.CharField(
        _("law article"),
        max_length=100,
        blank=True,
        help_text=_("For example 消费者权益保护法第二十五条."),
    )
    summary = models.TextField(_("summary"), blank=True)

    # The one extension to 30 days, with its reason.
    extended_at = models.DateTimeField(_("extended at"), null=True, blank=True)
    extension_reason = models.TextField(_("reason for the extension"), blank=True)
    extended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("extended by"),
    )
    # A longer deadline (up to 60 days), only with a recorded approval.
    approved_deadline_at = models.DateTimeField(
        _("approved deadline"), null=True, blank=True
    )
    approval_reference = models.CharField(
        _("approval reference"), max_length=64, blank=True
    )
    approval_note = models.TextField(_("approval note"), blank=True)
    approved_at = models.DateTimeField(_("approval recorded at"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approval recorded by"),
    )

    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    # Set when the retention period ran out and the customer's details were
    # replaced (services/retention.py).
    anonymised_at = models.DateTimeField(_("anonymised at"), null=True, blank=True)

    class Meta:
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        ordering = ["-received_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(resolved_at__isnull=True)
                | Q(resolved_at__gte=F("received_at")),
                name="complaint_resolved_after_received",
            ),
            models.CheckConstraint(
                condition=Q(outcome="") | Q(resolved_at__isnull=False),
                name="complaint_outcome_needs_resolution",
            ),
            models.CheckConstraint(
                condition=~Q(status="closed")
                | (Q(resolved_at__isnull=False) & ~Q(outcome="")),
                name="complaint_closed_needs_resolution_and_outcome",
            ),
            models.CheckConstraint(
                condition=Q(staff_at_fault=False) | Q(responsible_staff__isnull=False),
                name="complaint_fault_needs_responsible_staff",
            ),
            models.CheckConstraint(
                condition=Q(extended_at__isnull=True) | ~Q(extension_reason=""),
                name="complaint_extension_needs_reason",
            ),
            # Beyond 30 days from receipt only with a recorded approval.
            models.CheckConstraint(
                condition=Q(
                    deadline_at__lte=F("received_at") + dt.timedelta(days=EXTENDED_DAYS)
                )
                | (
                    Q(approved_deadline_at__isnull=False)
                    & Q(approved_by__isnull=False)
                    & ~Q(approval_note="")
                ),
                name="complaint_long_deadline_needs_approval",
            ),
        ]

    def __str__(self):
        return self.reference_no


class ComplaintViewLog(models.Model):
    """Who opened a complaint's detail, and when (complaints carry personal data)."""

    # Transactional rows: Wagtail's reference index would only add queries
    # to every save (usage listings never need them).
    wagtail_reference_index_ignore = True

    complaint = models.ForeignKey(
        Complaint,
        on_delete=models.PROTECT,
        related_name="view_logs",
        verbose_name=_("complaint"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("user"),
    )
    viewed_at = models.DateTimeField(_("viewed at"), auto_now_add=True)

    class Meta:
        verbose_name = _("complaint view")
        verbose_name_plural = _("complaint views")
        ordering = ["-viewed_at", "-pk"]
        indexes = [models.Index(fields=["complaint", "-viewed_at"])]

    def __str__(self):
        return f"{self.complaint} {self.user} {self.viewed_at:%Y-%m-%d %H:%M}"


# --- incentive rules, the ledger and evaluation (ledger-core) ----------------------


class TriggerKind(models.TextChoices):
    """What an incentive rule reacts to (evaluated per period)."""

    QUIZ_PASSED_FIRST_ATTEMPT = (
        "quiz_passed_first_attempt",
        _("Quiz passed at the first attempt"),
    )
    QUIZ_PERFECT_SCORE = "quiz_perfect_score", _("Quiz with a perfect score")
    QUIZ_FAILED_ALL_ATTEMPTS = (
        "quiz_failed_all_attempts",
        _("Quiz failed with every attempt used"),
    )
    COURSE_COMPLETED_ON_TIME = (
        "course_completed_on_time",
        _("Mandatory course completed on time"),
    )
    COURSE_OVERDUE_AT_PERIOD_END = (
        "course_overdue_at_period_end",
        _("Mandatory course overdue at the end of the period"),
    )
    COMPLAINT_UPHELD_AT_FAULT = (
        "complaint_upheld_at_fault",
        _("Complaint upheld with staff at fault (responsible employee)"),
    )
    COMPLAINT_RESOLVED_ON_TIME_SATISFIED = (
        "complaint_resolved_on_time_satisfied",
        _("Complaint resolved on time, customer satisfied (handler)"),
    )
    COMPLAINT_OVERDUE = "complaint_overdue", _("Complaint overdue (handler)")
    REMEDIATION_COMPLETED_ON_TIME = (
        "remediation_completed_on_time",
        _("Remediation course completed on time"),
    )


class EntryKind(models.TextChoices):
    REWARD = "reward", pgettext_lazy("ledger entry kind", "Reward")
    PENALTY = "penalty", pgettext_lazy("ledger entry kind", "Penalty")


class IncentiveRule(models.Model):
    """The stable identity of a rule; what it does lives in its versions.

    Editing a rule makes a new RuleVersion; the current version is the latest.
    Posting keys name the rule (its code), so a new version never pays twice
    for the same event.
    """

    name = models.CharField(_("name"), max_length=200)
    code = models.SlugField(
        _("code"),
        max_length=64,
        unique=True,
        help_text=_("A short unique code, for example quiz-first-pass."),
    )
    description = models.TextField(_("description"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("incentive rule")
        verbose_name_plural = _("incentive rules")
        ordering = ["code"]

    def __str__(self):
        return self.name

    @property
    def current_version(self):
        """The latest version (one query unless prefetched as `versions`)."""
        versions = list(self.versions.all())
        return max(versions, key=lambda v: v.number) if versions else None


class RuleVersionQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise RuleVersion.Immutable(ERROR_VERSION_IMMUTABLE)

    def delete(self):
        raise RuleVersion.Immutable(ERROR_VERSION_IMMUTABLE)


ERROR_VERSION_IMMUTABLE = _(
    "A rule version cannot be changed or deleted; edit the rule to make a new version."
)
ERROR_LEDGER_APPEND_ONLY = _(
    "The ledger is append-only: entries cannot be changed or deleted; "
    "correct an approved entry with a reversal."
)


class RuleVersion(models.Model):
    """One immutable version of an incentive rule: trigger, filters, effect, window."""

    class Immutable(Exception):
        pass

    rule = models.ForeignKey(
        IncentiveRule,
        on_delete=models.PROTECT,
        related_name="versions",
        verbose_name=_("rule"),
    )
    number = models.PositiveIntegerField(_("version"))
    trigger = models.CharField(
        _("trigger"), max_length=48, choices=TriggerKind.choices, db_index=True
    )
    course = models.ForeignKey(
        "training.CoursePage",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("course"),
    )
    topic = models.CharField(
        _("topic"),
        max_length=32,
        blank=True,
        choices=[
            ("consumer_protection", _("Consumer protection law")),
            ("financial_knowledge", _("Financial knowledge")),
            ("credit_reporting", _("Credit reporting")),
            ("complaint_handling", _("Complaint handling")),
            ("other", _("Other")),
        ],
    )
    quiz = models.ForeignKey(
        "quizzes.QuizPage",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("quiz"),
    )
    complaint_category = models.CharField(
        _("complaint category"), max_length=64, blank=True
    )
    kind = models.CharField(_("kind"), max_length=8, choices=EntryKind.choices)
    points = models.IntegerField(_("points"), default=0)
    amount = models.DecimalField(
        _("amount (CNY)"), max_digits=12, decimal_places=2, default=0
    )
    active_from = models.DateField(_("active from"))
    active_until = models.DateField(_("active until"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = RuleVersionQuerySet.as_manager()

    class Meta:
        verbose_name = _("rule version")
        verbose_name_plural = _("rule versions")
        ordering = ["rule", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "number"], name="ruleversion_unique_number"
            ),
            models.CheckConstraint(
                condition=~Q(points=0) | ~Q(amount=0),
                name="ruleversion_points_or_amount",
            ),
            models.CheckConstraint(
                condition=Q(points__gte=0) & Q(amount__gte=0),
                name="ruleversion_magnitudes_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(active_until__isnull=True)
                | Q(active_until__gte=F("active_from")),
                name="ruleversion_window_order",
            ),
        ]

    def __str__(self):
        return f"{self.rule.code} v{self.number}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.get("force_insert"):
            raise RuleVersion.Immutable(ERROR_VERSION_IMMUTABLE)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise RuleVersion.Immutable(ERROR_VERSION_IMMUTABLE)


class EvaluationRun(models.Model):
    """One evaluation of a period: who ran it, when, and what it posted."""

    # Transactional rows: Wagtail's reference index would only add queries
    # to every save (usage listings never need them).
    wagtail_reference_index_ignore = True

    class Status(models.TextChoices):
        RUNNING = "running", pgettext_lazy("evaluation status", "Running")
        DONE = "done", pgettext_lazy("evaluation status", "Done")
        FAILED = "failed", pgettext_lazy("evaluation status", "Failed")

    period = models.CharField(_("period"), max_length=7, db_index=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("started by"),
    )
    started_at = models.DateTimeField(_("started at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    dry_run = models.BooleanField(_("dry run"), default=False)
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.RUNNING
    )
    candidates = models.PositiveIntegerField(_("entries found"), default=0)
    created = models.PositiveIntegerField(_("entries created"), default=0)
    skipped = models.PositiveIntegerField(_("entries already posted"), default=0)
    message = models.TextField(_("message"), blank=True)

    class Meta:
        verbose_name = _("evaluation run")
        verbose_name_plural = _("evaluation runs")
        ordering = ["-started_at", "-pk"]

    def __str__(self):
        return f"{self.period} · {self.started_at:%Y-%m-%d %H:%M}"


class LedgerEntryQuerySet(models.QuerySet):
    """Append-only: bulk updates and deletes are refused.

    The one permitted change, the review of a pending entry, goes through
    `_review()` which the ledger service calls.
    """

    def update(self, **kwargs):
        raise LedgerEntry.AppendOnly(ERROR_LEDGER_APPEND_ONLY)

    def delete(self):
        raise LedgerEntry.AppendOnly(ERROR_LEDGER_APPEND_ONLY)

    def _review(self, **kwargs) -> int:
        """UPDATE … WHERE status='pending' for the review transition only."""
        allowed = {
            "status",
            "reviewed_by",
            "reviewed_by_id",
            "reviewed_at",
            "review_note",
        }
        if set(kwargs) - allowed:
            raise LedgerEntry.AppendOnly(ERROR_LEDGER_APPEND_ONLY)
        pending = self.filter(status=LedgerEntry.Status.PENDING)
        return models.QuerySet.update(pending, **kwargs)

    def pending(self):
        return self.filter(status=LedgerEntry.Status.PENDING)

    def approved(self):
        return self.filter(status=LedgerEntry.Status.APPROVED)


class LedgerEntry(models.Model):
    """One reward or penalty: append-only, corrected only by a reversal entry.

    Points and amount are signed (penalties negative) so that totals are plain
    sums. `posting_key` is unique: evaluating a period again never posts twice.
    """

    # Transactional rows: Wagtail's reference index would only add queries
    # to every save (usage listings never need them).
    wagtail_reference_index_ignore = True

    class AppendOnly(Exception):
        pass

    Kind = EntryKind

    class Status(models.TextChoices):
        PENDING = "pending", pgettext_lazy("ledger entry status", "Pending")
        APPROVED = "approved", pgettext_lazy("ledger entry status", "Approved")
        REJECTED = "rejected", pgettext_lazy("ledger entry status", "Rejected")

    # Foreign keys and period without their own index where a composite index
    # (Meta.indexes) starts with them: every entry written updated them too.
    staff = models.ForeignKey(
        StaffProfile,
        on_delete=models.PROTECT,
        related_name="ledger_entries",
        verbose_name=_("staff member"),
        db_index=False,
    )
    rule_version = models.ForeignKey(
        RuleVersion,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="entries",
        verbose_name=_("rule version"),
    )
    kind = models.CharField(_("kind"), max_length=8, choices=EntryKind.choices)
    points = models.IntegerField(_("points"), default=0)
    amount = models.DecimalField(
        _("amount (CNY)"), max_digits=12, decimal_places=2, default=0
    )
    period = models.CharField(_("period"), max_length=7)
    source_type = models.ForeignKey(
        "contenttypes.ContentType",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("evidence type"),
        db_index=False,
    )
    source_id = models.PositiveBigIntegerField(_("evidence id"), null=True, blank=True)
    evidence_label = models.CharField(_("evidence"), max_length=200, blank=True)
    # Unique by a constraint, not unique=True: on PostgreSQL that adds a
    # second (LIKE) index nothing here searches by.
    posting_key = models.CharField(_("posting key"), max_length=200)
    reason = models.TextField(_("reason"))
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.PENDING
    )
    is_manual = models.BooleanField(_("manual adjustment"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    evaluation_run = models.ForeignKey(
        EvaluationRun,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="entries",
        verbose_name=_("evaluation run"),
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reviewed by"),
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    review_note = models.TextField(_("review note"), blank=True)
    reversal_of = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reversed_by",
        verbose_name=_("reverses"),
    )

    objects = LedgerEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["period", "status"]),
            models.Index(fields=["staff", "period"]),
            models.Index(fields=["status", "-created_at"]),
            models.Index(fields=["source_type", "source_id"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["posting_key"], name="ledgerentry_posting_key_unique"
            ),
            models.CheckConstraint(
                condition=Q(status="pending")
                | (Q(reviewed_by__isnull=False) & Q(reviewed_at__isnull=False)),
                name="ledgerentry_reviewed_has_reviewer",
            ),
            # Rewards are positive and penalties negative; a reversal keeps the
            # kind of what it reverses and carries the opposite signs (so in a
            # chain of reversals only the two signs' agreement is checked).
            models.CheckConstraint(
                condition=Q(reversal_of__isnull=True)
                & (
                    (Q(kind="reward") & Q(points__gte=0) & Q(amount__gte=0))
                    | (Q(kind="penalty") & Q(points__lte=0) & Q(amount__lte=0))
                )
                | Q(reversal_of__isnull=False)
                & (
                    (Q(points__lte=0) & Q(amount__lte=0))
                    | (Q(points__gte=0) & Q(amount__gte=0))
                ),
                name="ledgerentry_sign_matches_kind",
            ),
            models.CheckConstraint(
                condition=~Q(points=0) | ~Q(amount=0),
                name="ledgerentry_points_or_amount",
            ),
        ]

    def __str__(self):
        return f"#{self.pk} {self.staff} {self.points:+d} {self.amount}"

    def save(self, *args, **kwargs):
        if self.pk is not None or kwargs.get("update_fields"):
            raise LedgerEntry.AppendOnly(ERROR_LEDGER_APPEND_ONLY)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise LedgerEntry.AppendOnly(ERROR_LEDGER_APPEND_ONLY)

    @property
    def is_reversal(self) -> bool:
        return self.reversal_of_id is not None


class RemediationLink(models.Model):
    """The retraining a complaint caused: the accountability loop."""

    # Transactional rows: Wagtail's reference index would only add queries
    # to every save (usage listings never need them).
    wagtail_reference_index_ignore = True

    complaint = models.ForeignKey(
        Complaint,
        on_delete=models.PROTECT,
        related_name="remediations",
        verbose_name=_("complaint"),
    )
    assignment = models.OneToOneField(
        "training.Assignment",
        on_delete=models.PROTECT,
        related_name="remediation",
        verbose_name=_("assignment"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("remediation")
        verbose_name_plural = _("remediations")

    def __str__(self):
        return f"{self.complaint} → {self.assignment_id}"
