"""Words the reader's templates wrote in one language for all three: the sources page's link to
an outlet's site (« site » on the Arabic page) and an article's versions' length (« 4 210 car. »,
French, on the English and Arabic pages, its number unformatted). Through `veille serve` on
SQLite and PostgreSQL (sources and versions are stored)."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest

from crawler.storage import store
from crawler.storage.importer import ImportRecord, import_records

from .conftest import database_from
from .reader_client import FormClient, serving

pytestmark = pytest.mark.slow  # end-to-end: real processes (README, "Development")

TEXT = "Le cloud national avance au Maroc, selon la ministre de la transition numérique. "


@pytest.fixture
def location(engine, tmp_path, request):
    path = tmp_path / "v.db"
    db = store.open_database(path)
    outlet = SimpleNamespace(
        name="exemple", title="Exemple", homepage="https://exemple.ma/", languages=("fr",)
    )
    store.register_sources(db, [outlet])
    for text in (TEXT * 20, TEXT * 30):  # the same address again, its text changed: a version
        record = ImportRecord(line=1, url="https://exemple.ma/cloud", title="Le cloud national",
                              text=text, published="2026-12-05T10:00:00Z", source="exemple",
                              language="fr")  # fmt: skip
        import_records(db, [record], alerts=False)
    db.close()
    return database_from(request, engine, path)


def test_the_site_link_and_a_versions_length_are_in_the_pages_language(location):
    with serving(location) as base:
        for lang, site in (("fr", "site"), ("en", "site"), ("ar", "الموقع")):
            status, page = FormClient().get(f"{base}/sources?lang={lang}")
            link = re.search(r'<a href="https://exemple.ma/" rel="noreferrer">(.*?)</a>', page)
            assert status == 200 and link and link[1] == site, (lang, link)

        status, page = FormClient().get(f"{base}/search?q=cloud")
        article = re.search(r'href="/articles/(\d+)"', page)
        assert article, page[-1500:]
        said = {}
        for lang in ("fr", "en", "ar"):
            status, page = FormClient().get(f"{base}/articles/{article[1]}?lang={lang}")
            found = re.search(r"— (\S+(?:\s\S+)?) (car\.|characters|حرفا)", page)
            assert status == 200 and found, (lang, page[-2500:])
            said[lang] = found[0]
        assert said["fr"].endswith(" car.") and "\u202f" in said["fr"], said
        assert said["en"].endswith(" characters") and "," in said["en"], said
        assert said["ar"].endswith(" حرفا"), said  # the first version: over a thousand
