"""`veille serve` in its own process, as a user starts it, and a client that sends the reader's
forms the way a browser does: the page first (its cookie and form token), then the POST."""

from __future__ import annotations

import html
import http.cookiejar
import re
import shutil
import socket
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from contextlib import contextmanager
from pathlib import Path

from seeds import BUNDLED_WATCHLISTS

from .listening import WEB_VIEW, answering, listening

WATCHLISTS = BUNDLED_WATCHLISTS


@contextmanager
def serving(
    db: Path | str,
    *args: str,
    secrets: Path | None = None,
    watchlists: Path = WATCHLISTS,
    env: dict | None = None,
):
    """`veille serve` on a database file or a postgresql:// location, in its own process;
    yields its base URL. Its log goes beside the file (in a temporary folder on PostgreSQL)."""
    on_postgres = str(db).startswith("postgresql://")
    folder = Path(tempfile.mkdtemp(prefix="veille-serve-")) if on_postgres else Path(db).parent
    command = [sys.executable, "-m", "monitors.cli", "--db", str(db), "--watchlists"]
    command += [str(watchlists)] + (["--secrets", str(secrets)] if secrets else [])
    try:
        with listening(
            lambda port: [*command, "serve", "--port", str(port), *args],
            lambda port: folder / f"serve-{port}.log",
            WEB_VIEW,
            env=env,
        ) as server:
            yield answering(server, "/static/reader.css")
    finally:
        if on_postgres:  # the folder made for its log (a failure above quoted the log)
            shutil.rmtree(folder, ignore_errors=True)


class FormClient:
    """A browser's part in sending a form: it keeps cookies, reads the form token from the page
    and sends it back with the fields."""

    def __init__(self, headers: dict | None = None) -> None:
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        self.headers = headers or {}

    def get(self, url: str, timeout: float = 60) -> tuple[int, str]:
        """(status, text with HTML entities resolved)."""
        return self._open(urllib.request.Request(url, headers=self.headers), timeout)

    def token(self, url: str) -> str:
        """The page's form token ('' when it has none: the POST then shows what happens)."""
        status, body = self.get(url)
        assert status == 200, body[:300]
        found = re.search(r'name="form_token" value="([^"]+)"', body)
        return found.group(1) if found else ""

    def post(
        self, url: str, fields: dict, token: str | None = None, headers: dict | None = None,
        timeout: float = 60,
    ) -> tuple[int, str]:  # fmt: skip
        """POST the fields with the page's token (fetched first unless given)."""
        if token is None:
            token = self.token(url)
        data = urllib.parse.urlencode({**fields, "form_token": token}).encode()
        request = urllib.request.Request(
            url, data=data, headers={**self.headers, **(headers or {})}
        )
        return self._open(request, timeout)

    def _open(self, request: urllib.request.Request, timeout: float) -> tuple[int, str]:
        try:
            with self.opener.open(request, timeout=timeout) as response:
                return response.status, html.unescape(response.read().decode())
        except urllib.error.HTTPError as exc:
            return exc.code, html.unescape(exc.read().decode())


@contextmanager
def running(app):
    """An ASGI app served by uvicorn on 127.0.0.1 in this process (for settings a test injects,
    such as a clock); yields its base URL."""
    import uvicorn

    # Bound here on a port the system picks, handed to uvicorn: no other test process can take
    # it between a pick and uvicorn's bind.
    # Named TCP, as veille serve's, so asyncio sends each connection's writes without delay.
    listening_socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    listening_socket.bind(("127.0.0.1", 0))
    port = listening_socket.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)
    )
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [listening_socket]}, daemon=True
    )
    thread.start()
    deadline = time.monotonic() + 120
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "uvicorn did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        listening_socket.close()
