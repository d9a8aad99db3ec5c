"""manage.py evaluate_incentives --period 2026-11 | 2026-Q4 [--dry-run]

Posts the period's pending ledger entries (or, with --dry-run, lists them and
writes nothing). Exit status 1 with a readable message on a bad period.
"""

import sys

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand
from django.utils import translation

from incentives.services.evaluation import evaluate_period


class Command(BaseCommand):
    help = "Evaluate the incentive rules for a month (2026-11) or quarter (2026-Q4)."

    def add_arguments(self, parser):
        parser.add_argument("--period", required=True, help="2026-11 or 2026-Q4")
        parser.add_argument(
            "--dry-run", action="store_true", help="List the entries; write nothing."
        )

    def handle(self, *args, period, dry_run, **options):
        with translation.override(settings.LANGUAGE_CODE):
            try:
                result = evaluate_period(period, dry_run=dry_run)
            except ValidationError as exc:
                self.stdout.write(" ".join(exc.messages))
                sys.exit(1)
            write = self.stdout.write
            for candidate in result.candidates:
                mark = "=" if candidate.already_posted else "+"
                write(
                    f"{mark} {candidate.posting_key}\t{candidate.points:+d}\t"
                    f"{candidate.amount:+.2f}\t{candidate.reason}"
                )
            summary = translation.gettext(
                "%(period)s: %(found)s entries found, %(new)s new, "
                "%(posted)s already posted."
            ) % {
                "period": result.period,
                "found": len(result.candidates),
                "new": len(result.new) if dry_run else result.created,
                "posted": len(result.candidates)
                - (len(result.new) if dry_run else result.created),
            }
            if dry_run:
                summary += " " + translation.gettext("Dry run: nothing was written.")
            write(summary)
