"""Training: the page tree (home > course > lesson), assignments, lesson progress,
study hours and the reminder log.

Pages hold content and declare where they may sit; what a learner has studied and
been assigned are plain models (transactional data is never page content).
"""

from __future__ import annotations

import re

from django import forms
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalManyToManyField
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import AbstractGroupApprovalTask, Page
from wagtail.search import index

from org.models import StaffProfile
from training import requirements, study_clock
from training.blocks import LessonStreamBlock, stream_plain_text

_POSITION_SPLIT = re.compile(r"[\n,，、;；]+")


class TrainingHomePage(Page):
    """The learner's dashboard at the site root (`/`)."""

    intro = RichTextField(
        _("introduction"), blank=True, features=["bold", "italic", "link"]
    )

    content_panels = [*Page.content_panels, FieldPanel("intro")]

    parent_page_types = ["wagtailcore.Page"]
    subpage_types = ["training.CoursePage"]
    max_count = 1

    class Meta:
        verbose_name = _("training home page")
        verbose_name_plural = _("training home pages")

    def get_context(self, request, *args, **kwargs):
        from training import selectors

        context = super().get_context(request, *args, **kwargs)
        context["dashboard"] = selectors.dashboard_get(
            user=request.user, home=self, request=request
        )
        return context


class CoursePage(Page):
    """A study module: lessons (and, from the quizzes app, quizzes) under it."""

    class Topic(models.TextChoices):
        CONSUMER_PROTECTION = "consumer_protection", _("Consumer protection law")
        FINANCIAL_KNOWLEDGE = "financial_knowledge", _("Financial knowledge")
        CREDIT_REPORTING = "credit_reporting", _("Credit reporting")
        COMPLAINT_HANDLING = "complaint_handling", _("Complaint handling")
        OTHER = "other", _("Other")

    topic = models.CharField(
        _("topic"), max_length=32, choices=Topic.choices, default=Topic.OTHER
    )
    summary = models.TextField(_("summary"), blank=True)
    mandatory = models.BooleanField(
        _("mandatory"),
        default=True,
        help_text=_(
            "Mandatory courses are assigned automatically to their audience when "
            "published, to new staff and to staff who move into the audience."
        ),
    )
    estimated_minutes = models.PositiveIntegerField(
        _("estimated minutes"),
        default=60,
        help_text=_("Study time credited (学时) when a learner completes the course."),
    )
    audience_departments = ParentalManyToManyField(
        "org.Department",
        blank=True,
        related_name="+",
        verbose_name=_("audience: departments"),
        help_text=_(
            "Staff of these departments and every unit under them. Leave both "
            "audience fields empty for everyone."
        ),
    )
    audience_positions = models.TextField(
        _("audience: positions"),
        blank=True,
        help_text=_(
            "One position per line (for example 柜员). Empty means every position."
        ),
    )
    due_days = models.PositiveIntegerField(
        _("days to complete"),
        default=30,
        help_text=_("Due date of an automatic assignment, counted from assignment."),
    )
    recertify_months = models.PositiveIntegerField(
        _("recertify every (months)"),
        default=0,
        help_text=_("Assign the course again every so many months; 0 for never."),
    )

    content_panels = [
        *Page.content_panels,
        FieldPanel("summary"),
        MultiFieldPanel(
            [
                FieldPanel("topic"),
                FieldPanel("estimated_minutes"),
                FieldPanel("mandatory"),
            ],
            heading=_("Course"),
        ),
        MultiFieldPanel(
            [
                FieldPanel("audience_departments", widget=forms.CheckboxSelectMultiple),
                FieldPanel("audience_positions"),
                FieldPanel("due_days"),
                FieldPanel("recertify_months"),
            ],
            heading=_("Audience and schedule"),
        ),
    ]
    search_fields = [*Page.search_fields, index.SearchField("summary")]

    parent_page_types = ["training.TrainingHomePage"]
    subpage_types = ["training.LessonPage"]

    class Meta:
        verbose_name = _("course")
        verbose_name_plural = _("courses")

    @classmethod
    def clean_subpage_models(cls):
        """Lessons, plus page types a higher app registered (quizzes)."""
        return [LessonPage, *requirements.course_child_page_models()]

    @property
    def position_list(self) -> list[str]:
        return [
            p.strip()
            for p in _POSITION_SPLIT.split(self.audience_positions or "")
            if p.strip()
        ]

    def get_context(self, request, *args, **kwargs):
        from training import selectors

        context = super().get_context(request, *args, **kwargs)
        context["outline"] = selectors.course_outline_get(
            course=self, user=request.user, request=request
        )
        return context


