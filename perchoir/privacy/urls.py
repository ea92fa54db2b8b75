from django.urls import URLPattern, path

from . import views

app_name = "privacy"

urlpatterns: list[URLPattern] = [
    path("settings/data/", views.data, name="data"),
    path("settings/data/export/", views.export_request, name="export-request"),
    path(
        "settings/data/exports/<int:export_id>/download/",
        views.export_download,
        name="export-download",
    ),
    path("settings/delete-account/", views.deletion_request, name="account-delete"),
    path(
        "settings/delete-account/cancel/<str:token>/",
        views.deletion_cancel,
        name="deletion-cancel",
    ),
]
