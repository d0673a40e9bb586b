"""What every page of the reader uses: its configuration, the watchlists, a read-only
connection per request, the page renderer, and the threads that run rule tests and backtests.

One `Reader` is built by `monitors.web.app.create_app`; the views (`monitors.web.views`) are
functions of (reader, request), so a page is read, and tested, without the others.
"""

from __future__ import annotations

import functools
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import parse_qsl, quote, urlencode

import jinja2
from starlette.requests import Request
from starlette.responses import HTMLResponse

from crawler.storage.engine import Database, PostgresDatabase, SQLiteDatabase
from monitors.people.passwords import TEAM
from monitors.rules.backtest import ScanBudget
from monitors.rules.watchlists import RuleSet
from monitors.web import editing
from monitors.web.costly import Busy, CostlyWork, OverBudget
from monitors.web.forms import FIELD, FormGuard, is_https
from monitors.web.i18n import INTERFACE_LANGUAGES, LABELS, interface_language

if TYPE_CHECKING:
    from starlette.types import ASGIApp, Receive, Scope, Send

    from monitors.web.app import ReaderConfig
    from monitors.web.triage import PeopleViews

BACKTEST_MAX_ARTICLES = 5000
MAX_FORM_BYTES = 1024 * 1024


class WatchlistsSource(Protocol):
    """The watchlists file as the reader keeps it: the last good set, and why a newer file was
    not taken (None when it was)."""

    error: str | None

    def get(self) -> RuleSet | None: ...


def language(request: Request) -> str:
    """The page's language: a choice made in the reader first (the switch, ?lang=, then the
    cookie that remembers it), then the language the logged-in person chose for their emails
    (`veille users set --language`, the account page), then the browser's, then French."""
    chosen = request.query_params.get("lang"), request.cookies.get("veille_lang")
    if not any(choice in INTERFACE_LANGUAGES for choice in chosen):
        own = email_language(request)
        if own in INTERFACE_LANGUAGES:
            return own
    return interface_language(*chosen, request.headers.get("accept-language"))


def email_language(request: Request) -> str | None:
    """The language the request's person chose for their emails (None: none chosen, no one
    logged in), looked up once per request, only for a page that has no choice of its own."""
    state = request.scope.get("state", {})
    if EMAIL_LANGUAGE not in state:
        lookup = state.get(PERSON_LANGUAGE)
        state[EMAIL_LANGUAGE] = lookup() if lookup is not None else None
    found = state[EMAIL_LANGUAGE]
    return found if isinstance(found, str) else None


PERSON_LANGUAGE = "veille.person_language"  # the state's lookup of the person's language
EMAIL_LANGUAGE = "veille.email_language"  # what it gave, for the rest of the request


class PersonLanguage:
    """ASGI middleware behind the login: each request of a logged-in person (not the team's
    shared identity) carries in its state how to look up the language of their emails, which
    `language` asks only when the request makes no choice of its own."""

    def __init__(self, app: ASGIApp, language_of: Callable[[str], str | None]) -> None:
        self.app = app
        self.language_of = language_of

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        state = scope.get("state")
        person = state.get("person") if scope["type"] == "http" and state is not None else None
        if state is not None and person and person != TEAM:
            state[PERSON_LANGUAGE] = functools.partial(self.language_of, person)
        await self.app(scope, receive, send)


async def read_form(request: Request) -> dict[str, str] | None:
    """The form's fields, or None when the body is larger than MAX_FORM_BYTES.

    The reader's own forms send application/x-www-form-urlencoded; multipart/form-data is read
    too, because mail providers send an email's one-click unsubscribe (RFC 8058) that way."""
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            return None
    content_type = request.headers.get("content-type", "")
    if content_type.split(";")[0].strip().lower() == "multipart/form-data":
        return multipart_fields(content_type, bytes(body))
    fields = parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)
    return {key: value for key, value in fields}


def multipart_fields(content_type: str, body: bytes) -> dict[str, str]:
    """The text fields of a multipart/form-data body (files and unnamed parts left out; a body
    that is not multipart gives no fields), read with the standard library's MIME parser."""
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode("latin-1", "replace")
    message = BytesParser(policy=policy.HTTP).parsebytes(head + body)
    if not isinstance(message, EmailMessage) or not message.is_multipart():
        return {}
    fields: dict[str, str] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str) or part.get_filename() is not None:
            continue
        payload = part.get_payload(decode=True)
        if isinstance(payload, bytes):
            fields[name] = payload.decode(part.get_content_charset() or "utf-8", "replace")
    return fields


