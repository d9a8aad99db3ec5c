"""The question bank (categories, questions as Wagtail snippets with drafts,
revisions and locking, and their choices) and the quiz engine built on it:
quiz pages under a course, attempts with their answers, regrade records,
integrity events and the wrong-answer notebook.

A question's choices keep their primary keys when a trainer edits their text
(the admin and the import both update choices in place), and
`Question.as_snapshot()` gives the frozen form of a question that an attempt
stores, so that editing or deleting a question never changes a past attempt.

Attempts and everything hanging off them are plain models (transactional data,
never page content). The rules that keep them trustworthy (DESIGN.md
invariants 1–5) live in quizzes/services.py; the database enforces what it
can: one attempt in progress per learner and quiz (a partial unique
constraint), attempt numbers unique per learner and quiz and never above the
limit in force when the attempt started (a unique and a check constraint), one
answer row per question of an attempt.
"""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from taggit.models import TaggedItemBase
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.fields import RichTextField
from wagtail.models import (
    DraftStateMixin,
    LockableMixin,
    Orderable,
    Page,
    RevisionMixin,
)

from org.models import StaffProfile
from quizzes import text

CHOICE_LETTERS = "ABCDEF"
MAX_CHOICES = len(CHOICE_LETTERS)
TRUE_TEXT = "正确"
FALSE_TEXT = "错误"


