"""Question import and export (issue 4 item 2) through the pipeline of core:
CSV and XLSX in the columns of DESIGN.md, Moodle GIFT, upsert by natural key,
all-or-nothing, and export-then-import changing nothing."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import Workbook, load_workbook
from wagtail.models import ModelLogEntry, Revision

from core.exports import write_export
from core.imports.pipeline import run_import
from quizzes import gift, resources, services
from quizzes.models import Choice, Question, QuestionCategory
from tests.quizzes import factories
from tests.quizzes.conftest import bank_state

EN_HEADER = (
    "category,kind,stem,choice_a,choice_b,choice_c,choice_d,answer,explanation,"
    "source,difficulty"
)
ZH_HEADER = "题目分类,题型,题干,选项A,选项B,选项C,选项D,答案,解析,出处,难度"


def csv_bytes(*lines: str) -> bytes:
    return ("\n".join(lines) + "\n").encode("utf-8")


def three_questions(
    header=EN_HEADER, single="single", multiple="multiple", true_false="true_false"
) -> bytes:
    return csv_bytes(
        header,
        f"消费者权益保护法,{single},消费者享有（ ）不受损害的权利。,定价权,经营自主权,"
        "商业秘密,人身、财产安全,D,第七条。,消费者权益保护法第七条,easy",
        f"消费者权益保护法,{multiple},下列哪些属于消费者的权利？,安全权,知情权,"
        "定价权,,AB,第七条、第八条。,消费者权益保护法第八条,难",
        f"征信业管理条例,{true_false},采集个人信息应当经信息主体本人同意。,正确,错误,,,"
        "A,第十三条。,征信业管理条例第十三条,",
    )


def test_a_valid_csv_creates_questions_choices_and_categories(db):
    report = run_import("questions", three_questions(), filename="q.csv")

    assert report.ok, report.as_text()
    assert (report.new, report.updated, report.unchanged) == (3, 0, 0)
    single = Question.objects.get(stem="消费者享有（ ）不受损害的权利。")
    assert single.kind == Question.Kind.SINGLE
    assert single.category.name == "消费者权益保护法"
    assert single.difficulty == Question.Difficulty.EASY
    assert (single.law_name, single.article_number) == ("消费者权益保护法", 7)
    assert [(c.text, c.is_correct) for c in single.choices.all()] == [
        ("定价权", False),
        ("经营自主权", False),
        ("商业秘密", False),
        ("人身、财产安全", True),
    ]
    multiple = Question.objects.get(kind=Question.Kind.MULTIPLE)
    assert multiple.difficulty == Question.Difficulty.HARD
    assert [c.is_correct for c in multiple.choices.all()] == [True, True, False]
    true_false = Question.objects.get(kind=Question.Kind.TRUE_FALSE)
    assert true_false.difficulty == Question.Difficulty.MEDIUM
    assert [(c.text, c.is_correct) for c in true_false.choices.all()] == [
        ("正确", True),
        ("错误", False),
    ]
    assert sorted(QuestionCategory.objects.values_list("name", flat=True)) == [
        "征信业管理条例",
        "消费者权益保护法",
    ]
    assert any("征信业管理条例" in w for w in report.warnings)


def test_chinese_headers_and_kind_labels_are_accepted(db):
    data = three_questions(ZH_HEADER, single="单选", multiple="多选", true_false="判断")

    report = run_import("questions", data, filename="q.csv")

    assert report.ok, report.as_text()
    assert sorted(Question.objects.values_list("kind", flat=True)) == [
        "multiple",
        "single",
        "true_false",
    ]


def test_imported_questions_are_published_with_a_revision_and_history(db):
    run_import("questions", three_questions(), filename="q.csv")

    for question in Question.objects.all():
        assert question.live and not question.has_unpublished_changes
        assert question.latest_revision_id == question.live_revision_id
        restored = question.latest_revision.as_object()
        assert restored.stem == question.stem
        assert [c.pk for c in restored.choices.all()] == [
            c.pk for c in question.choices.all()
        ]
    assert Revision.objects.count() == 3
    actions = ModelLogEntry.objects.values_list("action", flat=True)
    assert sorted(actions) == ["wagtail.create"] * 3 + ["wagtail.publish"] * 3


def test_the_sixty_real_questions_import_as_they_are(db, bank_csv):
    report = run_import("questions", bank_csv, filename="question_bank.csv")

    assert report.ok, report.as_text()
    assert report.new == 60
    assert Question.objects.filter(kind="single").count() == 27
    assert Question.objects.filter(kind="true_false").count() == 23
    assert Question.objects.filter(kind="multiple").count() == 10
    assert QuestionCategory.objects.count() == 4
    unverified = Question.objects.filter(article_number__isnull=True)
    assert unverified.count() == 2
    assert all(q.source_unverified for q in unverified)
    assert Question.objects.exclude(law_name="").count() == 60


def test_reimporting_the_same_file_changes_nothing(db, bank_csv):
    run_import("questions", bank_csv, filename="question_bank.csv")
    before = bank_state()

    report = run_import("questions", bank_csv, filename="question_bank.csv")

    assert (report.new, report.updated, report.unchanged) == (0, 0, 60)
    assert bank_state() == before


def test_a_stem_spelled_with_other_spaces_or_widths_is_the_same_question(db):
    run_import("questions", three_questions(), filename="q.csv")
    respelled = three_questions().replace(
        "消费者享有（ ）不受损害的权利。".encode(),
        "消费者享有 ( ) 不受损害的权利.".encode(),
    )

    report = run_import("questions", respelled, filename="q.csv")

    assert report.ok and report.new == 0


def test_dry_run_writes_nothing(db, bank_csv):
    report = run_import("questions", bank_csv, filename="q.csv", dry_run=True)

    assert report.ok and report.new == 60
    assert not Question.objects.exists()
    assert not QuestionCategory.objects.exists()
    assert not Revision.objects.exists()


def test_a_corrected_answer_key_updates_in_place_and_keeps_choice_ids(db):
    run_import("questions", three_questions(), filename="q.csv")
    question = Question.objects.get(kind="single")
    choice_ids = [c.pk for c in question.choices.all()]
    first_revision = question.latest_revision_id
    corrected = three_questions().replace(
        "人身、财产安全,D,第七条。".encode(),
        "人身和财产安全,D,第七条（更正）。".encode(),
    )

    report = run_import("questions", corrected, filename="q.csv")

    assert (report.new, report.updated, report.unchanged) == (0, 1, 2)
    question.refresh_from_db()
    assert [c.pk for c in question.choices.all()] == choice_ids
    assert question.choices.all()[3].text == "人身和财产安全"
    assert question.explanation == "第七条（更正）。"
    assert question.latest_revision_id != first_revision
    assert question.revisions.count() == 2
    change = report.changes[0]
    assert change.kind == "update" and change.row == 2
    assert change.fields["choice_d"] == ["人身、财产安全", "人身和财产安全"]


def test_choices_added_and_removed_by_a_file(db):
    run_import("questions", three_questions(), filename="q.csv")
    question = Question.objects.get(kind="single")
    ids = [c.pk for c in question.choices.all()]
    fewer = three_questions().replace(
        "定价权,经营自主权,商业秘密,人身、财产安全,D".encode(),
        "定价权,经营自主权,人身、财产安全,,C".encode(),
    )

    assert run_import("questions", fewer, filename="q.csv").ok

    assert [c.pk for c in question.choices.all()] == ids[:3]
    assert not Choice.objects.filter(pk=ids[3]).exists()
    assert [c.is_correct for c in question.choices.all()] == [False, False, True]


def test_feedback_and_weights_survive_a_file_without_those_columns(db):
    data = csv_bytes(
        EN_HEADER + ",feedback_b,weight_c",
        "法,single,题一,甲,乙,丙,,B,,,,对了,50",
    )
    assert run_import("questions", data, filename="q.csv").ok
    question = Question.objects.get()
    assert [(c.feedback, c.weight) for c in question.choices.all()] == [
        ("", None),
        ("对了", None),
        ("", Decimal(50)),
    ]

    report = run_import(
        "questions",
        csv_bytes(EN_HEADER, "法,single,题一,甲,乙,丙,,B,,,"),
        filename="q.csv",
    )

    assert report.unchanged == 1
    assert [c.feedback for c in question.choices.all()] == ["", "对了", ""]


def test_xlsx_with_numbers_and_blank_cells(db):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(ZH_HEADER.split(","))
    sheet.append(
        [
            "征信业管理条例",
            "单选",
            "异议处理时限为（ ）日。",
            20,
            15,
            10,
            None,
            "a",
            "",
            "征信业管理条例第二十五条",
            2,
        ]
    )
    sheet.append(
        [
            "征信业管理条例",
            "判断",
            "信息主体可以查询本人信息。",
            None,
            None,
            None,
            None,
            "正确",
            "",
            "",
            None,
        ]
    )
    stream = io.BytesIO()
    workbook.save(stream)

    report = run_import("questions", stream.getvalue(), filename="q.xlsx")

    assert report.ok, report.as_text()
    single = Question.objects.get(kind="single")
    assert [c.text for c in single.choices.all()] == ["20", "15", "10"]
    assert single.choices.all()[0].is_correct
    true_false = Question.objects.get(kind="true_false")
    assert [(c.text, c.is_correct) for c in true_false.choices.all()] == [
        ("正确", True),
        ("错误", False),
    ]


# --- bad rows ------------------------------------------------------------------------


BAD_ROWS = [
    # (row text, column, message)
    (
        "法,essay,题,甲,乙,,,A,,,",
        "kind",
        (
            "“essay” is not one of the allowed values (single、multiple、true_false).",
            None,
        ),
    ),
    (
        "法,single,题,甲,乙,,,C,,,",
        "answer",
        (resources.ERROR_ANSWER_EMPTY_CHOICE, {"letter": "C"}),
    ),
    (
        "法,single,题,甲,乙,丙,,AB,,,",
        "answer",
        (services.ERROR_SINGLE_ONE_CORRECT, {"count": 2}),
    ),
    (
        "法,multiple,题,甲,乙,丙,,B,,,",
        "answer",
        (services.ERROR_MULTIPLE_TWO_CORRECT, {"count": 1}),
    ),
    (
        "法,true_false,题,对,错,,,A,,,",
        "choice_a",
        (services.ERROR_TRUE_FALSE_CHOICES, None),
    ),
    (
        "法,true_false,题,正确,错误,不确定,,A,,,",
        "choice_c",
        (services.ERROR_TRUE_FALSE_CHOICES, None),
    ),
    ("法,single,,甲,乙,,,A,,,", "stem", ("This cell is required.", None)),
    (
        "法,single,题,甲,,丙,,A,,,",
        "choice_b",
        (resources.ERROR_CHOICE_GAP, {"letter": "B"}),
    ),
    (
        "法,single,题,甲,乙,,,X,,,",
        "answer",
        (resources.ERROR_ANSWER_LETTERS, {"value": "X"}),
    ),
    (
        "法,true_false,题,正确,错误,,,C,,,",
        "answer",
        (resources.ERROR_ANSWER_TRUE_FALSE, {"value": "C"}),
    ),
    (
        "法,single,题,甲,甲,,,A,,,",
        "choice_b",
        (services.ERROR_DUPLICATE_CHOICE, {"text": "甲"}),
    ),
    (
        "法,single,题,甲,乙,,,A,,,extreme",
        "difficulty",
        (resources.ERROR_UNKNOWN_DIFFICULTY, {"value": "extreme"}),
    ),
]


@pytest.mark.parametrize(("row", "column", "message"), BAD_ROWS)
def test_a_bad_row_is_reported_with_row_and_column_and_nothing_is_written(
    db, row, column, message
):
    data = csv_bytes(EN_HEADER, "法,single,好题,甲,乙,,,A,,,", row)
    text, params = message  # translated here, in the test's language

    report = run_import("questions", data, filename="q.csv")

    expected = str(text) % params if params else str(text)
    assert [(e.row, e.column, e.message) for e in report.errors] == [
        (3, column, expected)
    ]
    assert not report.committed
    assert not Question.objects.exists()
    assert not QuestionCategory.objects.exists()


def test_every_bad_row_is_reported_at_once(db):
    data = csv_bytes(EN_HEADER, *(row for row, _c, _m in BAD_ROWS))

    report = run_import("questions", data, filename="q.csv")

    assert sorted({e.row for e in report.errors}) == list(range(2, 2 + len(BAD_ROWS)))
    assert report.invalid_rows == len(BAD_ROWS)
    assert not Question.objects.exists()


def test_the_same_question_twice_in_one_file(db):
    data = csv_bytes(
        EN_HEADER,
        "法,single,同一题（ ）,甲,乙,,,A,,,",
        "另一法,single,同一题（ ）,甲,乙,,,A,,,",
        "法,single,同一题 ( ),甲,乙,,,B,,,",
    )

    report = run_import("questions", data, filename="q.csv")

    assert [(e.row, e.column) for e in report.errors] == [(4, "stem")]
    assert "row 2" in report.errors[0].message


def test_a_question_with_unpublished_admin_changes_is_not_overwritten(db):
    run_import("questions", three_questions(), filename="q.csv")
    question = Question.objects.get(kind="single")
    question.explanation = "草稿中的解析"
    question.save_revision()  # a draft: the live row stays as it was
    question.refresh_from_db()
    assert question.has_unpublished_changes
    changed = three_questions().replace("第七条。".encode(), "新解析。".encode())

    report = run_import("questions", changed, filename="q.csv")

    assert [(e.row, e.column, e.message) for e in report.errors] == [
        (2, "", str(resources.ERROR_UNPUBLISHED))
    ]
    # The same file without changes to that question imports (unchanged rows pass).
    assert run_import("questions", three_questions(), filename="q.csv").ok


def test_a_locked_question_is_not_overwritten(db, trainer):
    run_import("questions", three_questions(), filename="q.csv")
    Question.objects.filter(kind="single").update(locked=True, locked_by=trainer.user)
    changed = three_questions().replace("第七条。".encode(), "新解析。".encode())

    report = run_import("questions", changed, filename="q.csv")

    assert [e.message for e in report.errors] == [str(resources.ERROR_LOCKED)]


def test_queries_do_not_grow_with_the_number_of_questions(db, settings):
    settings.IMPORT_CHUNK_ROWS = 1000

    def rows(count, start):
        lines = [EN_HEADER] + [
            f"分类{i % 3},single,第{start + i}题,甲,乙,丙,,B,解析,某法第{i % 9 + 1}条,"
            for i in range(count)
        ]
        return csv_bytes(*lines)

    with CaptureQueriesContext(connection) as small:
        assert run_import("questions", rows(5, 0)).ok
    with CaptureQueriesContext(connection) as large:
        assert run_import("questions", rows(200, 1000)).ok
    changed = rows(200, 1000).replace("解析".encode(), "新解析".encode())
    with CaptureQueriesContext(connection) as update:
        assert run_import("questions", changed).updated == 200

    # Reads and single statements do not grow with the rows; multi-row INSERT and
    # UPDATE statements grow only by batches (SQLite takes 999 parameters in one
    # statement, so about 45 questions go in one INSERT; PostgreSQL takes 65535).
    assert len(other_queries(large)) <= len(other_queries(small))
    assert len(other_queries(update)) <= len(other_queries(small)) + 2
    assert len(batched_writes(large)) <= 200 // 10
    assert len(batched_writes(update)) <= 200 // 10


def batched_writes(context) -> list[str]:
    return [
        q["sql"]
        for q in context.captured_queries
        if q["sql"].startswith("INSERT") or " CASE WHEN " in q["sql"]
    ]


def other_queries(context) -> list[str]:
    batched = set(batched_writes(context))
    return [q["sql"] for q in context.captured_queries if q["sql"] not in batched]


# --- GIFT ----------------------------------------------------------------------------

MOODLE_FILE = """\
// question: 0  name: switch category to $course$/top/Default for Rights/消保法
$CATEGORY: $course$/top/Default for Rights/消费者权益保护法

