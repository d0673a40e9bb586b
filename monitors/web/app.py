"""The web view (`veille serve`): reader pages for people who read the press every morning, Atom
feeds, and the raw tables for analysts (Datasette, under /data/).

Pages are rendered on the server (no JavaScript needed), read the database read-only, speak
French, English or Arabic (the switch, else the language of the person's emails, else the
browser's) and lay Arabic out right to left.
Search is `monitors.web.search`, the same function as `veille search`; feeds are
`monitors.web.export`'s, the same as `veille export --format atom`; the rule test is the matcher of
`veille rules test`, the backtest `monitors.service.backtest`'s, as `veille rules backtest`.

The pages are views in monitors/web/views/, one module per page, each a function of (reader,
request) where the reader (`monitors.web.reader.Reader`) holds what they share; `routes()` below
maps paths to them in one table.

Hostile browsers are kept out (docs/reliability.md, "Reader"): only loopback names and the
configured public names are answered (`monitors.web.hosts`), forms carry a token
(`monitors.web.forms`), and rule tests and backtests run on threads of their own with a time
and size budget (`monitors.web.costly`), so the threads serving pages are never theirs.
"""

from __future__ import annotations

import functools
import logging
import os
import threading
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

import jinja2
from markupsafe import Markup
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware.errors import ServerErrorMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from crawler.core.errors import VeilleError
from crawler.core.secrets import load_secrets_file
from crawler.storage.engine import is_postgres_location
from monitors.alerts.localized import format_day, format_number, format_when
from monitors.alerts.plurals import counted
from monitors.alerts.policy import DEFAULT_TIMEZONE
from monitors.rules.watchlists import RuleSet
from monitors.service.watchlists import Watchlists, load_watchlists
from monitors.web import editing
from monitors.web.auth import RequireLogin
from monitors.web.costly import CostlyWork
from monitors.web.crawl_errors import error_sentence, warning_sentence
from monitors.web.forms import FormGuard
from monitors.web.hosts import AllowedHosts, HostCheck
from monitors.web.i18n import LABELS, text_direction
from monitors.web.marking import snippet_markup
from monitors.web.raw_data import (
    DATA_PREFIX,
    WEB,
    datasette_metadata,
    register_date_facet_links,
    register_secret_hiding,
)
from monitors.web.reader import PersonLanguage, Reader, language, read_form
from monitors.web.reasons import reason_text
from monitors.web.search_limits import SEARCH_SECONDS
from monitors.web.triage import PeopleViews
from monitors.web.views import article, feeds, search, sources, stories, watchlist

if TYPE_CHECKING:
    from datasette.app import Datasette
    from psycopg_pool import ConnectionPool
    from starlette.types import ASGIApp, Receive, Scope, Send

log = logging.getLogger("veille.web")


@dataclass
class ReaderConfig:
    db: Path | str  # a SQLite file, or a postgresql://… location
    watchlists: Path
    secrets: Path | None = None
    allowed_networks: list[str] = field(default_factory=list)  # for "test on a URL"
    raw_data: bool = True  # Datasette under /data/
    allow_sql: bool = False
    # names the server answers to besides loopback (the Host header; monitors.web.hosts)
    public_names: list[str] = field(default_factory=list)
    password_hash: str | None = None  # the team password (monitors.web.auth)
    proxy_header: str | None = None  # the login proxy's user header
    # logins' password checks (monitors.web.auth): places in line, and the longest a login
    # waits there for its check
    login_waiting: int = 64
    login_wait_seconds: float = 10.0
    # rule tests and backtests (monitors.web.costly): their threads, places in line, budgets
    costly_workers: int = 2
    costly_waiting: int = 2
    fetch_seconds: float = 20.0  # a rule test's fetch, the whole exchange
    work_seconds: float = 60.0  # the longest a request waits for its rule test or backtest
    backtest_seconds: float = 10.0
    backtest_max_chars: int = 10_000_000
    # the backtest's time budget and, on SQLite, the search's (tests inject one)
    clock: Callable[[], float] = time.monotonic
    # watchlist editing (monitors.web.editing): who may edit (None: everyone), and the sources
    # file the edited watchlists are checked against (None: not checked)
    editors: tuple[str, ...] | None = None
    sources: Path | None = None
    timezone: str = DEFAULT_TIMEZONE  # dates on the pages (monitors.alerts.localized)
    # the longest one statement of a page may run on PostgreSQL, and a search on SQLite (a
    # search not answered in time says so), so that no request holds one of the pool's few
    # connections, or a page thread, for good: the search's own limit, set in one place
    statement_seconds: float = SEARCH_SECONDS


