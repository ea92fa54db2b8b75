import sys
from typing import cast

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template import loader

from .middleware import database_unavailable_response
from .types import AuthenticatedRequest


def home(request: HttpRequest) -> HttpResponse:
    """The welcome page for visitors; a member's home is discovery's feed, at the same address."""
    if request.user.is_authenticated:
        from perchoir.discovery.views import home as discovery_home

        return discovery_home(cast(AuthenticatedRequest, request))
    return render(request, "core/home.html")


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    return render(request, "errors/400.html", status=400)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    return render(request, "errors/403.html", status=403)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    return render(request, "errors/404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    # Called while the exception is handled: an unreachable database answers 503 instead.
    unavailable = database_unavailable_response(request, sys.exc_info()[1] or Exception())
    if unavailable is not None:
        return unavailable
    # No context processors: the database may be what failed.
    return HttpResponse(loader.get_template("errors/500.html").render(), status=500)