// question: 1  name: 七日无理由退货
// source: 消费者权益保护法第二十五条
::七日无理由退货::[html]<p>网络购物，消费者有权自收到商品之日起（ ）内退货。</p>{
\t=七日#正确！
\t~十五日#不对。
\t~三十日
\t####第二十五条第一款。
}

::Who's buried::Who's buried in Grant's tomb?{=no one =nobody}

// multiple answers
::不适用无理由退货::下列哪些商品不适用七日无理由退货？{
\t~%50%消费者定作的
\t~%50%鲜活易腐的
\t~%-100%普通服装
}

::Capitals::Match the following countries with their capitals. {
\t=Canada -> Ottawa
\t=Italy  -> Rome
}

$CATEGORY: $course$/top/征信业管理条例

采集个人信息应当经信息主体本人同意\\: 法律另有规定的除外。{T#错了。#对了。}

When was Ulysses S. Grant born?{#1822:5}
"""


def test_a_moodle_gift_file_imports_its_supported_questions_and_lists_the_rest(db):
    report = run_import("questions", MOODLE_FILE.encode(), filename="bank.gift")

    assert report.ok, report.as_text()
    assert report.new == 3
    assert [(s.row, s.name, s.reason) for s in report.skipped] == [
        (13, "Who's buried", "short answer"),
        (22, "Capitals", "matching"),
        (31, "When was Ulysses S. Grant born?", "numerical"),
    ]
    assert "Line 13: “Who's buried” skipped (short answer)." in report.as_text()
    single = Question.objects.get(kind="single")
    assert single.category.name == "消费者权益保护法"
    assert single.stem == "网络购物，消费者有权自收到商品之日起（ ）内退货。"
    assert single.source == "消费者权益保护法第二十五条"
    assert single.explanation == "第二十五条第一款。"
    assert [(c.text, c.is_correct, c.feedback) for c in single.choices.all()] == [
        ("七日", True, "正确！"),
        ("十五日", False, "不对。"),
        ("三十日", False, ""),
    ]
    multiple = Question.objects.get(kind="multiple")
    assert [(c.is_correct, c.weight) for c in multiple.choices.all()] == [
        (True, None),
        (True, None),
        (False, Decimal(-100)),
    ]
    true_false = Question.objects.get(kind="true_false")
    assert true_false.category.name == "征信业管理条例"
    assert true_false.stem == "采集个人信息应当经信息主体本人同意: 法律另有规定的除外。"
    assert [(c.text, c.feedback) for c in true_false.choices.all()] == [
        ("正确", "对了。"),
        ("错误", "错了。"),
    ]


def test_questions_before_any_category_go_to_the_default_category(db):
    report = run_import("questions", b"Q{T}\n", filename="q.gift")

    assert report.ok
    assert Question.objects.get().category.name == resources.DEFAULT_GIFT_CATEGORY
    assert any(resources.DEFAULT_GIFT_CATEGORY in w for w in report.warnings)


def test_a_malformed_gift_question_fails_the_whole_file_with_its_line(db):
    text = MOODLE_FILE.replace("\t~三十日\n", "\t~三十日 {\n")

    report = run_import("questions", text.encode(), filename="bank.gift")

    assert [(e.row, e.message) for e in report.errors] == [
        (9, str(gift.ERROR_NESTED_BRACE))
    ]
    assert "Line 9:" in report.as_text()
    assert not Question.objects.exists()


def test_a_gift_question_breaking_the_bank_rules_fails_with_its_line(db):
    text = "// c\n\n::Two right::Pick one {=a =b ~c}\n\n::ok::Fine {~a =b}\n"

    report = run_import("questions", text.encode(), filename="q.gift")

    assert [(e.row, e.column) for e in report.errors] == [(3, "answer")]
    assert not Question.objects.exists()


def test_gift_can_be_chosen_by_the_command_format_option(db, tmp_path):
    path = tmp_path / "moodle-export.txt"
    path.write_text(MOODLE_FILE, encoding="utf-8")
    out = io.StringIO()

    call_command("import_data", "questions", str(path), "--format", "gift", stdout=out)

    assert Question.objects.count() == 3
    assert "“Who's buried”" in out.getvalue()  # the skipped list


def test_the_import_command_exits_1_on_a_bad_file_and_writes_nothing(db, tmp_path):
    path = tmp_path / "bad.gift"
    path.write_text("Pick one {=a =b ~c}\n", encoding="utf-8")

    with pytest.raises(SystemExit) as exit_info:
        call_command("import_data", "questions", str(path), stdout=io.StringIO())

    assert exit_info.value.code == 1
    assert not Question.objects.exists()


# --- export round trips --------------------------------------------------------------


@pytest.fixture
def varied_bank(db, bank_csv):
    """The 60 real questions plus feedback, weights, tags and an inactive one."""
    assert run_import("questions", bank_csv, filename="question_bank.csv").ok
    gift_extras = (
        "$CATEGORY: 测试\n\n"
        "// difficulty: hard\n"
        "Weighted {~%-50%No one ~%50%Grant#yes ~%50%Grant's wife ~%-50%His father}\n\n"
        "Partial: what = 1\\:2? {=one#right ~%50%half ~none####why\\nbecause}\n\n"
        "Begins with a formula sign {=-1 ~+2 ~@3}\n"
    )
    assert run_import("questions", gift_extras.encode(), filename="x.gift").ok
    question = factories.question(stem="带标签的题", tags=["消保"], is_active=False)
    return question


def export_bytes(fmt: str) -> bytes:
    stream = io.BytesIO()
    write_export("questions", stream, fmt)
    return stream.getvalue()


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "gift"])
def test_export_then_import_changes_nothing(varied_bank, fmt):
    before = bank_state()
    exported = export_bytes(fmt)

    report = run_import("questions", exported, filename=f"export.{fmt}")

    assert report.ok, report.as_text()
    assert (report.new, report.updated) == (0, 0)
    assert report.unchanged == Question.objects.count() == 64
    assert bank_state() == before


def test_a_gift_export_rebuilds_the_bank_in_an_empty_system(varied_bank):
    exported = {fmt: export_bytes(fmt) for fmt in ("csv", "gift")}
    Choice.objects.all().delete()
    Question.objects.all().delete()

    report = run_import("questions", exported["gift"], filename="bank.gift")

    assert report.ok and report.new == 64
    # The same rows (GIFT groups questions by category, so new ids differ in order).
    assert csv_rows(export_bytes("csv")) == csv_rows(exported["csv"])


def csv_rows(data: bytes) -> list[list[str]]:
    return sorted(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def test_csv_export_uses_the_import_columns_and_neutralises_formulas(varied_bank):
    text = export_bytes("csv").decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))

    assert ",".join(rows[0]) == (
        "category,kind,stem,choice_a,choice_b,choice_c,choice_d,choice_e,choice_f,"
        "answer,explanation,source,difficulty"
    )
    assert len(rows) == 65
    assert ",'-1,'+2,'@3,,,,A," in text


def test_xlsx_export_keeps_formula_like_text_as_text(varied_bank):
    workbook = load_workbook(io.BytesIO(export_bytes("xlsx")))
    cells = [c for row in workbook.active.iter_rows() for c in row]
    assert all(c.data_type != "f" for c in cells)


def test_export_command_writes_gift(varied_bank, tmp_path):
    path = tmp_path / "bank.gift"
    out = io.StringIO()

    call_command("export_data", "questions", "-o", str(path), stdout=out)

    assert "64 rows written" in out.getvalue()
    text = path.read_text(encoding="utf-8")
    # The four categories of the real bank, 测试, and the factory's category.
    assert text.count("$CATEGORY:") == 6
    assert "// source: 消费者权益保护法第七条" in text
