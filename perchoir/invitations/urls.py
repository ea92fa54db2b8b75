from django.urls import path

from . import views

app_name = "invitations"

urlpatterns = [
    path("", views.links, name="links"),
    path("links/<int:link_id>/revoke/", views.link_revoke, name="link-revoke"),
    path("pending/", views.pending_create, name="pending-create"),
    path("pending/<int:invitation_id>/revoke/", views.pending_revoke, name="pending-revoke"),
    path("pending/accept/<str:token>/", views.pending_accept, name="pending-accept"),
    path("founder/<str:token>/", views.founder, name="founder"),
    path("join/<str:code>/", views.join, name="join"),
    path("tree/", views.tree, name="tree"),
    path("request/", views.request_invitation, name="request"),
    path("request/sent/", views.request_sent, name="request-sent"),
    path("requests/", views.requests, name="requests"),
    path("requests/<int:request_id>/approve/", views.request_approve, name="request-approve"),
    path("requests/<int:request_id>/decline/", views.request_decline, name="request-decline"),
    path("rules/", views.rules, name="rules"),
]
