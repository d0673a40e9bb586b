"""Extraction on real pages saved from the web (not written by us), chosen for the ways pruning
used to lose articles: WordPress body_class()/post_class() words (cookies-not-set,
tag-social-media, has-mobile-share), an ASP.NET page-wide form, a paywall's visible part in a
"non-paywall" section, content classed "js_readmore", a live blog in a "comments" block, a page
where pruning the site's header and forms flips trafilatura's choice of body, pages whose
<header> outside <article> holds the title and, cut first, left trafilatura with no text.

The whole corpus (1,033 pages) is measured by bench/extraction.py; these are its sample in CI.
Each page keeps every snippet of its main text listed in expected.json (from the corpus's own
annotations) and none of the boilerplate snippets, and keeps at least half of what bare
trafilatura keeps.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import trafilatura
from trafilatura.utils import decode_file, load_html

from crawler.extraction.boilerplate import boilerplate_blocks
from crawler.extraction.extract import extract_article

REALPAGES = Path(__file__).parent / "fixtures" / "realpages"
CASES = json.loads((REALPAGES / "expected.json").read_text(encoding="utf-8"))


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


@pytest.mark.parametrize("case", CASES, ids=[case["file"] for case in CASES])
def test_real_page_keeps_its_article(case):
    page = decode_file((REALPAGES / case["file"]).read_bytes())
    text = _squash(extract_article(page, case["url"]).text)  # raises if declined
    missing = [s for s in case["with"] if _squash(s) not in text]
    assert not missing, f"{case['why']}: lost {missing}"
    kept_boilerplate = [s for s in case["without"] if _squash(s) in text]
    assert not kept_boilerplate, f"{case['why']}: kept {kept_boilerplate}"
    bare = _squash(trafilatura.extract(page, url=case["url"], include_comments=False) or "")
    assert len(text) >= len(bare) / 2, f"{case['why']}: {len(text)} of {len(bare)} characters"


STARVING = [case for case in CASES if case.get("header_cut_starves")]


@pytest.mark.parametrize("case", STARVING, ids=[case["file"] for case in STARVING])
def test_a_header_whose_cut_starves_trafilatura_costs_the_article_nothing(case):
    """A <header> outside <article> that holds the page's title is boilerplate by its markup;
    cut before trafilatura ran (the old design), trafilatura found no text at all. Filtering
    trafilatura's text afterwards keeps the article."""
    page = decode_file((REALPAGES / case["file"]).read_bytes())
    tree = load_html(page)
    headers = [
        block.element
        for block in boilerplate_blocks(tree)
        if block.element.tag == "header" and block.element.xpath(".//h1")
    ]
    assert headers and not any(h.xpath("ancestor::article") for h in headers)
    for header in headers:
        header.drop_tree()
    cut_first = trafilatura.extract(tree, url=case["url"], include_comments=False) or ""
    bare = trafilatura.extract(page, url=case["url"], include_comments=False) or ""
    assert len(cut_first) < len(bare) / 2  # the failure mode, on this real page
    text = _squash(extract_article(page, case["url"]).text)
    assert all(_squash(snippet) in text for snippet in case["with"])
    assert len(text) >= len(_squash(bare)) / 2
