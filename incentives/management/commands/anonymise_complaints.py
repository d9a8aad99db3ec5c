"""manage.py anonymise_complaints [--dry-run] [--background]: replace the
customer's details in complaints closed longer ago than
COMPLAINT_RETENTION_DAYS. Run daily (cron or a systemd timer); running it again
changes nothing."""

from django.core.management.base import BaseCommand

from incentives import tasks_retention
from incentives.services import retention


class Command(BaseCommand):
    help = (
        "Anonymise complaints closed longer ago than the retention period "
        "(COMPLAINT_RETENTION_DAYS)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="List what would be anonymised and change nothing.",
        )
        parser.add_argument(
            "--background",
            action="store_true",
            help="Queue the work as a background task instead of running it here.",
        )

    def handle(self, *args, dry_run, background, **options):
        if background and not dry_run:
            result = tasks_retention.anonymise_expired_complaints.enqueue()
            self.stdout.write(f"Queued task {result.id}.")
            return
        report = retention.complaints_anonymise_expired(dry_run=dry_run)
        closed_before = report.closed_before.strftime("%Y-%m-%d %H:%M")
        if dry_run:
            self.stdout.write(
                f"Dry run: {report.count} complaints closed before {closed_before} "
                f"(retention {report.retention_days} days) would be anonymised."
            )
            for reference in report.references:
                self.stdout.write(f"  {reference}")
            return
        self.stdout.write(
            f"Anonymised {report.count} complaints closed before {closed_before} "
            f"(retention {report.retention_days} days)."
        )
