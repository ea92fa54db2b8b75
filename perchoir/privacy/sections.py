"""The sections of a person's data held by the apps that were there before the privacy app.

Each section is an exporter (person → JSON-able data and media files) and an eraser (person,
mode). Exporters read only what the person wrote or owns, and never another person's private
words or email addresses: in a private conversation, only the person's own messages; other
people appear by their public handle. Erasers write through the apps' services where one exists
(a message becomes a tombstone through `message_delete`), so that live readers and counters
see the same thing as when the person does it by hand.
"""

import contextlib
from datetime import datetime
from pathlib import PurePosixPath
from typing import Any

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.socialaccount.models import SocialAccount
from django.conf import settings
from django.db.models import ProtectedError
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from perchoir.accounts.models import IdentityDisplay, Role, User
from perchoir.api.models import AccessToken
from perchoir.conversations import services as conversation_services
from perchoir.conversations.events import publish_message_event
from perchoir.conversations.models import (
    Conversation,
    Highlight,
    Invitation,
    JoinRequest,
    Message,
    Participant,
    RequestStatus,
    Visibility,
)
from perchoir.core.errors import ApplicationError
from perchoir.follows.models import Follow, FollowImport
from perchoir.invitations.models import InviteLink, PendingInvitation
from perchoir.media.models import Image
from perchoir.media.services import image_delete
from perchoir.notifications.models import Notification, NotificationPreference

from .models import DeletionMode
from .registry import ExportData, MediaFile, register


