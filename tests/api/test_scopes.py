"""The permission each kind of API call needs, decided in one place."""

import pytest

from perchoir.api.scopes import operation_scope


@pytest.mark.parametrize(
    ("method", "path", "scope"),
    [
        ("GET", "/api/v1/conversations", "read"),
        ("POST", "/api/v1/conversations", "write"),
        ("DELETE", "/api/v1/conversations/3/messages/4", "write"),
        ("POST", "/api/v1/people/ada/follow", "follow"),
        ("DELETE", "/api/v1/people/ada/follow", "follow"),
        ("GET", "/api/v1/people/ada/followers", "read"),
        ("POST", "/api/v1/collections/7/follow", "follow"),
        ("POST", "/api/v1/me/imports", "follow"),
        ("POST", "/api/v1/moderation/reports", "write"),
        ("GET", "/api/v1/moderation/reports/abc123", "read"),
        ("POST", "/api/v1/moderation/statements/5/appeal", "write"),
        ("GET", "/api/v1/moderation/rules", "read"),
        ("GET", "/api/v1/moderation/transparency", "read"),
        ("PUT", "/api/v1/moderation/rules", "admin"),
        ("GET", "/api/v1/moderation/cases", "moderate"),
        ("POST", "/api/v1/moderation/actions", "moderate"),
        ("POST", "/api/v1/moderation/appeals/2/decide", "moderate"),
        ("POST", "/api/v1/tokens", "credentials"),
        ("GET", "/api/v1/me/applications", "credentials"),
        ("POST", "/api/v1/me/data/exports", "credentials"),
    ],
)
def test_each_call_needs_the_scope_its_kind_calls_for(method, path, scope):
    assert operation_scope(method, path) == scope
