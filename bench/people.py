"""The people and the conversation a writing scenario needs, made once and found again.

Posters post through the real API with personal access tokens, made by the site's own service;
their secrets are kept in the var folder (bench-tokens.json) so that runs reuse them rather than
meet the service's limit on new tokens. A person may post MESSAGE_POST_LIMIT messages a minute,
so a scenario spreads its posts over enough posters.
"""

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

POSTER_PREFIX = "benchposter"
MENTIONED_PREFIX = "benchmentioned"
TOKEN_NAME = "bench"  # noqa: S105 (the token's label, not a secret)


@dataclass(frozen=True)
class Poster:
    handle: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"}


def posters_needed(posts: int, minutes: float) -> int:
    """Enough posters for `posts` within the per-person limit, counting generously."""
    from perchoir.conversations.services import MESSAGE_POST_LIMIT

    per_poster = max(1, int(MESSAGE_POST_LIMIT * 0.75))
    return max(4, math.ceil(posts / (per_poster * max(1.0, minutes))) * 2)


def posters_ready(count: int, var_dir: Path) -> list[Poster]:
    from perchoir.api.services import access_token_authenticate, access_token_create

    kept_path = var_dir / "bench-tokens.json"
    kept: dict[str, str] = json.loads(kept_path.read_text()) if kept_path.exists() else {}
    posters = []
    for person in _people(POSTER_PREFIX, count):
        secret = kept.get(person.handle, "")
        if not secret or access_token_authenticate(token=secret) is None:
            _token, secret = access_token_create(user=person, name=TOKEN_NAME)
            kept[person.handle] = secret
        posters.append(Poster(handle=person.handle, token=secret))
    kept_path.write_text(json.dumps(kept))
    kept_path.chmod(0o600)
    return posters


def mentioned_people(count: int) -> list[str]:
    """People to mention, each with a verified address: mentions notify them by email too."""
    from allauth.account.models import EmailAddress

    people = _people(MENTIONED_PREFIX, count)
    for person in people:
        EmailAddress.objects.get_or_create(
            user=person, email=person.email, defaults={"verified": True, "primary": True}
        )
    return [person.handle for person in people]


def _people(prefix: str, count: int) -> list[Any]:
    from perchoir.accounts.models import User

    people = []
    for n in range(1, count + 1):
        handle = f"{prefix}{n}"
        person = User.objects.filter(handle=handle).first()
        if person is None:
            person = User.objects.create_user(
                handle=handle, email=f"{handle}@example.org", password=None, display_name=handle
            )
        people.append(person)
    return people


def conversation_with(title: str, posters: list[Poster]) -> int:
    """A public conversation of that title where every poster takes part; its id."""
    from perchoir.accounts.models import User
    from perchoir.conversations import services
    from perchoir.conversations.models import Conversation, Participant

    starter = User.objects.get(handle=posters[0].handle)
    conversation = Conversation.objects.filter(title=title, starter=starter).first()
    if conversation is None:
        conversation = services.conversation_start(starter=starter, title=title, body=title)
    # Joining is a flow of invitations and answers; the scenario only needs them in.
    for person in User.objects.filter(handle__in=[poster.handle for poster in posters]):
        Participant.objects.update_or_create(
            conversation=conversation, user=person, defaults={"removed_at": None}
        )
    return conversation.pk
