"""Boilerplate pruning and extraction on one hand-written page with the blocks real sites carry."""

from __future__ import annotations

import lxml.html
import pytest
from trafilatura.metadata import extract_metadata

from crawler.extraction.boilerplate import boilerplate_blocks, filter_paragraphs, page_text
from crawler.extraction.extract import DATE_PARAMS, NotAnArticle, extract_article
from crawler.extraction.metadata import page_metadata
from crawler.extraction.profiles import SiteProfile
from monitors.demo.sites import DEMO_SITES_ROOT

BODY = (
    "Le ministère de la Transition numérique a présenté mardi à Rabat sa feuille de route pour "
    "les centres de données souverains. Trois sites seront ouverts d'ici 2028, dont un à Benguerir "
    "en partenariat avec l'UM6P, qui héberge déjà le supercalculateur Toubkal. "
)

PAGE = f"""<!DOCTYPE html><html lang="fr"><head><title>Cloud souverain : la feuille de route</title>
<meta property="og:site_name" content="Le Desk Tech"></head><body>
<header class="site-header"><a href="/">Le Desk Tech</a> Actualités Économie Tech</header>
<div class="news-ticker">En continu : la BAM maintient son taux directeur</div>
<div id="cookie-consent">Nous utilisons des cookies. Accepter</div>
<nav><a href="/eco">Économie</a><a href="/tech">Tech</a></nav>
<article><header class="entry-header"><h1>Cloud souverain : la feuille de route</h1>
<span class="byline">Par Salma Idrissi</span></header>
<div class="entry-content"><p>{BODY}</p>
<div class="lire-aussi">Lire aussi : Inwi lance son offre 5G à Casablanca</div>
<p>Le texte prévoit un hébergement local des données publiques sensibles.{BODY}</p>
<div class="promo">Offre spéciale : -50 % sur l'abonnement annuel</div>
<div class="share-bar">Partager : Facebook X LinkedIn</div></div>
<div class="paywall-footer">Cet article est réservé aux abonnés.</div></article>
<aside>Les plus lus : Maroc Telecom, Orange, Inwi</aside>
<footer>© 2026 Le Desk Tech. Tous droits réservés.</footer></body></html>"""


def test_the_filter_takes_out_boilerplate_paragraphs_and_keeps_the_article_header():
    tree = lxml.html.fromstring(
        "<html><body><div><p>début du texte</p><div class='related'>À lire</div>suite</div>"
        "<article><header><h1>Titre</h1></header></article><header>Menu</header></body></html>"
    )
    text = "début du texte\nÀ lire\nsuite\nTitre\nMenu\nun long paragraphe de l'article"
    result = filter_paragraphs(text, boilerplate_blocks(tree), page_text(tree))
    assert result.text.splitlines() == [
        "début du texte",
        "suite",  # the tail of a boilerplate block belongs to the paragraph around it
        "Titre",  # an article's own header is not the site's
        "un long paragraphe de l'article",  # not on the page at all: kept
    ]
    assert result.dropped == 2


def test_a_paragraph_also_found_outside_boilerplate_is_kept():
    tree = lxml.html.fromstring(
        "<html><body><p>Rabat accueille le salon</p>"
        "<div class='related'><a>Rabat accueille le salon</a></div></body></html>"
    )
    text = "Rabat accueille le salon\nsuite de l'article sur le salon de Rabat"
    result = filter_paragraphs(text, boilerplate_blocks(tree), page_text(tree))
    assert result.dropped == 0


def test_extract_article_drops_every_boilerplate_block_and_source_specific_ones():
    extracted = extract_article(
        PAGE, "https://ledesk.ma/tech/cloud/", SiteProfile(prune_xpath=("//div[@class='promo']",))
    )
    assert extracted.title == "Cloud souverain : la feuille de route"
    assert extracted.language == "fr"
    assert "Benguerir" in extracted.text and "hébergement local" in extracted.text
    for boilerplate in (
        "En continu",
        "cookies",
        "Inwi lance",
        "Offre spéciale",
        "Partager",
        "réservé aux abonnés",
        "Les plus lus",
        "Tous droits",
        "Économie Tech",
    ):
        assert boilerplate not in extracted.text, boilerplate
    without_source_rule = extract_article(PAGE, "https://ledesk.ma/tech/cloud/")
    assert "Offre spéciale" in without_source_rule.text


def test_a_page_without_body_is_not_an_article():
    with pytest.raises(NotAnArticle, match="no article body|too short"):
        extract_article("<html><body><nav>Accueil</nav><p>Bref.</p></body></html>", "https://a.ma/")


def _fixture_pages() -> list[str]:
    pages = [PAGE]
    for path in sorted(DEMO_SITES_ROOT.rglob("*.html")):
        pages.append(path.read_text(encoding="utf-8").replace("{{BASE}}", "https://site.ma"))
    return pages


@pytest.mark.parametrize("index", range(len(_fixture_pages())))
def test_page_metadata_equals_trafilatura_extract_metadata(index):
    html = _fixture_pages()[index]
    ours = page_metadata(lxml.html.fromstring(html), "https://site.ma/a/", DATE_PARAMS)
    theirs = extract_metadata(lxml.html.fromstring(html), "https://site.ma/a/", DATE_PARAMS)
    for name in ("title", "author", "url", "date", "sitename", "description", "image"):
        assert getattr(ours, name) == getattr(theirs, name), name
