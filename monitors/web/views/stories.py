"""The stories pages: the stories told by several outlets (or all with ?all=1), and one story
with every outlet's article."""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse

from monitors.web import reading
from monitors.web import store as web_store
from monitors.web.views.article import SQLITE_MAX_ID

if TYPE_CHECKING:
    from monitors.web.reader import Reader


def story(reader: Reader, request: Request) -> HTMLResponse | RedirectResponse:
    story_id = request.path_params["story_id"]
    if story_id > SQLITE_MAX_ID:
        return reader.not_found(request, str(story_id), "story")
    with reader.reading_db() as db:
        found = reading.story_page(db, story_id)
        now = web_store.story_now(db, story_id) if found and not found.members else None
    if found is None:
        return reader.not_found(request, str(story_id), "story")
    if now is not None and now != story_id:
        # Folded into another story (its reports in another language came first): its page
        # is that story's now, so links to it (a feed, a bookmark) still lead to its articles.
        return RedirectResponse(f"/stories/{now}", status_code=301)
    return reader.page(request, "story.html", story=found, titles=reader.watchlist_titles())


def stories(reader: Reader, request: Request) -> HTMLResponse:
    from crawler.stories.store import story_groups

    min_sources = 1 if request.query_params.get("all") else 2
    with reader.reading_db() as db:
        groups = story_groups(db, limit=50, min_sources=min_sources)
    return reader.page(request, "stories.html", groups=groups, only_shared=min_sources > 1)
