"""Every string of ours has a Simplified Chinese translation, and the compiled
catalogue matches its source (so nobody forgets `make messages`)."""

from __future__ import annotations

import gettext
import re
from pathlib import Path

from django.conf import settings

PO = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")

_STRING = re.compile(r'"((?:[^"\\]|\\.)*)"')


def _unquote(lines: list[str]) -> str:
    text = "".join(m.group(1) for line in lines for m in [_STRING.search(line)] if m)
    return (
        text.replace('\\"', '"')
        .replace("\\n", "\n")
        .replace("\\t", "\t")
        .replace("\\\\", "\\")
    )


def _parse_block(block: str) -> dict | None:
    entry = {"flags": "", "msgctxt": None, "msgid": None, "msgid_plural": None}
    entry["msgstr"] = []
    parts: list[tuple[str, list[str]]] = []
    for line in block.splitlines():
        if line.startswith("#,"):
            entry["flags"] += line
        elif line.startswith("#"):
            continue
        elif line.startswith('"') and parts:
            parts[-1][1].append(line)
        else:
            parts.append((line.split(" ", 1)[0], [line]))
    for keyword, lines in parts:
        value = _unquote(lines)
        if keyword.startswith("msgstr"):
            entry["msgstr"].append(value)
        else:
            entry[keyword] = value
    return entry if entry["msgid"] is not None else None


def parse_po(path: Path) -> list[dict]:
    """Entries as {msgid, msgid_plural, msgstr: [..], flags, msgctxt}."""
    blocks = path.read_text(encoding="utf-8").split("\n\n")
    return [e for e in map(_parse_block, blocks) if e is not None]


def test_every_string_is_translated():
    missing = [
        e["msgid"]
        for e in parse_po(PO)
        if e["msgid"] and (not all(e["msgstr"]) or "fuzzy" in e["flags"])
    ]
    assert missing == []


def test_compiled_catalogue_matches_the_source():
    with MO.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    stale = []
    for entry in parse_po(PO):
        if not entry["msgid"]:
            continue
        msgid = entry["msgid"]
        if entry["msgctxt"]:
            got = compiled.pgettext(entry["msgctxt"], msgid)
        elif entry["msgid_plural"]:
            got = compiled.ngettext(msgid, entry["msgid_plural"], 1)
        else:
            got = compiled.gettext(msgid)
        if got != entry["msgstr"][0]:
            stale.append(msgid)
    assert stale == [], "run `make messages` to recompile locale/zh_Hans"
