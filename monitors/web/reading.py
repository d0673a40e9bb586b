"""What the reader pages show, read from the database: latest matches, one article with its
matches, story and revisions, a story, a watchlist's activity, the health of each source.
Every page is one call here, over the reads of monitors.web.store."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from crawler.storage.engine import Database
from crawler.stories.store import story_languages
from monitors.alerts.policy import DEFAULT_TIMEZONE
from monitors.service.lookback import reader_day
from monitors.service.status import source_statuses
from monitors.web import store as web_store
from monitors.web.store import ListedAt, MatchRow, Revision, StoryMember


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
    languages: list[str] = field(default_factory=list)  # as `veille stories --json` gives them
    title_language: str | None = None  # the language of the article the title is taken from


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
    last_error_kind: str | None  # its code (« dns », « http-404 »): said in the page's language
    articles: int
    per_day: float  # over the last 7 days
    warning: str | None
    retries_waiting: int
    retries_given_up: int
    pace: str | None
    pages_declined: int = 0  # over the last 7 days
    navigation_texts: int = 0  # over the last 7 days
    links_not_taken: dict[str, int] = field(default_factory=dict)  # last crawl, by reason


def latest_matches(
    db: Database,
    watchlist: str,
    limit: int = 10,
    before: ListedAt | None = None,
    after: ListedAt | None = None,
) -> list[MatchRow]:
    """A watchlist's matches, newest publication first: the newest, or a page below `before`
    or above `after` (monitors.web.paging)."""
    return web_store.latest_matches(db, watchlist, limit, before, after)


def match_counts(db: Database) -> dict[str, int]:
    return web_store.match_counts(db)


def authors(db: Database, article_ids: list[int]) -> dict[int, str]:
    """Each article's author, for those that have one."""
    return web_store.authors(db, article_ids)


def source_titles(db: Database) -> dict[str, str]:
    return web_store.source_titles(db)


def languages(db: Database) -> list[str]:
    return web_store.languages(db)


def article_page(db: Database, article_id: int) -> ArticlePage | None:
    row = web_store.article(db, article_id)
    if row is None:
        return None
    page = ArticlePage(*row)
    for watchlist, terms, hits, snippet, matched_at, alerted in web_store.matches_of_article(
        db, article_id
    ):
        page.matches.append(
            ArticleMatch(
                watchlist,
                json.loads(terms),
                [Hit(h["term"], h["field"], h["start"], h["end"]) for h in json.loads(hits)],
                snippet,
                matched_at,
                alerted,
            )
        )
    if page.story_id is not None:
        page.story = web_store.story_members(db, page.story_id, besides=article_id)
    page.revisions = web_store.revisions(db, article_id)
    return page


def story_page(db: Database, story_id: int) -> StoryPage | None:
    row = web_store.story(db, story_id)
    if row is None:
        return None
    members = web_store.story_members(db, story_id)
    title = row.title or (members[0].title if members else "")
    return StoryPage(
        row.id,
        title,
        row.first_seen,
        members,
        {m.article_id: web_store.revisions(db, m.article_id) for m in members},
        web_store.story_alerts(db, story_id),
        web_store.story_watchlists(db, story_id),
        story_languages(m.language for m in members),
        next((m.language for m in members if m.title == title), None),
    )


def matches_per_day(
    db: Database,
    watchlist: str,
    days: int = 30,
    today: date | None = None,
    timezone: str = DEFAULT_TIMEZONE,
) -> list[tuple[str, int]]:
    """(day, matches) for each of the last `days` days up to `today`, zeros included: the
    publication days of the articles in `timezone`, the reader's (VEILLE_WEB_TIMEZONE), whose
    dates the pages show. Counted by UTC day, an article published at 00:30 in Casablanca,
    shown on the 6th, was counted on the 5th."""
    zone = ZoneInfo(timezone)
    end = today or datetime.now(zone).date()
    start = end - timedelta(days=days - 1)
    shown = [start + timedelta(days=i) for i in range(days)]
    bounds = [reader_day(day, timezone) for day in [*shown, end + timedelta(days=1)]]
    counts = web_store.matches_by_day(db, watchlist, bounds)
    return [(day.isoformat(), count) for day, count in zip(shown, counts, strict=True)]


def sources_health(db: Database) -> list[SourceHealth]:
    """Per source: last success, the last error in full, articles per day over a week, the
    warning of a source that went quiet, article URLs waiting for a retry, what extraction did
    not store (pages declined, texts like navigation, listing links not taken)."""
    week_ago = (datetime.now(UTC) - timedelta(days=7)).strftime("%Y-%m-%dT%H:%M:%SZ")
    recent = web_store.articles_fetched_since(db, week_ago)
    about = web_store.sources_about(db)
    kinds = web_store.last_error_kinds(db)
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
            last_error_kind=kinds.get(s.name),
            articles=s.articles,
            per_day=round(recent.get(s.name, 0) / 7, 1),
            warning=s.warning,
            retries_waiting=s.retries_waiting,
            retries_given_up=s.retries_given_up,
            pace=s.pace,
            pages_declined=s.pages_declined,
            navigation_texts=s.navigation_texts,
            links_not_taken=s.links_not_taken,
        )
        for s in source_statuses(db)
    ]
