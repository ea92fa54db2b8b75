from django.urls import URLPattern, path

from . import views

app_name = "notifications"

# Included at the site's root: the list lives at /notifications/, its settings among the others.
urlpatterns: list[URLPattern] = [
    path("notifications/", views.notification_list, name="list"),
    path("notifications/<int:notification_id>/", views.notification_open, name="open"),
    path("notifications/read-all/", views.notifications_read_all, name="read-all"),
    path("settings/notifications/", views.preferences, name="preferences"),
]
