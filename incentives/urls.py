"""Learner and manager URLs of the incentives app (namespace `incentives`):
"my record" and the team's totals. HR's tools live in the Wagtail admin."""

from django.urls import include, path

app_name = "incentives"

urlpatterns = [
    path("record/", include("incentives.urls_ledger")),
]
