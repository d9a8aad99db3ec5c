"""core.admin_export: Wagtail list exports made as safe as `export_data`."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from decimal import Decimal
from types import SimpleNamespace

from django.utils import timezone
from openpyxl import load_workbook
from wagtail.admin.views.mixins import SpreadsheetExportMixin

from core.admin_export import SafeSpreadsheetExportMixin


class ExportView(SafeSpreadsheetExportMixin, SpreadsheetExportMixin):
    list_export = ["text", "amount", "price", "flag", "when", "owner.name"]


ROW = SimpleNamespace(
    text='=HYPERLINK("http://evil.example","x")',
    amount=-5,
    price=Decimal("-12.50"),
    flag=True,
    when=dt.datetime(2026, 10, 3, 1, 12, tzinfo=dt.UTC),
    owner=None,
)


class FakeQuerySet(list):
    model = None


def test_csv_cells_are_inert_and_amounts_stay_numbers():
    view = ExportView()
    cells = {
        field: view.preprocess_field_value(field, value, "csv")
        for field, value in view.to_row_dict(ROW).items()
    }
    assert cells == {
        "text": "'" + ROW.text,
        "amount": -5,
        "price": Decimal("-12.50"),
        "flag": "是",
        "when": "2026-10-03 09:12",  # Asia/Shanghai
        "owner.name": None,
    }
    assert view.preprocess_field_value("text", "-1+1", "csv") == "'-1+1"
    assert view.preprocess_field_value("text", "正常文字", "csv") == "正常文字"


def test_csv_stream_starts_with_a_bom():
    view = ExportView()
    chunks = list(view.stream_csv(FakeQuerySet([ROW])))
    assert chunks[0] == "\ufeff".encode()
    assert b"'=HYPERLINK" in b"".join(chunks)


def test_xlsx_text_is_never_a_formula_and_numbers_stay_numbers():
    view = ExportView()
    buffer = io.BytesIO()
    view.write_xlsx(FakeQuerySet([ROW]), buffer)
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as archive:
        assert "<f>" not in archive.read("xl/worksheets/sheet1.xml").decode()
    sheet = load_workbook(io.BytesIO(buffer.getvalue())).active
    text, amount, price, flag, when, owner = next(sheet.iter_rows(min_row=2))
    assert (text.value, text.data_type, text.quotePrefix) == (ROW.text, "s", True)
    assert (amount.value, amount.data_type) == (-5, "n")
    assert (price.value, price.data_type) == (-12.5, "n")
    assert flag.value == "是"
    assert when.value == timezone.localtime(ROW.when).replace(tzinfo=None)
    assert owner.value is None
