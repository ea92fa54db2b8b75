from django.conf import settings
from django.http import HttpRequest

from .selectors import site_settings_get


def site(request: HttpRequest) -> dict[str, object]:
    current = site_settings_get()
    return {
        # Not "site": allauth's views pass their own `site` (Django's Site object).
        "site_settings": current,
        "LANGUAGES_AVAILABLE": settings.LANGUAGES,
        # The public address, for links that must be absolute (feeds, oEmbed discovery).
        "SITE_URL": settings.SITE_URL,
    }
