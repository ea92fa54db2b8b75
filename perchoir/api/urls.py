"""The people-facing pages around the API: access tokens in the settings, the reference."""

from django.urls import path

from . import views

app_name = "developers"

urlpatterns = [
    path("settings/tokens/", views.tokens, name="tokens"),
    path("settings/tokens/<int:token_id>/revoke/", views.token_revoke, name="token-revoke"),
    path("developers/api/", views.api_reference, name="api-reference"),
]
