"""The faster paths of extraction answer exactly what the ones they replace answered: the tree
trafilatura would have parsed, the boilerplate words the regular expression finds, the author
hint the expression sees, the elements and values the XPath walks select, the quick language
guess (bench/extraction.py measures the speed, on 990 real pages)."""

from __future__ import annotations

import hashlib
import inspect
from pathlib import Path

import lxml.etree
import lxml.html
import pytest
import trafilatura.metadata
from hypothesis import example, given, settings
from hypothesis import strategies as st
from trafilatura.utils import load_html, repair_faulty_html

from crawler.extraction import boilerplate, extract, metadata, parsing, recall
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


# Pieces of a page's start for the repairs: the characters XML forbids (and their neighbours),
# every line break str.splitlines knows, doctypes to repair or not, a self-closing <html/>, and
# runs long enough to put the fourth line across 512 and 4,096 characters.
_PAGE_PARTS = st.sampled_from(
    [chr(code) for code in [*range(0x00, 0x21), 0x7F, 0x85, 0xA0, 0xFFFD, 0xFFFE, 0xFFFF]]
    + ["\u2028", "\u2029", "\r\n", "\ud800", "\U0001f600", "é", "ع", "x", "/", ">", "<"]
    + [
        "<!DOCTYPE html>",
        "<!doctype html PUBLIC '-//W3C//DTD XHTML 1.0//EN' 'x'/>",
        "< ! DOCTYPE x/>",
    ]
    + ["<html/>", "<html lang='fr' />", "<html>", "<body><p>text</p></body>", "/>"]
    + ["a" * 130, "b" * 600, "c" * 4000]
)


@given(st.lists(_PAGE_PARTS, max_size=40).map("".join), st.booleans())
@example("\n\n\n<html>" + "b" * 600 + "/>\n", False)  # the fourth line across 512 characters
@example("x\ny\nz\n" + "w" * 505 + "\r\n<html/>\n", False)  # a break across 512 characters
@example("\n\n<html/>\n" + "a" * 5000, True)
@settings(max_examples=400)
def test_the_page_is_repaired_as_trafilatura_repairs_it(page, doctype_first):
    if doctype_first:
        page = "<!DOCTYPE html/>" + page
    beginning = page[:50].lower()
    assert parsing.repair_page(page, beginning) == repair_faulty_html(page, beginning)


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


# Fragments (lxml.html gives an element of the document, not always its root) and a page holding
# every kind of value the walks read and some they must skip (a `<time>` outside `<article>`, a
# `<meta>` without content, one named twice).
_FRAGMENTS = [
    '<div><meta property="article:published_time" content="2026-11-19T10:00"><nav>x</nav></div>',
    "<p>a</p><article><p><time datetime=' 2026-11-19T10:00 '>x</time></p></article><footer>f</footer>",
    '<meta property="og:locale" content="ar_MA"><time datetime="2026-11-19T10:00:00">t</time>'
    "<header>h</header><form><aside>a</aside></form>",
    '<html lang="fr-FR"><head><meta property="og:locale" content="en_US">'
    '<meta itemprop="datePublished" property="article:published_time" content="2026-11-19">'
    '<meta itemprop="datePublished"></head><body><article><time>no value</time>'
    '<time datetime="2026-11-20T08:30">x</time></article><time datetime="2026-11-21T09:00">y'
    "</time><footer><nav>n</nav></footer></body></html>",
    '<html><head><meta name="description" content="one"><meta property="og:description">'
    '<meta name="twitter:description" property="og:description" content="two">'
    '<meta name="Description" content="not this"><meta content="nor this"></head><body>'
    '<div><meta property="og:description" content="three"></div></body></html>',
    '<html><head><meta property="og:title" content="t"><meta property="article:tag" content="x">'
    '<meta name="og:x" content="n"><script type="application/ld+json">{}</script>'
    '<meta property="og:url"></head><body><meta property="og:image" content="i">'
    '<script type="application/settings+json">{}</script><script>var a;</script>'
    '<script type="application/LD+JSON">{}</script></body></html>',
]
_LANGUAGES = lxml.etree.XPath("/html/@lang | //meta[@property='og:locale']/@content")
_TIMES = lxml.etree.XPath(
    "//meta[@property='article:published_time']/@content"
    " | //meta[@itemprop='datePublished']/@content | //article//time/@datetime"
)
_TAGS = lxml.etree.XPath("//nav | //aside | //footer | //form | //header")
_DESCRIPTIONS = lxml.etree.XPath(
    "//meta[@name='description' or @property='og:description' or @name='twitter:description']"
    "/@content"
)
_TREES = [
    *(parse_page(page.read_bytes()) for page in REAL_PAGES),
    *(lxml.html.fromstring(fragment) for fragment in _FRAGMENTS),
]