class Reader:
    """The state the reader's pages share, and the helpers they render and read with."""

    def __init__(
        self,
        config: ReaderConfig,
        templates: jinja2.Environment,
        rules: WatchlistsSource,
        form_guard: FormGuard,
        costly: CostlyWork,
        pool: Any | None,  # psycopg_pool.ConnectionPool, for a PostgreSQL database
    ) -> None:
        self.config = config
        self.templates = templates
        self.rules = rules
        self.form_guard = form_guard
        self.costly = costly
        self.pool = pool
        self.people: PeopleViews  # set by create_app: the people's views render with `page`

    @property
    def postgres(self) -> bool:
        return self.pool is not None

    @contextmanager
    def reading_db(self) -> Iterator[Database]:
        """A read-only connection for one request: a new SQLite one, closed after it, or one
        of the pool's PostgreSQL connections (read-only sessions), given back after it."""
        if self.pool is not None:
            with self.pool.connection() as conn:
                yield PostgresDatabase(str(self.config.db), connection=conn)
            return
        # the path quoted: a '#', '?' or '%' in it is the file's, not the URI's
        conn = sqlite3.connect(
            f"file:{quote(str(self.config.db))}?mode=ro", uri=True, check_same_thread=False
        )
        db = SQLiteDatabase(conn)
        try:
            yield db
        finally:
            db.close()

    def page(
        self, request: Request, name: str, status: int = 200, **context: object
    ) -> HTMLResponse:
        """The template `name` rendered in the request's language, with what every page shows
        (the language switch, who is logged in, the form token, a broken watchlists file).
        `fallback_language` comes before the browser's, after a choice made in the reader."""
        fallback = str(context.pop("fallback_language", None) or "")
        chosen = request.query_params.get("lang") in LABELS
        chosen = chosen or request.cookies.get("veille_lang") in LABELS
        lang = fallback if fallback in LABELS and not chosen else language(request)
        switch = {k: v for k, v in request.query_params.items() if k != "lang"}
        token, new_nonce = self.form_guard.token(request)
        body = self.templates.get_template(name).render(
            t=LABELS[lang],
            e=editing.LABELS.get(lang, editing.LABELS["en"]),
            lang=lang,
            other_langs=[other for other in INTERFACE_LANGUAGES if other != lang],
            # who is logged in; None on the signed links' pages, which need no login
            me=request.scope.get("state", {}).get("person"),
            here=request.url.path + (f"?{request.url.query}" if request.url.query else ""),
            switch_query=urlencode(switch),
            path=request.url.path,
            raw_data=self.config.raw_data,
            raw_data_postgres=self.postgres,
            rules_error=context.pop("rules_error", self.rules.error),
            form_field=FIELD,
            form_token=token,
            **context,
        )
        response = HTMLResponse(body, status_code=status)
        if new_nonce:
            self.form_guard.set_cookie(request, response, new_nonce)
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

    def refused(self, request: Request, message: str, status: int = 400) -> HTMLResponse:
        """The page of a request refused (a page link edited by hand, an unknown action, a form
        too large or without its token, a method a page does not take): `message` under the
        page language's « refused » heading, with the reader's menu."""
        heading = LABELS[language(request)]["refused"]
        return self.page(request, "error.html", status=status, heading=heading, message=message)

    def not_found(self, request: Request, what: str, label: str | None = None) -> HTMLResponse:
        """The 404 page naming `what` was looked for, after the page language's word for it
        when `label` names one (« Histoire 12 », not the English « story 12 »)."""
        if label is not None:
            what = f"{LABELS[language(request)][label]} {what}"
        return self.page(request, "error.html", status=404, message=what)

    def watchlist_titles(self) -> dict[str, str]:
        rule_set = self.rules.get()
        return {w.name: w.title for w in rule_set.watchlists} if rule_set else {}

    async def costly_result(self, function: Callable[[], dict], labels: dict) -> tuple[dict, int]:
        """A rule test's or backtest's result, run on the costly work's own threads; when they
        are all taken, or the work overruns its wait, a result that says so."""
        seconds = self.config.work_seconds
        try:
            return await self.costly.run(function, seconds), 200
        except Busy:
            return {"error": labels["busy"]}, 503
        except OverBudget:
            return {"error": labels["over_budget"].format(seconds=f"{seconds:g}")}, 200

    async def run_backtest(
        self, rule_set: RuleSet, name: str, days: int, labels: dict
    ) -> tuple[dict, int]:
        """A watchlist of `rule_set` (the file's, or one being edited) over the stored articles
        of the last `days` days, on the costly work's threads and within its budget."""
        from monitors.web.views.watchlist import backtest_days

        config = self.config
        read = LABELS["en"] | labels
        budget = ScanBudget(config.backtest_max_chars, config.backtest_seconds, clock=config.clock)
        backtested, status = await self.costly_result(
            lambda: backtest_days(self.reading_db, rule_set, name, days, budget, config.timezone),
            read,
        )
        if backtested.get("partial"):
            backtested["partial_reason"] = read[f"partial_{backtested['partial']}"].format(
                seconds=f"{config.backtest_seconds:g}",
                characters=f"{config.backtest_max_chars:,}",
                articles=f"{BACKTEST_MAX_ARTICLES:,}",
            )
        return backtested, status

    async def run_trial(
        self, rule_set: RuleSet, name: str, form: dict, labels: dict
    ) -> tuple[dict, int]:
        """The rule test of a watchlist of `rule_set` on the form's URL or text."""
        from monitors.web.views.watchlist import try_rule

        config = self.config
        read = LABELS["en"] | labels
        return await self.costly_result(
            lambda: try_rule(
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
