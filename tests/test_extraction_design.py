"""trafilatura reads the whole page first; boilerplate knowledge only takes paragraphs away.

The page below is built after a real news site (its article block is named
`article-inner-content-breaking-news` inside a row `g-row-breaking-news`, its text is short and
set in a <div> with line breaks, and a site-description block carries the page's only <p>s).
When boilerplate blocks were pruned before trafilatura ran, the article block was cut for its
"breaking" word and the site's "About" blurb was stored as the article, with no error. The same
holds for blocks named with "premium" or "share".
"""

from __future__ import annotations

from pathlib import Path

import lxml.html
import pytest

from crawler.extraction.boilerplate import boilerplate_blocks, filter_paragraphs, page_text
from crawler.extraction.extract import (
    LEAD,
    PATH_TRAFILATURA,
    NotAnArticle,
    extract_article,
)

FIXTURES = Path(__file__).parent / "fixtures" / "extraction"
BREAKING = (FIXTURES / "article-block-named-breaking.html").read_text(encoding="utf-8")
ARTICLE = [
    "Rabat-based cloud security startup Shieldly has raised $12 million in a Series A round",
    "protects the cloud accounts of banks and insurers in Morocco, Senegal and Côte d'Ivoire.",
    "double its engineering team in Casablanca.",
]


@pytest.mark.parametrize("word", ["breaking-news", "premium", "share"])
def test_a_short_article_in_a_block_named_like_boilerplate_is_kept(word):
    page = BREAKING.replace("breaking-news", word)
    assert len(" ".join(ARTICLE)) < 500
    extracted = extract_article(page, "https://technews.example/2025/03/12/shieldly/")
    for sentence in ARTICLE:
        assert sentence in extracted.text
    for wrong in ("independent publication", "NYC Conference", "Digital Library"):
        assert wrong not in extracted.text
    assert extracted.path == PATH_TRAFILATURA


def test_the_filter_never_takes_the_article_away():
    """A block holding half of the text is the article's wrapper, whatever its name."""
    tree = lxml.html.fromstring(
        "<html><body><div class='zone--article-premium'><p>Un long premier paragraphe de "
        "l'article.</p><p>Un second paragraphe.</p><div class='share'>Partager</div></div>"
        "<nav><a>Accueil</a></nav></body></html>"
    )
    text = "Un long premier paragraphe de l'article.\nUn second paragraphe.\nPartager\nAccueil"
    result = filter_paragraphs(text, boilerplate_blocks(tree), page_text(tree))
    assert result.text == "Un long premier paragraphe de l'article.\nUn second paragraphe."
    assert result.dropped == 2


def test_a_filter_that_would_take_most_of_the_text_is_withheld():
    tree = lxml.html.fromstring(
        "<html><body><div class='related'><p>Premier.</p></div>"
        "<div class='share'><p>Deuxième.</p></div><div class='pub'><p>Troisième.</p></div>"
        "<p>Quatre.</p></body></html>"
    )
    text = "Premier.\nDeuxième.\nTroisième.\nQuatre."
    result = filter_paragraphs(text, boilerplate_blocks(tree), page_text(tree))
    assert result.text == text and result.withheld


def test_the_lead_outside_the_body_is_put_back_and_said():
    lead = (
        "Le groupe annonce trois centres de données à Rabat, Tanger et Benguerir, pour "
        "quarante mégawatts d'ici 2028."
    )
    body = "".join(
        f"<p>Paragraphe {i} du corps de l'article sur les centres de données du groupe.</p>"
        for i in range(8)
    )
    page = (
        f'<html><head><meta name="description" content="{lead}"></head><body>'
        f'<div class="chapo"><strong>{lead}</strong></div><article>{body}</article></body></html>'
    )
    extracted = extract_article(page, "https://journal.ma/a/")
    assert extracted.text.startswith(lead)
    assert extracted.path == PATH_TRAFILATURA + LEAD


def test_a_page_of_navigation_gets_a_second_pass_and_says_what_it_is():
    menu = "".join(f'<li><a href="/r/{i}">Rubrique numéro {i}</a></li>' for i in range(30))
    page = f"<html><body><ul>{menu}</ul></body></html>"
    try:
        extracted = extract_article(page, "https://journal.ma/rubriques/")
    except NotAnArticle:
        return  # declined, with its reason: fine
    assert extracted.looks_like_navigation
    assert any("navigation" in note for note in extracted.notes)


def test_a_second_pass_that_replaces_the_text_says_why():
    items = "".join(
        f'<p><a href="/2026/11/{10 + i}/dossier-{i}/">Dossier numéro {i} : le numérique</a></p>'
        for i in range(14)
    )
    page = f"<html><body><main><article><h1>Nos dossiers</h1>{items}</article></main></body></html>"
    extracted = extract_article(page, "https://journal.ma/2026/11/24/nos-dossiers/")
    assert extracted.path != PATH_TRAFILATURA
    assert extracted.path_reason is not None
    assert "read like navigation" in extracted.path_reason
    assert f"{extracted.path} gave {len(extracted.text)}" in extracted.path_reason
    plain = extract_article(BREAKING, "https://technews.example/2025/03/12/shieldly/")
    assert plain.path_reason is None
