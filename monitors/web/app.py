"""The web view (`veille serve`): reader pages for people who read the press every morning, Atom
feeds, and the raw tables for analysts (Datasette, under /data/).

Pages are rendered on the server (no JavaScript needed), read the database read-only, speak
French or English (the browser's language, or the switch) and lay Arabic out right to left.
Search is `monitors.web.search`, the same function as `veille search`; feeds are
`monitors.web.export`'s, the same as `veille export --format atom`; the rule test is the matcher of
`veille rules test`.

Hostile browsers are kept out (docs/reliability.md, "Reader"): only loopback names and the
configured public names are answered (`monitors.web.hosts`), forms carry a token
(`monitors.web.forms`), and rule tests and backtests run on threads of their own with a time
and size budget (`monitors.web.costly`), so the threads serving pages are never theirs.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, asynccontextmanager, contextmanager
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from urllib.parse import parse_qsl, urlencode

import jinja2
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from crawler.core.errors import VeilleError
from crawler.extraction.profiles import SiteProfile
from crawler.storage.engine import (
    Database,
    PostgresDatabase,
    SQLiteDatabase,
    is_postgres_location,
)
from monitors.alerts.localized import format_day, format_number, format_when
from monitors.alerts.policy import DEFAULT_TIMEZONE
from monitors.alerts.secrets import load_secrets_file
from monitors.rules.backtest import ScanBudget
from monitors.rules.matcher import ArticleText, Matcher
from monitors.rules.watchlists import RuleSet, Watchlist, load_rules
from monitors.service.backtest import backtest_watchlist
from monitors.web import editing, export, reading
from monitors.web.auth import RequireLogin
from monitors.web.chart import bar_chart
from monitors.web.costly import Busy, CostlyWork, OverBudget
from monitors.web.forms import FIELD, FormGuard, is_https
from monitors.web.hosts import AllowedHosts, HostCheck
from monitors.web.i18n import INTERFACE_LANGUAGES, LABELS, interface_language, text_direction
from monitors.web.marking import (
    hit_spans,
    marked,
    marked_paragraphs,
    snippet_markup,
    term_places,
    why_sentence,
)
from monitors.web.raw_data import DATA_PREFIX, WEB, datasette_metadata
from monitors.web.search import SearchError, search
from monitors.web.triage import PeopleViews

log = logging.getLogger("veille.web")
PAGE_SIZE = 20
LATEST_PER_WATCHLIST = 8
BACKTEST_MAX_ARTICLES = 5000
MAX_FORM_BYTES = 1024 * 1024
SQLITE_MAX_ID = 2**63 - 1


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
    # rule tests and backtests (monitors.web.costly): their threads, places in line, budgets
    costly_workers: int = 2
    costly_waiting: int = 2
    fetch_seconds: float = 20.0  # a rule test's fetch, the whole exchange
    work_seconds: float = 60.0  # the longest a request waits for its rule test or backtest
    backtest_seconds: float = 10.0
    backtest_max_chars: int = 10_000_000
    clock: Callable[[], float] = time.monotonic  # the backtest's time budget (tests inject one)
    # watchlist editing (monitors.web.editing): who may edit (None: everyone), and the sources
    # file the edited watchlists are checked against (None: not checked)
    editors: tuple[str, ...] | None = None
    sources: Path | None = None
    timezone: str = DEFAULT_TIMEZONE  # dates on the pages (monitors.alerts.localized)


class _Rules:
    """The watchlists, re-read when their file changes; a broken edit keeps the last good
    set (and says so in the log), as the daemon's reload does."""

    def __init__(self, config: ReaderConfig) -> None:
        self.config = config
        self._lock = threading.Lock()
        self._stamp: float | None = None
        self._rules: RuleSet | None = None
        self.error: str | None = None

    def get(self) -> RuleSet | None:
        try:
            stamp = os.stat(self.config.watchlists).st_mtime
        except OSError as exc:
            self.error = f"{self.config.watchlists}: {exc.strerror}"
            return self._rules
        with self._lock:
            if stamp != self._stamp:
                self._stamp = stamp
                try:
                    self._rules = load_rules(
                        self.config.watchlists, load_secrets_file(self.config.secrets)
                    )
                    self.error = None
                except VeilleError as exc:
                    self.error = str(exc)
                    log.warning("watchlists not reloaded, keeping the last good ones: %s", exc)
            return self._rules


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
    environment.globals.update(
        direction=text_direction,
        snippet=snippet_markup,
        data_prefix=DATA_PREFIX,
    )
    return environment


