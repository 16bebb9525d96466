"""A URL conf for the log tests: a view that writes one log line under a recording's URL."""

import logging

from django.http import HttpRequest, HttpResponse
from django.urls import include, path


def log_something(request: HttpRequest, pk: int) -> HttpResponse:
    logging.getLogger("cnr.test").warning("looked at the recording")
    return HttpResponse("ok")


urlpatterns = [
    path("recordings/<int:pk>/log/", log_something, name="session_log_probe"),
    path("", include("dashboard.urls")),
]
