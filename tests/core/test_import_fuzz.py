"""Random files thrown at the importers: they import or report errors, never
raise, never half-write."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.imports.pipeline import run_import
from org.models import StaffProfile
from quizzes.models import Question

FUZZ = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

cell = st.one_of(
    st.text(max_size=40),
    st.sampled_from(
        [
            "O1",
            "O2",
            "NOPE",
            "",
            "是",
            "否",
            "maybe",
            "2026-02-30",
            "2026/11/29",
            '=HYPERLINK("x")',
            "+1",
            "@SUM(A1)",
            "\x00",
            "一" * 200,
        ]
    ),
    st.integers(min_value=-10, max_value=10**12).map(str),
)
HEADER = [
    "employee_no",
    "name",
    "department_code",
    "position",
    "hire_date",
    "email",
    "is_active",
]


def staff_snapshot():
    return sorted(
        StaffProfile.objects.values_list(
            "employee_no",
            "name",
            "department__code",
            "position",
            "hire_date",
            "is_active",
        )
    )


def to_csv(rows) -> bytes:
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8", "surrogatepass")


@pytest.mark.django_db
@FUZZ
@given(rows=st.lists(st.lists(cell, min_size=7, max_size=7), min_size=1, max_size=8))
def test_random_staff_rows(bank, rows):
    before = staff_snapshot()
    try:
        data = to_csv(rows)
    except UnicodeEncodeError:
        return  # not a file anyone could save
    report = run_import("staff", data, filename="fuzz.csv")
    if report.ok:
        assert report.committed
        written = {r[0] for r in staff_snapshot()} - {r[0] for r in before}
        assert len(written) == report.new
    else:
        assert not report.committed
        assert staff_snapshot() == before
        assert all(error.message for error in report.errors)


@pytest.mark.django_db
@FUZZ
@given(data=st.binary(max_size=400))
def test_random_bytes(bank, data):
    before = staff_snapshot()
    report = run_import("staff", data, filename="fuzz.csv")
    assert report.ok or staff_snapshot() == before


gift_piece = st.sampled_from(
    [
        "::Q1:: 问题 {=对 ~错}",
        "{",
        "}",
        "~",
        "=",
        "#",
        "\\",
        "\\{",
        "::",
        "//注释\n",
        "$CATEGORY: 消费者权益保护法\n",
        "{T}",
        "{FALSE#反馈}",
        "~%50%甲 ~%50%乙 ~%-100%丙",
        "\n\n",
        "[html]",
        "[markdown]",
        "->",
        "{#3:1}",
        "{}",
        " ",
        "题干",
    ]
)


@pytest.mark.django_db
@FUZZ
@given(parts=st.lists(gift_piece, max_size=30))
def test_random_gift_text(db, parts):
    before = Question.objects.count()
    report = run_import("questions", "".join(parts).encode(), filename="fuzz.gift")
    if not report.ok:
        assert not report.committed
        assert Question.objects.count() == before


@pytest.mark.django_db
def test_deeply_nested_gift_braces_fail_cleanly(db):
    report = run_import(
        "questions", ("{" * 100_000 + "}" * 100_000).encode(), filename="deep.gift"
    )
    assert not report.ok
    assert report.errors[0].row is not None or report.errors[0].message
