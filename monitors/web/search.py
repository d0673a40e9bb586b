"""Full-text search over stored articles (SQLite FTS5), with the watch-rule query syntax.

A query is parsed by monitors.rules.query and translated to an FTS5 expression in which every term is
a quoted string, so no user input can break or inject into the FTS or SQL syntax.
"""

from __future__ import annotations

import itertools
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import assert_never, cast

from crawler.core.errors import VeilleError
from crawler.core.yamlfile import primary_language
from crawler.storage.engine import Database, SQLiteDatabase
from monitors.alerts.plurals import counted
from monitors.rules.query import (
    And,
    EntityRef,
    Near,
    Node,
    Not,
    Or,
    QuerySyntaxError,
    Term,
    parse_query,
    searched_words,
)
from monitors.rules.watchlists import RuleSet
from monitors.web import store as web_store
from monitors.web.days import DayBound
from monitors.web.search_limits import SEARCH_SECONDS
from monitors.web.spellings import phrase_forms

HIGHLIGHT = ("**", "**")
# Best first (BM25), or newest stored first: what a news reader often wants, and FTS5's
# cheapest order (a reverse scan of the index that stops at the page).
ORDERS = web_store.SEARCH_ORDERS
FTS_COLUMNS = {"title": "title", "text": "text"}
# The longest search: each word is a lookup of its every written form, so a text pasted in the
# box (2,000 Arabic words took 3.7 s of SQLite) is refused, on both engines, with what to do.
# The words are those searched (monitors.rules.query.searched_words): the operators, parentheses
# and field names that join them look nothing up.
MAX_QUERY_CHARACTERS = 1000
MAX_QUERY_WORDS = 100
# SQLite checks the time every so many steps of its virtual machine: a search's page of 20
# hits is some 6,000 steps, and checking every 1,000 cost no measurable time (within ±1.5 % of
# none at 24,000 articles of bench/reader.py's database, a frequent, mid-frequency and rare word).
PROGRESS_STEPS = 1000


class SearchError(VeilleError):
    """A search query that cannot be run; the message says why."""


# The counted word (monitors.alerts.plurals) of each count SearchTooLong says.
COUNTED_WORDS = {
    "characters": "character_written",
    "words": "word",
    "most_characters": "character_written",
    "most_words": "word",
}


class SearchTooLong(SearchError):
    """A search longer than MAX_QUERY_CHARACTERS or MAX_QUERY_WORDS: its length and the limits
    as `counts`, which the reader says in the page's language by its `code`
    (monitors.web.i18n_errors.search_error_text), rather than parsing the English message."""

    code = "search_too_long"

    def __init__(self, characters: int, words: int) -> None:
        self.counts = {
            "characters": characters,
            "words": words,
            "most_characters": MAX_QUERY_CHARACTERS,
            "most_words": MAX_QUERY_WORDS,
        }
        said = {name: counted(n, COUNTED_WORDS[name], "en") for name, n in self.counts.items()}
        super().__init__(
            "the search is too long ({characters}, {words}): at most {most_characters} and "
            "{most_words}; keep the words that matter most".format(**said)
        )


class SearchStopped(SearchError):
    """A search stopped at its time limit: the server's limit, not a wrong query (the search
    feed answers it 503, where a wrong query is a 400)."""

    def __init__(self, message: str, seconds: float) -> None:
        super().__init__(message)
        self.seconds = seconds


def check_length(query: str) -> None:
    """Refuse a query longer than MAX_QUERY_CHARACTERS or searching more than MAX_QUERY_WORDS
    words (SearchTooLong)."""
    characters, words = len(query), searched_words(query)
    if characters > MAX_QUERY_CHARACTERS or words > MAX_QUERY_WORDS:
        raise SearchTooLong(characters, words)


def over_time(seconds: float) -> SearchStopped:
    """The refusal of a search stopped at its time limit, with what to do."""
    return SearchStopped(
        f"the search was stopped at its time limit ({seconds:g} s): search fewer words joined "
        "by OR, or narrow it (a source, a language, fewer days)",
        seconds,
    )


@contextmanager
def sqlite_deadline(
    conn: sqlite3.Connection, seconds: float, clock: Callable[[], float]
) -> Iterator[None]:
    """Statements of `conn` run within it stop once `clock()` reaches `seconds` from now
    (sqlite3.OperationalError "interrupted"): SQLite's progress handler, called every
    PROGRESS_STEPS steps of its virtual machine, FTS5's own queries included."""
    deadline = clock() + seconds
    conn.set_progress_handler(lambda: clock() >= deadline, PROGRESS_STEPS)
    try:
        yield
    finally:
        conn.set_progress_handler(None, 0)


def with_regions(db: Database, languages: list[str]) -> list[str]:
    """The languages asked for and the stored codes whose primary subtag is one of them: French
    (fr) is also « fr-MA » and « fr-FR », as `veille import` stores them and as watchlists
    limited to [fr] take them. The stored codes are read from the index of languages, one step
    each, and the search stays a list of codes on that index."""
    asked = set(languages)
    return list(languages) + [
        code
        for code in web_store.languages(db)
        if code not in asked and primary_language(code) in asked
    ]


