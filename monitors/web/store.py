"""The reader's reads: every query behind its pages (monitors.web.reading), its search on SQLite
(monitors.web.search; PostgreSQL's is monitors.web.search_postgres), and its exports
(monitors.web.export).

Read-only, joining the tables of the crawl, the stories and the alerts; rows come back as
records. Dates are compared as ISO-8601 text, computed by the callers.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from crawler.storage.engine import Database
from monitors.web.days import DayBound, before, on_or_after

_SOURCE_TITLE = "coalesce((SELECT s.title FROM sources s WHERE s.name = a.source), a.source)"
_WHEN = "coalesce(a.published, a.fetched_at)"


def _marks(prefix: str, values: Sequence[object]) -> tuple[str, dict[str, object]]:
    """Named placeholders for an IN (…) list, and their parameters."""
    names = {f"{prefix}{i}": value for i, value in enumerate(values)}
    return ", ".join(f":{name}" for name in names), names


# -- Records ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MatchRow:
    article_id: int
    watchlist: str
    title: str
    url: str
    source: str
    source_title: str
    published: str | None
    language: str | None
    snippet: str
    matched_at: str
    listed_when: str  # the date the list is sorted by: published, else fetched
    match_id: int

    @property
    def listed_at(self) -> ListedAt:
        return ListedAt(self.listed_when, self.match_id)


@dataclass(frozen=True)
class StoryMember:
    article_id: int
    title: str
    url: str
    source: str
    source_title: str
    published: str | None
    fetched_at: str
    language: str | None
    revision: int


@dataclass(frozen=True)
class Revision:
    revision: int
    title: str | None
    fetched_at: str
    characters: int


class ArticleRow(NamedTuple):
    id: int
    title: str
    url: str
    source: str
    source_title: str
    author: str | None
    published: str | None
    published_origin: str | None
    fetched_at: str
    language: str | None
    text: str
    original_source: str | None
    original_url: str | None
    story_id: int | None
    revision: int


class MatchOfArticle(NamedTuple):
    watchlist: str
    terms: str  # JSON list
    hits: str  # JSON list of {term, field, start, end}
    snippet: str
    matched_at: str
    alerted: bool


class StoryRow(NamedTuple):
    id: int
    title: str
    first_seen: str


class SourceAbout(NamedTuple):
    title: str | None
    homepage: str | None


class ExportRow(NamedTuple):
    matched_at: str
    watchlist: str
    title: str
    url: str
    source: str
    source_title: str | None
    language: str | None
    published: str | None
    author: str | None
    terms: str  # JSON list
    snippet: str
    story_id: int | None
    story_sources: list[str]  # every outlet of the story, sorted
    original_source: str | None
    original_url: str | None


class SearchRow(NamedTuple):
    id: int
    title: str
    url: str
    source: str
    language: str | None
    published: str | None
    snippet: str
    rank: float
    watchlists: list[str]


# -- Watchlists and matches ------------------------------------------------------------------------


class ListedAt(NamedTuple):
    """Where a match stands in a watchlist's list: its article's date (published, else
    fetched: the date the list is sorted by, as stored) and the match's id (ties)."""

    when: str
    match_id: int


def latest_matches(
    db: Database,
    watchlist: str,
    limit: int,
    before: ListedAt | None = None,
    after: ListedAt | None = None,
) -> list[MatchRow]:
    """A watchlist's matches, newest publication first: the newest `limit`, or the `limit` just
    below `before` (an older page), or just above `after` (a newer page), each page read from
    its key on, never counted off from the top (keyset paging: a deep page reads as many rows
    as the first).

    The matches hold their article's date (`listed_when`, kept by triggers: monitors.alerts
    step 0033) and an index on (watchlist, date, id): a page reads its rows from the index and
    their articles, whatever the watchlist's size and wherever its matches sit among the
    articles. A key is read in two ranges of that index, the matches of its date beyond its id,
    then the dates beyond: SQLite reads a row value (date, id) as a range on the date alone and
    would walk every match of the key's date (a day given without its time is the date of many
    articles)."""
    key = before or after
    if key is None:
        return _listed(db, watchlist, "", {}, "DESC", limit)
    order, beyond = ("DESC", "<") if before is not None else ("ASC", ">")
    found = _listed(
        db,
        watchlist,
        f"AND m.listed_when = :when AND m.id {beyond} :id ",
        {"when": key.when, "id": key.match_id},
        order,
        limit,
    )
    if len(found) < limit:
        found += _listed(
            db,
            watchlist,
            f"AND m.listed_when {beyond} :when ",
            {"when": key.when},
            order,
            limit - len(found),
        )
    return found[::-1] if after is not None else found


