"""The learner's wrong-answer notebook (错题本): the open questions grouped by
law and article, and a practice mode that shows one question at a time,
checks the answer on the server and then shows the key, the explanation and
the source. Practice never counts toward an attempt or a score.

Before the learner answers, the page holds only the stem and the choices'
text (`learner_view`): no correct flags, feedback or explanation. The result
is kept in the session and shown after a redirect, so reloading it never
counts a practice answer twice. Another learner's entries are 404.
"""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_http_methods

from org.selectors import staff_get_for_user
from quizzes import stats
from quizzes.models import CHOICE_LETTERS, NotebookEntry, Question, learner_view
from quizzes.services import notebook

SESSION_RESULT = "quizzes_notebook_result"


def _staff_or_404(request):
    staff = staff_get_for_user(request.user)
    if staff is None:
        raise Http404
    return staff


def _law_param(request) -> str | None:
    law = request.GET.get("law")
    return law if law else None


def _practice_url(pk: int, law: str | None, name: str = "notebook_practice") -> str:
    url = reverse(f"quizzes:{name}", args=[pk])
    return f"{url}?{urlencode({'law': law})}" if law else url


@require_GET
def notebook_index(request):
    staff = _staff_or_404(request)
    laws = stats.notebook_by_law(staff_id=staff.pk)
    return render(
        request,
        "quizzes/notebook.html",
        {"laws": laws, "open_count": sum(law.count for law in laws)},
    )


@require_GET
def notebook_practice_next(request):
    """Go to the next question to practise (of one law, if given)."""
    staff = _staff_or_404(request)
    law = _law_param(request)
    entry = stats.notebook_next_entry(staff_id=staff.pk, law_name=law)
    if entry is None:
        return render(request, "quizzes/notebook_empty.html", {"law": law})
    return redirect(_practice_url(entry.pk, law))


def _own_entry(request, pk: int) -> NotebookEntry:
    staff = _staff_or_404(request)
    return get_object_or_404(
        NotebookEntry.objects.select_related("question"), pk=pk, staff=staff
    )


@require_http_methods(["GET", "POST"])
def notebook_practice(request, pk: int):
    entry = _own_entry(request, pk)
    law = _law_param(request)
    if request.method == "POST":
        selected = []
        for value in request.POST.getlist("choice"):
            try:
                selected.append(int(value))
            except ValueError:
                continue
        result = notebook.notebook_practice_answer(entry=entry, selected=selected)
        request.session[SESSION_RESULT] = {
            "entry": entry.pk,
            "selected": list(result.selected),
            "right": result.right,
            "left": result.left,
        }
        return redirect(_practice_url(entry.pk, law, "notebook_result"))
    if entry.resolved_at is not None:
        return redirect(reverse("quizzes:notebook"))
    question = Question.objects.select_related("category").prefetch_related("choices")
    question = question.get(pk=entry.question_id)
    return render(
        request,
        "quizzes/notebook_practice.html",
        {
            "entry": entry,
            "question": learner_view(question.as_snapshot()),
            "multiple": question.kind == Question.Kind.MULTIPLE,
            "law": law,
            "remaining": notebook.PRACTICE_RIGHT_TO_LEAVE - entry.practice_right,
        },
    )


@require_GET
def notebook_result(request, pk: int):
    """The outcome of the last practice answer to this entry, with the key."""
    entry = _own_entry(request, pk)
    law = _law_param(request)
    result = request.session.get(SESSION_RESULT)
    if not result or result.get("entry") != entry.pk:
        return redirect(_practice_url(entry.pk, law))
    question = Question.objects.prefetch_related("choices").get(pk=entry.question_id)
    selected = set(result["selected"])
    choices = _result_choices(question, selected)
    next_url = reverse("quizzes:notebook_practice_next")
    if law:
        next_url += "?" + urlencode({"law": law})
    return render(
        request,
        "quizzes/notebook_result.html",
        {
            "entry": entry,
            "question": question,
            "choices": choices,
            "right": result["right"],
            "left": result["left"],
            "next_url": next_url,
            "law": law,
        },
    )


def _result_choices(question: Question, selected: set[int]) -> list[dict]:
    return [
        {
            "label": CHOICE_LETTERS[index],
            "text": choice.text,
            "is_correct": choice.is_correct,
            "selected": choice.pk in selected,
        }
        for index, choice in enumerate(question.choices.all())
    ]
