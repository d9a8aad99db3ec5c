"""Import and export of the question bank: CSV/XLSX in the columns of DESIGN.md,
and Moodle GIFT (read into the same columns, so one resource validates and
writes every format).

A row's choices are the cells choice_a … choice_f (filled from A without gaps),
its correct choices the letters in `answer`. Hidden columns feedback_a … and
weight_a … carry GIFT's per-choice feedback and %weight%; CSV may use them too,
and a file without them leaves feedback and weights as they are. Questions are
upserted by their natural key (category + normalised stem, quizzes/text.py);
each imported change is a published revision, so the admin history shows it.
"""

from __future__ import annotations

import io
from decimal import Decimal, InvalidOperation

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.translation import gettext_lazy
from import_export.fields import Field

from core.imports.reading import Table, decode_text
from core.imports.registry import Column, RecordKind
from core.imports.report import RowError, SkippedItem
from core.imports.resources import ImportResource
from core.imports.values import ChoiceWidget, TextWidget, clean_text
from quizzes import gift, services, text
from quizzes.models import (
    CHOICE_LETTERS,
    FALSE_TEXT,
    TRUE_TEXT,
    Question,
    QuestionCategory,
)

LETTERS = CHOICE_LETTERS.lower()
CHOICE_KEYS = tuple(f"choice_{letter}" for letter in LETTERS)
FEEDBACK_KEYS = tuple(f"feedback_{letter}" for letter in LETTERS)
WEIGHT_KEYS = tuple(f"weight_{letter}" for letter in LETTERS)
EXPORT_KEYS = (
    "category",
    "kind",
    "stem",
    *CHOICE_KEYS,
    "answer",
    "explanation",
    "source",
    "difficulty",
)

QUESTION_COLUMNS = (
    Column("category", "题目分类", required=True),
    Column("kind", "题型", required=True),
    Column("stem", "题干", required=True),
    *(
        Column(key, f"选项{letter}")
        for key, letter in zip(CHOICE_KEYS, CHOICE_LETTERS, strict=True)
    ),
    Column("answer", "答案", required=True),
    Column("explanation", "解析"),
    Column("source", "出处"),
    Column("difficulty", "难度"),
    *(
        Column(key, f"选项{letter}反馈", in_template=False)
        for key, letter in zip(FEEDBACK_KEYS, CHOICE_LETTERS, strict=True)
    ),
    *(
        Column(key, f"选项{letter}权重", in_template=False)
        for key, letter in zip(WEIGHT_KEYS, CHOICE_LETTERS, strict=True)
    ),
)
KIND_ALIASES = {
    "单选": Question.Kind.SINGLE,
    "单选题": Question.Kind.SINGLE,
    "多选": Question.Kind.MULTIPLE,
    "多选题": Question.Kind.MULTIPLE,
    "判断": Question.Kind.TRUE_FALSE,
    "判断题": Question.Kind.TRUE_FALSE,
}
DIFFICULTY_CODES = {
    Question.Difficulty.EASY: "easy",
    Question.Difficulty.MEDIUM: "medium",
    Question.Difficulty.HARD: "hard",
}
DIFFICULTY_ALIASES = {
    **{code: level for level, code in DIFFICULTY_CODES.items()},
    "1": Question.Difficulty.EASY,
    "2": Question.Difficulty.MEDIUM,
    "3": Question.Difficulty.HARD,
    "易": Question.Difficulty.EASY,
    "简单": Question.Difficulty.EASY,
    "容易": Question.Difficulty.EASY,
    "中": Question.Difficulty.MEDIUM,
    "中等": Question.Difficulty.MEDIUM,
    "一般": Question.Difficulty.MEDIUM,
    "难": Question.Difficulty.HARD,
    "困难": Question.Difficulty.HARD,
    "较难": Question.Difficulty.HARD,
}
TRUE_FALSE_ANSWERS = {
    "A": "A",
    "B": "B",
    TRUE_TEXT: "A",
    FALSE_TEXT: "B",
    "对": "A",
    "错": "B",
    "T": "A",
    "F": "B",
    "TRUE": "A",
    "FALSE": "B",
}
ANSWER_SEPARATORS = " ,，、;；/|"
DEFAULT_GIFT_CATEGORY = "默认分类"

