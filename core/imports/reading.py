"""Turn an uploaded file into a table of text cells.

Banks' files come as XLSX or as CSV in UTF-8 (with or without BOM), GB18030/GBK
(what Excel writes on a Chinese Windows) or UTF-16 ("Unicode text"). Anything else
is refused with a message saying what is accepted, before any row is looked at.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import zipfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

ERROR_EMPTY = _("The file is empty.")
ERROR_TOO_LARGE = _("The file is larger than the allowed %(limit)s MB.")
ERROR_UNKNOWN_ENCODING = _(
    "The file's text encoding could not be recognised. Save it as CSV in UTF-8 or "
    "GB18030/GBK, or as an Excel workbook (.xlsx)."
)
ERROR_NOT_TABULAR = _(
    "The file is not a CSV file or an Excel workbook (.xlsx). Other formats, "
    "including old .xls workbooks, are not accepted."
)
ERROR_NUL_BYTES = _(
    "The file contains binary data (NUL bytes): it is not a CSV file or an Excel "
    "workbook (.xlsx)."
)
ERROR_BAD_XLSX = _("The Excel workbook could not be read: %(reason)s")
ERROR_XLSX_TOO_BIG = _(
    "The Excel workbook expands to more than %(limit)s MB; it is refused as unsafe."
)
ERROR_NO_HEADER = _("The file has no header row.")
ERROR_CSV_SYNTAX = _("Row %(row)s: the CSV text is malformed (%(reason)s).")

# A share of non-ASCII characters that a real Chinese text decoded as GB18030 keeps
# inside GB2312's common repertoire; text in another encoding decoded by mistake
# (Big5, Latin-1, Shift-JIS) falls well below it.
_GB2312_SHARE = 0.8
XLSX_MAX_EXPANDED_BYTES = 400 * 1024 * 1024
_BINARY_MAGIC = (
    bytes.fromhex("d0cf11e0a1b11ae1"),  # OLE2: .xls, .doc
    b"%PDF-",
    b"\x89PNG",
    b"\xff\xd8\xff",
    b"GIF8",
    b"\x1f\x8b",  # gzip
    b"Rar!",
    b"7z\xbc\xaf",
)


class FileRejected(Exception):
    """The file as a whole cannot be read; nothing was imported."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


@dataclass
class Table:
    """Header cells and a re-iterable source of (row_number, cells) pairs.

    Row numbers are those a spreadsheet shows: the header is row 1. A reader of
    a text format (GIFT) numbers rows by the line a record starts on, and may
    hand over what it could not turn into rows: `errors` (RowError: the file
    fails) and `skipped` (SkippedItem: listed, not imported).
    """

    headers: list[str]
    _rows: callable
    encoding: str = ""
    format: str = "csv"
    warnings: list[str] = field(default_factory=list)
    errors: list = field(default_factory=list)
    skipped: list = field(default_factory=list)

    def rows(self) -> Iterator[tuple[int, list]]:
        return self._rows()

    @property
    def is_spreadsheet(self) -> bool:
        return self.format in ("csv", "xlsx")


def file_extension(filename: str) -> str:
    return filename.rsplit(".", 1)[-1].lower() if "." in filename else ""


