"""Looking back over the stored articles: the names a search or an export may filter on, the
search itself, and a watchlist's matches as CSV, JSON Lines or an Atom feed.

`veille search` and `veille export` call these, and so do the reader's search page and feeds
(monitors.web.views); a Python user can too. The queries and formats are monitors.web's
(`search`, `export`, `store`: reading modules that hold no web code).
"""

from __future__ import annotations

import time as clocks
from collections.abc import Callable, Sequence
from datetime import date, datetime, time
from typing import Literal, TextIO
from zoneinfo import ZoneInfo

from crawler.core.errors import VeilleError
from crawler.core.times import iso, parse_timestamp
from crawler.storage.engine import Database
from monitors.rules.watchlists import RuleSet
from monitors.web import export
from monitors.web.days import DayBound
from monitors.web.search import SearchHit, search


def day_begins(day: date, timezone: str) -> str:
    """The moment `day` begins in `timezone` (the team's, VEILLE_WEB_TIMEZONE, Africa/Casablanca
    by default), as the stored UTC text a since or before is compared with: the day the reader
    shows an article on is the day its search and `veille search`/`veille export` find it by
    (with the UTC day, an article published at 00:30 in Casablanca, shown on the 6th, was found
    by the 5th and missed by the 6th). A date stored as a day alone is compared with the day
    itself, not with this moment (reader_day, monitors.web.days), in every zone."""
    try:
        return iso(datetime.combine(day, time(), tzinfo=ZoneInfo(timezone)))
    except OverflowError:  # 0001-01-01 east of UTC begins before year 1 in UTC: before all
        return day.isoformat()


def reader_day(day: date, timezone: str) -> DayBound:
    """`day` as a bound of the reader's searches, exports and charts: the day itself, with
    which a date stored as a day alone is compared, and the moment it begins in `timezone`
    (day_begins), with which a stored moment is (monitors.web.days)."""
    return DayBound(day.isoformat(), day_begins(day, timezone))


def local_day(published: str | None, timezone: str) -> str:
    """The day (YYYY-MM-DD) a stored date falls on in `timezone`, as the reader shows it; a
    date stored as a day alone, as it is; '' for none. A moment whose day there is past the
    calendar (9999-12-31 late in UTC, east of UTC) is on its stored day."""
    moment = parse_timestamp(published) if published and len(published) > 10 else None
    if moment is None:
        return (published or "")[:10]
    try:
        return moment.astimezone(ZoneInfo(timezone)).date().isoformat()
    except OverflowError:
        return moment.date().isoformat()


class UnknownName(VeilleError):
    """A source or watchlist named in a filter that does not exist: a typo would otherwise
    answer '0 results'. `option` is the filter (--source, --watchlist)."""

    def __init__(self, what: str, name: str, known: set[str], option: str) -> None:
        super().__init__(f"unknown {what} {name!r} (known: {', '.join(sorted(known)) or 'none'})")
        self.option = option


def check_names(
    db: Database,
    sources: Sequence[str] = (),
    watchlist: str | None = None,
    rules: RuleSet | None = None,
) -> None:
    """Raise UnknownName for a source not stored, or a watchlist neither matched yet nor
    defined in `rules` (one defined but not matched yet is known: it exports nothing)."""
    from monitors.alerts import store as alerts_store
    from monitors.web import store as web_store

    if sources:
        known = set(web_store.source_titles(db))
        for name in sources:
            if name not in known:
                raise UnknownName("source", name, known, "--source")
    if watchlist:
        known = alerts_store.matched_watchlists(db)
        if rules is not None:
            known |= {w.name for w in rules.watchlists}
        if watchlist not in known:
            raise UnknownName("watchlist", watchlist, known, "--watchlist")


def search_articles(
    db: Database,
    query: str,
    rules: RuleSet | None = None,
    *,
    sources: Sequence[str] = (),
    languages: Sequence[str] = (),
    since: DayBound | None = None,
    until: DayBound | None = None,
    watchlist: str | None = None,
    limit: int = 20,
    offset: int = 0,
    order: str = "rank",
    check: bool = True,
    seconds: float | None = None,
    clock: Callable[[], float] = clocks.monotonic,
) -> list[SearchHit]:
    """The stored articles `query` finds (the watch-rule syntax; @entities from `rules`),
    best first or newest first, filtered; with `check`, unknown names are refused
    (UnknownName) rather than answered with nothing. A query that cannot run raises
    monitors.web.search.SearchError, which says why, as does one stopped after `seconds`
    (monitors.web.search.SEARCH_SECONDS by default; on SQLite as `clock` counts them)."""
    if check:
        check_names(db, sources, watchlist, rules)
    return search(
        db,
        query,
        rules,
        list(sources) or None,
        list(languages) or None,
        since,
        until,
        watchlist,
        limit,
        offset,
        order=order,
        seconds=seconds,
        clock=clock,
    )


def watchlist_title(rules: RuleSet | None, name: str) -> str:
    """The watchlist's title in `rules`, or its name when it is not defined there."""
    if rules is not None:
        try:
            return rules.by_name(name).title
        except VeilleError:
            pass
    return name


def watchlist_atom(
    db: Database,
    rules: RuleSet | None,
    watchlist: str,
    *,
    since: DayBound | None = None,
    until: DayBound | None = None,
    limit: int | None = None,
    self_url: str | None = None,
    alternate_url: str | None = None,
) -> bytes:
    """A watchlist's matches as an Atom feed, newest first: `veille export --format atom` and
    the reader's /feeds/NAME.atom."""
    records = list(export.matched_articles(db, watchlist, since, until, limit))
    return export.atom_feed(
        records, watchlist, watchlist_title(rules, watchlist), self_url, alternate_url
    )


def export_matches(
    db: Database,
    out: TextIO,
    fmt: Literal["csv", "jsonl"],
    watchlist: str | None = None,
    since: DayBound | None = None,
    until: DayBound | None = None,
    spreadsheet: bool = True,
) -> int:
    """Write the matches (of one watchlist, or all), newest first, as CSV or JSON Lines to
    `out`; returns how many rows were written. CSV is for spreadsheets unless `spreadsheet` is
    False (monitors.web.export.write_csv: a byte order mark, no cell taken for a formula)."""
    records = export.matched_articles(db, watchlist, since, until)
    if fmt == "csv":
        return export.write_csv(records, out, spreadsheet)
    return export.write_jsonl(records, out)