ERROR_ANSWER_LETTERS = gettext_lazy(
    "“%(value)s” is not an answer: give the letters of the correct choices, such "
    "as A or ACD."
)
ERROR_ANSWER_TRUE_FALSE = gettext_lazy(
    "“%(value)s” is not an answer to a true-or-false question: use A (正确) or "
    "B (错误)."
)
ERROR_ANSWER_EMPTY_CHOICE = gettext_lazy(
    "The answer names choice %(letter)s, which is empty."
)
ERROR_CHOICE_GAP = gettext_lazy(
    "Choice %(letter)s is empty but a later choice is filled; fill the choices in "
    "order from A."
)
ERROR_UNKNOWN_DIFFICULTY = gettext_lazy(
    "“%(value)s” is not a difficulty; use easy, medium or hard (易, 中, 难)."
)
ERROR_BAD_WEIGHT = gettext_lazy("“%(value)s” is not a weight in percent.")
ERROR_UNPUBLISHED = gettext_lazy(
    "This question has changes in the admin that are not published; publish or "
    "discard them before importing it."
)
ERROR_LOCKED = gettext_lazy("This question is locked in the admin.")
WARNING_NEW_CATEGORIES = gettext_lazy("New question categories: %(names)s.")
WARNING_DEFAULT_CATEGORY = gettext_lazy(
    "%(count)s questions come before any $CATEGORY line; they go to the "
    "category “%(name)s”."
)


def _category_name(value) -> str:
    return " ".join(clean_text(value).split())


class CategoryWidget(TextWidget):
    """Category names; the resource creates missing ones before the rows are read."""

    def __init__(self, **kwargs):
        super().__init__(max_length=100, **kwargs)
        self.by_name: dict[str, QuestionCategory] = {}

    def clean(self, value, row=None, **kwargs):
        name = _category_name(value)
        return self.by_name.get(name) if name else None

    def render(self, value, obj=None, **kwargs):
        return value.name if value else ""


class DifficultyWidget(TextWidget):
    def clean(self, value, row=None, **kwargs):
        text_value = super().clean(value).lower()
        if not text_value:
            return Question.Difficulty.MEDIUM
        level = DIFFICULTY_ALIASES.get(text_value)
        if level is None:
            raise ValueError(str(ERROR_UNKNOWN_DIFFICULTY) % {"value": text_value})
        return int(level)

    def render(self, value, obj=None, **kwargs):
        return DIFFICULTY_CODES.get(value, "") if value else ""


class AnswerWidget(TextWidget):
    """Upper-cased, separators dropped: 'a, c、d' -> 'ACD'. The letters are
    checked against the choices (and 正确/错误 mapped) once the kind is known."""

    def clean(self, value, row=None, **kwargs):
        answer = super().clean(value).upper()
        return "".join(c for c in answer if c not in ANSWER_SEPARATORS)


class WeightWidget(TextWidget):
    def clean(self, value, row=None, **kwargs):
        raw = clean_text(value).rstrip("%").strip()
        if not raw:
            return None
        try:
            weight = Decimal(raw)
        except InvalidOperation:
            raise ValueError(str(ERROR_BAD_WEIGHT) % {"value": raw}) from None
        if not weight.is_finite():
            raise ValueError(str(ERROR_BAD_WEIGHT) % {"value": raw})
        return weight

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else gift.format_weight(value)


def _weight_field(key):
    return Field(attribute=key, column_name=key, widget=WeightWidget())


def _text_field(key, max_length=None):
    return Field(
        attribute=key, column_name=key, widget=TextWidget(max_length=max_length)
    )


