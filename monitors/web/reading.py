"""What the reader pages show, read from the database: latest matches, one article with its
matches, story and revisions, a story, a watchlist's activity, the health of each source.
Read-only queries; every page is one call here."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import sqlite_utils

from crawler.storage.engine import SQLiteDatabase
from monitors.service.status import gather_status


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


@dataclass(frozen=True)
class Hit:
    term: str
    field: str
    start: int
    end: int


@dataclass(frozen=True)
class ArticleMatch:
    watchlist: str
    terms: list[str]
    hits: list[Hit]
    snippet: str
    matched_at: str
    alerted: bool


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


@dataclass
class ArticlePage:
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
    matches: list[ArticleMatch] = field(default_factory=list)
    story: list[StoryMember] = field(default_factory=list)  # the other outlets' articles
    revisions: list[Revision] = field(default_factory=list)


@dataclass
class StoryPage:
    id: int
    title: str
    first_seen: str
    members: list[StoryMember]
    revisions: dict[int, list[Revision]]
    triggered: list[tuple[str, int]]  # (watchlist, alert id), and matches without an alert
    matched: list[str]


@dataclass(frozen=True)
class SourceHealth:
    name: str
    title: str
    homepage: str | None
    last_success_at: str | None
    last_crawl_at: str | None
    error_count: int
    last_error: str | None
    last_error_at: str | None
    articles: int
    per_day: float  # over the last 7 days
    warning: str | None
    retries_waiting: int
    retries_given_up: int
    pace: str | None


_MATCH_COLUMNS = (
    "a.id, m.watchlist, coalesce(a.title, a.url), a.url, a.source, "
    "coalesce((SELECT s.title FROM sources s WHERE s.name = a.source), a.source), "
    "a.published, a.language, m.snippet, m.matched_at"
)
_ORDER = "coalesce(a.published, a.fetched_at) DESC, m.id DESC"


def latest_matches(db: sqlite_utils.Database, watchlist: str, limit: int = 10) -> list[MatchRow]:
    """A watchlist's matches, newest publication first."""
    rows = db.execute(
        f"SELECT {_MATCH_COLUMNS} FROM matches m JOIN articles a ON a.id = m.article_id "
        f"WHERE m.watchlist = ? ORDER BY {_ORDER} LIMIT ?",
        [watchlist, limit],
    ).fetchall()
    return [MatchRow(*row) for row in rows]


def match_counts(db: sqlite_utils.Database) -> dict[str, int]:
    return dict(db.execute("SELECT watchlist, count(*) FROM matches GROUP BY watchlist").fetchall())


def authors(db: sqlite_utils.Database, article_ids: list[int]) -> dict[int, str]:
    """Each article's author, for those that have one."""
    if not article_ids:
        return {}
    marks = ",".join("?" * len(article_ids))
    return dict(
        db.execute(
            f"SELECT id, author FROM articles WHERE author IS NOT NULL AND id IN ({marks})",
            article_ids,
        ).fetchall()
    )


def source_titles(db: sqlite_utils.Database) -> dict[str, str]:
    return {
        name: title or name
        for name, title in db.execute("SELECT name, title FROM sources ORDER BY name")
    }


def languages(db: sqlite_utils.Database) -> list[str]:
    return [
        row[0]
        for row in db.execute(
            "SELECT DISTINCT language FROM articles WHERE language IS NOT NULL ORDER BY 1"
        )
    ]


def _members(db: sqlite_utils.Database, where: str, params: list) -> list[StoryMember]:
    rows = db.execute(
        "SELECT a.id, coalesce(a.title, a.url), a.url, a.source, "
        "coalesce((SELECT s.title FROM sources s WHERE s.name = a.source), a.source), "
        "a.published, a.fetched_at, a.language, a.revision FROM articles a "
        f"WHERE {where} ORDER BY coalesce(a.published, a.fetched_at), a.id",
        params,
    ).fetchall()
    return [StoryMember(*row) for row in rows]


def _revisions(db: sqlite_utils.Database, article_id: int) -> list[Revision]:
    rows = db.execute(
        "SELECT revision, title, fetched_at, length(text) FROM article_revisions "
        "WHERE article_id = ? ORDER BY revision",
        [article_id],
    ).fetchall()
    return [Revision(*row) for row in rows]