def _listed(
    db: Database, watchlist: str, where: str, params: dict[str, object], order: str, limit: int
) -> list[MatchRow]:
    """Up to `limit` matches of a watchlist meeting `where`, by date then id in `order`."""
    rows = db.execute(
        f"SELECT a.id, m.watchlist, coalesce(a.title, a.url), a.url, a.source, {_SOURCE_TITLE}, "
        "a.published, a.language, m.snippet, m.matched_at, m.listed_when, m.id "
        # CROSS JOIN: SQLite keeps the matches, read from their index, as the outer loop
        "FROM matches m CROSS JOIN articles a WHERE a.id = m.article_id AND m.watchlist = :w "
        f"{where}ORDER BY m.listed_when {order}, m.id {order} LIMIT :limit",
        params | {"w": watchlist, "limit": limit},
    ).fetchall()
    return [MatchRow(*row) for row in rows]


def match_counts(db: Database) -> dict[str, int]:
    """How many articles each watchlist matched (the counts kept by triggers on matches)."""
    return dict(
        db.execute("SELECT watchlist, matches FROM watchlist_counts WHERE matches > 0").fetchall()
    )


def matches_by_day(db: Database, watchlist: str, bounds: Sequence[DayBound]) -> list[int]:
    """A watchlist's matches in each span between consecutive `bounds` (the reader's days, and
    the day after the last), by their article's publication date: a moment from its day's start
    on, a day given alone on that day (monitors.web.days).

    One count per day over the articles' date index (a day is the range from its start to the
    next day's), each article of the day checked against the match index: neither the article
    rows nor the watchlist's older matches are read. Grouping the watchlist's matches by the day
    of their article read every match and its article (99 ms at 100,000 articles). Only the
    dates between a day and its start (the first five hours of a day in New York, its first
    hour in Casablanca in winter, none at UTC) are read from the article rows, to tell a day
    alone from a moment: checking every article of the 30 days so took the chart from 5.5 to
    7.4-8.0 ms at 30,000 articles (bench/reader.py's database), 5.7-6.4 ms this way."""
    if len(bounds) < 2:
        return []
    names: dict[str, object] = {}
    for i, bound in enumerate(bounds):
        names |= {f"b{i}": bound.begins, f"d{i}": bound.day}
        names |= {f"lo{i}": bound.lowest, f"hi{i}": bound.highest}
    days = ", ".join(
        f"({i}, :lo{i}, :hi{i}, :d{i}, :b{i}, :lo{i + 1}, :hi{i + 1}, :d{i + 1}, :b{i + 1})"
        for i in range(len(bounds) - 1)
    )
    matched = "m.article_id = a.id AND m.watchlist = :watchlist"
    counted = f"SELECT count(*) FROM articles a CROSS JOIN matches m WHERE {matched} AND "
    rows = db.execute(
        "WITH days(n, low, high, day, begins, next_low, next_high, next_day, next_begins) "
        f"AS (VALUES {days}) SELECT n, "
        # the dates that are the day's, whether a moment or a day alone
        f"({counted} {_WHEN} >= days.high AND {_WHEN} < days.next_low) "
        # those between the day and its start, and between the next day and its start
        f"+ ({counted} {_WHEN} >= days.low AND {_WHEN} < days.high AND CASE WHEN "
        f"length({_WHEN}) = 10 THEN {_WHEN} >= days.day ELSE {_WHEN} >= days.begins END) "
        f"+ ({counted} {_WHEN} >= days.next_low AND {_WHEN} < days.next_high AND CASE WHEN "
        f"length({_WHEN}) = 10 THEN {_WHEN} < days.next_day ELSE {_WHEN} < days.next_begins END) "
        "FROM days ORDER BY n",
        names | {"watchlist": watchlist},
    ).fetchall()
    return [count for _, count in rows]


# -- Articles, stories, sources --------------------------------------------------------------------


