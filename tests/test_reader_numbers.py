"""Numbers and dates the reader shows are written as the page's language writes them
(docs/web-view.md, « Dates and numbers »): the sources page gave its counts and articles per day
as Python prints them (« 0.4 » on a French page, « 1234 »), and a watchlist page's backtest its
first day as stored (« depuis 2026-11-06 », where the editor's preview says « 6 nov. 2026 »).
Through `veille serve` on SQLite and PostgreSQL, as a user starts it."""

from __future__ import annotations

import html
import re

import pytest

from crawler.storage import store
from crawler.storage.importer import ImportRecord, import_records

from .conftest import database_from
from .reader_client import FormClient, serving

pytestmark = pytest.mark.slow  # end-to-end: real processes (README, "Development")

TEXT = "Le cloud national et la souveraineté numérique du Maroc avancent, dit la ministre. "


@pytest.fixture
def location(engine, tmp_path, request):
    path = tmp_path / "v.db"
    db = store.open_database(path)
    records = [
        ImportRecord(line=n, url=f"https://exemple.ma/{n}", title=f"Le cloud national ({n})",
                     text=TEXT * (3 + n), published=f"2026-12-0{n}T10:00:00Z", source="exemple",
                     language="fr")
        for n in (1, 2, 3)
    ]  # fmt: skip
    import_records(db, records, alerts=False)
    db.close()
    return database_from(request, engine, path)


def _cells(page: str, source: str) -> list[str]:
    row = re.search(rf'<tr id="source-{source}">(.*?)</tr>', page, re.S)
    assert row, page[-1500:]
    return [re.sub(r"<[^>]+>", " ", cell).strip() for cell in re.findall(r"<td>(.*?)</td>", row[1])]


def test_counts_and_days_are_written_in_the_pages_language(location):
    with serving(location) as base:
        for lang, per_day in (("fr", "0,4"), ("en", "0.4"), ("ar", "0,4")):
            status, page = FormClient().get(f"{base}/sources?lang={lang}")
            assert status == 200
            assert _cells(page, "exemple")[2:4] == ["3", per_day], (lang, _cells(page, "exemple"))

        for lang, since in (("fr", "depuis"), ("en", "since"), ("ar", "منذ")):
            status, page = FormClient().post(
                f"{base}/watchlists/souverainete-numerique?lang={lang}", {"backtest": "30"}
            )
            said = re.search(rf"\({since} ([^)]*)\)", page)
            assert status == 200 and said, page[-2500:]
            assert not re.fullmatch(r"\d{4}-\d\d-\d\d", said[1]), said[0]
            assert re.search(r"\D \d{4}$", said[1]), said[0]  # « 6 nov. 2026 », « 6 Nov 2026 »


def test_the_links_not_taken_are_said_in_the_pages_language(engine, tmp_path, request):
    """The sources page says why the last crawl did not take a listing's links in the page's
    language: the crawl stores its reasons in English, as `veille status` prints them, and a
    French or Arabic reader read « 3 not an article: a video or photo page ». A reason the
    reader has no words for is shown as stored."""
    import json

    from crawler.discovery.links import NOT_AN_ARTICLE, VIDEO

    path = tmp_path / "v.db"
    db = store.open_database(path)
    db.execute("INSERT INTO sources(name) VALUES ('exemple')")
    reasons = {
        f"{NOT_AN_ARTICLE}{VIDEO}": 3,
        "item without a usable link": 2,
        f"{NOT_AN_ARTICLE}the home page": 1,
        "a reason of a newer crawl": 1,
    }
    db.execute(
        "UPDATE sources SET links_not_taken = ? WHERE name = 'exemple'", (json.dumps(reasons),)
    )
    db.commit()
    db.close()
    location = database_from(request, engine, path)
    said = {
        "fr": [
            "3 pas un article : une page de vidéo ou de photos",
            "2 élément sans lien utilisable",
            "1 pas un article : la page d'accueil",
            "1 a reason of a newer crawl",
        ],
        "ar": [
            "3 ليس مقالا: صفحة فيديو أو صور",
            "2 عنصر بلا رابط صالح",
            "1 ليس مقالا: الصفحة الرئيسية",
            "1 a reason of a newer crawl",
        ],
        "en": [f"3 {NOT_AN_ARTICLE}{VIDEO}", "2 item without a usable link"],
    }
    with serving(location) as base:
        for lang, expected in said.items():
            status, page = FormClient().get(f"{base}/sources?lang={lang}")
            assert status == 200
            text = html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))
            for words in expected:
                assert words in text, (lang, words, text[-1500:])
