"""The GIFT reader and writer (quizzes/gift.py), tried on the examples of
Moodle's GIFT documentation and its importer's test files."""

from __future__ import annotations

from decimal import Decimal

import pytest

from quizzes import gift
from quizzes.gift import GiftChoice, GiftQuestion


def only(text: str) -> GiftQuestion:
    parsed = gift.parse(text)
    assert parsed.errors == [] and parsed.skipped == []
    assert len(parsed.questions) == 1
    return parsed.questions[0]


def answers(question: GiftQuestion) -> list[tuple[str, bool]]:
    return [(c.text, c.is_correct) for c in question.choices]


def error_lines(text: str) -> list[int]:
    return [e.line for e in gift.parse(text).errors]


# --- question types ------------------------------------------------------------------


def test_multiple_choice_with_one_right_answer_is_a_single_choice_question():
    question = only("Who's buried in Grant's tomb?{~Grant ~Jefferson =no one}")

    assert question.kind == "single"
    assert question.stem == "Who's buried in Grant's tomb?"
    assert answers(question) == [
        ("Grant", False),
        ("Jefferson", False),
        ("no one", True),
    ]


def test_missing_word_format_puts_a_blank_where_the_answers_were():
    question = only("Grant is {~buried =entombed ~living} in Grant's tomb.")

    assert question.stem == "Grant is _____ in Grant's tomb."
    assert answers(question)[1] == ("entombed", True)


def test_answers_on_separate_indented_lines():
    question = only(
        "The American holiday of Thanksgiving is celebrated on the {\n"
        "    ~second\n"
        "    ~third\n"
        "    =fourth\n"
        "} Thursday of November."
    )
    assert question.stem == (
        "The American holiday of Thanksgiving is celebrated on the _____ "
        "Thursday of November."
    )
    assert answers(question) == [("second", False), ("third", False), ("fourth", True)]

    japan = only(
        "Japanese characters originally came from what country? {\n"
        "    ~India\n    =China\n    ~Korea\n    ~Egypt}"
    )
    assert japan.stem == "Japanese characters originally came from what country?"
    assert [t for t, correct in answers(japan) if correct] == ["China"]


@pytest.mark.parametrize(
    ("answer", "true_is_correct"),
    [("T", True), ("TRUE", True), ("F", False), ("FALSE", False), ("true", True)],
)
def test_true_false(answer, true_is_correct):
    question = only(f"The sun rises in the east.{{{answer}}}")

    assert question.kind == "true_false"
    assert answers(question) == [
        ("正确", true_is_correct),
        ("错误", not true_is_correct),
    ]


def test_true_false_feedback_for_a_wrong_then_a_right_answer_and_general_feedback():
    question = only(
        "// true/false, with general feedback\n"
        "::Q1:: 42 is the Absolute Answer to everything.{\n"
        "FALSE#42 is the Ultimate Answer.#You gave the right answer.\n"
        "####This is, of course, a Hitchiker's Guide to the Galaxy reference.}"
    )

    assert question.name == "Q1"
    assert question.stem == "42 is the Absolute Answer to everything."
    true_choice, false_choice = question.choices
    assert (false_choice.is_correct, false_choice.feedback) == (
        True,
        "You gave the right answer.",
    )
    assert (true_choice.is_correct, true_choice.feedback) == (
        False,
        "42 is the Ultimate Answer.",
    )
    assert question.explanation.startswith("This is, of course")


def test_true_false_with_only_the_wrong_answer_feedback():
    question = only("Grant is buried in Grant's tomb.{FALSE#No one is buried there.}")

    assert question.choices[0].feedback == "No one is buried there."
    assert question.choices[1].feedback == ""


def test_feedback_after_each_answer():
    question = only(
        "What's the answer to this multiple-choice question?{\n"
        "~wrong answer#feedback comment on the wrong answer\n"
        "~another wrong answer#feedback comment on this wrong answer\n"
        "=right answer#Very good!}"
    )
    assert [(c.text, c.feedback) for c in question.choices] == [
        ("wrong answer", "feedback comment on the wrong answer"),
        ("another wrong answer", "feedback comment on this wrong answer"),
        ("right answer", "Very good!"),
    ]


