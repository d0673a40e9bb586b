"""The search form's days are the reader's days: `since` and `before` start at midnight in the
time zone the pages show dates in (VEILLE_WEB_TIMEZONE, Africa/Casablanca by default), on
SQLite and PostgreSQL, through `veille serve` as a user starts it."""

from __future__ import annotations

import contextlib
import json
import os
import re
import urllib.error
import urllib.parse
import urllib.request

import pytest

from .conftest import suite_environment
from .dated_articles import dated_database
from .reader_client import serving

pytestmark = pytest.mark.slow  # end-to-end: `veille serve` in its own process

# Stored in UTC; Casablanca is an hour ahead in December. The first is the 5th there, the
# second just after midnight on the 6th, the third the 6th at noon.
PUBLISHED = {
    "Bilan du port de Tanger Med": "2026-12-05T22:30:00Z",
    "Conseil de gouvernement à Rabat": "2026-12-05T23:30:00Z",
    "Salon de l'aéronautique à Marrakech": "2026-12-06T12:00:00Z",
}


@pytest.fixture(scope="module")
def location(engine, tmp_path_factory, request):
    """The module's database on each engine: its tests only read it."""
    return dated_database(request, engine, tmp_path_factory.mktemp("days") / "v.db", PUBLISHED)


@pytest.fixture(scope="module")
def served(location, tmp_path_factory):
    """`veille serve` on the module's database in a time zone (VEILLE_WEB_TIMEZONE; None: the
    default, Casablanca), started by the first test that asks and shared by the module's
    tests on that engine, which only read: a start costs about 1.3 CPU-s."""
    started: dict[str | None, str] = {}
    with contextlib.ExitStack() as servers:

        def base(zone: str | None = None) -> contextlib.nullcontext[str]:
            if zone not in started:
                env = os.environ | suite_environment(tmp_path_factory)
                if zone is not None:
                    env["VEILLE_WEB_TIMEZONE"] = zone
                started[zone] = servers.enter_context(serving(location, env=env))
            return contextlib.nullcontext(started[zone])

        yield base


def found(base: str, **filters: str) -> list[str]:
    query = urllib.parse.urlencode({"q": "ministère", "order": "newest", **filters})
    with urllib.request.urlopen(f"{base}/search?{query}", timeout=30) as response:
        page = response.read().decode()
    return [t for t in PUBLISHED if re.search(re.escape(t).replace("'", "(?:'|&#39;)"), page)]


def test_the_search_days_are_those_the_pages_show(served):
    tanger, rabat, marrakech = PUBLISHED
    with served() as base:
        assert found(base) == [tanger, rabat, marrakech]
        # 23:30 UTC on the 5th is 00:30 on the 6th in Casablanca: the 6th's.
        assert found(base, since="2026-12-06") == [rabat, marrakech]
        assert found(base, since="2026-12-05", until="2026-12-06") == [tanger]
    with served("UTC") as base:
        assert found(base, since="2026-12-06") == [marrakech]
        assert found(base, since="2026-12-05", until="2026-12-06") == [tanger, rabat]


def test_the_first_day_of_the_calendar_is_a_day_east_of_utc(served):
    """Midnight of 0001-01-01 in a zone ahead of UTC (Paris) is before year 1 in UTC: the
    search page answered 500 to since=0001-01-01, a day the form takes."""
    tanger, rabat, marrakech = PUBLISHED
    with served() as base:  # Casablanca: behind UTC in year 1
        assert found(base, since="0001-01-01") == [tanger, rabat, marrakech]
    with served("Europe/Paris") as base:
        assert found(base, since="0001-01-01") == [tanger, rabat, marrakech]
        assert found(base, until="0001-01-01") == []


def test_a_nul_character_in_a_search_is_said_not_a_server_error(served):
    """A search address holding a NUL character (%00, in a link cut or edited by hand) went to
    the database as it was: PostgreSQL refuses NUL in text, and the search page and its feed
    answered 500."""
    with served() as base:
        for query in ({"q": "minist\x00ère"}, {"q": "ministère", "source": "exemple\x00"}):
            page = f"{base}/search?{urllib.parse.urlencode(query)}"
            with urllib.request.urlopen(page, timeout=30) as response:
                assert response.status == 200 and "NUL" in response.read().decode()
            feed = f"{base}/feeds/search.atom?{urllib.parse.urlencode(query)}"
            with pytest.raises(urllib.error.HTTPError) as refused:
                urllib.request.urlopen(feed, timeout=30)
            assert refused.value.code == 400