class QuestionCategory(models.Model):
    """A heading of the bank (e.g. 消费者权益保护法); quizzes draw by category."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("question category")
        verbose_name_plural = _("question categories")
        ordering = ["name"]

    def __str__(self):
        return self.name


class QuestionTag(TaggedItemBase):
    content_object = ParentalKey(
        "quizzes.Question", on_delete=models.CASCADE, related_name="tagged_items"
    )


class Question(LockableMixin, DraftStateMixin, RevisionMixin, ClusterableModel):
    """One question of the bank.

    Difficulty has three levels (easy / medium / hard, stored as 1–3 so that
    quizzes can order and filter by it); files accept easy/medium/hard, 易/中/难,
    简单/中等/困难 or 1/2/3, and an empty cell means medium.

    `law_name` and `article_number` are parsed from `source` whenever the
    question is cleaned, so that questions can be grouped by law and article.
    `stem_key` is the natural key (see quizzes/text.py).
    """

    class Kind(models.TextChoices):
        SINGLE = "single", _("Single choice")
        MULTIPLE = "multiple", _("Multiple choice")
        TRUE_FALSE = "true_false", _("True or false")

    class Difficulty(models.IntegerChoices):
        EASY = 1, _("Easy")
        MEDIUM = 2, _("Medium")
        HARD = 3, _("Hard")

    category = models.ForeignKey(
        QuestionCategory,
        on_delete=models.PROTECT,
        related_name="questions",
        verbose_name=_("category"),
    )
    kind = models.CharField(
        _("kind"), max_length=16, choices=Kind.choices, default=Kind.SINGLE
    )
    stem = models.TextField(_("question"))
    explanation = models.TextField(
        _("explanation"),
        blank=True,
        help_text=_("Shown to learners after they submit the quiz."),
    )
    source = models.CharField(
        _("source"),
        max_length=200,
        blank=True,
        help_text=_(
            "The article the question comes from, e.g. 消费者权益保护法第二十五条. "
            "Write 未核实 in it if the article number is not verified."
        ),
    )
    law_name = models.CharField(
        _("law"), max_length=100, blank=True, db_index=True, editable=False
    )
    article_number = models.PositiveSmallIntegerField(
        _("article"), null=True, blank=True, editable=False
    )
    difficulty = models.PositiveSmallIntegerField(
        _("difficulty"), choices=Difficulty.choices, default=Difficulty.MEDIUM
    )
    tags = ClusterTaggableManager(
        verbose_name=_("tags"), through=QuestionTag, blank=True
    )
    is_active = models.BooleanField(
        _("active"),
        default=True,
        help_text=_("Inactive questions stay in the bank but are not drawn."),
    )
    stem_key = models.CharField(
        _("natural key"), max_length=64, unique=True, blank=True, editable=False
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    _revisions = GenericRelation("wagtailcore.Revision", related_query_name="question")

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["pk"]
        indexes = [models.Index(fields=["category", "kind", "difficulty"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(difficulty__gte=1, difficulty__lte=3),
                name="quizzes_question_difficulty_range",
            )
        ]

    def __str__(self):
        stem = " ".join(self.stem.split())
        return stem if len(stem) <= 60 else stem[:59] + "…"

    @property
    def revisions(self):
        return self._revisions

    @property
    def approved_schedule(self) -> bool:
        # The listing annotates this (one query for the page, not one per row).
        if hasattr(self, "_approved_schedule"):
            return self._approved_schedule
        return super().approved_schedule

    @property
    def source_unverified(self) -> bool:
        return text.is_unverified(self.source)

    def derive_fields(self) -> None:
        """Set the fields computed from others (natural key, law, article)."""
        self.stem_key = text.stem_key(self.category_id, self.stem)
        self.law_name, self.article_number = text.parse_source(self.source)

    def clean(self):
        super().clean()
        self.derive_fields()

    def as_snapshot(self) -> dict:
        """The question as shown in an attempt, with its answer key: a JSON-ready
        dict to freeze into the attempt when it starts.

        It holds the correct answers, feedback and explanation, so it must stay
        on the server until the attempt is submitted (see `learner_view`).
        Choice ids are the choices' primary keys (stable across text edits).
        The caller should load `category` with select_related and `choices`
        with prefetch_related.
        """
        choices = list(self.choices.all())
        return {
            "question_id": self.pk,
            "revision_id": self.live_revision_id,
            "category": self.category.name,
            "kind": self.kind,
            "stem": self.stem,
            "difficulty": self.difficulty,
            "source": self.source,
            "source_unverified": self.source_unverified,
            "law_name": self.law_name,
            "article_number": self.article_number,
            "explanation": self.explanation,
            "choices": [
                {
                    "id": choice.pk,
                    "label": CHOICE_LETTERS[index],
                    "text": choice.text,
                    "is_correct": choice.is_correct,
                    "feedback": choice.feedback,
                    "weight": None if choice.weight is None else str(choice.weight),
                }
                for index, choice in enumerate(choices)
            ],
        }


def learner_view(snapshot: dict) -> dict:
    """What a learner's browser may receive of a snapshot before submission:
    no correct flags, feedback, weights or explanation (DESIGN invariant 1)."""
    return {
        "question_id": snapshot["question_id"],
        "kind": snapshot["kind"],
        "stem": snapshot["stem"],
        "choices": [
            {"id": c["id"], "label": c["label"], "text": c["text"]}
            for c in snapshot["choices"]
        ],
    }


class Choice(Orderable):
    """One option of a question. Its letter (A–F) is its position."""

    question = ParentalKey(
        Question,
        on_delete=models.CASCADE,
        related_name="choices",
        verbose_name=_("question"),
    )
    text = models.CharField(_("text"), max_length=500)
    is_correct = models.BooleanField(_("correct"), default=False)
    feedback = models.TextField(
        _("feedback"),
        blank=True,
        help_text=_("Shown after submission to a learner who chose this option."),
    )
    weight = models.DecimalField(
        _("weight (%)"),
        max_digits=8,
        decimal_places=5,
        null=True,
        blank=True,
        help_text=_(
            "Partial credit in percent, as in Moodle's GIFT format (e.g. 50 or "
            "-100). Empty: correct options share 100 and wrong ones count 0."
        ),
    )

    panels = [
        FieldPanel("text"),
        FieldPanel("is_correct"),
        FieldPanel("feedback"),
        FieldPanel("weight"),
    ]

    class Meta(Orderable.Meta):
        verbose_name = _("choice")
        verbose_name_plural = _("choices")

    def __str__(self):
        return self.text


# --- quizzes ------------------------------------------------------------------------


class QuizPage(Page):
    """A quiz under a course: its rules, and which questions it shows.

    Questions are fixed (`fixed_questions`) and/or drawn at random when an
    attempt starts (`draws`: N questions of a category, optionally of one
    difficulty). Each attempt freezes the questions it drew, with their answer
    key, so changing the quiz or the bank never changes an attempt already
    started. Attempts, answers and scores are plain models (Attempt), never
    page content.
    """

    class FeedbackPolicy(models.TextChoices):
        AFTER_SUBMIT = "after_submit", _("After each attempt is submitted")
        AFTER_PASS = "after_pass", _("Once the learner has passed")
        AFTER_CLOSE = "after_close", _("After the quiz closes")
        NEVER = "never", _("Never (score only)")

    intro = RichTextField(
        _("introduction"), blank=True, features=["bold", "italic", "link", "ul", "ol"]
    )
    pass_mark = models.PositiveSmallIntegerField(
        _("pass mark (%)"),
        default=60,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text=_("A learner passes with a score of at least this percentage."),
    )
    time_limit_minutes = models.PositiveIntegerField(
        _("time limit (minutes)"),
        default=0,
        help_text=_("0 for no time limit."),
    )
    max_attempts = models.PositiveSmallIntegerField(
        _("maximum attempts"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
    )
    cooldown_minutes = models.PositiveIntegerField(
        _("wait between attempts (minutes)"),
        default=0,
        help_text=_("How long a learner waits after an attempt before the next."),
    )
    open_at = models.DateTimeField(_("opens"), null=True, blank=True)
    close_at = models.DateTimeField(
        _("closes"),
        null=True,
        blank=True,
        help_text=_(
            "Attempts in progress end at this moment, with the answers saved before it."
        ),
    )
    shuffle_questions = models.BooleanField(_("shuffle questions"), default=True)
    shuffle_choices = models.BooleanField(
        _("shuffle choices"),
        default=True,
        help_text=_("True-or-false questions always keep 正确 before 错误."),
    )
    partial_credit = models.BooleanField(
        _("partial credit for multiple choice"),
        default=False,
        help_text=_(
            "Off: a multiple choice question scores only when exactly the right "
            "choices are ticked. On: each right choice ticked earns its share and "
            "each wrong choice ticked takes its share away (never below zero)."
        ),
    )
    feedback_policy = models.CharField(
        _("show answers and explanations"),
        max_length=16,
        choices=FeedbackPolicy.choices,
        default=FeedbackPolicy.AFTER_SUBMIT,
        help_text=_("The score is always shown after an attempt."),
    )
    counts_for_incentives = models.BooleanField(
        _("counts for incentives"),
        default=True,
        help_text=_("Scores of this quiz feed the reward and penalty rules."),
    )

    content_panels = [
        *Page.content_panels,
        FieldPanel("intro"),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("pass_mark"), FieldPanel("max_attempts")]),
                FieldRowPanel(
                    [FieldPanel("time_limit_minutes"), FieldPanel("cooldown_minutes")]
                ),
                FieldRowPanel([FieldPanel("open_at"), FieldPanel("close_at")]),
                FieldPanel("feedback_policy"),
                FieldPanel("partial_credit"),
                FieldPanel("counts_for_incentives"),
            ],
            heading=_("Rules"),
        ),
        MultiFieldPanel(
            [
                FieldPanel("shuffle_questions"),
                FieldPanel("shuffle_choices"),
                InlinePanel("fixed_questions", label=_("Fixed questions")),
                InlinePanel("draws", label=_("Random questions")),
            ],
            heading=_("Questions"),
        ),
    ]

    parent_page_types = ["training.CoursePage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("quiz")
        verbose_name_plural = _("quizzes")

    def get_context(self, request, *args, **kwargs):
        """The start page: the learner's attempts and whether one may start."""
        from django.utils import timezone

        from org.selectors import staff_get_for_user
        from quizzes import selectors

        context = super().get_context(request, *args, **kwargs)
        staff = staff_get_for_user(request.user)
        context["availability"] = (
            None
            if staff is None
            else selectors.quiz_availability(staff=staff, quiz=self, now=timezone.now())
        )
        return context