def read_table(
    data: bytes,
    filename: str = "",
    max_bytes: int | None = None,
    readers: Mapping[str, Callable[[bytes], Table]] | None = None,
) -> Table:
    """Read CSV or XLSX bytes (or a format of `readers`, chosen by the file's
    extension); raise FileRejected with a readable reason."""
    if max_bytes is not None and len(data) > max_bytes:
        raise FileRejected(ERROR_TOO_LARGE % {"limit": max_bytes // (1024 * 1024)})
    if not data.strip():
        raise FileRejected(ERROR_EMPTY)
    reader = (readers or {}).get(file_extension(filename))
    if reader is not None:
        return reader(data)
    name = filename.lower()
    if data[:4] == b"PK\x03\x04":
        if name.endswith((".xlsm", ".xltm")):
            raise FileRejected(ERROR_NOT_TABULAR)
        return _read_xlsx(data)
    if name.endswith((".xlsx", ".xls", ".xlsm")) or data.startswith(_BINARY_MAGIC):
        raise FileRejected(ERROR_NOT_TABULAR)
    text, encoding = decode_text(data)
    return _read_csv(text, encoding)


def decode_text(data: bytes) -> tuple[str, str]:
    """Decode CSV bytes, detecting UTF-8 (BOM or not), UTF-16 and GB18030."""
    if data.startswith(codecs.BOM_UTF8):
        return _strict(data[len(codecs.BOM_UTF8) :], "utf-8"), "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _strict(data, "utf-16"), "utf-16"
    if _looks_like_utf16(data):
        # ASCII characters have their zero byte high: at odd offsets in little-endian.
        sample = data[:4000]
        little = sample[1::2].count(0) > sample[0::2].count(0)
        encoding = "utf-16-le" if little else "utf-16-be"
        return _strict(data, encoding), encoding
    if b"\x00" in data:
        raise FileRejected(ERROR_NUL_BYTES)
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        raise FileRejected(ERROR_UNKNOWN_ENCODING) from None
    if not _plausibly_chinese(text):
        raise FileRejected(ERROR_UNKNOWN_ENCODING)
    return text, "gb18030"


def _strict(data: bytes, encoding: str) -> str:
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError:
        raise FileRejected(ERROR_UNKNOWN_ENCODING) from None
    if "\x00" in text:
        raise FileRejected(ERROR_NUL_BYTES)
    return text.lstrip("\ufeff")


def _looks_like_utf16(data: bytes) -> bool:
    sample = data[:4000]
    if len(sample) < 32 or len(data) % 2:
        return False
    even_nuls = sample[0::2].count(0)
    odd_nuls = sample[1::2].count(0)
    half = len(sample) / 2
    return (
        max(even_nuls, odd_nuls) > 0.3 * half and min(even_nuls, odd_nuls) < 0.05 * half
    )


def _plausibly_chinese(text: str) -> bool:
    non_ascii = [ch for ch in text if ord(ch) > 0x7F]
    if not non_ascii:
        return True
    common = 0
    for ch in non_ascii:
        try:
            ch.encode("gb2312")
        except UnicodeEncodeError:
            continue
        common += 1
    return common / len(non_ascii) >= _GB2312_SHARE


def _lines(text: str) -> Iterator[str]:
    """The lines of `text` with their line ends, one at a time (what iterating
    io.StringIO gives, without the copy of the whole file it holds at four
    bytes per character: 23 MB for 100,000 staff rows)."""
    start, size = 0, len(text)
    while start < size:
        end = text.find("\n", start)
        if end == -1:
            yield text[start:]
            return
        yield text[start : end + 1]
        start = end + 1


def _read_csv(text: str, encoding: str) -> Table:
    sample = text[:4096]
    delimiter = ","
    first_line = sample.splitlines()[0] if sample else ""
    if first_line.count("\t") > first_line.count(",") and "\t" in first_line:
        delimiter = "\t"  # Excel's "Unicode text" is tab separated
    headers = None
    try:
        reader = csv.reader(_lines(text), delimiter=delimiter, strict=True)
        headers = next(reader, None)
    except csv.Error as exc:
        raise FileRejected(ERROR_CSV_SYNTAX % {"row": 1, "reason": exc}) from None
    if not headers or not any(cell.strip() for cell in headers):
        raise FileRejected(ERROR_NO_HEADER)

    def rows():
        reader = csv.reader(_lines(text), delimiter=delimiter, strict=True)
        next(reader, None)
        try:
            for row in reader:
                if any(cell.strip() for cell in row):
                    yield reader.line_num, row
        except csv.Error as exc:
            raise FileRejected(
                ERROR_CSV_SYNTAX % {"row": reader.line_num, "reason": exc}
            ) from None

    return Table(headers=[h.strip() for h in headers], _rows=rows, encoding=encoding)


def _read_xlsx(data: bytes) -> Table:
    # openpyxl is imported lazily: it is slow to import and CSV needs none of it.
    from openpyxl import load_workbook

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            expanded = sum(info.file_size for info in archive.infolist())
            if "xl/workbook.xml" not in archive.namelist():
                raise FileRejected(ERROR_NOT_TABULAR)
            if any(n.lower().endswith("vbaproject.bin") for n in archive.namelist()):
                raise FileRejected(ERROR_NOT_TABULAR)
    except zipfile.BadZipFile as exc:
        raise FileRejected(ERROR_BAD_XLSX % {"reason": exc}) from None
    if expanded > XLSX_MAX_EXPANDED_BYTES:
        raise FileRejected(
            ERROR_XLSX_TOO_BIG % {"limit": XLSX_MAX_EXPANDED_BYTES // (1024 * 1024)}
        )

    def open_sheet():
        try:
            # data_only: cached cell values; formulas are never evaluated.
            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many types for broken files
            raise FileRejected(ERROR_BAD_XLSX % {"reason": exc}) from None
        return workbook, workbook.worksheets[0]

    workbook, sheet = open_sheet()
    try:
        first = next(sheet.iter_rows(values_only=True), None)
    finally:
        workbook.close()
    if not first or not any(_cell_text(c) for c in first):
        raise FileRejected(ERROR_NO_HEADER)
    headers = [_cell_text(c) for c in first]
    while headers and not headers[-1]:
        headers.pop()

    def rows():
        workbook, sheet = open_sheet()
        try:
            for number, values in enumerate(
                sheet.iter_rows(min_row=2, values_only=True), start=2
            ):
                cells = [_xlsx_value(v) for v in values[: len(headers)]]
                if any(c not in (None, "") for c in cells):
                    yield number, cells
        finally:
            workbook.close()

    return Table(headers=headers, _rows=rows, encoding="", format="xlsx")


def _cell_text(value) -> str:
    if value is None:
        return ""
    return str(value).strip()


def _xlsx_value(value):
    """Keep dates and numbers typed (widgets understand them); text as str."""
    if isinstance(value, dt.datetime | dt.date | dt.time | bool | int | float):
        return value
    if value is None:
        return ""
    return str(value)
