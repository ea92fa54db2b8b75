from django.urls import URLPattern, path

from . import views

app_name = "oauth"

urlpatterns: list[URLPattern] = [
    # People's pages.
    path("settings/applications/", views.authorizations, name="authorizations"),
    path(
        "settings/applications/<int:application_id>/revoke/",
        views.authorization_revoke,
        name="authorization-revoke",
    ),
    path("settings/developers/applications/", views.applications, name="applications"),
    path(
        "settings/developers/applications/<int:application_id>/delete/",
        views.application_delete,
        name="application-delete",
    ),
]