class _Rules:
    """The watchlists, re-read when their file changes; a broken edit keeps the last good
    set (and says so in the log), as the daemon's reload does."""

    def __init__(self, config: ReaderConfig) -> None:
        self.config = config
        self._lock = threading.Lock()
        self._stamp: float | None = None
        self._loaded: Watchlists | None = None
        self.error: str | None = None

    def get(self) -> RuleSet | None:
        loaded = self._get()
        return loaded.rules if loaded else None

    def channels(self) -> list[str]:
        """The named channels of the file (not a watchlist's inline URL), sorted."""
        loaded = self._get()
        return sorted(n for n in loaded.delivery.channels if "#" not in n) if loaded else []

    def _get(self) -> Watchlists | None:
        try:
            stamp = os.stat(self.config.watchlists).st_mtime
        except OSError as exc:
            self.error = f"{self.config.watchlists}: {exc.strerror}"
            return self._loaded
        with self._lock:
            if stamp != self._stamp:
                self._stamp = stamp
                try:
                    self._loaded = load_watchlists(
                        self.config.watchlists, load_secrets_file(self.config.secrets)
                    )
                    self.error = None
                except VeilleError as exc:
                    self.error = str(exc)
                    log.warning("watchlists not reloaded, keeping the last good ones: %s", exc)
            return self._loaded


def _counted(
    context: jinja2.runtime.Context,
    n: int,
    word: str,
    more: bool = False,
    numbered: bool = False,
    strong: bool = False,
) -> Markup:
    """The filter `counted`: `strong` sets the number in bold, as the home page's new count."""
    shown = "<strong>{}</strong>" if strong else "{}"
    return Markup(counted(n, word, context.get("lang") or "fr", more, numbered, shown))


def _environment(timezone: str = DEFAULT_TIMEZONE) -> jinja2.Environment:
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(WEB / "templates")),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    # dates and numbers as the page's language writes them, in the reader's time zone
    environment.filters["day"] = jinja2.pass_context(
        lambda context, v: format_day(v, context.get("lang"), timezone) or ""
    )
    environment.filters["when"] = jinja2.pass_context(
        lambda context, v: format_when(v, context.get("lang"), timezone) or ""
    )
    environment.filters["number"] = jinja2.pass_context(
        lambda context, v: format_number(v, context.get("lang"))
    )
    # a count and its word, in the plural the page's language gives that number (« 3 نتائج »)
    environment.filters["counted"] = jinja2.pass_context(_counted)
    # the crawl's reasons for links it did not take, stored in English
    environment.filters["error_sentence"] = jinja2.pass_context(
        lambda context, v: error_sentence(v, context.get("lang"))
    )
    environment.filters["warning_sentence"] = jinja2.pass_context(
        lambda context, v: warning_sentence(v, context.get("lang"))
    )
    environment.filters["reason"] = jinja2.pass_context(
        lambda context, v: reason_text(v, context.get("lang"))
    )
    environment.globals.update(
        direction=text_direction,
        snippet=snippet_markup,
        data_prefix=DATA_PREFIX,
    )
    return environment


