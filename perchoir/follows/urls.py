from django.urls import URLPattern, path, re_path

from . import views

app_name = "follows"

HANDLE = r"@(?P<handle>[A-Za-z0-9_]{1,64})"

urlpatterns: list[URLPattern] = [
    re_path(rf"^{HANDLE}/follow/$", views.follow, name="follow"),
    re_path(rf"^{HANDLE}/unfollow/$", views.unfollow, name="unfollow"),
    re_path(rf"^{HANDLE}/block/$", views.block, name="block"),
    re_path(rf"^{HANDLE}/unblock/$", views.unblock, name="unblock"),
    re_path(rf"^{HANDLE}/followers/$", views.followers, name="followers"),
    re_path(rf"^{HANDLE}/following/$", views.following, name="following"),
    path("settings/blocked/", views.blocked, name="blocked"),
    path("settings/friends/", views.import_start, name="import"),
    path("settings/friends/<int:import_id>/", views.import_detail, name="import-detail"),
    path(
        "settings/friends/<int:import_id>/follow-all/",
        views.import_follow_all,
        name="import-follow-all",
    ),
    path(
        "settings/friends/<int:import_id>/invite/<int:entry_id>/",
        views.import_invite,
        name="import-invite",
    ),
]
