"""Department import: a tree built from rows in any order, checked as a whole."""

import pytest

from core.imports.pipeline import run_import
from org.models import Department

HEADER = "code,name,parent_code,kind"


def csv(*lines):
    return ("\n".join(lines) + "\n").encode()


def tree():
    return [
        (d.code, d.name, d.kind, d.get_parent().code if d.get_parent() else "")
        for d in Department.objects.order_by("path")
    ]


def test_children_before_parents_build_the_tree(db):
    report = run_import(
        "departments",
        csv(
            "部门编码,部门名称,上级部门编码,类型",
            "O1,东湖路网点,S1,网点",
            "S1,城东支行,B,支行",
            "B,示范分行,,分行",
            "HR,人力资源部,B,部门",
        ),
    )
    assert report.ok, report.as_text()
    assert report.new == 4
    assert tree() == [
        ("B", "示范分行", "branch", ""),
        ("S1", "城东支行", "sub_branch", "B"),
        ("O1", "东湖路网点", "outlet", "S1"),
        ("HR", "人力资源部", "department", "B"),
    ]


def test_reimport_changes_nothing_and_moves_are_applied(db):
    data = csv(
        HEADER,
        "B,分行,,branch",
        "S1,支行一,B,sub_branch",
        "S2,支行二,B,sub_branch",
        "O1,网点,S1,outlet",
    )
    run_import("departments", data)
    before = tree()
    again = run_import("departments", data)
    assert (again.new, again.updated, again.unchanged) == (0, 0, 4)
    assert tree() == before

    moved = run_import("departments", csv(HEADER, "O1,网点（新址）,S2,outlet"))
    assert moved.ok and moved.updated == 1
    o1 = Department.objects.get(code="O1")
    assert o1.get_parent().code == "S2" and o1.name == "网点（新址）"


def test_parent_may_already_exist_in_the_system(bank):
    report = run_import("departments", csv(HEADER, "O9,新网点,S2,outlet"))
    assert report.ok
    assert Department.objects.get(code="O9").get_parent() == bank.s2


def test_omitting_the_parent_column_keeps_the_tree(bank):
    report = run_import("departments", csv("code,name", "O1,东湖路网点（更名）"))
    assert report.ok and report.updated == 1
    assert Department.objects.get(code="O1").get_parent() == bank.s1


@pytest.mark.parametrize(
    "lines, expected",
    [
        (
            ["X1,网点,NOPE,outlet"],
            [
                (
                    2,
                    "parent_code",
                    "“NOPE” is not a department in this file or in the system.",
                )
            ],
        ),
        (
            ["A,甲,B,outlet", "B,乙,A,outlet"],
            [
                (2, "parent_code", "“A” would become its own ancestor."),
                (3, "parent_code", "“B” would become its own ancestor."),
            ],
        ),
        (["A,甲,A,outlet"], [(2, "parent_code", "“A” would become its own ancestor.")]),
        (
            ["A,甲,,bank"],
            [
                (
                    2,
                    "kind",
                    "“bank” is not one of the allowed values "
                    "(branch、sub_branch、outlet、department).",
                )
            ],
        ),
        (
            ["A B,甲,,outlet"],
            [(2, "code", "Use only letters, digits and . - _ in a department code.")],
        ),
        (
            ["A,甲,,outlet", "A,乙,,outlet"],
            [(3, "code", "“A” already appears in row 2 of this file.")],
        ),
    ],
)
def test_bad_rows_write_nothing(bank, lines, expected):
    before = tree()
    report = run_import("departments", csv(HEADER, *lines))
    assert [(e.row, e.column, e.message) for e in report.sorted_errors()] == expected
    assert not report.committed
    assert tree() == before


def test_moving_a_department_under_its_own_child_is_refused(bank):
    before = tree()
    report = run_import("departments", csv(HEADER, "S1,城东支行,O1,sub_branch"))
    assert [(e.row, e.column) for e in report.errors] == [(2, "parent_code")]
    assert tree() == before
