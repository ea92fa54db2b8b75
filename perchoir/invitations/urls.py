from django.urls import path

from . import views

app_name = "invitations"

urlpatterns = [
    path("founder/<str:token>/", views.founder, name="founder"),
]
