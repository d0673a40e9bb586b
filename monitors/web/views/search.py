"""The search page: the watch-rule query syntax over the stored articles, with filters and
pages; the same search as `veille search` (monitors.web.search)."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import HTMLResponse

from crawler.storage.engine import Database
from monitors.rules.watchlists import RuleSet
from monitors.service.lookback import reader_day, search_articles
from monitors.web import reading
from monitors.web.days import DayBound
from monitors.web.i18n_errors import search_error_text
from monitors.web.reader import language
from monitors.web.search import SearchError, SearchHit, SearchStopped

if TYPE_CHECKING:
    from monitors.web.reader import Reader

PAGE_SIZE = 20
# When a search stopped at its time limit may be asked again, the search page's and its feed's
# Retry-After: a search is stopped by its cost and the machine's load, and asked again at once
# it would hold a reader thread as long again. Ten minutes, under the hour most feed readers
# poll at (Miniflux's default).
RETRY_STOPPED_SECONDS = 600


def bounded(value: str | None, default: int, low: int, high: int) -> int:
    """A whole number from a form or a query, within [low, high]; `default` when absent or
    not a number."""
    try:
        return min(high, max(low, int(value))) if value else default
    except ValueError:
        return default


def day_start(value: str | None, what: str, timezone: str) -> DayBound | None:
    """A day of the search form as the reader's day: it begins at midnight in the reader's time
    zone (VEILLE_WEB_TIMEZONE), the zone the pages show dates in, and holds the articles dated
    by it alone (monitors.web.days). Compared with the UTC day instead, an article published at
    00:30 in Casablanca, shown on the 6th, was found by the 5th and missed by the 6th."""
    if not value:
        return None
    try:
        day = date.fromisoformat(value.strip())
    except ValueError:
        raise ValueError(f"{what} {value!r} is not a date (YYYY-MM-DD)") from None
    return reader_day(day, timezone)


def search_query(
    db: Database,
    rule_set: RuleSet | None,
    params: QueryParams,
    limit: int,
    offset: int,
    timezone: str,
    seconds: float | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> list[SearchHit]:
    """The search page's and the search feed's query: `veille search`'s library function
    (monitors.service.lookback), its names not checked (the page's filters offer known ones,
    and an unknown one finds nothing), its days those of `timezone` (day_start), stopped after
    `seconds` (the reader's statement_seconds, as `clock` counts them on SQLite). A NUL
    character is refused: no text holds one, and PostgreSQL refused the query with an error."""
    if any("\x00" in value for value in params.values()):
        raise ValueError("the search holds a NUL character (%00), which no text has: remove it")
    return search_articles(
        db,
        params.get("q", "").strip(),
        rule_set,
        sources=[params["source"]] if params.get("source") else (),
        languages=[params["language"]] if params.get("language") else (),
        since=day_start(params.get("since"), "since", timezone),
        until=day_start(params.get("until"), "until", timezone),
        watchlist=params.get("watchlist") or None,
        limit=limit,
        offset=offset,
        order="newest" if params.get("order") == "newest" else "rank",
        check=False,
        seconds=seconds,
        clock=clock,
    )


def search_page(reader: Reader, request: Request) -> HTMLResponse:
    params = request.query_params
    query = params.get("q", "").strip()
    page_number = bounded(params.get("page"), 1, 1, 10_000)
    size = bounded(params.get("per_page"), PAGE_SIZE, 5, 100)
    hits: list[SearchHit] = []
    error = None
    stopped = False  # at the time limit: the server's, not the query's
    with reader.reading_db() as db:
        filters = {
            "sources": reading.source_titles(db),
            "languages": reading.languages(db),  # a step of an index per language
            "watchlists": reader.watchlist_titles(),
        }
        if query:
            try:
                hits = search_query(
                    db,
                    reader.rules.get(),
                    params,
                    size + 1,
                    (page_number - 1) * size,
                    reader.config.timezone,
                    reader.config.statement_seconds,
                    reader.config.clock,
                )
            except (SearchError, ValueError) as exc:
                error = search_error_text(exc, language(request))
                stopped = isinstance(exc, SearchStopped)
    more = len(hits) > size
    base = {k: v for k, v in params.items() if k != "page" and v}
    # A search stopped at its time limit is no answer: 503 with Retry-After, as its feed
    # answers, so that a monitoring tool or a script fetching the page does not take the
    # explanation for an empty result; a person reads the same page, its form filled in to
    # narrow the search. A wrong query is the page's own answer (200), its error said.
    response = reader.page(
        request,
        "search.html",
        status=503 if stopped else 200,
        query=query,
        params=params,
        hits=hits[:size],
        first_rank=(page_number - 1) * size + 1,
        error=error,
        filters=filters,
        page_number=page_number,
        previous_query=urlencode(base | {"page": page_number - 1}) if page_number > 1 else None,
        next_query=urlencode(base | {"page": page_number + 1}) if more else None,
        first_query=urlencode(base),  # from a page past the last (an old link, an edited one)
        feed_query=urlencode({k: v for k, v in base.items() if k != "lang"}),
    )
    if stopped:
        response.headers["Retry-After"] = str(RETRY_STOPPED_SECONDS)
    return response