class QuizQuestion(Orderable):
    """A question every attempt of the quiz shows."""

    page = ParentalKey(
        QuizPage, on_delete=models.CASCADE, related_name="fixed_questions"
    )
    question = models.ForeignKey(
        Question,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("question"),
    )
    points = models.PositiveSmallIntegerField(
        _("points"), default=1, validators=[MinValueValidator(1)]
    )

    panels = [FieldPanel("question"), FieldPanel("points")]

    class Meta(Orderable.Meta):
        verbose_name = _("fixed question")
        verbose_name_plural = _("fixed questions")


class QuizDraw(Orderable):
    """N questions drawn at random, per attempt, from a category (and
    difficulty) of the bank; never one already fixed or drawn."""

    page = ParentalKey(QuizPage, on_delete=models.CASCADE, related_name="draws")
    category = models.ForeignKey(
        QuestionCategory,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("category"),
    )
    difficulty = models.PositiveSmallIntegerField(
        _("difficulty"),
        choices=Question.Difficulty.choices,
        null=True,
        blank=True,
        help_text=_("Empty: any difficulty."),
    )
    count = models.PositiveSmallIntegerField(
        _("number of questions"), default=5, validators=[MinValueValidator(1)]
    )
    points = models.PositiveSmallIntegerField(
        _("points each"), default=1, validators=[MinValueValidator(1)]
    )

    panels = [
        FieldPanel("category"),
        FieldPanel("difficulty"),
        FieldPanel("count"),
        FieldPanel("points"),
    ]

    class Meta(Orderable.Meta):
        verbose_name = _("random draw")
        verbose_name_plural = _("random draws")


