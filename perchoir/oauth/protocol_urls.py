"""The OAuth 2 endpoints (RFC 6749, 7009) and the server's metadata (RFC 8414), under the
namespace and names django-oauth-toolkit reverses (for the metadata and the `iss` answer)."""

from django.urls import URLPattern, path
from oauth2_provider import views as oauth2_views

from .views import ConsentView

app_name = "oauth2_provider"

urlpatterns: list[URLPattern] = [
    path("oauth/authorize/", ConsentView.as_view(), name="authorize"),
    path("oauth/token/", oauth2_views.TokenView.as_view(), name="token"),
    path("oauth/revoke/", oauth2_views.RevokeTokenView.as_view(), name="revoke-token"),
    path(
        ".well-known/oauth-authorization-server",
        oauth2_views.OAuthServerMetadataView.as_view(),
        name="oauth-server-metadata",
    ),
]
