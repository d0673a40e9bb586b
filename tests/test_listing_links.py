"""Listing pages in French, Arabic, Spanish and English, after the bundled sources' URL styles:
every link is told to be an article, or a video, live-data, service, section or other page, by
its URL's shape and what it holds (tests/fixtures/listings/README.md)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urljoin

import lxml.html
import pytest

from crawler.discovery import links
from crawler.discovery.discover import non_article_reason, parse_listing
from crawler.discovery.links import listing_link_reason

LISTINGS = Path(__file__).parent / "fixtures" / "listings"
BASE = "https://www.journal.ma"
LISTING_PATH = {"fr": "/economie/", "ar": "/اقتصاد/", "es": "/economia/", "en": "/economy/"}
EXPECTED_REASON = {
    "video": links.VIDEO,
    "live-data": links.LIVE_DATA,
    "service": links.SERVICE,
    "label": links.LABEL,
    "shape": links.NO_SHAPE,
}


def _expected(page: str, listing_url: str) -> dict[str, str]:
    """href -> data-expect, in page order, menus left out (as parse_listing leaves them)."""
    tree = lxml.html.fromstring(page)
    expected: dict[str, str] = {}
    for anchor in tree.xpath("//a[@data-expect][not(ancestor::nav or ancestor::footer)]"):
        href = urljoin(listing_url, anchor.get("href"))
        assert expected.setdefault(href, anchor.get("data-expect")) == anchor.get("data-expect")
    return expected


@pytest.mark.parametrize("language", sorted(LISTING_PATH))
def test_every_link_of_a_listing_is_told_apart(language):
    page = (LISTINGS / f"{language}.html").read_text(encoding="utf-8")
    listing_url = BASE + LISTING_PATH[language]
    expected = _expected(page, listing_url)
    found = parse_listing(page.encode(), listing_url, "text/html; charset=utf-8")
    assert [link.url for link in found.links] == list(expected)
    wrong = []
    for link in found.links:
        reason = listing_link_reason(link.url, link.title, listing_url)
        want = expected[link.url]
        if want == "article":
            ok = reason is None
        elif want == "generic":
            ok = reason is not None and reason == non_article_reason(link.url, listing_url)
        else:
            ok = reason == EXPECTED_REASON[want]
        if not ok:
            wrong.append(f"{link.url} ({link.title!r}): expected {want}, got {reason}")
    assert wrong == []
    kinds = set(expected.values())
    assert {"article", "video", "live-data", "service", "label", "generic"} <= kinds


def test_a_teaser_link_is_judged_by_its_fullest_text():
    """An image link (alt text) and a "Read more" link to the headline's URL: one link, which
    holds the headline."""
    page = (LISTINGS / "fr.html").read_bytes()
    found = parse_listing(page, BASE + "/economie/", "text/html; charset=utf-8")
    (teaser,) = [link for link in found.links if "CETUUBH54JCO3LE2CQDQCALUVQ" in link.url]
    assert teaser.title == "La souveraineté numérique passe par le cloud national"
    english = parse_listing((LISTINGS / "en.html").read_bytes(), BASE + "/economy/")
    assert english.links[0].title == "Morocco speeds up its sovereign cloud plans"


@pytest.mark.parametrize(
    ("url", "text", "expected"),
    [
        # a site's videos share its articles' URL pattern: told apart all the same
        (
            "https://fr.le360.ma/videos/inwi-lance-la-5g_KDJ3HF8S7D6F5G4H3J2K1L0MNB/",
            "x",
            links.VIDEO,
        ),
        ("https://fr.hespress.com/e-paper/", "Le journal du jour", links.SERVICE),
        # ...but a section word in an article's own slug is not a section
        ("https://fr.hespress.com/166725-la-bourse-de-casablanca-recule.html", "x", None),
        (
            "https://fr.le360.ma/economie/la-bourse-termine-en-hausse_CETUUBH54JCO3LE2CQDQCALUVQ/",
            "Bourse",
            None,
        ),
    ],
)
def test_links_matching_the_article_pattern(url, text, expected):
    assert listing_link_reason(url, text, "https://fr.le360.ma/economie/", True) == expected


@pytest.mark.parametrize(
    ("text", "headline"),
    [
        ("Vidéos", False),
        ("Finance et banques", False),
        ("Lire la suite", False),
        ("", False),
        (None, False),
        ("Inwi lance la 5G", True),
        ("الذكاء الاصطناعي يدخل المدارس المغربية", True),
    ],
)
def test_a_headline_is_more_than_a_label(text, headline):
    assert links.is_headline(text) is headline