@dataclass(frozen=True)
class SearchHit:
    id: int
    title: str
    url: str
    source: str
    language: str | None
    published: str | None
    snippet: str
    rank: float
    watchlists: list[str]


def _quote(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _forms(node: Term) -> list[str]:
    """A phrase's written forms (monitors.web.spellings: the Arabic article and the El/Al
    particles, folded as rules fold them), each a quoted FTS5 phrase."""
    words = [w for w in node.text.replace('"', " ").split() if w]
    suffix = "*" if node.prefix else ""
    return [_quote(" ".join(form)) + suffix for form in phrase_forms(words)] or ['""']


def _term(node: Term) -> str:
    """A quoted phrase, or an OR of its written forms."""
    forms = _forms(node)
    expression = forms[0] if len(forms) == 1 else "(" + " OR ".join(forms) + ")"
    return f"{FTS_COLUMNS[node.field]} : {expression}" if node.field else expression


def _near(left: Term, right: Term, distance: int) -> str:
    """NEAR between two phrases, each in any of its written forms. FTS5's NEAR takes phrases
    only, not an OR of them, so it is an OR of a NEAR for each pair of forms: two Arabic words
    give 256 pairs (18 ms of CPU at 100,000 articles); an OR inside NEAR was a syntax error, and
    any NEAR with an Arabic word or a name particle in it failed where PostgreSQL searched it."""
    groups = [
        f"NEAR({a} {b}, {distance})" for a, b in itertools.product(_forms(left), _forms(right))
    ]
    return groups[0] if len(groups) == 1 else "(" + " OR ".join(groups) + ")"


def to_fts(node: Node, rules: RuleSet | None = None) -> str:
    """The FTS5 MATCH expression for a parsed query."""
    if isinstance(node, Term):
        return _term(node)
    if isinstance(node, EntityRef):
        if rules is None or node.name not in rules.entities:
            raise SearchError(
                f"unknown entity @{node.name}; entities come from the watchlists file"
            )
        aliases = [Term(a.text, field=node.field) for a in rules.entities[node.name].aliases]
        return "(" + " OR ".join(_term(a) for a in aliases) + ")"
    if isinstance(node, Near):
        left, right = node.left, node.right
        if not (isinstance(left, Term) and isinstance(right, Term)) or left.field or right.field:
            raise SearchError("in search, NEAR joins two plain terms or phrases")
        return _near(left, right, node.distance)
    if isinstance(node, Or):
        return "(" + " OR ".join(to_fts(c, rules) for c in node.children) + ")"
    if isinstance(node, Not):
        raise SearchError("NOT needs something to subtract from, as in: cloud NOT sport")
    if not isinstance(node, And):
        assert_never(node)
    positive = [c for c in node.children if not isinstance(c, Not)]
    negative = [c.child for c in node.children if isinstance(c, Not)]
    if not positive:
        raise SearchError("the query only excludes (NOT …): add a term to look for")
    expression = "(" + " AND ".join(to_fts(c, rules) for c in positive) + ")"
    for child in negative:
        expression = f"({expression} NOT {to_fts(child, rules)})"
    return expression


def search(
    db: Database,
    query: str,
    rules: RuleSet | None = None,
    sources: list[str] | None = None,
    languages: list[str] | None = None,
    since: DayBound | None = None,
    until: DayBound | None = None,
    watchlist: str | None = None,
    limit: int = 20,
    offset: int = 0,
    order: str = "rank",
    seconds: float | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> list[SearchHit]:
    """Articles matching `query`, best first (`order="rank"`) or newest stored first
    (`order="newest"`), with highlighted snippets: the one search behind `veille search`, the
    web view's search page and its Atom feed. A search stops after `seconds` (SEARCH_SECONDS
    by default; on SQLite as `clock` counts them) with a SearchError saying what to do."""
    seconds = SEARCH_SECONDS if seconds is None else seconds
    if order not in ORDERS:
        raise SearchError(f"order {order!r}: use one of {', '.join(ORDERS)}")
    check_length(query)
    if languages:
        languages = with_regions(db, languages)
    if db.engine == "postgresql":
        from monitors.web.search_postgres import search_postgres

        return search_postgres(
            db,
            query,
            rules,
            sources,
            languages,
            since,
            until,
            watchlist,
            limit,
            offset,
            order,
            seconds,
        )
    try:
        expression = to_fts(parse_query(query), rules)
    except QuerySyntaxError as exc:
        raise SearchError(f"query: {exc}") from None
    try:
        with sqlite_deadline(cast(SQLiteDatabase, db).conn, seconds, clock):
            rows = web_store.search_sqlite(
                db,
                expression,
                HIGHLIGHT,
                sources or (),
                languages or (),
                since,
                until,
                watchlist,
                limit,
                offset,
                order,
            )
    except sqlite3.OperationalError as exc:  # FTS5 refusing a query it cannot run
        if str(exc) == "interrupted":  # at the deadline
            raise over_time(seconds) from None
        raise SearchError(f"search failed: {exc}") from None
    return [SearchHit(*row) for row in rows]
