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
