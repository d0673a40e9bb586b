"""A word a search excludes is not marked in a hit's snippet, nor a word it looks for in the
title alone marked in the text, on both engines. PostgreSQL's ts_headline marks every word of
the query it is given, a negated one too and whatever its weight: `cloud NOT title:sport`
marked the « sport » of the text the reader had just excluded from titles, and `cloud NOT
"sport international"` the « sport » of « sport national ». SQLite's snippet marks the phrases
found in their columns alone."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from monitors.cli import cli

TITLE = "Le cloud souverain avance au Maroc"
TEXT = (
    "Le ministère présente son plan pour le cloud souverain. Le sport national profite aussi "
    "des data centers, comme le cloud des administrations."
)


@pytest.fixture
def location(db_location, tmp_path):
    record = {
        "url": "https://example.ma/cloud",
        "title": TITLE,
        "text": TEXT,
        "source": "exemple",
        "language": "fr",
        "published": "2026-12-01T10:00:00Z",
    }
    path = tmp_path / "articles.jsonl"
    path.write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")
    done = CliRunner().invoke(cli, ["--db", db_location, "import", str(path)])
    assert done.exit_code == 0, done.output
    return db_location


def snippet(location: str, query: str) -> str:
    done = CliRunner().invoke(cli, ["--db", location, "search", query, "--json"])
    assert done.exit_code == 0, done.output
    (hit,) = json.loads(done.stdout)
    return hit["snippet"]


@pytest.mark.parametrize(
    ("query", "marked", "unmarked"),
    [
        ("cloud NOT title:sport", "cloud", "sport"),
        ("cloud NOT title:(sport OR data)", "cloud", "data"),
        ('cloud NOT "sport international"', "cloud", "sport"),
        ("(ministère NOT title:sport) OR souverain", "ministère", "sport"),
        ("ministère NOT title:sport NOT text:rugby", "ministère", "sport"),
    ],
)
def test_a_word_excluded_is_not_marked(location, query, marked, unmarked):
    shown = snippet(location, query)
    assert f"**{marked}**" in shown, shown
    assert unmarked in shown and f"**{unmarked}**" not in shown, shown


def test_a_word_sought_in_the_title_alone_is_marked_in_the_title(location):
    """`title:souverain` finds the article by its title: its title is the snippet, as on
    SQLite, where PostgreSQL marked the « souverain » of the text and showed the text."""
    assert snippet(location, "title:souverain") == TITLE.replace("souverain", "**souverain**")