def create_app(config: ReaderConfig):
    """The reader (and, when `config.raw_data`, Datasette under /data/) as one ASGI app, behind
    the login when one is configured, behind the Host check always."""
    templates = _environment(config.timezone)
    rules = _Rules(config)
    rules.get()
    allowed_hosts = AllowedHosts(config.public_names)
    form_guard = FormGuard(allowed_hosts)
    costly = CostlyWork(config.costly_workers, config.costly_waiting)

    postgres = is_postgres_location(config.db)
    if postgres:  # Datasette reads SQLite files only: the raw tables are not served
        config = replace(config, raw_data=False)
    pool = _postgres_pool(str(config.db)) if postgres else None

    def connect() -> SQLiteDatabase:
        conn = sqlite3.connect(f"file:{config.db}?mode=ro", uri=True, check_same_thread=False)
        return SQLiteDatabase(conn)

    @contextmanager
    def reading_db() -> Iterator[Database]:
        """A read-only connection for one request: a new SQLite one, closed after it, or one
        of the pool's PostgreSQL connections (read-only sessions), given back after it."""
        if pool is not None:
            with pool.connection() as conn:
                yield PostgresDatabase(str(config.db), connection=conn)
            return
        db = connect()
        try:
            yield db
        finally:
            db.close()

    def page(request: Request, name: str, status: int = 200, **context) -> HTMLResponse:
        lang = _language(request)
        switch = {k: v for k, v in request.query_params.items() if k != "lang"}
        token, new_nonce = form_guard.token(request)
        body = templates.get_template(name).render(
            t=LABELS[lang],
            e=editing.LABELS.get(lang, editing.LABELS["en"]),
            lang=lang,
            other_langs=[other for other in INTERFACE_LANGUAGES if other != lang],
            # who is logged in; None on the signed links' pages, which need no login
            me=request.scope.get("state", {}).get("person"),
            here=request.url.path + (f"?{request.url.query}" if request.url.query else ""),
            switch_query=urlencode(switch),
            path=request.url.path,
            raw_data=config.raw_data,
            raw_data_postgres=postgres,
            rules_error=rules.error,
            form_field=FIELD,
            form_token=token,
            **context,
        )
        response = HTMLResponse(body, status_code=status)
        if new_nonce:
            form_guard.set_cookie(request, response, new_nonce)
        if request.query_params.get("lang") in LABELS:
            response.set_cookie(
                "veille_lang",
                lang,
                max_age=365 * 86400,
                samesite="lax",
                httponly=True,
                secure=is_https(request),
            )
        return response

    def not_found(request: Request, what: str) -> HTMLResponse:
        return page(request, "error.html", status=404, message=what)

    def watchlist_titles() -> dict[str, str]:
        rule_set = rules.get()
        return {w.name: w.title for w in rule_set.watchlists} if rule_set else {}

    people = PeopleViews(config.db, page, form_guard, _read_form, rules.get, _language)

    def article(request: Request) -> HTMLResponse:
        article_id = request.path_params["article_id"]
        if article_id > SQLITE_MAX_ID:  # no row has it (and SQLite cannot take it)
            return not_found(request, f"article {article_id}")
        with reading_db() as db:
            found = reading.article_page(db, article_id)
        if found is None:
            return not_found(request, f"article {article_id}")
        people.mark_read(request, article_id)
        labels = LABELS[_language(request)]
        titles = watchlist_titles()
        rule_set = rules.get()
        reasons = [
            {
                "name": m.watchlist,
                "title": titles.get(m.watchlist, m.watchlist),
                "sentence": why_sentence(term_places(m.hits), labels)
                or ", ".join(f"« {t} »" for t in m.terms),
                "rule": _rule_text(rule_set, m.watchlist),
                "matched_at": m.matched_at,
                "alerted": m.alerted,
            }
            for m in found.matches
        ]
        return page(
            request,
            "article.html",
            article=found,
            dir=text_direction(found.language, found.text),
            title_html=marked(found.title, hit_spans(found.matches, "title")),
            paragraphs=marked_paragraphs(found.text, hit_spans(found.matches, "text")),
            reasons=reasons,
            state=people.article_state(request, article_id),
        )

    def story(request: Request) -> HTMLResponse:
        story_id = request.path_params["story_id"]
        if story_id > SQLITE_MAX_ID:
            return not_found(request, f"story {story_id}")
        with reading_db() as db:
            found = reading.story_page(db, story_id)
        if found is None:
            return not_found(request, f"story {story_id}")
        return page(request, "story.html", story=found, titles=watchlist_titles())

    def stories(request: Request) -> HTMLResponse:
        from crawler.stories.store import story_groups

        min_sources = 1 if request.query_params.get("all") else 2
        with reading_db() as db:
            groups = story_groups(db, limit=50, min_sources=min_sources)
        return page(request, "stories.html", groups=groups, only_shared=min_sources > 1)

    async def costly_result(function: Callable[[], dict], labels: dict) -> tuple[dict, int]:
        """A rule test's or backtest's result, run on the costly work's own threads; when they
        are all taken, or the work overruns its wait, a result that says so."""
        try:
            return await costly.run(function, config.work_seconds), 200
        except Busy:
            return {"error": labels["busy"]}, 503
        except OverBudget:
            return {"error": labels["over_budget"].format(seconds=f"{config.work_seconds:g}")}, 200

    async def run_backtest(
        rule_set: RuleSet, name: str, days: int, labels: dict
    ) -> tuple[dict, int]:
        """A watchlist of `rule_set` (the file's, or one being edited) over the stored articles
        of the last `days` days, on the costly work's threads and within its budget."""
        read = LABELS["en"] | labels
        budget = ScanBudget(config.backtest_max_chars, config.backtest_seconds, clock=config.clock)
        backtested, status = await costly_result(
            lambda: _backtest(reading_db, rule_set, name, days, budget), read
        )
        if backtested.get("partial"):
            backtested["partial_reason"] = read[f"partial_{backtested['partial']}"].format(
                seconds=f"{config.backtest_seconds:g}",
                characters=f"{config.backtest_max_chars:,}",
                articles=f"{BACKTEST_MAX_ARTICLES:,}",
            )
        return backtested, status

    async def run_trial(rule_set: RuleSet, name: str, form: dict, labels: dict) -> tuple[dict, int]:
        """The rule test of a watchlist of `rule_set` on the form's URL or text."""
        read = LABELS["en"] | labels
        return await costly_result(
            lambda: _try_rule(
                rule_set,
                rule_set.by_name(name),
                form,
                config.allowed_networks,
                read,
                config.fetch_seconds,
                config.sources,
            ),
            read,
        )

    async def watchlist(request: Request) -> Response:
        name = request.path_params["name"]
        rule_set = rules.get()
        chosen = _find(rule_set, name)
        if rule_set is None or chosen is None:
            return not_found(request, f"watchlist {name}")
        labels = LABELS[_language(request)]
        trial, backtested, status = None, None, 200
        form: dict[str, str] = {}
        days = 30
        if request.method == "POST":
            sent = await _read_form(request)
            if sent is None:
                return page(
                    request,
                    "error.html",
                    status=413,
                    heading=labels["refused"],
                    message=labels["form_too_large"],
                )
            form = sent
            refused = form_guard.refusal(request, form)
            if refused:
                log.warning("form refused on %s: %s", request.url.path, refused)
                return page(
                    request, "error.html", status=403, heading=labels["refused"], message=refused
                )
            if "backtest" in form:
                days = _bounded(form.get("backtest"), 30, 1, 3650)
                backtested, status = await run_backtest(rule_set, name, days, labels)
            else:
                trial, status = await run_trial(rule_set, name, form, labels)

        def render() -> HTMLResponse:
            with reading_db() as db:
                per_day = reading.matches_per_day(db, name)
                latest = reading.latest_matches(db, name, PAGE_SIZE)
                total = reading.match_counts(db).get(name, 0)
            return page(
                request,
                "watchlist.html",
                status=status,
                watchlist=chosen,
                rule=_rule_text(rule_set, name),
                entities=[rule_set.entities[e] for e in _entities_of(chosen, rule_set)],
                chart=bar_chart(per_day, f"{chosen.title} — {labels['per_day']}"),
                per_day_total=sum(v for _, v in per_day),
                latest=latest,
                total=total,
                feed_url=str(request.url_for("watchlist_feed", name=name)),
                trial=trial,
                form=form,
                profile_sources=_profile_sources(config.sources),
                backtested=backtested,
                backtest_days=days,
                not_relevant=people.not_relevant(name),
            )

        return await _run_in_thread(render)

    def search_page(request: Request) -> HTMLResponse:
        params = request.query_params
        query = params.get("q", "").strip()
        page_number = _bounded(params.get("page"), 1, 1, 10_000)
        size = _bounded(params.get("per_page"), PAGE_SIZE, 5, 100)
        hits, error = [], None
        with reading_db() as db:
            filters = {
                "sources": reading.source_titles(db),
                "languages": reading.languages(db),  # a step of an index per language
                "watchlists": watchlist_titles(),
            }
            if query:
                try:
                    hits = _search(db, rules.get(), params, size + 1, (page_number - 1) * size)
                except (SearchError, ValueError) as exc:
                    error = str(exc)
        more = len(hits) > size
        base = {k: v for k, v in params.items() if k != "page" and v}
        return page(
            request,
            "search.html",
            query=query,
            params=params,
            hits=hits[:size],
            first_rank=(page_number - 1) * size + 1,
            error=error,
            filters=filters,
            page_number=page_number,
            previous_query=urlencode(base | {"page": page_number - 1}) if page_number > 1 else None,
            next_query=urlencode(base | {"page": page_number + 1}) if more else None,
            feed_query=urlencode({k: v for k, v in base.items() if k != "lang"}),
        )

    def sources(request: Request) -> HTMLResponse:
        with reading_db() as db:
            health = reading.sources_health(db)
        return page(request, "sources.html", sources=health)

    def watchlist_feed(request: Request) -> Response:
        name = request.path_params["name"]
        rule_set = rules.get()
        chosen = _find(rule_set, name)
        with reading_db() as db:
            known = chosen is not None or reading.match_counts(db).get(name)
            if not known:
                return Response(
                    f"veille: no watchlist named {name!r}; the watchlists are listed on "
                    f"{request.url_for('home')}\n",
                    status_code=404,
                    media_type="text/plain; charset=utf-8",
                )
            records = list(export.matched_articles(db, watchlist=name, limit=100))
        body = export.atom_feed(
            records,
            name,
            chosen.title if chosen else name,
            self_url=str(request.url),
            alternate_url=str(request.url_for("watchlist", name=name)),
        )
        return Response(body, media_type="application/atom+xml; charset=utf-8")

    def search_feed(request: Request) -> Response:
        query = request.query_params.get("q", "").strip()
        if not query:
            return Response(
                "veille: give a query, e.g. /feeds/search.atom?q=cloud+OR+UM6P\n",
                status_code=400,
                media_type="text/plain; charset=utf-8",
            )
        with reading_db() as db:
            try:
                hits = _search(db, rules.get(), request.query_params, 100, 0)
            except (SearchError, ValueError) as exc:
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
                summary=f"{titles.get(hit.source, hit.source)} — "
                + export.plain_snippet(hit.snippet),
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

    def raw_data_unavailable(request: Request) -> HTMLResponse:
        return page(
            request, "error.html", status=404, message=LABELS[_language(request)]["data_postgres"]
        )

    def data_redirect(request: Request) -> Response:
        return RedirectResponse(DATA_PREFIX + "/")

    datasette = _datasette(config) if config.raw_data else None

    @asynccontextmanager
    async def lifespan(_app):
        if datasette is not None:
            await datasette.invoke_startup()
        yield
        costly.shutdown()
        people.close()

    routes = [
        Route("/", people.home, name="home"),
        *people.routes(),
        Route("/articles/{article_id:int}", article, name="article"),
        Route("/stories/", stories, name="stories"),
        Route("/stories/{story_id:int}", story, name="story"),
        Route("/watchlists/{name}", watchlist, methods=["GET", "POST"], name="watchlist"),
        Route("/search", search_page, name="search"),
        Route("/sources", sources, name="sources"),
        Route("/feeds/search.atom", search_feed, name="search_feed"),
        Route("/feeds/{name}.atom", watchlist_feed, name="watchlist_feed"),
        Mount("/static", app=StaticFiles(directory=str(WEB / "static")), name="static"),
    ]
    routes[:0] = editing.routes(
        editing.ReaderParts(
            watchlists=config.watchlists,
            db=config.db,
            rules=rules.get,
            page=page,
            language=_language,
            reader_labels=lambda lang: LABELS.get(lang, LABELS["fr"]),
            read_form=_read_form,
            refusal=form_guard.refusal,
            backtest=run_backtest,
            try_rule=run_trial,
            secrets=lambda: load_secrets_file(config.secrets),
            source_names=lambda: _source_names(config.sources),
            editors=config.editors,
        )
    )
    if postgres:
        routes.append(Route(DATA_PREFIX + "/{rest:path}", raw_data_unavailable))
        routes.append(Route(DATA_PREFIX, raw_data_unavailable))
    reader = Starlette(routes=routes, lifespan=lifespan)
    app: Starlette | _WithRawData | RequireLogin = reader
    if datasette is not None:
        reader.add_route(DATA_PREFIX, data_redirect)
        app = _WithRawData(reader, datasette.app())
    app = RequireLogin(
        app, config.password_hash, config.proxy_header, accounts=people.password_hashes
    )
    return HostCheck(app, allowed_hosts)


