"""Mask personal numbers in free text before it is stored.

Complaint summaries come from call notes and letters and often quote the
customer's ID-card, bank-card, account or phone number. Only a few leading and
trailing digits are kept, enough for a colleague to match a case:

    ID card, 18 digits            110101********1234
    ID card, old 15 digits        110101******123
    mobile (+86 / 86 prefixes)    138****5678, +86 138****5678
    landline                      0571-****6666
    bank card or account number   6222 **** **** 1234, 6222************1234
    after 账号 / 卡号 / 账户 …     账号 ****5678 (shorter account numbers)

Pure functions, no Django. Masking is idempotent: a digit run that touches a
letter, another digit or a '*' is never taken for a number, so masked text comes
out unchanged (and reference numbers such as TS20261101001 are left alone).
Full-width digits (０-９) count as digits.
"""

from __future__ import annotations

import re

MASK = "*"

_D = "[0-9０-９]"
_NOT_BEFORE = r"(?<![0-9A-Za-z０-９*])"
_NOT_AFTER = r"(?![0-9A-Za-z０-９*])"
# Not the tail of a longer group of numbers (6222 0212 …) or of a masked one.
_NOT_IN_GROUP = r"(?<![0-9０-９*][ -])"
_DATE = rf"(?:0[1-9]|1[0-2])(?:0[1-9]|[12]{_D}|3[01])"  # MMDD

_ID_CARD_18 = re.compile(
    _NOT_BEFORE
    + rf"([1-9]{_D}{{5}})"  # region code: kept
    + rf"((?:18|19|20){_D}{{2}}{_DATE})"  # date of birth: masked
    + rf"({_D}{{3}}[0-9０-９XxＸｘ])"  # sequence and check digit: kept
    + _NOT_AFTER
)
_ID_CARD_15 = re.compile(
    _NOT_BEFORE + rf"([1-9]{_D}{{5}})({_D}{{2}}{_DATE})({_D}{{3}})" + _NOT_AFTER
)
_MOBILE = re.compile(
    r"(?<![0-9A-Za-z０-９*+])"
    + r"((?:\+|00)?86[ -]?)?"  # country code: kept
    + rf"(1[3-9]{_D})[ -]?({_D}{{4}})[ -]?({_D}{{4}})"
    + _NOT_AFTER
)
_LANDLINE = re.compile(
    _NOT_BEFORE
    + _NOT_IN_GROUP
    + rf"(\(?0[1-9]{_D}{{1,2}}\)?[ -]?)"  # area code 0xx or 0xxx: kept
    + rf"({_D}{{3,4}}[ -]?{_D}{{4}})"  # local number, 7 or 8 digits
    + rf"(?![0-9A-Za-z０-９*]|[ -]{_D})"
)
# Cards and accounts: 12 or more digits in a row, or groups led by four digits
# and split by single spaces or dashes (6222 0212 3456 1234).
_LONG_NUMBER = re.compile(
    _NOT_BEFORE + rf"({_D}{{12,}}|{_D}{{4}}(?:[ -]{_D}{{3,6}}){{2,6}})" + _NOT_AFTER
)
# Shorter account numbers are recognised by the words in front of them.
_ACCOUNT = re.compile(
    r"((?:账号|帐号|账户|帐户|卡号|户号|银行卡|存折)(?:号码|号)?[为是:： ]*)"
    + rf"({_D}(?:[ -]?{_D}){{5,}})"
    + r"(?![0-9A-Za-z０-９*]|[ -][0-9０-９*])"
)
_MIN_LONG_DIGITS = 12


def _is_digit(ch: str) -> bool:
    return ch.isdigit() or ch in "XxＸｘ"


def _keep_ends(number: str, head: int, tail: int) -> str:
    """Mask every digit but the first `head` and the last `tail`; spaces and
    dashes stay where they were."""
    positions = [i for i, ch in enumerate(number) if _is_digit(ch)]
    hidden = set(positions[head : len(positions) - tail])
    return "".join(MASK if i in hidden else ch for i, ch in enumerate(number))


def mask_id_cards(text: str) -> str:
    text = _ID_CARD_18.sub(lambda m: m[1] + MASK * len(m[2]) + m[3], text)
    return _ID_CARD_15.sub(lambda m: m[1] + MASK * len(m[2]) + m[3], text)


def mask_mobiles(text: str) -> str:
    return _MOBILE.sub(lambda m: (m[1] or "") + m[2] + MASK * 4 + m[4], text)


def mask_landlines(text: str) -> str:
    return _LANDLINE.sub(lambda m: m[1] + _keep_ends(m[2], 0, 4), text)


def mask_long_numbers(text: str) -> str:
    def mask(match):
        number = match[1]
        if sum(map(_is_digit, number)) < _MIN_LONG_DIGITS:
            return number  # a few short groups (a date, a count), not a card
        return _keep_ends(number, 4, 4)

    return _LONG_NUMBER.sub(mask, text)


def mask_account_numbers(text: str) -> str:
    return _ACCOUNT.sub(lambda m: m[1] + _keep_ends(m[2], 0, 4), text)


def mask_personal_numbers(text: str) -> str:
    """Mask ID-card, phone, bank-card and account numbers in `text`.

    The most specific shapes go first: an ID card is also a long number, a
    mobile number with its 86 prefix has as many digits as a short card, and
    the groups of a card number (6222 0212 3456 1234) could pass for a landline.
    """
    if not text:
        return text
    for mask in (
        mask_id_cards,
        mask_mobiles,
        mask_long_numbers,
        mask_landlines,
        mask_account_numbers,
    ):
        text = mask(text)
    return text
