"""Following people, and finding them from an imported follow list."""

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from perchoir.accounts.identities import people_by_identities
from perchoir.accounts.models import User
from perchoir.collections.services import ties_end_across_block
from perchoir.conversations.services import invitations_withdraw_across_block
from perchoir.core.errors import Forbidden, InvalidInput, NotFound
from perchoir.core.ratelimit import ratelimit_hit
from perchoir.invitations.models import PendingInvitation
from perchoir.invitations.services import (
    pending_invitation_create,
    pending_invitations_to_member_revoke,
)

from . import permissions, selectors
from .models import Block, Follow, FollowImport, FollowImportEntry, FollowImportStatus, MatchKind
from .parsing import follow_list_parse

# Following is cheap; following thousands of people an hour is a bot.
FOLLOW_LIMIT = 300
FOLLOW_PERIOD = 3600
BLOCK_LIMIT = 300
BLOCK_PERIOD = 3600
IMPORT_LIMIT = 10
IMPORT_PERIOD = 3600
# Lines matched per transaction: a constant number of queries each, whatever the list's length.
IMPORT_CHUNK = 1000


def _person_for(handle: str) -> User:
    person = User.objects.filter(handle__iexact=handle.removeprefix("@"), is_active=True).first()
    if person is None:
        raise NotFound()
    return person


def follow_create(*, follower: User, handle: str) -> Follow:
    """`follower` follows the active person `handle`; following again changes nothing. Nobody
    follows across a block."""
    person = _person_for(handle)
    if person.pk == follower.pk:
        raise InvalidInput(_("You cannot follow yourself."))
    blocked = selectors.block_between(follower, person)
    if not permissions.can_follow(follower, person, blocked=blocked):
        if blocked:
            raise Forbidden(_("You cannot follow @%(handle)s.") % {"handle": person.handle})
        raise NotFound()
    ratelimit_hit("follow", str(follower.pk), limit=FOLLOW_LIMIT, period=FOLLOW_PERIOD)
    follow, _created = Follow.objects.get_or_create(follower=follower, followed=person)
    return follow


@transaction.atomic
def block_create(*, blocker: User, handle: str) -> Block:
    """`blocker` blocks `handle`: the follows between them end both ways (of each other and of
    each other's collections), so do the pending invitations and requests between them (kept,
    withdrawn or declined); neither can follow, invite or ask the other again, and neither sees
    the other in home, explore or search. Conversations they both take part in and collections
    they contribute to stay as they are. Blocking again changes nothing."""
    person = User.objects.filter(handle__iexact=handle.removeprefix("@")).first()
    if person is None:
        raise NotFound()
    if person.pk == blocker.pk:
        raise InvalidInput(_("You cannot block yourself."))
    if not permissions.can_block(blocker, person):
        raise NotFound()
    ratelimit_hit("block", str(blocker.pk), limit=BLOCK_LIMIT, period=BLOCK_PERIOD)
    block, _created = Block.objects.get_or_create(blocker=blocker, blocked=person)
    Follow.objects.filter(
        Q(follower=blocker, followed=person) | Q(follower=person, followed=blocker)
    ).delete()
    invitations_withdraw_across_block(person=blocker, other=person)
    ties_end_across_block(person=blocker, other=person)
    pending_invitations_to_member_revoke(inviter=blocker, member=person)
    pending_invitations_to_member_revoke(inviter=person, member=blocker)
    return block


def block_delete(*, blocker: User, handle: str) -> None:
    """Unblock `handle`: following, inviting and asking work again between them, but the follows,
    invitations and requests the block ended do not come back. Not blocking them is fine."""
    person = User.objects.filter(handle__iexact=handle.removeprefix("@")).first()
    if person is None:
        raise NotFound()
    Block.objects.filter(blocker=blocker, blocked=person).delete()


def follow_delete(*, follower: User, handle: str) -> None:
    """Stop following `handle`; not following them already is fine."""
    person = User.objects.filter(handle__iexact=handle.removeprefix("@")).first()
    if person is None:
        raise NotFound()
    Follow.objects.filter(follower=follower, followed=person).delete()


# --- Imports --------------------------------------------------------------------------------


def follow_import_create(*, user: User, text: str) -> FollowImport:
    """Read a follow list now (bad input is refused at once), match it in the background."""
    addresses = follow_list_parse(text, own_handle=user.handle)
    ratelimit_hit("follow-import", str(user.pk), limit=IMPORT_LIMIT, period=IMPORT_PERIOD)
    follow_import = FollowImport.objects.create(
        user=user, entries="\n".join(addresses), total=len(addresses)
    )
    transaction.on_commit(lambda: _enqueue(follow_import.id))
    return follow_import


