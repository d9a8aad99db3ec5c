"""Learner URLs of the quiz engine (namespace `quizzes`): taking attempts, and
the wrong-answer notebook. Trainer tools live in the Wagtail admin."""

from django.urls import include, path

app_name = "quizzes"

urlpatterns = [
    path("quiz/", include("quizzes.urls_attempts")),
    path("notebook/", include("quizzes.urls_notebook")),
]
