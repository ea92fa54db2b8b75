"""django-oauth-toolkit reads Perchoir's scopes from here (settings OAUTH2_PROVIDER)."""

from typing import Any

from oauth2_provider.scopes import BaseScopes

from perchoir.api.scopes import READ, SCOPES


class PerchoirScopes(BaseScopes):
    def get_all_scopes(self) -> dict[str, Any]:
        return dict(SCOPES)

    def get_available_scopes(self, *args: Any, **kwargs: Any) -> list[str]:
        return list(SCOPES)

    def get_default_scopes(self, *args: Any, **kwargs: Any) -> list[str]:
        return [READ]
