"""trafilatura's reading as veille runs it (crawler.extraction.reading) gives the text
`trafilatura.bare_extraction` gives, character for character, on real pages and on pages made
to reach each step it answers beforehand: the raw-tree prunes, the cleaning of the page's text
for the recall escalation, readability's comparison (skipped and run), justext, the baseline
rescue, a thread forum. bench/same_results.py checks the same on 1,790 pages."""

from __future__ import annotations

import copy
import hashlib
import inspect
from pathlib import Path

import lxml.etree
import lxml.html
import pytest
import trafilatura
import trafilatura.core
import trafilatura.external
import trafilatura.htmlprocessing
import trafilatura.readability_lxml
from hypothesis import given, settings
from hypothesis import strategies as st
from trafilatura.baseline import html2txt
from trafilatura.external import try_readability
from trafilatura.settings import BASIC_CLEAN_XPATH
from trafilatura.utils import trim
from trafilatura.xml import delete_element
from trafilatura.xpaths import RAW_TREE_PRUNE_XPATH, REMOVE_COMMENTS_AND_LISTS_XPATH

from crawler.extraction import boilerplate, reading
from crawler.extraction.parsing import parse_page

FIXTURES = Path(__file__).parent / "fixtures"
REAL_PAGES = sorted((FIXTURES / "realpages").glob("*.html"))
SITE_PAGES = sorted((FIXTURES / "sites").rglob("*.html"))[:40]

PROSE = "".join(
    f"<p>Paragraph {n} of the report says what happened, to whom, where and when, with its "
    "figures, its causes, and what comes next for the people it concerns.</p>"
    for n in range(6)
)
LINKS = "".join(f"<li><a href='/s/{n}'>Section number {n} of the site</a></li>" for n in range(60))


def _page(body: str, head: str = "") -> str:
    return f"<html><head><title>A report</title>{head}</head><body>{body}</body></html>"