class QuestionResource(ImportResource):
    category = Field(
        attribute="category", column_name="category", widget=CategoryWidget()
    )
    kind = Field(
        attribute="kind",
        column_name="kind",
        widget=ChoiceWidget(Question.Kind, aliases=KIND_ALIASES),
    )
    stem = _text_field("stem")
    choice_a = _text_field("choice_a", 500)
    choice_b = _text_field("choice_b", 500)
    choice_c = _text_field("choice_c", 500)
    choice_d = _text_field("choice_d", 500)
    choice_e = _text_field("choice_e", 500)
    choice_f = _text_field("choice_f", 500)
    answer = Field(attribute="answer", column_name="answer", widget=AnswerWidget())
    explanation = _text_field("explanation")
    source = _text_field("source", 200)
    difficulty = Field(
        attribute="difficulty", column_name="difficulty", widget=DifficultyWidget()
    )
    feedback_a = _text_field("feedback_a")
    feedback_b = _text_field("feedback_b")
    feedback_c = _text_field("feedback_c")
    feedback_d = _text_field("feedback_d")
    feedback_e = _text_field("feedback_e")
    feedback_f = _text_field("feedback_f")
    weight_a = _weight_field("weight_a")
    weight_b = _weight_field("weight_b")
    weight_c = _weight_field("weight_c")
    weight_d = _weight_field("weight_d")
    weight_e = _weight_field("weight_e")
    weight_f = _weight_field("weight_f")

    # Foreign keys are resolved from caches, the key and law fields are derived.
    full_clean_exclude = (
        "category",
        "latest_revision",
        "live_revision",
        "locked_by",
        "stem_key",
    )

    class Meta(ImportResource.Meta):
        model = Question
        import_id_fields = ["stem"]
        fields = [*EXPORT_KEYS, *FEEDBACK_KEYS, *WEIGHT_KEYS]
        import_order = fields
        export_order = list(EXPORT_KEYS)
        use_bulk = True
        batch_size = 1000

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._existing: dict[str, Question] = {}
        self._categories = self.fields["category"].widget.by_name

    # -- import ----------------------------------------------------------------------

    def before_import(self, dataset, **kwargs):
        """Create missing categories, then load the questions the rows name (with
        their choices and tags) in a constant number of queries."""
        names = {_category_name(v) for v in dataset["category"]} - {""}
        known = set(self._categories)
        missing = sorted(names - known)
        if missing:
            found, created = services.category_get_or_create_many(missing)
            self._categories.update(found)
            if created:
                self.file_warnings.append(
                    str(WARNING_NEW_CATEGORIES) % {"names": "、".join(created)}
                )
        keys = []
        for name, stem in zip(dataset["category"], dataset["stem"], strict=True):
            category = self._categories.get(_category_name(name))
            if category is not None:
                keys.append(text.stem_key(category.pk, clean_text(stem)))
        self._existing = {}
        questions = (
            Question.objects.filter(stem_key__in=keys)
            .select_related("category")
            .prefetch_related("choices", "tagged_items")
        )
        for question in questions:
            _attach_columns(question)
            question._existing_choices = list(question.choices.all())
            question._tagged_items = list(question.tagged_items.all())
            self._existing[question.stem_key] = question

    def get_instance(self, instance_loader, row):
        category = self._categories.get(_category_name(row.get("category")))
        if category is None:
            return None
        return self._existing.get(text.stem_key(category.pk, clean_text(row["stem"])))

    def init_instance(self, row=None):
        question = Question(is_active=True, difficulty=Question.Difficulty.MEDIUM)
        for key in (*CHOICE_KEYS, *FEEDBACK_KEYS, "answer"):
            setattr(question, key, "")
        for key in WEIGHT_KEYS:
            setattr(question, key, None)
        question._existing_choices = []
        question._tagged_items = []
        return question

    def import_instance(self, instance, row, **kwargs):
        super().import_instance(instance, row, **kwargs)
        # True-or-false answers may be given as 正确/错误/T/F; weights never apply.
        if instance.kind == Question.Kind.TRUE_FALSE:
            if not instance.choice_a and not instance.choice_b:
                instance.choice_a, instance.choice_b = TRUE_TEXT, FALSE_TEXT
            instance.answer = TRUE_FALSE_ANSWERS.get(instance.answer, instance.answer)
        choices = _choice_inputs(instance)
        for key, weight in zip(
            WEIGHT_KEYS,
            services.weights_normalised(instance.kind, choices),
            strict=False,
        ):
            setattr(instance, key, weight)

    def validate_instance(
        self, instance, import_validation_errors=None, validate_unique=True
    ):
        errors: dict[str, list[str]] = {
            key: list(value) for key, value in (import_validation_errors or {}).items()
        }

        def add(attribute, message):
            errors.setdefault(attribute, []).append(str(message))

        if instance.pk is not None:
            if instance.has_unpublished_changes:
                add(NON_FIELD_ERRORS, ERROR_UNPUBLISHED)
            if instance.locked:
                add(NON_FIELD_ERRORS, ERROR_LOCKED)
        if "kind" not in errors and "answer" not in errors:
            for attribute, message in _choice_problems(instance):
                add(attribute, message)
        try:
            super().validate_instance(instance, errors)
        except ValidationError as exc:
            errors = exc.update_error_dict({})
        if errors:
            raise ValidationError(errors)

    def bulk_create(
        self, using_transactions, dry_run, raise_errors, batch_size=None, result=None
    ):
        self._write(self.create_instances, raise_errors, result)

    def bulk_update(
        self, using_transactions, dry_run, raise_errors, batch_size=None, result=None
    ):
        self._write(self.update_instances, raise_errors, result)

    def _write(self, instances, raise_errors, result):
        if not instances:
            return
        writes = [
            services.QuestionWrite(
                question=question,
                choices=_choice_inputs(question),
                existing_choices=question._existing_choices,
                tagged_items=question._tagged_items,
            )
            for question in instances
        ]
        try:
            services.question_write_many(writes)
        except Exception as exc:
            self.handle_import_error(result, exc, raise_errors)
        finally:
            instances.clear()

    # -- export ----------------------------------------------------------------------

    def get_export_queryset(self):
        return question_export_queryset()

    def get_export_fields(self, selected_fields=None):
        return [
            f
            for f in super().get_export_fields(selected_fields)
            if f.column_name in EXPORT_KEYS
        ]

    def export_row(self, obj) -> list:
        if not hasattr(obj, "answer"):
            _attach_columns(obj)
        return super().export_row(obj)


