"""manage.py export_data KIND -o FILE [--format csv|xlsx]

The columns are those of import_data, so exporting and importing again changes
nothing.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from core.audit import audit_record
from core.exports import UnknownFilter, export_queryset, write_export_file
from core.imports import registry
from core.models import AuditEvent


class Command(BaseCommand):
    help = "Export records in the import format (CSV or XLSX)."

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=registry.kind_names())
        parser.add_argument("-o", "--output", type=Path, required=True)
        parser.add_argument("--format", choices=("csv", "xlsx", "gift"))
        parser.add_argument("--period", help="Ledger period, e.g. 2026-11 or 2026-Q4.")
        parser.add_argument("--status", help="Ledger entry status.")

    def handle(self, *args, kind, output, format=None, **options):
        fmt = format or output.suffix.lstrip(".").lower() or "csv"
        record_kind = registry.get_kind(kind)
        if fmt not in record_kind.export_formats:
            raise CommandError(
                f"{kind} cannot be exported as {fmt}; "
                f"choose one of: {', '.join(record_kind.export_formats)}"
            )
        filters = {k: options[k] for k in ("period", "status") if options.get(k)}
        queryset = None
        if filters:
            try:
                queryset = export_queryset(kind, filters)
            except UnknownFilter:
                raise CommandError(f"{kind} has no --period/--status filter") from None
            except ValueError as exc:
                raise CommandError(str(exc)) from None
        # All or nothing, and audited only once the file is complete.
        count = write_export_file(kind, output, fmt, queryset)
        audit_record(
            user=None,
            action=AuditEvent.Action.EXPORT,
            target_type=kind,
            detail={
                "format": fmt,
                "filters": filters,
                "rows": count,
                "command": "export_data",
                "output": str(output),
            },
        )
        self.stdout.write(f"{count} rows written to {output}")