def test_the_command_lines_days_are_the_readers(location, monkeypatch):
    """`veille search` (and `veille export`, through the same option) takes --since and --until
    as the reader's days and prints each hit's date as the reader shows it: the article published
    at 00:30 in Casablanca was printed on the 5th and missed by --since of the 6th, which the
    search page finds it by."""
    from click.testing import CliRunner

    from monitors.cli import cli

    tanger, rabat, marrakech = PUBLISHED
    base = ["--db", str(location), "search", "ministère", "--order", "newest"]

    def titles(*args: str) -> list[str]:
        result = CliRunner().invoke(cli, [*base, *args, "--json"])
        assert result.exit_code == 0, result.output
        return [hit["title"] for hit in reversed(json.loads(result.stdout))]

    assert titles("--since", "2026-12-06") == [rabat, marrakech]
    assert titles("--since", "2026-12-05", "--until", "2026-12-06") == [tanger]
    printed = CliRunner().invoke(cli, [*base, "--since", "2026-12-06"]).stdout
    assert f"2026-12-06  exemple  {rabat}" in printed
    monkeypatch.setenv("VEILLE_WEB_TIMEZONE", "UTC")
    assert titles("--since", "2026-12-06") == [marrakech]
    assert f"2026-12-05  exemple  {rabat}" in CliRunner().invoke(cli, base).stdout


def test_a_search_longer_than_the_limit_is_refused_in_the_users_language(location, served):
    """A search has at most 1,000 characters and 100 words, on the command line and in the
    reader, on both engines: a text pasted in the box (2,000 Arabic words) ran for seconds."""
    from click.testing import CliRunner

    from monitors.cli import cli

    pasted = " ".join(["الوزارة"] * 2000)
    at_the_limit = " ".join(["ministère"] * 100)
    refused = CliRunner().invoke(cli, ["--db", str(location), "search", pasted])
    assert refused.exit_code == 2, refused.output
    assert "the search is too long (15,999 characters, 2,000 words)" in refused.output
    assert "at most 1,000 characters and 100 words" in refused.output
    held = CliRunner().invoke(cli, ["--db", str(location), "search", at_the_limit, "--json"])
    assert held.exit_code == 0, held.output
    assert len(json.loads(held.stdout)) == 3
    with served() as base:
        for lang, words in (
            ("fr", "la recherche est trop longue (15\u202f999 caractères, 2\u202f000 mots)"),
            ("ar", "البحث طويل جدا (15.999 حرفا، 2.000 كلمة)"),
        ):
            query = urllib.parse.urlencode({"q": pasted, "lang": lang})
            with urllib.request.urlopen(f"{base}/search?{query}", timeout=30) as response:
                assert response.status == 200 and words in response.read().decode()
        assert found(base, q=at_the_limit) == list(PUBLISHED)


ONE_WORD = "a" * 1001  # one word, one character over the limit
ONE_WORD_REFUSED = {
    "en": "the search is too long (1,001 characters, 1 word): at most 1,000 characters and 100 "
    "words; keep the words that matter most",
    "fr": "la recherche est trop longue (1\u202f001 caractères, 1 mot) : au plus 1\u202f000 "
    "caractères et 100 mots ; gardez les mots qui comptent le plus",
    "ar": "البحث طويل جدا (1.001 حرف، كلمة واحدة): 1.000 حرف و100 كلمة على الأكثر؛ احتفظ "
    "بالكلمات الأهم",
}


def test_a_search_too_long_says_its_counts_in_the_languages_plurals(location, served):
    """The refusal of a long search counts its characters and words as each language does:
    « 1 mot », « 1 word », « كلمة واحدة », where every page said « 1 mots » and the command
    line « 1 words ». The reader says it from the error's counts, not by reading its English
    sentence again."""
    from click.testing import CliRunner

    from monitors.cli import cli
    from monitors.web.search import SearchTooLong, check_length

    with pytest.raises(SearchTooLong) as refusal:
        check_length(ONE_WORD)
    assert (refusal.value.code, refusal.value.counts) == (
        "search_too_long",
        {"characters": 1001, "words": 1, "most_characters": 1000, "most_words": 100},
    )
    refused = CliRunner().invoke(cli, ["--db", str(location), "search", ONE_WORD])
    assert refused.exit_code == 2, refused.output
    assert ONE_WORD_REFUSED["en"] in " ".join(refused.output.split())
    with served() as base:
        for lang, sentence in ONE_WORD_REFUSED.items():
            query = urllib.parse.urlencode({"q": ONE_WORD, "lang": lang})
            with urllib.request.urlopen(f"{base}/search?{query}", timeout=30) as response:
                page = response.read().decode()
            assert sentence in page, (lang, re.findall(r"<p class=.error.*?</p>", page, re.S))


