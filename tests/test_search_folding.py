"""Search folds the Arabic definite article and the El/Al name particles as rules do, on SQLite
and PostgreSQL: the table of docs/watch-rules.md ("Search folds as rules do"), run."""

from __future__ import annotations

import contextlib
import os
import re
from pathlib import Path

import pytest

from crawler.storage import store
from crawler.storage.importer import ImportRecord, import_records
from monitors.web.search import search
from monitors.web.spellings import bare, phrase_forms

from .conftest import database_from, suite_environment

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
    assert phrase_forms(["الذَّكَاءُ"])[0] == ["الذَّكَاءُ"] and ["ذكاء"] in phrase_forms(["الذَّكَاءُ"])
    assert ["المغرب"] in phrase_forms(["المغـــرب"])


# A headline pasted with its harakat, or a word stretched by tatweel, as search boxes receive
# them; the articles write the words bare (the press rarely writes harakat).
MARKED_QUERIES = {
    "الذَّكَاءُ الاصْطِنَاعِيُّ": "https://example.ma/ia",
    "title:المغـــرب": "https://example.ma/maroc",
    "الرَّقْمِيّ*": "https://example.ma/ia",
}


@pytest.fixture(scope="module")
def bare_arabic(engine, tmp_path_factory, request):
    """Two Arabic articles written without harakat, stored on the engine under test: the
    module's tests only read them."""
    path = tmp_path_factory.mktemp("bare") / "v.db"
    db = store.open_database(path)
    texts = {
        "https://example.ma/ia": (
            "خطة وطنية",
            "أعلنت الوزارة عن خطة جديدة للذكاء الاصطناعي والتحول الرقمي في الإدارة العمومية.",
        ),
        "https://example.ma/maroc": (
            "المغرب يطلق منصة جديدة",
            "أطلقت الحكومة منصة للخدمات الإلكترونية لفائدة المواطنين في جميع الجهات.",
        ),
    }
    records = [
        ImportRecord(
            line=i + 1,
            url=url,
            title=title,
            text=text,
            published=f"2026-09-1{i}T10:00:00+01:00",
            source="exemple",
            language="ar",
        )
        for i, (url, (title, text)) in enumerate(texts.items())
    ]
    import_records(db, records, alerts=False)
    db.close()
    return database_from(request, engine, path)


@pytest.fixture(scope="module")
def served(bare_arabic, tmp_path_factory):
    """One `veille serve` on them for the module's tests on that engine (a start costs about
    1.3 CPU-s)."""
    from .reader_client import serving

    with serving(bare_arabic, env=os.environ | suite_environment(tmp_path_factory)) as base:
        yield contextlib.nullcontext(base)


@pytest.mark.slow  # end-to-end: `veille serve` in its own process
def test_a_query_with_harakat_or_tatweel_finds_the_bare_words(served):
    """Rules fold harakat and tatweel away (docs/watch-rules.md); the search page does as much
    for its query, on both engines: SQLite's index cuts a word at its harakat and keeps
    tatweel, so before, the query as written found nothing there (PostgreSQL's Arabic
    configuration found the articles)."""
    import urllib.parse

    from .reader_client import FormClient

    with served as base:
        client = FormClient()
        for query, url in MARKED_QUERIES.items():
            status, page = client.get(f"{base}/search?q={urllib.parse.quote(query)}")
            assert status == 200, page[:300]
            found = re.findall(r'href="/articles/(\d+)"', page)
            assert len(found) == 1, (query, found)
            status, article = client.get(f"{base}/articles/{found[0]}")
            assert url in article, (query, found)


# An analyst's spellings of one phrase, as watchlists written before search folded them list
# them: each has the same written forms.
SPELLINGS = " OR ".join(
    f'"{spelling}"'
    for spelling in (
        "الذكاء الاصطناعي",
        "ذكاء اصطناعي",
        "بالذكاء الاصطناعي",
        "للذكاء الاصطناعي",
        "والذكاء الاصطناعي",
        "الذكاء اصطناعي",
        "ذكاء الاصطناعي",
        "وللذكاء الاصطناعي",
    )
)


@pytest.mark.slow  # end-to-end: `veille serve` in its own process
def test_spellings_of_one_phrase_are_searched_once(served):
    """On PostgreSQL a written form is sent once however many of the query's spellings (or
    an entity's aliases) give it: ts_headline's time grows much faster than its query, and 12
    spellings of « الذكاء الاصطناعي » took 23 s for three hits (0.1 s with each form once).
    The served search finds with them what one spelling finds, on both engines."""
    import urllib.parse

    from monitors.rules.query import parse_query
    from monitors.web.search_postgres import to_tsquery

    from .reader_client import FormClient

    one = to_tsquery(parse_query('"الذكاء الاصطناعي"'))
    assert to_tsquery(parse_query(SPELLINGS)).count("<->") == one.count("<->")
    with served as base:
        client = FormClient()
        found = {}
        for query in (SPELLINGS, '"الذكاء الاصطناعي"'):
            status, page = client.get(f"{base}/search?q={urllib.parse.quote(query)}")
            assert status == 200, page[:300]
            found[query] = re.findall(r'href="/articles/(\d+)"', page)
        assert found[SPELLINGS] == found['"الذكاء الاصطناعي"'] and len(found[SPELLINGS]) == 1
        status, page = client.get(f"{base}/articles/{found[SPELLINGS][0]}")
        assert "https://example.ma/ia" in page
