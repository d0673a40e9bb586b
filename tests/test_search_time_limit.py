"""A search stops at its time limit on both engines, in the reader and on the command line, and
says so in the user's language with what to do: the 100 words a search may have bound its words,
not its time (100 frequent Arabic words joined by OR took 10 s of SQLite at 100,000 articles),
and on SQLite nothing stopped it, where PostgreSQL's reader sessions stopped every statement
after 30 s and `veille search` on PostgreSQL not at all.

Nothing here depends on the machine's speed: on SQLite the deadline is already past when the
search starts (or the reader's injected clock passes it at its first look), and on PostgreSQL
the search waits on a lock another session holds until the search has answered."""

from __future__ import annotations

import itertools
import json
import threading
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from click.testing import CliRunner

from monitors.cli import cli
from monitors.web import search as search_module

from .dated_articles import dated_database
from .reader_client import WATCHLISTS, running
from .waiting import GENEROUS

# Thirty articles: enough steps of SQLite's virtual machine for its progress handler to look
# at the time (a search of three articles ends before its first look).
PUBLISHED = {
    f"Le ministère publie son bilan, épisode {i}": f"2026-12-{1 + i % 28:02d}T{10 + i // 28}:00:00Z"
    for i in range(30)
}
QUERY = "ministère OR bilan"
REFUSED = {
    "en": "the search was stopped at its time limit (",
    "fr": "la recherche a été arrêtée à sa limite de temps (",
    "ar": "توقف البحث عند حده الزمني (",
}
WHAT_TO_DO = {
    "en": "search fewer words joined by OR, or narrow it (a source, a language, fewer days)",
    "fr": "cherchez moins de mots reliés par OR, ou restreignez-la (une source, une langue, "
    "moins de jours)",
    "ar": "ابحث عن كلمات أقل مربوطة بـ OR، أو ضيّقه (مصدر، لغة، أيام أقل)",
}


@pytest.fixture
def location(engine, tmp_path, request):
    return dated_database(request, engine, tmp_path / "v.db", PUBLISHED)


@contextmanager
def too_slow(engine: str, location: str, answered: threading.Event) -> Iterator[float]:
    """A search of `location` that cannot end within the seconds yielded: on SQLite none (its
    deadline is past when it starts); on PostgreSQL half a second while another session holds
    the matches every search reads, until `answered` is set (or GENEROUS seconds passed: a
    search that does not stop then finds its articles, and the test fails rather than hangs)."""
    if engine == "sqlite":
        yield 0.0
        return
    import psycopg

    locked = threading.Event()

    def hold() -> None:
        with psycopg.connect(location) as locker:
            locker.execute("LOCK TABLE matches IN ACCESS EXCLUSIVE MODE")
            locked.set()
            answered.wait(GENEROUS)
            locker.rollback()

    holder = threading.Thread(target=hold)
    holder.start()
    assert locked.wait(GENEROUS)
    try:
        yield 0.5
    finally:
        answered.set()
        holder.join()


def _clocked_reader(location: str, seconds: float):
    """The reader of `location` whose clock moves a thousand seconds at each look, so that any
    search outlives its limit (`seconds`, PostgreSQL's statement timeout, else 30 s)."""
    from monitors.web.app import ReaderConfig

    ticks = itertools.count(step=1000.0)
    return ReaderConfig(
        db=location,
        watchlists=WATCHLISTS,
        raw_data=False,
        statement_seconds=seconds or 30.0,
        clock=lambda: next(ticks),
    )


def cli_search(location: str, *options: str):
    return CliRunner().invoke(cli, ["--db", location, "search", QUERY, *options])


def test_a_search_past_its_time_limit_is_refused_on_the_command_line(location, engine, monkeypatch):
    """`veille search` stopped at its time limit exits 2 with what to do; in time, its hits are
    those it always found."""
    answered = threading.Event()
    with too_slow(engine, location, answered) as seconds:
        monkeypatch.setattr(search_module, "SEARCH_SECONDS", seconds, raising=False)
        refused = cli_search(location)
        answered.set()
    assert refused.exit_code == 2, refused.output
    assert f"error: {REFUSED['en']}{seconds:g} s): {WHAT_TO_DO['en']}" in refused.output
    monkeypatch.undo()
    held = cli_search(location, "--json", "--limit", "100")
    assert held.exit_code == 0, held.output
    assert sorted(hit["title"] for hit in json.loads(held.stdout)) == sorted(PUBLISHED)


def test_a_search_past_its_time_limit_is_refused_in_the_readers_language(location, engine):
    """The search page stopped at the reader's time limit (its statement_seconds) says so in
    the page's language, French, English or Arabic; in time, it shows its hits. On SQLite the
    reader's clock (injected) has passed the deadline at the search's first look at it."""
    from monitors.web.app import ReaderConfig, create_app

    def page(base: str, lang: str) -> str:
        query = urllib.parse.urlencode({"q": QUERY, "lang": lang})
        with urllib.request.urlopen(f"{base}/search?{query}", timeout=GENEROUS) as response:
            assert response.status == 200
            return response.read().decode()

    answered = threading.Event()
    with too_slow(engine, location, answered) as seconds:
        with running(create_app(_clocked_reader(location, seconds))) as base:
            pages = {lang: page(base, lang) for lang in REFUSED}
        answered.set()
    for lang, words in REFUSED.items():
        assert words in pages[lang] and WHAT_TO_DO[lang] in pages[lang], (lang, pages[lang])
        assert "épisode" not in pages[lang]
    with running(
        create_app(ReaderConfig(db=location, watchlists=WATCHLISTS, raw_data=False))
    ) as base:
        found = page(base, "fr")
    assert REFUSED["fr"] not in found
    assert sum(f"{title}<" in found for title in PUBLISHED) == 20  # the first page


def test_a_search_feed_past_its_time_limit_is_the_servers_limit(location, engine):
    """The search's Atom feed stopped at the reader's time limit answers 503 with Retry-After
    and the same explanation: the limit is the server's, and a feed reader takes a 400 for a
    wrong address it need not ask again. A query that is wrong stays a 400; in time, the feed
    holds its hits."""
    import urllib.error

    import feedparser

    from monitors.web.app import ReaderConfig, create_app
    from monitors.web.views.feeds import RETRY_STOPPED_SECONDS

    def feed(base: str, query: str) -> tuple[int, str | None, str]:
        """The feed's status, Retry-After and body."""
        address = f"{base}/feeds/search.atom?{urllib.parse.urlencode({'q': query})}"
        try:
            with urllib.request.urlopen(address, timeout=GENEROUS) as response:
                return response.status, response.headers["Retry-After"], response.read().decode()
        except urllib.error.HTTPError as refused:
            return refused.code, refused.headers["Retry-After"], refused.read().decode()

    answered = threading.Event()
    with too_slow(engine, location, answered) as seconds:
        with running(create_app(_clocked_reader(location, seconds))) as base:
            status, retry, body = feed(base, QUERY)
        answered.set()
    assert status == 503, (status, body)
    assert retry == str(RETRY_STOPPED_SECONDS)
    assert f"{REFUSED['en']}{seconds or 30.0:g} s): {WHAT_TO_DO['en']}" in body
    with running(
        create_app(ReaderConfig(db=location, watchlists=WATCHLISTS, raw_data=False))
    ) as base:
        wrong = feed(base, "ministère AND (bilan")
        found = feed(base, QUERY)
    assert wrong[0] == 400 and wrong[1] is None, wrong
    assert found[0] == 200
    titles = [entry.title for entry in feedparser.parse(found[2]).entries]
    assert sorted(titles) == sorted(PUBLISHED)
