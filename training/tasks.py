"""Background entry points (Django Tasks API): the daily training jobs, runnable
by a db_worker as well as by the management commands."""

from django_tasks import task

from training import services


@task()
def send_reminders(days: int = 3) -> dict[str, int]:
    report = services.reminders_send(days=days)
    return {
        "learners": report.learners,
        "managers": report.managers,
        "skipped": report.skipped,
    }


@task()
def sync_assignments() -> dict[str, int]:
    return services.assignments_sync_all()
