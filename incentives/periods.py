"""Ledger periods: a month 'YYYY-MM' or a quarter 'YYYY-Qn'."""

from __future__ import annotations

import datetime as dt
import re

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

ERROR_BAD_PERIOD = _(
    "“%(value)s” is not a period: give a month such as 2026-11 or a quarter "
    "such as 2026-Q4."
)

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_QUARTER = re.compile(r"^(\d{4})-[Qq]([1-4])$")


def period_normalise(value: str) -> str:
    """The canonical spelling ('2026-11', '2026-Q4'), or ValidationError."""
    value = (value or "").strip()
    if match := _MONTH.match(value):
        year, month = int(match[1]), int(match[2])
        if 2000 <= year <= 2999 and 1 <= month <= 12:
            return f"{year:04d}-{month:02d}"
    elif match := _QUARTER.match(value):
        year = int(match[1])
        if 2000 <= year <= 2999:
            return f"{year:04d}-Q{match[2]}"
    raise ValidationError(ERROR_BAD_PERIOD, code="bad_period", params={"value": value})


def period_dates(period: str) -> tuple[dt.date, dt.date]:
    """First and last day of the period (inclusive)."""
    period = period_normalise(period)
    year = int(period[:4])
    if "Q" in period:
        first_month = (int(period[-1]) - 1) * 3 + 1
        last_month = first_month + 2
    else:
        first_month = last_month = int(period[5:])
    start = dt.date(year, first_month, 1)
    if last_month == 12:
        end = dt.date(year, 12, 31)
    else:
        end = dt.date(year, last_month + 1, 1) - dt.timedelta(days=1)
    return start, end


def period_bounds(period: str) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) as aware date-times in the bank's time zone."""
    start, end = period_dates(period)
    tz = timezone.get_default_timezone()
    return (
        dt.datetime.combine(start, dt.time.min, tzinfo=tz),
        dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz),
    )


def period_of(moment: dt.date | dt.datetime) -> str:
    """The month a date or date-time falls in."""
    if isinstance(moment, dt.datetime):
        moment = timezone.localtime(moment).date()
    return f"{moment.year:04d}-{moment.month:02d}"


def period_previous_month(today: dt.date | None = None) -> str:
    today = today or timezone.localdate()
    return period_of(today.replace(day=1) - dt.timedelta(days=1))
