"""Demo collections for `perchoir demo`: a photo collection with real generated images, an
articles collection open to submissions, and a "next training sessions" collection of events.

Everything goes through the services (the media pipeline, Markdown rendering, approvals), so the
demo shows what people would make. Running it again adds nothing.
"""

import colorsys
import math
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from io import BytesIO
from zoneinfo import ZoneInfo

from django.utils import timezone
from PIL import Image, ImageDraw

from perchoir.accounts.models import User

from . import services
from .models import Collection, ContributionPolicy, Visibility
from .services import ItemFields

PHOTO_SIZE = (1200, 800)
# Client tokens that mark the demo collections: running the demo again finds them.
DEMO_MARKS = {"photos": "demo-photos", "articles": "demo-articles", "events": "demo-events"}


@dataclass(frozen=True)
class Photo:
    title: str
    caption: str
    alt_text: str
    hue: float
    seed: int


PHOTOS = [
    Photo(
        "Dawn over the allotment",
        "The first light on the bean rows.",
        "An orange and pink sky over low green hills",
        0.07,
        1,
    ),
    Photo(
        "Rain on the canal",
        "Taken from the bridge, just before the storm.",
        "Blue and grey circles spreading on dark water",
        0.58,
        2,
    ),
    Photo("Lavender field", "Drôme, in July.", "Purple rows under a pale sky", 0.77, 3),
    Photo(
        "Autumn beech",
        "The old tree behind the library.",
        "Copper and gold leaves against a blue sky",
        0.1,
        4,
    ),
    Photo(
        "Night market",
        "Lanterns along the river.",
        "Warm dots of light on a deep blue background",
        0.63,
        5,
    ),
    Photo("Sea fog", "Morning at the lighthouse.", "Soft white and teal bands of mist", 0.48, 6),
]

ARTICLES = [
    (
        "camille",
        "Why we read aloud on Thursdays",
        "Reading aloud slows us down. A page that we would skim alone becomes a shared "
        "landscape: we hear the commas, the hesitations, the jokes that only work when spoken."
        "\n\n## How it works\n\nEach week one of us chooses a passage of **ten minutes at most**."
        " We read it twice: once straight through, once stopping wherever anyone wants.\n\n"
        "> The second reading is where the club happens.\n\nCome along, there are biscuits.",
    ),
    (
        "hugo",
        "Seed saving for impatient gardeners",
        "You do not need a greenhouse to save seeds. Start with **beans and tomatoes**: they "
        "mostly self-pollinate, so next year's plants look like this year's.\n\n"
        "1. Pick the best fruit, not the leftovers.\n2. Dry beans in their pods on a sunny "
        "sill.\n3. Ferment tomato seeds for three days, rinse, dry on paper.\n\nLabel "
        "everything. You will not remember.",
    ),
    (
        "priya",
        "Cycling to work in winter, honestly",
        "Cold is a clothing problem; dark is a lights problem; wet is a mudguard problem. "
        "Solve those three and winter is the best season: empty cycle paths, crisp air, and "
        "the smug warmth of arriving already awake.\n\n*Start with one day a week.*",
    ),
]

SUBMITTED_ARTICLE = (
    "lea",
    "Postcards from a flea market",
    "Sunday's haul: twelve postcards from the 1950s, one of them written in green ink to a "
    "certain *Madeleine* who had, apparently, forgotten her umbrella in Dieppe.",
)

EVENTS = [
    (
        "Introduction to moderation with tact",
        9,
        "Lyon, Bibliothèque du 3e, salle B",
        "",
        "New moderators and curious members",
        [
            ("09:30", "Welcome and coffee"),
            ("10:00", "The gentlest action that works"),
            ("11:15", "Writing a statement of reasons"),
            ("12:00", "Questions"),
        ],
        "Europe/Paris",
    ),
    (
        "Running Perchoir on your own server",
        16,
        "",
        "https://meet.example.org/perchoir-ops",
        "Administrators",
        [
            ("18:00", "Two commands to start"),
            ("18:30", "PostgreSQL and Redis"),
            ("19:15", "Backups and upgrades"),
        ],
        "Europe/Paris",
    ),
    (
        "Markdown for everyone",
        23,
        "Montréal, Café des mots",
        "",
        "Beginners",
        [
            ("14:00", "Bold, italic and links"),
            ("14:45", "Quotes and lists"),
            ("15:30", "Practice on a real article"),
        ],
        "America/Montreal",
    ),
]