@pytest.mark.parametrize("index", range(len(_TREES)))
def test_the_tag_walks_read_what_the_xpath_expressions_read(index):
    tree = _TREES[index]
    assert list(extract._declared_languages(tree)) == [str(v) for v in _LANGUAGES(tree)]
    assert list(extract._declared_times(tree)) == [str(v) for v in _TIMES(tree)]
    assert list(tree.getroottree().iter(*boilerplate._TAG_CANDIDATES)) == _TAGS(tree)
    assert list(recall._descriptions(tree)) == [str(v) for v in _DESCRIPTIONS(tree)]
    walked = metadata.WalkedTree(tree)
    for path in (metadata.OPEN_GRAPH_PATH, metadata.JSON_PATH):
        assert walked.xpath(path) == tree.xpath(path)


# Markup after a stray `</html>` (a second copy of the template, a widget's own document):
# libxml2 puts it in another top-level element of the document, which `//` reads too.
_AFTER_CLOSING_HTML = (
    '<html lang="fr"><head><meta name="description" content="one">'
    '<meta property="og:locale" content="fr_FR"></head><body><nav>n</nav><p>x</p></body></html>'
    '<div><meta property="og:description" content="after"><meta property="og:locale" '
    'content="ar_MA"><meta property="article:published_time" content="2026-11-19T10:00">'
    '<article><time datetime="2026-11-20">t</time></article><footer>f</footer></div>'
)


def test_the_lead_search_reads_the_summaries_after_a_stray_closing_html_tag():
    tree = parse_page(_AFTER_CLOSING_HTML)
    assert len(tree.xpath("/*")) == 2  # two top-level elements in the document
    assert list(recall._descriptions(tree)) == [str(v) for v in _DESCRIPTIONS(tree)]
    assert list(recall._descriptions(tree)) == ["one", "after"]


def test_the_tag_walks_read_the_markup_after_a_stray_closing_html_tag():
    tree = parse_page(_AFTER_CLOSING_HTML)
    assert list(extract._declared_languages(tree)) == [str(v) for v in _LANGUAGES(tree)]
    assert list(extract._declared_times(tree)) == [str(v) for v in _TIMES(tree)]
    assert extract._page_published(tree) == "2026-11-19T10:00"
    blocks = [block.element.tag for block in boilerplate.boilerplate_blocks(tree)]
    assert blocks == [element.tag for element in _TAGS(tree)] == ["nav", "footer"]


def test_trafilaturas_metadata_helpers_read_the_expressions_walked():
    """extract_opengraph and extract_meta_json read the page through these expressions only
    (their source, as read when the walks were written; trafilatura 2.3.1)."""
    read = {
        trafilatura.metadata.extract_opengraph: (metadata.OPEN_GRAPH_PATH, "89aedc122ad1074e"),
        trafilatura.metadata.extract_meta_json: (metadata.JSON_PATH, "f4232983df26bffd"),
    }
    for function, (path, digest) in read.items():
        source = inspect.getsource(function)
        assert f"tree.xpath('{path}')" in source
        assert hashlib.sha256(source.encode()).hexdigest()[:16] == digest, (
            f"trafilatura's {function.__qualname__} changed: read crawler/extraction/metadata.py "
            "again against it"
        )


def test_the_fragments_hold_what_the_tag_walks_must_find():
    """The pages above are not vacuous: they hold values and blocks of each kind."""
    fragments = _TREES[len(REAL_PAGES) :]
    assert [fragment.tag for fragment in fragments[:2]] == ["div", "div"]
    assert [len(_TIMES(t)) for t in fragments] == [1, 1, 0, 2, 0, 0]
    assert [len(_LANGUAGES(t)) for t in fragments] == [0, 0, 1, 2, 0, 0]
    assert [len(_DESCRIPTIONS(t)) for t in fragments] == [0, 0, 0, 0, 3, 0]
    assert [len(t.xpath(metadata.OPEN_GRAPH_PATH)) for t in fragments][-1] == 2
    assert [len(t.xpath(metadata.JSON_PATH)) for t in fragments][-1] == 2
    assert extract._page_published(fragments[0]) == "2026-11-19T10:00"
    assert extract._page_language(fragments[2]) == "ar"


