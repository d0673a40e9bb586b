"""Some of trafilatura's XPath expressions evaluated by walking the tree with lxml's tag iterator,
each giving what the expression gives (or, for those trafilatura reads only the first result
of, that first result).

libxml2's XPath engine visits every node under the context with the expression's tests, some
0.2-0.5 µs a node, and each `re:test` calls back into Python: on a light page of 100 elements
the expressions below cost 30-70 µs each, more than the rest of the main extractor's work on
them. lxml's tag iterator visits only the elements of the tags named, in C; the tests are then
read from the element's attributes, in Python (remembering each pattern's answer on a value
made no difference on the bench's pages).

Each function names the expression it reproduces; the patterns are read from the expression's
own text. `tests/test_extraction_expressions.py` compares each with its expression on real and
made pages, raw and cleaned, and fails when trafilatura's text of any of them changes.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import lxml.etree
import lxml.html
from trafilatura.xpaths import (
    BODY_XPATH,
    DISCARD_IMAGE_ELEMENTS,
    OVERALL_DISCARD_XPATH,
    REMOVE_COMMENTS_AND_LISTS_XPATH,
    TEASER_DISCARD_XPATH,
)

_RE_TEST = re.compile(r"re:test\(@([a-z|@-]+), '([^']*)'(?:, '(i?)')?\)")


class _Pattern:
    """One `re:test` call's pattern, run as lxml's re:test runs it (re.search)."""

    def __init__(self, pattern: str, flags: str) -> None:
        self._search = re.compile(pattern, re.IGNORECASE if flags else 0).search

    def __call__(self, value: str | None) -> bool:
        """re:test on an attribute: false where the attribute is missing (its value is then
        the empty string, which none of these patterns finds anything in)."""
        return value is not None and self._search(value) is not None


def _patterns(expression: lxml.etree.XPath, attributes: list[str]) -> list[_Pattern]:
    """The expression's `re:test` patterns in the order they are written, checked to test these
    attributes in that order."""
    calls = _RE_TEST.findall(expression.path)
    if [attribute for attribute, _, _ in calls] != attributes:
        raise ValueError(f"not the expression this reproduces: {expression.path!r}")
    patterns = [_Pattern(pattern, flags) for _, pattern, flags in calls]
    if any(pattern("") for pattern in patterns):
        raise ValueError(f"a pattern true of a missing attribute: {expression.path!r}")
    return patterns


def _first_of(element: lxml.etree._Element, first: str, second: str) -> str | None:
    """The value of `(@first|@second)[1]`: XPath's string value of the two attributes is the
    first of them in document order, the order they are written in (lxml's keys())."""
    one, other = element.get(first), element.get(second)
    if one is None or other is None:
        return other if one is None else one
    keys = element.keys()
    return one if keys.index(first) < keys.index(second) else other


class Walked:
    """An expression trafilatura calls as `expression(tree)`, answered by `function`; its text
    is the expression's (trafilatura logs it)."""

    def __init__(
        self, expression: lxml.etree.XPath, function: Callable[[lxml.etree._Element], list]
    ) -> None:
        self.expression, self._function = expression, function

    def __call__(self, tree: lxml.etree._Element) -> list:
        return self._function(tree)

    def __str__(self) -> str:
        return str(self.expression.path)


# BODY_XPATH[0]: the first article, div, main or section named as the article's body. The
# expression's trailing [1] keeps each parent's first such child; trafilatura reads only the
# first in document order, which this gives.
_BODY_ID, _BODY_CLASS = _patterns(BODY_XPATH[0], ["id", "class"])


def article_body(tree: lxml.etree._Element) -> list[lxml.etree._Element]:
    for element in tree.iterdescendants("article", "div", "main", "section"):
        classes, identifier = element.get("class"), element.get("id")
        if (
            classes == "post"
            or classes == "entry"
            or element.get("itemprop") == "articleBody"
            or identifier == "articleContent"
            or _BODY_ID(identifier)
            or _BODY_CLASS(classes)
        ):
            return [element]
    return []


def first_article(tree: lxml.etree._Element) -> list[lxml.etree._Element]:
    """BODY_XPATH[1], `(.//article)[1]`."""
    article = next(tree.iterdescendants("article"), None)
    return [] if article is None else [article]


if [expression.path for expression in BODY_XPATH[1:2]] != ["(.//article)[1]"]:
    raise ValueError(f"not the expression first_article reproduces: {BODY_XPATH[1].path!r}")


# OVERALL_DISCARD_XPATH[0]: navigation, sharing, cookie, tag and teaser blocks.
_COOKIE, _DISCARD_ID, _DISCARD_CLASS = _patterns(
    OVERALL_DISCARD_XPATH[0], ["id|@class", "id", "class"]
)


def discarded_blocks(tree: lxml.etree._Element) -> list[lxml.etree._Element]:
    found = []
    for element in tree.iterdescendants(*_BLOCK_TAGS):
        role, component = element.get("role"), element.get("data-component")
        if (
            element.get("data-lp-replacement-content") is not None
            or (role is not None and "nav" in role.replace("N", "n"))
            or (component is not None and "MostPopularStories" in component)
            or _COOKIE(_first_of(element, "id", "class"))
            or _DISCARD_ID(element.get("id"))
            or _DISCARD_CLASS(element.get("class"))
        ):
            found.append(element)
    return found


_BLOCK_TAGS = ("div", "item", "list", "p", "section", "span")
_TEASERS = (
    ".//*[self::div or self::item or self::list or self::p or self::section or self::span][ "
    "contains(translate(@id, 'T', 't'), 'teaser') or contains(translate(@class, 'T', 't'), "
    "'teaser')]"
)
_CAPTIONS = (
    ".//*[self::div or self::item or self::list or self::p or self::section or self::span][ "
    "contains(@id, 'caption') or contains(@class, 'caption')]"
)
if [" ".join(expression.path.split()) for expression in TEASER_DISCARD_XPATH] != [_TEASERS] or [
    " ".join(expression.path.split()) for expression in DISCARD_IMAGE_ELEMENTS
] != [_CAPTIONS]:
    raise ValueError("trafilatura's teaser or caption expression changed: walk it again")


def teaser_blocks(tree: lxml.etree._Element) -> list[lxml.etree._Element]:
    """TEASER_DISCARD_XPATH[0]: blocks whose id or class holds "teaser" ("Teaser" too)."""
    found = []
    for element in tree.iterdescendants(*_BLOCK_TAGS):
        identifier, classes = element.get("id"), element.get("class")
        if (identifier is not None and "teaser" in identifier.replace("T", "t")) or (
            classes is not None and "teaser" in classes.replace("T", "t")
        ):
            found.append(element)
    return found


def caption_blocks(tree: lxml.etree._Element) -> list[lxml.etree._Element]:
    """DISCARD_IMAGE_ELEMENTS[0]: blocks whose id or class holds "caption"."""
    found = []
    for element in tree.iterdescendants(*_BLOCK_TAGS):
        identifier, classes = element.get("id"), element.get("class")
        if (identifier is not None and "caption" in identifier) or (
            classes is not None and "caption" in classes
        ):
            found.append(element)
    return found


# OVERALL_DISCARD_XPATH[1]: hidden elements, comment titles and reply links, of any tag.
_HIDDEN, _HIDDEN_ID, _HIDDEN_CLASS = _patterns(
    OVERALL_DISCARD_XPATH[1], ["id|@style", "id", "class"]
)


def hidden_elements(tree: lxml.etree._Element) -> list[lxml.etree._Element]:
    found = []
    for element in tree.iterdescendants("*"):
        classes, identifier, style = element.get("class"), element.get("id"), element.get("style")
        if identifier is None and classes is None and style is None:
            if element.get("aria-hidden") == "true":
                found.append(element)
            continue
        first = _first_of(element, "id", "class")
        if (
            classes == "comments-title"
            or (first is not None and first.startswith("reply-"))
            or _HIDDEN(_first_of(element, "id", "style"))
            or (style is not None and ("display:none" in style or "display: none" in style))
            or _HIDDEN_ID(identifier)
            or _HIDDEN_CLASS(classes)
            or element.get("aria-hidden") == "true"
        ):
            found.append(element)
    return found


# REMOVE_COMMENTS_AND_LISTS_XPATH[0]: comment sections, and lists named as comment lists.
_COMMENT_ID, _COMMENT_CLASS, _COMMENT_LIST_ID, _COMMENT_LIST_CLASS = _patterns(
    REMOVE_COMMENTS_AND_LISTS_XPATH[0], ["id", "class", "id", "class"]
)


def comment_sections(tree: lxml.etree._Element) -> list[lxml.etree._Element]:
    found = []
    for element in tree.iterdescendants("div", "list", "section", "details", "ol", "ul"):
        classes, identifier = element.get("class"), element.get("id")
        if not (_COMMENT_ID(identifier) or _COMMENT_CLASS(classes)):
            continue
        if element.tag in ("ol", "ul") and not (
            _COMMENT_LIST_ID(identifier) or _COMMENT_LIST_CLASS(classes)
        ):
            continue
        found.append(element)
    return found