CRAFTED = {
    "plain article": _page(f"<article><h1>A report</h1>{PROSE}</article>"),
    "comment section": _page(
        f"<article><h1>A report</h1>{PROSE}</article><div id='comments'><p>I disagree with "
        "every word of this report, and here is why at some length.</p></div>"
        "<ul class='comment-list'><li>First!</li></ul><ol id='comol'><li>Second</li></ol>"
    ),
    # the prunes cut the page's own tree, tails and all, and put it back (reading.Cuts)
    "comment sections with tails": _page(
        f"<div class='wrap'>Words before the comments.<div id='comments'><p>A comment.</p>"
        "<div class='comment-body'>A reply.</div>Tail of the reply.</div>Tail of the comments."
        f"<article><h1>A report</h1>{PROSE}</article>Tail of the article."
        "<div class='post-comments'><ul class='comment-list'><li>First!</li></ul>Tail inside."
        "</div>Tail of the last section.<div class='infinite-scroll'>More.</div>End.</div>"
    ),
    "comment section of a thread forum": _page(
        f"<article><h1>A thread</h1>{PROSE}</article><div class='comments'><p>A post.</p></div>",
        head='<script type="application/ld+json">{"@type": "DiscussionForumPosting"}</script>',
    ),
    "infinite scroll": _page(
        f"<article><h1>A report</h1>{PROSE}</article>"
        f"<div class='infinite-scroll'><article>{PROSE}</article></div>"
        f"<section id='infinitescroll'><h1>Next</h1>{PROSE}</section>"
    ),
    "appended articles": _page(
        f"<article><h1>A report</h1>{PROSE}</article><div id='mvp-post-add-box'>"
        f"<h1>Another</h1>{PROSE}</div>"
        "<div class='elementor-share-buttons'><a href='/share'>Share this</a></div>"
    ),
    "cookie banner, short article": _page(
        "<article><h1>A report</h1><p>A short report of two sentences. It says little.</p>"
        f"</article><div class='Cookie-Banner'><p>{'We use cookies. ' * 20}</p></div>"
        f"<div id='onetrust-consent-sdk'>{PROSE}</div><ul>{LINKS}</ul>"
        "<div class='site-footer'><p>Footer words.</p></div><aside>Aside words</aside>"
    ),
    "short article among links": _page(
        f"<nav><ul>{LINKS}</ul></nav><div class='content'><p>{'A short text. ' * 12}</p></div>"
        f"<div class='more'>{PROSE}{PROSE}</div><ul>{LINKS}</ul>"
    ),
    "text in divs and tables": _page(
        f"<table><tr><td>{'Cell text of the page, in a layout table. ' * 10}</td></tr>"
        f"<tr><td>{'More cell text, more words in it. ' * 10}</td></tr></table>"
        f"<div>{'Loose text in a division, with commas, and more. ' * 15}</div>"
    ),
    "too short for the main extractor": _page("<div><p>Two lines.</p><p>Of text.</p></div>"),
    "a video and a short text": _page(
        "<article><h1>A video</h1><p>What the video shows, in one sentence of some length.</p>"
        "<iframe src='https://www.youtube.com/embed/x'></iframe></article>"
    ),
    "escapes in raw-text elements": _page(
        f"<article><h1>A report</h1>{PROSE}<p>Code: <xmp>{'&' * 200}</xmp></p>"
        f"<noembed>{'a < b > c ' * 10}</noembed></article>"
    ),
    # html2txt's spaces at their most: a text and a tail around every block, no title
    "words between blocks": "<html><body><div>" + "<p>word</p>tail" * 60 + "</div></body></html>",
    # readability drops its unlikely candidates (a sidebar, a header) with their text, not
    # their tails; one nested in another, and one holding a script, are counted once
    "unlikely sidebar and header": _page(
        "<header class='site-header'><ul class='menu'>"
        + "".join(f"<li><a href='/s/{n}'>Section {n}</a></li>" for n in range(20))
        + f"</ul><script>{'var y = 2; ' * 50}</script></header>Tail words after the header."
        f"<article><h1>A report</h1>{PROSE}</article>"
        f"<div class='sidebar'><p>{'Teaser words of the sidebar, and more. ' * 20}</p>"
        f"<div class='widget-footer'>{'Nested words. ' * 10}</div></div>Tail of the sidebar."
        f"<div class='main-sidebar'><p>{'A maybe-candidate keeps its text. ' * 2}</p></div>"
    ),
    "the tail of an unlikely candidate": _page(
        "<div class='content'><span class='menu'>Menu</span>"
        f"{'The words after the menu are the article, and readability keeps them. ' * 8}</div>"
    ),
    "script-heavy page": _page(
        f"<article>{PROSE}</article><script>{'var x = 1; ' * 400}</script>"
        f"<style>{'p {{ color: red }} ' * 100}</style><figure><time>2026</time></figure>"
    ),
}


def _pages() -> list[tuple[str, str | bytes]]:
    pages: list[tuple[str, str | bytes]] = list(CRAFTED.items())
    pages += [(path.name, path.read_bytes()) for path in REAL_PAGES + SITE_PAGES]
    return pages


PAGES = _pages()


def _bare_text(tree: lxml.etree._Element, url: str, focus: str) -> str:
    options = copy.copy(reading.OPTIONS)
    options.url = options.source = url
    options.focus = focus
    document = trafilatura.bare_extraction(tree, options=options)
    return getattr(document, "text", None) or ""


@pytest.mark.parametrize("focus", ["balanced", "recall"])
@pytest.mark.parametrize("name,html", PAGES, ids=[name for name, _ in PAGES])
def test_the_text_is_trafilaturas(name, html, focus):
    tree = parse_page(html)
    before = lxml.etree.tostring(tree)
    url = f"https://example.org/{len(name)}"
    nodes = _text_nodes(tree)
    assert reading.trafilatura_text(tree, url, focus) == _bare_text(tree, url, focus)
    # the tree is left as it was, each of its text nodes too
    assert lxml.etree.tostring(tree) == before
    assert _text_nodes(tree) == nodes


