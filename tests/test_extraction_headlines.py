"""An article's headline set in a block that is boilerplate by its markup is still its title.

Boilerplate blocks are cut from the tree before the title, byline and date are read, so that a
"Lire aussi" teaser's are not taken for the article's. Themes put the article's own headline in
such blocks: a `<header class="entry-header">` outside `<article>` (a site header by its tag), a
head block named for an urgent (`breaking-news`), premium (`premium-content`) or shared
(`social-share`) article. Cut with it, the headline left the title to whatever heading stayed:
the rubric's label (« سياسة »), a teaser of « Dans la même rubrique », the site's name from
`<title>`; the byline and the date shown beside the headline went with it. Found on held-out
pages (bench/heldout.py: Yahoo, a DW "breaking news" row, a deals page's entry header). The
pages under tests/fixtures/extraction/headlines/ are written in the style of Moroccan sites, one
way of losing the title each.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.extraction.extract import extract_article

PAGES = Path(__file__).parent / "fixtures" / "extraction" / "headlines"

# page: (headline, byline's author or None where the page names none trafilatura reads, the
# first words of the text)
HEADLINES = {
    "fr-header-outside-article.html": (
        "Tanger Med : le port a traité 8,6 millions de conteneurs en 2025",
        "Samir Benali",
        "Le complexe portuaire Tanger Med a traité 8,6 millions",
    ),
    "ar-breaking-news-header.html": (
        "الحكومة تصادق على مشروع قانون يتعلق بالتعويض عن حوادث الشغل",
        "يوسف الإدريسي",
        "صادق مجلس الحكومة، المنعقد يوم الخميس بالرباط",
    ),
    "en-premium-header.html": (
        "Morocco’s GDP Grows 3.2% in Third Quarter, HCP Says",
        "Hamza Guessous",
        "Rabat - Morocco’s economy grew by 3.2%",
    ),
    "es-social-header.html": (
        "Marruecos y España acuerdan reabrir la aduana comercial de Ceuta en febrero",
        None,
        "Marruecos y España han acordado reabrir en febrero",
    ),
}


@pytest.mark.parametrize("name", sorted(HEADLINES))
def test_a_headline_in_a_block_named_like_boilerplate_is_the_title(name):
    headline, author, start = HEADLINES[name]
    page = (PAGES / name).read_text(encoding="utf-8")
    extracted = extract_article(page, f"https://www.example.ma/{name}")
    assert extracted.title == headline
    if author is not None:
        assert extracted.author == author
    # The text is the article's, without the blocks cut as before.
    assert extracted.text.startswith(start)
    assert "Facebook" not in extracted.text and "cookies" not in extracted.text


def test_the_byline_date_beside_the_headline_is_read():
    page = (PAGES / "en-premium-header.html").read_text(encoding="utf-8")
    extracted = extract_article(page, "https://www.example.ma/2026/01/gdp")
    assert extracted.date is not None and extracted.date.value.startswith("2026-01-16")


TEASER_PAGE = """<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8">
<title>Le dirham se déprécie face à l'euro sur la semaine - Médias Éco</title></head><body>
<header class="site-header"><h1 class="logo">Médias Éco</h1><nav><a href="/">Accueil</a></nav></header>
<div class="lire-aussi"><h1 class="entry-title">Bank Al-Maghrib maintient son taux directeur à 2,25 %</h1>
<span class="byline">Par Nadia Alami</span></div>
<article><h1>Le dirham se déprécie face à l'euro sur la semaine</h1>
<p>Le dirham s'est déprécié de 0,4 % face à l'euro et s'est apprécié de 0,3 % face au dollar entre le
8 et le 14 janvier, selon Bank Al-Maghrib, qui n'a réalisé aucune opération d'adjudication.</p>
<p>Les avoirs officiels de réserve s'établissaient à 392,6 milliards de dirhams, en hausse de 8,1 %
sur un an, soit l'équivalent de plus de cinq mois d'importations de biens et services.</p></article>
<footer>© Médias Éco</footer></body></html>"""


def test_a_teasers_headline_and_the_sites_name_are_still_cut():
    """Only a heading the page's own title names is kept: a teaser's heading is not in it, and
    the site's name is a small part of it."""
    extracted = extract_article(TEASER_PAGE, "https://www.example.ma/dirham")
    assert extracted.title == "Le dirham se déprécie face à l'euro sur la semaine"
    assert extracted.author is None
