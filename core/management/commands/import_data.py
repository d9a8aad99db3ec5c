"""manage.py import_data KIND FILE [--dry-run]

Exit status 0 when the file was imported (or would be, with --dry-run), 1 when any
row is invalid (nothing written); the report goes to stdout.
"""

import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from core.imports import registry
from core.imports.pipeline import run_import
from core.imports.reading import ERROR_TOO_LARGE


class Command(BaseCommand):
    help = "Import departments, staff, questions or complaints from CSV or XLSX."

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=registry.kind_names(importable=True))
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--dry-run", action="store_true", help="Check and report; write nothing."
        )
        parser.add_argument(
            "--format",
            choices=("csv", "xlsx", "gift"),
            help="Override the format guessed from the file's content and name.",
        )

    def handle(self, *args, kind, file, dry_run, format=None, **options):
        with translation.override(settings.LANGUAGE_CODE):
            return self._handle(kind, file, dry_run, format)

    def _handle(self, kind, file, dry_run, fmt):
        if not file.is_file():
            raise CommandError(f"{file}: no such file")
        limit = settings.IMPORT_MAX_UPLOAD_BYTES
        if file.stat().st_size > limit:
            # Refused before a byte is read: a 200 MB file never reaches memory.
            self.stdout.write(
                f"{file.name}: "
                + str(ERROR_TOO_LARGE % {"limit": limit // (1024 * 1024)})
            )
            sys.exit(1)
        data = file.read_bytes()
        filename = file.name
        if fmt:
            filename = f"{file.stem}.{fmt}"
        bar = None
        progress = None
        if sys.stderr.isatty():
            from tqdm import tqdm

            bar = tqdm(total=0, unit="rows", file=sys.stderr, leave=False)

            def progress(done, total):
                bar.total = total
                bar.n = done
                bar.refresh()

        try:
            report = run_import(
                kind, data, filename=filename, dry_run=dry_run, progress=progress
            )
        finally:
            if bar is not None:
                bar.close()
        self.stdout.write(f"{file.name}: {report.as_text()}")
        if not report.ok:
            sys.exit(1)
