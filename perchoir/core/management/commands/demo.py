# ruff: noqa: RUF001 (the French texts use the typographic apostrophe on purpose)
"""`perchoir demo`: a small, believable community, so that a newcomer sees a living site.

Twelve people with English and French names, Markdown bios and avatars (drawn here, then passed
through the one media pipeline), verified addresses and one demo password; most of them joined
through invite links of others (an invite tree); two invitation requests wait for a decision.

They talk: a public conversation of a few hundred messages (replies quoting passages, mentions,
an edited message, a deleted one, passages highlighted by several readers, a suggested message),
a branch from one of its passages, a conversation started from a link, one in French with a
request to join waiting, a private one and an unlisted one.

Every write goes through the same services as the site; only the dates are moved into the past
afterwards, so that the conversations read as weeks of talk. Running it again changes nothing.
"""

import colorsys
import hashlib
import random
import re
from dataclasses import dataclass, field
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
from perchoir.conversations import services as conversations
from perchoir.conversations.models import Conversation, Message, Visibility
from perchoir.core.errors import ApplicationError
from perchoir.core.markdown import render_markdown
from perchoir.core.ratelimit import ratelimits_suspended
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


# --- Conversations ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Line:
    """One message of a scripted conversation."""

    who: str
    text: str
    reply_to: int | None = None  # index of an earlier line it answers
    quote: str = ""  # the passage of that line it quotes ("" quotes the whole message)


@dataclass
class Script:
    """A conversation to start: its first line is the starter's opening message."""

    title: str
    starter: str
    cast: tuple[str, ...]  # the others taking part: invited, and they accept
    visibility: str = Visibility.PUBLIC
    link_url: str = ""
    days_ago: int = 10  # when it started
    quiet_hours: int = 1  # since its last message
    lines: list[Line] = field(default_factory=list)
    # Lines referred to after posting (edited, deleted, highlighted, branched from): name → index.
    marks: dict[str, int] = field(default_factory=dict)

    def say(self, who: str, text: str, *, reply_to: int | None = None, quote: str = "") -> int:
        self.lines.append(Line(who, text, reply_to, quote))
        return len(self.lines) - 1

    @property
    def people(self) -> tuple[str, ...]:
        return (self.starter, *self.cast)


ALLOTMENT_MESSAGES = 250

GARDEN_THINGS = [
    "tomatoes", "runner beans", "courgettes", "rhubarb", "broad beans", "raspberry canes",
    "garlic", "squashes", "sweet peas", "potatoes", "leeks", "strawberries", "beetroots",
    "chard", "onions", "carrots", "peas", "pumpkins", "lettuces", "gooseberries",
]  # fmt: skip
GARDEN_STATES = [
    "are finally flowering", "went wild after the rain", "look sulky this week",
    "have been nibbled again", "are doing better than last year", "need staking already",
    "survived the frost, somehow", "are taking over the path", "came up patchy",
    "are ready to pick", "bolted in the heat", "are twice the size of last year’s",
]  # fmt: skip
GARDEN_TIPS = [
    "mulching with grass clippings", "a comfrey feed every fortnight", "watering at dawn only",
    "marigolds between the rows", "a cheap net against the pigeons",
    "sowing a second batch three weeks later", "crushed eggshells around the stems",
    "leaving one corner wild for the insects", "a rain barrel on the shed",
    "pinching out the side shoots", "coffee grounds from the café on the corner",
]  # fmt: skip
OPENERS = [
    "Update from plot 14:", "Quick one:", "Small victory:", "Confession:", "Weekend report:",
    "Question for the experts:", "Today’s lesson:", "News from the shed:", "",
]  # fmt: skip
TIP_SENTENCES = [
    "Has anyone tried {tip}?", "Would {tip} help, or is that a myth?",
    "Next year I’m trying {tip}.", "Someone at the gate swore by {tip}.",
    "I started {tip} and it seems to work.", "My neighbour laughs at {tip}, but look at her beans.",
]  # fmt: skip
REACTIONS = [
    "Ha, same here.", "That’s brilliant.", "Oh no!", "Photos, please!", "I’m stealing that idea.",
    "Good to know.", "Exactly my experience.", "Ours too, funnily enough.", "Bold move.",
    "Respect.", "This thread is the best part of my week.", "Noted, thank you!",
]  # fmt: skip
SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def _passage_of(text: str) -> str:
    """The longest sentence of a message as it reads: a passage worth quoting."""
    plain = conversations.plain_text(render_markdown(text))
    return max(SENTENCE_END.split(plain), key=len)


