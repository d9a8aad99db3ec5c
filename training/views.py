from django.shortcuts import render

from org.selectors import staff_get_for_user


def home(request):
    """The learner's landing page (the full dashboard arrives with the courses)."""
    return render(
        request, "training/home.html", {"staff": staff_get_for_user(request.user)}
    )
