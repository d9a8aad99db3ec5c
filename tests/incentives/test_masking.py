"""Masking of personal numbers in complaint summaries (pure functions)."""

from __future__ import annotations

import pytest

from incentives.masking import (
    mask_account_numbers,
    mask_id_cards,
    mask_landlines,
    mask_long_numbers,
    mask_mobiles,
    mask_personal_numbers,
)


@pytest.mark.parametrize(
    "text, masked",
    [
        ("身份证110101199003071234来办理", "身份证110101********1234来办理"),
        ("身份证号码11010119900307123X，", "身份证号码110101********123X，"),
        ("证件号 11010120010101002x。", "证件号 110101********002x。"),
        ("老身份证110101900307123，", "老身份证110101******123，"),
    ],
)
def test_id_card_numbers_keep_region_and_last_digits(text, masked):
    assert mask_id_cards(text) == masked
    assert mask_personal_numbers(text) == masked


def test_an_eighteen_digit_number_with_no_birth_date_is_not_an_id_card():
    assert mask_id_cards("流水号310066123456789012") == "流水号310066123456789012"
    # …but it is still a long number, so it is masked all the same.
    assert mask_personal_numbers("流水号310066123456789012") == (
        "流水号3100**********9012"
    )


@pytest.mark.parametrize(
    "text, masked",
    [
        ("客户手机13812345678反映", "客户手机138****5678反映"),
        ("手机：+86 138 1234 5678。", "手机：+86 138****5678。"),
        ("联系电话86-138-1234-5678", "联系电话86-138****5678"),
        ("电话008619912345678", "电话0086199****5678"),
        ("手机13812345678、13912345678", "手机138****5678、139****5678"),
        ("手机13812345678 13912345678", "手机138****5678 139****5678"),
    ],
)
def test_mobile_numbers(text, masked):
    assert mask_mobiles(text) == masked
    assert mask_personal_numbers(text) == masked


@pytest.mark.parametrize(
    "text",
    [
        "号码12812345678",  # 12x is not a mobile prefix
        "共138123456789笔",  # twelve digits: not a mobile
    ],
)
def test_things_that_are_not_mobile_numbers(text):
    assert mask_mobiles(text) == text


@pytest.mark.parametrize(
    "text, masked",
    [
        ("座机0571-88886666，", "座机0571-****6666，"),
        ("电话(010)12345678转", "电话(010)****5678转"),
        ("电话 021 6234567。", "电话 021 ***4567。"),
        ("座机0571 8888 6666", "座机0571 **** 6666"),
    ],
)
def test_landlines_keep_the_area_code(text, masked):
    assert mask_landlines(text) == masked
    assert mask_personal_numbers(text) == masked


@pytest.mark.parametrize(
    "text, masked",
    [
        ("卡号6222 0212 3456 1234被扣费", "卡号6222 **** **** 1234被扣费"),
        ("卡号6222-0212-3456-1234被扣费", "卡号6222-****-****-1234被扣费"),
        ("银行卡6222021234561234被冻结", "银行卡6222********1234被冻结"),
        ("卡6217 0012 3456 7890 123丢失", "卡6217 **** **** ***0 123丢失"),
        ("信用卡4392260012345", "信用卡4392*****2345"),
        ("对公账户123456789012345678901234", "对公账户1234****************1234"),
        (
            "全角卡号６２２２０２１２３４５６１２３４",
            "全角卡号６２２２********１２３４",
        ),
    ],
)
def test_card_and_long_account_numbers_keep_four_and_four(text, masked):
    assert mask_long_numbers(text) == masked
    assert mask_personal_numbers(text) == masked


@pytest.mark.parametrize(
    "text, masked",
    [
        ("账号：12345678 ", "账号：****5678 "),
        ("存折号 1234-5678-90", "存折号 ****-**78-90"),
        ("账户为 987654321。", "账户为 *****4321。"),
    ],
)
def test_short_account_numbers_after_account_words(text, masked):
    assert mask_account_numbers(text) == masked
    assert mask_personal_numbers(text) == masked


@pytest.mark.parametrize(
    "text",
    [
        "于2026-11-29 10:30来电，金额50000.00元",
        "2026年11月29日受理，热线95588，400-820-8820",
        "投诉编号TS20261101001已受理，工单号A1234567890123",
        "尾号1234的借记卡",
        "共3 456 789 笔",
        "年化收益率3.85%，期限365天",
        "",
    ],
)
def test_dates_amounts_hotlines_and_references_are_left_alone(text):
    assert mask_personal_numbers(text) == text


REALISTIC = [
    (
        "客户来电反映，在东湖路网点柜台办理跨行转账时，柜员未告知手续费标准即扣收"
        "手续费，借记卡6222 0212 3456 1234被扣费25元，要求退还。联系电话13812345678。",
        "客户来电反映，在东湖路网点柜台办理跨行转账时，柜员未告知手续费标准即扣收"
        "手续费，借记卡6222 **** **** 1234被扣费25元，要求退还。联系电话138****5678。",
    ),
    (
        "客户张某（身份证330102198805201234，手机+86 139 0571 2233）于2026年10月3日"
        "到网点反映理财产品误导销售，购买金额200000元，理财账户6228480012345678901。",
        "客户张某（身份证330102********1234，手机+86 139****2233）于2026年10月3日"
        "到网点反映理财产品误导销售，购买金额200000元，理财账户6228***********8901。",
    ),
    (
        "监管转办（编号JG-2026-0815）：客户称贷款账号310066123456789012已结清，"
        "征信仍有逾期；客户座机0571-88886666，备用联系人手机15012345678。",
        "监管转办（编号JG-2026-0815）：客户称贷款账号3100**********9012已结清，"
        "征信仍有逾期；客户座机0571-****6666，备用联系人手机150****5678。",
    ),
]


@pytest.mark.parametrize("text, masked", REALISTIC)
def test_realistic_summaries(text, masked):
    assert mask_personal_numbers(text) == masked


@pytest.mark.parametrize("text, masked", REALISTIC)
def test_masking_is_idempotent(text, masked):
    assert mask_personal_numbers(masked) == masked
    assert mask_personal_numbers(mask_personal_numbers(text)) == masked


def test_no_original_digits_survive_beyond_the_kept_ends():
    card = "6222021234561234"
    masked = mask_personal_numbers(f"卡号{card}")
    assert card not in masked
    assert "02123456" not in masked