def test_feedback_may_run_over_several_lines():
    question = only(
        "Which one? {\n   ~ one # no\n   = two # yes, BUT,\n           there is more\n}"
    )
    assert question.choices[1].feedback == "yes, BUT,\nthere is more"


def test_partial_credit_in_a_single_choice_question_keeps_its_weight():
    question = only(
        "Difficult question.{~wrong answer ~%50%half credit answer =full credit answer}"
    )
    assert question.kind == "single"
    assert [(c.text, c.is_correct, c.weight) for c in question.choices] == [
        ("wrong answer", False, None),
        ("half credit answer", False, Decimal(50)),
        ("full credit answer", True, None),
    ]


def test_weights_without_an_equals_sign_make_a_multiple_choice_question():
    question = only(
        "What two people are entombed in Grant's tomb? {\n"
        "    ~%-50%No one\n"
        "    ~%50%Grant\n"
        "    ~%50%Grant's wife\n"
        "    ~%-50%Grant's father }"
    )
    assert question.kind == "multiple"
    assert [(c.text, c.is_correct, c.weight) for c in question.choices] == [
        ("No one", False, Decimal(-50)),
        ("Grant", True, Decimal(50)),
        ("Grant's wife", True, Decimal(50)),
        ("Grant's father", False, Decimal(-50)),
    ]

    unweighted_wrong = only(
        "What two people are entombed in Grant's tomb? {\n"
        "    ~No one\n    ~%50%Grant\n    ~%50%Grant's wife\n    ~Grant's father }"
    )
    assert [c.is_correct for c in unweighted_wrong.choices] == [
        False,
        True,
        True,
        False,
    ]


def test_colours_example_with_weights_formats_and_feedback():
    question = only(
        "// multiple choice, multiple response\n"
        "::colours:: What's between orange and green in the spectrum?\n"
        "{\n"
        "    ~%50%yellow # right; good!\n"
        "    ~%-100%red # [html]wrong\n"
        "    ~%50%off-beige # right; good!\n"
        "    ~%-100%[plain]blue # wrong\n"
        "}"
    )
    assert question.kind == "multiple"
    assert [(c.text, c.feedback, c.weight) for c in question.choices] == [
        ("yellow", "right; good!", Decimal(50)),
        ("red", "wrong", Decimal(-100)),
        ("off-beige", "right; good!", Decimal(50)),
        ("blue", "wrong", Decimal(-100)),
    ]


# --- names, formats, escapes, comments, categories ---------------------------------


def test_question_names_and_multi_line_question_text():
    question = only(
        "::Thanksgiving Date::The American holiday of Thanksgiving is\n"
        "celebrated on the {~second ~third =fourth} Thursday of November."
    )
    assert question.name == "Thanksgiving Date"
    assert question.stem == (
        "The American holiday of Thanksgiving is\n"
        "celebrated on the _____ Thursday of November."
    )


def test_markdown_and_plain_text_are_kept_as_written():
    markdown = only("[markdown]Who's buried in **Grant's tomb**?{~Grant =no one}")
    assert markdown.stem == "Who's buried in **Grant's tomb**?"
    plain = only("[plain]<b>not bold</b>{~a =b}")
    assert plain.stem == "<b>not bold</b>"


def test_html_becomes_plain_text_after_escapes_are_undone():
    question = only(
        "// question: 43  name: Greeting\n"
        '::Greeting::[html]<a href\\="http\\://demo.moodle.net/bonjour.mp3">Listen '
        "to this greeting\\:</a><br /><br />What language is being spoken?{\n"
        "\t~English#Sorry, listen again.\n"
        "\t=French#Yes, well done!\n"
        "\t~German#Sorry, listen again.\n"
        "}"
    )
    assert question.name == "Greeting"
    assert question.stem == "Listen to this greeting:\nWhat language is being spoken?"
    assert question.choices[1].feedback == "Yes, well done!"


