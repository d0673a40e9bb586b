"""The faster paths of extraction answer exactly what the ones they replace answered: the tree
trafilatura would have parsed, the boilerplate words the regular expression finds, the author
hint the expression sees (bench/extraction.py measures the speed, on 990 real pages)."""

from __future__ import annotations

from pathlib import Path

import lxml.etree
import lxml.html
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from trafilatura.utils import load_html

from crawler.extraction import boilerplate, metadata
from crawler.extraction.parsing import parse_page

REAL_PAGES = sorted((Path(__file__).parent / "fixtures" / "realpages").glob("*.html"))


@pytest.mark.parametrize("page", REAL_PAGES, ids=[p.name for p in REAL_PAGES])
def test_the_page_is_parsed_as_trafilatura_parses_it(page):
    html = page.read_bytes()
    ours, theirs = parse_page(html), load_html(html)
    assert lxml.etree.tostring(ours) == lxml.etree.tostring(theirs)
    # every element is an HtmlElement (trafilatura's steps call its methods), made in C
    assert all(isinstance(element, lxml.html.HtmlElement) for element in ours.iter())


@pytest.mark.parametrize(
    "html", ["", "   ", "not html at all", "<p>one block</p>", b"\xff\xfe<\x00h\x00"]
)
def test_what_is_not_a_page_is_refused_as_trafilatura_refuses_it(html):
    ours, theirs = parse_page(html), load_html(html)
    assert (ours is None) == (theirs is None)


_NAME_PARTS = st.sampled_from(
    [*boilerplate._BOILERPLATE_WORDS, "SHARE", "Related", "pub", "public", "x", "é", "ſhare"]
    + ["-", "_", " ", "\n", "\t", "a", "shares", "prepub", "share-bar", "İ"]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_NAME_PARTS, max_size=12).map("".join))
def test_boilerplate_words_are_found_where_the_regular_expression_finds_them(joined):
    expected = [found.start() for found in boilerplate._WORD_IN_NAMES.finditer(joined)]
    starts = boilerplate._word_starts(joined)
    # the expression reports non-overlapping matches, the automaton all of them: the names
    # they fall in are what counts, and a match's start is where the name's word starts
    assert set(expected) <= set(starts)
    assert {joined.count("\n", 0, s) for s in starts} == {
        joined.count("\n", 0, s) for s in expected
    }


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.sampled_from([*metadata._AUTHOR_WORD_LIST, "AUTHOR", "By-Line", "x", " ", "é", "ſ"]),
        max_size=6,
    ).map("".join)
)
def test_the_author_hint_is_seen_where_the_expression_sees_it(value):
    tree = lxml.html.fromstring(f"<html><body><div class='{value}'>x</div></body></html>")
    assert metadata._may_name_author(tree) == bool(metadata._AUTHOR_WORDS.search(value))