def authors(db: Database, article_ids: Sequence[int]) -> dict[int, str]:
    """Each article's author, for those that have one."""
    if not article_ids:
        return {}
    marks, params = _marks("id", article_ids)
    return dict(
        db.execute(
            f"SELECT id, author FROM articles WHERE author IS NOT NULL AND id IN ({marks})",
            params,
        ).fetchall()
    )


def source_titles(db: Database) -> dict[str, str]:
    """{name: title (else name)} of every source, by name."""
    return {
        name: title or name
        for name, title in db.execute("SELECT name, title FROM sources ORDER BY name").fetchall()
    }


def last_error_kinds(db: Database) -> dict[str, str]:
    """Each source's last recorded fault's kind (crawl_errors, written with sources.last_error
    in one transaction), read from the (source, at) index: one step per source."""
    return {
        name: kind
        for name, kind in db.execute(
            "SELECT s.name, (SELECT e.kind FROM crawl_errors e WHERE e.source = s.name "
            "ORDER BY e.at DESC, e.id DESC LIMIT 1) FROM sources s WHERE s.last_error IS NOT NULL"
        ).fetchall()
        if kind is not None
    }


def sources_about(db: Database) -> dict[str, SourceAbout]:
    """Every source's title and homepage."""
    return {
        name: SourceAbout(title, homepage)
        for name, title, homepage in db.execute(
            "SELECT name, title, homepage FROM sources"
        ).fetchall()
    }


def articles_fetched_since(db: Database, since: str) -> dict[str, int]:
    """{source: articles fetched since `since`}, from the index on (fetched_at, source) alone.
    SQLite is told to use it: to spare a sort for GROUP BY, it walked the index on the source
    and read every article's row (126 ms at 100,000 articles)."""
    indexed = "INDEXED BY articles_fetched " if db.engine == "sqlite" else ""
    return dict(
        db.execute(
            f"SELECT source, count(*) FROM articles {indexed}"
            "WHERE fetched_at >= :since GROUP BY source",
            {"since": since},
        ).fetchall()
    )


def languages(db: Database) -> list[str]:
    """The languages of stored articles, in order: one step of the index on the language per
    language (each the smallest above the one before), not a pass over the table (SELECT
    DISTINCT read every article, 100 ms at 100,000)."""
    return [
        row[0]
        for row in db.execute(
            "WITH RECURSIVE found(language) AS ("
            "  SELECT min(language) FROM articles"
            "  UNION ALL"
            "  SELECT (SELECT min(a.language) FROM articles a WHERE a.language > found.language)"
            "  FROM found WHERE found.language IS NOT NULL"
            ") SELECT language FROM found WHERE language IS NOT NULL"
        ).fetchall()
    ]


def article(db: Database, article_id: int) -> ArticleRow | None:
    row = db.execute(
        f"SELECT a.id, coalesce(a.title, a.url), a.url, a.source, {_SOURCE_TITLE}, "
        "a.author, a.published, a.published_origin, a.fetched_at, a.language, a.text, "
        "a.original_source, a.original_url, a.story_id, a.revision "
        "FROM articles a WHERE a.id = :id",
        {"id": article_id},
    ).fetchone()
    return ArticleRow(*row) if row else None


def matches_of_article(db: Database, article_id: int) -> list[MatchOfArticle]:
    """An article's matches by watchlist, each saying whether it raised an alert."""
    rows = db.execute(
        "SELECT m.watchlist, m.terms, m.hits, m.snippet, m.matched_at, "
        "EXISTS (SELECT 1 FROM alerts al WHERE al.match_id = m.id) "
        "FROM matches m WHERE m.article_id = :id ORDER BY m.watchlist",
        {"id": article_id},
    ).fetchall()
    return [MatchOfArticle._make([*row[:5], bool(row[5])]) for row in rows]


def story_members(db: Database, story_id: int, besides: int | None = None) -> list[StoryMember]:
    """A story's articles (but `besides`), first published first."""
    rows = db.execute(
        f"SELECT a.id, coalesce(a.title, a.url), a.url, a.source, {_SOURCE_TITLE}, "
        "a.published, a.fetched_at, a.language, a.revision FROM articles a "
        "WHERE a.story_id = :story AND a.id != :besides "
        f"ORDER BY {_WHEN}, a.id",
        {"story": story_id, "besides": -1 if besides is None else besides},
    ).fetchall()
    return [StoryMember(*row) for row in rows]


