"""Moodle's GIFT text format: read questions from it and write them to it.

Reading follows Moodle's own importer (question/format/gift/format.php) and its
documentation:

- questions are separated by blank lines; a line starting with // is a comment;
- `$CATEGORY: path` puts the questions after it into the path's last category
  (Moodle's context prefix such as `$course$/top/` is dropped; `//` in a name
  stands for a literal slash);
- `::name::` names a question; `[html]`, `[markdown]`, `[plain]` or `[moodle]`
  before a text gives its format (HTML is turned into plain text, the others are
  kept as written);
- `{=right ~wrong}` is a single choice question, `~%50%right ~%-100%wrong`
  without any `=` a multiple choice question (correct = positive weight),
  `{T}`, `{F}`, `{TRUE}`, `{FALSE}` a true-or-false question with optional
  `#wrong feedback#right feedback`; `#feedback` follows an answer; `####text`
  at the end of the answers is the general feedback (our explanation);
- answers before closing punctuation make a "missing word" question: the stem
  gets `_____` where the answers were;
- `\\~ \\= \\# \\{ \\} \\:` are literal characters, `\\\\` a backslash, `\\n` a newline.

Short answer, matching, numerical, essay and description questions are
returned as skipped (with name and line), not as errors. A question of a
supported type that cannot be read makes an error with its line number.

Two comment lines of our own carry what GIFT has no place for, and Moodle
ignores them: `// source: …` (出处) and `// difficulty: …` (难度).

The reader is a single forward pass over the text (no recursion, no
backtracking regular expressions), so no input can exhaust the stack or hang.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext_lazy as _

FORMATS = ("html", "markdown", "plain", "moodle")
TRUE_WORDS = ("T", "TRUE")
FALSE_WORDS = ("F", "FALSE")
MAX_CHOICES = 6
MAX_QUESTION_CHARS = 50_000
BLANK = "_____"

SKIP_SHORT_ANSWER = "short_answer"
SKIP_MATCHING = "matching"
SKIP_NUMERICAL = "numerical"
SKIP_ESSAY = "essay"
SKIP_DESCRIPTION = "description"
SKIP_LABELS = {
    SKIP_SHORT_ANSWER: _("short answer"),
    SKIP_MATCHING: _("matching"),
    SKIP_NUMERICAL: _("numerical"),
    SKIP_ESSAY: _("essay"),
    SKIP_DESCRIPTION: _("description"),
}

ERROR_NAME_NOT_CLOSED = _("The question name opened with :: is not closed by ::.")
ERROR_BRACE_NOT_CLOSED = _(
    "The answers opened with { are not closed by } before the next blank line."
)
ERROR_BRACE_NOT_OPENED = _(
    "A } closes answers that were never opened; write \\} for a literal brace."
)
ERROR_NESTED_BRACE = _(
    "A { inside the answers: answers cannot be nested; write \\{ for a literal brace."
)
ERROR_SECOND_ANSWER_BLOCK = _(
    "A question has one set of answers in braces; write \\{ and \\} for literal braces."
)
ERROR_TEXT_BEFORE_ANSWER = _(
    "“%(text)s” stands before the first answer; every answer starts with = or ~."
)
ERROR_EMPTY_ANSWER = _("An answer has no text.")
ERROR_TOO_MANY_ANSWERS = _(
    "A question has at most %(limit)s answers (A to F); this one has %(count)s."
)
ERROR_TOO_LONG = _("The question is longer than %(limit)s characters.")
ERROR_BAD_WEIGHT = _("“%(weight)s” is not a weight; write it like %%50%% or %%-100%%.")

# Escaped control characters become private-use placeholders while the text is
# parsed, and are restored afterwards (Moodle does the same with "&&058;" etc.).
_ESCAPABLE = "~=#{}:"
_PLACEHOLDER_BASE = 0xF0000
_ESCAPES = {c: chr(_PLACEHOLDER_BASE + ord(c)) for c in _ESCAPABLE}
_ESCAPES["\\"] = chr(_PLACEHOLDER_BASE + ord("\\"))
_NEWLINE = chr(_PLACEHOLDER_BASE + ord("n"))
_RESTORE = {ord(v): k for k, v in _ESCAPES.items()} | {ord(_NEWLINE): "\n"}
_WEIGHT = re.compile(r"%([^%\n]{0,20})%")
_CONTEXT_PREFIX = re.compile(r"^\$[a-z0-9]*\$/?")
_META_COMMENT = re.compile(
    r"^//\s*(source|出处|difficulty|难度)\s*[:：]\s*(.*?)\s*$", re.IGNORECASE
)
_HTML_BREAK = re.compile(r"<br\s*/?>|</(?:p|div|li|h[1-6]|tr)\s*>", re.IGNORECASE)
_HTML_TAG = re.compile(r"<[^<>]*>")


@dataclass
class GiftChoice:
    text: str
    is_correct: bool = False
    feedback: str = ""
    weight: Decimal | None = None  # as written; None when no %weight% was given


@dataclass
class GiftQuestion:
    line: int
    kind: str  # "single", "multiple" or "true_false"
    stem: str
    choices: list[GiftChoice]
    category: str = ""
    name: str = ""
    explanation: str = ""
    source: str | None = None  # None: the file does not say
    difficulty: str | None = None


@dataclass
class GiftSkipped:
    line: int
    name: str
    kind: str  # one of SKIP_LABELS

    @property
    def label(self) -> str:
        return str(SKIP_LABELS[self.kind])


@dataclass
class GiftError:
    line: int
    message: str


@dataclass
class GiftFile:
    questions: list[GiftQuestion] = field(default_factory=list)
    skipped: list[GiftSkipped] = field(default_factory=list)
    errors: list[GiftError] = field(default_factory=list)
    uncategorised: int = 0  # questions before any $CATEGORY line


class _Malformed(Exception):
    def __init__(self, line: int, message) -> None:
        super().__init__(str(message))
        self.line = line
        self.message = str(message)


# --- reading -------------------------------------------------------------------------


def parse(text: str) -> GiftFile:
    """Read a whole GIFT document. Never raises on bad input: problems are
    returned as errors with their line numbers."""
    result = GiftFile()
    category = ""
    for block in _blocks(text):
        try:
            category = _parse_block(block, category, result)
        except _Malformed as exc:
            result.errors.append(GiftError(exc.line, exc.message))
    return result


def _blocks(text: str) -> Iterator[list[tuple[int, str]]]:
    """Lines (number, stripped text) grouped by blank lines, as Moodle does."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    block: list[tuple[int, str]] = []
    for number, line in enumerate(text.split("\n"), start=1):
        stripped = line.strip()
        if stripped:
            block.append((number, stripped))
        elif block:
            yield block
            block = []
    if block:
        yield block