def test_a_searchs_words_are_counted_without_its_operators(location, served):
    """The limit counts the words searched, not the operators, parentheses and quotes that join
    them: 60 terms joined by OR (119 words as the query's spaces cut it) are held on the command
    line and in the reader, on both engines; 101 terms joined by OR are refused as 101 words,
    in the user's language."""
    from click.testing import CliRunner

    from monitors.cli import cli

    def joined(count: int) -> str:
        return '"ministère" OR (' + " OR ".join(f"m{i}" for i in range(1, count)) + ")"

    held_query, refused_query = joined(60), joined(101)
    assert len(held_query.split()) > 100 and len(refused_query) < 1000
    held = CliRunner().invoke(cli, ["--db", str(location), "search", held_query, "--json"])
    assert held.exit_code == 0, held.output
    assert len(json.loads(held.stdout)) == 3
    refused = CliRunner().invoke(cli, ["--db", str(location), "search", refused_query])
    assert refused.exit_code == 2, refused.output
    assert f"({len(refused_query)} characters, 101 words)" in refused.output
    with served() as base:
        assert found(base, q=held_query) == list(PUBLISHED)
        assert len(refused_query) == 705  # a few in Arabic (3-10 past the hundred): أحرف
        for lang, words in (("fr", "705 caractères, 101 mots)"), ("ar", "705 أحرف، 101 كلمة)")):
            query = urllib.parse.urlencode({"q": refused_query, "lang": lang})
            with urllib.request.urlopen(f"{base}/search?{query}", timeout=30) as response:
                assert response.status == 200 and words in response.read().decode()


# Casablanca is at UTC itself during Ramadan (here 1 March 2026), as the UTC zone always is.
RAMADAN = {
    "Bilan du port de Tanger Med": "2026-02-28T23:30:00Z",  # the 28th there
    "Journée de l'artisanat à Fès": "2026-03-01",  # a day given alone: the 1st
    "Conseil de gouvernement à Rabat": "2026-03-01T00:30:00Z",  # the 1st
}


@pytest.fixture
def ramadan(engine, tmp_path, request):
    url = "https://example.ma/ramadan-{}"
    return dated_database(request, engine, tmp_path / "v.db", RAMADAN, url)


def test_a_day_given_alone_is_found_on_its_day_where_the_day_begins_at_utc_midnight(
    ramadan, monkeypatch
):
    """Where the reader's day begins at 00:00 UTC (Casablanca during Ramadan, the UTC zone),
    an article dated by a day alone (« 2026-03-01 », shown on the 1st) was searched as the day
    before: « 2026-03-01 » sorts before « 2026-03-01T00:00:00Z », the moment the 1st begins, so
    since the 1st left it out and until the 1st took it in, on the page and the command line."""
    from click.testing import CliRunner

    from monitors.cli import cli

    tanger, fes, rabat = RAMADAN

    def titles(base: str, **filters: str) -> list[str]:
        query = urllib.parse.urlencode({"q": "ministère", "order": "newest", **filters})
        with urllib.request.urlopen(f"{base}/search?{query}", timeout=30) as response:
            page = response.read().decode()
        return [t for t in RAMADAN if re.search(re.escape(t).replace("'", "(?:'|&#39;)"), page)]

    for env in (os.environ, os.environ | {"VEILLE_WEB_TIMEZONE": "UTC"}):
        with serving(ramadan, env=env) as base:
            assert titles(base, since="2026-03-01") == [fes, rabat]
            assert titles(base, until="2026-03-01") == [tanger]
    command = ["--db", str(ramadan), "search", "ministère", "--json"]
    since = CliRunner().invoke(cli, [*command, "--since", "2026-03-01"])
    assert since.exit_code == 0, since.output
    assert sorted(hit["title"] for hit in json.loads(since.stdout)) == sorted([fes, rabat])
    until = CliRunner().invoke(cli, [*command, "--until", "2026-03-01"])
    assert [hit["title"] for hit in json.loads(until.stdout)] == [tanger]