class LessonPage(Page):
    """One lesson: a body of blocks the learner reads and marks as studied."""

    summary = models.TextField(_("summary"), blank=True)
    body = StreamField(LessonStreamBlock(), verbose_name=_("body"), blank=True)
    # Plain text of title, summary and body, kept by save(): Chinese has no spaces
    # between words, so search matches substrings of this field (see selectors).
    search_text = models.TextField(editable=False, blank=True, default="")

    content_panels = [*Page.content_panels, FieldPanel("summary"), FieldPanel("body")]
    search_fields = [
        *Page.search_fields,
        index.SearchField("summary"),
        index.SearchField("body"),
    ]

    parent_page_types = ["training.CoursePage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("lesson")
        verbose_name_plural = _("lessons")

    def plain_text(self) -> str:
        return "\n".join(
            part
            for part in (self.title, self.summary, stream_plain_text(self.body))
            if part
        )

    def save(self, *args, **kwargs):
        self.search_text = self.plain_text()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "body" in update_fields:
            kwargs["update_fields"] = {*update_fields, "search_text"}
        return super().save(*args, **kwargs)

    def get_context(self, request, *args, **kwargs):
        from training import selectors

        context = super().get_context(request, *args, **kwargs)
        context["lesson_state"] = selectors.lesson_state_get(
            lesson=self, user=request.user, request=request
        )
        context["study_clock"] = study_clock.start_token()
        return context


# --- transactional records ----------------------------------------------------


class Assignment(models.Model):
    """A course a staff member must complete, once per cycle.

    `cycle` numbers the assignments of one (staff, course) pair 1, 2, 3 … in
    order. Recertification periods are anchored on the first assignment (period
    n starts `recertify_months * (n - 1)` after it); when a period passes without
    an assignment (the job did not run, the learner was away) only the current
    period gets one: missed periods are caught up by it, not recreated one by one.
    """

    # Transactional rows: Wagtail's reference index would only add queries
    # to every save (usage listings never need them).
    wagtail_reference_index_ignore = True

    class Source(models.TextChoices):
        AUDIENCE = "audience", _("Course audience")
        MANUAL = "manual", _("Assigned by HR or a trainer")
        REMEDIATION = "remediation", _("Remediation after a complaint")

    staff = models.ForeignKey(
        StaffProfile,
        on_delete=models.PROTECT,
        related_name="assignments",
        verbose_name=_("staff member"),
    )
    course = models.ForeignKey(
        CoursePage,
        on_delete=models.CASCADE,
        related_name="assignments",
        verbose_name=_("course"),
    )
    cycle = models.PositiveSmallIntegerField(_("cycle"), default=1)
    assigned_at = models.DateTimeField(_("assigned at"))
    due_at = models.DateTimeField(_("due"))
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    source = models.CharField(
        _("source"), max_length=16, choices=Source.choices, default=Source.AUDIENCE
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("assigned by"),
    )
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        ordering = ["due_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["staff", "course", "cycle"], name="assignment_unique_cycle"
            )
        ]
        indexes = [
            models.Index(fields=["staff", "completed_at"]),
            models.Index(fields=["course", "completed_at"]),
            models.Index(fields=["due_at"]),
        ]

    def __str__(self):
        return f"{self.staff} · {self.course_id} · {self.cycle}"

    @property
    def is_completed(self) -> bool:
        return self.completed_at is not None

    @property
    def completed_late(self) -> bool:
        return self.completed_at is not None and self.completed_at > self.due_at

    @property
    def progress_since(self):
        """Lessons count when studied since this moment (None: ever). The first
        assignment counts all earlier study; later cycles need fresh study."""
        return None if self.cycle == 1 else self.assigned_at


