"""The ledger export: `export_data ledger` and HR's download buttons.

Rows are read with `core.exports.values_rows` in chunks through a cursor, so a
million entries stream through in flat memory; text that a spreadsheet would
run as a formula is made inert by core.exports, numbers stay numbers.
"""

from __future__ import annotations

import io
import tempfile

from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy

from core.exports import CONTENT_TYPES, values_rows, write_csv, write_xlsx
from core.imports.registry import Column, RecordKind
from incentives.models import LedgerEntry

CHUNK_ROWS = 2000

# (column key, Chinese label, values_list path)
LEDGER_COLUMNS = (
    ("id", "编号", "pk"),
    ("period", "期间", "period"),
    ("employee_no", "工号", "staff__employee_no"),
    ("name", "姓名", "staff__name"),
    ("department", "部门", "staff__department__name"),
    ("kind", "类型", "kind"),
    ("points", "积分", "points"),
    ("amount", "金额", "amount"),
    ("rule", "规则", "rule_version__rule__code"),
    ("reason", "事由", "reason"),
    ("status", "状态", "status"),
    ("reviewed_by", "审核人", "reviewed_by__username"),
    ("reviewed_at", "审核时间", "reviewed_at"),
)
HEADER = [key for key, _label, _path in LEDGER_COLUMNS]
PATHS = [path for _key, _label, path in LEDGER_COLUMNS]
REVIEWED_AT = HEADER.index("reviewed_at")
RULE = HEADER.index("rule")


class LedgerExportResource:
    """What `export_data` asks of a kind's resource: the default queryset and
    the --period/--status filters. Rows are written by the kind's writers."""

    def get_export_queryset(self):
        return LedgerEntry.objects.all()

    def filter_export_queryset(self, *, period: str = "", status: str = ""):
        qs = self.get_export_queryset()
        if period:
            qs = qs.filter(period=period)
        if status:
            qs = qs.filter(status=status)
        return qs


def ledger_rows(queryset=None, *, chunk_size: int = CHUNK_ROWS):
    """Header row, then one list per entry, oldest first."""
    qs = queryset if queryset is not None else LedgerEntry.objects.all()
    yield list(HEADER)
    zone = timezone.get_current_timezone()
    last_reviewed = last_local = None
    for row in values_rows(qs.order_by("pk"), PATHS, chunk_size=chunk_size):
        row = list(row)
        reviewed_at = row[REVIEWED_AT]
        if reviewed_at is not None:
            # Local time, as HR reads it (the CSV writer formats naive values);
            # entries approved together share it, so it is converted once.
            if reviewed_at != last_reviewed:
                last_reviewed = reviewed_at
                last_local = reviewed_at.astimezone(zone).replace(tzinfo=None)
            row[REVIEWED_AT] = last_local
        if row[RULE] is None:
            row[RULE] = ""
        yield row


def write_ledger_csv(stream, queryset=None) -> int:
    text = io.TextIOWrapper(stream, encoding="utf-8", newline="")
    try:
        return write_csv(ledger_rows(queryset), text)
    finally:
        text.flush()
        text.detach()


def write_ledger_xlsx(stream, queryset=None) -> int:
    return write_xlsx(ledger_rows(queryset), stream, title="ledger")


def _csv_chunks(queryset, *, batch_rows: int = 500):
    """CSV bytes a few hundred rows at a time, for a streaming response."""
    batch: list = []
    first = True
    for row in ledger_rows(queryset):
        batch.append(row)
        if len(batch) >= batch_rows:
            yield _render_batch(batch, with_bom=first)
            first = False
            batch = []
    if batch:
        yield _render_batch(batch, with_bom=first)


def _render_batch(rows, *, with_bom: bool) -> bytes:
    text = io.StringIO()
    write_csv(rows, text)  # starts with a BOM: kept for the first batch only
    value = text.getvalue()
    if not with_bom:
        value = value.removeprefix("\ufeff")
    return value.encode("utf-8")


def ledger_download(queryset, fmt: str, *, filename: str = "ledger"):
    """An HTTP response with the entries of `queryset` as CSV (streamed) or
    XLSX (written to a temporary file, then streamed from it)."""
    stamp = timezone.localdate().isoformat()
    name = f"{filename}-{stamp}.{fmt}"
    if fmt == "csv":
        response = StreamingHttpResponse(
            _csv_chunks(queryset), content_type=CONTENT_TYPES["csv"]
        )
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
    spool = tempfile.TemporaryFile()  # noqa: SIM115 -- FileResponse closes it
    write_ledger_xlsx(spool, queryset)
    spool.seek(0)
    return FileResponse(
        spool, as_attachment=True, filename=name, content_type=CONTENT_TYPES["xlsx"]
    )


def register_ledger_kind(register) -> None:
    register(
        RecordKind(
            name="ledger",
            label=gettext_lazy("Ledger entries"),
            model_label="incentives.LedgerEntry",
            resource_class=LedgerExportResource,
            columns=tuple(Column(key, label) for key, label, _path in LEDGER_COLUMNS),
            natural_key="id",
            importable=False,
            writers={"csv": write_ledger_csv, "xlsx": write_ledger_xlsx},
        )
    )
