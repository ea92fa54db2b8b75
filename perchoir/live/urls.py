from django.urls import path

from . import views

app_name = "live"

urlpatterns = [
    # "<prefix>:<key>", e.g. /live/conversation:42/ (see live.streams).
    path("<str:stream>/", views.stream, name="stream"),
]
