from django.conf import settings
from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path, re_path

from perchoir.accounts.oidc import urlpatterns as oidc_urls
from perchoir.api.v1 import api
from perchoir.core import views as core_views
from perchoir.media.views import media_file

urlpatterns: list[URLPattern | URLResolver] = [
    path("", include("perchoir.core.urls")),
    path("", include("perchoir.accounts.urls")),
    path("", include("perchoir.follows.urls")),
    path("invitations/", include("perchoir.invitations.urls")),
    path("", include("perchoir.conversations.urls")),
    path("", include("perchoir.oauth.urls")),
    path("", include("perchoir.oauth.protocol_urls")),
    path("", include("perchoir.collections.urls")),
    path("", include("perchoir.moderation.urls")),
    path("", include("perchoir.privacy.urls")),
    path("", include("perchoir.notifications.urls")),
    path("", include("perchoir.discovery.urls")),
    path("live/", include("perchoir.live.urls")),
    path("", include("perchoir.links.urls")),
    path("", include("perchoir.api.urls")),
    path("", include(oidc_urls)),  # before allauth's own OpenID Connect views
    path("accounts/", include("allauth.urls")),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
]

# Media at this site's /media/ (not when PERCHOIR_S3_PUBLIC_URL sends browsers elsewhere), read
# through the storage: the media folder, or the bucket (docs/decisions/0013).
if settings.SERVE_MEDIA and settings.MEDIA_URL.startswith("/"):
    media_prefix = settings.MEDIA_URL.lstrip("/")
    urlpatterns += [re_path(rf"^{media_prefix}(?P<path>.+)$", media_file, name="media-file")]

if settings.BENCH_BASELINE:
    from perchoir.core.baseline import baseline_page

    urlpatterns += [path("bench/baseline/", baseline_page, name="bench-baseline")]

handler400 = core_views.bad_request
handler403 = core_views.permission_denied
handler404 = core_views.page_not_found
handler500 = core_views.server_error
