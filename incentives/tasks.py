"""Background entry points of the incentives app (Django Tasks API)."""

from django_tasks import task


@task()
def evaluate_incentives(job_id: str) -> None:
    """Run a queued evaluation job (see services.evaluation.evaluation_job_create)."""
    from incentives.services.evaluation import evaluation_job_run

    evaluation_job_run(job_id=job_id)