async def _read_form(request: Request) -> dict[str, str] | None:
    """The form's fields (application/x-www-form-urlencoded, what the reader's forms send), or
    None when the body is larger than MAX_FORM_BYTES."""
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            return None
    fields = parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)
    return {key: value for key, value in fields}


def _site_profile(path: Path | None, name: str) -> SiteProfile:
    """The site profile of the source `name` in the reader's sources file; VeilleError says
    which sources exist, or that the reader was not told where the file is."""
    from crawler.discovery.sources import load_sources

    if path is None:
        raise VeilleError(
            f"no sources file to find {name!r} in: start `veille serve` with --sources "
            "(or VEILLE_SOURCES), or leave the source empty"
        )
    return load_sources(path).by_name(name).profile


def _profile_sources(path: Path | None) -> list[str]:
    """The names a rule test may extract with (none when the sources file is missing or
    invalid: the test then runs without a profile, and `veille sources check` says why)."""
    if path is None:
        return []
    from crawler.discovery.sources import load_sources

    try:
        return sorted(source.name for source in load_sources(path).sources)
    except VeilleError:
        return []


def _source_names(path: Path | None) -> set[str] | None:
    """The names of the sources file, which edited watchlists may filter on (None: not
    checked, when the reader was not told where the file is)."""
    if path is None:
        return None
    from crawler.discovery.sources import load_sources
    from monitors.rules.editing import EditRefused

    try:
        return {source.name for source in load_sources(path).sources}
    except VeilleError as exc:
        raise EditRefused(
            f"not saved: the sources file the watchlists are checked against is invalid ({exc}); "
            "fix it first (`veille sources check --offline`)",
            "sources_invalid",
            detail=str(exc),
        ) from None