class LessonProgress(models.Model):
    """A learner's study of one lesson. Studying again (a new cycle) moves
    `completed_at` forward; seconds add up across visits."""

    # Transactional rows: Wagtail's reference index would only add queries
    # to every save (usage listings never need them).
    wagtail_reference_index_ignore = True

    staff = models.ForeignKey(
        StaffProfile,
        on_delete=models.PROTECT,
        related_name="lesson_progress",
        verbose_name=_("staff member"),
    )
    lesson = models.ForeignKey(
        LessonPage,
        on_delete=models.CASCADE,
        related_name="progress",
        verbose_name=_("lesson"),
    )
    completed_at = models.DateTimeField(_("studied at"), null=True, blank=True)
    seconds_spent = models.PositiveIntegerField(_("seconds spent"), default=0)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("lesson progress")
        verbose_name_plural = _("lesson progress")
        constraints = [
            models.UniqueConstraint(
                fields=["staff", "lesson"], name="lesson_progress_unique"
            )
        ]

    def __str__(self):
        return f"{self.staff_id} · {self.lesson_id}"


class StudyCredit(models.Model):
    """Study hours (学时) credited for a completed assignment; kept even if the
    course is later deleted."""

    # Transactional rows: Wagtail's reference index would only add queries
    # to every save (usage listings never need them).
    wagtail_reference_index_ignore = True

    staff = models.ForeignKey(
        StaffProfile,
        on_delete=models.PROTECT,
        related_name="study_credits",
        verbose_name=_("staff member"),
    )
    assignment = models.OneToOneField(
        Assignment,
        null=True,
        on_delete=models.SET_NULL,
        related_name="study_credit",
        verbose_name=_("assignment"),
    )
    course = models.ForeignKey(
        CoursePage,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("course"),
    )
    course_title = models.CharField(_("course"), max_length=255)
    minutes = models.PositiveIntegerField(_("minutes"))
    year = models.PositiveSmallIntegerField(_("year"), db_index=True)
    credited_at = models.DateTimeField(_("credited at"))

    class Meta:
        verbose_name = _("study credit")
        verbose_name_plural = _("study credits")
        indexes = [models.Index(fields=["staff", "year"])]

    def __str__(self):
        return f"{self.staff_id} · {self.course_title} · {self.minutes}"


class SentReminder(models.Model):
    """One row per reminder e-mail sent: the unique constraint makes "never the
    same reminder twice a day" hold even when two senders run at once."""

    # Transactional rows: Wagtail's reference index would only add queries
    # to every save (usage listings never need them).
    wagtail_reference_index_ignore = True

    class Kind(models.TextChoices):
        LEARNER = "learner", _("Learner reminder")
        MANAGER_DIGEST = "manager_digest", _("Manager digest")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("recipient"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    date = models.DateField(_("date"))
    sent_at = models.DateTimeField(_("sent at"), auto_now_add=True)

    class Meta:
        verbose_name = _("sent reminder")
        verbose_name_plural = _("sent reminders")
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "kind", "date"], name="sent_reminder_once_a_day"
            )
        ]

    def __str__(self):
        return f"{self.recipient_id} · {self.kind} · {self.date}"


class TrainerReviewTask(AbstractGroupApprovalTask):
    """A group approval step whose reviewer must not be the person who submitted:
    a trainer cannot approve their own course or lesson."""

    def _requested_by_user(self, obj, user) -> bool:
        state = getattr(obj, "current_workflow_state", None)
        return state is not None and state.requested_by_id == user.pk

    def get_actions(self, obj, user):
        if self._requested_by_user(obj, user):
            return []
        return super().get_actions(obj, user)

    def get_task_states_user_can_moderate(self, user, **kwargs):
        return (
            super()
            .get_task_states_user_can_moderate(user, **kwargs)
            .exclude(workflow_state__requested_by=user)
        )

    @classmethod
    def get_description(cls):
        return _(
            "Members of the chosen groups approve; nobody approves their own "
            "submission."
        )

    class Meta:
        verbose_name = _("review by another trainer")
        verbose_name_plural = _("reviews by another trainer")
