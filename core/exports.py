"""Streaming exports in the import columns (so a file exported and imported again
changes nothing). Text that a spreadsheet would run as a formula is made inert;
numbers stay numbers."""

from __future__ import annotations

import csv
import datetime as dt
import functools
import os
import tempfile
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

from django.core.exceptions import EmptyResultSet
from django.db import connections

from core.imports import registry
from core.imports.pipeline import FORMULA_PREFIXES

FORMATS = ("csv", "xlsx")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def neutralise(value):
    """Prefix formula-like text with an apostrophe (OWASP CSV injection advice)."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


PROGRESS_EVERY = 1000


class UnknownFilter(ValueError):
    pass


def export_queryset(kind_name: str, filters: dict | None = None):
    """The records an export writes: all of the kind's, or those its resource's
    `filter_export_queryset(**filters)` picks (e.g. a ledger period)."""
    resource = registry.get_kind(kind_name).resource_class()
    if not filters:
        return resource.get_export_queryset()
    if not hasattr(resource, "filter_export_queryset"):
        raise UnknownFilter(f"{kind_name} cannot be filtered")
    return resource.filter_export_queryset(**filters)


def export_rows(
    kind_name: str, queryset=None, *, chunk_size: int = 2000, progress=None
):
    """Header row, then one list of cell values per record, read in chunks.

    A resource may offer `export_rows_fast(queryset)`: plain value rows read
    with values_list, for kinds exported by the million (the ledger)."""
    kind = registry.get_kind(kind_name)
    resource = kind.resource_class()
    qs = queryset if queryset is not None else resource.get_export_queryset()
    yield [field.column_name for field in resource.get_export_fields()]
    fast = getattr(resource, "export_rows_fast", None)
    rows = (
        fast(qs)
        if fast is not None
        else (resource.export_row(obj) for obj in qs.iterator(chunk_size=chunk_size))
    )
    for done, row in enumerate(rows, start=1):
        yield row
        if progress is not None and done % PROGRESS_EVERY == 0:
            progress(done)


def write_csv(rows, stream) -> int:
    """Write to a text stream; UTF-8 BOM so that Excel opens Chinese text right."""
    stream.write("\ufeff")
    writer = csv.writer(stream)
    count = -1
    cell = _csv_cell
    for row in rows:
        writer.writerow([cell(v) for v in row])
        count += 1
    return max(count, 0)


def _csv_cell(value):
    # The common types first, by exact type: this runs for every cell of a
    # million-row export.
    kind = type(value)
    if kind is str:
        return "'" + value if value.startswith(FORMULA_PREFIXES) else value
    if kind is int or kind is Decimal:
        return value
    if value is None:
        return ""
    if kind is bool:
        return "是" if value else "否"
    if isinstance(value, dt.datetime):
        return _csv_datetime(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return neutralise(value)


@functools.lru_cache(maxsize=4096)
def _csv_datetime(value: dt.datetime) -> str:
    # Rows reviewed in one bulk approval share their time: formatted once.
    return value.strftime("%Y-%m-%d %H:%M")


def values_rows(queryset, fields, *, chunk_size: int = 2000) -> Iterator[tuple]:
    """`queryset.values_list(*fields)` as tuples, read through a chunked
    cursor, each column's database converters (decimals, times) applied once
    per distinct raw value: a million ledger rows share a few amounts and
    review times, and Django's iterator converted every cell again."""
    qs = queryset.values_list(*fields)
    compiler = qs.query.get_compiler(using=qs.db)
    try:
        sql, params = compiler.as_sql()
    except EmptyResultSet:
        return
    expressions = [column for column, _sql, _alias in compiler.select]
    if len(expressions) != len(fields):
        raise ValueError("values_rows takes plain field paths")
    connection = connections[qs.db]
    converted = [
        (index, converters, expression, {})
        for index, (converters, expression) in compiler.get_converters(
            expressions
        ).items()
    ]
    with connection.chunked_cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(chunk_size):
            if not converted:
                yield from rows
                continue
            for raw_row in rows:
                row = list(raw_row)
                for index, converters, expression, seen in converted:
                    raw = row[index]
                    try:
                        row[index] = seen[raw]
                    except KeyError:
                        if len(seen) >= 4096:
                            seen.clear()
                        seen[raw] = row[index] = _convert(
                            raw, converters, expression, connection
                        )
                    except TypeError:  # an unhashable raw value: not remembered
                        row[index] = _convert(raw, converters, expression, connection)
                yield tuple(row)


def _convert(value, converters, expression, connection):
    for converter in converters:
        value = converter(value, expression, connection)
    return value


def write_xlsx(rows, stream, *, title: str = "export") -> int:
    """Write a workbook in write-only (streaming) mode. Text cells are stored as
    strings, so even '=HYPERLINK(…)' can never become a formula."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    count = -1
    try:
        for row in rows:
            cells = []
            for value in row:
                cell = WriteOnlyCell(sheet, value=_xlsx_value(value))
                if isinstance(value, str):
                    cell.data_type = "s"
                cells.append(cell)
            sheet.append(cells)
            count += 1
    except BaseException:
        _discard(sheet)
        raise
    workbook.save(stream)
    return max(count, 0)


def _discard(sheet) -> None:
    """Close and delete a write-only sheet's temporary file after a failure
    (openpyxl removes it only when the workbook is saved)."""
    sheet.close()
    sheet._writer.cleanup()


def _xlsx_value(value):
    if value is None:
        return None
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, int | float | Decimal | dt.date | dt.datetime):
        if isinstance(value, dt.datetime) and value.tzinfo is not None:
            from django.utils import timezone

            return timezone.localtime(value).replace(tzinfo=None)
        return value
    return str(value)


def write_export(
    kind_name: str, stream, fmt: str, queryset=None, *, progress=None
) -> int:
    """Write `kind_name` records to a binary stream in `fmt`; returns the row count.

    CSV and XLSX come from the kind's resource; other formats from the kind's
    own writer (e.g. GIFT for questions)."""
    writer = registry.get_kind(kind_name).writers.get(fmt)
    if writer is not None:
        return writer(stream, queryset)
    rows = export_rows(kind_name, queryset, progress=progress)
    if fmt == "xlsx":
        return write_xlsx(rows, stream, title=kind_name)
    import io

    text = io.TextIOWrapper(stream, encoding="utf-8", newline="")
    try:
        return write_csv(rows, text)
    finally:
        text.flush()
        text.detach()


def write_export_file(kind_name: str, path: Path, fmt: str, queryset=None) -> int:
    """Write an export to `path` all or nothing; returns the row count.

    The rows go to a temporary file beside `path` that replaces it only once
    complete: a failure half-way (database gone, disk full, a bad row) leaves no
    half-written file that looks like an export, and an older file at `path`
    as it was."""
    path = Path(path)
    handle, temporary = tempfile.mkstemp(
        dir=path.parent, prefix=f".{path.name}.", suffix=".part"
    )
    try:
        with os.fdopen(handle, "wb") as stream:
            count = write_export(kind_name, stream, fmt, queryset)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return count
