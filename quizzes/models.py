"""The question bank: categories, questions (Wagtail snippets with drafts,
revisions and locking) and their choices.

Quiz pages, attempts and grading build on these models. A question's choices
keep their primary keys when a trainer edits their text (the admin and the
import both update choices in place), and `Question.as_snapshot()` gives the
frozen form of a question that an attempt stores, so that editing or deleting
a question never changes a past attempt.
"""

from __future__ import annotations

from django.contrib.contenttypes.fields import GenericRelation
from django.db import models
from django.utils.translation import gettext_lazy as _
from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from taggit.models import TaggedItemBase
from wagtail.admin.panels import FieldPanel
from wagtail.models import (
    DraftStateMixin,
    LockableMixin,
    Orderable,
    RevisionMixin,
)

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