def revisions(db: Database, article_id: int) -> list[Revision]:
    """The earlier versions of an article, oldest first."""
    rows = db.execute(
        "SELECT revision, title, fetched_at, length(text) FROM article_revisions "
        "WHERE article_id = :id ORDER BY revision",
        {"id": article_id},
    ).fetchall()
    return [Revision(*row) for row in rows]


def story(db: Database, story_id: int) -> StoryRow | None:
    """A story's id, title (its canonical article's, else its own) and first sighting."""
    row = db.execute(
        "SELECT st.id, coalesce(ca.title, st.title, ''), st.first_seen FROM stories st "
        "LEFT JOIN articles ca ON ca.id = st.canonical_article_id WHERE st.id = :id",
        {"id": story_id},
    ).fetchone()
    return StoryRow(*row) if row else None


def story_now(db: Database, story_id: int) -> int | None:
    """The story a story's first article is in now: another one when the story was folded into
    it (reports in two languages linked later, crawler.stories.grouping)."""
    row = db.execute(
        "SELECT ca.story_id FROM stories st JOIN articles ca ON ca.id = st.canonical_article_id "
        "WHERE st.id = :id",
        {"id": story_id},
    ).fetchone()
    return row[0] if row else None


def story_alerts(db: Database, story_id: int) -> list[tuple[str, int]]:
    """(watchlist, alert id) of the alerts a story raised, first first, with those raised on a
    story folded into it since (reports in two languages linked later): such an alert still
    names the story it was raised on, but its article is in this one now."""
    return [
        (watchlist, alert_id)
        for watchlist, alert_id, _ in db.execute(
            "SELECT watchlist, id, created_at FROM alerts WHERE story_id = :id "
            "UNION SELECT al.watchlist, al.id, al.created_at FROM articles a "
            "JOIN alerts al ON al.article_id = a.id WHERE a.story_id = :id "
            "ORDER BY 3, 1",
            {"id": story_id},
        ).fetchall()
    ]


def story_watchlists(db: Database, story_id: int) -> list[str]:
    """The watchlists any article of a story matched."""
    return [
        row[0]
        for row in db.execute(
            "SELECT DISTINCT m.watchlist FROM matches m JOIN articles a ON a.id = m.article_id "
            "WHERE a.story_id = :id ORDER BY 1",
            {"id": story_id},
        ).fetchall()
    ]


# -- Exports ---------------------------------------------------------------------------------------

EXPORT_BATCH = 500


def _story_sources(db: Database, story_ids: set[int]) -> dict[int, list[str]]:
    """{story: its outlets, sorted} for the given stories."""
    if not story_ids:
        return {}
    marks, params = _marks("story", sorted(story_ids))
    outlets: dict[int, set[str]] = {}
    for story_id, source in db.execute(
        f"SELECT DISTINCT story_id, source FROM articles WHERE story_id IN ({marks})", params
    ).fetchall():
        outlets.setdefault(story_id, set()).add(source)
    return {story_id: sorted(sources) for story_id, sources in outlets.items()}


def matched_articles(
    db: Database,
    watchlist: str | None = None,
    since: DayBound | None = None,
    until: DayBound | None = None,
    limit: int | None = None,
) -> Iterator[ExportRow]:
    """Matches, newest publication first, with their article and the outlets of its story.

    A watchlist's are read from the index of its matches by date (`listed_when`, their
    article's): its newest `limit` (its Atom feed's 100) read as many rows, however many
    matches it has; sorted by their article's date, they were all read and sorted (229 ms for
    the 100 newest of a watchlist of 65,000 matches at 100,000 articles, bench/reader.py's
    database; 0.4 ms now). `since` and `until` are the reader's days (monitors.web.days): on or
    after the first, before the second."""
    where = ["1 = 1"]
    params: dict[str, object] = {}
    when = _WHEN
    if watchlist:
        where.append("m.watchlist = :watchlist")
        params["watchlist"] = watchlist
        when = "m.listed_when"
    if since:
        where.append(on_or_after(when, since, "since", params))
    if until:
        where.append(before(when, until, "until", params))
    sql = (
        "SELECT m.matched_at, m.watchlist, coalesce(a.title, a.url), a.url, a.source, "
        "(SELECT s.title FROM sources s WHERE s.name = a.source), a.language, "
        "a.published, a.author, m.terms, m.snippet, a.story_id, "
        "a.original_source, a.original_url "
        f"FROM matches m JOIN articles a ON a.id = m.article_id WHERE {' AND '.join(where)} "
        f"ORDER BY {when} DESC, m.id DESC"
    )
    if limit:
        sql += " LIMIT :limit"
        params["limit"] = int(limit)
    batch: list = []
    for row in db.execute(sql, params):
        batch.append(row)
        if len(batch) == EXPORT_BATCH:
            yield from _export_rows(db, batch)
            batch = []
    yield from _export_rows(db, batch)


