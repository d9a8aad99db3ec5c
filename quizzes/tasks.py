"""Background entry points (Django Tasks API) of the quiz engine, runnable by a
db_worker as well as by the management command."""

from django_tasks import task

from quizzes.services import attempts


@task()
def close_expired_attempts() -> dict[str, int]:
    return {"closed": attempts.attempts_close_expired()}
