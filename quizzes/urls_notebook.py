"""URLs included by the app's urls.py: the wrong-answer notebook."""

from django.urls import path

from quizzes import notebook_views

urlpatterns = [
    path("", notebook_views.notebook_index, name="notebook"),
    path(
        "practice/",
        notebook_views.notebook_practice_next,
        name="notebook_practice_next",
    ),
    path(
        "practice/<int:pk>/", notebook_views.notebook_practice, name="notebook_practice"
    ),
    path(
        "practice/<int:pk>/result/",
        notebook_views.notebook_result,
        name="notebook_result",
    ),
]
