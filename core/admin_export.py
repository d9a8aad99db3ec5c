"""Safer spreadsheet downloads for Wagtail listings (`list_export`).

Wagtail's own CSV download writes text as it is, so a cell such as
`=HYPERLINK("http://evil.example","点击")` runs as a formula when the file is
opened in Excel, and it writes aware date-times in UTC. Mix this into an
IndexView (before Wagtail's classes) to get what core.exports gives the
`export_data` command: formula-like text made inert, local times, 是/否 for
booleans, numbers left as numbers, and a BOM so Excel reads UTF-8 Chinese.
"""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict

from django.utils import timezone
from wagtail.coreutils import multigetattr

from core.exports import neutralise
from core.imports.pipeline import FORMULA_PREFIXES

FORMAT_CSV = "csv"
FORMAT_XLSX = "xlsx"


class SafeSpreadsheetExportMixin:
    def to_row_dict(self, item):
        """Like Wagtail's, but a path through an empty relation gives an empty
        cell instead of an error."""
        row = OrderedDict()
        for field in self.list_export:
            try:
                row[field] = multigetattr(item, field)
            except (AttributeError, ValueError, TypeError, KeyError, IndexError):
                row[field] = None
        return row

    def preprocess_field_value(self, field, value, export_format):
        if isinstance(value, bool):
            return "是" if value else "否"
        if isinstance(value, dt.datetime):
            if timezone.is_aware(value):
                value = timezone.localtime(value).replace(tzinfo=None)
            if export_format == FORMAT_CSV:
                return value.strftime("%Y-%m-%d %H:%M")
            return value
        value = super().preprocess_field_value(field, value, export_format)
        if export_format == FORMAT_CSV and isinstance(value, str):
            return neutralise(value)
        return value

    def generate_xlsx_row(self, worksheet, row_dict, date_format=None):
        """Text is stored as text (never a formula), and text that looks like a
        formula is marked so that Excel keeps it as text even when edited."""
        for cell in super().generate_xlsx_row(worksheet, row_dict, date_format):
            if isinstance(cell.value, str):
                cell.data_type = "s"
                if cell.value.startswith(FORMULA_PREFIXES):
                    cell.quotePrefix = True
            yield cell

    def as_spreadsheet(self, queryset, spreadsheet_format):
        from core.audit import audit_export

        meta = queryset.model._meta
        audit_export(
            request=self.request,
            kind=f"{meta.app_label}.{meta.model_name}",
            fmt=spreadsheet_format,
            filters={k: v for k, v in self.request.GET.items() if k != "export"},
        )
        return super().as_spreadsheet(queryset, spreadsheet_format)

    def stream_csv(self, queryset):
        yield "\ufeff".encode()
        yield from super().stream_csv(queryset)
