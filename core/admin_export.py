"""Safer spreadsheet exports for Wagtail admin listings."""

from core.exports import neutralise


class SafeSpreadsheetExportMixin:
    """For an IndexView: CSV text that a spreadsheet would run as a formula is
    neutralised (Wagtail's XLSX export already stores such text as text), and the
    CSV starts with a UTF-8 BOM so that Excel shows Chinese correctly."""

    def preprocess_field_value(self, field, value, export_format):
        if isinstance(value, bool):
            return "是" if value else "否"
        value = super().preprocess_field_value(field, value, export_format)
        if export_format == self.FORMAT_CSV:
            return neutralise(value)
        return value

    def stream_csv(self, queryset):
        yield "\ufeff"
        yield from super().stream_csv(queryset)
