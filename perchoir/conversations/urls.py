from django.urls import URLPattern, path

from . import embed, views
from .feeds import ConversationFeed

app_name = "conversations"

C = "c/<int:conversation_id>/"
M = C + "m/<int:message_id>/"

urlpatterns: list[URLPattern] = [
    path("conversations/", views.conversation_list, name="list"),
    path("conversations/new/", views.conversation_start, name="start"),
    path(C, views.conversation_detail, name="detail"),
    path(C + "post/", views.message_post, name="message-post"),
    path(C + "highlights/", views.highlights, name="highlights"),
    path(C + "invite/", views.invite, name="invite"),
    path(C + "invitation/", views.invitation_answer, name="invitation-answer"),
    path(C + "join/", views.join_request, name="join"),
    path(C + "suggest/", views.suggest, name="suggest"),
    path(C + "requests/", views.requests, name="requests"),
    path(C + "requests/<int:request_id>/", views.request_answer, name="request-answer"),
    path(C + "leave/", views.leave, name="leave"),
    path(C + "room/", views.room, name="room"),
    path(C + "room/<slug:action>/", views.room_action, name="room-action"),
    path(M, views.message_permalink, name="message"),
    path(M + "reply/", views.message_reply, name="message-reply"),
    path(M + "edit/", views.message_edit, name="message-edit"),
    path(M + "delete/", views.message_delete, name="message-delete"),
    path(M + "history/", views.message_history, name="message-history"),
    path(M + "highlight/", views.highlight_add, name="highlight"),
    # On other sites (B12): a page to frame, its oEmbed description, an Atom feed.
    path(C + "embed/", embed.conversation_embed, name="embed"),
    path("oembed/", embed.oembed, name="oembed"),
    path(C + "feed/", ConversationFeed(), name="feed"),
]