def routes(reader: Reader) -> list[BaseRoute]:
    """Every page of the reader by its path, in one table (Datasette's `_routes()`): the views
    are functions of (reader, request), one module per page in monitors/web/views/; the
    people's pages are monitors.web.triage's, the editing pages monitors.web.editing's (put
    first by create_app)."""

    def view(function: Callable) -> Callable:
        return functools.partial(function, reader)

    return [
        Route("/", reader.people.home, name="home"),
        *reader.people.routes(),
        Route("/articles/{article_id:int}", view(article.article), name="article"),
        Route("/stories/", view(stories.stories), name="stories"),
        Route("/stories/{story_id:int}", view(stories.story), name="story"),
        Route(
            "/watchlists/{name}",
            view(watchlist.watchlist),
            methods=["GET", "POST"],
            name="watchlist",
        ),
        Route("/search", view(search.search_page), name="search"),
        Route("/sources", view(sources.sources), name="sources"),
        Route("/feeds/search.atom", view(feeds.search_feed), name="search_feed"),
        Route("/feeds/{name}.atom", view(feeds.watchlist_feed), name="watchlist_feed"),
        Mount("/static", app=StaticFiles(directory=str(WEB / "static")), name="static"),
    ]


def create_app(config: ReaderConfig) -> HostCheck:
    """The reader (and, when `config.raw_data`, Datasette under /data/) as one ASGI app, behind
    the login when one is configured, behind the Host check always."""
    rules = _Rules(config)
    rules.get()
    allowed_hosts = AllowedHosts(config.public_names)
    form_guard = FormGuard(allowed_hosts)
    costly = CostlyWork(config.costly_workers, config.costly_waiting)

    postgres = is_postgres_location(config.db)
    if postgres:  # Datasette reads SQLite files only: the raw tables are not served
        config = replace(config, raw_data=False)
    pool = _postgres_pool(str(config.db), config.statement_seconds) if postgres else None
    reader = Reader(config, _environment(config.timezone), rules, form_guard, costly, pool)
    people = PeopleViews(
        config.db, reader.page, reader.refused, form_guard, read_form, rules.get, language
    )
    reader.people = people

    def raw_data_unavailable(request: Request) -> HTMLResponse:
        return reader.page(
            request, "error.html", status=404, message=LABELS[language(request)]["data_postgres"]
        )

    def no_such_page(request: Request, exc: Exception) -> HTMLResponse:
        """An address no page answers (404), or a method it does not take (405: a form's
        address opened in the browser), as the reader's own page, in its language, with its
        menu and a way home, rather than Starlette's bare English text."""
        headers = exc.headers if isinstance(exc, HTTPException) and exc.headers else {}
        if isinstance(exc, HTTPException) and exc.status_code == 405:
            lang = language(request)
            allowed = headers.get("Allow", "")
            response = reader.refused(
                request,
                editing.LABELS.get(lang, editing.LABELS["en"])["post_only"]
                if "GET" not in allowed
                else f"{request.method} {request.url.path}",
                status=405,
            )
        else:
            response = reader.not_found(request, request.url.path)
        response.headers.update(headers)
        return response

    def server_error(request: Request, exc: Exception) -> HTMLResponse:
        """An error no page expected (the database moved away, locked beyond its wait): the
        reader's own page, in its language, saying that the cause is in the log, where
        Starlette still writes the traceback, rather than its bare English text."""
        return server_error_page(request)

    def server_error_page(request: Request, **extra: object) -> HTMLResponse:
        words = LABELS[language(request)]
        return reader.page(
            request,
            "error.html",
            status=500,
            heading=words["server_error"],
            message=words["server_error_text"],
            **extra,
        )

    def error_before_login(request: Request, exc: Exception) -> HTMLResponse:
        """An error before the login let the request through (its read of the accounts, the
        database moved away): the same page, with nothing of the configuration on it (a broken
        watchlists file's error), since whoever asked may not be logged in."""
        return server_error_page(request, rules_error=None)

    def data_redirect(request: Request) -> Response:
        return RedirectResponse(DATA_PREFIX + "/")

    datasette = _datasette(config) if config.raw_data else None

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        if datasette is not None:
            await datasette.invoke_startup()
        yield
        costly.shutdown()
        people.close()

    table = routes(reader)
    table[:0] = editing.routes(
        editing.ReaderParts(
            watchlists=config.watchlists,
            db=config.db,
            rules=rules.get,
            channels=rules.channels,
            page=reader.page,
            language=language,
            reader_labels=lambda lang: LABELS.get(lang, LABELS["fr"]),
            read_form=read_form,
            refusal=form_guard.refusal,
            backtest=reader.run_backtest,
            try_rule=reader.run_trial,
            secrets=lambda: load_secrets_file(config.secrets),
            source_names=lambda: _source_names(config.sources),
            editors=config.editors,
            followers=people.followers,
        )
    )
    if postgres:
        table.append(Route(DATA_PREFIX + "/{rest:path}", raw_data_unavailable))
        table.append(Route(DATA_PREFIX, raw_data_unavailable))
    app_reader = Starlette(
        routes=table,
        lifespan=lifespan,
        exception_handlers={404: no_such_page, 405: no_such_page, 500: server_error},
    )
    if datasette is not None:
        app_reader.add_route(DATA_PREFIX, data_redirect)
    # the pages of a logged-in person default to the language of their emails
    app: PersonLanguage | _WithRawData | RequireLogin = PersonLanguage(
        app_reader, people.email_language
    )
    if datasette is not None:
        app = _WithRawData(app, datasette.app())
    app = RequireLogin(
        app,
        config.password_hash,
        config.proxy_header,
        waiting=config.login_waiting,
        wait_seconds=config.login_wait_seconds,
        accounts=people.password_hashes,
    )
    # An error before a page is reached (the login's read of the accounts, the database moved
    # away) gets the same page as one in it, not the server's bare English text.
    return HostCheck(ServerErrorMiddleware(app, handler=error_before_login), allowed_hosts)


