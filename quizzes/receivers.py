"""Signal receivers of the quiz app: thin, each calls a service."""

from django.dispatch import receiver

from quizzes.models import Attempt
from quizzes.services import notebook
from quizzes.signals import attempt_submitted


@receiver(attempt_submitted, sender=Attempt, dispatch_uid="quizzes_notebook_submitted")
def record_attempt_in_notebook(sender, attempt, **kwargs):
    # Sent on commit; the service is idempotent, so a repeated signal is harmless.
    notebook.notebook_record_attempt(attempt=attempt)
