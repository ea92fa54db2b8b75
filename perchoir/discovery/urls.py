from django.urls import path

from . import views

app_name = "discovery"

urlpatterns = [
    path("search/", views.search, name="search"),
    path("explore/", views.explore, name="explore"),
    path("home/", views.home_moved, name="home"),
    path("settings/digest/", views.digest_settings, name="digest-settings"),
    path("digest/unsubscribe/<str:token>/", views.digest_unsubscribe, name="digest-unsubscribe"),
]
