"""A time of day a page shows without its zone is read on the site's clock, not as UTC.

Moroccan bylines and meta tags write « 10:30 » or « 2026-11-12T10:30:00 » in Casablanca's time
(UTC+1, UTC+0 during Ramadan). Read as UTC, every such article was stored an hour late: after
articles published after it, in the next day near midnight, and alerted as older than it was.
A source may name another clock (`timezone:` in the sources file, or in its `defaults:`).

The site's clock is the last resort: where the page also declares the same time with its zone
(JSON-LD, a meta tag, `<time datetime>`, a data layer), that zone says the moment. The pages
under tests/fixtures/extraction/declared_zones/ are shaped on real sites (wired.com's JSON-LD
without a zone beside its data layer's UTC, a Chilean byline beside JSON-LD at -04:00, a Paris
meta tag whose zone the date guesser drops, a Doha byline beside JSON-LD in UTC).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from crawler.core.errors import ConfigError
from crawler.core.times import stored_date
from crawler.discovery.sources import load_sources
from crawler.extraction.dates import PAGE_MARKUP
from crawler.extraction.extract import extract_article
from crawler.extraction.profiles import SiteProfile

PAGES = Path(__file__).parent / "fixtures" / "extraction" / "byline_dates"
ZONED = Path(__file__).parent / "fixtures" / "extraction" / "declared_zones"

SOURCES = """\
defaults:
  interval_minutes: 30