def _garden_chatter(rng: random.Random, script: Script) -> None:
    """One more message of the allotment thread: news, a tip, a reaction, a reply, a mention."""
    lines = script.lines
    last = lines[-1].who
    who = rng.choice([person for person in script.people if person != last])
    thing, state = rng.choice(GARDEN_THINGS), rng.choice(GARDEN_STATES)
    tip = rng.choice(TIP_SENTENCES).format(tip=rng.choice(GARDEN_TIPS))
    # One of the last messages, by someone else, to reply to (a list quotes badly).
    earlier = [
        i
        for i in range(max(0, len(lines) - 8), len(lines))
        if lines[i].who != who and "\n" not in lines[i].text
    ]
    roll = rng.random()
    if roll < 0.22 and earlier:
        target = rng.choice(earlier)
        answer = rng.choice([tip, f"My {thing} {state}.", f"Same with the {thing}."])
        # Quoting the longest sentence of the message replied to.
        script.say(
            who,
            f"{rng.choice(REACTIONS)} {answer}",
            reply_to=target,
            quote=_passage_of(lines[target].text),
        )
    elif roll < 0.32:
        other = rng.choice([person for person in script.people if person != who])
        script.say(who, f"@{other} your {thing}: how do you do it? Mine {state}.")
    elif roll < 0.40:
        picked = rng.sample(GARDEN_THINGS, 3)
        script.say(
            who,
            f"Harvest so far:\n\n- {rng.randint(2, 30)} {picked[0]}\n- a basket of "
            f"{picked[1]}\n- {picked[2]}: don’t ask",
        )
    else:
        opener = rng.choice(OPENERS)
        news = f"{opener} my **{thing}**" if opener else f"My **{thing}**"
        script.say(who, f"{news} {state}. {tip}")


