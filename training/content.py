"""Reading article texts from the study files in training/content/ (copied from
the shared study content). Texts are returned exactly as written there, so a
lesson never retypes the law."""

from __future__ import annotations

import functools
import re
from pathlib import Path

CONTENT_DIR = Path(__file__).resolve().parent / "content"

CONSUMER_LAW = "consumer_protection_law.md"
CREDIT_REGULATION = "credit_reporting_regulation.md"
FINANCIAL_KNOWLEDGE = "financial_knowledge.md"
COMPLAINT_RULES = "complaint_rules.md"

_DIGITS = "零一二三四五六七八九"
_ARTICLE_START = re.compile(r"^\*\*(第[零一二三四五六七八九十百]+条)\*\* ?(.*)$")


def article_label(number: int) -> str:
    """1 -> 第一条, 16 -> 第十六条, 55 -> 第五十五条 (1–199)."""
    if not 0 < number < 200:
        raise ValueError(number)
    hundreds, rest = divmod(number, 100)
    tens, ones = divmod(rest, 10)
    text = "一百" if hundreds else ""
    if tens:
        text += ("" if tens == 1 and not hundreds else _DIGITS[tens]) + "十"
    elif hundreds and ones:
        text += "零"
    if ones:
        text += _DIGITS[ones]
    return f"第{text}条"


@functools.cache
def read(filename: str) -> str:
    return (CONTENT_DIR / filename).read_text(encoding="utf-8")


@functools.cache
def articles(filename: str) -> dict[str, str]:
    """{"第十六条": text} for files that mark articles as **第X条** (paragraphs
    separated by a blank line, as in the file)."""
    result: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in read(filename).splitlines():
        match = _ARTICLE_START.match(line)
        if match:
            current = result.setdefault(match.group(1), [])
            current.append(match.group(2))
        elif line.startswith(("#", "---", ">", "**")) and current is not None:
            current = None
        elif current is not None and line.strip():
            current.append(line)
    return {label: "\n\n".join(paragraphs) for label, paragraphs in result.items()}


def article(filename: str, number: int) -> str:
    return articles(filename)[article_label(number)]


def line_starting(filename: str, prefix: str) -> str:
    """The single line of the file that starts with `prefix`, without the
    indentation and "> " quote mark around it, and without an editor's remark in
    the form "（本段…）" at its end."""
    lines = (line.strip().removeprefix("> ") for line in read(filename).splitlines())
    found = [line for line in lines if line.startswith(prefix)]
    if len(found) != 1:
        raise LookupError(f"{filename}: {len(found)} lines start with {prefix!r}")
    return found[0].split("（本段")[0]


def quoted_article(filename: str, label: str) -> str:
    """The text after "第X条 " on the line quoting that article."""
    return line_starting(filename, label + " ").removeprefix(label + " ")
