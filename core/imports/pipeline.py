"""The one import path every record kind takes (admin screen, command, task).

read file -> map headers -> check required cells and duplicate keys across the
whole file -> import in chunks through the kind's resource inside one transaction
-> roll back if any row is bad or this is a dry run.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from itertools import islice

import tablib
from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS
from django.db import transaction
from django.utils.translation import gettext as _
from import_export.results import RowResult

from core.imports import registry
from core.imports.reading import FileRejected, read_table
from core.imports.report import Change, ImportReport

ROW_NUMBER = "__row"
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

Progress = Callable[[int, int], None]


class _ChunkFailed(Exception):
    """A database error inside a chunk: roll back its savepoint and stop."""


def run_import(
    kind_name: str,
    data: bytes,
    *,
    filename: str = "",
    dry_run: bool = False,
    progress: Progress | None = None,
) -> ImportReport:
    """Import `data` as records of `kind_name`. Writes everything or nothing."""
    kind = registry.get_kind(kind_name)
    report = ImportReport(kind=kind.name, filename=filename, dry_run=dry_run)
    started = time.perf_counter()
    try:
        _run(kind, data, filename, report, progress)
    except FileRejected as exc:
        report.add_error(None, "", exc.message)
    report.seconds = round(time.perf_counter() - started, 3)
    return report


def _run(kind, data, filename, report, progress):
    table = read_table(
        data,
        filename,
        max_bytes=settings.IMPORT_MAX_UPLOAD_BYTES,
        readers=kind.readers,
    )
    report.encoding = table.encoding
    report.format = table.format
    report.warnings += [str(w) for w in table.warnings]
    report.skipped += table.skipped
    # Records the reader could not make into rows: the file fails, but its rows
    # are still checked so that every problem is reported at once.
    report.errors += table.errors
    errors_before = len(report.errors)
    positions, labels = _map_headers(kind, table.headers, report)
    if len(report.errors) > errors_before:
        return
    keys = list(positions)
    spreadsheet = table.is_spreadsheet
    excluded, total = _check_rows(kind, table, positions, labels, report)
    report.total_rows = total
    chunk_rows = (
        kind.chunk_rows if kind.chunk_rows is not None else settings.IMPORT_CHUNK_ROWS
    )
    resource = kind.resource_class()

    def import_rows():
        for number, cells in table.rows():
            if number not in excluded:
                yield (
                    number,
                    [_cell(cells, positions[key], spreadsheet) for key in keys],
                )

    done = len(excluded)
    with transaction.atomic():
        rows = import_rows()
        while True:
            chunk = list(islice(rows, chunk_rows)) if chunk_rows else list(rows)
            if not chunk:
                break
            try:
                with transaction.atomic():
                    _import_chunk(resource, kind, keys, labels, chunk, report)
            except _ChunkFailed:
                break
            done += len(chunk)
            if progress:
                progress(done, total)
            if not chunk_rows:
                break
        for error in resource.file_errors:
            report.errors.append(error)
        report.warnings += [str(w) for w in resource.file_warnings]
        report.invalid_rows = len({e.row for e in report.errors if e.row is not None})
        if report.errors or report.dry_run:
            transaction.set_rollback(True)
        else:
            report.committed = True
            transaction.on_commit(resource.after_commit)


def _normalise_header(text: str) -> str:
    text = str(text or "").strip().rstrip("*＊").strip().lower()
    return text.replace(" ", "_").replace("-", "_")


def _map_headers(kind, headers, report):
    """Column key -> position in the file; key -> the header as the file spells it."""
    aliases = {_normalise_header(k): v for k, v in kind.header_aliases().items()}
    positions: dict[str, int] = {}
    labels: dict[str, str] = {}
    for index, header in enumerate(headers):
        if not str(header).strip():
            continue
        key = aliases.get(_normalise_header(header))
        if key is None:
            report.warnings.append(
                _("The column “%(header)s” is not recognised and was ignored.")
                % {"header": header}
            )
            continue
        if key in positions:
            report.add_error(
                1,
                header,
                _("The column “%(header)s” appears twice (as “%(first)s” too).")
                % {"header": header, "first": labels[key]},
            )
            continue
        positions[key] = index
        labels[key] = str(header).strip()
    missing = [c for c in kind.columns if c.required and c.key not in positions]
    if missing:
        names = "、".join(f"{c.label_zh} ({c.key})" for c in missing)
        report.add_error(
            1, "", _("Required columns are missing: %(columns)s.") % {"columns": names}
        )
    return positions, labels


def _cell(cells, position, spreadsheet=True):
    value = cells[position] if position < len(cells) else ""
    # Undo the apostrophe our exports put before formula-like text.
    if (
        spreadsheet
        and isinstance(value, str)
        and len(value) > 1
        and value[0] == "'"
        and value[1] in FORMULA_PREFIXES
    ):
        return value[1:]
    return value


def _is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _check_rows(kind, table, positions, labels, report):
    """Required cells and duplicate natural keys over the whole file.

    Returns the row numbers that failed (kept out of the import pass, which would
    only repeat their errors) and the number of data rows.
    """
    spreadsheet = table.is_spreadsheet
    required = [c.key for c in kind.columns if c.required and c.key in positions]
    key_position = positions.get(kind.natural_key)
    seen: dict[str, int] = {}
    excluded: set[int] = set()
    total = 0
    for number, cells in table.rows():
        total += 1
        for key in required:
            if _is_blank(_cell(cells, positions[key], spreadsheet)):
                report.add_error(number, labels[key], _("This cell is required."))
                excluded.add(number)
        if key_position is None:
            continue
        value = _cell(cells, key_position, spreadsheet)
        if _is_blank(value):
            continue
        natural = str(value).strip()
        if isinstance(value, float) and value.is_integer():
            natural = str(int(value))
        identity = natural
        if kind.row_key is not None:
            identity = kind.row_key(
                {k: _cell(cells, p, spreadsheet) for k, p in positions.items()}
            )
        first = seen.setdefault(identity, number)
        if first != number:
            report.add_error(
                number,
                labels[kind.natural_key],
                _("“%(value)s” already appears in row %(first)s of this file.")
                % {"value": natural, "first": first},
            )
            excluded.add(number)
    return excluded, total


def _import_chunk(resource, kind, keys, labels, chunk, report):
    numbers = [number for number, _cells in chunk]
    dataset = tablib.Dataset(headers=[*keys, ROW_NUMBER])
    for number, cells in chunk:
        dataset.append([*cells, number])
    result = resource.import_data(
        dataset,
        dry_run=False,
        raise_errors=False,
        use_transactions=False,
        retain_instance_in_row_result=True,
    )
    column_of = {
        field.attribute: field.column_name
        for field in resource.get_import_fields()
        if field.attribute
    }

    report.new += result.totals.get(RowResult.IMPORT_TYPE_NEW, 0)
    report.updated += result.totals.get(RowResult.IMPORT_TYPE_UPDATE, 0)
    report.unchanged += result.totals.get(RowResult.IMPORT_TYPE_SKIP, 0)

    for invalid in result.invalid_rows:
        number = numbers[invalid.number - 1]
        for attribute, messages in invalid.error_dict.items():
            column = ""
            if attribute != NON_FIELD_ERRORS:
                key = column_of.get(attribute, attribute)
                column = labels.get(key, key)
            for message in messages:
                report.add_error(number, column, message)

    failed = False
    for index, errors in result.row_errors():
        for error in errors:
            report.add_error(numbers[index - 1], "", _describe(error.error))
        failed = True
    for error in result.base_errors:
        report.add_error(None, "", _describe(error.error))
        failed = True
    if failed:
        raise _ChunkFailed

    if len(report.changes) < 200:
        _sample_changes(resource, kind, result, numbers, report)


def _describe(error) -> str:
    return _("The record could not be saved (%(error)s).") % {
        "error": f"{type(error).__name__}: {error}"
    }


def _sample_changes(resource, kind, result, numbers, report):
    fields = [f for f in resource.get_import_fields() if f.column_name != ROW_NUMBER]
    for row_result in result.rows:
        if row_result.import_type not in (
            RowResult.IMPORT_TYPE_NEW,
            RowResult.IMPORT_TYPE_UPDATE,
        ):
            continue
        instance = row_result.instance
        if instance is None:
            continue
        before = dict(
            zip(
                resource.get_import_fields(),
                getattr(instance, "_import_original", ()),
                strict=False,
            )
        )
        changed = {}
        for field in fields:
            new_value = _render(field, instance)
            old_value = _render_value(field, before[field]) if field in before else ""
            # A new record lists the values it gets; empty ones say nothing.
            if old_value != new_value or (
                row_result.import_type == RowResult.IMPORT_TYPE_NEW and new_value
            ):
                changed[field.column_name] = [old_value, new_value]
        key_field = next((f for f in fields if f.column_name == kind.natural_key), None)
        report.add_change(
            Change(
                row=getattr(row_result, "file_row", 0),
                kind="new"
                if row_result.import_type == RowResult.IMPORT_TYPE_NEW
                else "update",
                key=_render(key_field, instance) if key_field else "",
                fields=changed,
            )
        )
        if len(report.changes) >= 200:
            return


def _render_value(field, value) -> str:
    try:
        rendered = field.widget.render(value)
    except Exception:
        return ""
    return "" if rendered is None else str(rendered)


def _render(field, obj) -> str:
    try:
        value = field.export(obj)
    except Exception:  # a half-built instance of a failed row
        return ""
    return "" if value is None else str(value)