def _postgres_pool(location: str):
    """The reader's PostgreSQL connections: a small pool shared by its request threads, each
    session read-only (the reader writes nothing)."""
    from psycopg_pool import ConnectionPool

    return ConnectionPool(
        location,
        min_size=1,
        max_size=4,
        kwargs={"autocommit": True, "options": "-c default_transaction_read_only=on"},
        open=True,
    )


class _WithRawData:
    """Requests under /data/ go to Datasette (which strips its base_url itself), every other
    one to the reader."""

    def __init__(self, reader: Starlette, raw_data) -> None:
        self.reader = reader
        self.raw_data = raw_data

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and scope["path"].startswith(DATA_PREFIX + "/"):
            await self.raw_data(scope, receive, send)
        else:
            await self.reader(scope, receive, send)


def _datasette(config: ReaderConfig):
    from datasette.app import Datasette

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


def _language(request: Request) -> str:
    return interface_language(
        request.query_params.get("lang"),
        request.cookies.get("veille_lang"),
        request.headers.get("accept-language"),
    )


async def _run_in_thread(function: Callable):
    from starlette.concurrency import run_in_threadpool

    return await run_in_threadpool(function)


def _find(rule_set: RuleSet | None, name: str) -> Watchlist | None:
    if rule_set is None:
        return None
    return next((w for w in rule_set.watchlists if w.name == name), None)


