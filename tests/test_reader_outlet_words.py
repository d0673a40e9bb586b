"""What a French or Arabic reader reads of an outlet: its last crawl error said by its kind in
the page's language, the stored English text kept below it (left to right), the warning of a
source that went quiet in the page's language, and the page of an alert's « mute » link naming
the outlet by its title, not by its key in the sources file.
Through `veille serve` on SQLite and PostgreSQL (sources, faults and links are stored)."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest

from crawler.storage import store
from monitors.people import accounts, links

from .conftest import database_from
from .reader_client import FormClient, serving

pytestmark = pytest.mark.slow  # end-to-end: real processes (README, "Development")

OUTLETS = {
    "lematin": "Le Matin",
    "hespress": "Hespress FR",
    "medias24": "Médias24",
    "le360": "Le360",
    "h24info": "H24info",
}


@pytest.fixture
def location(engine, tmp_path, request):
    path = tmp_path / "v.db"
    db = store.open_database(path)
    store.register_sources(
        db,
        [
            SimpleNamespace(name=name, title=title, homepage=None, languages=("fr",))
            for name, title in OUTLETS.items()
        ],
    )
    # What a crawl records (crawler.spiders.news.describe_failure): a kind and English words.
    store.record_error(db, None, "lematin", "https://lematin.ma/rss", "dns",
                       "host name does not resolve")  # fmt: skip
    store.record_error(db, None, "hespress", "https://fr.hespress.com/feed", "timeout",
                       "no answer before the download timeout")  # fmt: skip
    store.record_error(
        db, None, "hespress", "https://fr.hespress.com/feed", "http-503", "HTTP 503"
    )  # the last one is said
    # The daemon's word of a crawl stopped before a source was done (monitors.service.cycle),
    # and the crawl's of a page the extraction process failed on (crawler.pipelines).
    store.record_error(db, None, "le360", None, "unfinished",
                       "the crawl (time limit) stopped before this source was done; what it "
                       "stored is kept, the rest is fetched by its next crawl")  # fmt: skip
    store.record_error(db, None, "h24info", "https://h24info.ma/a/1", "extraction-failed",
                       "the extraction process was closed")  # fmt: skip
    # The two warnings of a source gone quiet, as a crawl's link counts set them.
    store.record_link_counts(db, "lematin", 0, {"not matching article_pattern": 1250})
    for taken in (40, 40, 40, 2):
        store.record_link_counts(db, "medias24", taken, {})
    db.close()
    return database_from(request, engine, path)


def _error_of(page: str, source: str) -> tuple[str | None, str]:
    """The sentence said of `source`'s last error on the sources page, and its stored text."""
    row = page[page.index(f'id="source-{source}"') :]
    row = row[: row.index("</td></tr>")]
    said = re.search(r'<p class="error-said">(.*?)</p>', row)
    stored = re.search(r'<div class="error-text" dir="ltr" lang="en">(.*?)</div>', row, re.S)
    assert stored, row
    return (said[1] if said else None), stored[1]


def test_a_sources_last_error_is_said_in_the_pages_language(location):
    with serving(location) as base:
        pages = {
            lang: FormClient().get(f"{base}/sources?lang={lang}")[1] for lang in ("fr", "ar", "en")
        }
    said, stored = _error_of(pages["fr"], "lematin")
    assert said and said.startswith("Le nom du site ne se résout pas"), said
    assert stored == "dns: host name does not resolve (https://lematin.ma/rss)"  # kept whole
    said, stored = _error_of(pages["ar"], "lematin")
    assert said and "ملف المصادر" in said, said
    assert stored.startswith("dns: host name does not resolve")
    assert _error_of(pages["fr"], "hespress")[0] == "Le site a répondu HTTP 503."
    assert _error_of(pages["ar"], "hespress")[0] == "أجاب الموقع برمز HTTP 503."
    # English: the stored words, alone, as before.
    assert _error_of(pages["en"], "lematin") == (
        None,
        "dns: host name does not resolve (https://lematin.ma/rss)",
    )
    assert 'id="source-medias24"' in pages["fr"] and "Médias24" in pages["fr"]
    # Kinds the daemon and the extraction write, besides describe_failure's.
    said = _error_of(pages["fr"], "le360")[0]
    assert said and said.startswith("Exploration arrêtée avant la fin de cette source"), said
    said = _error_of(pages["ar"], "le360")[0]
    assert said and said.startswith("توقف الاستكشاف قبل إتمام هذا المصدر"), said
    said = _error_of(pages["fr"], "h24info")[0]
    assert said and said.startswith("Article non extrait"), said
    said = _error_of(pages["ar"], "h24info")[0]
    assert said and said.startswith("لم يُستخرج المقال"), said


def _warning_of(page: str, source: str) -> str:
    row = page[page.index(f'id="source-{source}"') :]
    found = re.search(r'<p class="notice">[^:]*: (.*?)</p>', row[: row.index("</td></tr>")])
    assert found, row
    return found[1]


def test_a_sources_warning_is_said_in_the_pages_language(location):
    with serving(location) as base:
        pages = {
            lang: FormClient().get(f"{base}/sources?lang={lang}")[1] for lang in ("fr", "ar", "en")
        }
    said = _warning_of(pages["fr"], "lematin")
    assert "1\u202f250 liens trouvés, aucun pris comme article" in said, said
    assert 'title="1250 links found, none taken as articles' in said  # the stored words
    assert "Seulement 2 liens d'articles dans cette exploration, d'habitude environ 40" in (
        _warning_of(pages["fr"], "medias24")
    )
    assert "ولم يؤخذ أي منها كمقال" in _warning_of(pages["ar"], "lematin")
    assert "والمعتاد نحو 40" in _warning_of(pages["ar"], "medias24")
    english = _warning_of(pages["en"], "medias24")
    assert "only 2 article links in this crawl, usually about 40" in english, english


def test_the_mute_links_page_names_the_outlet_by_its_title(location):
    db = store.open_database(location)
    accounts.add_user(db, "amina", None, "amina@example.ma")
    token = links.issue(db, "mute", "amina", "souverainete-numerique", None, "medias24")
    db.close()
    with serving(location) as base:
        for lang, said in (
            ("fr", "Masquer le média Médias24 pour la veille"),
            ("en", "Mute the outlet Médias24 for the watchlist"),
            ("ar", "إخفاء المصدر Médias24 في رصد"),
        ):
            status, page = FormClient().get(f"{base}/links/mute/{token}?lang={lang}")
            heading = re.search(r"<h1>(.*?)</h1>", page, re.S)
            assert status == 200 and heading and said in heading[1], (lang, page[-1500:])
            assert "medias24" not in heading[1]