def question_export_queryset():
    """Published questions with what the columns need, oldest first."""
    return (
        Question.objects.filter(live=True)
        .select_related("category")
        .prefetch_related("choices")
        .order_by("pk")
    )


def _attach_columns(question: Question) -> None:
    """Set the file columns (choice_a …, answer, feedback_a …, weight_a …) from
    the question's choices, so that rows compare with and render like files."""
    choices = list(question.choices.all())
    for index, letter in enumerate(LETTERS):
        choice = choices[index] if index < len(choices) else None
        setattr(question, f"choice_{letter}", choice.text if choice else "")
        setattr(question, f"feedback_{letter}", choice.feedback if choice else "")
        setattr(question, f"weight_{letter}", choice.weight if choice else None)
    question.answer = "".join(
        CHOICE_LETTERS[i] for i, c in enumerate(choices) if c.is_correct
    )


def _filled_choices(question) -> list[str]:
    texts = [getattr(question, key) or "" for key in CHOICE_KEYS]
    while texts and not texts[-1]:
        texts.pop()
    return texts


def _choice_inputs(question) -> list[services.ChoiceInput]:
    answer = set(question.answer or "")
    return [
        services.ChoiceInput(
            text=choice_text,
            is_correct=CHOICE_LETTERS[index] in answer,
            feedback=getattr(question, FEEDBACK_KEYS[index]) or "",
            weight=getattr(question, WEIGHT_KEYS[index]),
        )
        for index, choice_text in enumerate(_filled_choices(question))
    ]


def _choice_problems(question) -> list[tuple[str, str]]:
    """The rules of a question's row: cells first, then question_problems."""
    problems: list[tuple[str, str]] = []
    texts = _filled_choices(question)
    for index, choice_text in enumerate(texts):
        if not choice_text:
            problems.append(
                (
                    CHOICE_KEYS[index],
                    ERROR_CHOICE_GAP % {"letter": CHOICE_LETTERS[index]},
                )
            )
    answer = question.answer or ""
    if question.kind == Question.Kind.TRUE_FALSE and answer not in ("A", "B"):
        return [*problems, ("answer", ERROR_ANSWER_TRUE_FALSE % {"value": answer})]
    if len(set(answer)) != len(answer) or any(c not in CHOICE_LETTERS for c in answer):
        return [*problems, ("answer", ERROR_ANSWER_LETTERS % {"value": answer})]
    for letter in answer:
        index = CHOICE_LETTERS.index(letter)
        if index >= len(texts) or not texts[index]:
            problems.append(("answer", ERROR_ANSWER_EMPTY_CHOICE % {"letter": letter}))
    if problems:
        return problems
    choices = _choice_inputs(question)
    for problem in services.question_problems(
        kind=question.kind, stem=question.stem, choices=choices
    ):
        attribute = problem.field
        if attribute == "choices":
            index = problem.index if problem.index is not None else 0
            attribute = CHOICE_KEYS[min(index, len(CHOICE_KEYS) - 1)]
        problems.append((attribute, problem.message))
    return problems