def _unescape(text: str) -> str:
    """Turn escapes into placeholders in one left-to-right pass."""
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        char = text[i]
        if char == "\\" and i + 1 < n:
            following = text[i + 1]
            if following in _ESCAPES:
                out.append(_ESCAPES[following])
                i += 2
                continue
            if following == "n":
                out.append(_NEWLINE)
                i += 2
                continue
        out.append(char)
        i += 1
    return "".join(out)


def _restore(text: str) -> str:
    return text.translate(_RESTORE)


def _parse_block(block, category: str, result: GiftFile) -> str:
    """Parse one blank-line-separated block; return the category in force after it."""
    numbers = [number for number, _line in block]
    comments = [line for _n, line in block if line.startswith("//")]
    lines = ["" if line.startswith("//") else line for _n, line in block]
    body = _unescape("\n".join(lines))
    if not body.strip():
        return category

    def line_at(position: int) -> int:
        return numbers[body.count("\n", 0, position)]

    position = len(body) - len(body.lstrip())
    if body.startswith("$CATEGORY:", position):
        end = body.find("\n", position)
        end = len(body) if end == -1 else end
        category = _category_name(_restore(body[position + len("$CATEGORY:") : end]))
        position = end
        rest = body[position:]
        if not rest.strip():
            return category
        position += len(rest) - len(rest.lstrip())

    start_line = line_at(position)
    if len(body) - position > MAX_QUESTION_CHARS:
        raise _Malformed(start_line, ERROR_TOO_LONG % {"limit": MAX_QUESTION_CHARS})

    name = ""
    if body.startswith("::", position):
        end = body.find("::", position + 2)
        if end == -1:
            raise _Malformed(start_line, ERROR_NAME_NOT_CLOSED)
        name = _restore(body[position + 2 : end]).strip()
        position = end + 2

    metadata = _metadata(comments)
    opening = body.find("{", position)
    closing = body.find("}", position)
    if opening == -1 and closing == -1:
        stem = _text(body[position:])[0]
        result.skipped.append(
            GiftSkipped(start_line, name or _default_name(stem), SKIP_DESCRIPTION)
        )
        return category
    if closing != -1 and (opening == -1 or closing < opening):
        raise _Malformed(line_at(closing), ERROR_BRACE_NOT_OPENED)
    if closing == -1:
        raise _Malformed(line_at(opening), ERROR_BRACE_NOT_CLOSED)
    nested = body.find("{", opening + 1, closing)
    if nested != -1:
        raise _Malformed(line_at(nested), ERROR_NESTED_BRACE)
    after = body[closing + 1 :]
    for stray in ("{", "}"):
        index = after.find(stray)
        if index != -1:
            raise _Malformed(line_at(closing + 1 + index), ERROR_SECOND_ANSWER_BLOCK)

    before = body[position:opening]
    stem_raw = before + BLANK + after if after.strip() else before
    stem, stem_format = _text(stem_raw)
    answers = body[opening + 1 : closing]
    explanation = ""
    general = answers.rfind("####")
    if general != -1:
        explanation = _text(answers[general + 4 :], stem_format)[0]
        answers = answers[:general]
    answers = answers.strip()
    display_name = name or _default_name(stem)

    skipped = _unsupported_kind(answers)
    if skipped:
        result.skipped.append(GiftSkipped(start_line, display_name, skipped))
        return category

    if "~" in answers:
        kind, choices = _multiple_choice(answers, stem_format, start_line)
    else:
        kind, choices = _true_false(answers, stem_format)
    if not category:
        result.uncategorised += 1
    result.questions.append(
        GiftQuestion(
            line=start_line,
            kind=kind,
            stem=stem,
            choices=choices,
            category=category,
            name=name,
            explanation=explanation,
            source=metadata.get("source"),
            difficulty=metadata.get("difficulty"),
        )
    )
    return category


