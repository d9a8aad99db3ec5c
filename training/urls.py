"""Learner-site endpoints that are not pages (Wagtail serves the pages)."""

from django.urls import path

from training import views

app_name = "training"

urlpatterns = [
    path("lessons/<int:pk>/studied/", views.lesson_studied, name="lesson_studied"),
    path("team/", views.team, name="team"),
    path("team/export.<str:fmt>", views.team_export, name="team_export"),
    path("team/<str:employee_no>/", views.team_member, name="team_member"),
    path("search/", views.search, name="search"),
]
