"""Small helpers shared by the invitation and sign-up tests."""

from perchoir.core.models import SiteSettings
from perchoir.core.selectors import site_settings_get

SIGNUP_PASSWORD = "a long and unusual passphrase 42"


def site_set(**fields: object) -> SiteSettings:
    site = site_settings_get()
    for name, value in fields.items():
        setattr(site, name, value)
    site.save()
    return site


def signup_data(handle: str = "newcomer", email: str = "newcomer@example.org") -> dict[str, str]:
    return {
        "email": email,
        "username": handle,
        "password1": SIGNUP_PASSWORD,
        "password2": SIGNUP_PASSWORD,
    }
