"""The search page names the watchlists that matched each result by their titles, as the home
page and the filter above the results do (« Souveraineté numérique »), where it listed their
keys in the watchlists file (« souverainete-numerique, ministre-transition-numerique »), on a
French, English or Arabic page; the languages of the search's filter, of its results, of an
article's page, of the home page's entries and of a watchlist page's cards are named in the
page's language (« الفرنسية »), not by their code (« fr »), as a story's badges name them. Through `veille serve` on SQLite and PostgreSQL."""

from __future__ import annotations

import contextlib
import os
import re
from types import SimpleNamespace

import pytest

from crawler.storage import store
from crawler.storage.importer import ImportRecord, import_records
from monitors.alerts.outbox import match_pending
from monitors.service.watchlists import load_watchlists

from .conftest import database_from, suite_environment
from .reader_client import WATCHLISTS, FormClient, serving

pytestmark = pytest.mark.slow  # end-to-end: real processes (README, "Development")

TEXT = (
    "La ministre Amal El Fallah Seghrouchni a présenté la feuille de route de la souveraineté "
    "numérique et du cloud national à Rabat. "
)


@pytest.fixture(scope="module")
def location(engine, tmp_path_factory, request):
    """The module's database on each engine: its tests only read it."""
    path = tmp_path_factory.mktemp("titles") / "v.db"
    db = store.open_database(path)
    outlet = SimpleNamespace(name="exemple", title="Exemple", homepage=None, languages=("fr",))
    store.register_sources(db, [outlet])
    record = ImportRecord(line=1, url="https://exemple.ma/cloud", title="Le cloud national",
                          text=TEXT * 8, published="2026-12-05T10:00:00Z", source="exemple",
                          language="fr")  # fmt: skip
    import_records(db, [record])  # to be matched, as `veille import` leaves it
    match_pending(db, *load_watchlists(WATCHLISTS), max_age=None)
    assert db.execute("SELECT count(*) FROM matches").fetchone()[0] == 2
    db.close()
    return database_from(request, engine, path)


@pytest.fixture(scope="module")
def served(location, tmp_path_factory):
    """One `veille serve` on the module's database for its tests on that engine, which only
    read it: a start costs about 1.3 CPU-s."""
    with serving(location, env=os.environ | suite_environment(tmp_path_factory)) as base:
        yield contextlib.nullcontext(base)


def test_a_results_watchlists_are_named_by_their_titles(served):
    with served as base:
        for lang in ("fr", "en", "ar"):
            status, page = FormClient().get(f"{base}/search?q=cloud&lang={lang}")
            said = re.search(r'<span class="watchlists">(.*?)</span>', page)
            assert status == 200 and said, page[-2000:]
            names = sorted(re.findall(r"<bdi>(.*?)</bdi>", said[1]))
            assert names == [
                "Amal El Fallah Seghrouchni (ministre de la Transition numérique)",
                "Souveraineté numérique",
            ], (lang, said[1])


def test_languages_are_named_in_the_pages_language(served):
    named = {"fr": "français", "en": "French", "ar": "الفرنسية"}
    word = {"fr": "Langue", "en": "Language", "ar": "اللغة"}
    with served as base:
        for lang, name in named.items():
            status, page = FormClient().get(f"{base}/search?q=cloud&lang={lang}")
            option = re.search(r'<option value="fr"[^>]*>(.*?)</option>', page)
            assert status == 200 and option and option[1] == name, (lang, option)
            assert f"<span>{name}</span>" in page, (lang, page[-2500:])
            article = re.search(r'href="/articles/(\d+)"', page)
            assert article
            status, page = FormClient().get(f"{base}/articles/{article[1]}?lang={lang}")
            colon = " : " if lang == "fr" else ": "  # no space before it in English and Arabic
            assert status == 200 and f"{word[lang]}{colon}{name}</span>" in page, (
                lang,
                page[-2500:],
            )
            # the home page's entries and a watchlist page's cards name it too
            for address in ("/", "/watchlists/souverainete-numerique"):
                status, page = FormClient().get(f"{base}{address}?lang={lang}")
                assert status == 200 and 'class="meta"' in page, (address, page[-2500:])
                assert f"<span>{name}</span>" in page and "<span>fr</span>" not in page, (
                    lang,
                    address,
                    page[-2500:],
                )
