"""Recall-oriented steps after trafilatura's first reading of a page: the lead it leaves out,
and a second pass where the first text looks thin or like navigation.

- **The lead.** News pages often set the standfirst (chapô) in its own block above the body,
  outside the element trafilatura takes for the article; it is the article's most informative
  sentence, and the one a watchlist most often matches. It is recognised as the page's own
  summary (`description` / `og:description`) shown on the page in a block of its own, outside
  menus, links and boilerplate, and not already in the text. On 990 real pages this recovers
  53 snippets of main text trafilatura misses, for one of boilerplate.
- **A second pass.** When the text is too short to be an article, looks like navigation (many
  short lines, most of them link labels), or covers little of the page's prose, trafilatura's
  recall-oriented settings and its baseline extractor are tried; the better text is kept by the
  rule in `better_text`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence

import lxml.etree
import lxml.html

from crawler.extraction.boilerplate import squash
from crawler.extraction.parsing import document_iter

# A summary shorter than this is a tagline ("News from Rabat"), not a lead.
MIN_LEAD_CHARS = 60
_DESCRIPTION_NAMES = ("description", "twitter:description")


def _descriptions(tree: lxml.html.HtmlElement) -> Iterator[str]:
    """The page's summaries, in document order: the XPath `//meta[@name='description' or
    @property='og:description' or @name='twitter:description']/@content`, read by lxml's tag
    iterator (two thirds of the XPath's time), over the whole document as `//` reads it."""
    for meta in document_iter(tree, "meta"):
        if (
            meta.get("name") in _DESCRIPTION_NAMES or meta.get("property") == "og:description"
        ) and (content := meta.get("content")) is not None:
            yield content


# The key's first word is looked for first, as it is: a text node without it cannot hold the
# key once its whitespace is normalised, and most nodes are spared normalize-space's copy.
_TEXT_WITH = lxml.etree.XPath(
    "//body//text()[contains(., $word) and contains(normalize-space(.), $key)]"
)
_STRING = lxml.etree.XPath("string(.)", smart_strings=False)
_NOT_LEAD_TAGS = frozenset({"a", "script", "style", "noscript", "title", "nav", "footer", "aside"})
_LEAD_KEY_CHARS = 40


def find_lead(
    tree: lxml.html.HtmlElement,
    text: str,
    is_boilerplate: Callable[[lxml.etree._Element], bool],
    lines: Sequence[str] | None = None,
) -> str | None:
    """The page's lead when it is shown on the page and missing from `text`, else None.
    `lines`: the text's non-blank lines squashed, where the caller has them."""
    summaries = []
    for value in _descriptions(tree):
        summary = squash(value).rstrip(".… ").rstrip()
        if len(summary) >= MIN_LEAD_CHARS:
            summaries.append(summary)
    if not summaries:
        return None
    # The text squashed is its squashed lines joined by a space (words split at any space).
    squashed = squash(text) if lines is None else " ".join(lines)
    if any(summary[:80] in squashed for summary in summaries):
        return None
    for summary in dict.fromkeys(summaries):
        key = summary[:_LEAD_KEY_CHARS]
        for node in _TEXT_WITH(tree, word=key.split(" ", 1)[0], key=key):
            element = node.getparent()
            if element is None:
                continue
            if node.is_tail:
                element = element.getparent()
            lead = _lead_block(element, summary)
            if lead is not None and not _excluded(lead, is_boilerplate):
                return " ".join(_STRING(lead).split())
    return None


def _lead_block(element: lxml.etree._Element | None, summary: str) -> lxml.etree._Element | None:
    """The element, or the ancestor, whose whole text is the summary (give or take an ending):
    a lead's words can be split over inline elements."""
    limit = 1.5 * len(summary) + 20
    while element is not None:
        content = squash(_STRING(element))
        if len(content) > limit:
            return None
        if content.startswith(summary[:80]) and len(content) >= 0.8 * len(summary):
            return element
        element = element.getparent()
    return None


def _excluded(
    element: lxml.etree._Element, is_boilerplate: Callable[[lxml.etree._Element], bool]
) -> bool:
    for node in (element, *element.iterancestors()):
        if node.tag in _NOT_LEAD_TAGS or node.tag == "head" or is_boilerplate(node):
            return True
    return False


# -- a second pass -------------------------------------------------------------------------------

# Navigation: at least this many lines, most of them short, most of them link labels.
_NAVIGATION_MIN_LINES = 5
_SHORT_LINE = 50
_NAVIGATION_SHORT_SHARE = 0.6
_NAVIGATION_LINK_SHARE = 0.5
_ANCHORS = lxml.etree.XPath("//a")


def looks_like_navigation(
    text: str, tree: lxml.html.HtmlElement, lines: Sequence[str] | None = None
) -> bool:
    """Whether the text reads like a menu: mostly short lines that are the labels of links.
    `lines`: the text's non-blank lines squashed, where the caller has them."""
    if lines is None:
        lines = [squash(line) for line in text.splitlines() if line.strip()]
    if len(lines) < _NAVIGATION_MIN_LINES:
        return False
    if sum(len(line) < _SHORT_LINE for line in lines) < _NAVIGATION_SHORT_SHARE * len(lines):
        return False  # cheap test first: link labels are read only for texts of short lines
    labels = {squash(_STRING(anchor)) for anchor in _ANCHORS(tree)}
    return sum(line in labels for line in lines) >= _NAVIGATION_LINK_SHARE * len(lines)


# The first text is thin when it holds under this share of the page's paragraph text (on real
# pages a recall pass rarely finds more above it, and costs a second extraction).
THIN_SHARE = 0.1
# A second-pass text replaces a first one that was not declined or navigation only when it is
# this much longer.
BETTER_BY = 1.5


def better_text(
    first: str, first_is_navigation: bool, candidates: Iterable[tuple[str, str]], minimum: int
) -> tuple[str, str] | None:
    """The (path, text) of the candidate to keep instead of `first`, or None to keep `first`.

    The rule: a candidate that itself looks like navigation (`candidates` come filtered and
    checked by the caller, so navigation ones are not offered) is never kept; of the others, the
    longest is kept when the first text is too short to be an article or is navigation, and
    otherwise only when it is at least BETTER_BY times as long.
    """
    best: tuple[str, str] | None = None
    for path, text in candidates:
        if len(text) >= minimum and (best is None or len(text) > len(best[1])):
            best = (path, text)
    if best is None:
        return None
    if len(first) < minimum or first_is_navigation:
        return best
    return best if len(best[1]) >= BETTER_BY * len(first) else None


_WORDS = re.compile(r"\w+")


def shared_words(text: str, reference: str) -> float:
    """The share of `text`'s distinct words that `reference` also has (1.0 for an empty text)."""
    words = {word.lower() for word in _WORDS.findall(text)}
    if not words:
        return 1.0
    other = {word.lower() for word in _WORDS.findall(reference)}
    return len(words & other) / len(words)
