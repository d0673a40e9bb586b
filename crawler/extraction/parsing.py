"""The page as a tree: parsed once, the way trafilatura parses it, and read by every step of
extraction (trafilatura's reading, boilerplate blocks, the lead, metadata, language).

The tree is trafilatura's own (`trafilatura.utils.load_html`: the same decoding, repairs and
parser options) with one difference: lxml.html makes each element's Python object through a
class lookup written in Python (`HtmlElementClassLookup.lookup`), called every time a step
touches an element that has no Python object yet, millions of times per thousand pages, in
trafilatura's steps as in veille's. Here every element is an `HtmlElement` made by lxml's C
lookup. Only lxml.html's form classes (`FormElement`, `InputElement`…) are lost, which neither
trafilatura nor veille use: on 990 real pages every extraction is identical, and 4 % faster.

The page's repairs are trafilatura's (`repair_faulty_html`), each step done only where it can
change something: its removal of characters XML forbids looks for them in the page's UTF-8
bytes (a regular expression over the text took three times as long, on pages that hold none),
its doctype repair rebuilds the page only where its first line holds a doctype to repair, and
its `<html/>` repair splits the first lines of the page, not the first 4,096 characters.
`tests/test_extraction_speed.py` holds `repair_page` to `repair_faulty_html`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import lxml.etree
import lxml.html
from trafilatura.utils import (
    DOCTYPE_TAG,
    FAULTY_HTML,
    INVALID_XML_CHARS,
    decode_file,
    is_dubious_html,
)

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


# The characters INVALID_XML_CHARS removes: these control characters, one byte each in UTF-8 and
# never part of a longer sequence, and U+FFFE and U+FFFF (EF BF BE and EF BF BF).
_CONTROL_BYTES = bytes([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20)])
if INVALID_XML_CHARS.pattern != r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]":
    raise ValueError("trafilatura's INVALID_XML_CHARS changed: read parsing.repair_page again")


def _has_invalid_characters(page: str) -> bool:
    """Whether INVALID_XML_CHARS finds a character to remove in the page."""
    data = page.encode("utf-8", "surrogatepass")
    return (
        len(data.translate(None, _CONTROL_BYTES)) != len(data)
        or b"\xef\xbf\xbe" in data
        or b"\xef\xbf\xbf" in data
    )


def _first_lines(page: str, count: int) -> list[str]:
    """`page[:4096].splitlines()[:count]`, splitting a shorter start where it holds more lines
    than that (the first `count` lines are then whole, their breaks included)."""
    start = page[:4096]
    if len(start) > 512:
        lines = start[:512].splitlines()
        if len(lines) > count:
            return lines[:count]
    return start.splitlines()[:count]


def repair_page(page: str, beginning: str) -> str:
    """`trafilatura.utils.repair_faulty_html(page, beginning)`: the same text."""
    if _has_invalid_characters(page):
        page = INVALID_XML_CHARS.sub("", page)
    # libxml2/LXML issue: https://bugs.launchpad.net/lxml/+bug/1955915
    if "doctype" in beginning:
        firstline, newline, rest = page.partition("\n")
        repaired = DOCTYPE_TAG.sub("", firstline, count=1)
        if repaired != firstline or not newline:
            page = repaired + "\n" + rest
    # self-closing <html/> in the first lines
    for line in _first_lines(page, 4):
        if "<html" in line and line.endswith("/>"):
            page = FAULTY_HTML.sub(r"\1>", page, count=1)
            break
    return page


def _from_bytes(page: str) -> lxml.html.HtmlElement | None:
    try:
        return lxml.html.fromstring(page.encode("utf8", "surrogatepass"), parser=_PARSER)
    except (lxml.etree.LxmlError, ValueError) as exc:
        logger.debug("page not parsed as bytes either: %s", exc)
        return None


def document_iter(tree: lxml.etree._Element, *tags: str) -> Iterator[lxml.etree._Element]:
    """The elements of the tree's whole document with these tags, in document order, as an
    absolute XPath (`//meta`) selects them: under the document's root element and under every
    top-level element after it. A malformed page's document can hold several: libxml2 puts the
    markup after a stray `</html>` in another, which the root's own iterator does not reach."""
    root = tree.getroottree().getroot()
    yield from root.iter(*tags)
    for top in root.itersiblings():
        yield from top.iter(*tags)


def parse_page(html: str | bytes) -> lxml.html.HtmlElement | None:
    """The page's tree, or None when it is not HTML; the steps of trafilatura's `load_html`
    (decoded by its declared or detected charset, comments and processing instructions dropped,
    common breakage repaired, a document of one element refused) on a faster tree."""
    page = decode_file(html)
    beginning = page[:50].lower()
    dubious = is_dubious_html(beginning)
    page = repair_page(page, beginning)
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
