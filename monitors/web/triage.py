"""The reader's pages of one person: their home list (each article once, with all its
watchlists, read and new marks), their triage (read/unread, save for later, not relevant for a
watchlist, mute an outlet for a watchlist), their saved articles, their account (address and the
watchlists they follow), and the pages of the signed links of alerts.

The rest of the reader reads the database read-only; these pages write the people's tables
(monitors.people.store) through a connection of their own, one per request. Every write is a
POST carrying the form token (monitors.web.forms), or a signed link's POST."""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from crawler.core.errors import VeilleError
from crawler.core.times import iso
from crawler.storage.engine import (
    BUSY_TIMEOUT_SECONDS,
    Database,
    PostgresDatabase,
    SQLiteDatabase,
    database_errors,
    is_postgres_location,
)
from monitors.people import accounts, feed, links
from monitors.people import store as people_store
from monitors.rules.watchlists import RuleSet
from monitors.web import paging, reading
from monitors.web.forms import FormGuard
from monitors.web.i18n import LABELS
from monitors.web.i18n_errors import error_text

log = logging.getLogger("veille.web")
HOME_SIZE = 50
# the languages of a person's emails, each named in itself (the account page's choice)
EMAIL_LANGUAGE_NAMES = [("fr", "Français"), ("en", "English"), ("ar", "العربية")]
# A home visit within this long of the last one is the same visit: "new since your last visit"
# keeps its start while someone reads through the list.
SAME_VISIT = timedelta(minutes=30)
ACTIONS = (
    "read",
    "unread",
    "save",
    "unsave",
    "not-relevant",
    "relevant",
    "mute",
    "unmute",
    "dismiss-watchlist",
    "undismiss-watchlist",
)
# the actions on a watchlist rather than an article
WATCHLIST_ACTIONS = ("mute", "unmute", "dismiss-watchlist", "undismiss-watchlist")
MAX_ID = paging.MAX_ID  # the largest row id SQLite and PostgreSQL (BIGINT) store

Page = Callable[..., HTMLResponse]
Refused = Callable[..., HTMLResponse]  # Reader.refused: (request, message, status=400)
ReadForm = Callable[[Request], Awaitable[dict[str, str] | None]]


def person_of(request: Request) -> str:
    """Who makes the request (monitors.web.auth sets it), TEAM when no login is configured."""
    return request.scope.get("state", {}).get("person") or accounts.TEAM


def _now() -> str:
    return iso(datetime.now(UTC))


def _safe_back(value: str | None) -> str:
    """Where to go after an action: a path of this reader only (never another site)."""
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return "/"