def _text_nodes(tree: lxml.etree._Element) -> list[str]:
    """The document's text nodes, one by one (a text or tail split in two, or two merged,
    shows here and not in its serialisation)."""
    return tree.getroottree().xpath("//text()")


_FRAGMENT_PARTS = st.sampled_from(
    ["<div>", "</div>", "<p>", "</p>", "<ul><li>", "</li></ul>", "<span>", "</span>", "<br>"]
    + ["word ", "tail ", "  ", "\n", "&amp;"]
)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(_FRAGMENT_PARTS, max_size=40).map("".join),
    st.lists(st.lists(st.integers(0, 30), max_size=6), min_size=1, max_size=3),
)
def test_cuts_are_trafilaturas_deletes_and_are_undone(fragment, selections):
    """reading.Cuts cuts the tree as trafilatura's delete_element cuts a copy of it (each
    selection in document order, as an expression gives it: an outer element, then one inside
    it), and undo() puts back the tree and each of its text nodes."""
    tree = parse_page(f"<html><body>{fragment}</body></html>")
    before, nodes = lxml.etree.tostring(tree), _text_nodes(tree)
    theirs = copy.copy(tree)
    cuts = reading.Cuts()
    for selection in selections:
        ours_now, theirs_now = list(tree.iter()), list(theirs.iter())
        chosen = sorted({index for index in selection if index < len(ours_now)})
        for index in chosen:
            cuts.delete(ours_now[index])
            delete_element(theirs_now[index])
        assert lxml.etree.tostring(tree) == lxml.etree.tostring(theirs)
        assert _text_nodes(tree) == _text_nodes(theirs)
    cuts.undo()
    assert lxml.etree.tostring(tree) == before
    assert _text_nodes(tree) == nodes


def test_the_tree_is_put_back_when_the_reading_fails(monkeypatch):
    """A step after the prunes that raises leaves the page's tree as it was."""

    def failing(tree, options, url):
        raise RuntimeError("a step that fails")

    tree = parse_page(CRAFTED["comment sections with tails"])
    before, nodes = lxml.etree.tostring(tree), _text_nodes(tree)
    names = reading.PageNames(tree)
    assert any(prune(tree, names) for prune in reading._COMMENT_PRUNES)  # something is cut
    monkeypatch.setattr(reading, "_prepare_tree", failing)
    with pytest.raises(RuntimeError):
        reading.trafilatura_text(tree, "https://example.org/")
    assert lxml.etree.tostring(tree) == before
    assert _text_nodes(tree) == nodes


EXPRESSIONS = [*RAW_TREE_PRUNE_XPATH, *REMOVE_COMMENTS_AND_LISTS_XPATH, BASIC_CLEAN_XPATH]


@pytest.mark.parametrize("name,html", PAGES, ids=[name for name, _ in PAGES])
def test_the_trees_prepared_are_trafilaturas(name, html):
    """reading._prepare_tree's converted tree, and its cleaned tree built when read, are those
    of trafilatura's _prepare_tree, in both focuses."""
    tree = parse_page(html)
    for focus in ("balanced", "recall"):
        options = copy.copy(reading.OPTIONS)
        options.focus = focus
        theirs = trafilatura.core._prepare_tree(tree, options, "https://example.org/")
        ours = reading._prepare_tree(tree, options, "https://example.org/")
        assert lxml.etree.tostring(ours[0]) == lxml.etree.tostring(theirs[0])
        assert lxml.etree.tostring(ours[1].tree) == lxml.etree.tostring(theirs[1])


