from django.conf import settings
from django.http import HttpRequest

from .selectors import site_settings_get


def site(request: HttpRequest) -> dict[str, object]:
    return {
        "site": site_settings_get(),
        "LANGUAGES_AVAILABLE": settings.LANGUAGES,
    }