def _export_rows(db: Database, rows: list) -> Iterator[ExportRow]:
    outlets = _story_sources(db, {row[11] for row in rows if row[11] is not None})
    for row in rows:
        yield ExportRow._make([*row[:12], outlets.get(row[11], []), row[12], row[13]])


# -- Search (SQLite's FTS5; PostgreSQL's tsvector is in monitors.web.search_postgres) --------------


SEARCH_ORDERS = ("rank", "newest")


def search_sqlite(
    db: Database,
    expression: str,
    highlight: tuple[str, str],
    sources: Sequence[str] = (),
    languages: Sequence[str] = (),
    since: DayBound | None = None,
    until: DayBound | None = None,
    watchlist: str | None = None,
    limit: int = 20,
    offset: int = 0,
    order: str = "rank",
) -> list[SearchRow]:
    """Articles matching an FTS5 `expression` (built from user input by monitors.web.search,
    every term quoted): best first (`order="rank"`: BM25, the title weighted five times the
    text, ties newest stored first) or newest stored first (`order="newest"`).

    The page's hits are chosen first, by FTS5 alone when no filter asks for the article row,
    and only those get a snippet and their watchlists: snippeting and joining every hit before
    sorting cost 4.3x the bare query on a mid-frequency word. CROSS JOIN keeps the page as the
    outer loop: with a plain JOIN, SQLite ran the MATCH again over every hit and read each hit's
    article row (its text included) before keeping the page's (1.8-2x the bare query at 100,000
    articles). Newest first is FTS5's own reverse scan of its rowids (the articles' ids), which
    stops at the page."""
    if order not in SEARCH_ORDERS:
        raise ValueError(f"order {order!r}: one of {', '.join(SEARCH_ORDERS)}")
    where = ["articles_fts MATCH :q"]
    params: dict[str, object] = {"q": expression, "limit": limit, "offset": max(0, offset)}
    if sources:
        marks, named = _marks("s", sources)
        where.append(f"a.source IN ({marks})")
        params |= named
    if languages:
        marks, named = _marks("l", languages)
        where.append(f"a.language IN ({marks})")
        params |= named
    if since:
        where.append(on_or_after(_WHEN, since, "since", params))
    if until:
        where.append(before(_WHEN, until, "until", params))
    if watchlist:
        where.append(
            "articles_fts.rowid IN (SELECT article_id FROM matches WHERE watchlist = :watchlist)"
        )
        params["watchlist"] = watchlist
    filtered = any(w.startswith(("a.", "coalesce", "(coalesce")) for w in where)
    join = "JOIN articles a ON a.id = articles_fts.rowid " if filtered else ""
    ordering = "rank, articles_fts.rowid DESC" if order == "rank" else "articles_fts.rowid DESC"
    params |= {"open": highlight[0], "close": highlight[1]}
    rows = db.execute(
        f"""
        WITH page AS (
            SELECT articles_fts.rowid AS id, bm25(articles_fts, 5.0, 1.0) AS rank
            FROM articles_fts {join}
            WHERE {" AND ".join(where)}
            ORDER BY {ordering} LIMIT :limit OFFSET :offset
        )
        SELECT a.id, coalesce(a.title, a.url), a.url, a.source, a.language, a.published,
               snippet(articles_fts, -1, :open, :close, '…', 24), page.rank,
               (SELECT group_concat(watchlist) FROM matches m WHERE m.article_id = a.id)
        FROM page
        CROSS JOIN articles_fts ON articles_fts.rowid = page.id AND articles_fts MATCH :q
        CROSS JOIN articles a ON a.id = page.id
        ORDER BY {"page.rank, page.id DESC" if order == "rank" else "page.id DESC"}
        """,
        params,
    ).fetchall()
    return [SearchRow._make([*row[:8], row[8].split(",") if row[8] else []]) for row in rows]


# -- Backtests -------------------------------------------------------------------------------------
