"""Search folds the Arabic definite article and the El/Al name particles as rules do, on SQLite
and PostgreSQL: the table of docs/watch-rules.md ("Search folds as rules do"), run."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from crawler.storage import store
from crawler.storage.importer import ImportRecord, import_records
from monitors.web.search import search
from monitors.web.spellings import bare, phrase_forms

from .conftest import database_from

PAGE = (Path(__file__).resolve().parent.parent / "docs" / "watch-rules.md").read_text("utf-8")
SECTION = PAGE.split("## Search folds as rules do", 1)[1].split("\n## ", 1)[0]
ROWS = [
    (query, re.findall(r"« (.+?) »", finds), re.findall(r"« (.+?) »", misses))
    for query, finds, misses in re.findall(r"^\| `(.+?)` \| (.+?) \| (.*?) \|$", SECTION, re.M)
]


def test_the_page_has_its_table():
    assert len(ROWS) == 4 and all(finds and misses for _, finds, misses in ROWS)


@pytest.fixture
def searched(engine, tmp_path, request):
    """One article per phrase of the table (its language from its script), stored on the
    engine under test (each text numbered: « El-Fallah » and « El Fallah » fold to one text,
    which would be stored once)."""
    phrases = sorted({p for _, finds, misses in ROWS for p in finds + misses})
    path = tmp_path / "v.db"
    db = store.open_database(path)
    records = []
    for i, phrase in enumerate(phrases):
        arabic = re.search(r"[\u0600-\u06ff]", phrase) is not None
        text = (
            f"أعلنت الوزارة اليوم عن {phrase} في بلاغ رسمي رقم {i} توصلت به الجريدة من مصادر متعددة."
            if arabic
            else f"La ministre {phrase} a présenté à Rabat le bilan numéro {i} de son département."
        )
        records.append(
            ImportRecord(
                line=i + 1,
                url=f"https://example.ma/article-{i}",
                title=f"Article {i}",
                text=text,
                published=f"2026-09-{10 + i:02d}T10:00:00+01:00",
                source="exemple",
                language="ar" if arabic else "fr",
            )
        )
    import_records(db, records, alerts=False)
    db.close()
    location = database_from(request, engine, path)
    return store.open_database(location), {r.url: p for r, p in zip(records, phrases, strict=True)}


@pytest.mark.parametrize(("query", "finds", "misses"), ROWS, ids=[r[0] for r in ROWS])
def test_search_finds_what_the_rule_page_says(searched, query, finds, misses):
    db, phrase_of = searched
    found = {phrase_of[hit.url] for hit in search(db, query, limit=50)}
    assert set(finds) <= found, (query, found)
    assert not set(misses) & found, (query, found)


def test_written_forms_of_a_phrase():
    forms = phrase_forms(["الذكاء", "الاصطناعي"])
    assert forms[0] == ["الذكاء", "الاصطناعي"] and len(forms) == len({tuple(f) for f in forms})
    assert ["ذكاء", "اصطناعي"] in forms and ["للذكاء", "الاصطناعي"] in forms
    assert ["الذكاء", "ذكاء"] not in forms
    assert phrase_forms(["الله"]) == [["الله"]] and bare("الذي") == "الذي"
    assert phrase_forms(["El", "Fallah"])[:1] == [["El", "Fallah"]]
    assert ["Al", "Fallah"] in phrase_forms(["El", "Fallah"])
    assert phrase_forms(["cloud", "souverain"]) == [["cloud", "souverain"]]
