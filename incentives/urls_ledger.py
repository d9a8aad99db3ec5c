"""The learner's reward/penalty record and the manager's team totals, under
/record/ in the `incentives` namespace."""

from django.urls import path

from incentives import views

urlpatterns = [
    path("", views.record, name="record"),
    path("<int:pk>/", views.record_entry, name="record_entry"),
    path("team/", views.team_totals, name="team_totals"),
]
