"""manage.py close_expired_attempts [--background]: close every attempt left
open past its deadline (plus the grace), with the answers saved in time. Run it
every few minutes; pages also close such attempts when they are next opened."""

from django.core.management.base import BaseCommand

from quizzes import tasks
from quizzes.services import attempts


class Command(BaseCommand):
    help = "Close quiz attempts left open past their deadline."

    def add_arguments(self, parser):
        parser.add_argument(
            "--background",
            action="store_true",
            help="Queue the work as a background task instead of running it here.",
        )

    def handle(self, *args, background, **options):
        if background:
            result = tasks.close_expired_attempts.enqueue()
            self.stdout.write(f"Queued task {result.id}.")
            return
        closed = attempts.attempts_close_expired()
        self.stdout.write(f"Attempts closed: {closed}.")