def _when(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _handle(person: User | None) -> str | None:
    return person.handle if person is not None else None


# --- Accounts -----------------------------------------------------------------------------------


def _image_file(image: Image, folder: str) -> MediaFile:
    name = PurePosixPath(image.file.name).name
    return MediaFile(storage_name=image.file.name, archive_name=f"media/{folder}/{name}")


def export_account(user: User) -> ExportData:
    files = []
    avatar = None
    if user.avatar is not None:
        avatar_file = _image_file(user.avatar, "avatar")
        files.append(avatar_file)
        avatar = avatar_file.archive_name
    identities = []
    for account in SocialAccount.objects.filter(user=user).order_by("id"):
        shown = IdentityDisplay.objects.filter(account=account, shown_on_profile=True).exists()
        # Provider and the identity's id there; no tokens, no data the provider sent.
        identities.append(
            {
                "provider": account.provider,
                "uid": account.uid,
                "linked_at": _when(account.date_joined),
                "last_sign_in": _when(account.last_login),
                "shown_on_profile": shown,
            }
        )
    profile = {
        "handle": user.handle,
        "display_name": user.display_name,
        "bio": user.bio,
        "avatar": avatar,
        "email": user.email,
        "language": user.language,
        "theme": user.theme,
        "role": user.role,
        "joined_at": _when(user.date_joined),
        "last_sign_in": _when(user.last_login),
        "invited_by": _handle(user.invited_by),
        "has_password": user.has_usable_password(),
    }
    emails = [
        {"email": address.email, "verified": address.verified, "primary": address.primary}
        for address in EmailAddress.objects.filter(user=user).order_by("id")
    ]
    # Which kinds of second factor are set up; never their secrets.
    two_factor = sorted(
        {
            str(kind)
            for kind in Authenticator.objects.filter(user=user).values_list("type", flat=True)
        }
    )
    return ExportData(
        data={
            "profile": profile,
            "email_addresses": emails,
            "linked_identities": identities,
            "two_factor_methods": two_factor,
        },
        files=files,
    )


def erase_account(user: User, mode: DeletionMode) -> None:
    """Last of all: the account becomes an empty, inactive "Deleted account" whose old handle is
    retired (see services.account_deletion_perform); nothing personal stays on it."""
    avatar = user.avatar
    SocialAccount.objects.filter(user=user).delete()
    EmailAddress.objects.filter(user=user).delete()
    Authenticator.objects.filter(user=user).delete()
    with translation.override(settings.LANGUAGE_CODE):
        user.display_name = _("Deleted account")
    user.email = ""
    user.bio = ""
    user.bio_html = ""
    user.avatar = None
    user.language = ""
    user.is_active = False
    user.role = Role.MEMBER
    user.is_superuser = False
    user.set_unusable_password()
    user.save()
    if avatar is not None:
        # Used elsewhere as well: it stays there.
        with contextlib.suppress(ProtectedError):
            image_delete(image=avatar)


# --- API tokens ---------------------------------------------------------------------------------


def export_tokens(user: User) -> ExportData:
    # Names and dates only: neither the token nor any part of it.
    tokens = [
        {
            "name": token.name,
            "created_at": _when(token.created_at),
            "last_used_at": _when(token.last_used_at),
            "expires_at": _when(token.expires_at),
            "revoked_at": _when(token.revoked_at),
        }
        for token in AccessToken.objects.filter(user=user).order_by("created_at", "id")
    ]
    return ExportData(data={"access_tokens": tokens})


def erase_tokens(user: User, mode: DeletionMode) -> None:
    AccessToken.objects.filter(user=user).delete()


# --- Follows ------------------------------------------------------------------------------------


def export_follows(user: User) -> ExportData:
    following = [
        {"handle": follow.followed.handle, "since": _when(follow.created_at)}
        for follow in Follow.objects.filter(follower=user)
        .select_related("followed")
        .order_by("created_at", "id")
    ]
    followers = [
        {"handle": follow.follower.handle, "since": _when(follow.created_at)}
        for follow in Follow.objects.filter(followed=user, follower__is_active=True)
        .select_related("follower")
        .order_by("created_at", "id")
    ]
    # The lists the person uploaded hold other people's addresses: only their outcome is given.
    imports = [
        {
            "created_at": _when(item.created_at),
            "status": item.status,
            "lines": item.total,
            "found": item.found,
            "probable": item.probable,
            "missing": item.missing,
        }
        for item in FollowImport.objects.filter(user=user).order_by("created_at", "id")
    ]
    return ExportData(data={"following": following, "followers": followers, "imports": imports})


def erase_follows(user: User, mode: DeletionMode) -> None:
    Follow.objects.filter(follower=user).delete()
    Follow.objects.filter(followed=user).delete()
    FollowImport.objects.filter(user=user).delete()


# --- Invitations to the site --------------------------------------------------------------------


def export_invitations(user: User) -> ExportData:
    links = [
        {
            "note": link.note,
            "created_at": _when(link.created_at),
            "expires_at": _when(link.expires_at),
            "max_uses": link.max_uses,
            "uses": link.uses_count,
            "status": str(link.status()),
            "joined": [person.handle for person in link.joined_users.all()],
        }
        for link in InviteLink.objects.filter(created_by=user)
        .prefetch_related("joined_users")
        .order_by("created_at", "id")
    ]
    # Who an invitation was addressed to is someone else's address: only what the person wrote.
    sent = [
        {
            "kind": invitation.address_kind,
            "to": invitation.target_kind,
            "message": invitation.message,
            "created_at": _when(invitation.created_at),
            "status": str(invitation.status()),
            "accepted_by": _handle(invitation.claimed_by),
        }
        for invitation in PendingInvitation.objects.filter(inviter=user)
        .select_related("claimed_by")
        .order_by("created_at", "id")
    ]
    return ExportData(data={"invite_links": links, "invitations_sent": sent})


def erase_invitations(user: User, mode: DeletionMode) -> None:
    now = timezone.now()
    InviteLink.objects.filter(created_by=user, revoked_at__isnull=True).update(revoked_at=now)
    PendingInvitation.objects.filter(
        inviter=user, revoked_at__isnull=True, claimed_at__isnull=True
    ).update(revoked_at=now)
    if mode == DeletionMode.REMOVE:
        PendingInvitation.objects.filter(inviter=user).update(message="")
        InviteLink.objects.filter(created_by=user).update(note="")


# --- Conversations ------------------------------------------------------------------------------


def _message_data(message: Message) -> dict[str, Any]:
    private = message.conversation.visibility == Visibility.PRIVATE
    return {
        "id": message.pk,
        "conversation": message.conversation_id,
        "url": message.get_absolute_url(),
        "body": message.body,
        "written_at": _when(message.created_at),
        "edited_at": _when(message.edited_at),
        "deleted_at": _when(message.deleted_at),
        "reply_to": message.reply_to_id,
        # A passage quoted from someone else's message in a private conversation is theirs.
        "quoted_passage": "" if private else message.quoted_passage,
        "revisions": [
            {
                "number": revision.number,
                "body": revision.body,
                "written_at": _when(revision.written_at),
            }
            for revision in message.revisions.all()
        ],
    }


def export_conversations(user: User) -> ExportData:
    started = [
        {
            "id": conversation.pk,
            "title": conversation.title,
            "url": conversation.get_absolute_url(),
            "visibility": conversation.visibility,
            "link": conversation.link_url,
            "started_at": _when(conversation.created_at),
        }
        for conversation in Conversation.objects.filter(starter=user).order_by("created_at", "id")
    ]
    participations = [
        {
            "conversation": participant.conversation_id,
            "title": participant.conversation.title,
            "role": participant.role,
            "joined_at": _when(participant.joined_at),
            "removed_at": _when(participant.removed_at),
        }
        for participant in Participant.objects.filter(user=user)
        .select_related("conversation")
        .order_by("joined_at", "id")
    ]
    messages = [
        _message_data(message)
        for message in Message.objects.filter(author=user)
        .select_related("conversation")
        .prefetch_related("revisions")
        .order_by("id")
    ]
    highlights = [
        {
            "message": highlight.message_id,
            "conversation": highlight.message.conversation_id,
            "passage": highlight.passage,
            "created_at": _when(highlight.created_at),
        }
        # A passage of someone else's message: only where that message is readable by anyone
        # or was written by the person.
        for highlight in Highlight.objects.filter(user=user)
        .select_related("message__conversation")
        .order_by("created_at", "id")
        if highlight.message.conversation.visibility != Visibility.PRIVATE
        or highlight.message.author_id == user.pk
    ]
    requests = [
        {
            "conversation": request.conversation_id,
            "kind": request.kind,
            "text": request.body,
            "status": request.status,
            "created_at": _when(request.created_at),
        }
        for request in JoinRequest.objects.filter(requester=user).order_by("created_at", "id")
    ]
    invitations = [
        {
            "conversation": invitation.conversation_id,
            "invitee": invitation.invitee.handle,
            "status": invitation.status,
            "created_at": _when(invitation.created_at),
        }
        for invitation in Invitation.objects.filter(inviter=user)
        .select_related("invitee")
        .order_by("created_at", "id")
    ]
    return ExportData(
        data={
            "conversations_started": started,
            "participations": participations,
            "messages": messages,
            "highlights": highlights,
            "join_requests_and_suggestions": requests,
            "invitations_sent": invitations,
        }
    )


def _tombstone(user: User, message: Message) -> None:
    """The author's own delete, as if they pressed it; where they can no longer reach the
    message (removed from a private conversation), the same tombstone directly."""
    try:
        conversation_services.message_delete(
            author=user, conversation_id=message.conversation_id, message_id=message.pk
        )
    except ApplicationError:
        message.deleted_at = timezone.now()
        message.save(update_fields=["deleted_at"])
        publish_message_event(message, "message.deleted")


def erase_conversations(user: User, mode: DeletionMode) -> None:
    now = timezone.now()
    JoinRequest.objects.filter(requester=user, status=RequestStatus.PENDING).update(
        status=RequestStatus.WITHDRAWN, decided_at=now
    )
    Invitation.objects.filter(inviter=user, status=RequestStatus.PENDING).update(
        status=RequestStatus.WITHDRAWN, decided_at=now
    )
    Invitation.objects.filter(invitee=user, status=RequestStatus.PENDING).update(
        status=RequestStatus.WITHDRAWN, decided_at=now
    )
    # Other people's conversations keep their participants list: the person shows as removed.
    Participant.objects.filter(user=user, removed_at__isnull=True).update(removed_at=now)
    if mode == DeletionMode.REMOVE:
        Highlight.objects.filter(user=user).delete()
        JoinRequest.objects.filter(requester=user, status=RequestStatus.PENDING).update(body="")
        for message in Message.objects.filter(author=user, deleted_at__isnull=True).order_by("id"):
            _tombstone(user, message)


# --- Notifications ------------------------------------------------------------------------------


def export_notifications(user: User) -> ExportData:
    notifications = [
        {
            "kind": notification.kind,
            "url": notification.url,
            "from": _handle(notification.actor),
            # The title of what it was about; not the excerpt of another person's words.
            "title": notification.params.get("title", ""),
            "created_at": _when(notification.created_at),
            "read_at": _when(notification.read_at),
        }
        for notification in Notification.objects.filter(recipient=user)
        .select_related("actor")
        .order_by("created_at", "id")
    ]
    preferences = [
        {"kind": preference.kind, "on_this_site": preference.in_app, "by_email": preference.email}
        for preference in NotificationPreference.objects.filter(user=user).order_by("kind")
    ]
    return ExportData(data={"notifications": notifications, "preferences": preferences})


def erase_notifications(user: User, mode: DeletionMode) -> None:
    Notification.objects.filter(recipient=user).delete()
    NotificationPreference.objects.filter(user=user).delete()


# --- Media --------------------------------------------------------------------------------------


def export_media(user: User) -> ExportData:
    images = []
    files = []
    for image in Image.objects.filter(uploaded_by=user).order_by("created_at", "id"):
        media_file = _image_file(image, "images")
        files.append(media_file)
        images.append(
            {
                "file": media_file.archive_name,
                "format": image.format,
                "width": image.width,
                "height": image.height,
                "uploaded_at": _when(image.created_at),
            }
        )
    return ExportData(data={"images": images}, files=files)


def erase_media(user: User, mode: DeletionMode) -> None:
    """Removed: every image the person uploaded that nothing else holds on to. Anonymised: the
    images stay where they are used (the avatar goes with the account)."""
    if mode != DeletionMode.REMOVE:
        return
    for image in Image.objects.filter(uploaded_by=user).exclude(id=user.avatar_id or 0):
        with contextlib.suppress(ProtectedError):
            image_delete(image=image)


def register_builtin_sections() -> None:
    register("conversations", export=export_conversations, erase=erase_conversations, order=10)
    register("follows", export=export_follows, erase=erase_follows, order=20)
    register("invitations", export=export_invitations, erase=erase_invitations, order=20)
    register("notifications", export=export_notifications, erase=erase_notifications, order=30)
    register("media", export=export_media, erase=erase_media, order=40)
    register("access_tokens", export=export_tokens, erase=erase_tokens, order=50)
    # Last: the others still need to know who the person was.
    register("account", export=export_account, erase=erase_account, order=1000)
