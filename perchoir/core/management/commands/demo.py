# ruff: noqa: RUF001 (the French texts use the typographic apostrophe on purpose)
"""`perchoir demo`: a small, believable community, so that a newcomer sees a living site.

Twelve people with English and French names, Markdown bios and avatars (drawn here, then passed
through the one media pipeline), verified addresses and one demo password; most of them joined
through invite links of others (an invite tree); two invitation requests wait for a decision.

Every write goes through the same services as the site. Running it again changes nothing.
"""

import colorsys
import hashlib
from dataclasses import dataclass
from datetime import timedelta
from io import BytesIO
from typing import Any

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import AnonymousUser
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from PIL import Image, ImageDraw, ImageFont

from perchoir.accounts.models import Role, User
from perchoir.accounts.services import profile_avatar_set, profile_update
from perchoir.core.errors import ApplicationError
from perchoir.invitations.models import InviteLink, InviteRequest
from perchoir.invitations.services import (
    invite_link_create,
    invite_request_create,
    signup_user_save,
)

# Demo people are recognised by this address domain (reserved for examples, never delivered).
DEMO_EMAIL_DOMAIN = "demo.example"
DEMO_PASSWORD = "perchoir-demo"  # noqa: S105 (printed for the demo; refused on real sites)
AVATAR_SIZE = 256


@dataclass(frozen=True)
class DemoPerson:
    handle: str
    display_name: str
    language: str
    bio: str
    invited_by: str = ""  # handle of the demo person whose invite link they used
    role: str = Role.MEMBER
    joined_days_ago: int = 30

    @property
    def email(self) -> str:
        return f"{self.handle}@{DEMO_EMAIL_DOMAIN}"


PEOPLE = [
    DemoPerson(
        "camille",
        "Camille Durand",
        "fr",
        "Bibliothécaire à Lyon. J’anime le **club de lecture** du jeudi et je collectionne "
        "les cartes postales anciennes.\n\n*Modératrice* : écrivez-moi si quelque chose cloche.",
        role=Role.MODERATOR,
        joined_days_ago=120,
    ),
    DemoPerson(
        "oliver",
        "Oliver Bennett",
        "en",
        "Allotment gardener and amateur beekeeper in Bristol. Ask me about *tomatoes*, "
        "or about [why bees dance](https://en.wikipedia.org/wiki/Waggle_dance).",
        invited_by="camille",
        joined_days_ago=110,
    ),
    DemoPerson(
        "amina",
        "Amina Diallo",
        "fr",
        "Ingénieure du son le jour, chanteuse le soir. Je partage ici mes **playlists** "
        "et mes trouvailles de vinyles.",
        invited_by="camille",
        joined_days_ago=104,
    ),
    DemoPerson(
        "jonah",
        "Jonah Fischer",
        "en",
        "Cyclist, map nerd, occasional baker.\n\n- Favourite climb: *Col du Galibier*\n"
        "- Favourite bread: rye, always rye",
        invited_by="camille",
        joined_days_ago=96,
    ),
    DemoPerson(
        "hugo",
        "Hugo Lefèvre",
        "fr",
        "Prof d’histoire au collège. Passionné de **patrimoine industriel** et de vieilles "
        "gares oubliées.",
        invited_by="amina",
        joined_days_ago=88,
    ),
    DemoPerson(
        "grace",
        "Grace O’Connor",
        "en",
        "Nurse on night shifts, knitter on days off. I keep a collection of "
        "**patterns** that actually work.",
        invited_by="oliver",
        joined_days_ago=80,
    ),
    DemoPerson(
        "theo",
        "Théo Martin",
        "fr",
        "Étudiant en biologie marine à Brest. Photos de *nudibranches* à volonté.",
        invited_by="oliver",
        joined_days_ago=71,
    ),
    DemoPerson(
        "lea",
        "Léa Rousseau",
        "fr",
        "Graphiste indépendante. Typographie, affiches, et beaucoup trop de thé.",
        invited_by="amina",
        joined_days_ago=63,
    ),
    DemoPerson(
        "priya",
        "Priya Raman",
        "en",
        "Software developer who would rather be hiking. Currently reading **everything** "
        "about the history of tea.",
        invited_by="grace",
        joined_days_ago=50,
    ),
    DemoPerson(
        "samuel",
        "Samuel Okafor",
        "en",
        "Chess coach for kids on Saturdays. I collect *opening traps* and bad puns.",
        invited_by="grace",
        joined_days_ago=41,
    ),
    DemoPerson(
        "margaux",
        "Margaux Petit",
        "fr",
        "Céramiste. Je tourne des bols un peu bancals et j’en suis fière.",
        invited_by="hugo",
        joined_days_ago=27,
    ),
    DemoPerson(
        "ines",
        "Inès Moreau",
        "fr",
        "Cheffe de chœur amateur. On cherche toujours des **ténors** !",
        invited_by="lea",
        joined_days_ago=12,
    ),
]