class Attempt(models.Model):
    """One learner's attempt at a quiz.

    `questions` is the frozen snapshot of what the attempt shows, in display
    order (choices in display order too), each entry a
    `Question.as_snapshot()` dict plus `key` (the question's key in this
    attempt, also AttemptAnswer.question_key) and `points`. It holds the answer
    key, so it never leaves the server before submission (`learner_view`).

    `pass_mark`, `partial_credit` and `max_attempts` are the quiz's values when
    the attempt started: grading and the attempt limit use them, so editing the
    quiz never changes an attempt already started. Public URLs use `uuid`;
    other apps refer to attempts by their integer primary key.

    Status: in progress → submitted (by the learner) or closed (by the server,
    at the deadline, with the answers saved in time). `submitted_at` is when it
    ended: the submission, or the deadline for a closed attempt. Score fields
    are set when it ends and change only through a recorded regrade.
    """

    class Status(models.TextChoices):
        IN_PROGRESS = "in_progress", _("In progress")
        SUBMITTED = "submitted", _("Submitted")
        CLOSED = "closed", _("Closed at the deadline")

    FINISHED = (Status.SUBMITTED, Status.CLOSED)

    uuid = models.UUIDField(_("public id"), default=uuid.uuid4, unique=True)
    staff = models.ForeignKey(
        StaffProfile,
        on_delete=models.PROTECT,
        related_name="quiz_attempts",
        verbose_name=_("staff member"),
    )
    quiz = models.ForeignKey(
        QuizPage,
        on_delete=models.PROTECT,
        related_name="attempts",
        verbose_name=_("quiz"),
    )
    number = models.PositiveSmallIntegerField(_("attempt number"))
    max_attempts = models.PositiveSmallIntegerField(_("attempts allowed"))
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=Status.choices,
        default=Status.IN_PROGRESS,
    )
    started_at = models.DateTimeField(_("started at"))
    deadline_at = models.DateTimeField(
        _("deadline"),
        null=True,
        blank=True,
        help_text=_("Empty: neither a time limit nor a closing date."),
    )
    submitted_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    pass_mark = models.PositiveSmallIntegerField(_("pass mark (%)"))
    partial_credit = models.BooleanField(_("partial credit"), default=False)
    questions = models.JSONField(_("questions as shown"), default=list)
    score = models.DecimalField(
        _("score"), max_digits=8, decimal_places=2, null=True, blank=True
    )
    max_score = models.DecimalField(
        _("maximum score"), max_digits=8, decimal_places=2, default=Decimal(0)
    )
    percent = models.DecimalField(
        _("percent"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    passed = models.BooleanField(_("passed"), null=True, blank=True)

    class Meta:
        verbose_name = _("attempt")
        verbose_name_plural = _("attempts")
        ordering = ["-started_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["staff", "quiz", "number"], name="attempt_unique_number"
            ),
            models.UniqueConstraint(
                fields=["staff", "quiz"],
                condition=models.Q(status="in_progress"),
                name="attempt_one_in_progress",
            ),
            models.CheckConstraint(
                condition=models.Q(number__gte=1, number__lte=models.F("max_attempts")),
                name="attempt_number_within_limit",
            ),
            models.CheckConstraint(
                condition=models.Q(status="in_progress")
                | models.Q(
                    submitted_at__isnull=False,
                    score__isnull=False,
                    percent__isnull=False,
                    passed__isnull=False,
                ),
                name="attempt_finished_is_scored",
            ),
        ]
        indexes = [
            models.Index(fields=["quiz", "status"]),
            models.Index(fields=["submitted_at"]),
            models.Index(fields=["status", "deadline_at"]),
        ]

    def __str__(self):
        return f"{self.staff_id} · {self.quiz_id} · #{self.number}"

    @property
    def is_finished(self) -> bool:
        return self.status != self.Status.IN_PROGRESS

    @property
    def is_perfect(self) -> bool:
        return self.score is not None and self.score == self.max_score


class AttemptAnswer(models.Model):
    """The learner's answer to one question of an attempt.

    `selected` holds choice ids of the attempt's snapshot (not live Choice
    rows: questions may be edited or deleted). `question` points to the bank's
    question for statistics and the notebook while it exists. `correct` and
    `points` are set only by grading, on the server.
    """

    attempt = models.ForeignKey(
        Attempt, on_delete=models.CASCADE, related_name="answers"
    )
    question_key = models.CharField(_("question key"), max_length=32)
    question = models.ForeignKey(
        Question,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("question"),
    )
    selected = models.JSONField(_("selected choices"), default=list)
    saved_at = models.DateTimeField(_("saved at"), null=True, blank=True)
    # The browser numbers each change (milliseconds of its clock); a save with a
    # lower number than the stored one is stale (a retry overtaken by a newer
    # change, another tab) and is not written.
    seq = models.PositiveBigIntegerField(_("change number"), default=0)
    correct = models.BooleanField(_("correct"), null=True, blank=True)
    points = models.DecimalField(
        _("points"), max_digits=8, decimal_places=2, null=True, blank=True
    )
    max_points = models.DecimalField(
        _("maximum points"), max_digits=8, decimal_places=2, default=Decimal(1)
    )

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        constraints = [
            models.UniqueConstraint(
                fields=["attempt", "question_key"], name="attempt_answer_unique"
            )
        ]
        indexes = [models.Index(fields=["question", "attempt"])]

    def __str__(self):
        return f"{self.attempt_id} · {self.question_key}"


class RegradeRecord(models.Model):
    """One attempt changed by a regrade: who, when, why, and the score before
    and after. All records of one regrade share `regrade_id`."""

    regrade_id = models.UUIDField(_("regrade"), db_index=True)
    attempt = models.ForeignKey(
        Attempt,
        on_delete=models.CASCADE,
        related_name="regrades",
        verbose_name=_("attempt"),
    )
    question = models.ForeignKey(
        Question,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("question"),
    )
    question_key = models.CharField(_("question key"), max_length=32)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("by"),
    )
    at = models.DateTimeField(_("at"))
    reason = models.TextField(_("reason"))
    old_score = models.DecimalField(_("old score"), max_digits=8, decimal_places=2)
    new_score = models.DecimalField(_("new score"), max_digits=8, decimal_places=2)
    old_percent = models.DecimalField(_("old percent"), max_digits=5, decimal_places=2)
    new_percent = models.DecimalField(_("new percent"), max_digits=5, decimal_places=2)
    old_passed = models.BooleanField(_("passed before"))
    new_passed = models.BooleanField(_("passed after"))

    class Meta:
        verbose_name = _("regrade record")
        verbose_name_plural = _("regrade records")
        ordering = ["-at", "pk"]

    def __str__(self):
        return f"{self.attempt_id} · {self.old_score} → {self.new_score}"


