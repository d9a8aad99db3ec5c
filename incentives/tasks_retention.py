"""Background entry point (Django Tasks API) for the daily retention run, so a
db_worker can do it as well as the `anonymise_complaints` command."""

from django_tasks import task

from incentives.services import retention


@task()
def anonymise_expired_complaints() -> dict[str, int]:
    report = retention.complaints_anonymise_expired()
    return {"anonymised": report.count, "retention_days": report.retention_days}
