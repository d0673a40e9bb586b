"""The page as a tree: parsed once, the way trafilatura parses it, and read by every step of
extraction (trafilatura's reading, boilerplate blocks, the lead, metadata, language).

The tree is trafilatura's own (`trafilatura.utils.load_html`: the same decoding, repairs and
parser options) with one difference: lxml.html makes each element's Python object through a
class lookup written in Python (`HtmlElementClassLookup.lookup`), called every time a step
touches an element that has no Python object yet, millions of times per thousand pages, in
trafilatura's steps as in veille's. Here every element is an `HtmlElement` made by lxml's C
lookup. Only lxml.html's form classes (`FormElement`, `InputElement`…) are lost, which neither
trafilatura nor veille use: on 990 real pages every extraction is identical, and 4 % faster.
"""

from __future__ import annotations

import logging

import lxml.etree
import lxml.html
from trafilatura.utils import decode_file, is_dubious_html, repair_faulty_html

logger = logging.getLogger(__name__)

# trafilatura.utils.HTML_PARSER's options.
_PARSER = lxml.html.HTMLParser(
    collect_ids=False,
    default_doctype=False,
    encoding="utf-8",
    remove_comments=True,
    remove_pis=True,
)
_PARSER.set_element_class_lookup(
    lxml.etree.ElementDefaultClassLookup(
        element=lxml.html.HtmlElement,
        comment=lxml.html.HtmlComment,
        pi=lxml.html.HtmlProcessingInstruction,
        entity=lxml.html.HtmlEntity,
    )
)


def _from_bytes(page: str) -> lxml.html.HtmlElement | None:
    try:
        return lxml.html.fromstring(page.encode("utf8", "surrogatepass"), parser=_PARSER)
    except (lxml.etree.LxmlError, ValueError) as exc:
        logger.debug("page not parsed as bytes either: %s", exc)
        return None


def parse_page(html: str | bytes) -> lxml.html.HtmlElement | None:
    """The page's tree, or None when it is not HTML; the steps of trafilatura's `load_html`
    (decoded by its declared or detected charset, comments and processing instructions dropped,
    common breakage repaired, a document of one element refused) on a faster tree."""
    page = decode_file(html)
    beginning = page[:50].lower()
    dubious = is_dubious_html(beginning)
    page = repair_faulty_html(page, beginning)
    tree = None
    parsed_as_bytes = False
    try:
        tree = lxml.html.fromstring(page, parser=_PARSER)
    except ValueError:  # "Unicode strings with encoding declaration are not supported"
        tree = _from_bytes(page)
        parsed_as_bytes = True
    except lxml.etree.LxmlError as exc:
        logger.debug("page not parsed: %s", exc)
    if (tree is None or len(tree) < 1) and not parsed_as_bytes:
        tree = _from_bytes(page)
    if tree is not None and dubious and len(tree) < 2:
        return None
    return tree
