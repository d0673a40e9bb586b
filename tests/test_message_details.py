"""Message details: counted words agree with their number in French, English and Arabic; an
Arabic outlet name is isolated from the date beside it; a long percent-encoded Arabic URL is
shown decoded and shortened, the link keeping the full address."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from monitors.alerts.display import FSI, PDI, short_url
from monitors.alerts.messages import SAMPLE_ALERT, render_alert, render_combined_digest
from monitors.alerts.plurals import counted


@dataclass(frozen=True)
class _Watchlist:
    name: str = "souverainete"
    title: str = "Souveraineté numérique"
    language: str = "fr"
    templates: tuple = ()


ARABIC_SLUG = "السيادة-الرقمية-المغرب-يسرع-مشروع-الحوسبة-السحابية-الوطنية-في-الرباط"
ARABIC_URL = "https://alkhabar.ma/2026/11/21/" + quote(ARABIC_SLUG) + "/"
ARABIC_OUTLET = SAMPLE_ALERT | {"source_title": "الخبر التقني", "url": ARABIC_URL}


def test_counted_words_agree_with_their_number():
    assert [counted(n, "watchlist", "fr") for n in (0, 1, 2)] == [
        "0 veille",
        "1 veille",
        "2 veilles",
    ]
    assert [counted(n, "article", "en") for n in (0, 1, 3)] == [
        "0 articles",
        "1 article",
        "3 articles",
    ]
    assert [counted(n, "article", "ar") for n in (1, 2, 3, 11, 100)] == [
        "مقال واحد",
        "مقالان",
        "3 مقالات",
        "11 مقالا",
        "100 مقال",
    ]


def test_a_review_of_one_watchlist_says_one_veille():
    message = render_combined_digest([(_Watchlist(), [SAMPLE_ALERT])], "fr", "email")
    assert message.subject == "[veille] Votre revue de presse : 1 article, 1 veille"
    arabic = render_combined_digest([(_Watchlist(), [SAMPLE_ALERT] * 2)], "ar", "text")
    assert "مقالان" in arabic.subject and "عملية رصد واحدة" in arabic.subject


def test_an_arabic_outlet_name_never_moves_the_date():
    # 10:05 UTC is 11:05 in Casablanca, written the French way (monitors.alerts.localized)
    text = render_alert(ARABIC_OUTLET, _Watchlist(), "text").body
    assert f"{FSI}الخبر التقني{PDI} — {FSI}17 nov. 2026, 11:05{PDI}" in text
    slack = render_alert(ARABIC_OUTLET, _Watchlist(), "slack").body
    assert f"{FSI}الخبر التقني{PDI} — {FSI}17 nov. 2026, 11:05{PDI}" in slack
    html = render_alert(ARABIC_OUTLET, _Watchlist(), "email").body
    assert f"<bdi>{FSI}الخبر التقني{PDI}</bdi> — <bdi>{FSI}17 nov. 2026, 11:05{PDI}</bdi>" in html


def test_a_long_arabic_url_is_shown_decoded_and_short_with_the_full_link_behind():
    assert len(ARABIC_URL) > 300
    shown = short_url(ARABIC_URL)
    assert len(shown) <= 80 and "…" in shown
    assert shown.startswith("alkhabar.ma/2026/11/21/السيادة") and shown.endswith("الرباط")
    html = render_alert(ARABIC_OUTLET, _Watchlist(), "email").body
    assert f'<a href="{ARABIC_URL}"' in html
    assert f'<bdi dir="ltr">{shown}</bdi></a>' in html
    assert f">{ARABIC_URL}</a>" not in html  # the encoded address is no longer shown


def test_a_decoded_url_keeps_hidden_characters_encoded():
    """A right-to-left override or a line break in an address is not decoded into the message
    (it could disguise the address)."""
    assert short_url("https://example.ma/a%E2%80%AEb%0Ac") == "https://example.ma/a%E2%80%AEb%0Ac"