def test_html_entities_and_format_of_an_answer():
    question = only("[html]<p>Tom &amp; Jerry</p>{=[plain]<i>x</i> ~[html]<i>y</i>}")
    assert question.stem == "Tom & Jerry"
    assert [c.text for c in question.choices] == ["<i>x</i>", "y"]


def test_escaped_control_characters_are_literal():
    question = only(
        "Which answer equals 5? {\n"
        "     ~ \\= 2 + 2\n"
        "     = \\= 2 + 3\n"
        "     ~ \\= 2 + 4  }"
    )
    assert answers(question) == [
        ("= 2 + 2", False),
        ("= 2 + 3", True),
        ("= 2 + 4", False),
    ]

    control = only(
        "::GIFT Control Characters::\n"
        "Which of the following is NOT a control character for the GIFT import "
        "format? {\n"
        "   ~ \\~     # \\~ is a control character.\n"
        "   ~ \\=     # \\= is a control character.\n"
        "   ~ \\#     # \\# is a control character.\n"
        "   ~ \\{     # \\{ is a control character.\n"
        "   ~ \\}     # \\} is a control character.\n"
        "   = \\\\     # Correct! \\\\ (backslash) is not a control character.\n"
        "}"
    )
    assert [c.text for c in control.choices] == ["~", "=", "#", "{", "}", "\\"]
    assert control.choices[2].feedback == "# is a control character."
    assert control.choices[5].is_correct


def test_escaped_colon_and_newline_in_the_text():
    question = only("Ratio 1\\:2?\\nSecond line{~yes =no}")
    assert question.stem == "Ratio 1:2?\nSecond line"
    assert gift.parse("1 + 2 \\= {3}").skipped[0].kind == gift.SKIP_SHORT_ANSWER


def test_comments_are_ignored_wherever_they_are():
    parsed = gift.parse(
        "// EXAMPLE QUESTIONS\n"
        "//-----------------//\n"
        "\n"
        "// Subheading: one question below\n"
        "What is 2 + 2? {\n"
        "// the answers follow\n"
        "~3 =4}\n"
    )
    assert [(q.line, q.stem, answers(q)) for q in parsed.questions] == [
        (5, "What is 2 + 2?", [("3", False), ("4", True)])
    ]


def test_categories_apply_to_the_questions_after_them():
    parsed = gift.parse(
        "Before any category{~a =b}\n"
        "\n"
        "// question: 0  name: switch category\n"
        "$CATEGORY: $course$/top/Default for Rights/消费者权益保护法\n"
        "\n"
        "First{~a =b}\n"
        "\n"
        "Second{T}\n"
        "\n"
        "$CATEGORY: 征信//信用\n"
        "Third{F}\n"
    )
    assert [(q.stem, q.category) for q in parsed.questions] == [
        ("Before any category", ""),
        ("First", "消费者权益保护法"),
        ("Second", "消费者权益保护法"),
        ("Third", "征信/信用"),
    ]
    assert parsed.uncategorised == 1


def test_source_and_difficulty_comments_are_read():
    question = only("// source: 消费者权益保护法第二十五条\n// 难度: 难\nStem{~a =b}")
    assert (question.source, question.difficulty) == (
        "消费者权益保护法第二十五条",
        "难",
    )
    assert only("Stem{~a =b}").source is None


def test_windows_line_endings_and_a_byte_order_mark():
    parsed = gift.parse("\ufeff// c\r\nOne{T}\r\n\r\nTwo{\r\n~a\r\n=b}\r\n")
    assert [(q.line, q.stem) for q in parsed.questions] == [(2, "One"), (4, "Two")]


# --- skipped types -------------------------------------------------------------------


