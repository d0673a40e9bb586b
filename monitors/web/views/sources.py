"""The sources page: each source's health (last crawl, articles, errors, pace)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import HTMLResponse

from monitors.web import reading

if TYPE_CHECKING:
    from monitors.web.reader import Reader


def sources(reader: Reader, request: Request) -> HTMLResponse:
    with reader.reading_db() as db:
        health = reading.sources_health(db)
    return reader.page(request, "sources.html", sources=health)
