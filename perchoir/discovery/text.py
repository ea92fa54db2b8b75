"""Language, stemming and snippets, the same on every database engine.

PostgreSQL stems with its own `english` and `french` configurations. SQLite's FTS5 `porter`
tokenizer stems English only, so French documents also carry the light French stems computed
here (`french_stem`), and every query word is looked up as itself or its French stem.
"""

import functools
import html
import re
import unicodedata

from django.conf import settings
from django.utils.html import strip_tags
from django.utils.safestring import SafeString, mark_safe

ENGLISH = "english"
FRENCH = "french"
LANGUAGES = {"en": ENGLISH, "fr": FRENCH}

# A query is cut to this many words, each to this many characters: enough for any real search.
MAX_TERMS = 32
MAX_TERM_LENGTH = 64

WORD = re.compile(r"\w+", re.UNICODE)

_FRENCH_WORDS = frozenset(
    "le la les un une des du de et est sont dans pour pas que qui sur avec ce cette ces il elle "  # noqa: SIM905
    "nous vous ils elles au aux mais ou donc ne se sa son ses leur leurs tres plus ete etre".split()
)
_ENGLISH_WORDS = frozenset(
    "the a an and is are in for not that who on with this these it he she we you they of to "  # noqa: SIM905
    "but or so be been was were has have had their its very more".split()
)

# Longest first: the first that leaves a stem of three letters or more is removed.
_FRENCH_SUFFIXES = (
    "issements",
    "issement",
    "atrices",
    "ateurs",
    "ations",
    "atrice",
    "ateur",
    "ation",
    "ements",
    "ement",
    "ments",
    "ment",
    "euses",
    "euse",
    "eux",
    "ites",
    "ite",
    "ives",
    "ive",
    "ifs",
    "if",
    "ees",
    "ee",
    "ers",
    "er",
    "ez",
    "es",
    "e",
)


def fold(word: str) -> str:
    """Lower case without diacritics (as FTS5's `remove_diacritics 2`)."""
    decomposed = unicodedata.normalize("NFKD", word.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def french_stem(word: str) -> str:
    """A light French stemmer: plurals, then one common derivational or verbal ending."""
    word = fold(word)
    if len(word) <= 3:
        return word
    if word[-1] in "sx" and len(word) > 4:
        word = word[:-1]
    for suffix in _FRENCH_SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def _english_stem(word: str) -> str:
    """Only for highlighting: retrieval uses the engines' own stemmers."""
    word = fold(word)
    for suffix in ("ing", "ed", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)]
            if len(word) > 3 and word[-1] == word[-2] and word[-1] not in "aeiouls":
                word = word[:-1]
            return word
    return word


def word_keys(word: str) -> frozenset[str]:
    """The forms a word is matched by when highlighting. A snippet asks for every word of every
    result, mostly the same few thousand words of a language: those are kept."""
    if len(word) > MAX_TERM_LENGTH:
        return _word_keys(word)
    return _word_keys_kept(word)


def _word_keys(word: str) -> frozenset[str]:
    return frozenset((fold(word), french_stem(word), _english_stem(word)))


_word_keys_kept = functools.lru_cache(maxsize=16384)(_word_keys)


def plain_text(html_text: str) -> str:
    return " ".join(html.unescape(strip_tags(html_text)).split())


def detect_language(text: str, preference: str = "") -> str:
    """The text's language from its common words; the author's language when unclear."""
    words = [fold(w) for w in WORD.findall(text[:5000])]
    french = sum(1 for w in words if w in _FRENCH_WORDS)
    english = sum(1 for w in words if w in _ENGLISH_WORDS)
    if french > english:
        return FRENCH
    if english > french:
        return ENGLISH
    code = (preference or settings.LANGUAGE_CODE).split("-")[0]
    return LANGUAGES.get(code, ENGLISH)


def query_terms(query: str) -> list[str]:
    """The words of a query, whatever it holds: operators and punctuation are just separators."""
    terms: list[str] = []
    for word in WORD.findall(query[:10_000]):
        word = word.lower()[:MAX_TERM_LENGTH].strip("_")
        if word and word not in terms:
            terms.append(word)
        if len(terms) == MAX_TERMS:
            break
    # Common words say little and PostgreSQL ignores them: both engines drop them alike.
    meaningful = [t for t in terms if fold(t) not in _FRENCH_WORDS | _ENGLISH_WORDS]
    return meaningful or terms


def french_stems_of(text: str) -> str:
    """The French stems of a text's words that differ from the words (for FTS5)."""
    stems = {french_stem(w) for w in WORD.findall(text)} - {fold(w) for w in WORD.findall(text)}
    return " ".join(sorted(stems))


SNIPPET_WORDS = 40


def snippet(text: str, terms: list[str]) -> SafeString:
    """About forty words of `text` around the first match, matched words in <mark>.

    Words are read only as far as the snippet needs: a document may hold a whole essay."""
    keys: set[str] = set()
    for term in terms:
        keys |= word_keys(term)
    keys.discard("")
    words = WORD.finditer(text)
    spans: list[tuple[int, int]] = []  # of the words read so far
    first = None
    for word in words:
        spans.append(word.span())
        if word_keys(word.group()) & keys:
            first = len(spans) - 1
            break
    lead = SNIPPET_WORDS // 4
    # The window starts `lead` words before the first match, or at the text's start (None).
    start = first - lead if first is not None and first >= lead else None
    # The window's words, and one more (past the text's start) to tell whether it goes on.
    needed = SNIPPET_WORDS if start is None else start + SNIPPET_WORDS + 1
    for word in words:
        if len(spans) >= needed:
            break
        spans.append(word.span())
    goes_on = len(spans) >= needed
    if start is None:
        # From the text's first character to the end of the last word of the window.
        window = text[: spans[needed - 1][1]] if goes_on else text
    else:
        # From the first word of the window to the next word: the separator after the last.
        window = text[spans[start][0] : spans[needed - 1][0] if goes_on else len(text)]
    parts: list[str] = ["" if start is None else "… "]
    # Odd indexes are words.
    for i, token in enumerate(re.split(r"(\w+)", window)):
        # The standard library's escape, as Django's does, without its lazy-string wrapping
        # (which cost more than the rest of the snippet).
        if i % 2 == 1 and word_keys(token) & keys:
            parts.append(f"<mark>{html.escape(token)}</mark>")
        else:
            parts.append(html.escape(token))
    if goes_on:
        parts.append(" …")
    return mark_safe("".join(parts).strip())  # noqa: S308 - every piece is escaped above