# tree_cleaning's options that change what it deletes: tables deleted, images kept, recall.
CLEANING_OPTIONS = [
    {"tables": False},
    {"images": True},
    {"focus": "recall"},
    {"focus": "precision"},
]
FORMS_AND_FIGURES = _page(
    f"<form id='aspnetForm'><article>{PROSE}</article><form><input name='q'>"
    "<button>Search</button></form></form><figure><table><tr><td>a</td></tr></table></figure>"
    "<figure><img src='x.png'><figcaption>A caption.</figcaption></figure><p>Formula: "
    "<math alttext='x^2'><mi>x</mi></math> and after.</p><video><source src='v'></video>"
)


@pytest.mark.parametrize(
    "name,html", [*PAGES, ("forms and figures", FORMS_AND_FIGURES)], ids=lambda x: str(x)[:40]
)
def test_the_tree_is_cleaned_as_trafilatura_cleans_it(name, html):
    """reading._tree_cleaning, which walks only the tags of MANUALLY_CLEANED the tree holds,
    leaves the tree trafilatura's tree_cleaning leaves, with veille's options and others."""
    tree = parse_page(html)
    for changes in [{}, *CLEANING_OPTIONS]:
        options = copy.copy(reading.OPTIONS)
        for option, value in changes.items():
            setattr(options, option, value)
        ours = reading._tree_cleaning(copy.copy(tree), options)
        theirs = trafilatura.htmlprocessing.tree_cleaning(copy.copy(tree), options)
        assert lxml.etree.tostring(ours) == lxml.etree.tostring(theirs)
        assert _text_nodes(ours) == _text_nodes(theirs)


def test_the_cleaned_tree_is_built_where_justext_reads_it(monkeypatch):
    """The made pages reach justext on the cleaned tree (after readability and where
    readability is skipped), and that tree is built there and only there: the text compared
    with bare_extraction above is read from a built tree."""
    built, read = [], []
    prepare, reading_of = reading._prepare_tree, reading.read

    def counting_prepare(tree, options, url):
        cleaned, backup = prepare(tree, options, url)
        build = backup._build
        backup._build = lambda: built.append(True) or build()
        return cleaned, backup

    def counting_read(tree):
        read.append(True)
        return reading_of(tree)

    monkeypatch.setattr(reading, "_prepare_tree", counting_prepare)
    monkeypatch.setattr(reading, "read", counting_read)
    for html in CRAFTED.values():
        for focus in ("balanced", "recall"):
            reading.trafilatura_text(parse_page(html), "https://example.org/", focus)
    assert read
    assert len(built) == len(read)


@pytest.mark.parametrize("name,html", PAGES, ids=[name for name, _ in PAGES])
def test_expressions_answered_from_names_select_what_trafilaturas_select(name, html):
    tree = parse_page(html)
    names = reading.PageNames(tree)
    for expression in EXPRESSIONS:
        assert reading.NameTestedXPath(expression)(tree, names) == expression(tree)


def _readability_skipped(html: str) -> bool:
    tree = parse_page(html)
    cleaned, _ = trafilatura.core._prepare_tree(tree, reading.OPTIONS, None)
    body, text = trafilatura.core.extract_content(cleaned, reading.OPTIONS)
    page = reading._Page(tree, reading.PageNames(tree))
    return reading._readability_cannot_win(page, body, len(text), reading.OPTIONS)


@pytest.mark.parametrize("name,html", PAGES, ids=[name for name, _ in PAGES])
def test_the_names_split_from_the_pages_values_are_the_names_read_alone(name, html):
    """PageNames from the class and id values boilerplate_blocks reads holds the names that
    PageNames reads itself, in the same order."""
    tree = parse_page(html)
    values = boilerplate.class_and_id_values(tree)
    assert tree.getparent() is None
    assert reading.PageNames(tree, values)._names == reading.PageNames(tree)._names


def test_names_of_an_element_under_the_root_are_read_from_it():
    """Where the tree is not its document's root, the document's values are not its names."""
    document = lxml.html.fromstring(
        "<html><body class='page'><div id='main'><p class='x'>a</p></div></body></html>"
    )
    element = document.find(".//div")
    names = reading.PageNames(element, boilerplate.class_and_id_values(element))
    assert names._names == {"class": ["x"], "id": ["main"]}


