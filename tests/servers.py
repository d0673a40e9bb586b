"""Real protocol peers on loopback for the tests: an SMTP server (aiosmtpd) and an HTTP endpoint
standing in for Slack's incoming webhook."""

from __future__ import annotations

import email
import email.policy
import json
import socket
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


def free_port() -> int:
    """A port free now, for a server in another process (`veille serve`, the daemon's
    /health) to bind: another test process may take it meanwhile, so such a server is started
    through tests/listening.py, which starts it again elsewhere then. A server in this process
    binds port 0 instead and reads its port back."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def bound_socket() -> socket.socket:
    """A loopback TCP socket bound on a port the system picks, not listening: a connection to
    it is refused, as to a port where nothing runs, and no other program can bind the port for
    as long as it is held (no SO_REUSEADDR). A port found free and let go could be taken by
    another test process's server, which would answer where the test expects nothing."""
    held = socket.socket()
    held.bind(("127.0.0.1", 0))
    return held


class _ControllerOnSocket(Controller):
    """aiosmtpd's Controller serving on a socket already bound (its port read back), where the
    Controller binds the host and port it is given itself."""

    def __init__(self, handler: object, sock: socket.socket, **kwargs: object) -> None:
        super().__init__(handler, hostname="127.0.0.1", port=sock.getsockname()[1], **kwargs)
        self.sock = sock

    def _create_server(self):
        return self.loop.create_server(self._factory_invoker, sock=self.sock, ssl=self.ssl_context)


@dataclass
class SmtpServer:
    """An SMTP server on loopback: on a port the system picks, or on `sock` (a bound_socket()
    standing for a server that is down, brought up on the very port the test wrote down).
    Started again after stop(), it binds the port it had."""

    password: str | None = None  # when set, AUTH is required and checked
    sock: socket.socket | None = None
    messages: list[email.message.EmailMessage] = field(default_factory=list)
    logins: list[str] = field(default_factory=list)
    controller: Controller | None = None
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

    def start(self) -> SmtpServer:
        auth = (
            {"authenticator": self._authenticate, "auth_require_tls": False, "auth_required": True}
            if self.password
            else {}
        )
        if self.sock is not None:
            sock, self.sock = self.sock, None  # closed with the server
        elif self.port:  # started again after stop(): on its port, as aiosmtpd binds it
            sock = socket.socket()
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # before the bind
            sock.bind(("127.0.0.1", self.port))
        else:
            sock = bound_socket()
        # As aiosmtpd sets it: the connections it closed (TIME_WAIT) inherit it, and without it
        # they would keep the server from starting again on its port after stop(). Listening,
        # the port is refused to any other bind all the same.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.port = sock.getsockname()[1]
        self.controller = _ControllerOnSocket(self, sock, **auth)
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller:
            self.controller.stop()
            self.controller = None


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
