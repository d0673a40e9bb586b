"""The publication times a page declares with their zone, to read a time of day picked without one.

A page often states its publication time twice: once with its zone (JSON-LD `datePublished`,
`article:published_time`, a `<time datetime>`, Dublin Core or other meta tags, a data layer's
`publishDate`) and once without (another of those, or the byline's « 10:30 »). The date guesser
can pick the second: wired.com's « 2020-01-21T07:00:00.000 » (New York's clock) beside its
« 2020-01-21T12:00:00.000Z ». Read on the site's clock, the zoneless one is hours off; the page's
own zone says which moment it is. crawler.extraction.dates.with_declared_zone chooses among them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass

import lxml.etree
import lxml.html

from crawler.extraction.dates import ends_naming_an_update
from crawler.extraction.parsing import document_iter

# Meta tags (by property, name or itemprop, lowercased) that declare the publication time.
_PUBLISHED_META = frozenset(
    {
        "article:published_time",
        "og:published_time",
        "og:article:published_time",
        "datepublished",
        "pubdate",
        "publishdate",
        "publish-date",
        "publish_date",
        "published_time",
        "published-date",
        "date",
        "dc.date",
        "dc.date.issued",
        "dc.date.created",
        "dcterms.date",
        "dcterms.issued",
        "dcterms.created",
        "sailthru.date",
        "parsely-pub-date",
        "article.published",
    }
)
_JSON_LD = "application/ld+json"
# A data layer's or a page state's publication key with an ISO value (`"publishDate":"…"`), in
# the page's other scripts.
_SCRIPT_KEY = re.compile(
    r'"(?:datePublished|publishDate|publishedDate|published_at|publishedAt|pubDate'
    r'|firstPublishDate|firstPublishedDate|date_published|publication_date)"\s*:\s*'
    r'"(\d{4}-\d{2}-\d{2}T[0-9:.]{5,15}(?:Z|[+-]\d{2}:?\d{2}))"'
)
# The marks (class, id, itemprop) of a `<time>`, or of what holds it, that speak of the
# publication: its own (`datePublished`, `published`, `entry-date`), a header's, a byline's.
_PUBLICATION_MARKS = re.compile(
    r"publi|pubdate|datecreated|posted|byline|dateline"
    r"|(?:^|[\s_-])(?:date|time|meta|header|head|info|author)(?:$|[\s_-])"
)
# Where the publication's `<time>` is not: comments and lists of other articles (each of its
# own moment, whatever their marks), the article's text.
_OTHERS_MARKS = re.compile(r"comment|related|reply|response")
_TEXT_MARKS = re.compile(r"content|body|text|story")
_TEXT_TAGS = frozenset({"article", "main", "body", "aside", "footer", "nav", "blockquote"})
# Microdata and RDFa names (itemprop, property; lowercased) of the publication's moment, on an
# element other than <meta> (`<span itemprop="datePublished" content="…">`, `<div
# property="schema:datePublished" content="…">`), and the elements that can hold one.
_PUBLISHED_ATTRIBUTES = frozenset(
    {"datepublished", "schema:datepublished", "article:published_time", "og:published_time"}
)
_WITH_ATTRIBUTES = lxml.etree.XPath(
    "//*[@itemprop or @property][@content or @datetime]", smart_strings=False
)
# Where another item's moment is declared: a reader's comment (schema.org's Comment, a reply), a
# list of other articles (related, teasers, a sidebar's most read).
_ELSEWHERE_MARKS = re.compile(
    r"comment|related|reply|response(?!ive)|review|teaser|recommend|popular|trending"
    r"|most-?read|(?<!with-)(?<!has-)sidebar|read-?more|more-?(?:stories|articles|news)"
)
_ELSEWHERE_TAGS = frozenset({"aside", "nav", "footer"})
# A time of day with its zone after it (« Z », « +01:00 », « -0500 »).
_WITH_ZONE = re.compile(
    r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(?:Z|[+-]\d{2}:?\d{2})$"
)


@dataclass(frozen=True)
class ZonedTime:
    """A publication time the page declares with its zone, and where: `structured` for the
    places made to declare it (JSON-LD, meta tags, `<time datetime>`), not for a script's data."""

    value: str
    where: str
    structured: bool = True


def _zoned(value: str | None) -> str | None:
    if not value:
        return None
    value = value.strip()
    return value if _WITH_ZONE.match(value) else None


def _json_published(data: object) -> Iterator[str]:
    """Every `datePublished` string of a JSON-LD document, in its order (`@graph` and nested
    objects included)."""
    if isinstance(data, dict):
        for key, value in data.items():
            if key == "datePublished" and isinstance(value, str):
                yield value
            else:
                yield from _json_published(value)
    elif isinstance(data, list):
        for item in data:
            yield from _json_published(item)


def _an_updates(element: lxml.html.HtmlElement) -> bool:
    """Whether a `<time datetime>` gives an update's moment, not the publication's: marked so
    (`itemprop="dateModified"`, WordPress's `class="updated"`) or after an update's words
    (« Mis à jour : <time …> »). Taken for the publication's moment, the update's, hours later,
    moved a zoneless publication time to it."""
    marks = " ".join(element.get(name) or "" for name in ("itemprop", "class")).lower()
    if ("modif" in marks or "updat" in marks) and "publish" not in marks:
        return True
    parent = element.getparent()
    if parent is None:
        return False
    before: list[str] = []  # the text just before it, read backwards: 80 characters at most
    for sibling in element.itersiblings(preceding=True):
        text = sibling.itertext() if isinstance(sibling.tag, str) else ()  # not a comment's
        before[:0] = [*text, sibling.tail or ""]
        if sum(map(len, before)) >= 80:
            break
    else:
        before.insert(0, parent.text or "")
    return ends_naming_an_update("".join(before)[-80:])