def allotment_script() -> Script:
    """The long public thread: a season on the allotments, among eight people."""
    script = Script(
        title="The allotment diaries: what is growing (and what is not)",
        starter="oliver",
        cast=("grace", "priya", "jonah", "samuel", "theo", "camille", "amina"),
        days_ago=42,
    )
    say, rng = script.say, random.Random(2024)

    def chatter() -> None:
        # Between two remarkable messages, an eighth of the thread's everyday talk.
        for _ in range(ALLOTMENT_MESSAGES // 8):
            _garden_chatter(rng, script)

    say(
        "oliver",
        "Spring is here and the allotments are waking up. Let’s keep one long thread for the "
        "whole season: what you sow, what thrives, what the slugs eat first.\n\n"
        "**Photos welcome**, failures even more so.",
    )
    say("grace", "I’m in. Night shifts mean I water at 7am, which the seedlings seem to love.")
    newcomer = say(
        "priya",
        "First-timer here! I have a raised bed of three metres by four and absolutely no idea "
        "what I’m doing.",
    )
    script.marks["rules"] = say(
        "oliver",
        "That’s the best way to start. Three rules: **water deeply, not often**; grow what you "
        "like to eat; and write down what you did, because you won’t remember it in July.",
        reply_to=newcomer,
        quote="absolutely no idea what I’m doing.",
    )
    say("camille", "Rule three is the one nobody follows. Myself included.")
    chatter()
    script.marks["typo"] = say(
        "grace", "Picked the first tomatos today. Tiny, lopsided and the best I ever ate."
    )
    chatter()
    script.marks["chess"] = say(
        "samuel",
        "A garden is a game of chess against the weather: you never win, you only learn the "
        "openings.",
    )
    chatter()
    script.marks["seed_swap"] = say(
        "camille",
        "At the library we hold a seed swap every March. Bring an envelope of anything you "
        "saved, leave with something you have never grown.",
    )
    say(
        "priya",
        "I love this. Could there be one in every neighbourhood, not just at the library?",
        reply_to=script.marks["seed_swap"],
        quote="a seed swap every March",
    )
    chatter()
    script.marks["hedgehog"] = say(
        "theo",
        "A marine biologist’s view on slugs: they are molluscs, like my nudibranchs, only less "
        "fashionable. Beer traps work, but a hedgehog works better.",
    )
    say("grace", "@theo where does one get a hedgehog? Asking for my lettuces.")
    chatter()
    script.marks["wrong_thread"] = say(
        "jonah", "Does anyone know if the Col de la Croix de Fer is open yet?"
    )
    say("jonah", "Sorry, wrong conversation: that was meant for the cycling one.")
    while len(script.lines) < ALLOTMENT_MESSAGES:
        _garden_chatter(rng, script)
    return script


GRACE_TYPO_FIXED = "Picked the first tomatoes today. Tiny, lopsided and the best I ever ate."
# Passages readers highlighted: mark → (passage, readers).
ALLOTMENT_HIGHLIGHTS = {
    "chess": (
        "you never win, you only learn the openings.",
        ("hugo", "lea", "margaux", "ines", "priya"),
    ),
    "hedgehog": ("Beer traps work, but a hedgehog works better.", ("oliver", "grace", "lea")),
    "rules": ("water deeply, not often", ("priya", "jonah", "amina", "hugo")),
    "seed_swap": ("Bring an envelope of anything you saved", ("priya", "margaux")),
}
MARGAUX_SUGGESTION = (
    "Not a gardener, a potter: I can make you **terracotta ollas** for slow watering, if "
    "anyone would like to try. You bury them, fill them once a week, and the roots drink."
)


def seed_swap_script() -> Script:
    """A branch from Camille's message in the allotment thread."""
    script = Script(
        title="Seed swaps in every neighbourhood",
        starter="priya",
        cast=("camille", "margaux", "hugo"),
        days_ago=20,
        quiet_hours=3,
    )
    say = script.say
    say(
        "priya",
        "Branching off the allotment thread: what would it take to hold a seed swap in every "
        "neighbourhood? A table, some envelopes, and a date everybody remembers?",
    )
    say("camille", "A place that is open and free. Libraries are perfect; so are cafés.")
    say("margaux", "Je peux faire des petits pots en terre pour les graines, si ça vous dit.")
    say("priya", "@margaux yes please! Little pots would make it feel like a real market.")
    say("hugo", "Les vieilles gares ont souvent une salle d’attente vide. Juste une idée.")
    say("camille", "Let’s draft a one-page guide: where, when, what to bring, how to label.")
    say(
        "priya",
        "Draft guide:\n\n1. Pick a first Saturday of March\n2. One table per kind of seed\n"
        "3. Label everything: name, year, where it grew",
    )
    return script


def cycling_script() -> Script:
    """Started from a link; offline, the preview cannot be fetched and the link shows alone."""
    script = Script(
        title="Quiet roads out of town, mapped",
        starter="jonah",
        cast=("oliver", "samuel"),
        link_url="https://www.openstreetmap.org/",
        days_ago=14,
        quiet_hours=20,
    )
    say = script.say
    say(
        "jonah",
        "I’m mapping the quiet roads out of Bristol: no lorries, few cars, good cafés. Add your "
        "favourites and I’ll put them on the map.",
    )
    say("oliver", "The lane behind the allotments to Long Ashton. Flat, shaded, one good pub.")
    say("samuel", "Is there a route for kids? My chess club wants a ride in June.")
    say("jonah", "@samuel the railway path! Traffic-free for miles and it ends at a playground.")
    say("samuel", "Perfect. I’ll bring the snacks, you bring the map.")
    return script


def stations_script() -> Script:
    """In French; Théo's request to join waits for an answer."""
    script = Script(
        title="Gares oubliées : lesquelles valent le détour ?",
        starter="hugo",
        cast=("amina", "lea", "margaux", "camille", "ines"),
        days_ago=25,
        quiet_hours=5,
    )
    say = script.say
    say(
        "hugo",
        "Avec mes élèves, on fait l’inventaire des **gares désaffectées** de la région. "
        "Lesquelles vous ont marqués ? Architecture, ambiance, histoire, tout compte.",
    )
    say(
        "amina",
        "La gare de Lyon-Saint-Paul, pour l’acoustique du hall. J’y ai enregistré un chœur.",
    )
    say("lea", "Celle de Nantua : la typographie des panneaux d’origine est encore là.")
    first = say(
        "margaux",
        "Il y a une halte près de chez ma mère, envahie par les glycines. On dirait un décor.",
    )
    say(
        "hugo",
        "@margaux tu as une photo ? Ça ferait une belle affiche pour l’exposition.",
        reply_to=first,
    )
    say("camille", "La bibliothèque a des cartes postales anciennes de plusieurs de ces gares.")
    say("ines", "Et si on chantait dans l’une d’elles pour le concert d’été ?")
    say("hugo", "Une exposition, des cartes postales et un concert : on tient un projet.")
    return script


THEO_PITCH = "Je prends le train Brest–Quimper chaque semaine : j’ai quelques haltes à proposer !"


def surprise_script() -> Script:
    """Private: only its participants know it exists (not Camille)."""
    script = Script(
        title="Surprise pour l’anniversaire de Camille",
        starter="amina",
        cast=("lea", "hugo", "margaux", "ines"),
        visibility=Visibility.PRIVATE,
        days_ago=9,
        quiet_hours=30,
    )
    say = script.say
    say("amina", "Chut ! Camille a 40 ans le mois prochain. On lui organise quelque chose ?")
    say("lea", "Je m’occupe de l’affiche et des invitations, évidemment.")
    say("ines", "Le chœur peut chanter, si on répète deux fois d’ici là.")
    say("margaux", "Je tourne un bol avec son nom dessous. Bancal, comme il se doit.")
    say("hugo", "Rendez-vous à la vieille gare ? Elle adore les cartes postales de l’endroit.")
    say("amina", "Parfait : samedi 14, 18 h, à la gare. Personne ne dit rien !")
    return script


def choir_script() -> Script:
    """Unlisted: readable by anyone with the link, never listed."""
    script = Script(
        title="Répertoire du concert de printemps",
        starter="ines",
        cast=("amina", "lea"),
        visibility=Visibility.UNLISTED,
        days_ago=6,
        quiet_hours=48,
    )
    say = script.say
    say(
        "ines",
        "Voici la liste provisoire :\n\n- *Le Temps des cerises*\n- *Shenandoah*\n"
        "- un canon à quatre voix, à choisir",
    )
    say("amina", "Pour le canon, *Dona nobis pacem* : facile à apprendre, superbe dans une gare.")
    say("lea", "Je fais le programme imprimé. Il me faut la liste définitive vendredi.")
    say("ines", "Validé. Et toujours pas de ténors : parlez-en autour de vous !")
    return script


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
        with ratelimits_suspended():
            created_people, created_links, created_requests, created_talks = self._fill()
        if not (created_people or created_links or created_requests or created_talks):
            self.stdout.write("The demo community is already here; nothing changed.")
        else:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Demo community ready: {created_people} people, {created_links} invite "
                    f"links, {created_requests} invitation requests and {created_talks} "
                    "conversations added."
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
    def _fill(self) -> tuple[int, int, int, int]:
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
        created_talks = self._conversations(people)
        from perchoir.collections.demo import demo_collections_add

        created_collections = demo_collections_add(people)
        if created_collections:
            self.stdout.write(f"{created_collections} demo collections added.")
        return created_people, created_links, created_requests, created_talks

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

    # --- Conversations ---

    def _conversations(self, people: dict[str, User]) -> int:
        """Each conversation once (found again by its starter and title); how many were added.
        Real accounts that happen to hold a demo handle take no part."""
        demo = {handle: person for handle, person in people.items() if _is_demo(person)}
        before = Conversation.objects.count()
        allotment = allotment_script()
        posted = self._play(allotment, demo)
        if posted is not None:
            self._allotment_afterwards(allotment, posted, demo)
        for script in (cycling_script(), surprise_script(), choir_script()):
            self._play(script, demo)
        stations = self._play(stations_script(), demo)
        if stations is not None and "theo" in demo:
            conversations.join_request_create(
                requester=demo["theo"],
                conversation_id=stations[0].conversation_id,
                pitch=THEO_PITCH,
            )
        return Conversation.objects.count() - before

    def _play(
        self,
        script: Script,
        people: dict[str, User],
        *,
        origin: conversations.StartOrigin | None = None,
    ) -> list[Message] | None:
        """Start the conversation, bring its cast in, post its lines, in the past; its messages,
        or None when it is already here (or one of its people is missing)."""
        if any(handle not in people for handle in script.people):
            return None
        starter = people[script.starter]
        if Conversation.objects.filter(starter=starter, title=script.title).exists():
            return None
        opening, *lines = script.lines
        assert opening.who == script.starter
        conversation = conversations.conversation_start(
            starter=starter,
            title=script.title,
            body=opening.text,
            visibility=script.visibility,
            origin=origin or conversations.StartOrigin(link_url=script.link_url),
            invitees=[f"@{handle}" for handle in script.cast],
        )
        for handle in script.cast:
            conversations.invitation_accept(user=people[handle], conversation_id=conversation.pk)
        posted = list(conversation.messages.all())
        for line in lines:
            author = people[line.who]
            posted.append(
                conversations.message_post(
                    author=author,
                    conversation_id=conversation.pk,
                    body=line.text,
                    reply_to_id=posted[line.reply_to].pk if line.reply_to is not None else None,
                    quoted_passage=line.quote,
                )
            )
        _spread_over_time(conversation, posted, script)
        return posted

    def _allotment_afterwards(
        self, script: Script, posted: list[Message], people: dict[str, User]
    ) -> None:
        """An edit, a deletion, highlights, a suggested message and a branch."""
        marked = {name: posted[index] for name, index in script.marks.items()}
        conversation_id = posted[0].conversation_id
        conversations.message_edit(
            author=people["grace"],
            conversation_id=conversation_id,
            message_id=marked["typo"].pk,
            body=GRACE_TYPO_FIXED,
        )
        conversations.message_delete(
            author=people["jonah"],
            conversation_id=conversation_id,
            message_id=marked["wrong_thread"].pk,
        )
        for name, (passage, readers) in ALLOTMENT_HIGHLIGHTS.items():
            for handle in readers:
                if handle in people:
                    conversations.highlight_add(
                        user=people[handle],
                        conversation_id=conversation_id,
                        message_id=marked[name].pk,
                        passage=passage,
                    )
        if "margaux" in people:
            conversations.suggestion_create(
                requester=people["margaux"],
                conversation_id=conversation_id,
                body=MARGAUX_SUGGESTION,
            )
        self._play(
            seed_swap_script(),
            people,
            origin=conversations.StartOrigin(
                branch_conversation_id=conversation_id,
                branch_message_id=marked["seed_swap"].pk,
                passage="a seed swap every March",
            ),
        )


def _is_demo(person: User) -> bool:
    return person.email.endswith(f"@{DEMO_EMAIL_DOMAIN}")


def _spread_over_time(conversation: Conversation, posted: list[Message], script: Script) -> None:
    """Weeks of talk rather than a few seconds: the messages keep their order, spread from
    `days_ago` until `quiet_hours` ago. Dates only; everything else was written by services."""
    rng = random.Random(script.title)
    end = timezone.now() - timedelta(hours=script.quiet_hours)
    start = end - timedelta(days=script.days_ago)
    step = (end - start) / len(posted)
    for index, message in enumerate(posted):
        message.created_at = start + step * (index + rng.random() * 0.8)
    Message.objects.bulk_update(posted, ["created_at"])
    Conversation.objects.filter(pk=conversation.pk).update(
        created_at=posted[0].created_at, last_activity_at=posted[-1].created_at
    )
