"""monitors.service.lookback: the search and export functions `veille search`, `veille export`
and the reader's search page and feeds call, on a real SQLite file."""

from __future__ import annotations

import io
from xml.etree import ElementTree

import pytest

from crawler.storage import store
from monitors.service.lookback import (
    UnknownName,
    check_names,
    export_matches,
    search_articles,
    watchlist_atom,
)
from monitors.service.watchlists import load_watchlists

from .test_reader_guard import make_db


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    database = store.open_database(make_db(tmp_path_factory.mktemp("lookback"), articles=3))
    yield database
    database.close()


@pytest.fixture(scope="module")
def rules(tmp_path_factory):
    path = tmp_path_factory.mktemp("rules") / "watchlists.yaml"
    path.write_text(
        "watchlists:\n  - name: um6p\n    title: L'UM6P\n    terms: [UM6P]\n", encoding="utf-8"
    )
    return load_watchlists(path).rules


def test_unknown_names_are_refused_with_the_known_ones(db, rules):
    with pytest.raises(UnknownName, match=r"unknown source 'quotidein' \(known: quotidien\)") as e:
        check_names(db, sources=["quotidein"])
    assert e.value.option == "--source"
    with pytest.raises(UnknownName, match="unknown watchlist 'um6' .known: um6p.") as e:
        check_names(db, watchlist="um6", rules=rules)
    assert e.value.option == "--watchlist"
    check_names(db, ["quotidien"], "um6p", rules)  # defined, not matched yet: known


def test_search_finds_and_checks_its_filters_unless_told_not_to(db, rules):
    hits = search_articles(db, "supercalculateur", rules, sources=["quotidien"], order="newest")
    assert [hit.id for hit in hits] == [4, 3, 2, 1]  # newest stored first
    with pytest.raises(UnknownName):
        search_articles(db, "supercalculateur", sources=["ailleurs"])
    assert search_articles(db, "supercalculateur", sources=["ailleurs"], check=False) == []


def test_a_watchlist_defined_but_not_matched_exports_empty_valid_files(db, rules):
    feed = ElementTree.fromstring(watchlist_atom(db, rules, "um6p", self_url="http://x/f.atom"))
    atom = "{http://www.w3.org/2005/Atom}"
    assert feed.findtext(f"{atom}title") == "veille — L'UM6P"  # the title from the rules
    assert feed.findall(f"{atom}entry") == []
    out = io.StringIO()
    assert export_matches(db, out, "jsonl", "um6p") == 0 and out.getvalue() == ""
