"""`veille serve` in its own process, as a user starts it, and a client that sends the reader's
forms the way a browser does: the page first (its cookie and form token), then the POST."""

from __future__ import annotations

import html
import http.cookiejar
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

from seeds import BUNDLED_WATCHLISTS

from .servers import free_port

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
    # A free port can be taken by another test process between free_port() and the bind: then
    # this server exits (« cannot listen ») while the other answers on the port, and the test
    # would read the other's pages. Trusted only once it announced its own port; else again.
    for attempt in range(5):
        port = free_port()
        log_path = folder / f"serve-{port}.log"
        log = open(log_path, "wb")  # noqa: SIM115 (closed below, after the server)
        server = subprocess.Popen(
            [*command, "serve", "--port", str(port), *args],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
        )
        announced = f"web view on http://127.0.0.1:{port}/"
        deadline = time.monotonic() + 120
        while server.poll() is None and announced not in log_path.read_text(errors="replace"):
            if time.monotonic() > deadline:
                break
            time.sleep(0.1)
        taken = "cannot listen" in log_path.read_text(errors="replace")
        if server.poll() is None or not taken or attempt == 4:
            break
        log.close()  # the port was taken meanwhile: another one
    with log:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 120
        try:
            while time.monotonic() < deadline:
                if server.poll() is not None:
                    pytest.fail("veille serve stopped: " + log_path.read_text())
                if announced not in log_path.read_text(errors="replace"):
                    time.sleep(0.2)
                    continue
                try:
                    urllib.request.urlopen(base + "/static/reader.css", timeout=2)
                    break
                except urllib.error.HTTPError:
                    break  # it answers (a login is asked for)
                except OSError:
                    time.sleep(0.2)
            else:
                pytest.fail("veille serve did not start: " + log_path.read_text())
            yield base
        finally:
            server.terminate()
            server.wait(timeout=30)
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

    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)
    )
    thread = threading.Thread(target=server.run, daemon=True)
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
