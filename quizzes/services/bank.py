"""Writes to the question bank, and the rules every question obeys.

`question_problems` holds the rules of a well-formed question; the admin form,
the file import and (through the import) GIFT files all call it, so a question
is valid by the same rules wherever it comes from.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modelcluster.models import get_serializable_data_for_fields
from wagtail.models import ModelLogEntry, Revision

from quizzes import text
from quizzes.models import (
    FALSE_TEXT,
    MAX_CHOICES,
    TRUE_TEXT,
    Choice,
    Question,
    QuestionCategory,
)

# Weights are written with five decimals (33.33333 for a third).
WEIGHT_TOLERANCE = Decimal("0.0001")

ERROR_STEM_EMPTY = _("The question text is empty.")
ERROR_TOO_FEW_CHOICES = _(
    "A single or multiple choice question needs at least two choices."
)
ERROR_TOO_MANY_CHOICES = _("A question has at most six choices (A to F).")
ERROR_DUPLICATE_CHOICE = _("Two choices have the same text: “%(text)s”.")
ERROR_SINGLE_ONE_CORRECT = _(
    "A single choice question has exactly one correct answer; this one has %(count)s."
)
ERROR_MULTIPLE_TWO_CORRECT = _(
    "A multiple choice question has at least two correct answers; this one has "
    "%(count)s."
)
ERROR_TRUE_FALSE_CHOICES = _(
    "A true-or-false question has exactly the two choices 正确 and 错误, in that order."
)
ERROR_TRUE_FALSE_ONE_CORRECT = _(
    "A true-or-false question has exactly one correct answer: 正确 or 错误."
)
ERROR_WEIGHT_RANGE = _("A choice's weight lies between -100 and 100 percent.")
ERROR_CORRECT_WEIGHT = _("A correct choice cannot have a weight of zero or less.")
ERROR_DUPLICATE_QUESTION = _(
    "The category already holds a question with this text (after ignoring "
    "spaces, letter case and full-width forms)."
)


@dataclass(frozen=True)
class ChoiceInput:
    """A choice as an editor or a file gives it."""

    text: str
    is_correct: bool = False
    feedback: str = ""
    weight: Decimal | None = None


@dataclass(frozen=True)
class Problem:
    """A broken rule. `field` is 'stem', 'choices' or 'answer'; `index` points
    at the choice concerned, when there is one."""

    field: str
    message: str
    index: int | None = None


def question_problems(
    *, kind: str, stem: str, choices: Sequence[ChoiceInput]
) -> list[Problem]:
    """Every rule of issue 4 item 1 that the question breaks (none: valid)."""
    problems: list[Problem] = []
    if not (stem or "").strip():
        problems.append(Problem("stem", str(ERROR_STEM_EMPTY)))
    if len(choices) > MAX_CHOICES:
        problems.append(Problem("choices", str(ERROR_TOO_MANY_CHOICES)))
    seen: set[str] = set()
    for index, choice in enumerate(choices):
        key = text.normalise(choice.text)
        if key in seen:
            message = str(ERROR_DUPLICATE_CHOICE) % {"text": choice.text}
            problems.append(Problem("choices", message, index))
        seen.add(key)
        if choice.weight is not None:
            if not Decimal(-100) <= choice.weight <= Decimal(100):
                problems.append(Problem("choices", str(ERROR_WEIGHT_RANGE), index))
            elif choice.is_correct and choice.weight <= 0:
                problems.append(Problem("choices", str(ERROR_CORRECT_WEIGHT), index))
    correct = sum(1 for choice in choices if choice.is_correct)
    if kind == Question.Kind.TRUE_FALSE:
        texts = [c.text.strip() for c in choices]
        expected = [TRUE_TEXT, FALSE_TEXT]
        if texts != expected:
            wrong = next(
                i
                for i in range(max(len(texts), 2))
                if i >= len(texts) or i >= 2 or texts[i] != expected[i]
            )
            problems.append(Problem("choices", str(ERROR_TRUE_FALSE_CHOICES), wrong))
        if correct != 1:
            problems.append(Problem("answer", str(ERROR_TRUE_FALSE_ONE_CORRECT)))
        return problems
    if len(choices) < 2:
        problems.append(Problem("choices", str(ERROR_TOO_FEW_CHOICES), len(choices)))
    if kind == Question.Kind.SINGLE and correct != 1:
        problems.append(
            Problem("answer", str(ERROR_SINGLE_ONE_CORRECT) % {"count": correct})
        )
    if kind == Question.Kind.MULTIPLE and correct < 2:
        problems.append(
            Problem("answer", str(ERROR_MULTIPLE_TWO_CORRECT) % {"count": correct})
        )
    return problems


def default_weight(kind: str, is_correct: bool, correct_count: int) -> Decimal | None:
    """A choice's weight when none is given: correct choices share 100 %, wrong
    ones count 0 (true-or-false questions have no weights)."""
    if kind == Question.Kind.TRUE_FALSE:
        return None
    if not is_correct:
        return Decimal(0)
    if kind == Question.Kind.SINGLE:
        return Decimal(100)
    return Decimal(100) / max(correct_count, 1)


def weights_normalised(
    kind: str, choices: Sequence[ChoiceInput]
) -> list[Decimal | None]:
    """The weights to store: None where a weight only restates the default, so
    that a file that writes the default (GIFT must) reads back unchanged."""
    correct_count = sum(1 for c in choices if c.is_correct)
    weights: list[Decimal | None] = []
    for choice in choices:
        default = default_weight(kind, choice.is_correct, correct_count)
        restates_default = (
            choice.weight is None
            or default is None
            or abs(choice.weight - default) < WEIGHT_TOLERANCE
        )
        weights.append(None if restates_default else choice.weight)
    return weights


def question_is_duplicate(question: Question) -> bool:
    """Another question of the same category has the same normalised stem."""
    key = text.stem_key(question.category_id, question.stem)
    return Question.objects.filter(stem_key=key).exclude(pk=question.pk).exists()


# --- categories ----------------------------------------------------------------------


def category_get_or_create_many(
    names: Iterable[str],
) -> tuple[dict[str, QuestionCategory], list[str]]:
    """Categories by name, creating the missing ones (two queries at most);
    also returns the names that were created."""
    wanted = {name for name in names if name}
    found = {c.name: c for c in QuestionCategory.objects.filter(name__in=wanted)}
    missing = [QuestionCategory(name=name) for name in sorted(wanted - set(found))]
    if missing:
        QuestionCategory.objects.bulk_create(missing)
        for category in missing:
            found[category.name] = category
    return found, [category.name for category in missing]


# --- questions -----------------------------------------------------------------------


@transaction.atomic
def question_create(
    *,
    category: QuestionCategory,
    kind: str,
    stem: str,
    choices: Sequence[ChoiceInput],
    explanation: str = "",
    source: str = "",
    difficulty: int = Question.Difficulty.MEDIUM,
    tags: Sequence[str] = (),
    is_active: bool = True,
    user=None,
    publish: bool = True,
) -> Question:
    """Create a question with its choices and a first revision (published
    unless `publish` is False, which leaves a draft)."""
    problems = question_problems(kind=kind, stem=stem, choices=choices)
    if problems:
        raise ValidationError({p.field: p.message for p in problems})
    question = Question(
        category=category,
        kind=kind,
        stem=stem,
        explanation=explanation,
        source=source,
        difficulty=difficulty,
        is_active=is_active,
        live=False,
        has_unpublished_changes=True,
    )
    question.derive_fields()
    if question_is_duplicate(question):
        raise ValidationError({"stem": str(ERROR_DUPLICATE_QUESTION)})
    question.choices = [
        Choice(
            text=c.text,
            is_correct=c.is_correct,
            feedback=c.feedback,
            weight=c.weight,
            sort_order=index,
        )
        for index, c in enumerate(choices)
    ]
    if tags:
        question.tags.add(*tags)
    question.save()
    revision = question.save_revision(user=user, log_action=True)
    if publish:
        revision.publish(user=user)
        question.refresh_from_db()
    return question


@dataclass
class QuestionWrite:
    """One question an import writes: the instance with its new field values,
    the choices it should have, and the rows it has now."""

    question: Question
    choices: list[ChoiceInput]
    existing_choices: list[Choice] = field(default_factory=list)
    tagged_items: list = field(default_factory=list)


def question_write_many(writes: Sequence[QuestionWrite], *, user=None) -> None:
    """Create or update questions and their choices in bulk, and record each
    as a published revision, in a constant number of queries.

    Precondition: every question was validated (question_problems) and has no
    unpublished changes. Choices are matched by position, so a choice whose
    text is corrected keeps its id.
    """
    if not writes:
        return
    now = timezone.now()
    new = [w for w in writes if w.question.pk is None]
    changed = [w for w in writes if w.question.pk is not None]
    for write in writes:
        question = write.question
        question.derive_fields()
        question.live = True
        question.has_unpublished_changes = False
        question.first_published_at = question.first_published_at or now
        question.last_published_at = now
        question.updated_at = now
    if new:
        Question.objects.bulk_create([w.question for w in new])
    if changed:
        Question.objects.bulk_update(
            [w.question for w in changed],
            [
                "category",
                "kind",
                "stem",
                "explanation",
                "source",
                "law_name",
                "article_number",
                "difficulty",
                "stem_key",
                "live",
                "has_unpublished_changes",
                "first_published_at",
                "last_published_at",
                "updated_at",
            ],
        )
    choices_by_write = _write_choices(writes)
    _record_revisions(writes, choices_by_write, user=user, now=now)


_CHOICE_FIELDS = ("text", "is_correct", "feedback", "weight", "sort_order")


def _write_choices(writes: Sequence[QuestionWrite]) -> list[list[Choice]]:
    to_create: list[Choice] = []
    to_update: list[Choice] = []
    to_delete: list[int] = []
    result: list[list[Choice]] = []
    for write in writes:
        current: list[Choice] = []
        for index, wanted in enumerate(write.choices):
            values = {
                "text": wanted.text,
                "is_correct": wanted.is_correct,
                "feedback": wanted.feedback,
                "weight": wanted.weight,
                "sort_order": index,
            }
            if index < len(write.existing_choices):
                choice = write.existing_choices[index]
                if any(getattr(choice, k) != v for k, v in values.items()):
                    for key, value in values.items():
                        setattr(choice, key, value)
                    to_update.append(choice)
            else:
                choice = Choice(question=write.question, **values)
                to_create.append(choice)
            current.append(choice)
        to_delete += [c.pk for c in write.existing_choices[len(write.choices) :]]
        result.append(current)
    if to_delete:
        Choice.objects.filter(pk__in=to_delete).delete()
    if to_update:
        Choice.objects.bulk_update(to_update, list(_CHOICE_FIELDS))
    if to_create:
        Choice.objects.bulk_create(to_create)
    return result


def _record_revisions(writes, choices_by_write, *, user, now) -> None:
    content_type = ContentType.objects.get_for_model(Question)
    revisions = []
    for write, choices in zip(writes, choices_by_write, strict=True):
        question = write.question
        content = get_serializable_data_for_fields(question)
        content["choices"] = [get_serializable_data_for_fields(c) for c in choices]
        content["tagged_items"] = [
            get_serializable_data_for_fields(item) for item in write.tagged_items
        ]
        revisions.append(
            Revision(
                content_type=content_type,
                base_content_type=content_type,
                object_id=str(question.pk),
                created_at=now,
                user=user,
                object_str=str(question),
                content=content,
            )
        )
    Revision.objects.bulk_create(revisions)
    entries = []
    for write, revision in zip(writes, revisions, strict=True):
        question = write.question
        is_new = question.latest_revision_id is None
        question.latest_revision = revision
        question.live_revision = revision
        actions = ["wagtail.create", "wagtail.publish"] if is_new else []
        actions = actions or ["wagtail.publish"]
        for action in actions:
            entries.append(
                ModelLogEntry(
                    content_type=content_type,
                    label=str(question),
                    action=action,
                    timestamp=now,
                    user=user,
                    object_id=str(question.pk),
                    revision=revision if action == "wagtail.publish" else None,
                    content_changed=True,
                )
            )
    Question.objects.bulk_update(
        [w.question for w in writes], ["latest_revision", "live_revision"]
    )
    ModelLogEntry.objects.bulk_create(entries)


__all__ = [
    "ChoiceInput",
    "Problem",
    "question_problems",
    "default_weight",
    "weights_normalised",
    "question_is_duplicate",
    "category_get_or_create_many",
    "question_create",
    "QuestionWrite",
    "question_write_many",
    "WEIGHT_TOLERANCE",
    "ERROR_STEM_EMPTY",
    "ERROR_TOO_FEW_CHOICES",
    "ERROR_TOO_MANY_CHOICES",
    "ERROR_DUPLICATE_CHOICE",
    "ERROR_SINGLE_ONE_CORRECT",
    "ERROR_MULTIPLE_TWO_CORRECT",
    "ERROR_TRUE_FALSE_CHOICES",
    "ERROR_TRUE_FALSE_ONE_CORRECT",
    "ERROR_WEIGHT_RANGE",
    "ERROR_CORRECT_WEIGHT",
    "ERROR_DUPLICATE_QUESTION",
]
