"""For load balancers and orchestrators: `/healthz` says the process answers (nothing else is
touched), `/readyz` that it can serve — its database, cache and media storage answer."""

import logging
from collections.abc import Callable

from django.core.cache import cache
from django.core.files.storage import default_storage
from django.db import connections
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache

logger = logging.getLogger(__name__)


def _database() -> None:
    # The primary only: a replica that is down or behind is skipped by the router, and must not
    # take every web process out of the load balancer with it.
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT 1")


def _cache() -> None:
    cache.set("perchoir:readyz", "1", 10)
    if cache.get("perchoir:readyz") != "1":
        raise RuntimeError("the cache did not keep a value")


def _storage() -> None:
    # A real request to the storage (a HEAD in a bucket): unreachable or refused raises.
    default_storage.exists("perchoir-readyz-probe")


CHECKS: dict[str, Callable[[], None]] = {
    "database": _database,
    "cache": _cache,
    "storage": _storage,
}


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    results: dict[str, str] = {}
    for name, check in CHECKS.items():
        try:
            check()
        except Exception as error:  # any failure means "not ready", and says which
            logger.warning("readiness check %s failed: %r", name, error)
            results[name] = f"error: {type(error).__name__}"
        else:
            results[name] = "ok"
    ready = all(result == "ok" for result in results.values())
    return JsonResponse(
        {"status": "ready" if ready else "not ready", "checks": results},
        status=200 if ready else 503,
    )