INVITE_NOTES = {
    "camille": "Club de lecture",
    "oliver": "Allotment neighbours",
    "amina": "Les amis du studio",
    "grace": "Knitting circle",
    "hugo": "Collègues",
    "lea": "Atelier",
}

INVITE_REQUESTS = [
    (
        "nadia.benali@demo.example",
        "fr",
        "Bonjour ! Camille m’a parlé du club de lecture, j’aimerais beaucoup y participer.",
    ),
    (
        "tom.whitaker@demo.example",
        "en",
        "Hi, I run a small repair café and would love to share our fixes here.",
    ),
]


def _avatar_colour(handle: str) -> tuple[int, int, int]:
    """A soft, pleasant colour that stays the same for a handle."""
    hue = int(hashlib.sha256(handle.encode()).hexdigest()[:4], 16) / 0xFFFF
    red, green, blue = colorsys.hls_to_rgb(hue, 0.62, 0.45)
    return int(red * 255), int(green * 255), int(blue * 255)


def _initials(name: str) -> str:
    parts = [part for part in name.replace("’", " ").split() if part[:1].isalpha()]
    return "".join(part[0] for part in parts[:2]).upper() or "?"


def avatar_png(person: DemoPerson) -> BytesIO:
    """Initials in white on a soft colour, as a PNG file."""
    image = Image.new("RGB", (AVATAR_SIZE, AVATAR_SIZE), _avatar_colour(person.handle))
    draw = ImageDraw.Draw(image)
    text = _initials(person.display_name)
    font: Any
    try:
        font = ImageFont.load_default(size=AVATAR_SIZE * 0.4)
    except (OSError, TypeError, ValueError):  # Pillow built without FreeType
        font = ImageFont.load_default()
    draw.text(
        (AVATAR_SIZE / 2, AVATAR_SIZE / 2), text, fill=(255, 255, 255), font=font, anchor="mm"
    )
    buffer = BytesIO()
    image.save(buffer, format="PNG")
    buffer.seek(0)
    buffer.name = f"{person.handle}.png"
    return buffer


