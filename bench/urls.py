"""The app's URLs plus the baseline of the page benchmarks: a bare view behind
the same middleware, on the same server. Used only by bench processes
(DJANGO_ROOT_URLCONF=bench.urls); production never routes to it."""

from decimal import Decimal

from django.contrib.auth.decorators import login_not_required
from django.db import transaction
from django.http import Http404, HttpResponse
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_POST

from config.urls import urlpatterns as app_urlpatterns


@login_not_required
def bare(request):
    return HttpResponse(b"ok", content_type="text/plain")


@require_POST
def plain_submit(request, quiz_id: int):
    """Baseline of bench/quiz_submit.py: what any submit must at least write,
    one ended attempt and twenty answer rows, for the logged-in learner."""
    from org.selectors import staff_get_for_user
    from quizzes.models import Attempt, AttemptAnswer

    staff = staff_get_for_user(request.user)
    if staff is None:
        raise Http404
    now = timezone.now()
    with transaction.atomic():
        number = Attempt.objects.filter(staff=staff, quiz_id=quiz_id).count() + 1
        attempt = Attempt.objects.create(
            staff=staff,
            quiz_id=quiz_id,
            number=number,
            max_attempts=32767,
            status=Attempt.Status.SUBMITTED,
            started_at=now,
            submitted_at=now,
            pass_mark=60,
            score=Decimal(20),
            max_score=Decimal(20),
            percent=Decimal(100),
            passed=True,
        )
        AttemptAnswer.objects.bulk_create(
            AttemptAnswer(
                attempt=attempt,
                question_key=f"q{n}",
                selected=[n],
                saved_at=now,
                correct=True,
                points=Decimal(1),
            )
            for n in range(20)
        )
    return HttpResponse(b"ok", content_type="text/plain")


urlpatterns = [
    path("bench/bare", bare),
    path("bench/plain-submit/<int:quiz_id>", plain_submit),
    *app_urlpatterns,
]