def _entities_of(watchlist: Watchlist, rule_set: RuleSet) -> list[str]:
    """Entities the watchlist names, in its `entities` list or as @name in its query."""
    named = list(watchlist.entities)
    for entity in rule_set.entities:
        if f"@{entity}" in (watchlist.query_text or "") and entity not in named:
            named.append(entity)
    return [e for e in named if e in rule_set.entities]


def _rule_text(rule_set: RuleSet | None, name: str) -> dict | None:
    """A watchlist's rule as its author wrote it: the query, or its terms, requirements and
    exclusions."""
    chosen = _find(rule_set, name)
    if chosen is None:
        return None
    return {
        "query": chosen.query_text,
        "terms": list(chosen.terms),
        "require": [list(group) for group in chosen.require],
        "exclude": list(chosen.exclude),
        "entities": list(chosen.entities),
        "languages": list(chosen.languages),
        "sources": list(chosen.sources),
        "fields": list(chosen.fields),
        "min_mentions": chosen.min_mentions,
    }


def _day(value: str | None, what: str) -> str | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value.strip()).isoformat()
    except ValueError:
        raise ValueError(f"{what} {value!r} is not a date (YYYY-MM-DD)") from None


def _bounded(value: str | None, default: int, low: int, high: int) -> int:
    try:
        return min(high, max(low, int(value))) if value else default
    except ValueError:
        return default