class Command(BaseCommand):
    help = "Fill the site with a small demo community (people, profiles, invitations)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run even though the site is not in debug mode and has real accounts.",
        )

    def handle(self, *args: Any, force: bool = False, **options: Any) -> None:
        self._refuse_on_a_real_site(force=force)
        self._password_hash = make_password(DEMO_PASSWORD)
        created_people, created_links, created_requests = self._fill()
        if not (created_people or created_links or created_requests):
            self.stdout.write("The demo community is already here; nothing changed.")
        else:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Demo community ready: {created_people} people, {created_links} invite "
                    f"links and {created_requests} invitation requests added."
                )
            )
        handles = ", ".join(f"{p.handle}@{DEMO_EMAIL_DOMAIN}" for p in PEOPLE[:3])
        self.stdout.write(
            f"Sign in as any of them ({handles}, …) with the password: {DEMO_PASSWORD}"
        )

    def _refuse_on_a_real_site(self, *, force: bool) -> None:
        if settings.DEBUG or force:
            return
        founder = User.objects.filter(is_superuser=True).order_by("date_joined", "id").first()
        real = User.objects.exclude(email__iendswith=f"@{DEMO_EMAIL_DOMAIN}")
        if founder is not None:
            real = real.exclude(id=founder.id)
        if real.exists():
            raise CommandError(
                "This site has real accounts and PERCHOIR_DEBUG is off: the demo community "
                "(with a printed password) is not added. Use --force if you really mean it."
            )

    @transaction.atomic
    def _fill(self) -> tuple[int, int, int]:
        people: dict[str, User] = {}
        links: dict[str, InviteLink] = {}
        created_people = created_links = 0
        for person in PEOPLE:
            existing = User.objects.filter(handle__iexact=person.handle).first()
            if existing is not None:
                if not existing.email.endswith(f"@{DEMO_EMAIL_DOMAIN}"):
                    self.stderr.write(f"@{person.handle} is a real account; left untouched.")
                people[person.handle] = existing
                continue
            link = None
            inviter = people.get(person.invited_by)
            if inviter is not None:
                link = links.get(person.invited_by)
                if link is None:
                    link = self._invite_link(inviter)
                    links[person.invited_by] = link
                    created_links += 1
            people[person.handle] = self._person(person, link)
            created_people += 1
        created_requests = self._invite_requests()
        return created_people, created_links, created_requests

    def _invite_link(self, inviter: User) -> InviteLink:
        uses = sum(1 for p in PEOPLE if p.invited_by == inviter.handle)
        note = INVITE_NOTES.get(inviter.handle, "")
        try:
            return invite_link_create(user=inviter, note=note, days=14, max_uses=uses + 1)
        except ApplicationError:
            # The site's rules (members may not invite, quotas) are for people, not for a demo.
            return InviteLink.objects.create(
                code=f"demo-{inviter.handle}-{timezone.now():%Y%m%d%H%M%S}",
                created_by=inviter,
                note=note,
                max_uses=uses + 1,
                expires_at=timezone.now() + timedelta(days=14),
            )

    def _person(self, person: DemoPerson, link: InviteLink | None) -> User:
        user = User(
            handle=person.handle,
            email=person.email,
            display_name=person.display_name,
            language=person.language,
            role=person.role,
        )
        # Hashed once for everybody: Argon2 is slow on purpose, twelve times would be felt.
        user.password = self._password_hash
        try:
            user = signup_user_save(user=user, invite_code=link.code if link else None)
        except ApplicationError:
            # A closed or invite-only site: the demo still shows who invited whom.
            if link is not None:
                user.invited_by = link.created_by
                user.joined_via = link
                link.uses_count += 1
                link.save(update_fields=["uses_count"])
            user.save()
        EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
        profile_update(
            user=user, display_name=person.display_name, handle=person.handle, bio=person.bio
        )
        profile_avatar_set(user=user, file=avatar_png(person))
        User.objects.filter(id=user.id).update(
            date_joined=timezone.now() - timedelta(days=person.joined_days_ago)
        )
        return user

    def _invite_requests(self) -> int:
        created = 0
        for index, (email, language, message) in enumerate(INVITE_REQUESTS):
            if InviteRequest.objects.filter(email__iexact=email).exists():
                continue
            try:
                invite_request_create(
                    viewer=AnonymousUser(),
                    email=email,
                    message=message,
                    language=language,
                    client_key=f"demo-{index}",
                )
            except ApplicationError:
                # Only an invite-only site takes requests; the demo shows one anyway.
                InviteRequest.objects.create(email=email, message=message, language=language)
            created += 1
        return created
