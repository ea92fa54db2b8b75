"""Parity: everything the site's pages change, the API changes through the same service.

The test walks every URL pattern of the HTML site, finds the service functions each view calls
(directly or through helpers of its own module), and fails unless some API operation calls the
same service. Pages that change something only the browser needs (the language of the pages,
for example) are the exceptions below, each with its reason: that list is the one place to
maintain, so a new feature without an API operation breaks the build.
"""

import inspect
import types
from collections.abc import Callable, Iterator
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver

from perchoir.api.v1 import api

# service (module.function) → why the pages alone offer it.
PAGE_ONLY: dict[str, str] = {
    "perchoir.accounts.services.profile_settings_save": (
        "the settings page's all-or-nothing save of profile_update, profile_avatar_set and "
        "profile_avatar_remove, which the API offers one by one"
    ),
    "perchoir.accounts.services.preferences_language_set": (
        "the footer's language switcher; the API sets the language with preferences_update"
    ),
    "perchoir.invitations.services.founder_token_is_valid": (
        "the founder's one-time link opens sign-up in a browser"
    ),
    "perchoir.discovery.services.digest_unsubscribe": (
        "the signed one-click link in a digest email; the API sets the digest to off instead"
    ),
}
# Functions that live beside the services but change nothing: addresses, messages, checks.
HELPERS = {
    "perchoir.collections.services.contribution_status_for",
    "perchoir.conversations.services.normalise_passage",
    "perchoir.invitations.services.invite_link_unusable_message",
    "perchoir.invitations.services.invite_link_url",
    "perchoir.invitations.services.pending_invitation_landing_url",
    "perchoir.invitations.services.pending_invitation_unusable_message",
    "perchoir.moderation.services.action_kinds_for",
    "perchoir.privacy.services.account_deletion_get_by_token",
    "perchoir.privacy.services.deletion_modes",
    "perchoir.privacy.services.export_storage",
}

# Site areas that are not Perchoir's own pages.
NOT_PAGES = ("api/", "admin/", "accounts/", "i18n/", "media/", "live/")


def _url_patterns(
    patterns: list[Any], prefix: str = ""
) -> Iterator[tuple[str, Callable[..., Any]]]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _url_patterns(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), pattern.callback


def _code_objects(code: types.CodeType) -> Iterator[types.CodeType]:
    yield code
    for constant in code.co_consts:
        if isinstance(constant, types.CodeType):
            yield from _code_objects(constant)


def _functions_of(view: Callable[..., Any]) -> list[Callable[..., Any]]:
    """The Python functions behind a view: itself, or a class-based view's methods."""
    view_class = getattr(view, "view_class", None)
    if view_class is not None:
        return [
            member
            for _name, member in inspect.getmembers(view_class, inspect.isfunction)
            if member.__module__.startswith("perchoir.")
        ]
    return [inspect.unwrap(view)]


def services_called(function: Callable[..., Any], depth: int = 0) -> set[str]:
    """`module.function` of every `perchoir.*.services` function that `function` refers to,
    following helpers defined in its own module (three levels deep)."""
    if not hasattr(function, "__code__"):
        return set()
    found: set[str] = set()
    names = {name for code in _code_objects(function.__code__) for name in code.co_names}
    scope = function.__globals__
    for name in names:
        value = scope.get(name)
        if isinstance(value, types.ModuleType) and value.__name__.endswith(".services"):
            found |= {
                f"{value.__name__}.{attribute}"
                for attribute in names
                if inspect.isfunction(getattr(value, attribute, None))
                and getattr(value, attribute).__module__ == value.__name__
            }
        elif inspect.isfunction(value):
            module = value.__module__
            if module.startswith("perchoir.") and module.endswith(".services"):
                found.add(f"{module}.{value.__name__}")
            elif module == function.__module__ and depth < 3 and value is not function:
                found |= services_called(value, depth + 1)
    return found


def page_services() -> dict[str, set[str]]:
    """service → the pages (URL patterns) that call it."""
    called: dict[str, set[str]] = {}
    for route, view in _url_patterns(get_resolver().url_patterns):
        if route.lstrip("^").startswith(NOT_PAGES):
            continue
        for function in _functions_of(view):
            for service in services_called(function):
                called.setdefault(service, set()).add(route)
    return called


def api_services() -> set[str]:
    called: set[str] = set()
    routers = [router for _prefix, router in api._routers]
    while routers:
        router = routers.pop()
        routers.extend(child for _prefix, child, *_rest in router._routers)
        for path_view in router.path_operations.values():
            for operation in path_view.operations:
                called |= services_called(operation.view_func)
    return called


def test_every_service_a_page_calls_is_also_called_by_an_api_operation():
    missing = {
        service: sorted(routes)
        for service, routes in page_services().items()
        if service not in api_services() and service not in PAGE_ONLY and service not in HELPERS
    }
    assert not missing, "Pages whose service no API operation calls:\n" + "\n".join(
        f"  {service}  (from {', '.join(routes)})" for service, routes in sorted(missing.items())
    )


def test_the_walk_finds_the_writes_it_should():
    """The check above cannot pass by finding nothing."""
    pages = page_services()
    assert "perchoir.conversations.services.message_post" in pages
    assert "perchoir.follows.services.follow_create" in pages
    assert "perchoir.conversations.services.message_post" in api_services()


def test_every_exception_is_still_a_page_only_service():
    pages = page_services()
    stale = [service for service in PAGE_ONLY if service not in pages or service in api_services()]
    assert not stale, f"No longer page-only, remove them from PAGE_ONLY: {stale}"
