"""The article survives the markup real sites wrap it in.

Class strings are as WordPress's body_class() and post_class() print them (with the words the
Cookie Notice plugin, share plugins and taxonomies add), and as news sites and ASP.NET pages wrap
whole articles ("zone--article-premium", "post-paywall", a page-wide <form id="aspnetForm">).
Each of these used to make the pruning cut the article away.
"""

from __future__ import annotations

import pytest

from crawler.extraction.extract import extract_article
from crawler.extraction.profiles import SiteProfile

PARAGRAPHS = [
    "Le ministère de la Transition numérique a présenté mardi à Rabat sa feuille de route pour "
    "les centres de données souverains, un chantier estimé à 4,2 milliards de dirhams.",
    "Trois sites seront ouverts d'ici 2028, dont un à Benguerir en partenariat avec l'UM6P, qui "
    "héberge déjà le supercalculateur Toubkal, le plus puissant du continent africain.",
    "Les administrations devront y héberger leurs données sensibles à partir de 2027, selon le "
    "projet de décret examiné jeudi en conseil de gouvernement.",
    "Les opérateurs privés, dont plusieurs filiales de groupes étrangers, pourront candidater à la "
    "gestion des salles à condition d'être de droit marocain.",
]
LEAD, SECOND, THIRD, FOURTH = PARAGRAPHS

BODY_CLASS = (
    "post-template-default single single-post postid-48213 single-format-standard "
    "wp-custom-logo cookies-not-set breaking f_share_tools_on has-mobile-share "
    "elementor-default elementor-kit-7"
)
POST_CLASS = (
    "post-48213 post type-post status-publish format-standard has-post-thumbnail hentry "
    "category-premium category-tech tag-social-media tag-breaking-news tag-cloud"
)

CHROME_TOP = """
<header id="masthead" class="site-header"><a href="/">Le Quotidien Tech</a>
<nav class="main-navigation"><a href="/eco">Économie</a> <a href="/tech">Tech</a></nav></header>
<div class="breaking-news-ticker">En continu : Bank Al-Maghrib maintient son taux directeur</div>
<div id="cookie-notice" class="cookie-notice-hidden">Nous utilisons des cookies. J'accepte</div>
"""
CHROME_BOTTOM = """
<div class="lire-aussi"><strong>Lire aussi :</strong> <a href="/x">Inwi lance la 5G</a></div>
<div class="sharedaddy sd-sharing-enabled">Partager : Facebook X LinkedIn WhatsApp</div>
<aside class="widget most-read">Les plus lus : Maroc Telecom, Orange, Inwi</aside>
<footer class="site-footer">© 2026 Le Quotidien Tech. Tous droits réservés.</footer>
"""


def _article(inner_class: str = "entry-content") -> str:
    paragraphs = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    return (
        f'<article id="post-48213" class="{POST_CLASS}">'
        '<header class="entry-header"><h1 class="entry-title">Cloud souverain : la feuille de '
        'route</h1><span class="byline">Par Salma Idrissi</span></header>'
        f'<div class="{inner_class}">{paragraphs}</div></article>'
    )


def _page(body: str, body_attributes: str = f'class="{BODY_CLASS}"') -> str:
    return (
        '<!DOCTYPE html><html lang="fr-FR"><head><meta charset="utf-8">'
        "<title>Cloud souverain : la feuille de route - Le Quotidien Tech</title></head>"
        f"<body {body_attributes}>{CHROME_TOP}{body}{CHROME_BOTTOM}</body></html>"
    )


WRAPPERS = {
    "wordpress body_class and post_class": _page(
        f'<div id="page" class="site"><main id="main" class="site-main">{_article()}</main></div>'
    ),
    "entry-content-read-more": _page(_article("entry-content entry-content-read-more")),
    "zone--article-premium": _page(
        f'<section class="zone zone--article-premium">{_article()}</section>'
    ),
    "post-paywall live blog": _page(f'<div class="post-paywall">{_article()}</div>'),
    "premium content div": _page(_article("entry-content premium-content")),
    "asp.net page-wide form": _page(
        '<form name="aspnetForm" method="post" action="./article.aspx?id=4821" id="aspnetForm">'
        '<input type="hidden" name="__VIEWSTATE" id="__VIEWSTATE" value="/wEPDwUKMTY1NDU2MTA1Mg==">'
        f'<div id="ctl00_ContentPlaceHolder1_pnlArticle">{_article()}</div></form>'
    ),
    "share wrapper around the text": _page(_article("entry-content social-share-wrap")),
}


@pytest.mark.parametrize("page", WRAPPERS.values(), ids=WRAPPERS.keys())
def test_the_article_is_kept_whatever_wraps_it(page):
    extracted = extract_article(page, "https://lequotidien.ma/2026/11/19/cloud-souverain/")
    for paragraph in PARAGRAPHS:
        assert paragraph in extracted.text
    for boilerplate in ("En continu", "cookies", "Inwi lance", "Partager", "Les plus lus", "©"):
        assert boilerplate not in extracted.text, boilerplate
    assert extracted.author == "Salma Idrissi"


def test_a_site_specific_prune_rule_still_applies():
    page = _page(_article().replace(f"<p>{THIRD}</p>", f'<p class="promo">{THIRD}</p>'))
    profile = SiteProfile(prune_xpath=("//p[@class='promo']",))
    extracted = extract_article(page, "https://lequotidien.ma/a/", profile)
    assert THIRD not in extracted.text and LEAD in extracted.text and FOURTH in extracted.text


def test_a_charset_declared_only_in_http_is_read_from_bytes_by_detection():
    """Bytes without a declared charset (the header was lost): decoded by detection, not as
    Latin-1."""
    page = _page(_article()).replace('<meta charset="utf-8">', "").encode("utf-8")
    extracted = extract_article(page, "https://lequotidien.ma/a/")
    assert "ministère de la Transition numérique" in extracted.text