# --- GIFT ----------------------------------------------------------------------------


GIFT_HEADERS = [
    "category",
    "kind",
    "stem",
    *CHOICE_KEYS,
    "answer",
    "explanation",
    *FEEDBACK_KEYS,
    *WEIGHT_KEYS,
]


def read_gift(data: bytes) -> Table:
    """A GIFT file as a table in the question columns, one row per supported
    question numbered by the line it starts on."""
    decoded, encoding = decode_text(data)
    parsed = gift.parse(decoded)
    headers = list(GIFT_HEADERS)
    with_source = any(q.source is not None for q in parsed.questions)
    with_difficulty = any(q.difficulty is not None for q in parsed.questions)
    if with_source:
        headers.append("source")
    if with_difficulty:
        headers.append("difficulty")
    rows = []
    for question in parsed.questions:
        padded = question.choices + [gift.GiftChoice("")] * (
            len(CHOICE_KEYS) - len(question.choices)
        )
        answer = "".join(
            CHOICE_LETTERS[i] for i, c in enumerate(question.choices) if c.is_correct
        )
        cells = [
            question.category or DEFAULT_GIFT_CATEGORY,
            question.kind,
            question.stem,
            *(c.text for c in padded),
            answer,
            question.explanation,
            *(c.feedback for c in padded),
            *("" if c.weight is None else gift.format_weight(c.weight) for c in padded),
        ]
        if with_source:
            cells.append(question.source or "")
        if with_difficulty:
            cells.append(question.difficulty or "")
        rows.append((question.line, cells))
    table = Table(
        headers=headers, _rows=lambda: iter(rows), encoding=encoding, format="gift"
    )
    table.errors = [RowError(e.line, "", e.message) for e in parsed.errors]
    table.skipped = [SkippedItem(s.line, s.name, s.label) for s in parsed.skipped]
    if parsed.uncategorised:
        table.warnings.append(
            str(WARNING_DEFAULT_CATEGORY)
            % {"count": parsed.uncategorised, "name": DEFAULT_GIFT_CATEGORY}
        )
    return table


def gift_question(question: Question) -> gift.GiftQuestion:
    """A stored question in the writer's terms (choices prefetched)."""
    return gift.GiftQuestion(
        line=0,
        kind=question.kind,
        stem=question.stem,
        category=question.category.name,
        explanation=question.explanation,
        source=question.source,
        difficulty=DIFFICULTY_CODES.get(question.difficulty, ""),
        choices=[
            gift.GiftChoice(c.text, c.is_correct, c.feedback, c.weight)
            for c in question.choices.all()
        ],
    )


def write_gift(stream, queryset=None) -> int:
    """Write questions as GIFT (UTF-8) to a binary stream; returns the count."""
    questions = queryset if queryset is not None else question_export_queryset()
    questions = questions.order_by("category__name", "pk")
    text_stream = io.TextIOWrapper(stream, encoding="utf-8", newline="\n")
    count = 0

    def converted():
        nonlocal count
        for question in questions.iterator(chunk_size=2000):
            count += 1
            yield gift_question(question)

    try:
        for piece in gift.write(converted()):
            text_stream.write(piece)
    finally:
        text_stream.flush()
        text_stream.detach()
    return count


def register_kinds(register) -> None:
    register(
        RecordKind(
            name="questions",
            label=gettext_lazy("Questions"),
            model_label="quizzes.Question",
            resource_class=QuestionResource,
            columns=QUESTION_COLUMNS,
            natural_key="stem",
            row_key=lambda cells: text.file_row_key(
                _category_name(cells.get("category")), clean_text(cells.get("stem"))
            ),
            import_formats=("csv", "xlsx", "gift"),
            export_formats=("csv", "xlsx", "gift"),
            readers={"gift": read_gift},
            writers={"gift": write_gift},
        )
    )
