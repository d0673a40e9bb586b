"""trafilatura's expressions walked instead of evaluated (crawler.extraction.expressions) select
what the expressions select, on real and made pages, raw and as the main extractor reads them
(cleaned and converted, and the article's container it prunes); the main extractor run with
them (crawler.extraction.main_text) gives trafilatura's body and text. bench/same_results.py
checks the whole extraction on 1,790 pages."""

from __future__ import annotations

import copy
import hashlib
import inspect
from pathlib import Path

import lxml.etree
import pytest
import trafilatura.main_extractor
from trafilatura.htmlprocessing import convert_tags, tree_cleaning
from trafilatura.xpaths import (
    BODY_XPATH,
    DISCARD_IMAGE_ELEMENTS,
    OVERALL_DISCARD_XPATH,
    REMOVE_COMMENTS_AND_LISTS_XPATH,
    TEASER_DISCARD_XPATH,
)

from crawler.extraction import expressions, main_text, reading
from crawler.extraction.parsing import parse_page

FIXTURES = Path(__file__).parent / "fixtures"
REAL_PAGES = sorted((FIXTURES / "realpages").glob("*.html"))
SITE_PAGES = sorted((FIXTURES / "sites").rglob("*.html"))[:40]

# Each test of the expressions, true and false, on elements of the tags they name and others;
# both orders of two attributes where the expression reads the first of them. Each in a block
# of its own, where each expression is also compared.
MADE_ELEMENTS = [
    "<div class='entry'><p>An entry.</p></div>",
    "<div class='post'>A post.</div>",
    "<section itemprop='articleBody'><p>Body.</p></section>",
    "<main id='articleContent'>x</main>",
    "<article class='post-content'><p>Post</p></article>",
    "<div id='article-body'>y</div>",
    "<span class='post'>not a container</span>",
    "<div data-lp-replacement-content=''>a</div>",
    "<p role='Navigation'>b</p>",
    "<span role='menu'>c</span>",
    "<section data-component='xMostPopularStoriesy'>d</section>",
    "<div id='cookie-x' class='plain'>e</div>",
    "<div class='cookie-notice' id='plain'>f</div>",
    "<div id='plain' class='cookie-notice'>g</div>",
    "<list class='share-this'>h</list>",
    "<item id='nav-main'>i</item>",
    "<p class='Navbar'>j</p>",
    "<div class=' ad ' id='x-ad'>k</div>",
    "<ul class='menu'><li>l</li></ul>",
    "<b class='comments-title'>m</b>",
    "<i id='reply-1' class='z'>n</i>",
    "<i class='reply-2' id='z'>o</i>",
    "<u id='z' class='reply-3'>p</u>",
    "<em style='color: red' id='hidden-x'>q</em>",
    "<em id='hidden-y' style='color: red'>q2</em>",
    "<em id='plain' style='visibility: hidden'>r</em>",
    "<em style='visibility: hidden'>r2</em>",
    "<em style='display:none'>s</em>",
    "<em style='display: none'>t</em>",
    "<em id='akismet-1'>u</em>",
    "<em class='x hide'>v</em>",
    "<em aria-hidden='true'>w</em>",
    "<em aria-hidden='false' class='message-box'>x</em>",
    "<div id='comments'><p>A comment.</p></div>",
    "<ol id='comol'><li>1</li></ol>",
    "<ul class='comment-list'><li>2</li></ul>",
    "<ul id='disqus_thread'><li>3</li></ul>",
    "<details class='post-comments'>4</details>",
    "<section id='commentary'>5</section>",
    "<div class='Comments'>6</div>",
    "<p id='Teaser-1'>T1</p>",
    "<span class='big teaser'>T2</span>",
    "<div class='TEASER'>T3</div>",
    "<ul class='teaser'><li>T4</li></ul>",
    "<section id='captioned'>C1</section>",
    "<item class='wp-caption'>C2</item>",
    "<div class='Caption'>C3</div>",
]
MADE = (
    "<html><head><title>Made</title></head><body>"
    + "".join(f"<div>{element}</div>" for element in MADE_ELEMENTS)
    + "</body></html>"
)


def _pages() -> list[tuple[str, str | bytes]]:
    pages: list[tuple[str, str | bytes]] = [("made", MADE)]
    pages += [(path.name, path.read_bytes()) for path in REAL_PAGES + SITE_PAGES]
    return pages


PAGES = _pages()

WALKED = [
    (BODY_XPATH[0], expressions.article_body, True),
    (BODY_XPATH[1], expressions.first_article, True),
    (OVERALL_DISCARD_XPATH[0], expressions.discarded_blocks, False),
    (OVERALL_DISCARD_XPATH[1], expressions.hidden_elements, False),
    (REMOVE_COMMENTS_AND_LISTS_XPATH[0], expressions.comment_sections, False),
    (TEASER_DISCARD_XPATH[0], expressions.teaser_blocks, False),
    (DISCARD_IMAGE_ELEMENTS[0], expressions.caption_blocks, False),
]


def _trees(html: str | bytes) -> list[lxml.etree._Element]:
    """The page's tree, as the main extractor reads it, and the containers it looks in."""
    tree = parse_page(html)
    options = copy.copy(reading.OPTIONS)
    cleaned = convert_tags(tree_cleaning(copy.copy(tree), options), options, None)
    trees = [tree, cleaned]
    for whole in (tree, cleaned):
        for expression in BODY_XPATH:
            trees += expression(whole)[:1]
    return trees


