"""Sign-in providers (allauth's SOCIALACCOUNT_PROVIDERS), from environment variables.

Read by settings.py at start-up, before Django is set up: plain Python only. A value that cannot
be used stops the start with a message naming the variable (ImproperlyConfigured).

- PERCHOIR_OIDC_PROVIDERS: a JSON list of {"id", "name", "server_url", "client_id", "secret"}
  (server_url is the issuer; its /.well-known/openid-configuration is discovered);
- PERCHOIR_GITHUB_CLIENT_ID / _SECRET, PERCHOIR_GOOGLE_CLIENT_ID / _SECRET,
  PERCHOIR_TWITTER_CLIENT_ID / _SECRET (X's OAuth 2).
"""

import json
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

OIDC_VARIABLE = "PERCHOIR_OIDC_PROVIDERS"
OIDC_FIELDS = ("id", "name", "server_url", "client_id", "secret")
# The id appears in the callback address (/accounts/oidc/<id>/login/callback/).
OIDC_ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,29}$")

LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})

# allauth provider → (our variable prefix, the origin its sign-in page is served from).
OAUTH_PROVIDERS = {
    "github": ("GITHUB", "https://github.com"),
    "google": ("GOOGLE", "https://accounts.google.com"),
    "twitter_oauth2": ("TWITTER", "https://x.com"),
}
# Ids an OIDC provider may not take: they would be confused with a built-in provider.
RESERVED_IDS = frozenset(OAUTH_PROVIDERS) | {"openid_connect", "twitter", "x"}


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def oidc_providers_parse(value: str) -> list[dict[str, str]]:
    """The OIDC providers of PERCHOIR_OIDC_PROVIDERS, checked; empty when the value is empty."""
    if not value.strip():
        return []
    try:
        data = json.loads(value)
    except json.JSONDecodeError as error:
        raise ImproperlyConfigured(f"{OIDC_VARIABLE} is not valid JSON: {error}") from error
    if not isinstance(data, list):
        raise ImproperlyConfigured(f"{OIDC_VARIABLE} must be a JSON list of providers.")
    providers: list[dict[str, str]] = []
    seen: set[str] = set()
    for position, item in enumerate(data, start=1):
        where = f"{OIDC_VARIABLE}, provider {position}"
        if not isinstance(item, dict):
            raise ImproperlyConfigured(f"{where}: expected an object.")
        missing = [
            field
            for field in OIDC_FIELDS
            if not isinstance(item.get(field), str) or not item[field].strip()
        ]
        if missing:
            raise ImproperlyConfigured(f"{where}: missing or empty {', '.join(missing)}.")
        unknown = sorted(set(item) - set(OIDC_FIELDS))
        if unknown:
            raise ImproperlyConfigured(f"{where}: unknown field(s) {', '.join(unknown)}.")
        provider = {field: item[field].strip() for field in OIDC_FIELDS}
        if not OIDC_ID_PATTERN.match(provider["id"]) or provider["id"] in RESERVED_IDS:
            raise ImproperlyConfigured(
                f"{where}: id {provider['id']!r} must be 1 to 30 lowercase letters, digits, "
                "- or _, and not the name of a built-in provider."
            )
        if provider["id"] in seen:
            raise ImproperlyConfigured(f"{where}: id {provider['id']!r} is used twice.")
        seen.add(provider["id"])
        server = urlsplit(provider["server_url"])
        local = server.hostname in LOOPBACK_HOSTS
        if not server.netloc or (
            server.scheme != "https" and not (server.scheme == "http" and local)
        ):
            raise ImproperlyConfigured(
                f"{where}: server_url must be an https:// address (the issuer); "
                "http:// is accepted for a provider on this machine only."
            )
        providers.append(provider)
    return providers


def socialaccount_providers_from_env(environ: Mapping[str, str]) -> dict[str, Any]:
    """allauth's SOCIALACCOUNT_PROVIDERS for the providers configured in `environ`."""
    result: dict[str, Any] = {}
    oidc = oidc_providers_parse(environ.get(OIDC_VARIABLE, ""))
    if oidc:
        result["openid_connect"] = {
            "OAUTH_PKCE_ENABLED": True,
            "APPS": [
                {
                    "provider_id": provider["id"],
                    "name": provider["name"],
                    "client_id": provider["client_id"],
                    "secret": provider["secret"],
                    "settings": {"server_url": provider["server_url"]},
                }
                for provider in oidc
            ],
        }
    for allauth_id, (prefix, _origin_url) in OAUTH_PROVIDERS.items():
        client_id = environ.get(f"PERCHOIR_{prefix}_CLIENT_ID", "").strip()
        secret = environ.get(f"PERCHOIR_{prefix}_SECRET", "").strip()
        if bool(client_id) != bool(secret):
            given, absent = ("CLIENT_ID", "SECRET") if client_id else ("SECRET", "CLIENT_ID")
            raise ImproperlyConfigured(
                f"PERCHOIR_{prefix}_{given} is set but PERCHOIR_{prefix}_{absent} is not: "
                "set both or neither."
            )
        if client_id:
            app: dict[str, Any] = {"client_id": client_id, "secret": secret}
            config: dict[str, Any] = {"APPS": [app]}
            if allauth_id == "google":
                config["OAUTH_PKCE_ENABLED"] = True
            result[allauth_id] = config
    return result


def provider_authorization_origins(providers: Mapping[str, Any]) -> list[str]:
    """Origins a sign-in form may be redirected to (the CSP's form-action), in a stable order.

    Browsers apply form-action to the redirect that follows the POST starting a sign-in. An OIDC
    provider's authorization endpoint is assumed to be on its issuer's origin.
    """
    origins: list[str] = []
    for app in providers.get("openid_connect", {}).get("APPS", []):
        origins.append(_origin(app["settings"]["server_url"]))
    for allauth_id, (_prefix, origin) in OAUTH_PROVIDERS.items():
        if allauth_id in providers:
            origins.append(origin)
    return list(dict.fromkeys(origins))