def _unsupported_kind(answers: str) -> str:
    """The skip reason for an answer text Moodle reads as another type, or ''."""
    if not answers:
        return SKIP_ESSAY
    if answers.startswith("#"):
        return SKIP_NUMERICAL
    if "~" in answers:
        return ""
    if "=" in answers and "->" in answers:
        return SKIP_MATCHING
    if answers.split("#", 1)[0].strip().upper() in TRUE_WORDS + FALSE_WORDS:
        return ""
    return SKIP_SHORT_ANSWER


def _multiple_choice(answers: str, default_format: str, line: int):
    """`=`/`~` answers: single choice if any `=`, else multiple (Moodle's rule)."""
    single = "=" in answers
    parts: list[tuple[str, str]] = []
    lead = answers
    for index, char in enumerate(answers):
        if char in "=~":
            lead = answers[:index]
            break
    if lead.strip():
        raise _Malformed(
            line, ERROR_TEXT_BEFORE_ANSWER % {"text": _restore(lead.strip())[:40]}
        )
    marker, start = "", None
    for index, char in enumerate(answers):
        if char in "=~":
            if start is not None:
                parts.append((marker, answers[start:index]))
            marker, start = char, index + 1
    if start is not None:
        parts.append((marker, answers[start:]))
    if len(parts) > MAX_CHOICES:
        raise _Malformed(
            line, ERROR_TOO_MANY_ANSWERS % {"limit": MAX_CHOICES, "count": len(parts)}
        )
    choices = []
    for marker, raw in parts:
        raw = raw.strip()
        weight = None
        if marker == "~":
            match = _WEIGHT.match(raw)
            if match:
                weight = _weight(match.group(1), line)
                raw = raw[match.end() :]
        answer, _sep, feedback = raw.partition("#")
        text = _text(answer, default_format)[0]
        if not text:
            raise _Malformed(line, ERROR_EMPTY_ANSWER)
        if single:
            correct = marker == "=" or weight == Decimal(100)
        else:
            correct = weight is not None and weight > 0
        choices.append(
            GiftChoice(
                text=text,
                is_correct=correct,
                feedback=_text(feedback, default_format)[0],
                weight=weight,
            )
        )
    return ("single" if single else "multiple"), choices


def _weight(raw: str, line: int) -> Decimal:
    try:
        value = Decimal(raw.strip())
    except InvalidOperation:
        raise _Malformed(line, ERROR_BAD_WEIGHT % {"weight": raw}) from None
    if not value.is_finite():
        raise _Malformed(line, ERROR_BAD_WEIGHT % {"weight": raw})
    return value


def _true_false(answers: str, default_format: str):
    """{T#wrong feedback#right feedback}: feedback for a wrong, then a right answer."""
    value, _sep, rest = answers.partition("#")
    wrong, _sep, right = rest.partition("#")
    is_true = value.strip().upper() in TRUE_WORDS
    wrong = _text(wrong, default_format)[0]
    right = _text(right, default_format)[0]
    true_choice = GiftChoice(
        "正确", is_correct=is_true, feedback=right if is_true else wrong
    )
    false_choice = GiftChoice(
        "错误", is_correct=not is_true, feedback=wrong if is_true else right
    )
    return "true_false", [true_choice, false_choice]


