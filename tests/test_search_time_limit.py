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
from monitors.web.search_limits import SEARCH_SECONDS

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
    search outlives its limit (`seconds`, PostgreSQL's statement timeout, else SEARCH_SECONDS)."""
    from monitors.web.app import ReaderConfig

    ticks = itertools.count(step=1000.0)
    return ReaderConfig(
        db=location,
        watchlists=WATCHLISTS,
        raw_data=False,
        statement_seconds=seconds or SEARCH_SECONDS,
        clock=lambda: next(ticks),
    )


def cli_search(location: str, *options: str):
    return CliRunner().invoke(cli, ["--db", location, "search", QUERY, *options])


def test_a_search_past_its_time_limit_is_refused_on_the_command_line(location, engine, monkeypatch):
    """`veille search` stopped at its time limit exits 3 with what to do, and prints no result,
    in JSON neither: a script tells it from a wrong query (2), which it need not run again,
    and from a search that found nothing (0). In time, its hits are those it always found."""
    answered = threading.Event()
    with too_slow(engine, location, answered) as seconds:
        monkeypatch.setattr(search_module, "SEARCH_SECONDS", seconds, raising=False)
        refused = cli_search(location)
        as_json = cli_search(location, "--json")
        answered.set()
    for stopped in (refused, as_json):
        assert stopped.exit_code == 3, stopped.output
        assert stopped.stdout == ""
        assert f"error: {REFUSED['en']}{seconds:g} s): {WHAT_TO_DO['en']}" in stopped.stderr
    wrong = CliRunner().invoke(cli, ["--db", location, "search", "ministère AND (bilan"])
    assert wrong.exit_code == 2, wrong.output
    monkeypatch.undo()
    held = cli_search(location, "--json", "--limit", "100")
    assert held.exit_code == 0, held.output
    assert sorted(hit["title"] for hit in json.loads(held.stdout)) == sorted(PUBLISHED)


def fetched(address: str) -> tuple[int, str | None, str]:
    """The status, Retry-After and body of the reader's answer at `address`."""
    import urllib.error

    try:
        with urllib.request.urlopen(address, timeout=GENEROUS) as response:
            return response.status, response.headers["Retry-After"], response.read().decode()
    except urllib.error.HTTPError as refused:
        return refused.code, refused.headers["Retry-After"], refused.read().decode()


def test_a_search_past_its_time_limit_is_refused_in_the_readers_language(location, engine):
    """The search page stopped at the reader's time limit (its statement_seconds) says so in
    the page's language, French, English or Arabic, its form filled in to narrow it, and
    answers 503 with Retry-After as its feed does: a monitoring tool or a script fetching it
    does not take the explanation for an empty result. A wrong query is the page's answer
    (200, its error said); in time, it shows its hits. On SQLite the reader's clock (injected)
    has passed the deadline at the search's first look at it."""
    from monitors.web.app import ReaderConfig, create_app
    from monitors.web.views.search import RETRY_STOPPED_SECONDS

    def page(base: str, lang: str, query: str = QUERY) -> tuple[int, str | None, str]:
        asked = urllib.parse.urlencode({"q": query, "since": "2026-12-01", "lang": lang})
        return fetched(f"{base}/search?{asked}")

    answered = threading.Event()
    with too_slow(engine, location, answered) as seconds:
        with running(create_app(_clocked_reader(location, seconds))) as base:
            pages = {lang: page(base, lang) for lang in REFUSED}
        answered.set()
    for lang, words in REFUSED.items():
        status, retry, body = pages[lang]
        assert (status, retry) == (503, str(RETRY_STOPPED_SECONDS)), (lang, status, body)
        assert words in body and WHAT_TO_DO[lang] in body, (lang, body)
        assert "épisode" not in body
        assert 'name="since" value="2026-12-01"' in body  # the form, to narrow the search
    with running(
        create_app(ReaderConfig(db=location, watchlists=WATCHLISTS, raw_data=False))
    ) as base:
        status, retry, found = page(base, "fr")
        wrong = page(base, "en", "ministère AND (bilan")
    assert (status, retry) == (200, None)
    assert wrong[0] == 200 and wrong[1] is None and 'class="bad"' in wrong[2]
    assert REFUSED["fr"] not in found
    assert sum(f"{title}<" in found for title in PUBLISHED) == 20  # the first page


def test_a_search_feed_past_its_time_limit_is_the_servers_limit(location, engine):
    """The search's Atom feed stopped at the reader's time limit answers 503 with Retry-After
    and the same explanation: the limit is the server's, and a feed reader takes a 400 for a
    wrong address it need not ask again. A query that is wrong stays a 400; in time, the feed
    holds its hits."""
    import feedparser

    from monitors.web.app import ReaderConfig, create_app
    from monitors.web.views.search import RETRY_STOPPED_SECONDS

    def feed(base: str, query: str) -> tuple[int, str | None, str]:
        """The feed's status, Retry-After and body."""
        return fetched(f"{base}/feeds/search.atom?{urllib.parse.urlencode({'q': query})}")

    answered = threading.Event()
    with too_slow(engine, location, answered) as seconds:
        with running(create_app(_clocked_reader(location, seconds))) as base:
            status, retry, body = feed(base, QUERY)
        answered.set()
    assert status == 503, (status, body)
    assert retry == str(RETRY_STOPPED_SECONDS)
    assert f"{REFUSED['en']}{seconds or SEARCH_SECONDS:g} s): {WHAT_TO_DO['en']}" in body
    with running(
        create_app(ReaderConfig(db=location, watchlists=WATCHLISTS, raw_data=False))
    ) as base:
        wrong = feed(base, "ministère AND (bilan")
        found = feed(base, QUERY)
    assert wrong[0] == 400 and wrong[1] is None, wrong
    assert found[0] == 200
    titles = [entry.title for entry in feedparser.parse(found[2]).entries]
    assert sorted(titles) == sorted(PUBLISHED)


def test_the_readers_limit_is_the_search_limits_constant():
    """The reader's statement limit is SEARCH_SECONDS itself, not a figure of its own that
    a change of the constant would leave behind (the command line, the page and the feed stop
    a search at the same time, and say the same figure)."""
    import dataclasses

    from monitors.web.app import ReaderConfig

    (default,) = (
        f.default for f in dataclasses.fields(ReaderConfig) if f.name == "statement_seconds"
    )
    assert default is SEARCH_SECONDS  # the same object, not an equal literal
