"""The app's URLs plus the baseline of the page benchmarks: a bare view behind
the same middleware, on the same server. Used only by bench processes
(DJANGO_ROOT_URLCONF=bench.urls); production never routes to it."""

from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse
from django.urls import path

from config.urls import urlpatterns as app_urlpatterns


@login_not_required
def bare(request):
    return HttpResponse(b"ok", content_type="text/plain")


urlpatterns = [path("bench/bare", bare), *app_urlpatterns]