@pytest.mark.parametrize("name,html", PAGES, ids=[name for name, _ in PAGES])
def test_walked_expressions_select_what_trafilaturas_select(name, html):
    for tree in _trees(html):
        for expression, walked, first_only in WALKED:
            selected = expression(tree)
            assert walked(tree) == (selected[:1] if first_only else selected), expression.path


def test_the_made_elements_reach_each_test():
    blocks = list(parse_page(MADE).find("body"))
    selected: dict[str, list[str]] = {}
    for expression, walked, first_only in WALKED:
        for block in blocks:
            found = expression(block)
            assert walked(block) == (found[:1] if first_only else found), expression.path
        selected[walked.__name__] = [
            (block[0].text or "").strip()[:2] for block in blocks if expression(block)
        ]
    assert len(selected["article_body"]) == 6  # not the span
    assert selected["discarded_blocks"] == ["a", "b", "d", "e", "f", "h", "i", "j", "k"]
    assert selected["hidden_elements"] == ["m", "n", "o", "q2", "r2", "s", "t", "u", "v", "w", "x"]
    assert selected["comment_sections"] == ["", "", "", "4", "6"]
    assert selected["teaser_blocks"] == ["T1", "T2"]
    assert selected["caption_blocks"] == ["C1", "C2"]


@pytest.mark.parametrize("name,html", PAGES, ids=[name for name, _ in PAGES])
def test_the_main_extractor_gives_trafilaturas_body(name, html):
    tree = parse_page(html)
    options = copy.copy(reading.OPTIONS)
    cleaned = convert_tags(tree_cleaning(copy.copy(tree), options), options, None)
    theirs = trafilatura.main_extractor.extract_content(copy.deepcopy(cleaned), options)
    ours = main_text.extract_content(cleaned, options)
    assert ours[1] == theirs[1]
    assert lxml.etree.tostring(ours[0]) == lxml.etree.tostring(theirs[0])


# Pages whose main pass finds little (under MIN_EXTRACTED_SIZE), so the main extractor's
# recovery reads its copy of the tree: wild paragraphs outside the container, and nothing else.
SHORT_PAGES = [
    "<html><body><div class='entry-content'><p>Short body.</p></div>"
    + "".join(
        f"<section><p>Wild paragraph {i} with some words of its own.</p></section>"
        for i in range(8)
    )
    + "</body></html>",
    "<html><body><article><p>Only a line.</p></article><table><tr><td>A cell of text that the"
    " recovery can take, long enough to count for something.</td></tr></table>"
    "<div><p>Another paragraph, beyond the article, that only the recovery reads.</p></div>"
    "</body></html>",
    "<html><body><p>One paragraph alone.</p></body></html>",
]


@pytest.mark.parametrize(
    "html",
    [html for _, html in PAGES] + SHORT_PAGES,
    ids=[name for name, _ in PAGES] + [f"short-{i}" for i in range(len(SHORT_PAGES))],
)
@pytest.mark.parametrize("focus", ["balanced", "recall"])
def test_the_recoverys_copy_built_when_read_is_trafilaturas(html, focus):
    """main_text.extract_content given the means to build its tree again (as reading.py gives
    it) returns trafilatura's body and text, on pages where the recovery reads that tree and
    where it does not."""
    tree = parse_page(html)
    options = copy.copy(reading.OPTIONS)
    options.focus = focus

    def build():
        built.append(True)
        return convert_tags(tree_cleaning(copy.copy(tree), options), options, None)

    built: list[bool] = []
    cleaned = build()
    theirs = trafilatura.main_extractor.extract_content(copy.deepcopy(cleaned), options)
    ours = main_text.extract_content(cleaned, options, build)
    assert ours[1] == theirs[1]
    assert lxml.etree.tostring(ours[0]) == lxml.etree.tostring(theirs[0])
    assert len(built) in (1, 2)  # built again at most once, by the recovery


def test_the_recoverys_copy_is_built_on_short_pages():
    for html in SHORT_PAGES:
        tree = parse_page(html)
        options = copy.copy(reading.OPTIONS)
        built: list[bool] = []

        def build(tree=tree, options=options, built=built):
            built.append(True)
            return convert_tags(tree_cleaning(copy.copy(tree), options), options, None)

        main_text.extract_content(build(), options, build)
        assert len(built) == 2, html  # once above, once by the recovery


# The code and expressions walked here, as read when this was written (trafilatura 2.3.1).
READ = {
    trafilatura.main_extractor.extract_content: "f0270c94ac5f30b5",
    trafilatura.main_extractor._extract: "3e0e39ed3e03e8e4",
    trafilatura.main_extractor.prune_unwanted_sections: "e6eb7afcc64d3f37",
}
PATHS = "41f39ade6863b8e7"


def test_trafilaturas_expressions_are_the_ones_walked():
    changed = [
        function.__qualname__
        for function, digest in READ.items()
        if hashlib.sha256(inspect.getsource(function).encode()).hexdigest()[:16] != digest
    ]
    assert not changed, (
        f"trafilatura's {', '.join(changed)} changed: read crawler/extraction/main_text.py "
        "again against them and update READ"
    )
    paths = "|".join(expression.path for expression, _, _ in WALKED)
    assert hashlib.sha256(paths.encode()).hexdigest()[:16] == PATHS, (
        "trafilatura's expressions walked in crawler/extraction/expressions.py changed: "
        "write their walks again and update PATHS"
    )
