"""Taking a quiz, for the learner: start (from the quiz page), the take page,
autosave, submit, the result, and integrity events.

Every view finds the attempt by its public id among the learner's own, so
another learner's attempt is a 404. Nothing sent to the browser before
submission holds the answer key: the take page renders `learner_view` of the
snapshot, and the JSON endpoints answer only whether a save was written.
Everything else a client posts (scores, correctness, times) is never read.
"""

from __future__ import annotations

import json

from django.contrib import messages
from django.db import OperationalError
from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from org.selectors import staff_get_for_user
from quizzes import selectors
from quizzes.models import Attempt, QuizPage, learner_view
from quizzes.services import attempts as services

# Bodies larger than this are not an answer (a question has at most six choices).
MAX_JSON_BYTES = 4096


def _staff(request):
    staff = staff_get_for_user(request.user)
    if staff is None:
        raise Http404
    return staff


def _own_attempt(request, uuid) -> Attempt:
    staff = _staff(request)
    try:
        attempt = selectors.attempt_get_for_learner(uuid=uuid, staff=staff)
    except Attempt.DoesNotExist:
        raise Http404 from None
    attempt.staff = staff
    return attempt


def _json_body(request) -> dict:
    if len(request.body) > MAX_JSON_BYTES:
        return {}
    try:
        data = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        return {}
    return data if isinstance(data, dict) else {}


def _error(exc: services.AttemptError, status: int, **extra) -> JsonResponse:
    return JsonResponse(
        {"ok": False, "error": exc.code, "message": str(exc.message), **extra},
        status=status,
    )


def time_left_text(seconds: float) -> str:
    """Time left as the page's countdown shows it (attempt.js): "9:05",
    "1:02:03". Rendered by the server too, so the page reads the same before
    the script runs."""
    left = max(0, int(seconds))
    hours, rest = divmod(left, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}:{minutes:02d}:{secs:02d}"
    return f"{minutes}:{secs:02d}"


@require_POST
def attempt_start(request, quiz_id: int):
    """Start (or resume) an attempt at a live quiz, then show it."""
    quiz = get_object_or_404(QuizPage.objects.live(), pk=quiz_id)
    staff = _staff(request)
    try:
        attempt = services.attempt_start(staff=staff, quiz=quiz)
    except services.AttemptError as exc:
        messages.error(request, str(exc.message))
        return HttpResponseRedirect(quiz.get_url(request) or "/")
    return HttpResponseRedirect(
        reverse("quizzes:attempt_take", kwargs={"uuid": attempt.uuid})
    )


@never_cache
@require_GET
def attempt_take(request, uuid):
    """The attempt on one page; an ended attempt shows its result instead."""
    attempt = services.attempt_refresh(attempt=_own_attempt(request, uuid))
    if attempt.is_finished:
        return HttpResponseRedirect(
            reverse("quizzes:attempt_result", kwargs={"uuid": attempt.uuid})
        )
    deadline = services.attempt_deadline(attempt)
    now = timezone.now()
    selections = selectors.attempt_selections(attempt)
    questions = []
    for number, question in enumerate(attempt.questions, start=1):
        shown = learner_view(question)
        chosen = set(selections.get(question["key"], ()))
        shown["key"] = question["key"]
        shown["number"] = number
        shown["points"] = question["points"]
        shown["answered"] = bool(chosen)
        for choice in shown["choices"]:
            choice["checked"] = choice["id"] in chosen
        questions.append(shown)
    return render(
        request,
        "quizzes/attempt_take.html",
        {
            "attempt": attempt,
            "quiz": attempt.quiz,
            "questions": questions,
            "deadline": deadline,
            "time_left": deadline and time_left_text((deadline - now).total_seconds()),
            "server_now": now,
        },
    )


@require_POST
def answer_save(request, uuid):
    """Autosave of one question's selection (JSON in, JSON out)."""
    attempt = _own_attempt(request, uuid)
    data = _json_body(request)
    choices = data.get("choices")
    seq = data.get("seq")
    if not isinstance(choices, list) or not isinstance(data.get("question"), str):
        return JsonResponse(
            {"ok": False, "error": "bad_request", "message": _("Bad request.")},
            status=400,
        )
    if not isinstance(seq, int) or isinstance(seq, bool) or seq < 0:
        seq = None
    result_url = reverse("quizzes:attempt_result", kwargs={"uuid": attempt.uuid})
    try:
        written = services.answer_save(
            attempt=attempt,
            question_key=data["question"],
            choice_ids=choices,
            seq=seq,
        )
    except services.AttemptError as exc:
        if exc.code in {"ended", "too_late"}:
            return _error(exc, 409, result_url=result_url)
        return _error(exc, 400)
    except OperationalError:
        # The database is away (restart, failover): the page keeps the answer
        # and tries again.
        return JsonResponse(
            {
                "ok": False,
                "error": "unavailable",
                "message": _("The server could not save the answer. Retrying."),
            },
            status=503,
        )
    return JsonResponse({"ok": True, "written": written})


@require_POST
def attempt_submit(request, uuid):
    attempt = services.attempt_submit(attempt=_own_attempt(request, uuid))
    return HttpResponseRedirect(
        reverse("quizzes:attempt_result", kwargs={"uuid": attempt.uuid})
    )


@never_cache
@require_GET
def attempt_result(request, uuid):
    """Score always; the questions with the answer key when the quiz's
    feedback policy allows it."""
    attempt = services.attempt_refresh(attempt=_own_attempt(request, uuid))
    if not attempt.is_finished:
        return HttpResponseRedirect(
            reverse("quizzes:attempt_take", kwargs={"uuid": attempt.uuid})
        )
    now = timezone.now()
    has_passed = bool(attempt.passed) or (
        attempt.quiz.feedback_policy == QuizPage.FeedbackPolicy.AFTER_PASS
        and Attempt.objects.filter(
            staff=attempt.staff, quiz=attempt.quiz, passed=True
        ).exists()
    )
    visible = selectors.attempt_feedback_visible(
        attempt=attempt, has_passed=has_passed, now=now
    )
    return render(
        request,
        "quizzes/attempt_result.html",
        {
            "attempt": attempt,
            "quiz": attempt.quiz,
            "feedback_visible": visible,
            "questions": selectors.attempt_result_questions(attempt) if visible else [],
        },
    )


@require_POST
def integrity_event(request, uuid):
    """The page reports leaving, switching tabs or pasting (JSON)."""
    attempt = _own_attempt(request, uuid)
    data = _json_body(request)
    kind = data.get("kind")
    detail = data.get("detail")
    event = services.integrity_event_record(
        attempt=attempt,
        kind=kind if isinstance(kind, str) else "",
        detail=detail if isinstance(detail, str) else "",
    )
    return JsonResponse({"ok": True, "recorded": event is not None})