class IntegrityEvent(models.Model):
    """Something the learner's browser reported during an attempt (the page
    hidden, the window left, text pasted), for a trainer to review. Nothing
    changes a score because of it."""

    class Kind(models.TextChoices):
        PAGE_HIDDEN = "page_hidden", _("Left the page or switched tabs")
        WINDOW_BLUR = "window_blur", _("Left the browser window")
        PASTE = "paste", _("Pasted text")

    attempt = models.ForeignKey(
        Attempt, on_delete=models.CASCADE, related_name="integrity_events"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    at = models.DateTimeField(_("at"))
    detail = models.CharField(_("detail"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("integrity event")
        verbose_name_plural = _("integrity events")
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.attempt_id} · {self.kind} · {self.at}"


class NotebookEntry(models.Model):
    """A question in a learner's wrong-answer notebook (错题本).

    A question enters when answered wrong in a graded attempt (again, if it had
    left). It leaves (`resolved_at`) when answered right in a graded attempt,
    or right twice in practice since it last entered. Practice never counts
    toward any score.
    """

    class Resolution(models.TextChoices):
        PRACTICE = "practice", _("Answered right twice in practice")
        ATTEMPT = "attempt", _("Answered right in a quiz")

    staff = models.ForeignKey(
        StaffProfile,
        on_delete=models.PROTECT,
        related_name="notebook_entries",
        verbose_name=_("staff member"),
    )
    question = models.ForeignKey(
        Question,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("question"),
    )
    wrong_count = models.PositiveIntegerField(_("times answered wrong"), default=0)
    last_wrong_at = models.DateTimeField(_("last answered wrong"))
    practice_right = models.PositiveSmallIntegerField(_("right in practice"), default=0)
    practice_count = models.PositiveIntegerField(_("practised"), default=0)
    resolved_at = models.DateTimeField(_("left the notebook"), null=True, blank=True)
    resolution = models.CharField(
        _("how it left"), max_length=16, choices=Resolution.choices, blank=True
    )

    class Meta:
        verbose_name = _("notebook entry")
        verbose_name_plural = _("notebook entries")
        constraints = [
            models.UniqueConstraint(
                fields=["staff", "question"], name="notebook_entry_unique"
            )
        ]
        indexes = [models.Index(fields=["staff", "resolved_at"])]

    def __str__(self):
        return f"{self.staff_id} · {self.question_id}"
