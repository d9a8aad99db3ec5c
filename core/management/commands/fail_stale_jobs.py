"""manage.py fail_stale_jobs: mark jobs whose worker died as failed (run it
every few minutes, or let the job pages do it when they are opened)."""

from django.core.management.base import BaseCommand

from core.jobs import job_fail_stale


class Command(BaseCommand):
    help = "Mark as failed the background jobs that have been running too long."

    def handle(self, *args, **options):
        count = job_fail_stale()
        self.stdout.write(f"{count} stale jobs marked failed")
