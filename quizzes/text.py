"""Text rules of the question bank: the natural key of a question and the law
reference parsed from its source.

The natural key of a question is its category and its stem, compared after
normalisation (Unicode NFKC, so full-width and half-width forms match; 。 and .
alike; case folded; spaces ignored except between two ASCII words). It is
stored as a SHA-256 digest in `Question.stem_key` (unique), because files carry
no question code: importing the same file again, or a file exported from here,
finds every question by it and changes nothing. Editing a stem in the admin
gives the question a new key; a file that still holds the old stem then adds it
as a new question. Two different questions with the same stem in one category
(generic stems such as 下列说法正确的是) are refused: reword one of them.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

_WHITESPACE = re.compile(r"\s+")
# A space matters only between two ASCII letters or digits ("hello world");
# next to Chinese text or punctuation it is layout ("（ ）" is "（）").
_LAYOUT_SPACE = re.compile(r"(?<![a-z0-9]) | (?![a-z0-9])")
# Punctuation NFKC leaves apart although writers use them interchangeably.
_PUNCTUATION = str.maketrans(
    {"。": ".", "、": ",", "“": '"', "”": '"', "‘": "'", "’": "'", "「": '"', "」": '"'}
)
_CHINESE_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_CHINESE_UNITS = {"十": 10, "百": 100, "千": 1000}
_ARTICLE = re.compile(
    r"^(?P<law>.*?)第(?P<number>[0-9零〇一二两三四五六七八九十百千]+)条"
)
_LAW_END = re.compile(r"[（(【\[]")
UNVERIFIED_MARKERS = ("未核实", "待核实", "UNVERIFIED")


def normalise(text: str) -> str:
    """Text as compared for identity: NFKC (full-width forms become ASCII),
    Chinese and ASCII punctuation alike, case folded, and spaces dropped except
    between two ASCII words."""
    text = unicodedata.normalize("NFKC", str(text or "")).translate(_PUNCTUATION)
    text = _WHITESPACE.sub(" ", text).strip().casefold()
    return _LAYOUT_SPACE.sub("", text)


def stem_key(category_id, stem: str) -> str:
    """The natural key stored in `Question.stem_key`."""
    raw = f"{category_id}\x1f{normalise(stem)}"
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def file_row_key(category_name: str, stem: str) -> str:
    """The same identity computed from a file's cells (category by name)."""
    return f"{normalise(category_name)}\x1f{normalise(stem)}"


def chinese_number(text: str) -> int | None:
    """'二十五' -> 25, '一百零二' -> 102, '7' -> 7; None if not a number."""
    if text.isdigit():
        return int(text)
    total = current = 0
    for char in text:
        if char in _CHINESE_DIGITS:
            current = _CHINESE_DIGITS[char]
        elif char in _CHINESE_UNITS:
            total += (current or 1) * _CHINESE_UNITS[char]
            current = 0
        else:
            return None
    return total + current


def parse_source(source: str) -> tuple[str, int | None]:
    """The law and article a source reference names.

    '消费者权益保护法第二十五条' -> ('消费者权益保护法', 25);
    '《征信业管理条例》第16条第一款' -> ('征信业管理条例', 16);
    '银行业保险业消费投诉处理管理办法（处理时限条款，条号未核实）' -> (that law, None).
    """
    text = unicodedata.normalize("NFKC", str(source or "")).strip()
    # NFKC turns full-width brackets into ASCII ones; 《》 are kept.
    if not text:
        return "", None
    match = _ARTICLE.match(text)
    if match:
        law = match.group("law")
        number = chinese_number(match.group("number"))
    else:
        law = _LAW_END.split(text, maxsplit=1)[0]
        number = None
    law = law.strip().strip("《》").strip()
    return law[:100], number


def is_unverified(source: str) -> bool:
    """A source its author marked as not yet checked (show 待核实 to readers)."""
    return any(marker in (source or "") for marker in UNVERIFIED_MARKERS)
