"""Background entry points (Django Tasks API). Immediate backend by default;
django-tasks-db workers in production."""

from django_tasks import task

from core import jobs


@task()
def run_job(job_id: str) -> None:
    jobs.job_run(job_id=job_id)