sources:
  - name: site-ma
    homepage: https://www.example.ma/
    languages: [ar]
    feeds: [https://www.example.ma/rss]
  - name: site-paris
    homepage: https://www.example.fr/
    languages: [fr]
    feeds: [https://www.example.fr/rss]
    timezone: Europe/Paris
  - name: site-utc
    homepage: https://www.example.com/
    languages: [en]
    feeds: [https://www.example.com/rss]
    timezone: UTC
"""


def _stored(page: str, profile: SiteProfile) -> str | None:
    extracted = extract_article(page, "https://www.example.ma/article/1", profile)
    assert extracted.date is not None
    return stored_date(extracted.date.value)


@pytest.fixture
def sources(tmp_path):
    path = tmp_path / "sources.yaml"
    path.write_text(SOURCES, encoding="utf-8")
    return load_sources(path)


def test_a_bylines_time_is_the_sources_clock(sources):
    """« الخميس 12 نوفمبر 2026 - 10:30 » on a Moroccan site is 09:30 UTC; the same page on a
    Paris site is 09:30 UTC too in November (UTC+1), and on a site said to be on UTC, 10:30."""
    page = (PAGES / "ar-weekday-time-sidebar-first.html").read_text(encoding="utf-8")
    assert _stored(page, sources.by_name("site-ma").profile) == "2026-11-12T09:30:00Z"
    assert _stored(page, sources.by_name("site-utc").profile) == "2026-11-12T10:30:00Z"
    summer = page.replace("12 نوفمبر 2026", "12 يوليو 2026")
    # July: Casablanca UTC+1, Paris UTC+2.
    assert _stored(summer, sources.by_name("site-ma").profile) == "2026-07-12T09:30:00Z"
    assert _stored(summer, sources.by_name("site-paris").profile) == "2026-07-12T08:30:00Z"


def test_casablancas_clock_during_ramadan_is_utc():
    """Morocco sets its clocks back to UTC for Ramadan (from 15 February 2026 to 22 March): a
    fixed +01:00 would be an hour wrong then."""
    page = (PAGES / "fr-date-heure-span.html").read_text(encoding="utf-8")
    ramadan = page.replace("2026-11-12", "2026-03-01").replace("12 novembre 2026", "1 mars 2026")
    extracted = extract_article(ramadan, "https://www.example.ma/article/1", SiteProfile())
    assert extracted.date is not None
    assert extracted.date.value == "2026-03-01T10:30:00+00:00"
    assert extracted.date.clock == "Africa/Casablanca"


def test_a_zone_the_page_gives_and_a_day_alone_are_kept():
    page = (PAGES / "ar-nonbir-span-date.html").read_text(encoding="utf-8")
    day = extract_article(page, "https://www.example.ma/article/1", SiteProfile(timezone="UTC"))
    assert day.date is not None and (day.date.value, day.date.clock) == ("2026-11-12", None)
    declared = page.replace(
        "</head>",
        '<meta property="article:published_time" content="2026-11-12T09:05:00-05:00"></head>',
    )
    moment = extract_article(declared, "https://www.example.ma/article/1", SiteProfile())
    assert moment.date is not None
    assert (moment.date.value, moment.date.clock) == ("2026-11-12T09:05:00-05:00", None)
    assert stored_date(moment.date.value) == "2026-11-12T14:05:00Z"


@pytest.mark.parametrize(
    ("where", "written", "error"),
    [
        ("source", "timezone: Africa/Casablanka", "'Africa/Casablanka' is not a known time zone"),
        ("source", "timezone: 1", "timezone must be a time zone name, got 1"),
        ("defaults", "timezone: Europe/Pariss", "'Europe/Pariss' is not a known time zone"),
    ],
)
def test_an_unknown_timezone_stops_the_load_with_its_line(tmp_path, where, written, error):
    lines = SOURCES.splitlines()
    if where == "source":
        lines.insert(lines.index("    feeds: [https://www.example.ma/rss]") + 1, f"    {written}")
        expected_line = lines.index(f"    {written}") + 1
    else:
        lines.insert(2, f"  {written}")
        expected_line = 3
    path = tmp_path / "sources.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_sources(path)
    message = str(caught.value)
    assert error in message
    assert f":{expected_line}" in message
    assert "IANA time zone name, e.g. timezone: Africa/Casablanca" in message


# page: (the moment stored, as the page declares it with its zone); on the site's clock
# (Casablanca's, the default) each was stored hours off: 06:00, 06:46, 09:30 and 09:30 UTC.
DECLARED_ZONES = {
    # JSON-LD datePublished « 07:00:00.000 » (New York), the data layer's « 12:00:00.000Z ».
    "en-jsonld-zoneless-datalayer-utc.html": ("2026-11-12T12:00:00Z", "2026-11-12T12:00:00.000Z"),
    # « 6 de Mayo de 2026 a las 07:46hrs. » in Santiago, JSON-LD's « 07:46:00-04:00 ».
    "es-byline-jsonld-offset.html": ("2026-05-06T11:46:00Z", "2026-05-06T07:46:00-04:00"),
    # <meta name="date"> at +02:00, which the date guesser hands on without its zone.
    "fr-meta-date-paris-offset.html": ("2026-07-12T08:30:00Z", "2026-07-12T10:30:00+02:00"),
    # A Doha byline « 13:30 », JSON-LD's @graph « 10:30:00Z »; a ticker dated 12:55 above.
    "ar-byline-doha-jsonld-utc.html": ("2026-11-12T10:30:00Z", "2026-11-12T10:30:00Z"),
}


@pytest.mark.parametrize("name", sorted(DECLARED_ZONES))
def test_a_zoneless_time_takes_the_zone_the_page_declares_for_it(name):
    stored, value = DECLARED_ZONES[name]
    page = (ZONED / name).read_text(encoding="utf-8")
    extracted = extract_article(page, "https://www.example.com/article/1", SiteProfile())
    assert extracted.date is not None
    assert (extracted.date.value, extracted.date.clock) == (value, None)
    assert extracted.date.origin == PAGE_MARKUP
    assert stored_date(extracted.date.value) == stored


def test_the_sites_clock_applies_when_no_zoned_time_of_that_day_is_declared():
    """A zoned time of another day (an earlier version's) says nothing of this one's zone; nor
    does a script's data of the same day at another moment (a data layer can hold any
    article's dates): the zoneless time is then read on the site's clock."""
    page = (ZONED / "ar-byline-doha-jsonld-utc.html").read_text(encoding="utf-8")
    other_day = page.replace(
        '"datePublished":"2026-11-12T10:30:00Z"', '"datePublished":"2026-11-10T10:30:00Z"'
    ).replace(
        "</head>",
        '<meta property="article:published_time" content="2026-11-12T13:30:00"></head>',
    )
    extracted = extract_article(other_day, "https://www.example.com/article/1", SiteProfile())
    assert extracted.date is not None
    assert (extracted.date.value, extracted.date.clock) == (
        "2026-11-12T13:30:00+01:00",
        "Africa/Casablanca",
    )
    page = (ZONED / "en-jsonld-zoneless-datalayer-utc.html").read_text(encoding="utf-8")
    other_moment = page.replace(
        '"publishDate":"2026-11-12T12:00:00.000Z"', '"publishDate":"2026-11-12T12:17:00.000Z"'
    )
    extracted = extract_article(other_moment, "https://www.example.com/article/1", SiteProfile())
    assert extracted.date is not None
    assert (extracted.date.value, extracted.date.clock) == (
        "2026-11-12T07:00:00+01:00",
        "Africa/Casablanca",
    )


@pytest.mark.parametrize(
    "update",
    [
        '<p><!-- date -->Mis à jour : <time datetime="2026-11-12T16:00:00Z">17:00</time></p>',
        '<p>Publié à 10:00 · Updated <time datetime="2026-11-12T16:00:00Z">5 pm</time></p>',
        '<time class="updated" datetime="2026-11-12T16:00:00+00:00">17:00</time>',
        '<time itemprop="dateModified" datetime="2026-11-12T16:00:00Z">17:00</time>',
    ],
)
def test_an_updates_time_declares_no_zone_for_the_publications(update):
    """An update's `<time datetime>`, six hours after the publication's zoneless time, was
    taken for its moment on some clock (UTC-6): the article was stored at its update's time."""
    page = (ZONED / "fr-meta-date-paris-offset.html").read_text(encoding="utf-8")
    head, body = page.split("</head>")
    zoneless = '<meta property="article:published_time" content="2026-11-12T10:00:00">'
    head = re.sub(r"<meta[^>]*(?:published_time|datePublished|date)[^>]*>", "", head)
    page = f"{head}{zoneless}</head>" + body.replace("</section>", f"{update}</section>", 1)
    extracted = extract_article(page, "https://www.example.ma/article/1", SiteProfile())
    assert extracted.date is not None
    assert stored_date(extracted.date.value) == "2026-11-12T09:00:00Z"


# An event's <time datetime> in the text, hours from the zoneless publication time (10:00).
EVENT_IN_TEXT = [
    "fr-event-time-in-text.html",  # « Le sommet s'ouvre le <time …15:00:00Z> »
    "ar-event-time-in-text.html",  # « تنطلق أشغال القمة يوم <time …07:00:00Z> »
    "es-event-time-in-text.html",  # « La cumbre se abre el <time …12:00:00-03:00> »
    "en-event-time-in-text.html",  # « The summit opens on <time …14:00:00Z> »
]


@pytest.mark.parametrize("name", EVENT_IN_TEXT)
def test_a_time_in_the_text_declares_no_zone_for_the_publications(name):
    """Any declared time 12 hours behind to 14 ahead of a zoneless publication time, on a
    quarter hour, passed for its moment on some clock: an event's `<time datetime>` in the
    article's text lent it its zone, and the article was stored at the event's time. Only what
    speaks of the publication declares its zone; in the header's byline the same `<time>` does."""
    page = (ZONED / name).read_text(encoding="utf-8")
    extracted = extract_article(page, "https://www.example.ma/article/1", SiteProfile())
    assert extracted.date is not None
    assert (extracted.date.value, extracted.date.clock) == (
        "2026-11-12T10:00:00+01:00",
        "Africa/Casablanca",
    )
    assert stored_date(extracted.date.value) == "2026-11-12T09:00:00Z"
    time_element = re.search(r'<time datetime="([^"]+)">([^<]+)</time>', page)
    assert time_element is not None
    in_byline = page.replace(time_element[0], time_element[2]).replace(
        '<p class="article__byline">', f'<p class="article__byline">{time_element[0]} ', 1
    )
    extracted = extract_article(in_byline, "https://www.example.ma/article/1", SiteProfile())
    assert extracted.date is not None
    assert extracted.date.value == time_element[1]
    assert stored_date(extracted.date.value) == stored_date(time_element[1])


# page: (the article's microdata or RDFa declaration on an element other than <meta>, the moment
# stored). A sidebar or related list before the article and its comments after it declare
# their own moments the same way, on the same day.
ON_ELEMENTS = {
    # Le Monde's shape: <span itemprop="datePublished" content="…+02:00"> (Paris in July).
    "fr-microdata-span-paris.html": (
        ' itemprop="datePublished" content="2026-07-12T16:50:00+02:00"',
        "2026-07-12T14:50:00Z",
    ),
    # Al Jazeera's: <div itemprop="datePublished" datetime="…+03:00"> (Doha).
    "ar-microdata-div-doha.html": (
        ' itemprop="datePublished" datetime="2026-11-12T13:30:00+03:00"',
        "2026-11-12T10:30:00Z",
    ),
    # BioBioChile's: RDFa <span property="schema:datePublished" content="…-03:00"> (Santiago).
    "es-rdfa-schema-santiago.html": (
        ' property="schema:datePublished" content="2026-11-12T07:46:00-03:00"',
        "2026-11-12T10:46:00Z",
    ),
    # RDFa <span property="article:published_time" content="…-05:00"> (New York).
    "en-rdfa-article-new-york.html": (
        ' property="article:published_time" content="2026-11-12T10:30:00-05:00"',
        "2026-11-12T15:30:00Z",
    ),
}


@pytest.mark.parametrize("name", sorted(ON_ELEMENTS))
def test_a_publication_time_declared_on_another_element_is_read(name):
    """handelsblatt.com declares its publication time on a `<span itemprop="datePublished"
    content="…+02:00">`, not a `<meta>` nor a `<time>`: it was read neither as the date nor as
    the zone of the byline's « 18:50 Uhr », stored on the site's clock, two hours off. The same
    declaration in a sidebar, a related list or a comment is never the article's."""
    declaration, stored = ON_ELEMENTS[name]
    page = (ZONED / name).read_text(encoding="utf-8")
    assert declaration in page
    value = declaration.split('="')[-1].rstrip('"')
    extracted = extract_article(page, "https://www.example.com/article/1", SiteProfile())
    assert extracted.date is not None
    assert (extracted.date.value, extracted.date.clock) == (value, None)
    assert extracted.date.origin == PAGE_MARKUP
    assert stored_date(extracted.date.value) == stored
    # The zone of a zoneless publication time the page declares elsewhere.
    zoneless = f'<meta property="article:published_time" content="{value[:19]}"></head>'
    with_meta = page.replace("</head>", zoneless)
    extracted = extract_article(with_meta, "https://www.example.com/article/1", SiteProfile())
    assert extracted.date is not None
    assert (extracted.date.value, extracted.date.clock) == (value, None)
    # Without the article's own declaration, the others' (a sidebar's, a related list's, a
    # comment's) say nothing: its zoneless time is on the site's clock.
    extracted = extract_article(
        with_meta.replace(declaration, ""), "https://www.example.com/article/1", SiteProfile()
    )
    assert extracted.date is not None
    assert (extracted.date.value, extracted.date.clock) == (
        f"{value[:19]}+01:00",
        "Africa/Casablanca",
    )


def test_a_layouts_classes_do_not_hide_the_articles_declaration():
    """The body's classes describe the page (WordPress's « comments-open »), and a layout's
    « has-sidebar » or « table-responsive » wrapper holds the article itself, not a sidebar,
    a comment or a response: the article's `itemprop="datePublished"` inside them is read."""
    page = (ZONED / "fr-microdata-span-paris.html").read_text(encoding="utf-8")
    page = page.replace("<body>", '<body class="single-post comments-open">').replace(
        "<main>", '<main class="layout has-sidebar"><div class="table-responsive">'
    )
    page = page.replace("</main>", "</div></main>")
    extracted = extract_article(page, "https://www.example.com/article/1", SiteProfile())
    assert extracted.date is not None
    assert (extracted.date.value, extracted.date.origin) == (
        "2026-07-12T16:50:00+02:00",
        PAGE_MARKUP,
    )
