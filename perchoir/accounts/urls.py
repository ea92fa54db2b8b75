from django.urls import URLPattern, path, re_path

from . import views
from .feeds import PersonFeed

app_name = "accounts"

urlpatterns: list[URLPattern] = [
    re_path(r"^@(?P<handle>[A-Za-z0-9_]{1,64})$", views.profile, name="profile"),
    re_path(r"^@(?P<handle>[A-Za-z0-9_]{1,64})/feed/$", PersonFeed(), name="profile-feed"),
    path("settings/profile/", views.settings_profile, name="settings-profile"),
    path("settings/preferences/", views.settings_preferences, name="settings-preferences"),
    path("settings/language/", views.language, name="language"),
    path("settings/identities/", views.settings_identities, name="settings-identities"),
    path(
        "settings/identities/<int:identity_id>/unlink/",
        views.settings_identity_unlink,
        name="settings-identity-unlink",
    ),
    path(
        "settings/identities/<int:identity_id>/profile/",
        views.settings_identity_profile,
        name="settings-identity-profile",
    ),
]
