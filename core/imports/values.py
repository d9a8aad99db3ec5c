"""Cell parsing shared by every import: booleans, dates, choices, text.

Each widget raises ValueError with a whole translated sentence; the pipeline
reports it with the row number and column.
"""

from __future__ import annotations

import datetime as dt
import re

from django.utils import timezone
from django.utils.translation import gettext as _
from import_export import widgets

TRUE_WORDS = {"是", "true", "1", "y", "yes", "t"}
FALSE_WORDS = {"否", "false", "0", "n", "no", "f"}

_DATE_RE = re.compile(
    r"^\s*(\d{4})\s*(?:[-/.]|年)\s*(\d{1,2})\s*(?:[-/.]|月)\s*(\d{1,2})\s*日?"
    r"(?:[ T]+(\d{1,2}):(\d{2})(?::(\d{2}))?)?\s*$"
)
# Excel counts days from 1899-12-30 (its 1900 leap-year bug included).
_EXCEL_EPOCH = dt.datetime(1899, 12, 30)  # noqa: DTZ001


def clean_text(value) -> str:
    """A cell as text: numbers from Excel lose a spurious '.0'; whitespace trimmed."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).replace("\u00a0", " ").strip()


def parse_bool(value) -> bool | None:
    if isinstance(value, bool):
        return value
    text = clean_text(value).lower()
    if text == "":
        return None
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    raise ValueError(
        _("“%(value)s” is not a yes/no value; use 是/否, true/false, 1/0 or Y/N.")
        % {"value": text}
    )


def parse_datetime(value) -> dt.datetime | None:
    """A naive date-time from a date, date-time, Excel serial or text cell."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time())
    if isinstance(value, int | float) and not isinstance(value, bool):
        if 1 <= value < 2958466:  # Excel's valid serial range
            return _EXCEL_EPOCH + dt.timedelta(days=float(value))
        raise ValueError(_("“%(value)s” is not a valid date.") % {"value": value})
    text = clean_text(value)
    if text == "":
        return None
    match = _DATE_RE.match(text)
    if not match:
        raise ValueError(
            _(
                "“%(value)s” is not a date; use a form such as 2026-11-29, "
                "2026/11/29 or 2026年11月29日."
            )
            % {"value": text}
        )
    year, month, day, hour, minute, second = (
        int(part) if part else 0 for part in match.groups()
    )
    try:
        return dt.datetime(year, month, day, hour, minute, second)  # noqa: DTZ001
    except ValueError:
        raise ValueError(
            _("“%(value)s” is not a date that exists.") % {"value": text}
        ) from None


def parse_date(value) -> dt.date | None:
    parsed = parse_datetime(value)
    return parsed.date() if parsed else None


def parse_aware_datetime(value) -> dt.datetime | None:
    """Date-times in files are local (Asia/Shanghai) wall-clock times."""
    parsed = parse_datetime(value)
    if parsed is None:
        return None
    if timezone.is_naive(parsed):
        return timezone.make_aware(parsed, timezone.get_default_timezone())
    return parsed


class TextWidget(widgets.CharWidget):
    def __init__(self, *, max_length: int | None = None, **kwargs):
        super().__init__(**kwargs)
        self.max_length = max_length

    def clean(self, value, row=None, **kwargs):
        text = clean_text(value)
        if self.max_length and len(text) > self.max_length:
            raise ValueError(
                _("“%(value)s…” is longer than %(limit)s characters.")
                % {"value": text[:20], "limit": self.max_length}
            )
        return text

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else str(value)


class BooleanWidget(widgets.Widget):
    def __init__(self, *, default: bool | None = None, **kwargs):
        super().__init__(**kwargs)
        self.default = default

    def clean(self, value, row=None, **kwargs):
        parsed = parse_bool(value)
        return self.default if parsed is None else parsed

    def render(self, value, obj=None, **kwargs):
        if value is None:
            return ""
        return "是" if value else "否"


class DateWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        return parse_date(value)

    def render(self, value, obj=None, **kwargs):
        return value.isoformat() if value else ""


class DateTimeWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        return parse_aware_datetime(value)

    def render(self, value, obj=None, **kwargs):
        if not value:
            return ""
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")


class ChoiceWidget(widgets.Widget):
    """Accepts a choice's code, its Chinese label, or its English label."""

    def __init__(self, choices_class, *, aliases: dict[str, str] | None = None, **kw):
        super().__init__(**kw)
        self.choices_class = choices_class
        self.aliases = aliases or {}
        self._table = None

    def lookup(self) -> dict[str, str]:
        if self._table is None:
            self._table = self._build_table()
        return self._table

    def _build_table(self) -> dict[str, str]:
        from django.utils.translation import override

        table = {}
        for member in self.choices_class:
            table[member.value.lower()] = member.value
            with override("en"):
                table[str(member.label).lower()] = member.value
            with override("zh-hans"):
                table[str(member.label).lower()] = member.value
        for alias, code in self.aliases.items():
            table[alias.lower()] = code
        return table

    def clean(self, value, row=None, **kwargs):
        text = clean_text(value)
        if text == "":
            return None
        code = self.lookup().get(text.lower())
        if code is None:
            allowed = "、".join(str(m.value) for m in self.choices_class)
            raise ValueError(
                _("“%(value)s” is not one of the allowed values (%(allowed)s).")
                % {"value": text, "allowed": allowed}
            )
        return code

    def render(self, value, obj=None, **kwargs):
        return value or ""
