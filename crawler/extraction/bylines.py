"""Bylines and republication notices: who wrote an article, and where it first appeared.

Extractors return the byline as the page prints it: "Par Salma Idrissi", "By X - 23/07/2025",
"بقلم X", or, on aggregators such as Maghress, "Publié dans InfoMagazine le 23 - 07 - 2025",
which names the original outlet, not an author. This module turns those into an author, and
finds what a republished page says about the original: the outlet, the original URL ("Cliquez
ici pour lire l'article depuis sa source") and the original day.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice

import lxml.etree
import lxml.html

from crawler.extraction.dates import parse_day_first

# Words that introduce a byline in the languages of the Moroccan press.
_BYLINE_PREFIX = re.compile(
    r"^\s*(?:(?:publié|écrit|rédigé|posted|written|publicado|escrito)\s+)?"
    r"(?:par|by|por|بقلم|كتبه|إعداد|اعداد)\s*:?\s+",
    re.IGNORECASE,
)
# "Publié dans X le 23 - 07 - 2025" (Maghress and other aggregators), "نشر في X يوم …".
_PUBLISHED_IN = re.compile(
    r"^\s*(?:publié|publie|paru|published|publicado)\s+(?:dans|sur|in|en)\s+(?P<outlet>.+?)"
    r"(?:\s+(?:le|on|el)\b.*)?$"
    r"|^\s*(?:نشر|نُشر)\s+(?:في|فى)\s+(?P<outlet_ar>.+?)(?:\s+(?:يوم|بتاريخ)\b.*)?$",
    re.IGNORECASE,
)
# A trailing date or time: "X - 23/07/2025", "X, le 12 mars 2025", "X | 10:45", "X 23 - 07 - 2025".
# The look-behind starts a match only where a run of separators starts: tried from every
# position inside a run, "X - - - - …" cost a time quadratic in the run.
_TRAILING_DATE = re.compile(
    r"(?<![\s,|·•–—-])[\s,|·•–—-]*(?:(?:le|on|el|publié le|mis à jour le|updated)\s+)?"
    r"(?:\d{1,2}\s*[-/.]\s*\d{1,2}\s*[-/.]\s*\d{2,4}|\d{4}-\d{2}-\d{2}"
    r"|\d{1,2}(?:er)?\s+(?:de\s+)?\w+\s+(?:de\s+)?\d{4}|\d{1,2}[:h]\d{2}).*$",
    re.IGNORECASE,
)
# Longer than this, a "byline" is a paragraph or a generated page, not a byline: it is read up to
# here, so no regular expression of this module ever runs over more.
MAX_BYLINE_CHARS = 300
# A byline that only says when: "Publié le 23/07/2025", "Mis à jour le …".
_DATE_ONLY = re.compile(
    r"^\s*(?:publié|mis à jour|posted|updated|publicado)\s+(?:le|on|el)\b", re.IGNORECASE
)


def clean_author(byline: str | None) -> tuple[str | None, str | None]:
    """(author, outlet) from a byline as printed. The outlet is set when the byline is a
    republication notice ("Publié dans InfoMagazine le …"), which names no author. Only the first
    MAX_BYLINE_CHARS characters are read."""
    if not byline or not byline.strip():
        return None, None
    byline = _collapsed(byline, MAX_BYLINE_CHARS)
    republished = _PUBLISHED_IN.match(byline)
    if republished:
        outlet = (republished["outlet"] or republished["outlet_ar"] or "").strip(" ,;:|-")
        return None, outlet or None
    if _DATE_ONLY.match(byline):
        return None, None
    author = _BYLINE_PREFIX.sub("", byline)
    author = _TRAILING_DATE.sub("", author).strip(" ,;:|-–—")
    return author or None, None


def _collapsed(text: str, limit: int) -> str:
    """`text` with its runs of whitespace made single spaces, cut at `limit` characters; only
    the start of a long text is read (indentation and line breaks counted generously)."""
    return " ".join(text[: 4 * limit].split())[:limit]


@dataclass(frozen=True)
class Republication:
    """What a republished page says about the original article (each part may be missing)."""

    outlet: str | None = None
    url: str | None = None
    day: str | None = None  # YYYY-MM-DD, from the notice's day-first date


_NOTICE_ELEMENTS = lxml.etree.XPath(
    "//*[contains(@class, 'articlenewspaper') or contains(@class, 'article-source')"
    " or contains(@class, 'source-name')]"
)
_SOURCE_LINKS = lxml.etree.XPath(
    "//a[@href][contains(., 'depuis sa source') or contains(., 'article original')"
    " or contains(., 'original article') or contains(., 'من مصدره') or contains(., 'المصدر الأصلي')]"
)
_SOURCE_META = lxml.etree.XPath(
    "//meta[@name='original-source' or @name='syndication-source']/@content"
    " | //link[@rel='original-source' or @rel='syndication-source']/@href"
)
# Text nodes that may hold a notice, found in C before any regular expression runs.
_NOTICE_CANDIDATES = lxml.etree.XPath(
    "//body//text()[contains(., 'ublié dans') or contains(., 'aru dans')"
    " or contains(., 'نشر في') or contains(., 'نُشر في')]"
)
_NOTICE_TEXT = re.compile(
    r"(?:publié|publie|paru)\s+dans\s+[^\n]{1,80}?\s+le\s+[\d\s/.-]{8,16}"
    r"|(?:نشر|نُشر)\s+(?:في|فى)\s+[^\n]{1,80}?\s+(?:يوم|بتاريخ)\s+[\d\s/.-]{8,16}",
    re.IGNORECASE,
)


_REPUBLICATION_HINTS = (
    "ublié dans",
    "aru dans",
    "نشر في",
    "نُشر في",
    "articlenewspaper",
    "article-source",
    "source-name",
    "depuis sa source",
    "article original",
    "original article",
    "من مصدره",
    "المصدر الأصلي",
    "original-source",
    "syndication-source",
)
_REPUBLICATION_HINTS_BYTES = tuple(hint.encode() for hint in _REPUBLICATION_HINTS)


def may_be_republished(html: str | bytes) -> bool:
    """Whether the raw page mentions any sign of republication: a quick test on the page source
    (plain substring searches, far cheaper than a regular expression over a whole page) that
    spares the tree searches of `find_republication` on almost every page."""
    hints = _REPUBLICATION_HINTS_BYTES if isinstance(html, bytes) else _REPUBLICATION_HINTS
    return any(hint in html for hint in hints)  # type: ignore[operator]


# A notice is short ("Publié dans InfoMagazine le 23 - 07 - 2025") and ends with its line: after
# the text node that starts it, the rest of its line is read up to this many characters and
# nodes, never the whole block.
_NOTICE_WINDOW_CHARS = 240
_NOTICE_WINDOW_NODES = 32
# Elements that end a line of text: a notice never runs over one.
_LINE_BREAKS = frozenset(
    [
        "address",
        "article",
        "aside",
        "blockquote",
        "br",
        "dd",
        "div",
        "dl",
        "dt",
        "figcaption",
        "figure",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "li",
        "main",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "table",
        "td",
        "th",
        "tr",
        "ul",
    ]
)


def _rest_of_line(siblings: Iterator[lxml.etree._Element]) -> Iterator[str]:
    """The text of inline elements (and what follows each) up to the first line break."""
    for node in siblings:
        if node.tag in _LINE_BREAKS:
            return
        yield from node.itertext()
        yield node.tail or ""


def _text_from(piece: lxml.etree._ElementUnicodeResult) -> str:
    """A candidate text node and the rest of its line (inline elements included), bounded.

    The notice may run over inline elements ("Publié dans <a>InfoMagazine</a> le …"), so the
    text after the node counts; reading the whole block's text for each node instead cost a time
    quadratic in the block (a <div> of thousands of "<br>publié dans …" lines took minutes)."""
    element = piece.getparent()
    if element is None:
        return " ".join(piece.split())
    # After an element (its tail): its next siblings follow. An element's own text: its children.
    following = _rest_of_line(element.itersiblings() if piece.is_tail else iter(element))
    parts, size = [str(piece)], 0
    for text in islice(following, _NOTICE_WINDOW_NODES):
        parts.append(text[: _NOTICE_WINDOW_CHARS - size])
        size += len(parts[-1])
        if size >= _NOTICE_WINDOW_CHARS:
            break
    return " ".join("".join(parts).split())


def find_republication(tree: lxml.html.HtmlElement) -> Republication:
    """What the page says about where its article first appeared (an aggregator's notice,
    a "read it at the source" link, an original-source meta tag). Linear in the page: each
    text node is read once, with a bounded window of the text after it."""
    notice = None
    for element in _NOTICE_ELEMENTS(tree):
        notice = _collapsed(element.text_content(), MAX_BYLINE_CHARS)
        break
    if notice is None:
        for piece in _NOTICE_CANDIDATES(tree):
            hit = _NOTICE_TEXT.search(_text_from(piece))
            if hit:
                notice = hit.group(0)
                break
    outlet = day = None
    if notice:
        _, outlet = clean_author(notice)
        day = parse_day_first(notice)
    url = None
    for value in [*(link.get("href") for link in _SOURCE_LINKS(tree)), *_SOURCE_META(tree)]:
        value = (value or "").strip()
        if value.startswith(("http://", "https://")):
            url = value
            break
    return Republication(outlet=outlet, url=url, day=day)
