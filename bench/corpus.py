"""Made-up text for the dataset: names, titles and Markdown messages of realistic lengths.

Everything comes from a seeded `random.Random`, so the same seed gives the same text. Message
bodies are drawn from a pool rendered once (`body_pool`): rendering a million messages one by
one would take longer than writing them.
"""

import random
import statistics
from dataclasses import dataclass

_WORDS = """
the a of and to in is it that for on with as this was are be at by not or from but have an they
which you one were all we there can been has more if will so what when about would out up them
some could into than then only other new people time way year work good place city river
bridge street garden market library school station harbour museum park tower square island
water light morning evening winter summer autumn spring weather rain wind stone wood glass paper
book letter map story question answer reason idea example detail moment history future memory
walk read write listen think believe remember notice wonder explain describe choose keep share
build repair visit travel cross follow return open close begin finish change agree disagree
quiet loud old young early late long short wide narrow bright dark simple strange careful
beautiful useful honest curious different similar important possible likely certain whole
often sometimes always never perhaps really almost already still rather quite enough together
because although while before after during between against without toward around through
neighbour friend teacher stranger engineer gardener painter baker sailor reader writer walker
coffee bread cheese apple tea soup table chair window door roof wall floor lamp clock bicycle
tram train boat ferry road path hill valley forest field meadow coast cliff beach lake canal
"""
_FIRST_NAMES = """
Ada Alan Alice Amara Anouk Arjun Aurore Bao Beatriz Camille Chen Chiara Dalia Dmitri Elif Emil
Esther Farah Felix Freya Gaspard Grace Hamid Hana Ines Ivo Jonas Julia Kai Karin Leila Lena
Lucas Maelle Malik Marta Mateo Mina Nadia Nils Noor Olga Omar Pablo Priya Rafael Rosa Sami Sofia
Tariq Teodor Ulla Vera Wen Yara Yusuf Zoe
"""
_LAST_NAMES = """
Abara Bauer Bernard Costa Dubois Eriksen Fontaine Garcia Haddad Ivanova Jansen Kowalski Laurent
Moreau Nakamura Novak Okafor Petit Quintana Rossi Santos Schmidt Takahashi Umarov Vasquez Weber
Xu Yilmaz Zhang Lefebvre Martin Nguyen Silva Kim Muller Rahman Horvat Lindqvist Fischer Duarte
"""
WORDS, FIRST_NAMES, LAST_NAMES = _WORDS.split(), _FIRST_NAMES.split(), _LAST_NAMES.split()

# (share of messages, paragraphs (min, max), sentences per paragraph (min, max), extras)
# Mostly a few sentences, some paragraphs, a few long essays with lists, quotes and code.
SHAPES = [
    (0.55, (1, 1), (1, 3), False),
    (0.25, (1, 2), (3, 5), False),
    (0.14, (2, 5), (3, 6), True),
    (0.045, (5, 10), (4, 7), True),
    (0.015, (12, 24), (4, 8), True),
]


def person_name(rng: random.Random) -> str:
    return f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"


def _words(rng: random.Random, count: int) -> list[str]:
    return [rng.choice(WORDS) for _ in range(count)]


def title(rng: random.Random) -> str:
    return " ".join(_words(rng, rng.randint(3, 9))).capitalize()[:200]


def _decorate(rng: random.Random, word: str) -> str:
    roll = rng.random()
    if roll < 0.015:
        return f"*{word}*"
    if roll < 0.025:
        return f"**{word}**"
    if roll < 0.03:
        return f"`{word}`"
    if roll < 0.034:
        return f"[{word}](https://example.org/{word}/{rng.randint(1, 999)})"
    return word


def sentence(rng: random.Random) -> str:
    words = [_decorate(rng, word) for word in _words(rng, rng.randint(5, 22))]
    words[0] = words[0][:1].upper() + words[0][1:]
    return " ".join(words) + rng.choice(".....?!")


def _paragraph(rng: random.Random, sentences: tuple[int, int]) -> str:
    return " ".join(sentence(rng) for _ in range(rng.randint(*sentences)))


def _extra_block(rng: random.Random) -> str:
    kind = rng.choice(["list", "numbered", "quote", "code"])
    if kind == "list":
        return "\n".join(f"- {sentence(rng)}" for _ in range(rng.randint(2, 6)))
    if kind == "numbered":
        return "\n".join(f"{n}. {sentence(rng)}" for n in range(1, rng.randint(3, 7)))
    if kind == "quote":
        return "> " + _paragraph(rng, (1, 3))
    lines = [f"{rng.choice(WORDS)} = {rng.randint(0, 999)}" for _ in range(rng.randint(2, 8))]
    return "```\n" + "\n".join(lines) + "\n```"


def _shape(rng: random.Random) -> tuple[float, tuple[int, int], tuple[int, int], bool]:
    roll = rng.random()
    for shape in SHAPES:
        roll -= shape[0]
        if roll < 0:
            return shape
    return SHAPES[-1]


def message_body(rng: random.Random) -> str:
    _share, paragraphs, sentences, extras = _shape(rng)
    blocks = [_paragraph(rng, sentences) for _ in range(rng.randint(*paragraphs))]
    if extras:
        for _ in range(rng.randint(1, max(1, len(blocks) // 3))):
            blocks.insert(rng.randint(1, len(blocks)), _extra_block(rng))
    return "\n\n".join(blocks)


@dataclass(frozen=True)
class Body:
    markdown: str
    html: str


def body_pool(seed: int, size: int) -> list[Body]:
    """`size` message bodies with their HTML, rendered once by the site's own renderer."""
    from perchoir.core.markdown import render_markdown

    rng = random.Random(f"{seed}:bodies")
    bodies = [message_body(rng) for _ in range(size)]
    return [Body(markdown=body, html=render_markdown(body)) for body in bodies]


def length_summary(pool: list[Body]) -> str:
    lengths = sorted(len(body.markdown) for body in pool)
    quantiles = statistics.quantiles(lengths, n=100)
    return (
        f"median {statistics.median(lengths):.0f}, mean {statistics.fmean(lengths):.0f}, "
        f"p90 {quantiles[89]:.0f}, p99 {quantiles[98]:.0f}, longest {lengths[-1]} characters"
    )
