import datetime as dt

import pytest
from django.utils import timezone

from core.imports.values import (
    ChoiceWidget,
    TextWidget,
    clean_text,
    parse_aware_datetime,
    parse_bool,
    parse_date,
)
from org.models import Department


@pytest.mark.parametrize(
    "value, expected",
    [
        ("是", True),
        ("否", False),
        ("true", True),
        ("FALSE", False),
        ("1", True),
        ("0", False),
        ("Y", True),
        ("n", False),
        (" yes ", True),
        (True, True),
        (1, True),
        (0.0, False),
        ("", None),
        (None, None),
    ],
)
def test_booleans(value, expected):
    assert parse_bool(value) is expected


def test_bad_boolean():
    with pytest.raises(ValueError, match="not a yes/no value"):
        parse_bool("maybe")


@pytest.mark.parametrize(
    "value",
    [
        "2026-11-29",
        "2026/11/29",
        "2026年11月29日",
        "2026-11-29 09:12",
        " 2026.11.29 ",
        dt.date(2026, 11, 29),
        dt.datetime(2026, 11, 29, 8, 0),
        46355,
    ],
)
def test_dates(value):
    assert parse_date(value) == dt.date(2026, 11, 29)


def test_date_time_is_local_wall_clock_time():
    parsed = parse_aware_datetime("2026-10-03 09:12")
    assert (
        timezone.localtime(parsed).strftime("%Y-%m-%d %H:%M %Z")
        == "2026-10-03 09:12 CST"
    )


@pytest.mark.parametrize("value", ["2026-02-30", "2026-13-01", "2026年2月29日"])
def test_impossible_dates(value):
    with pytest.raises(ValueError, match="not a date that exists"):
        parse_date(value)


@pytest.mark.parametrize("value", ["29/11/2026", "tomorrow", "2026-11"])
def test_unreadable_dates(value):
    with pytest.raises(ValueError, match="is not a date"):
        parse_date(value)


def test_clean_text_drops_excel_float_suffix_and_spaces():
    assert clean_text(100001.0) == "100001"
    assert clean_text("\u00a0 张三 ") == "张三"


def test_text_length_limit():
    with pytest.raises(ValueError, match="longer than 3 characters"):
        TextWidget(max_length=3).clean("abcd")


@pytest.mark.parametrize("value", ["outlet", "网点", "Outlet", "OUTLET"])
def test_choice_accepts_code_and_labels(value):
    widget = ChoiceWidget(Department.Kind, aliases={"网点": "outlet"})
    assert widget.clean(value) == "outlet"


def test_choice_refuses_other_values():
    widget = ChoiceWidget(Department.Kind)
    with pytest.raises(ValueError, match="not one of the allowed values"):
        widget.clean("bank")
