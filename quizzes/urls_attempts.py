"""Taking a quiz (included under /quiz/ by quizzes/urls.py). The quiz page
itself, served by Wagtail, is the start page."""

from django.urls import path

from quizzes import views

urlpatterns = [
    path("<int:quiz_id>/start/", views.attempt_start, name="attempt_start"),
    path("attempt/<uuid:uuid>/", views.attempt_take, name="attempt_take"),
    path("attempt/<uuid:uuid>/answer/", views.answer_save, name="answer_save"),
    path("attempt/<uuid:uuid>/submit/", views.attempt_submit, name="attempt_submit"),
    path("attempt/<uuid:uuid>/result/", views.attempt_result, name="attempt_result"),
    path("attempt/<uuid:uuid>/event/", views.integrity_event, name="integrity_event"),
]