def test_unsupported_types_are_skipped_with_their_name_and_line():
    parsed = gift.parse(
        "// ===Short Answer===\n"  # 1
        "Who's buried in Grant's tomb?{=no one =nobody}\n"  # 2
        "\n"
        "::Kanji Origins::Japanese characters originally\n"  # 4
        "came from what country? {=China}\n"
        "\n"
        "Match the following countries with their corresponding capitals. {\n"  # 7
        "    =Canada -> Ottawa\n"
        "    =Italy  -> Rome\n"
        "    }\n"
        "\n"
        "When was Ulysses S. Grant born?{#1822:5}\n"  # 12
        "\n"
        "::Numerical example::\n"  # 14
        "When was Ulysses S. Grant born? {#\n"
        "     =1822:0      #Correct! 100% credit\n"
        "     =%50%1822:2  #He was born in 1822.\n"
        "}\n"
        "\n"
        "::Q8:: How are you? {}\n"  # 20
        "\n"
        "Write a short biography. {####Thank you.}\n"  # 22
        "\n"
        "You can use your pencil and paper for these next math questions.\n"  # 24
        "\n"
        "::Moodle user::[html]Anyone who uses Moodle is a ...{\n"  # 26
        "\t=%100%Moodler#\n"
        "}\n"
        "\n"
        "Still imported {~a =b}\n"  # 30
    )
    assert [(s.line, s.name, s.kind) for s in parsed.skipped] == [
        (2, "Who's buried in Grant's tomb?", gift.SKIP_SHORT_ANSWER),
        (4, "Kanji Origins", gift.SKIP_SHORT_ANSWER),
        (
            7,
            "Match the following countries with thei…",
            gift.SKIP_MATCHING,
        ),
        (12, "When was Ulysses S. Grant born?", gift.SKIP_NUMERICAL),
        (14, "Numerical example", gift.SKIP_NUMERICAL),
        (20, "Q8", gift.SKIP_ESSAY),
        (22, "Write a short biography.", gift.SKIP_ESSAY),
        (
            24,
            "You can use your pencil and paper for t…",
            gift.SKIP_DESCRIPTION,
        ),
        (26, "Moodle user", gift.SKIP_SHORT_ANSWER),
    ]
    assert [(q.line, q.stem) for q in parsed.questions] == [(30, "Still imported")]
    assert parsed.errors == []
    assert str(parsed.skipped[0].label) == "short answer"


# --- malformed questions -------------------------------------------------------------


def test_a_blank_line_inside_the_answers_is_an_error_on_its_lines():
    text = "Question {\n~a\n\n=b}\n"
    parsed = gift.parse(text)
    assert [(e.line, e.message) for e in parsed.errors] == [
        (1, str(gift.ERROR_BRACE_NOT_CLOSED)),
        (4, str(gift.ERROR_BRACE_NOT_OPENED)),
    ]
    assert parsed.questions == []


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("::Name without end\nQ{T}", 1, gift.ERROR_NAME_NOT_CLOSED),
        ("// c\nQ {~a\n{~b} =c}", 3, gift.ERROR_NESTED_BRACE),
        ("Q {~a =b} and {~c =d}", 1, gift.ERROR_SECOND_ANSWER_BLOCK),
        ("Q {~a =b}\n}", 2, gift.ERROR_SECOND_ANSWER_BLOCK),
        ("Q {~ #nothing =b}", 1, gift.ERROR_EMPTY_ANSWER),
    ],
)
def test_malformed_questions_are_errors_with_their_line(text, line, message):
    assert [(e.line, e.message) for e in gift.parse(text).errors] == [
        (line, str(message))
    ]


def test_text_before_the_first_answer_seven_answers_and_bad_weights():
    assert gift.parse("Q {stray ~a =b}").errors[0].message == str(
        gift.ERROR_TEXT_BEFORE_ANSWER
    ) % {"text": "stray"}
    seven = gift.parse("Q {=a ~b ~c ~d ~e ~f ~g}").errors[0].message
    assert seven == str(gift.ERROR_TOO_MANY_ANSWERS) % {"limit": 6, "count": 7}
    assert gift.parse("Q {~%abc%a =b}").errors[0].message == str(
        gift.ERROR_BAD_WEIGHT
    ) % {"weight": "abc"}


def test_one_bad_question_does_not_hide_the_others():
    parsed = gift.parse("Good {~a =b}\n\nBad {~a =b\n\nAlso good {T}\n")
    assert [q.stem for q in parsed.questions] == ["Good", "Also good"]
    assert [e.line for e in parsed.errors] == [3]