class PeopleViews:
    def __init__(
        self,
        db_location: Any,
        page: Page,
        refused: Refused,
        form_guard: FormGuard,
        read_form: ReadForm,
        rules: Callable[[], RuleSet | None],
        language: Callable[[Request], str],
    ) -> None:
        self.location = db_location
        self.page = page
        self.refused = refused
        self.form_guard = form_guard
        self.read_form = read_form
        self.rules = rules
        self.language = language
        self._pool = None
        self._hashes: tuple[float, dict[str, str]] | None = None
        self._languages: dict[str, tuple[float, str | None]] = {}  # email_language's, by person
        if is_postgres_location(db_location):
            from psycopg_pool import ConnectionPool

            self._pool = ConnectionPool(
                str(db_location), min_size=1, max_size=2, kwargs={"autocommit": True}, open=True
            )

    # -- the database, writable --------------------------------------------------------------------

    @contextmanager
    def writing_db(self) -> Iterator[Database]:
        if self._pool is not None:
            with self._pool.connection() as pooled:
                yield PostgresDatabase(str(self.location), connection=pooled)
            return
        # mode=rw: the database veille serve was started on, never a new empty one made where
        # it was moved away from (which a later `veille run` would take for the team's)
        db = SQLiteDatabase(
            sqlite3.connect(
                f"file:{quote(str(self.location))}?mode=rw",  # a '#' in the path is the file's
                uri=True,
                timeout=BUSY_TIMEOUT_SECONDS,
                check_same_thread=False,
            )
        )
        try:
            yield db
        finally:
            db.close()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()

    def password_hashes(self) -> dict[str, str]:
        """The accounts' hashes, for the login: read again at most every second, so a new,
        removed or changed account counts within a second."""
        now = time.monotonic()
        if self._hashes is None or now - self._hashes[0] >= 1.0:
            with self.writing_db() as db:
                self._hashes = (now, people_store.password_hashes(db))
        return self._hashes[1]

    def email_language(self, person: str) -> str | None:
        """The language `person` chose for their emails: their pages default to it
        (monitors.web.reader.language). None when they chose none, or when the database cannot
        be read (the page then says what failed, in the browser's language).

        Read again at most every second, as the password hashes are: a connection of its own
        cost some 0.75 ms of CPU a page (SQLite reading its schema), a quarter of the account
        page's; a language set with `veille users set` counts within a second, one set on the
        account page at once (`forget_email_language`)."""
        now = time.monotonic()
        known = self._languages.get(person)
        if known is not None and now - known[0] < 1.0:
            return known[1]
        try:
            with self.writing_db() as db:
                found = people_store.language_of(db, person)
        except database_errors() as exc:
            log.warning("the language of %s's emails could not be read: %s", person, exc)
            return None
        if len(self._languages) >= 10_000:  # names a login proxy sends, bounded
            self._languages.clear()
        self._languages[person] = (now, found)
        return found

    def forget_email_language(self, person: str) -> None:
        """The person's language is read again on their next page (they changed it)."""
        self._languages.pop(person, None)

    def followers(self, watchlist: str) -> list[str]:
        """Who follows `watchlist`, by name (the shared identity as (team))."""
        with self.writing_db() as db:
            return people_store.followers(db, watchlist)

    def _ensure(self, db: Database, person: str) -> None:
        """The person's row: the team's, or a proxy user's made on their first visit."""
        if person == accounts.TEAM:
            accounts.ensure_team(db)
        elif people_store.person(db, person) is None:
            accounts.proxy_person(db, person)

    def _existing(self, followed: set[str]) -> set[str]:
        """The followed watchlists still in the watchlists file: one deleted or renamed since
        matches nothing new, and a home filtered on it alone would show its old matches only.
        All of them when the file could not be read."""
        rule_set = self.rules()
        return followed & {w.name for w in rule_set.watchlists} if rule_set else followed

    def watchlist_titles(self) -> dict[str, str]:
        rule_set = self.rules()
        return {w.name: w.title for w in rule_set.watchlists} if rule_set else {}

    # -- pages -------------------------------------------------------------------------------------

    def home(self, request: Request) -> HTMLResponse:
        person = person_of(request)
        show_all = bool(request.query_params.get("all"))
        unread_only = bool(request.query_params.get("unread"))
        try:
            top, before, after = self._home_cursor(request)
        except paging.BadCursor as exc:
            log.warning("page link refused on %s: %r", request.url.path, str(exc))
            return self.refused(request, LABELS[self.language(request)]["bad_page"])
        now = datetime.now(UTC)
        with self.writing_db() as db:
            self._ensure(db, person)
            new_since = people_store.record_visit(db, person, iso(now), iso(now - SAME_VISIT))
            followed = self._existing(set(people_store.followed(db, person)))
            shown = feed.home_page(
                db,
                person,
                None if show_all or not followed else followed,
                HOME_SIZE,
                new_since,
                unread_only,
                top=top,
                before=before,
                after=after,
            )
        entries = shown.entries
        kept = request.query_params
        return self.page(
            request,
            "home.html",
            entries=entries,
            titles=self.watchlist_titles(),
            person=person,
            followed=sorted(followed),
            show_all=show_all,
            unread_only=unread_only,
            new_count=sum(1 for e in entries if e.new and not e.read),
            first_visit=new_since is None,  # no last visit to be new since: everything is new
            older=shown.older and paging.link("/", kept, before=shown.older, top=shown.top),
            newer=shown.newer and paging.link("/", kept, after=shown.newer, top=shown.top),
        )

    @staticmethod
    def _home_cursor(request: Request) -> tuple[int | None, int | None, int | None]:
        """(top, before, after) of a home page's link; BadCursor when one is not a match id a
        page gave: a key without its `top`, or beyond it."""
        params = request.query_params
        top = paging.optional_match_id(params.get("top"))
        before = paging.optional_match_id(params.get("before"))
        after = paging.optional_match_id(params.get("after"))
        if (before is not None or after is not None) and top is None:
            raise paging.BadCursor("a page key without its top")
        if top is not None and (
            (before is None) == (after is None)
            or (before is not None and before > top + 1)
            or (after is not None and after >= top)
        ):
            raise paging.BadCursor(f"top={top} before={before} after={after}")
        return top, before, after

    def saved(self, request: Request) -> HTMLResponse:
        person = person_of(request)
        with self.writing_db() as db:
            entries = feed.saved_entries(db, person, HOME_SIZE * 4)
        return self.page(
            request, "saved.html", entries=entries, titles=self.watchlist_titles(), person=person
        )

    async def account(self, request: Request) -> Response:
        person = person_of(request)
        labels = LABELS[self.language(request)]
        rule_set = self.rules()
        known = {w.name for w in rule_set.watchlists} if rule_set else set()
        message, error = None, None
        entered: tuple[str | None, set[str]] | None = None  # a refused form's, shown again
        shown: str | None = None  # what that form showed followed, kept for its next sending
        if request.method == "POST":
            form = await self._checked_form(request)
            if isinstance(form, Response):
                return form
            follows = {key[len("follow:") :] for key in form if key.startswith("follow:")}
            try:
                with self.writing_db() as db:
                    self._ensure(db, person)
                    if person != accounts.TEAM:
                        accounts.set_email(db, person, form.get("email"))
                        if "email_language" in form:  # a form made before it had the choice
                            accounts.set_language(db, person, form["email_language"])
                            self.forget_email_language(person)
                    if rule_set is not None:  # unread, the file listed nothing to tick:
                        accounts.set_follows(  # all kept
                            db,
                            person,
                            self._changed_on_page(db, person, form, follows, known),
                            known,
                        )
                message = labels["account_saved"]
            except VeilleError as exc:
                error = error_text(str(exc), self.language(request))
                entered = (form.get("email"), follows)
                shown = form.get("followed_shown")
        with self.writing_db() as db:
            self._ensure(db, person)
            found = people_store.person(db, person)
            email_language = people_store.language_of(db, person)
            followed = set(people_store.followed(db, person))
            titles = self.watchlist_titles()
            outlets = reading.source_titles(db)
            muted = sorted(  # (outlet, watchlist) as the pages name them, and their keys
                (outlets.get(source, source), titles.get(watchlist, watchlist), watchlist, source)
                for watchlist, source in people_store.muted(db, person)
            )
            deleted = self.deleted_watchlists(db, person, known) if rule_set is not None else []
        email = found.email if found else None
        if entered is not None:  # to be corrected, not typed and ticked again
            email, followed = entered
        return self.page(
            request,
            "account.html",
            status=400 if error else 200,
            person=person,
            team=person == accounts.TEAM,
            email=email,
            email_language=email_language,
            email_languages=EMAIL_LANGUAGE_NAMES,
            watchlists=[(w.name, w.title, w.name in followed) for w in rule_set.watchlists]
            if rule_set
            else [],
            any_followed=bool(self._existing(followed)),
            followed_shown=",".join(sorted(followed)) if shown is None else shown,
            muted=muted,
            deleted=[d for d in deleted if not d[2]],
            dismissed=[d for d in deleted if d[2]],
            # followed, but deleted or renamed in the file since: they alert this person no more
            gone=sorted(followed - known) if rule_set is not None else [],
            message=message,
            error=error,
        )

    @staticmethod
    def deleted_watchlists(
        db: Database, person: str, known: set[str]
    ) -> list[tuple[str, int, bool]]:
        """The watchlists no longer in the file whose matches are kept: (name, matches, whether
        the person dismissed it), by name. Read from the kept counts, one row per watchlist
        (never the matches), so the account page costs the same at any size."""
        dismissed = people_store.dismissed_watchlists(db, person)
        return [
            (name, count, name in dismissed)
            for name, count in sorted(reading.match_counts(db).items())
            if name not in known
        ]

    def is_dismissed(self, person: str, watchlist: str) -> bool:
        with self.writing_db() as db:
            return watchlist in people_store.dismissed_watchlists(db, person)

    @staticmethod
    def _changed_on_page(
        db: Database, person: str, form: dict, ticked: set[str], known: set[str]
    ) -> set[str]:
        """What the person follows once the boxes ticked or unticked on the page are applied to
        what they follow now: a page left open does not undo what an alert's unsubscribe link
        (or another tab) changed since it was shown. A form without the list it showed (made
        before it carried one) sets the follows to its ticked boxes, as before."""
        if "followed_shown" not in form:
            return ticked
        shown = {name for name in form["followed_shown"].split(",") if name}
        now = set(people_store.followed(db, person)) & known  # one gone from the file: dropped
        return (now - (shown - ticked)) | (ticked - shown)

    async def triage(self, request: Request) -> Response:
        """One triage action (a POST from a home, saved, article or watchlist page)."""
        form = await self._checked_form(request)
        if isinstance(form, Response):
            return form
        person = person_of(request)
        action = form.get("action", "")
        labels = LABELS[self.language(request)]
        try:
            article_id = int(form.get("article") or 0)
        except ValueError:
            article_id = 0
        if abs(article_id) > MAX_ID:  # no engine stores it: refused below, as no article
            article_id = 0
        watchlist = form.get("watchlist", "")
        if action not in ACTIONS or (action not in WATCHLIST_ACTIONS and not article_id):
            return self.refused(request, labels["triage_unknown"])
        now = _now()
        with self.writing_db() as db:
            self._ensure(db, person)
            source = form.get("source") or (
                people_store.article_source(db, article_id) if article_id else None
            )
            if action == "read":
                people_store.mark_read(db, person, [article_id], now)
            elif action == "unread":
                people_store.mark_unread(db, person, article_id)
            elif action == "save":
                people_store.save(db, person, article_id, now)
            elif action == "unsave":
                people_store.unsave(db, person, article_id)
            elif action == "not-relevant" and watchlist:
                people_store.mark_not_relevant(db, person, article_id, watchlist, now)
            elif action == "relevant" and watchlist:
                people_store.unmark_not_relevant(db, person, article_id, watchlist)
            elif action == "mute" and watchlist and source:
                people_store.mute(db, person, watchlist, source, now)
            elif action == "unmute" and watchlist and source:
                people_store.unmute(db, person, watchlist, source)
            elif action == "dismiss-watchlist" and watchlist:
                people_store.dismiss_watchlist(db, person, watchlist, now)
            elif action == "undismiss-watchlist" and watchlist:
                people_store.undismiss_watchlist(db, person, watchlist)
        log.info(
            "triage person=%s action=%s article=%s watchlist=%s",
            person,
            action,
            article_id or "-",
            watchlist or "-",
        )
        return RedirectResponse(_safe_back(form.get("back")), status_code=303)

    def mark_read(self, request: Request, article_id: int) -> None:
        """Opening an article's page marks it read for its reader."""
        person = person_of(request)
        with self.writing_db() as db:
            self._ensure(db, person)
            people_store.mark_read(db, person, [article_id], _now())

    def article_state(self, request: Request, article_id: int) -> dict[str, Any]:
        """The person's marks on an article, for its page's buttons."""
        person = person_of(request)
        with self.writing_db() as db:
            return {
                "saved": bool(people_store.saved_among(db, person, [article_id])),
                "not_relevant": {
                    w for _, w in people_store.not_relevant_pairs(db, person, [article_id])
                },
                "muted": people_store.muted(db, person),
            }

    def not_relevant(self, watchlist: str) -> list[people_store.NotRelevant]:
        with self.writing_db() as db:
            return people_store.not_relevant_of(db, watchlist)

    async def link(self, request: Request) -> Response:
        """A signed link of an alert: GET says what it will do (mail scanners that follow links
        stop there), the page's button POSTs and does it, once."""
        purpose = request.path_params["purpose"]
        token = request.path_params["token"]
        if purpose not in links.PURPOSES:
            return self.page(request, "error.html", status=404, message=request.url.path)
        done = False
        try:
            if request.method == "POST":
                form = await self._checked_form(request, one_click=purpose == "unsubscribe")
                if isinstance(form, Response):
                    return form
                with self.writing_db() as db:
                    claims = links.use(db, token, purpose)
                done = True
                log.info(
                    "signed link used: %s person=%s watchlist=%s",
                    purpose,
                    claims.person,
                    claims.watchlist,
                )
            else:
                with self.writing_db() as db:
                    claims = links.check(db, token, purpose)
            with self.writing_db() as db:  # the outlet as the reader names it, not its key
                source_title = reading.source_titles(db).get(claims.source or "", claims.source)
                # the page a person's email opens, in the language of their emails
                person_language = people_store.language_of(db, claims.person)
        except links.LinkRefused as exc:
            return self.refused(request, error_text(str(exc), self.language(request)), status=403)
        titles = self.watchlist_titles()
        return self.page(
            request,
            "link.html",
            purpose=purpose,
            claims=claims,
            watchlist_title=titles.get(claims.watchlist, claims.watchlist),
            source_title=source_title,
            done=done,
            fallback_language=person_language,
        )

    # -- helpers -----------------------------------------------------------------------------------

    async def _checked_form(
        self, request: Request, one_click: bool = False
    ) -> dict[str, str] | Response:
        """The POSTed form, or the refusal page. With `one_click`, a mail provider's RFC 8058
        one-click unsubscribe (`List-Unsubscribe=One-Click`, sent by its servers with no cookie
        nor form token) passes: the signed link in the address is its whole authorization."""
        labels = LABELS[self.language(request)]
        form = await self.read_form(request)
        if form is None:
            return self.refused(request, labels["form_too_large"], status=413)
        if one_click and form.get("List-Unsubscribe") == "One-Click":
            return form
        refused = self.form_guard.refusal(request, form)
        if refused:
            log.warning("form refused on %s: %s", request.url.path, refused)
            return self.refused(request, refused.text(self.language(request)), status=403)
        return form

    def routes(self) -> list[Route]:
        return [
            Route("/saved", self.saved, name="saved"),
            Route("/account", self.account, methods=["GET", "POST"], name="account"),
            Route("/triage", self.triage, methods=["POST"], name="triage"),
            Route("/links/{purpose}/{token}", self.link, methods=["GET", "POST"], name="link"),
        ]
