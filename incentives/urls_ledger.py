"""URLs included by the app's urls.py."""

urlpatterns: list = []