def _source_names(path: Path | None) -> set[str] | None:
    """The names of the sources file, which edited watchlists may filter on (None: not
    checked, when the reader was not told where the file is)."""
    if path is None:
        return None
    from crawler.discovery.sources import load_sources
    from monitors.service.editing import EditRefused

    try:
        return {source.name for source in load_sources(path).sources}
    except VeilleError as exc:
        raise EditRefused(
            f"not saved: the sources file the watchlists are checked against is invalid ({exc}); "
            "fix it first (`veille sources check --offline`)",
            "sources_invalid",
            detail=str(exc),
        ) from None


def _postgres_pool(location: str, statement_seconds: float) -> ConnectionPool:
    """The reader's PostgreSQL connections: a small pool shared by its request threads, each
    session read-only (the reader writes nothing) and its statements stopped after
    `statement_seconds`: a search PostgreSQL takes minutes over (ts_headline's time grows much
    faster than its query) or a statement waiting on a lock would hold a connection as long,
    and four such requests would leave every page waiting."""
    from psycopg_pool import ConnectionPool

    options = "-c default_transaction_read_only=on"
    options += f" -c statement_timeout={max(1, round(statement_seconds * 1000))}"
    return ConnectionPool(
        location,
        min_size=1,
        max_size=4,
        kwargs={"autocommit": True, "options": options},
        open=True,
    )


class _WithRawData:
    """Requests under /data/ go to Datasette, every other one to the reader.

    Datasette is handed the path without /data, as a proxy in front of it would: it builds
    its sort, JSON and CSV links from the request's path and adds its base_url to them, so a
    path that kept /data led them to /data/data/… (404)."""

    def __init__(self, reader: ASGIApp, raw_data: ASGIApp) -> None:
        self.reader = reader
        self.raw_data = raw_data

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith(DATA_PREFIX + "/"):
            scope = dict(scope, path=scope["path"][len(DATA_PREFIX) :])
            raw_path = scope.get("raw_path")
            if raw_path and raw_path.startswith(DATA_PREFIX.encode() + b"/"):
                scope["raw_path"] = raw_path[len(DATA_PREFIX) :]
            await self.raw_data(scope, receive, send)
        else:
            await self.reader(scope, receive, send)


def _datasette(config: ReaderConfig) -> Datasette:
    from datasette.app import Datasette

    register_secret_hiding()  # the password hashes and the links' key read as NULL
    register_date_facet_links()
    return Datasette(
        files=[str(config.db)],
        metadata=datasette_metadata(Path(config.db)),
        settings={
            "base_url": DATA_PREFIX + "/",
            "sql_time_limit_ms": 3000,
            "allow_download": False,
            "default_page_size": 50,
            "default_allow_sql": config.allow_sql,
        },
    )
