"""Which links of a listing page are articles: told apart from section, video, live-data and
service pages by the URL's shape and by what the link holds (a headline, not a label).

A Moroccan daily's section page links, beside its articles, to its videos, prayer times, stock
exchange tables, weather, pharmacies on duty and e-paper; on one real listing 12 of 40 kept links
were such pages. Each is dropped with its reason, and the reasons are counted per source
(`veille status`).

The rule, in order:
1. What is never an article on any site (crawler.discovery.discover.non_article_reason): a file,
   a category, tag or author page, pagination, the listing itself, the home page.
2. A folder of the path named for videos, live data or a service (`/videos/…`, `/bourse/…`,
   `/pharmacies-de-garde/…`, `/فيديو/…`): that kind of page, whatever follows.
3. A last segment that is a short name (at most four words, no number of three digits or more)
   and names such a page (`/meteo`, `/horaires-priere-casablanca`, `/e-paper/`): that kind of
   page, unless the URL has a date folder, or the segment has three words or more and the link
   holds a headline (more than three words; eight or more when its own words name that kind of
   page: "Pharmacies de garde à Rabat" is a label).
4. No article shape (no id of three digits or more, no date, no slug of three words): not an
   article. A shape from a slug alone, while the link holds a label of at most three words
   ("Finance et banques", "Vidéos"): a label, not a headline.
Links whose URL has an id or a date and whose text is a label ("Lire la suite") are articles:
the shape is the stronger evidence. A link without text (an image) is judged by its URL alone.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import unquote, urlsplit

from crawler.discovery.discover import non_article_reason

# How a listing link dropped for one of these reasons is counted (`veille status`).
NOT_AN_ARTICLE = "not an article: "
VIDEO = "a video or photo page"
LIVE_DATA = "a live-data page (prayer times, stock exchange, weather, exchange rates, scores)"
SERVICE = "a service page (pharmacies on duty, e-paper, horoscope, TV guide, games)"
LABEL = "a label, not a headline"
NO_SHAPE = "no article shape (no id, date or slug in the URL)"


def _fold(text: str) -> str:
    """Lower case without accents (Arabic letters kept)."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


# Words (accents folded, lower case) that name such pages, in French, Arabic, Spanish, English.
_KINDS: dict[str, frozenset[str]] = {
    VIDEO: frozenset(
        [
            "video",
            "videos",
            "tv",
            "webtv",
            "replay",
            "podcast",
            "podcasts",
            "galerie",
            "galeries",
            "gallery",
            "galleries",
            "photos",
            "diaporama",
            "diaporamas",
            "fotos",
            "galeria",
            "reels",
            "shorts",
            "فيديو",
            "فيديوهات",
            "مرئيات",
            "صور",
            "ألبوم",
        ]
    ),
    LIVE_DATA: frozenset(
        [
            "priere",
            "prieres",
            "salat",
            "prayer",
            "prayers",
            "mawaqit",
            "oracion",
            "bourse",
            "masi",
            "stock",
            "stocks",
            "bolsa",
            "meteo",
            "weather",
            "clima",
            "devises",
            "divisas",
            "currency",
            "currencies",
            "livescore",
            "مواقيت",
            "الصلاة",
            "البورصة",
            "بورصة",
            "الطقس",
            "العملات",
        ]
    ),
    SERVICE: frozenset(
        [
            "pharmacie",
            "pharmacies",
            "pharmacy",
            "farmacia",
            "farmacias",
            "epaper",
            "kiosque",
            "kiosk",
            "kiosko",
            "hemeroteca",
            "pdf",
            "horoscope",
            "horoscopes",
            "horoscopo",
            "sudoku",
            "crossword",
            "necrologie",
            "obituaries",
            "صيدليات",
            "صيدلية",
            "الأبراج",
        ]
    ),
}
# Names of more than one word, matched in the segment's words joined by "-".
_PHRASES: dict[str, tuple[str, ...]] = {
    LIVE_DATA: (
        "horaires-de-priere",
        "heure-de-priere",
        "stock-exchange",
        "exchange-rates",
        "taux-de-change",
        "tipo-de-cambio",
        "el-tiempo",
        "live-score",
        "أوقات-الصلاة",
        "أسعار-الصرف",
    ),
    SERVICE: (
        "e-paper",
        "edition-du-jour",
        "edition-numerique",
        "journal-numerique",
        "journal-pdf",
        "digital-edition",
        "print-edition",
        "programme-tv",
        "tv-guide",
        "mots-croises",
        "الجريدة-الورقية",
        "النسخة-الورقية",
        "النسخة-الرقمية",
    ),
}
_KINDS = {kind: frozenset(map(_fold, words)) for kind, words in _KINDS.items()}
_PHRASES = {kind: tuple(map(_fold, phrases)) for kind, phrases in _PHRASES.items()}
_DATE_FOLDER = re.compile(r"/(?:19|20)\d\d/(?:0?[1-9]|1[0-2])(?:/|$)")
_ID = re.compile(r"\d{3,}")
_SLUG = re.compile(r"[^/]+-[^/]+-[^/]+")
_WORD_SPLIT = re.compile(r"[-_.\s,+]+")
_EXTENSION = re.compile(r"\.(?:html?|php|aspx?)$")
MAX_LABEL_WORDS = 3  # a link of at most this many words is a label; a headline has more
_SLUG_WORDS = 3  # a slug has at least this many words
_NAME_WORDS = 4  # a segment of at most this many words and no id is a name, not a slug