def article_page(db: sqlite_utils.Database, article_id: int) -> ArticlePage | None:
    row = db.execute(
        "SELECT a.id, coalesce(a.title, a.url), a.url, a.source, "
        "coalesce((SELECT s.title FROM sources s WHERE s.name = a.source), a.source), "
        "a.author, a.published, a.published_origin, a.fetched_at, a.language, a.text, "
        "a.original_source, a.original_url, a.story_id, a.revision "
        "FROM articles a WHERE a.id = ?",
        [article_id],
    ).fetchone()
    if row is None:
        return None
    page = ArticlePage(*row)
    for watchlist, terms, hits, snippet, matched_at, alerted in db.execute(
        "SELECT m.watchlist, m.terms, m.hits, m.snippet, m.matched_at, "
        "EXISTS (SELECT 1 FROM alerts al WHERE al.match_id = m.id) "
        "FROM matches m WHERE m.article_id = ? ORDER BY m.watchlist",
        [article_id],
    ):
        page.matches.append(
            ArticleMatch(
                watchlist,
                json.loads(terms),
                [Hit(h["term"], h["field"], h["start"], h["end"]) for h in json.loads(hits)],
                snippet,
                matched_at,
                bool(alerted),
            )
        )
    if page.story_id is not None:
        page.story = _members(db, "a.story_id = ? AND a.id != ?", [page.story_id, article_id])
    page.revisions = _revisions(db, article_id)
    return page


def story_page(db: sqlite_utils.Database, story_id: int) -> StoryPage | None:
    row = db.execute(
        "SELECT st.id, coalesce(ca.title, st.title, ''), st.first_seen FROM stories st "
        "LEFT JOIN articles ca ON ca.id = st.canonical_article_id WHERE st.id = ?",
        [story_id],
    ).fetchone()
    if row is None:
        return None
    members = _members(db, "a.story_id = ?", [story_id])
    triggered = db.execute(
        "SELECT watchlist, id FROM alerts WHERE story_id = ? ORDER BY created_at", [story_id]
    ).fetchall()
    matched = [
        r[0]
        for r in db.execute(
            "SELECT DISTINCT m.watchlist FROM matches m JOIN articles a ON a.id = m.article_id "
            "WHERE a.story_id = ? ORDER BY 1",
            [story_id],
        )
    ]
    return StoryPage(
        row[0],
        row[1] or (members[0].title if members else ""),
        row[2],
        members,
        {m.article_id: _revisions(db, m.article_id) for m in members},
        [tuple(t) for t in triggered],
        matched,
    )


def matches_per_day(
    db: sqlite_utils.Database, watchlist: str, days: int = 30, today: date | None = None
) -> list[tuple[str, int]]:
    """(day, matches) for each of the last `days` days, publication day, zeros included."""
    end = today or datetime.now(UTC).date()
    start = end - timedelta(days=days - 1)
    counts = dict(
        db.execute(
            "SELECT substr(coalesce(a.published, a.fetched_at), 1, 10) AS day, count(*) "
            "FROM matches m JOIN articles a ON a.id = m.article_id "
            "WHERE m.watchlist = ? AND day >= ? AND day <= ? GROUP BY day",
            [watchlist, start.isoformat(), end.isoformat()],
        ).fetchall()
    )
    return [
        (
            (start + timedelta(days=i)).isoformat(),
            counts.get((start + timedelta(days=i)).isoformat(), 0),
        )
        for i in range(days)
    ]


def sources_health(db: SQLiteDatabase) -> list[SourceHealth]:
    """Per source: last success, the last error in full, articles per day over a week, the
    warning of a source that went quiet, article URLs waiting for a retry."""
    week_ago = (datetime.now(UTC) - timedelta(days=7)).strftime("%Y-%m-%dT%H:%M:%SZ")
    recent = dict(
        db.execute(
            "SELECT source, count(*) FROM articles WHERE fetched_at >= ? GROUP BY source",
            [week_ago],
        ).fetchall()
    )
    about = {
        name: (title, homepage)
        for name, title, homepage in db.execute("SELECT name, title, homepage FROM sources")
    }
    return [
        SourceHealth(
            name=s.name,
            title=about.get(s.name, (None, None))[0] or s.name,
            homepage=about.get(s.name, (None, None))[1],
            last_success_at=s.last_success_at,
            last_crawl_at=s.last_crawl_at,
            error_count=s.error_count,
            last_error=s.last_error,
            last_error_at=s.last_error_at,
            articles=s.articles,
            per_day=round(recent.get(s.name, 0) / 7, 1),
            warning=s.warning,
            retries_waiting=s.retries_waiting,
            retries_given_up=s.retries_given_up,
            pace=s.pace,
        )
        for s in gather_status(db).sources
    ]
