"""A notification opens a path of this site, never another site (no open redirect)."""

from django.utils.http import url_has_allowed_host_and_scheme


def is_local_path(url: str) -> bool:
    """`/conversations/3/#m12`, yes; `https://…`, `//host/…`, `/\\host`, `javascript:…`, no."""
    return (
        url.startswith("/")
        and not url.startswith("//")
        and "\\" not in url
        and not any(ord(character) < 32 for character in url)
        and url_has_allowed_host_and_scheme(url, allowed_hosts=None)
    )
