from django.urls import URLPattern, path

from . import views
from .feeds import CollectionFeed

app_name = "collections"

K = "k/<int:collection_id>/"
ITEM = K + "i/<int:item_id>/"

urlpatterns: list[URLPattern] = [
    path("collections/", views.collection_list, name="list"),
    path("collections/new/", views.collection_create, name="create"),
    path(K, views.collection_detail, name="detail"),
    path(K + "edit/", views.collection_edit, name="edit"),
    path(K + "delete/", views.collection_delete, name="delete"),
    path(K + "add/", views.item_add, name="item-add"),
    path(K + "queue/", views.queue, name="queue"),
    path(K + "queue/<int:connection_id>/", views.queue_decide, name="queue-decide"),
    path(K + "contributors/", views.contributors, name="contributors"),
    path(K + "contributors/remove/", views.contributor_remove, name="contributor-remove"),
    path(K + "contributors/link/", views.invite_link, name="invite-link"),
    path(K + "join/<str:token>/", views.join, name="join"),
    path(K + "invitation/", views.invitation_answer, name="invitation-answer"),
    path(K + "request/", views.contribution_request, name="request"),
    path(K + "request/<int:request_id>/", views.contribution_request_decide, name="request-decide"),
    path(K + "follow/", views.follow, name="follow"),
    path(K + "feed/", CollectionFeed(), name="feed"),
    path(ITEM, views.item_detail, name="item"),
    path(ITEM + "edit/", views.item_edit, name="item-edit"),
    path(ITEM + "remove/", views.item_remove, name="item-remove"),
    path(ITEM + "recommend/", views.item_recommend, name="item-recommend"),
    path(ITEM + "connect/", views.item_connect, name="item-connect"),
    path(ITEM + "move/", views.item_move, name="item-move"),
    path(ITEM + "contact/", views.event_contact, name="event-contact"),
]