def test_the_made_pages_reach_each_step():
    """Each branch of the reading is reached by some made page, so the comparison above covers
    it: a prune that selects, the cookie cleaning, readability skipped and run."""
    selected = {}
    for name, html in CRAFTED.items():
        tree = parse_page(html)
        names = reading.PageNames(tree)
        selected[name] = [
            len(reading.NameTestedXPath(expression)(tree, names)) for expression in EXPRESSIONS
        ]
    assert selected["comment section"][2] == 3
    assert selected["comment section of a thread forum"][2] == 1
    assert selected["infinite scroll"][0] == 1  # the one holding an h1 is kept
    assert selected["appended articles"][:2] == [1, 1]
    assert selected["cookie banner, short article"][3] == 4
    assert selected["plain article"] == [0, 0, 0, 0]
    skipped = {name: _readability_skipped(html) for name, html in CRAFTED.items()}
    assert skipped["plain article"] and not skipped["short article among links"]
    assert not skipped["escapes in raw-text elements"]  # its text can outgrow the bound
    # skipped only through the tighter bound: the page's text is more than twice the article's
    sidebar = CRAFTED["unlikely sidebar and header"]
    page = reading._Page(parse_page(sidebar), reading.PageNames(parse_page(sidebar)))
    assert skipped["unlikely sidebar and header"] and page.text_bound > 2 * len(PROSE)


@pytest.mark.parametrize("name,html", PAGES, ids=[name for name, _ in PAGES])
def test_unlikely_text_read_from_the_pages_values_is_read_from_every_element(name, html):
    """unlikely_text reading the elements of the page's class and id values gives what it
    gives reading every element under the tree: on the page, and on the page the prunes cut
    (the values read before the cuts)."""
    tree = parse_page(html)
    values = boilerplate.class_and_id_values(tree)
    assert reading.unlikely_text(tree, values) == reading.unlikely_text(tree)
    names, cuts = reading.PageNames(tree, values), reading.Cuts()
    reading._pruned(tree, reading._RAW_TREE_PRUNES + reading._COMMENT_PRUNES, names, cuts)
    try:
        assert reading.unlikely_text(tree, values) == reading.unlikely_text(tree)
    finally:
        cuts.undo()


def test_unlikely_text_from_values_reads_only_the_elements_under_the_tree():
    """The values of a whole document: an element under the root, a second top-level element
    after a stray </html>, a section the prunes cut; each unlikely candidate is counted only
    where it is under the tree read."""
    page = (
        "<html class='sidebar'><body class='sidebar'><div class='x'><div id='footer'>ab</div>"
        "<p>c</p><div id='comments'><div class='menu'>unlikely text cut</div></div></div>"
        "<div class='menu'>def</div></body></html><div class='sidebar'>after the html</div>"
    )
    tree = parse_page(page)
    values = boilerplate.class_and_id_values(tree)
    assert len(tree.getroottree().xpath("/*")) == 2  # a second top-level element
    # ab, unlikelytextcut (its menu inside counted with it), def; not afterthehtml
    assert reading.unlikely_text(tree, values) == reading.unlikely_text(tree) == 20
    inner = tree.find(".//div")
    assert reading.unlikely_text(inner, values) == reading.unlikely_text(inner) == 17
    cuts = reading.Cuts()
    reading._pruned(tree, reading._COMMENT_PRUNES, reading.PageNames(tree, values), cuts)
    assert reading.unlikely_text(tree, values) == reading.unlikely_text(tree) == 5
    cuts.undo()


