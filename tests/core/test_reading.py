"""Reading files: formats and encodings banks really send, refused with reasons."""

import codecs
import datetime as dt
import io
import zipfile

import pytest
from openpyxl import Workbook

from core.imports import reading
from core.imports.reading import FileRejected, decode_text, read_table


def rows(table):
    return list(table.rows())


def test_utf8_csv_with_row_numbers_skipping_blank_lines():
    table = read_table(b"a,b\n1,2\n\n3,4\n")
    assert table.headers == ["a", "b"]
    assert rows(table) == [(2, ["1", "2"]), (4, ["3", "4"])]
    assert table.encoding == "utf-8"


@pytest.mark.parametrize(
    "data, encoding",
    [
        (codecs.BOM_UTF8 + "工号\n张三\n".encode(), "utf-8-sig"),
        ("工号\n张三\n".encode("gb18030"), "gb18030"),
        ("工号\n张三\n".encode("gbk"), "gb18030"),
        ("工号\n张三\n".encode("utf-16"), "utf-16"),
    ],
)
def test_encodings(data, encoding):
    text, detected = decode_text(data)
    assert text == "工号\n张三\n"
    assert detected == encoding


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_without_bom(encoding):
    text = "工号,入职日期\n100001,2020-01-01\n100002,2021-02-03\n"
    decoded, detected = decode_text(text.encode(encoding))
    assert decoded == text
    assert detected == encoding


def test_gb18030_characters_outside_gbk():
    # 𠀀 (U+20000) exists only in GB18030's four-byte range.
    text, encoding = decode_text("姓名\n王𠀀\n李四\n张三\n".encode("gb18030"))
    assert "王𠀀" in text and encoding == "gb18030"


def test_tab_separated_unicode_text_from_excel():
    table = read_table("工号\t姓名\n1\t张三\n".encode("utf-16"))
    assert table.headers == ["工号", "姓名"]
    assert rows(table) == [(2, ["1", "张三"])]


@pytest.mark.parametrize(
    "data, message",
    [
        (b"", reading.ERROR_EMPTY),
        (b"   \n", reading.ERROR_EMPTY),
        (b"employee_no,name\n100001,\x00abc\n100002,def\n", reading.ERROR_NUL_BYTES),
        ("工號\n張三豐櫃員".encode("big5"), reading.ERROR_UNKNOWN_ENCODING),
        (b"\x89PNG\r\n\x1a\n....", reading.ERROR_NOT_TABULAR),
    ],
)
def test_refusals(data, message):
    with pytest.raises(FileRejected) as excinfo:
        read_table(data)
    assert excinfo.value.message == message


def test_no_header_row():
    with pytest.raises(FileRejected) as excinfo:
        read_table(b",,\n1,2,3\n")
    assert excinfo.value.message == reading.ERROR_NO_HEADER


def test_malformed_csv_names_the_row():
    with pytest.raises(FileRejected) as excinfo:
        rows(read_table(b'a,b\n1,2\n"unterminated,3\n4,5'))
    assert "Row" in str(excinfo.value.message) or "行" in str(excinfo.value.message)


def test_size_limit_before_reading():
    with pytest.raises(FileRejected) as excinfo:
        read_table(b"a\n" + b"x\n" * 100, max_bytes=10)
    assert excinfo.value.message == reading.ERROR_TOO_LARGE % {"limit": 0}


def _xlsx(rows_, **extra_files) -> bytes:
    workbook = Workbook()
    for row in rows_:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    if not extra_files:
        return buffer.getvalue()
    out = io.BytesIO()
    with zipfile.ZipFile(buffer) as source, zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            target.writestr(item, source.read(item.filename))
        for name, content in extra_files.items():
            target.writestr(name, content)
    return out.getvalue()


def test_xlsx_keeps_typed_cells_and_drops_blank_rows():
    data = _xlsx(
        [
            ["工号", "入职日期", None],
            [100001, dt.datetime(2020, 3, 1), None],
            [None, None, None],
            ["100002", "2021-01-01", None],
        ]
    )
    table = read_table(data, "staff.xlsx")
    assert table.headers == ["工号", "入职日期"]
    assert rows(table) == [
        (2, [100001, dt.datetime(2020, 3, 1)]),
        (4, ["100002", "2021-01-01"]),
    ]


def test_xlsx_formulas_are_never_evaluated():
    workbook = Workbook()
    workbook.active.append(["name"])
    workbook.active.append(["=1+1"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    # openpyxl writes no cached value: the formula's result is unknown, and we
    # must not run it ourselves.
    assert rows(read_table(buffer.getvalue(), "f.xlsx")) == []


def test_macro_enabled_workbook_is_refused():
    data = _xlsx([["a"], [1]], **{"xl/vbaProject.bin": b"macro"})
    with pytest.raises(FileRejected) as excinfo:
        read_table(data, "book.xlsx")
    assert excinfo.value.message == reading.ERROR_NOT_TABULAR


def test_zip_that_is_not_a_workbook_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w/>")
    with pytest.raises(FileRejected) as excinfo:
        read_table(buffer.getvalue(), "letter.docx")
    assert excinfo.value.message == reading.ERROR_NOT_TABULAR


def test_zip_bomb_is_refused_by_declared_size(monkeypatch):
    monkeypatch.setattr(reading, "XLSX_MAX_EXPANDED_BYTES", 1000)
    data = _xlsx([["a"]] + [["x" * 50] for _ in range(100)])
    with pytest.raises(FileRejected) as excinfo:
        read_table(data, "big.xlsx")
    assert excinfo.value.message == reading.ERROR_XLSX_TOO_BIG % {"limit": 0}
