"""The rules of a well-formed question (issue 4 item 1), the natural key, the
law reference parsed from a source, and the snapshot attempts will freeze."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from quizzes import services, text
from quizzes.models import Question, learner_view
from quizzes.services import ChoiceInput as C
from tests.quizzes import factories

SINGLE, MULTIPLE, TRUE_FALSE = (
    Question.Kind.SINGLE,
    Question.Kind.MULTIPLE,
    Question.Kind.TRUE_FALSE,
)


def problems(kind, choices, stem="题干"):
    return [
        (p.field, p.message, p.index)
        for p in services.question_problems(kind=kind, stem=stem, choices=choices)
    ]


def test_a_valid_question_of_each_kind_has_no_problems():
    assert problems(SINGLE, [C("甲", True), C("乙")]) == []
    assert problems(MULTIPLE, [C("甲", True), C("乙", True), C("丙")]) == []
    assert problems(TRUE_FALSE, [C("正确"), C("错误", True)]) == []


@pytest.mark.parametrize("correct", [0, 2])
def test_single_choice_needs_exactly_one_correct_answer(correct):
    choices = [C(t, i < correct) for i, t in enumerate("甲乙丙")]
    message = str(services.ERROR_SINGLE_ONE_CORRECT) % {"count": correct}
    assert problems(SINGLE, choices) == [("answer", message, None)]


@pytest.mark.parametrize("correct", [0, 1])
def test_multiple_choice_needs_at_least_two_correct_answers(correct):
    choices = [C(t, i < correct) for i, t in enumerate("甲乙丙")]
    message = str(services.ERROR_MULTIPLE_TWO_CORRECT) % {"count": correct}
    assert problems(MULTIPLE, choices) == [("answer", message, None)]


@pytest.mark.parametrize(
    ("choices", "index"),
    [
        ([C("对", True), C("错")], 0),
        ([C("错误"), C("正确", True)], 0),
        ([C("正确", True)], 1),
        ([C("正确", True), C("错误"), C("不确定")], 2),
    ],
)
def test_true_false_has_exactly_the_choices_zhengque_and_cuowu(choices, index):
    assert (
        "choices",
        str(services.ERROR_TRUE_FALSE_CHOICES),
        index,
    ) in problems(TRUE_FALSE, choices)


def test_true_false_needs_one_correct_answer():
    assert problems(TRUE_FALSE, [C("正确", True), C("错误", True)]) == [
        ("answer", str(services.ERROR_TRUE_FALSE_ONE_CORRECT), None)
    ]


def test_empty_stem_too_few_too_many_and_duplicate_choices():
    assert ("stem", str(services.ERROR_STEM_EMPTY), None) in problems(
        SINGLE, [C("甲", True), C("乙")], stem="  "
    )
    assert ("choices", str(services.ERROR_TOO_FEW_CHOICES), 1) in problems(
        SINGLE, [C("甲", True)]
    )
    seven = [C(t, i == 0) for i, t in enumerate("甲乙丙丁戊己庚")]
    assert ("choices", str(services.ERROR_TOO_MANY_CHOICES), None) in problems(
        SINGLE, seven
    )
    # Full-width and half-width forms, case and spaces do not make a new choice.
    duplicate = problems(SINGLE, [C("ABC（甲）", True), C("abc (甲)")])
    assert duplicate == [
        (
            "choices",
            str(services.ERROR_DUPLICATE_CHOICE) % {"text": "abc (甲)"},
            1,
        )
    ]


def test_weights_lie_within_100_percent_and_correct_choices_weigh_more_than_zero():
    assert ("choices", str(services.ERROR_WEIGHT_RANGE), 1) in problems(
        SINGLE, [C("甲", True), C("乙", weight=Decimal(-150))]
    )
    assert ("choices", str(services.ERROR_CORRECT_WEIGHT), 0) in problems(
        MULTIPLE,
        [C("甲", True, weight=Decimal(0)), C("乙", True), C("丙")],
    )


def test_weights_that_restate_the_default_are_stored_as_none():
    multiple = [
        C("甲", True, weight=Decimal("33.33333")),
        C("乙", True, weight=Decimal("33.33333")),
        C("丙", True, weight=Decimal("40")),
        C("丁", weight=Decimal(0)),
        C("戊", weight=Decimal(-100)),
    ]
    assert services.weights_normalised(MULTIPLE, multiple) == [
        None,
        None,
        Decimal("40"),
        None,
        Decimal(-100),
    ]
    single = [C("甲", True, weight=Decimal(100)), C("乙", weight=Decimal(50))]
    assert services.weights_normalised(SINGLE, single) == [None, Decimal(50)]
    assert services.weights_normalised(
        TRUE_FALSE, [C("正确", True, weight=Decimal(5)), C("错误")]
    ) == [None, None]


@pytest.mark.parametrize(
    ("source", "law", "article"),
    [
        ("消费者权益保护法第二十五条", "消费者权益保护法", 25),
        ("消费者权益保护法第十条", "消费者权益保护法", 10),
        ("《征信业管理条例》第16条第一款", "征信业管理条例", 16),
        ("某法第一百零二条", "某法", 102),
        ("反电信网络诈骗法第三十一条", "反电信网络诈骗法", 31),
        (
            "银行业保险业消费投诉处理管理办法（处理时限条款，条号未核实）",
            "银行业保险业消费投诉处理管理办法",
            None,
        ),
        ("", "", None),
    ],
)
def test_the_law_and_article_are_parsed_from_the_source(source, law, article):
    assert text.parse_source(source) == (law, article)


def test_unverified_sources_are_recognised():
    assert text.is_unverified("银行业保险业消费投诉处理管理办法（条号未核实）")
    assert not text.is_unverified("消费者权益保护法第七条")


def test_the_natural_key_ignores_spacing_case_and_width_but_not_the_category():
    assert text.stem_key(1, "消费者享有（ ）的权利。") == text.stem_key(
        1, " 消费者享有 ( ) 的权利. "[:-2] + "。"
    )
    assert text.stem_key(1, "ABC  题") == text.stem_key(1, "abc 题")
    assert text.stem_key(1, "题") != text.stem_key(2, "题")


def test_question_create_publishes_a_revision_and_parses_the_source(db):
    question = factories.question(source="消费者权益保护法第二十四条")

    assert question.live and not question.has_unpublished_changes
    assert question.live_revision_id == question.latest_revision_id is not None
    assert (question.law_name, question.article_number) == ("消费者权益保护法", 24)
    assert [c.sort_order for c in question.choices.all()] == [0, 1, 2]


def test_question_create_refuses_a_second_copy_in_the_same_category(db):
    category = factories.category("消费者权益保护法")
    factories.question(category=category, stem="消费者享有（ ）权利。")

    with pytest.raises(ValidationError) as caught:
        factories.question(category=category, stem="消费者享有( )权利.")
    assert caught.value.message_dict == {
        "stem": [str(services.ERROR_DUPLICATE_QUESTION)]
    }
    # The same text in another category is another question.
    factories.question(
        category=factories.category("其他"), stem="消费者享有（ ）权利。"
    )


def test_question_create_refuses_a_broken_question(db):
    with pytest.raises(ValidationError) as caught:
        factories.question(kind=MULTIPLE, choices=[("甲", True), ("乙", False)])
    assert "answer" in caught.value.message_dict
    assert not Question.objects.exists()


def test_the_snapshot_holds_the_question_as_shown_and_the_learner_view_drops_the_key(
    db,
):
    question = factories.question(
        kind=MULTIPLE,
        stem="哪些是消费者的权利？",
        choices=[("安全权", True), ("知情权", True), ("定价权", False)],
        explanation="第七条、第八条。",
        source="银行业保险业消费投诉处理管理办法（条号未核实）",
    )
    question = (
        Question.objects.select_related("category")
        .prefetch_related("choices")
        .get(pk=question.pk)
    )
    ids = [c.pk for c in question.choices.all()]

    snapshot = question.as_snapshot()

    assert snapshot["question_id"] == question.pk
    assert snapshot["revision_id"] == question.live_revision_id
    assert snapshot["source_unverified"] is True
    assert [(c["id"], c["label"], c["is_correct"]) for c in snapshot["choices"]] == [
        (ids[0], "A", True),
        (ids[1], "B", True),
        (ids[2], "C", False),
    ]
    public = learner_view(snapshot)
    flat = repr(public)
    assert "is_correct" not in flat and "第七条" not in flat and "feedback" not in flat
    assert [c["text"] for c in public["choices"]] == ["安全权", "知情权", "定价权"]
