"""Page metadata: title, author, publication date, site name, description, canonical URL.

trafilatura's `extract_metadata` runs these same steps with its own helpers, then also looks for
categories, tags and a licence, which veille does not store. Those three walks are most of its
cost (0.33 of 0.47 ms on a fixture page), so this module runs the steps veille uses, in
trafilatura's order and with its helpers, and nothing else. The tests compare the result with
`extract_metadata` field by field (the host name excepted: veille does not store it, and
courlan's parse of it took 1.4 % of extraction time on 300 real pages).

Two of those helpers, `extract_opengraph` and `extract_meta_json`, read the page through one
XPath each (`.//head/meta[starts-with(@property, "og:")]`, `.//script[@type=...]`) that visits
every node of the page; they run here, their own code, on a `WalkedTree` that answers those two
expressions with lxml's tag iterator (the same elements in the same order) and any other with
the XPath itself.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

import lxml.etree
import lxml.html
from htmldate import find_date
from trafilatura.metadata import (
    META_URL,
    examine_meta,
    extract_author,
    extract_meta_json,
    extract_opengraph,
    extract_sitename,
    extract_title,
    extract_url,
)
from trafilatura.settings import Document

from crawler.extraction.main_text import rebound

logger = logging.getLogger(__name__)


# What trafilatura's author XPaths (trafilatura.xpaths.AUTHOR_XPATHS) look for in attribute
# values, and its <author> element. A page none of whose attributes holds one of these words has
# no author for them to find, and its extract_author (a copy of the whole tree, pruned, then
# searched with regular expressions) is skipped: on 400 real pages a third had none.
_AUTHOR_ATTRIBUTES = lxml.etree.XPath(
    "//@class | //@id | //@rel | //@itemprop | //@data-component | //@data-testid",
    smart_strings=False,
)
_AUTHOR_WORD_LIST = (
    "author",
    "byline",
    "byl",
    "bbl",
    "screenname",
    "writer",
    "username",
    "zuozhe",
    "bianji",
    "xiaobian",
    "channel-name",
    "submitted-by",
    "posted-by",
    "journalist-name",
)
_AUTHOR_WORDS = re.compile("|".join(map(re.escape, _AUTHOR_WORD_LIST)), re.IGNORECASE)
_AUTHOR_ELEMENT = lxml.etree.XPath("boolean(//author)")


def _may_name_author(tree: lxml.html.HtmlElement) -> bool:
    """Whether trafilatura's author search can find anything on the page (False only when it
    certainly cannot)."""
    values = "\n".join(_AUTHOR_ATTRIBUTES(tree))
    if values.isascii():  # lowercased, plain substring searches: a third of the expression's time
        lowered = values.lower()
        named = any(word in lowered for word in _AUTHOR_WORD_LIST)
    else:
        named = _AUTHOR_WORDS.search(values) is not None
    return named or bool(_AUTHOR_ELEMENT(tree))


OPEN_GRAPH_PATH = './/head/meta[starts-with(@property, "og:")]'
JSON_PATH = './/script[@type="application/ld+json" or @type="application/settings+json"]'
_JSON_TYPES = ("application/ld+json", "application/settings+json")


def _open_graph(tree: lxml.html.HtmlElement) -> list[lxml.html.HtmlElement]:
    """OPEN_GRAPH_PATH's elements: the og: meta elements that are children of the page's head,
    in document order (where there is one head; otherwise the XPath's own answer)."""
    heads = list(tree.iterdescendants("head"))
    if len(heads) != 1:
        return tree.xpath(OPEN_GRAPH_PATH)
    return [
        meta
        for meta in heads[0].iterchildren("meta")
        if (value := meta.get("property")) is not None and value.startswith("og:")
    ]


def _json_scripts(tree: lxml.html.HtmlElement) -> list[lxml.html.HtmlElement]:
    """JSON_PATH's elements: the page's JSON-LD and settings scripts, in document order."""
    return [
        script for script in tree.iterdescendants("script") if script.get("type") in _JSON_TYPES
    ]


_WALKS: dict[str, Callable[[lxml.html.HtmlElement], list[lxml.html.HtmlElement]]] = {
    OPEN_GRAPH_PATH: _open_graph,
    JSON_PATH: _json_scripts,
}


class WalkedTree:
    """The page's tree as trafilatura's extract_opengraph and extract_meta_json read it (they
    only call its `xpath`): their expressions walked, any other evaluated."""

    def __init__(self, tree: lxml.html.HtmlElement) -> None:
        self.tree = tree

    def xpath(self, path: str) -> Any:
        walk = _WALKS.get(path)
        return self.tree.xpath(path) if walk is None else walk(self.tree)


def _extract_opengraph(tree: lxml.html.HtmlElement) -> dict[str, str | None]:
    return extract_opengraph(WalkedTree(tree))


_examine_meta = rebound(examine_meta, extract_opengraph=_extract_opengraph)


def page_metadata(
    tree: lxml.html.HtmlElement,
    url: str | None,
    date_params: dict[str, Any],
    with_date: bool = True,
) -> Document:
    """The page's metadata as trafilatura would find it (without categories, tags, licence;
    without the date when `with_date` is False: the caller has a better one)."""
    metadata = _examine_meta(tree)
    if metadata.author and " " not in metadata.author:
        metadata.author = None  # a single word is a handle or a section name, not a byline
    try:
        metadata = extract_meta_json(WalkedTree(tree), metadata)
    except Exception as exc:  # noqa: BLE001 — trafilatura guards its JSON-LD parser the same way
        logger.debug("JSON-LD metadata not read: %s", exc)
    if not metadata.title:
        metadata.title = extract_title(tree)
    if not metadata.author and _may_name_author(tree):
        metadata.author = extract_author(tree)
    if not metadata.url:
        metadata.url = extract_url(tree, url)
    if with_date:
        metadata.date = find_date(tree, **{**date_params, "url": metadata.url})
    if not metadata.sitename:
        metadata.sitename = extract_sitename(tree)
    if metadata.sitename:
        metadata.sitename = metadata.sitename.lstrip("@")
        if (
            metadata.sitename
            and "." not in metadata.sitename
            and not metadata.sitename[0].isupper()
        ):
            metadata.sitename = metadata.sitename.title()
    elif metadata.url:
        found = META_URL.match(metadata.url)
        if found:
            metadata.sitename = found[1]
    metadata.filedate = date_params.get("max_date")
    metadata.clean_and_trim()
    return metadata
