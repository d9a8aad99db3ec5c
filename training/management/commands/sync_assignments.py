"""manage.py sync_assignments: assign mandatory courses to their audiences and
create recertification cycles that have come due. Run it daily (cron or a
scheduled task) next to send_reminders."""

from django.core.management.base import BaseCommand

from training import services


class Command(BaseCommand):
    help = "Assign courses to their audiences and recertify where a cycle is due."

    def handle(self, *args, **options):
        result = services.assignments_sync_all()
        self.stdout.write(
            f"Assigned {result['assigned']}; recertification cycles "
            f"{result['recertified']}."
        )
