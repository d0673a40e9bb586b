"""The Atom feeds: a watchlist's latest matches (the same feed as `veille export --format
atom`) and a search's latest results."""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import Response

from monitors.service.lookback import watchlist_atom
from monitors.web import export, reading
from monitors.web.search import SearchError, SearchStopped
from monitors.web.views.search import RETRY_STOPPED_SECONDS, search_query
from monitors.web.views.watchlist import find

if TYPE_CHECKING:
    from monitors.web.reader import Reader


def watchlist_feed(reader: Reader, request: Request) -> Response:
    name = request.path_params["name"]
    rule_set = reader.rules.get()
    chosen = find(rule_set, name)
    with reader.reading_db() as db:
        known = chosen is not None or reading.match_counts(db).get(name)
        if not known:
            return Response(
                f"veille: no watchlist named {name!r}; the watchlists are listed on "
                f"{request.url_for('home')}\n",
                status_code=404,
                media_type="text/plain; charset=utf-8",
            )
        body = watchlist_atom(
            db,
            rule_set,
            name,
            limit=100,
            self_url=str(request.url),
            alternate_url=str(request.url_for("watchlist", name=name)),
        )
    return Response(body, media_type="application/atom+xml; charset=utf-8")


def search_feed(reader: Reader, request: Request) -> Response:
    query = request.query_params.get("q", "").strip()
    if not query:
        return Response(
            "veille: give a query, e.g. /feeds/search.atom?q=cloud+OR+UM6P\n",
            status_code=400,
            media_type="text/plain; charset=utf-8",
        )
    with reader.reading_db() as db:
        try:
            hits = search_query(
                db,
                reader.rules.get(),
                request.query_params,
                100,
                0,
                reader.config.timezone,
                reader.config.statement_seconds,
                reader.config.clock,
            )
        except SearchStopped as exc:  # the server's limit: a reader will ask again later
            return Response(
                f"veille: {exc}\n",
                status_code=503,
                headers={"Retry-After": str(RETRY_STOPPED_SECONDS)},
                media_type="text/plain; charset=utf-8",
            )
        except (SearchError, ValueError) as exc:  # the query's fault: a 400 it can be told
            return Response(
                f"veille: {exc}\n", status_code=400, media_type="text/plain; charset=utf-8"
            )
        authors = reading.authors(db, [hit.id for hit in hits])
        titles = reading.source_titles(db)
    entries = [
        export.FeedEntry(
            id=f"tag:veille,2026:article/{hit.url}",
            title=hit.title,
            url=hit.url,
            updated=hit.published,
            published=hit.published,
            author=authors.get(hit.id) or titles.get(hit.source, hit.source),
            summary=f"{titles.get(hit.source, hit.source)} — " + export.plain_snippet(hit.snippet),
            categories=tuple(hit.watchlists),
        )
        for hit in hits
    ]
    body = export.atom_document(
        f"tag:veille,2026:search/{query}",
        f"veille — {query}",
        entries,
        self_url=str(request.url),
        alternate_url=str(request.url_for("search")) + "?" + str(request.url.query),
    )
    return Response(body, media_type="application/atom+xml; charset=utf-8")