def photo_png(photo: Photo) -> BytesIO:
    """A soft abstract landscape: a sky gradient, a sun and rolling hills, as a PNG."""
    width, height = PHOTO_SIZE
    rng = random.Random(photo.seed)
    image = Image.new("RGB", PHOTO_SIZE)
    draw = ImageDraw.Draw(image)
    for y in range(height):
        light = 0.82 - 0.35 * (y / height)
        r, g, b = colorsys.hls_to_rgb((photo.hue + 0.08 * y / height) % 1, light, 0.55)
        draw.line([(0, y), (width, y)], fill=(int(r * 255), int(g * 255), int(b * 255)))
    sun_x, sun_y = rng.randint(200, width - 200), rng.randint(120, 320)
    draw.ellipse([sun_x - 70, sun_y - 70, sun_x + 70, sun_y + 70], fill=(255, 244, 214))
    for layer in range(4):
        base = height * (0.55 + 0.11 * layer)
        phase, amplitude = rng.random() * math.tau, 30 + 12 * layer
        r, g, b = colorsys.hls_to_rgb((photo.hue + 0.45) % 1, 0.45 - 0.08 * layer, 0.35)
        points = [
            (x, base + amplitude * math.sin(phase + x / (140 + 40 * layer)))
            for x in range(0, width + 20, 20)
        ]
        draw.polygon(
            [(0, height), *points, (width, height)],
            fill=(int(r * 255), int(g * 255), int(b * 255)),
        )
    buffer = BytesIO()
    image.save(buffer, format="PNG")
    buffer.seek(0)
    buffer.name = f"photo-{photo.seed}.png"
    return buffer


def demo_collections_add(people: dict[str, User]) -> int:
    """Add the demo collections (once); how many were added."""
    needed = ("camille", "hugo", "priya", "lea", "oliver", "amina")
    if any(handle not in people for handle in needed):
        return 0
    owner = people["amina"]
    if Collection.objects.filter(owner=owner, client_token=DEMO_MARKS["photos"]).exists():
        return 0
    _photos(people)
    _articles(people)
    _events(people)
    return 3


def _photos(people: dict[str, User]) -> None:
    owner = people["amina"]
    collection = services.collection_create(
        owner=owner,
        title="Colours of the seasons",
        description="Landscapes, skies and *light*, one season after another.",
        visibility=Visibility.PUBLIC,
        policy=ContributionPolicy.INVITED,
        cover_file=photo_png(PHOTOS[0]),
        client_token=DEMO_MARKS["photos"],
    )
    services.contributor_invite(actor=owner, collection_id=collection.pk, addresses=["@oliver"])
    services.contributor_invitation_answer(
        user=people["oliver"], collection_id=collection.pk, accept=True
    )
    for index, photo in enumerate(PHOTOS):
        author = owner if index % 2 == 0 else people["oliver"]
        services.item_add(
            actor=author,
            collection_id=collection.pk,
            kind="image",
            fields=ItemFields(title=photo.title, caption=photo.caption, alt_text=photo.alt_text),
            image_file=photo_png(photo),
        )
    for handle in ("camille", "hugo", "priya"):
        services.collection_follow(user=people[handle], collection_id=collection.pk, follow=True)


def _articles(people: dict[str, User]) -> None:
    owner = people["camille"]
    collection = services.collection_create(
        owner=owner,
        title="Good reads from the community",
        description="Longer pieces by members. **Anyone may submit** an article; I read them all.",
        visibility=Visibility.PUBLIC,
        policy=ContributionPolicy.SUBMIT,
        client_token=DEMO_MARKS["articles"],
    )
    added = []
    for handle, title, body in ARTICLES:
        connection = services.item_add(
            actor=people[handle],
            collection_id=collection.pk,
            kind="article",
            fields=ItemFields(title=title, body=body),
        )
        if connection.status == "pending":
            services.connection_decide(
                actor=owner, collection_id=collection.pk, connection_id=connection.pk, approve=True
            )
        added.append(connection)
    handle, title, body = SUBMITTED_ARTICLE
    services.item_add(
        actor=people[handle],
        collection_id=collection.pk,
        kind="article",
        fields=ItemFields(title=title, body=body),
    )  # waits in the approval queue
    for reader in ("oliver", "amina", "priya", "lea"):
        services.item_recommend(
            user=people[reader],
            collection_id=collection.pk,
            item_id=added[0].item_id,
            recommend=True,
        )


def _events(people: dict[str, User]) -> None:
    owner = people["camille"]
    collection = services.collection_create(
        owner=owner,
        title="Next training sessions",
        description="Workshops for members, moderators and administrators. Questions? Use "
        "*Contact the organiser* on each session.",
        visibility=Visibility.PUBLIC,
        policy=ContributionPolicy.ONLY_ME,
        client_token=DEMO_MARKS["events"],
    )
    today = timezone.localdate()
    for title, days, place, online, audience, programme, zone in EVENTS:
        day = today + timedelta(days=days)
        first = programme[0][0]
        last = programme[-1][0]
        starts = datetime.fromisoformat(f"{day.isoformat()}T{first}").replace(tzinfo=ZoneInfo(zone))
        ends = datetime.fromisoformat(f"{day.isoformat()}T{last}").replace(
            tzinfo=ZoneInfo(zone)
        ) + timedelta(hours=1)
        services.item_add(
            actor=owner,
            collection_id=collection.pk,
            kind="event",
            fields=ItemFields(
                title=title,
                body="Free, for members. Bring your questions.",
                starts_at=starts,
                ends_at=ends,
                time_zone=zone,
                place=place,
                online_url=online,
                audience=audience,
                programme=[{"time": t, "title": name} for t, name in programme],
            ),
        )
