"""manage.py send_reminders [--days N] [--background]: e-mail learners whose
courses are due within N days or overdue, and each manager one digest. Safe to
run as often as you like: nobody gets the same reminder twice a day."""

from django.core.management.base import BaseCommand, CommandError

from training import services, tasks


class Command(BaseCommand):
    help = "E-mail learners with courses due soon or overdue, and managers a digest."

    def add_arguments(self, parser):
        parser.add_argument(
            "--days",
            type=int,
            default=3,
            help="Remind of courses due within this many days (default 3).",
        )
        parser.add_argument(
            "--background",
            action="store_true",
            help="Queue the work as a background task instead of running it here.",
        )

    def handle(self, *args, days, background, **options):
        if days < 0:
            raise CommandError("--days must be 0 or more.")
        if background:
            result = tasks.send_reminders.enqueue(days=days)
            self.stdout.write(f"Queued task {result.id}.")
            return
        report = services.reminders_send(days=days)
        self.stdout.write(
            f"Reminders sent: {report.learners} learners, {report.managers} "
            f"managers; {report.skipped} already sent today."
        )