def _search(db, rule_set, params, limit: int, offset: int):
    """The search page's and the search feed's query, through `monitors.web.search.search`."""
    return search(
        db,
        params.get("q", "").strip(),
        rule_set,
        sources=[params["source"]] if params.get("source") else None,
        languages=[params["language"]] if params.get("language") else None,
        since=_day(params.get("since"), "since"),
        until=_day(params.get("until"), "until"),
        watchlist=params.get("watchlist") or None,
        limit=limit,
        offset=offset,
        order="newest" if params.get("order") == "newest" else "rank",
    )


def _try_rule(
    rule_set: RuleSet,
    watchlist: Watchlist,
    form: dict,
    allowed: list[str],
    labels: dict,
    fetch_seconds: float,
    sources: Path | None = None,
) -> dict:
    """`veille rules test` for one watchlist, from the form: an absolute http(s) URL (fetched
    under the crawl's policy, within `fetch_seconds`, and extracted with the site profile of the
    form's `source` from the `sources` file, as `rules test URL --source NAME` does) or a pasted
    text. Never a path or '-': those are the command line's inputs and would read the server's
    files."""
    from monitors.rules.trial import article_from_url

    url = str(form.get("url") or "").strip()
    text = str(form.get("text") or "").strip()
    title = str(form.get("title") or "").strip()
    source = str(form.get("source") or "").strip()
    try:
        if url:
            profile = _site_profile(sources, source) if source else None
            candidate = article_from_url(url, allowed, fetch_seconds, profile)
        elif text or title:
            candidate = ArticleText(title, text, None)
        else:
            return {"error": labels["test_nothing"]}
    except VeilleError as exc:
        return {"error": str(exc)}
    results = Matcher([watchlist], rule_set.entities).match(candidate)
    if not results:
        return {"matched": False, "title": candidate.title}
    result = results[0]
    places = term_places([reading.Hit(h.term, h.field, h.start, h.end) for h in result.hits])
    return {
        "matched": True,
        "title": candidate.title,
        "sentence": why_sentence(places, labels),
        "snippet": result.snippet,
    }


def _backtest(
    reading_db: Callable[[], AbstractContextManager[Database]],
    rule_set: RuleSet,
    name: str,
    days: int,
    budget: ScanBudget,
) -> dict:
    """The watchlist over the articles of the last `days` days, newest first, at most
    BACKTEST_MAX_ARTICLES and within `budget` (`monitors.service.backtest`, as `veille rules
    backtest`); `partial` says why it stopped early."""
    from datetime import UTC, datetime, timedelta

    since = (datetime.now(UTC) - timedelta(days=max(1, min(days, 3650)))).date().isoformat()
    with reading_db() as db:
        summary = backtest_watchlist(
            db, rule_set, name, since, budget=budget, max_articles=BACKTEST_MAX_ARTICLES
        )
    return {
        "counter_examples": summary.counter_examples,
        "hits": summary.hits,
        "scanned": summary.scanned,
        "since": since,
        "partial": summary.partial,
    }