def _quick_language_by_sum(sample: str) -> str | None:
    """The quick language guess as first written: letters always counted, one generator sum a
    language."""
    letters = len(extract._LETTER.findall(sample))
    if letters and len(extract._ARABIC_LETTER.findall(sample)) > letters / 2:
        return "ar"
    words = [word.lower() for word in extract._WORD.findall(sample)]
    counts = sorted(
        (
            (sum(word in common for word in words), language)
            for language, common in extract._STOPWORDS.items()
        ),
        reverse=True,
    )
    (best, language), (second, _) = counts[0], counts[1]
    return language if best >= 5 and best >= 2 * second else None


_SAMPLE_WORDS = st.sampled_from(
    [word for common in extract._STOPWORDS.values() for word in common]
    + ["في", "من", "الذكاء", "Le", "THE", "İle", "x", "2026", "_", "é", " ", ", ", "\n"]
)


@settings(max_examples=400, deadline=None)
@given(st.lists(_SAMPLE_WORDS, max_size=40).map(" ".join))
def test_the_quick_language_guess_is_the_one_first_written(sample):
    assert extract._quick_language(sample) == _quick_language_by_sum(sample)


def _quick_language_by_character(sample: str) -> str | None:
    """The quick language guess before its letters and Arabic script were counted by runs: one
    string per character found."""
    if extract._ARABIC_LETTER.search(sample) is not None:
        letters = len(extract._LETTER.findall(sample))
        if len(extract._ARABIC_LETTER.findall(sample)) > letters / 2:
            return "ar"
    words = [word.lower() for word in extract._WORD.findall(sample)]
    counts = sorted(
        ((sum(map(is_common, words)), language) for language, is_common in extract._IS_COMMON),
        reverse=True,
    )
    (best, language), (second, _) = counts[0], counts[1]
    return language if best >= 5 and best >= 2 * second else None


# Arabic digits and punctuation (in the Arabic block, not letters), the block beyond it,
# a tatweel, a presentation form, letters joined to others by "_".
_SCRIPT_WORDS = st.one_of(
    _SAMPLE_WORDS, st.sampled_from(["٢٠٢٦", "؟", "،", "ݐݑ", "ـ", "ﻻ", "a_في", "DES", "Ñ", "ß"])
)


@settings(max_examples=400, deadline=None)
@given(st.lists(_SCRIPT_WORDS, max_size=40).map(" ".join))
def test_the_quick_language_guess_counting_runs_is_the_one_counting_characters(sample):
    assert extract._quick_language(sample) == _quick_language_by_character(sample)


_LINES = st.lists(
    st.one_of(
        st.sampled_from(["", "  ", "Lire aussi : le budget", "Partager", "Le texte  de l'article"]),
        st.text(alphabet=" \t\r\x0b\x0c\x1c\x85\u00a0\u2009\u2028\u2029abcé.", max_size=30),
    ),
    max_size=12,
).map("\n".join)


@settings(max_examples=300)
@given(_LINES, st.integers(0, 3))
def test_the_filters_squashed_lines_are_those_of_its_text(text, blocks):
    """The steps after the filter read its squashed lines instead of squashing the text again
    (recall.looks_like_navigation, recall.find_lead): they are the text's non-blank lines,
    squashed, and joined by a space they are the text squashed."""
    root = lxml.html.fromstring("<div><p>Partager</p><p>Lire aussi : le budget</p></div>")
    chosen = [boilerplate.Block(root, boilerplate.squash(p), False) for p in text.split("\n")]
    filtered = boilerplate.filter_paragraphs(text, chosen[:blocks], "Partager Lire aussi")
    if filtered.lines is None:
        return
    expected = [boilerplate.squash(line) for line in filtered.text.splitlines() if line.strip()]
    assert list(filtered.lines) == expected
    assert " ".join(filtered.lines) == boilerplate.squash(filtered.text)
