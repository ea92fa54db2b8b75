from .models import SiteSettings


def site_settings_get() -> SiteSettings:
    """The site's settings row, created with defaults on first use."""
    settings, _ = SiteSettings.objects.get_or_create(id=1)
    return settings
