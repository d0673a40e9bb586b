"""Who may read the web view, and who they are. On loopback, whoever is on the machine. Beyond
it, only with a login: a team password kept hashed in the secrets file (HTTP Basic, which
browsers and feed readers both speak), or a reverse proxy that authenticates and passes the user
in a header. The server refuses to listen beyond loopback with neither (or people's accounts).

People's accounts (monitors.people) log in the same way, with their own name and password; as
soon as one exists, the reader asks for a login, on loopback too. Each request that passes
carries who made it in `scope["state"]["person"]`: the account's name, the proxy's user, or
TEAM for the team password and loopback without a login. The signed links of alerts
(`/links/…`) pass without a login: they are their own authorization, for one action each.

Checking a password costs tens of milliseconds of scrypt, on purpose. Logins are therefore
checked on one thread of their own (never on the threads serving pages), one after the other:
a team's first morning, everyone logging in at once, waits in line a moment rather than being
refused. The line is bounded twice, by its places (64 by default) and by how long a login waits
in it for its check (10 s): beyond either, 503 with Retry-After, the time the line ahead takes
to be checked. A client whose guesses failed too often gets 429 without a check for a while; a
password already accepted is recognised by a lookup, so a flood of guesses leaves logged-in
readers' pages answered as fast as before."""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import logging
import math
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from http.cookies import CookieError, SimpleCookie
from typing import TYPE_CHECKING
from urllib.parse import parse_qs

from monitors.people.passwords import TEAM, verify_password
from monitors.web.i18n import interface_language

if TYPE_CHECKING:
    from starlette.types import ASGIApp, Receive, Scope, Send

# the signed links of alerts, which need no login, and the stylesheet and script their page
# loads (files of the package, no data)
OPEN_PATHS = ("/links/", "/static/")
_REALM = b'Basic realm="veille", charset="UTF-8"'
log = logging.getLogger("veille.web")