def test_deeply_nested_braces_give_an_error_not_a_crash():
    depth = 200_000
    text = "Deep " + "{" * depth + "~a =b" + "}" * depth
    parsed = gift.parse(text)
    assert [e.line for e in parsed.errors] == [1]
    assert parsed.questions == []


def test_a_huge_question_is_refused_with_its_line():
    text = "Intro{T}\n\n" + "x" * (gift.MAX_QUESTION_CHARS + 1) + "{T}"
    parsed = gift.parse(text)
    assert [e.line for e in parsed.errors] == [3]
    assert error_lines("{" * 100_000) == [1]


# --- writing -------------------------------------------------------------------------


def test_writing_then_reading_gives_back_every_field():
    questions = [
        GiftQuestion(
            line=0,
            kind="single",
            stem="Grant's tomb: who {is} buried = here?\nSecond line # end",
            category="消费者权益保护法",
            explanation="[note] ~ explained: yes",
            source="消费者权益保护法第七条",
            difficulty="hard",
            choices=[
                GiftChoice("Grant", False, "no #1"),
                GiftChoice("%50% half", False, "", Decimal(50)),
                GiftChoice("no one\\nobody", True, "right"),
            ],
        ),
        GiftQuestion(
            line=0,
            kind="multiple",
            stem="// looks like a comment",
            category="征信/信用",
            choices=[
                GiftChoice("[html] not a format", True),
                GiftChoice("b", True, weight=Decimal("40")),
                GiftChoice("c", True, weight=Decimal("20")),
                GiftChoice("d", False, weight=Decimal(-100)),
                GiftChoice("e", False),
            ],
        ),
        GiftQuestion(
            line=0,
            kind="true_false",
            stem="The sun rises in the east.",
            category="征信/信用",
            explanation="Always.",
            choices=[
                GiftChoice("正确", False, "wrong: it does"),
                GiftChoice("错误", True, "right"),
            ],
        ),
        GiftQuestion(
            line=0,
            kind="true_false",
            stem="No feedback at all",
            category="征信/信用",
            choices=[GiftChoice("正确", True), GiftChoice("错误", False)],
        ),
    ]
    written = "".join(gift.write(questions))
    parsed = gift.parse(written)

    assert parsed.errors == [] and parsed.skipped == []
    assert len(parsed.questions) == 4
    for original, read in zip(questions, parsed.questions, strict=True):
        assert (read.kind, read.stem, read.category, read.explanation) == (
            original.kind,
            original.stem,
            original.category,
            original.explanation,
        )
        assert [(c.text, c.is_correct, c.feedback) for c in read.choices] == [
            (c.text, c.is_correct, c.feedback) for c in original.choices
        ]
    assert parsed.questions[0].source == "消费者权益保护法第七条"
    assert parsed.questions[0].difficulty == "hard"
    assert parsed.questions[0].choices[1].weight == Decimal(50)
    # A correct choice without a weight is written with its share of 100 %.
    assert [c.weight for c in parsed.questions[1].choices] == [
        Decimal("33.33333"),
        Decimal(40),
        Decimal(20),
        Decimal(-100),
        None,
    ]
    assert written.count("$CATEGORY:") == 2
    assert "$CATEGORY: 征信//信用" in written


def test_written_true_false_and_multiple_choice_look_like_moodles():
    written = "".join(
        gift.write(
            [
                GiftQuestion(
                    line=0,
                    kind="multiple",
                    stem="Pick two",
                    category="C",
                    choices=[
                        GiftChoice("a", True),
                        GiftChoice("b", True),
                        GiftChoice("c", False),
                    ],
                ),
                GiftQuestion(
                    line=0,
                    kind="true_false",
                    stem="True?",
                    category="C",
                    choices=[GiftChoice("正确", True, "yes"), GiftChoice("错误")],
                ),
            ]
        )
    )
    assert "Pick two{\n\t~%50%a\n\t~%50%b\n\t~c\n}\n" in written
    assert "True?{TRUE##yes}\n" in written