def _text(raw: str, default_format: str = "moodle") -> tuple[str, str]:
    """A text with its optional [format] prefix applied; placeholders restored."""
    raw = raw.strip()
    text_format = default_format
    if raw.startswith("["):
        end = raw.find("]")
        if end != -1 and raw[1:end] in FORMATS:
            text_format = raw[1:end]
            raw = raw[end + 1 :]
    if text_format == "html":
        raw = _html_to_text(raw)
    return _restore(raw).strip(), text_format


def _html_to_text(markup: str) -> str:
    markup = _HTML_BREAK.sub("\n", markup)
    markup = _HTML_TAG.sub("", markup)
    lines = [" ".join(line.split()) for line in html.unescape(markup).split("\n")]
    return "\n".join(line for line in lines if line)


def _category_name(path: str) -> str:
    """'$course$/top/Default for X/法律' -> '法律'; '//' is a literal slash."""
    path = _CONTEXT_PREFIX.sub("", path.strip())
    segments = [
        s.replace("\0", "/").strip() for s in path.replace("//", "\0").split("/")
    ]
    segments = [s for s in segments if s]
    if segments and segments[0] == "top":
        segments = segments[1:]
    return segments[-1] if segments else ""


def _metadata(comments: list[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for comment in comments:
        match = _META_COMMENT.match(comment)
        if match:
            key = match.group(1).lower()
            key = {"出处": "source", "难度": "difficulty"}.get(key, key)
            found[key] = match.group(2)
    return found


def _default_name(stem: str) -> str:
    stem = " ".join(stem.split())
    return stem if len(stem) <= 40 else stem[:39] + "…"


# --- writing -------------------------------------------------------------------------


def escape(text: str) -> str:
    """Text as GIFT writes it: control characters escaped, newlines as \\n, and a
    [plain] prefix when the text would otherwise read as a format or comment."""
    out = []
    for char in text.replace("\r\n", "\n").replace("\r", "\n"):
        if char == "\\":
            out.append("\\\\")
        elif char in _ESCAPABLE:
            out.append("\\" + char)
        elif char == "\n":
            out.append("\\n")
        else:
            out.append(char)
    escaped = "".join(out)
    if escaped.startswith(("[", "//", "%")):
        escaped = "[plain]" + escaped
    return escaped


def format_weight(weight: Decimal) -> str:
    text = format(weight.normalize(), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def write(questions: Iterable[GiftQuestion]) -> Iterator[str]:
    """The GIFT text of `questions`, piece by piece (questions of one category
    should come together; a $CATEGORY line is written whenever it changes).

    For multiple choice, a correct choice without a weight is written with its
    equal share of 100 % (the reader gives it back as that number)."""
    yield "// Rights Academy question bank (Moodle GIFT format)\n\n"
    current = None
    for question in questions:
        if question.category != current:
            current = question.category
            yield f"$CATEGORY: {current.replace('/', '//')}\n\n"
        yield _write_question(question)


def _write_question(question: GiftQuestion) -> str:
    lines = []
    if question.source:
        lines.append(f"// source: {' '.join(question.source.split())}")
    if question.difficulty:
        lines.append(f"// difficulty: {question.difficulty}")
    head = f"::{escape(question.name)}::" if question.name else ""
    stem = head + escape(question.stem)
    if question.kind == "true_false":
        correct = next((c for c in question.choices if c.is_correct), None)
        other = next((c for c in question.choices if not c.is_correct), None)
        value = "TRUE" if correct is not None and correct.text == "正确" else "FALSE"
        right = escape(correct.feedback) if correct and correct.feedback else ""
        wrong = escape(other.feedback) if other and other.feedback else ""
        answer = value
        if wrong or right:
            answer += f"#{wrong}"
        if right:
            answer += f"#{right}"
        if question.explanation:
            answer += f"####{escape(question.explanation)}"
        lines.append(f"{stem}{{{answer}}}")
        return "\n".join(lines) + "\n\n"
    lines.append(stem + "{")
    correct_count = sum(1 for c in question.choices if c.is_correct)
    for choice in question.choices:
        lines.append(
            "\t"
            + _choice_marker(question.kind, choice, correct_count)
            + escape(choice.text)
            + (f"#{escape(choice.feedback)}" if choice.feedback else "")
        )
    if question.explanation:
        lines.append(f"\t####{escape(question.explanation)}")
    lines.append("}")
    return "\n".join(lines) + "\n\n"


def _choice_marker(kind: str, choice: GiftChoice, correct_count: int) -> str:
    weight = choice.weight
    if kind == "single":
        if choice.is_correct:
            return "="
        return "~" if not weight else f"~%{format_weight(weight)}%"
    if choice.is_correct and weight is None:
        weight = (Decimal(100) / max(correct_count, 1)).quantize(Decimal("0.00001"))
    if weight is None or weight == 0:
        return "~"
    return f"~%{format_weight(weight)}%"
