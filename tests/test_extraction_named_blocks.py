"""Boilerplate blocks named in Spanish, French and transliterated Arabic, inside the article.

Themes put « Noticias relacionadas », « Lo más leído », « Suscríbete », « Publicidad », « Articles
similaires », « Les plus lus », « Publicité », « اقرأ أيضا », « الأكثر قراءة » and « إعلان »
blocks inside the article's own container, named in the site's language (`noticias-relacionadas`,
`lo-mas-leido`, `suscribete`, `publicidad`, `articles-similaires`, `les-plus-lus`, `publicite`,
`iqra-aydan`, `al-akthar-qiraa`, `ilan`). trafilatura's own rules know English names only: their
headings, excerpts and plain-text teasers stayed in the text. The pages under
tests/fixtures/extraction/named_blocks/ carry such blocks in each language (and English names
trafilatura does not know either); each paragraph taken out is logged at debug level with the
block it lay in.
"""

from __future__ import annotations

import logging
from pathlib import Path

import lxml.html
import pytest

from crawler.extraction.boilerplate import is_boilerplate
from crawler.extraction.extract import extract_article

PAGES = Path(__file__).parent / "fixtures" / "extraction" / "named_blocks"

# page: (the article's paragraphs, each by its first words; the blocks' lines that must go, each
# with the block the trace names)
NAMED_BLOCKS = {
    "es-bloques-en-articulo.html": (
        [
            "La Oficina Nacional de Hidrocarburos",
            "Según el pliego",
            "El proyecto forma parte",
            "La ministra de Transición Energética",
        ],
        [
            ("Publicidad", "div.publicidad"),
            ("Descubra las nuevas ofertas de fibra", "div.publicidad"),
            ("Noticias relacionadas", "div.noticias-relacionadas"),
            ("Suscríbete a nuestro boletín", "div.suscribete"),
            ("Recibe cada mañana en tu correo", "div.suscribete"),
            ("Lo más leído", "div#lo-mas-leido"),
            ("- La aduana comercial de Ceuta", "div#lo-mas-leido"),
        ],
    ),
    "fr-blocs-dans-article.html": (
        [
            "L'Agence de développement du digital",
            "Les appels à manifestation",
            "Le site de Dakhla",
            "Le ministère de la Transition numérique",
        ],
        [
            ("Articles similaires", "div.articles-similaires"),
            ("Publicité", "div.publicite"),
            ("Les plus lus", "section.les-plus-lus"),
            ("- La Bourse de Casablanca", "section.les-plus-lus"),
            ("La jeune pousse, spécialisée", "section.les-plus-lus"),
        ],
    ),
    "ar-katl-dakhil-almaqal.html": (
        ["أعلنت وزارة إعداد التراب الوطني", "وأوضحت الوزارة في بلاغ لها", "وأضاف البلاغ أن المنصة"],
        [
            ("حصيلة برنامج الدعم المباشر للسكن", "div.iqra-aydan"),
            ("تجاوز عدد المستفيدين", "div.iqra-aydan"),
            ("إعلان", "div.ilan"),
            ("اكتشف عروض الألياف البصرية", "div.ilan"),
            ("الأكثر قراءة", "div.al-akthar-qiraa"),
            ("- نشرة إنذارية", "div.al-akthar-qiraa"),
        ],
    ),
    "en-blocks-inside-article.html": (
        [
            "Rabat - Morocco’s three telecom",
            "The regulator said coverage",
            "Operators have committed",
        ],
        [
            ("You may also like", "div.you-may-also-like"),
            ("- Morocco’s new startup fund", "div.you-may-also-like"),
            ("The Innov Invest fund", "div.you-may-also-like"),
        ],
    ),
}


@pytest.mark.parametrize("name", sorted(NAMED_BLOCKS))
def test_blocks_named_in_the_sites_language_inside_the_article_are_taken_out(name, caplog):
    paragraphs, dropped = NAMED_BLOCKS[name]
    page = (PAGES / name).read_text(encoding="utf-8")
    url = f"https://www.example.ma/{name}"
    with caplog.at_level(logging.DEBUG, logger="crawler.extraction.extract"):
        extracted = extract_article(page, url)
    lines = extracted.text.splitlines()
    for start in paragraphs:
        assert any(line.startswith(start) for line in lines), start
    traces = [r.getMessage() for r in caplog.records if "paragraph taken out" in r.getMessage()]
    for start, block in dropped:
        assert not any(line.startswith(start) for line in lines), start
        # The drop leaves a trace naming the block and the paragraph.
        assert any(f"inside {block}: {start}" in trace and url in trace for trace in traces), (
            start,
            traces,
        )
    assert extracted.paragraphs_filtered >= len(dropped)


@pytest.mark.parametrize(
    "markup",
    [
        '<div class="noticias-relacionadas">',
        '<div class="lo-mas-leido-list">',
        '<div class="card-lomas-leido">',
        '<div class="bloque comparte">',
        '<div id="suscribete">',
        '<aside class="publicidad-300">',
        '<div class="a-lire-aussi">',
        '<div class="articles-similaires">',
        '<section class="les-plus-lus">',
        '<div class="bloc-partage">',
        '<div class="iqra-aydan">',
        '<div class="akhbar-dhat-sila">',
        '<div class="al-akthar-qiraa">',
        '<div class="you-may-also-like">',
    ],
)
def test_names_of_boilerplate_blocks(markup):
    element = lxml.html.fragment_fromstring(markup + "texte</" + markup[1:].split()[0] + ">")
    assert is_boilerplate(element)


@pytest.mark.parametrize(
    "markup",
    [
        # What a post is, not a block of it (WordPress post_class()), and a paragraph's class.
        '<div class="post tag-publicidad category-relacionadas">',
        '<div class="entry has-partage">',
        '<p class="publicite">',
        # Not whole words of a name.
        '<div class="partagement">',
        '<div class="milan-news">',
    ],
)
def test_names_that_are_not_boilerplate_blocks(markup):
    element = lxml.html.fragment_fromstring(markup + "texte</" + markup[1:].split()[0] + ">")
    assert not is_boilerplate(element)


def test_an_article_container_named_like_such_a_block_keeps_the_article():
    """The body of an article set in a block named `comparte` (a theme's « share enabled »
    flag) is the article's wrapper: nothing is taken away."""
    paragraphs = "\n".join(
        f"<p>Párrafo {n} del artículo sobre la nueva línea de alta velocidad entre Tánger y "
        f"Marrakech, que reducirá el trayecto a menos de cuatro horas a partir de 2030.</p>"
        for n in range(1, 6)
    )
    page = (
        '<html lang="es"><head><title>Alta velocidad</title></head><body>'
        f'<article><h1>Alta velocidad</h1><div class="cuerpo comparte">{paragraphs}</div>'
        "</article></body></html>"
    )
    extracted = extract_article(page, "https://www.example.ma/alta-velocidad")
    assert extracted.paragraphs_filtered == 0
    assert all(f"Párrafo {n} " in extracted.text for n in range(1, 6))
