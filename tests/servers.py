"""Real protocol peers on loopback for the tests: an SMTP server (aiosmtpd) and an HTTP endpoint
standing in for Slack's incoming webhook."""

from __future__ import annotations

import asyncio
import email
import email.policy
import json
import socket
import threading
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TypeVar

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

_T = TypeVar("_T")


def free_port() -> int:
    """A port free now, for a server in another process (`veille serve`, the daemon's
    /health) to bind: another test process may take it meanwhile, so such a server is started
    through tests/listening.py, which starts it again elsewhere then. A server in this process
    binds port 0 instead and reads its port back."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _tcp_socket() -> socket.socket:
    """A TCP socket that names its protocol, as getaddrinfo's do: asyncio sets TCP_NODELAY on
    the connections a server accepts only when the listening socket says IPPROTO_TCP, and
    socket.socket() says 0. Without it each reply of several lines (EHLO's) waited on Nagle's
    algorithm for the client's delayed ACK: 40 ms per SMTP conversation."""
    return socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)


def bound_socket(port: int = 0) -> socket.socket:
    """A loopback TCP socket bound on `port` (by default one the system picks), not listening:
    a connection to it is refused, as to a port where nothing runs, and no other program can
    bind the port for as long as it is held (no SO_REUSEADDR). A port found free and let go
    could be taken by another test process's server, which would answer where the test
    expects nothing.

    It carries SO_REUSEPORT, which only the tests' own listening sockets also set (the SMTP
    server's, `listening_socket`): such a socket can be bound beside it, so that a server
    stopped for a while leaves its port held, never free, until it listens there again. A
    server binding as servers do (SO_REUSEADDR, no SO_REUSEPORT) is refused the port."""
    held = _tcp_socket()
    held.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    held.bind(("127.0.0.1", port))
    return held


def listening_socket(port: int) -> socket.socket:
    """A socket bound on `port` beside a bound_socket() holding it (SO_REUSEPORT, same user),
    for a server to listen on. SO_REUSEADDR as aiosmtpd and http.server set it: the
    connections it closed (TIME_WAIT) inherit it, and without it they would keep the server
    from starting again on its port after a stop. Listening, the port is refused to any other
    bind all the same."""
    sock = _tcp_socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind(("127.0.0.1", port))
    return sock


class _SmtpLoop:
    """aiosmtpd's SMTP protocol served on a socket already bound, by an asyncio loop in a
    thread of its own: `loop.create_server(sock=...)` and `aiosmtpd.smtp.SMTP` are public API,
    where aiosmtpd's Controller binds the host and port it is given itself (serving a socket
    through it meant overriding its private `_create_server`)."""

    def __init__(self, factory: Callable[[], SMTP], sock: socket.socket) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="smtp", daemon=True)
        self.thread.start()
        try:
            self.server = self._run(self.loop.create_server(factory, sock=sock))  # listens
        except BaseException:
            self._end()
            raise

    def _run(self, coroutine: Coroutine[Any, Any, _T]) -> _T:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout=60)

    def stop(self) -> None:
        """Stop listening (connections refused from then on), end the sessions under way."""

        async def close() -> None:
            self.server.close()
            sessions = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in sessions:
                task.cancel()
            await asyncio.gather(*sessions, return_exceptions=True)
            await self.server.wait_closed()

        try:
            self._run(close())
        finally:
            self._end()

    def _end(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=60)
        self.loop.close()


@dataclass
class SmtpServer:
    """An SMTP server on loopback: on a port the system picks, or on `sock` (a bound_socket()
    standing for a server that is down, brought up on the very port the test wrote down).
    Stopped with stop(hold=True), its port stays held (connections refused, no other bind)
    until start() brings it up there again."""

    password: str | None = None  # when set, AUTH is required and checked
    sock: socket.socket | None = None
    messages: list[email.message.EmailMessage] = field(default_factory=list)
    logins: list[str] = field(default_factory=list)
    serving: _SmtpLoop | None = None
    port: int = 0  # known once started

    def _authenticate(self, server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and auth_data.password.decode() == self.password
        if ok:
            self.logins.append(auth_data.login.decode())
        return AuthResult(success=ok)

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        self.messages.append(
            email.message_from_bytes(envelope.content, policy=email.policy.default)
        )
        return "250 Message accepted for delivery"

    def _session(self) -> SMTP:
        auth: dict[str, Any] = (
            {"authenticator": self._authenticate, "auth_require_tls": False, "auth_required": True}
            if self.password
            else {}
        )
        # enable_SMTPUTF8 as aiosmtpd's Controller sets it by default.
        return SMTP(self, enable_SMTPUTF8=True, **auth)

    def start(self) -> SmtpServer:
        """Listen, on the port held for it (`sock`, or its own after stop(hold=True)) or on one
        the system picks; the holding socket is let go once the server listens beside it."""
        held, self.sock = self.sock, None
        if held is None:
            held = bound_socket()
        self.port = held.getsockname()[1]
        with held:
            self.serving = _SmtpLoop(self._session, listening_socket(self.port))
        return self

    def stop(self, hold: bool = False) -> None:
        """Stop listening. With `hold`, the port is held from before the server stops to when
        start() listens on it again, so that no other test process's server takes it
        meanwhile (a port let go and bound again could be)."""
        if hold and self.serving:
            self.sock = bound_socket(self.port)  # beside the listening socket
        if self.serving:
            self.serving.stop()
            self.serving = None
        if not hold and self.sock is not None:
            self.sock.close()
            self.sock = None


@dataclass
class WebhookServer:
    """Records every POSTed JSON body; answers with the queued status codes, then 200."""

    posts: list[dict] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None

    def start(self) -> WebhookServer:
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                return

            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                status = outer.statuses.pop(0) if outer.statuses else 200
                if status == 200:
                    outer.posts.append({"path": self.path, "json": json.loads(body)})
                self.send_response(status)
                self.send_header("Content-Type", "text/plain")
                self.end_headers()
                self.wfile.write(b"ok" if status == 200 else b"error")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
