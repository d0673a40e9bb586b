"""The date a page shows beside its headline, in a plain element named for it (`span.date`,
`div.post-date`, `p.fecha`), where the markup declares none and the date guesser reads none.

Arabic bylines (« 12 نونبر 2026 », « الخميس 12 نوفمبر 2026 - 10:30 ») are read by neither
trafilatura nor htmldate: their month names are Moroccan, Levantine or Egyptian. Teasers carry
such elements too (a ticker above the headline, a « Lire aussi » inside the article, each with
its own date), and so do readers' comments: an element inside a boilerplate block, a link or a
comment is never read, and of the others the one nearest the article's headline is taken.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator
from dataclasses import dataclass

import lxml.html

from crawler.extraction.dates import names_an_update, read_shown_day, read_update_day

# Words of class and id names of the element that shows an article's date, as whole words of a
# name (« post-date », « entry_date », « date », « fecha-publicacion », « tarikh »).
_DATE_NAME = re.compile(
    r"(?:^|[-_\s])(?:date|dates|datetime|time|timestamp|published|publish|pubdate|posted"
    r"|fecha|tarikh|byline|post-meta|entry-meta|article-meta)(?:$|[-_\s])",
    re.IGNORECASE,
)
# A byline is short: longer, the element is a paragraph or a block of the page.
MAX_SHOWN_CHARS = 120


# Where a name in camel case starts a word (« newsDate », « postTime »).
_CAMEL_CASE = re.compile(r"(?<=[a-z])(?=[A-Z])")


def _named_for_a_date(element: lxml.html.HtmlElement) -> bool:
    for attribute in ("class", "id"):
        value = element.get(attribute)
        if value and _DATE_NAME.search(_CAMEL_CASE.sub("-", value)):
            return True
    return False


# A reader's comment or reply, or an embedded tweet, whose time is not the article's (a
# forum's, a Q&A site's, a feed of tweets beside the article).
_COMMENT_NAME = re.compile(
    r"comment|comentario|reply|replies|respuesta|reaction|tweet|تعليق", re.IGNORECASE
)


# Tokens that describe the page, not a block of it (« comments-open », « has-comments »).
_PAGE_STATE = re.compile(r"^(?:has|no|is|with|without)-|-(?:open|closed)$", re.IGNORECASE)


def _in_a_comment(element: lxml.html.HtmlElement) -> bool:
    for ancestor in (element, *element.iterancestors()):
        for token in f"{ancestor.get('class') or ''} {ancestor.get('id') or ''}".split():
            if _COMMENT_NAME.search(token) and not _PAGE_STATE.search(token):
                return True
    return False


@dataclass(frozen=True)
class ShownDates:
    """The article's date its byline shows (ISO 8601 without a zone), and the update's it shows
    beside it (« Mis à jour le … », « Updated », « Actualizado », « آخر تحديث »), if any: a date
    guesser can read the update's day from the same element."""

    published: str | None = None
    updated: str | None = None


def _shown_dates(
    elements: list[lxml.html.HtmlElement], excluded: Collection[lxml.html.HtmlElement]
) -> Iterator[tuple[str, str | None, bool]]:
    """Each date shown, the update's date its element shows too, and whether the element
    shows only an update's date (« Mis à jour le … »)."""
    for element in elements:
        if not _named_for_a_date(element):
            continue
        text = " ".join(element.text_content().split())
        if not text or len(text) > MAX_SHOWN_CHARS:
            continue
        if any(
            ancestor.tag == "a" or ancestor in excluded
            for ancestor in (element, *element.iterancestors())
        ) or _in_a_comment(element):
            continue
        shown = read_shown_day(text)
        if shown is not None:
            yield shown, read_update_day(text), names_an_update(text)


def byline_date(
    tree: lxml.html.HtmlElement,
    headline: lxml.html.HtmlElement | None,
    excluded: Collection[lxml.html.HtmlElement],
) -> ShownDates:
    """The date shown in an element named for one, outside `excluded` (the boilerplate blocks)
    and outside links, as `dates.read_shown_day` reads it (ISO 8601 without a zone), or None,
    with the update's date shown beside it:
    the one nearest the headline in document order, after it at equal distance (a theme sets
    the date under the title or above it; a ticker or a teaser's date is further away); on a
    page without a headline, the first; an update's date (« Mis à jour le … », « Updated »)
    only where no other is shown."""
    elements: list[lxml.html.HtmlElement] = []
    at = 0
    for element in tree.getroottree().getroot().iter():
        if element is headline:
            at = len(elements)
        elif isinstance(element.tag, str) and (element.get("class") or element.get("id")):
            elements.append(element)
    if headline is not None:
        # after the headline at index `at` and on, before it at `at - 1` and back
        order = sorted(
            range(len(elements)), key=lambda i: (i - at if i >= at else at - 1 - i, i < at)
        )
        elements = [elements[i] for i in order]
    # An update's date is taken only where no element shows another: a theme that shows « Mis à
    # jour le … » nearer the headline than « Publié le … » gave the article its update's date.
    updated = None
    for shown, update, update_only in _shown_dates(elements, excluded):
        if not update_only:
            return ShownDates(shown, update or updated)
        updated = updated or shown
    return ShownDates(updated, updated)