def _words(segment: str) -> list[str]:
    return [w for w in _WORD_SPLIT.split(_EXTENSION.sub("", _fold(segment))) if w]


def _kind_of(segment: str) -> str | None:
    """The kind of page a path segment (or a link's text) names, or None. Names of several
    words first: the "tv" of "tv-guide" is not a video."""
    words = _words(segment)
    joined = "-".join(words)
    for kind, phrases in _PHRASES.items():
        if any(phrase in joined for phrase in phrases):
            return kind
    for kind, vocabulary in _KINDS.items():
        if any(word in vocabulary for word in words):
            return kind
    return None


def _is_name(segment: str) -> bool:
    """A short name (a section, a service), not an article's slug or id."""
    return _ID.search(segment) is None and len(_words(segment)) <= _NAME_WORDS


def is_headline(text: str | None) -> bool:
    return text is not None and len(text.split()) > MAX_LABEL_WORDS


def is_label(text: str | None) -> bool:
    return bool(text and text.strip()) and not is_headline(text)


# A link text that itself names the kind of page ("Pharmacies de garde à Casablanca") is a
# label below this many words; a headline about the stock exchange is longer.
_NAMING_HEADLINE_WORDS = 8


def _headline_beside(text: str | None, kind: str) -> bool:
    """Whether the link holds a headline, which outweighs a short URL naming a kind of page."""
    if text is None or not is_headline(text):
        return False
    return _kind_of(text) != kind or len(text.split()) >= _NAMING_HEADLINE_WORDS


def listing_link_reason(
    url: str, text: str | None, listing_url: str, pattern_matched: bool = False
) -> str | None:
    """Why a link of a listing page is not taken as an article, or None to take it.

    `pattern_matched`: the source's article_pattern matched the URL; only steps 2 and 3 apply
    then (a site's videos often share its articles' URL pattern)."""
    if not pattern_matched:
        generic = non_article_reason(url, listing_url)
        if generic:
            return generic
    path = unquote(urlsplit(url).path)
    segments = [s for s in path.split("/") if s]
    if not segments:  # a shortlink (/?p=1042) has its id in the query
        return None if pattern_matched or _ID.search(urlsplit(url).query) else NO_SHAPE
    for folder in segments[:-1]:
        if _is_name(folder):
            kind = _kind_of(folder)
            if kind:
                return kind
    dated = _DATE_FOLDER.search(path) is not None
    last = segments[-1]
    if _is_name(last) and not dated:
        kind = _kind_of(last)
        # A name of one or two words is the page's name whatever the link says ("/e-paper/");
        # a longer one may be an article's short slug, which its headline then vouches for.
        if kind and (len(_words(last)) < _SLUG_WORDS or not _headline_beside(text, kind)):
            return kind
    if pattern_matched:
        return None
    if dated or _ID.search(path):
        return None
    if _SLUG.search(path) is None and not urlsplit(url).query:
        return NO_SHAPE
    if is_label(text) and not urlsplit(url).query:
        return LABEL
    return None