@pytest.mark.parametrize("name,html", PAGES, ids=[name for name, _ in PAGES])
def test_readabilitys_text_is_never_longer_than_its_bound(name, html):
    tree = parse_page(html)
    text = trim(
        lxml.etree.tostring(
            try_readability(copy.copy(tree)), method="text", encoding="utf-8"
        ).decode()
    )
    if reading._escapes_grow(tree):
        return  # no bound is claimed: readability runs (the escapes grow on its round trip)
    assert len(text) <= reading.readability_text_bound(tree) - reading.unlikely_text(tree)


@pytest.mark.parametrize("name,html", PAGES, ids=[name for name, _ in PAGES])
def test_the_page_text_is_never_longer_than_its_bound(name, html):
    tree = parse_page(html)
    body = tree.find(".//body")
    if body is not None:
        bound = reading.page_text_bound(body, reading.readability_text_bound(tree))
        assert len(html2txt(tree)) <= bound


@pytest.mark.parametrize("name,html", PAGES, ids=[name for name, _ in PAGES])
def test_a_text_covers_little_of_the_page_as_trafilatura_measures_it(name, html):
    tree = parse_page(html)
    page = reading._Page(tree, reading.PageNames(tree))
    measured = len(html2txt(tree))
    for length in (1, 50, 200, 600, 1500, 2999):
        assert reading._covers_little(length, page) == (length < 0.2 * measured)


# The code whose steps crawler.extraction.reading repeats or answers beforehand, as read when
# it was written (trafilatura 2.3.1). A new trafilatura must be read again before these change.
READ = {
    trafilatura.core.bare_extraction: "2e57adb3062086f9",
    trafilatura.core.trafilatura_sequence: "f03dc4d2946dacbd",
    trafilatura.core._extract_and_compare: "f7d056c2118222e8",
    trafilatura.core._prepare_tree: "9595f0642825c2c7",
    trafilatura.htmlprocessing.tree_cleaning: "828e83a7393082de",
    trafilatura.external.compare_extraction: "2d3d1ffea3ba469f",
    trafilatura.external._prefer_readability: "f6ee688e9ae60074",
    html2txt: "a8c97eab2097c57d",
    trafilatura.readability_lxml.Document.summary: "e1907e0fd84da8bb",
    trafilatura.readability_lxml.Document.sanitize: "84ff3af6fb8bbc7a",
    trafilatura.readability_lxml.Document.transform_misused_divs_into_paragraphs: "8c48b6cf632ab198",
    trafilatura.readability_lxml.Document.remove_unlikely_candidates: "6ef38c8475242af9",
    trafilatura.readability_lxml.Document.get_article: "74d0291fdcd8bd3c",
}


def test_trafilaturas_cascade_is_the_one_this_was_written_for():
    changed = [
        function.__qualname__
        for function, digest in READ.items()
        if hashlib.sha256(inspect.getsource(function).encode()).hexdigest()[:16] != digest
    ]
    assert not changed, (
        f"trafilatura's {', '.join(changed)} changed: read crawler/extraction/reading.py again "
        "against them (what it repeats, what it answers beforehand) and update READ"
    )
    # The expressions answered from names, whose patterns were checked to find no match across
    # two names joined by a newline (reading.NameTest.anywhere).
    paths = "|".join(expression.path for expression in EXPRESSIONS)
    assert hashlib.sha256(paths.encode()).hexdigest()[:16] == PATHS
    # readability's unlikely candidates, which reading.unlikely_text counts as dropped
    regexes = trafilatura.readability_lxml.REGEXES
    words = regexes["unlikelyCandidatesRe"].pattern + regexes["okMaybeItsACandidateRe"].pattern
    assert (words, trafilatura.readability_lxml.FRAME_TAGS) == (UNLIKELY, {"body", "html"})


PATHS = "d5dbe108757548ba"
UNLIKELY = (
    "combx|comment|community|disqus|extra|foot|header|menu|remark|rss|shoutbox|sidebar|sponsor|"
    "ad-break|agegate|pagination|pager|popup|tweet|twitterand|article|body|column|content|main|"
    "shadow"
)