class FailedLogins:
    """Failed logins per client address over a sliding window: after `limit` failures within
    `window` seconds, the client waits until the oldest of them leaves the window."""

    def __init__(
        self,
        limit: int = 5,
        window: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
        max_clients: int = 10_000,
    ) -> None:
        self.limit, self.window, self.clock, self.max_clients = limit, window, clock, max_clients
        self._failures: OrderedDict[str, deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def wait_seconds(self, client: str) -> float:
        """0 when the client may try now, else how long it must wait."""
        now = self.clock()
        with self._lock:
            times = self._failures.get(client)
            if not times:
                return 0.0
            while times and times[0] <= now - self.window:
                times.popleft()
            if len(times) < self.limit:
                return 0.0
            return times[0] + self.window - now

    def failed(self, client: str) -> None:
        with self._lock:
            times = self._failures.pop(client, None) or deque(maxlen=self.limit)
            times.append(self.clock())
            self._failures[client] = times  # most recent last
            while len(self._failures) > self.max_clients:
                self._failures.popitem(last=False)


class RequireLogin:
    """ASGI middleware in front of every page, feed and the raw data: a request without the
    password (or without the proxy's user header) gets 401 and nothing else; too many failed
    guesses from one client get 429; logins wait in line for their check, and get 503 when the
    line is full or they waited `wait_seconds` without their turn coming."""

    def __init__(
        self,
        app: ASGIApp,
        password_hash: str | None = None,
        proxy_header: str | None = None,
        *,
        failures: FailedLogins | None = None,
        checkers: int = 1,
        waiting: int = 64,
        wait_seconds: float = 10.0,
        accounts: Callable[[], dict[str, str]] | None = None,
    ) -> None:
        """`accounts` gives the people's password hashes by name, now (cheap: it is asked on
        every request; an empty answer with no password and no proxy lets everyone in as
        TEAM). `waiting` places in line beside the `checkers` threads, each login waiting at
        most `wait_seconds` for its check to start."""
        if not password_hash and not proxy_header and accounts is None:
            raise ValueError("RequireLogin needs a password hash, a proxy header or accounts")
        self.app = app
        self.accounts = accounts or dict
        self.password_hash = password_hash
        self.proxy_header = proxy_header.lower().encode() if proxy_header else None
        self.failures = failures or FailedLogins()
        # sha256 of Authorization values already verified: who they are and the hash they
        # matched (a changed password or a removed account no longer matches it)
        self._accepted: dict[bytes, tuple[str, str]] = {}
        self._checker = ThreadPoolExecutor(max_workers=checkers, thread_name_prefix="veille-login")
        self.checkers, self.places, self.wait_seconds = checkers, checkers + waiting, wait_seconds
        self._taken = 0  # logins being checked or in line for it
        self._taken_lock = threading.Lock()
        self._check_seconds = 0.1  # a check's cost, as last measured (Retry-After's estimate)

    def logins_in_line(self) -> int:
        """Logins being checked or waiting for their check, now."""
        with self._taken_lock:
            return self._taken

    def _take_place(self) -> bool:
        with self._taken_lock:
            if self._taken >= self.places:
                return False
            self._taken += 1
            return True

    def _leave_place(self) -> None:
        with self._taken_lock:
            self._taken -= 1

    def _retry_after(self) -> int:
        """Seconds the line ahead takes to be checked, at the last check's cost (at least 1)."""
        ahead = self.logins_in_line() / self.checkers
        return max(1, math.ceil(ahead * self._check_seconds))

    def _line_full(self, scope: Scope, headers: dict[bytes, bytes], waited: bool) -> _Answer:
        """503 for a login with no place in line or no turn within its wait, in the page's
        language, with the time the line ahead takes."""
        seconds = self._retry_after()
        lang = _language(scope, headers)
        in_line = self.logins_in_line()
        message = _BUSY[lang][waited].format(in_line=in_line, wait=round(self.wait_seconds))
        message += " " + _RETRY[lang].format(seconds=seconds)
        log.warning(
            "login refused, %s; places in line taken: %s of %s; Retry-After %s s",
            f"not checked within {self.wait_seconds:g} s" if waited else "the line is full",
            in_line,
            self.places,
            seconds,
        )
        return _Answer(503, message, [(b"retry-after", str(seconds).encode())])

    def _timed_verify(self, value: bytes, accounts: dict[str, str]) -> tuple[str, str] | None:
        started = time.monotonic()
        try:
            return self._verify(value, accounts)
        finally:
            self._check_seconds = max(0.01, time.monotonic() - started)

    def _verify(self, value: bytes, accounts: dict[str, str]) -> tuple[str, str] | None:
        """Who the Authorization value logs in, and the hash it matched: a person with their
        own password, else anyone with the team password (scrypt: on the checker's thread)."""
        try:
            name, _, password = base64.b64decode(value[6:].strip()).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return None
        own = accounts.get(name)
        if own is not None and verify_password(password, own):
            return name, own
        if self.password_hash and verify_password(password, self.password_hash):
            return TEAM, self.password_hash
        return None

    def _still_valid(self, person: str, matched: str, accounts: dict[str, str]) -> bool:
        return matched == (self.password_hash if person == TEAM else accounts.get(person))

    async def _check(self, scope: Scope, headers: dict[bytes, bytes]) -> _Answer | str:
        """Who makes the request when it may pass, else the answer refusing it."""
        proxied = None
        if self.proxy_header is not None:
            proxied = headers.get(self.proxy_header, b"").strip().decode("utf-8", "replace")
            if not proxied:
                return _Answer(401, "this address is only reachable through the login proxy.")
            if proxied == TEAM or not proxied.isprintable() or len(proxied) > 200:
                return _Answer(
                    401,
                    "the login proxy's user header holds no name veille can keep (printable, "
                    "at most 200 characters); check the proxy's configuration.",
                )
            if not self.password_hash:
                return proxied
        accounts = self.accounts()
        if not self.password_hash and not accounts:
            return TEAM  # loopback, no login configured, no account yet
        lang = _language(scope, headers)
        asked = _Answer(
            401, _LOG_IN[lang][bool(self.password_hash)], [(b"www-authenticate", _REALM)]
        )
        value = headers.get(b"authorization", b"")
        if not value.lower().startswith(b"basic "):
            return asked
        key = hashlib.sha256(value).digest()
        known = self._accepted.get(key)
        if known is not None:
            if self._still_valid(*known, accounts):
                return proxied or known[0]
            self._accepted.pop(key, None)
        client = (scope.get("client") or ("unknown", 0))[0]
        wait = int(self.failures.wait_seconds(client) + 0.999)
        if wait > 0:
            return _Answer(
                429,
                _FAILED[lang].format(client=client, wait=wait),
                [(b"retry-after", str(wait).encode())],
            )
        if not self._take_place():
            return self._line_full(scope, headers, waited=False)
        try:
            check = self._checker.submit(self._timed_verify, value, accounts)
        except BaseException:
            self._leave_place()
            raise
        check.add_done_callback(lambda _: self._leave_place())
        try:
            verified = await asyncio.wait_for(
                asyncio.shield(asyncio.wrap_future(check)), self.wait_seconds
            )
        except TimeoutError:
            if check.cancel():  # still in line: it leaves it unchecked
                return self._line_full(scope, headers, waited=True)
            verified = await asyncio.wrap_future(check)  # its check has started: it ends soon
        if verified is None:
            self.failures.failed(client)
            return asked
        if len(self._accepted) > 1000:
            self._accepted.clear()
        self._accepted[key] = verified
        return proxied or verified[0]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope.get("path", "").startswith(OPEN_PATHS):
            await self.app(scope, receive, send)
            return
        headers = {k.lower(): v for k, v in scope.get("headers", [])}
        refusal = await self._check(scope, headers)
        if isinstance(refusal, str):
            scope.setdefault("state", {})["person"] = refusal
            if refusal != TEAM:  # an authenticated name (monitors.web.editing's editors)
                scope["veille.user"] = refusal
            await self.app(scope, receive, send)
            return
        body = f"veille: {refusal.message}\n".encode()
        await send(
            {
                "type": "http.response.start",
                "status": refusal.status,
                "headers": [
                    (b"content-type", b"text/plain; charset=utf-8"),
                    (b"content-length", str(len(body)).encode()),
                    *refusal.headers,
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


@dataclass(frozen=True)
class _Answer:
    status: int
    message: str
    headers: list[tuple[bytes, bytes]] = field(default_factory=list)


def _language(scope: Scope, headers: dict[bytes, bytes]) -> str:
    """The language of the reader's pages for this request (?lang=, its cookie, the browser's):
    the login's answers are read by the same people as the pages."""
    return interface_language(
        parse_qs(scope.get("query_string", b"").decode("latin-1")).get("lang", [None])[0],
        _cookie(headers, "veille_lang"),
        headers.get(b"accept-language", b"").decode("latin-1"),
    )


def _cookie(headers: dict[bytes, bytes], name: str) -> str | None:
    cookies: SimpleCookie = SimpleCookie()
    try:
        cookies.load(headers.get(b"cookie", b"").decode("latin-1"))
    except CookieError:
        return None
    morsel = cookies.get(name)
    return morsel.value if morsel else None


# the 401 asking for a login, by language: [accounts only, with the team password too]
_LOG_IN = {
    "fr": (
        "connectez-vous avec votre nom et votre mot de passe.",
        "connectez-vous avec votre nom et votre mot de passe (ou le mot de passe de l'équipe, "
        "avec n'importe quel nom).",
    ),
    "en": (
        "log in with your name and password.",
        "log in with your name and password (or the team password, any user name).",
    ),
    "ar": (
        "سجّل الدخول باسمك وكلمة مرورك.",
        "سجّل الدخول باسمك وكلمة مرورك (أو بكلمة مرور الفريق، بأي اسم).",
    ),
}
# the 429 of a client whose logins failed too often
_FAILED = {
    "fr": "trop de connexions échouées depuis {client} ; réessayez dans {wait} s.",
    "en": "too many failed logins from {client}; try again in {wait} s.",
    "ar": "محاولات دخول فاشلة كثيرة من {client}؛ أعد المحاولة بعد {wait} ث.",
}
# the 503 of a full line, by language: [no place in line, no turn within the wait]
_BUSY = {
    "fr": (
        "trop de connexions à la fois ({in_line} en attente de vérification) : la file est pleine.",
        "trop de connexions à la fois : votre mot de passe n'a pas pu être vérifié en {wait} s.",
    ),
    "en": (
        "too many logins at once ({in_line} waiting for their password check): the line is full.",
        "too many logins at once: your password could not be checked within {wait} s.",
    ),
    "ar": (
        "عدد كبير من تسجيلات الدخول في آن واحد ({in_line} في انتظار التحقق): قائمة الانتظار ممتلئة.",
        "عدد كبير من تسجيلات الدخول في آن واحد: تعذّر التحقق من كلمة المرور خلال {wait} ث.",
    ),
}
_RETRY = {
    "fr": "Réessayez dans {seconds} s.",
    "en": "Try again in {seconds} s.",
    "ar": "أعد المحاولة بعد {seconds} ث.",
}