def _elsewhere(element: lxml.html.HtmlElement) -> bool:
    """Whether an element, or what holds it, is a reader's comment or a list of other articles,
    each of which declares its own moment (handelsblatt.com marks its comments' times
    `itemprop="datePublished"` too, inside `itemtype="http://schema.org/comment"`)."""
    for holder in (element, *element.iterancestors()):
        if not isinstance(holder.tag, str):
            continue
        if holder.tag == "body":  # its classes describe the page (« has-sidebar »), no block
            return False
        if holder.tag in _ELSEWHERE_TAGS:
            return True
        marks = " ".join(
            holder.get(name) or "" for name in ("itemprop", "itemtype", "class", "id")
        ).lower()
        if _ELSEWHERE_MARKS.search(marks):
            return True
    return False


def declared_on_elements(tree: lxml.html.HtmlElement) -> Iterator[tuple[str, str]]:
    """The publication times declared in microdata or RDFa on an element other than `<meta>`,
    in document order, each with where (« itemprop datePublished on <span> »): `<span
    itemprop="datePublished" content="…">`, `<div itemprop="datePublished" datetime="…">`,
    `<time itemprop="datePublished" content="…">`, `property="article:published_time"` or
    `property="schema:datePublished"` with `content`. Never one of a comment or of a list of
    other articles (`_elsewhere`). handelsblatt.com declares its article's so, and its byline's
    « 18:50 Uhr », read on the site's clock, was stored two hours off."""
    for element in _WITH_ATTRIBUTES(tree):
        if element.tag == "meta" or not isinstance(element.tag, str):
            continue
        named = [
            f"{attribute} {name}"
            for attribute in ("itemprop", "property")
            for name in (element.get(attribute) or "").split()
            if name.lower() in _PUBLISHED_ATTRIBUTES
        ]
        if not named:
            continue
        value = element.get("content")
        if value is None and element.tag != "time":  # a <time>'s datetime is read as <time>'s
            value = element.get("datetime")
        if value and value.strip() and not _elsewhere(element):
            yield value.strip(), f"{named[0]} on <{element.tag}>"


def _marks(element: lxml.html.HtmlElement) -> str:
    return " ".join(element.get(name) or "" for name in ("itemprop", "class", "id")).lower()


def _a_publications(element: lxml.html.HtmlElement) -> bool:
    """Whether a `<time datetime>` speaks of the publication: marked so (`pubdate`,
    `itemprop="datePublished"`, `class="entry-date published"`) or in the article's header or
    byline (`<header>`, `class="byline"`, `post-meta`, `date`), not in its text nor in a list
    of other articles. A time in the text (« le sommet s'ouvre le <time datetime="…15:00Z"> »),
    hours from a zoneless publication time, was taken for its moment on some clock, and the
    article stored at the event's time."""
    if _OTHERS_MARKS.search(own := _marks(element)):
        return False
    if element.get("pubdate") is not None or _PUBLICATION_MARKS.search(own):
        return True
    for holder in element.iterancestors():
        if not isinstance(holder.tag, str):
            continue
        if _OTHERS_MARKS.search(marks := _marks(holder)):
            return False
        if holder.tag == "header" or _PUBLICATION_MARKS.search(marks):
            return True
        if holder.tag in _TEXT_TAGS or _TEXT_MARKS.search(marks):
            return False
    return False


def declared_zoned_times(tree: lxml.html.HtmlElement) -> list[ZonedTime]:
    """The publication times the page declares with their zone, in order of trust: JSON-LD's
    `datePublished`, then meta tags and the microdata or RDFa of other elements
    (`declared_on_elements`), then the publication's `<time
    datetime>` (_a_publications: never one of the text), then other scripts' publication
    keys, each in document order."""
    json_ld: list[ZonedTime] = []
    metas: list[ZonedTime] = []
    times: list[ZonedTime] = []
    scripts: list[ZonedTime] = []
    for element in document_iter(tree, "script", "meta", "time"):
        if element.tag == "meta":
            names = {
                (element.get(attribute) or "").strip().lower()
                for attribute in ("property", "name", "itemprop")
            }
            named = names & _PUBLISHED_META
            if named and (value := _zoned(element.get("content"))):
                metas.append(ZonedTime(value, f"meta {min(named)}"))
        elif element.tag == "time":
            value = _zoned(element.get("datetime"))
            if value and _a_publications(element) and not _an_updates(element):
                times.append(ZonedTime(value, "<time datetime>"))
        elif element.get("type") == _JSON_LD:
            try:
                data = json.loads(element.text or "")
            except ValueError:  # a broken JSON-LD block: the other places may still say it
                continue
            for found in _json_published(data):
                if value := _zoned(found):
                    json_ld.append(ZonedTime(value, "JSON-LD datePublished"))
        elif (text := element.text) and ("ubli" in text or "pubDate" in text):
            for hit in _SCRIPT_KEY.finditer(text):
                scripts.append(ZonedTime(hit[1], "a script's data", structured=False))
    for value, where in declared_on_elements(tree):
        if zoned := _zoned(value):
            metas.append(ZonedTime(zoned, where))
    return json_ld + metas + times + scripts