def _enqueue(import_id: int) -> None:
    from .tasks import follow_import_task

    follow_import_task.enqueue(import_id)


def _match_chunk(
    *, follow_import: FollowImport, addresses: list[str], start: int
) -> list[FollowImportEntry]:
    """Who each address is here: two queries for the whole chunk."""
    handles: set[str] = set()
    identities: set[tuple[str, str]] = set()
    for address in addresses:
        if address.startswith("@"):
            handles.add(address[1:])
        elif "@" in address:
            handles.add(address.split("@", 1)[0])
        else:
            provider, username = address.split(":", 1)
            identities.add((provider, username))
    by_handle = selectors.people_by_handles(handles)
    by_identity = people_by_identities(identities)
    entries = []
    for position, address in enumerate(addresses, start=start):
        if address.startswith("@"):
            person, kind = by_handle.get(address[1:].lower()), MatchKind.FOUND
        elif "@" in address:
            # The same name on another server is not the same person: only a suggestion.
            person, kind = by_handle.get(address.split("@", 1)[0].lower()), MatchKind.PROBABLE
        else:
            provider, username = address.split(":", 1)
            person = by_identity.get((provider.lower(), username.lower()))
            kind = MatchKind.FOUND
        if person is not None and person.pk == follow_import.user_id:
            continue  # oneself, found through a linked identity
        entries.append(
            FollowImportEntry(
                follow_import_id=follow_import.id,
                position=position,
                address=address,
                kind=kind if person is not None else MatchKind.MISSING,
                person_id=person.pk if person is not None else None,
            )
        )
    return entries


def follow_import_process(*, import_id: int) -> FollowImport | None:
    """Match the import chunk by chunk; each chunk commits with its progress, so a retry resumes."""
    follow_import = FollowImport.objects.filter(id=import_id).first()
    if follow_import is None or follow_import.status == FollowImportStatus.DONE:
        return follow_import
    addresses = follow_import.entries.split("\n") if follow_import.entries else []
    FollowImport.objects.filter(id=import_id).update(status=FollowImportStatus.RUNNING)
    start = follow_import.processed
    while start < len(addresses):
        chunk = addresses[start : start + IMPORT_CHUNK]
        entries = _match_chunk(follow_import=follow_import, addresses=chunk, start=start)
        with transaction.atomic():
            FollowImportEntry.objects.bulk_create(entries)
            FollowImport.objects.filter(id=import_id).update(
                processed=F("processed") + len(chunk),
                found=F("found") + sum(1 for e in entries if e.kind == MatchKind.FOUND),
                probable=F("probable") + sum(1 for e in entries if e.kind == MatchKind.PROBABLE),
                missing=F("missing") + sum(1 for e in entries if e.kind == MatchKind.MISSING),
            )
        start += len(chunk)
    FollowImport.objects.filter(id=import_id).update(
        status=FollowImportStatus.DONE, finished_at=timezone.now()
    )
    follow_import.refresh_from_db()
    return follow_import


def follow_import_invite(*, user: User, import_id: int, entry_id: int) -> PendingInvitation:
    """Invite, with a waiting invitation, someone of the import who is not here yet."""
    follow_import = selectors.follow_import_get_for_user(user=user, import_id=import_id)
    entry = follow_import.results.filter(id=entry_id, kind=MatchKind.MISSING).first()
    if entry is None or not entry.is_identity:
        raise NotFound()
    return pending_invitation_create(inviter=user, address=entry.address)


def follow_import_follow_all(*, user: User, import_id: int) -> int:
    """Follow everyone the import found for sure (never the probable ones); how many are new."""
    follow_import = selectors.follow_import_get_for_user(user=user, import_id=import_id)
    people_ids = set(
        follow_import.results.filter(kind=MatchKind.FOUND, person__is_active=True)
        .filter(selectors.unblocked(user, "person_id"))
        .exclude(person=user)
        .values_list("person_id", flat=True)
    )
    already = selectors.following_ids_among(viewer=user, people_ids=people_ids)
    new_ids = people_ids - already
    if not new_ids:
        return 0
    ratelimit_hit("follow", str(user.pk), limit=FOLLOW_LIMIT, period=FOLLOW_PERIOD)
    Follow.objects.bulk_create(
        [Follow(follower=user, followed_id=person_id) for person_id in new_ids],
        ignore_conflicts=True,
        batch_size=500,
    )
    return len(new_ids)
