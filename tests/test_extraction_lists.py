"""The boilerplate filter reads a list item of trafilatura's text as the page holds it.

trafilatura writes each list item as a line starting with "- ", a dash the page does not hold:
such a line was never found in a boilerplate block. So the lists of an article set in a block
named like boilerplate (`article-body premium`, `article-content breaking-news`, or a site
`<header>` left unclosed around `<main>`) did not count towards that block being the article's
wrapper, and the article's prose around them (its first paragraph, its subheadings) was cut as
boilerplate while its bullets stayed; and the items of a list of links to other articles in a
block named `trending` stayed in the text. Found on a held-out page (bench/heldout.py: a safety
alert of msha.gov, whose unclosed header holds the page). The pages under
tests/fixtures/extraction/lists/ are written in the style of Moroccan sites.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.extraction.extract import extract_article

PAGES = Path(__file__).parent / "fixtures" / "extraction" / "lists"

# page: (prose and subheadings that must stay, the list items that must stay)
ARTICLES_WITH_LISTS = {
    "fr-premium-bullets.html": (
        [
            "Le projet de loi de finances 2026, adopté lundi en Conseil des ministres",
            "Impôt sur le revenu",
            "Impôt sur les sociétés",
            "TVA",
        ],
        [
            "- Le seuil d'exonération passe de 40.000 à 45.000 dirhams",
            "- Les médicaments et les fournitures scolaires passent au taux zéro.",
        ],
    ),
    "ar-breaking-bullets.html": (
        [
            "أعلنت المديرية العامة للأرصاد الجوية، صباح اليوم الأحد",
            "تساقطات ثلجية (مستوى يقظة برتقالي):",
            "أمطار قوية (مستوى يقظة برتقالي):",
        ],
        [
            "- من 30 إلى 50 سنتيمترا بأقاليم إفران",
            "- من 20 إلى 40 ملمترا بعمالات وأقاليم الرباط",
        ],
    ),
    "en-unclosed-header.html": (
        [
            "Morocco’s national railway operator ONCF will switch to its winter timetable",
            "Main changes:",
        ],
        [
            "- Al Boraq: 28 daily trains between Tangier and Casablanca",
            "- Airport shuttles: trains to Mohammed V airport every 30 minutes",
        ],
    ),
}


@pytest.mark.parametrize("name", sorted(ARTICLES_WITH_LISTS))
def test_an_article_of_lists_in_a_block_named_like_boilerplate_is_kept_whole(name):
    prose, items = ARTICLES_WITH_LISTS[name]
    page = (PAGES / name).read_text(encoding="utf-8")
    extracted = extract_article(page, f"https://www.example.ma/{name}")
    lines = extracted.text.splitlines()
    for start in prose + items:
        assert any(line.startswith(start) for line in lines), start
    assert extracted.paragraphs_filtered == 0
    assert "Facebook" not in extracted.text and "فيسبوك" not in extracted.text


def test_a_list_of_links_to_other_articles_in_a_boilerplate_block_is_taken_away():
    page = (PAGES / "es-trending-list.html").read_text(encoding="utf-8")
    extracted = extract_article(page, "https://www.example.ma/turismo-17-millones")
    assert "Marruecos recibió 17,4 millones de turistas" in extracted.text
    assert "ha acelerado la renovación hotelera en las ciudades sede." in extracted.text
    for teaser in ("Te puede interesar", "Royal Air Maroc abre", "Marrakech estrena", "crucero"):
        assert teaser not in extracted.text
    assert extracted.paragraphs_filtered == 4  # the block's heading and its three items
