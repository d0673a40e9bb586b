"""trafilatura's main extractor (`trafilatura.main_extractor.extract_content`), its own code, with
its costliest expressions walked instead of evaluated (crawler.extraction.expressions).

The main extractor looks for the article's container with `BODY_XPATH` and prunes it with
`OVERALL_DISCARD_XPATH`, `TEASER_DISCARD_XPATH` and `DISCARD_IMAGE_ELEMENTS`; on a light page
those expressions cost more than the rest of its work.
Its functions run here as trafilatura wrote them, each reading those lists (and the function it
calls next) from a namespace of its own instead of its module's: no line of theirs is copied,
and `tests/test_extraction_expressions.py` fails if their source changes.

`extract_content` also deep-copies the whole tree before its main pass, for the wild-text
recovery that runs only where that pass finds little (on none of bench/pipeline.py's 800 pages,
38 of 322 calls on 300 real pages). Given the means to build the same tree again, its copy here
is a `DeferredTree` that builds it only when the recovery reads it.
"""

from __future__ import annotations

import contextvars
import copy
import types
from collections.abc import Callable, Iterator
from typing import Any

import lxml.etree
import lxml.html
import trafilatura.main_extractor as trafilatura_main
from trafilatura.settings import Extractor
from trafilatura.xpaths import (
    BODY_XPATH,
    DISCARD_IMAGE_ELEMENTS,
    OVERALL_DISCARD_XPATH,
    TEASER_DISCARD_XPATH,
)

from crawler.extraction.expressions import (
    Walked,
    article_body,
    caption_blocks,
    discarded_blocks,
    first_article,
    hidden_elements,
    teaser_blocks,
)


def rebound(function: Callable[..., Any], **names: object) -> Callable[..., Any]:
    """trafilatura's function, its own code, reading these names instead of its module's."""
    made = types.FunctionType(
        function.__code__,
        {**function.__globals__, **names},
        function.__name__,
        function.__defaults__,
        function.__closure__,
    )
    made.__kwdefaults__ = function.__kwdefaults__
    return made


_prune_unwanted_sections = rebound(
    trafilatura_main.prune_unwanted_sections,
    OVERALL_DISCARD_XPATH=[
        Walked(OVERALL_DISCARD_XPATH[0], discarded_blocks),
        Walked(OVERALL_DISCARD_XPATH[1], hidden_elements),
    ],
    TEASER_DISCARD_XPATH=[Walked(TEASER_DISCARD_XPATH[0], teaser_blocks)],
    DISCARD_IMAGE_ELEMENTS=[Walked(DISCARD_IMAGE_ELEMENTS[0], caption_blocks)],
)
_extract = rebound(
    trafilatura_main._extract,
    BODY_XPATH=[
        Walked(BODY_XPATH[0], article_body),
        Walked(BODY_XPATH[1], first_article),
        *BODY_XPATH[2:],
    ],
    prune_unwanted_sections=_prune_unwanted_sections,
)


class DeferredTree:
    """A copy of a tree that trafilatura makes in case a later step reads it, built instead (by
    the steps that built the tree) when one does: the tree it is read as is `tree`."""

    def __init__(self, build: Callable[[], lxml.html.HtmlElement]) -> None:
        self._build = build
        self._tree: lxml.html.HtmlElement | None = None

    @property
    def tree(self) -> lxml.html.HtmlElement:
        if self._tree is None:
            self._tree = self._build()
        return self._tree

    def iter(self, *tags: str) -> Iterator[lxml.etree._Element]:
        return self.tree.iter(*tags)


# How the tree extract_content is given can be built again, for the call under way.
_building: contextvars.ContextVar[Callable[[], lxml.html.HtmlElement] | None] = (
    contextvars.ContextVar("_building", default=None)
)


def _deepcopy(tree: lxml.html.HtmlElement) -> lxml.html.HtmlElement | DeferredTree:
    build = _building.get()
    return copy.deepcopy(tree) if build is None else DeferredTree(build)


def read(tree: lxml.html.HtmlElement | DeferredTree) -> lxml.html.HtmlElement:
    """The tree, built first if it is a DeferredTree not built yet."""
    return tree.tree if isinstance(tree, DeferredTree) else tree


def _recover_wild_text(
    tree: lxml.html.HtmlElement | DeferredTree, *args: Any, **kwargs: Any
) -> lxml.etree._Element:
    return trafilatura_main.recover_wild_text(read(tree), *args, **kwargs)


_extract_content = rebound(
    trafilatura_main.extract_content,
    _extract=_extract,
    deepcopy=_deepcopy,
    recover_wild_text=_recover_wild_text,
)

if len(OVERALL_DISCARD_XPATH) != 2:
    raise ValueError("trafilatura's OVERALL_DISCARD_XPATH changed: read it again")


def extract_content(
    cleaned_tree: lxml.html.HtmlElement,
    options: Extractor,
    build: Callable[[], lxml.html.HtmlElement] | None = None,
) -> tuple[lxml.etree._Element, str]:
    """`trafilatura.main_extractor.extract_content(cleaned_tree, options)`: the same body and
    text. `build`, where given, must make a new tree the same as `cleaned_tree` is now: the copy
    the recovery reads is then built by it when needed, instead of copied on every page."""
    token = _building.set(build)
    try:
        return _extract_content(cleaned_tree, options)
    finally:
        _building.reset(token)
