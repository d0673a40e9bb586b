"""Debian's chromium driven over the DevTools protocol, for tests that click and type: open a
page, fill a form, press a button, read what the page then shows, take a screenshot. Speaks
the protocol's WebSocket with the standard library (the suite has no WebSocket package).

One browser per test module (each start costs seconds on 2 cores); a fresh profile, so no
cookie carries from one run to the next."""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import socket
import struct
import subprocess
import tempfile
import threading
import time
import urllib.parse
import urllib.request
import warnings
from pathlib import Path

from crawler.core.owners import process_alive

from .browser import ARTIFACTS, _chromium, chromium_flags, dies_with_this_process

# A Browser's profile folder, in the temporary folder: named by the test process that made it,
# so that one left by a SIGKILLed test process (its `close` never run) is known as such.
PROFILE_PREFIX = "chromium-cdp-"
_PROFILE = re.compile(rf"{PROFILE_PREFIX}(\d+)-[^/]+")


def remove_left_profiles(folder: Path | None = None) -> list[Path]:
    """Remove the profile folders Browsers of test processes that no longer run left behind
    (a timeout's SIGKILL, an ended worker: chromium ends with them, its profile stayed, some
    megabytes each, run after run), warning of each; those of a running test process (another
    run's) and every folder not named so are left alone. Called at every Browser's start."""
    removed = []
    for path in Path(folder or tempfile.gettempdir()).glob(f"{PROFILE_PREFIX}*-*"):
        named = _PROFILE.fullmatch(path.name)
        if not named or not path.is_dir() or path.is_symlink() or process_alive(int(named[1])):
            continue
        shutil.rmtree(path, ignore_errors=True)
        removed.append(path)
        warnings.warn(
            f"removed chromium profile {path}, left by test process {named[1]}, which no longer "
            "runs",
            stacklevel=2,
        )
    return removed


class WebSocket:
    """A client WebSocket (RFC 6455): text frames out, masked; frames in, reassembled."""

    def __init__(self, url: str, timeout: float = 90) -> None:
        parts = urllib.parse.urlsplit(url)
        self.sock = socket.create_connection((parts.hostname, parts.port), timeout=timeout)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall(
            (
                f"GET {parts.path} HTTP/1.1\r\nHost: {parts.netloc}\r\nUpgrade: websocket\r\n"
                f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                "Sec-WebSocket-Version: 13\r\n\r\n"
            ).encode()
        )
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.sock.recv(1)
            assert chunk, "the browser closed the DevTools connection during the handshake"
            head += chunk
        assert head.startswith(b"HTTP/1.1 101"), head[:200]

    def _exactly(self, size: int) -> bytes:
        data = b""
        while len(data) < size:
            chunk = self.sock.recv(size - len(data))
            assert chunk, "the browser closed the DevTools connection"
            data += chunk
        return data

    def send(self, text: str) -> None:
        payload = text.encode()
        header = bytes([0x81])
        size = len(payload)
        if size < 126:
            header += bytes([0x80 | size])
        elif size < 2**16:
            header += bytes([0x80 | 126]) + struct.pack(">H", size)
        else:
            header += bytes([0x80 | 127]) + struct.pack(">Q", size)
        mask = os.urandom(4)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.sock.sendall(header + mask + masked)

    def receive(self) -> str:
        message = b""
        while True:
            first, second = self._exactly(2)
            size = second & 0x7F
            if size == 126:
                size = struct.unpack(">H", self._exactly(2))[0]
            elif size == 127:
                size = struct.unpack(">Q", self._exactly(8))[0]
            payload = self._exactly(size)
            opcode = first & 0x0F
            if opcode in (0x8, 0x9, 0xA):  # close, ping, pong: nothing for a test to read
                if opcode == 0x8:
                    raise ConnectionError("the browser closed the DevTools connection")
                continue
            message += payload
            if first & 0x80:
                return message.decode()

    def close(self) -> None:
        self.sock.close()


class Browser:
    """One headless chromium and its first tab."""

    def __init__(self, language: str = "fr-FR", width: int = 1280, height: int = 1000) -> None:
        ARTIFACTS.mkdir(exist_ok=True)
        # chromium's helper processes may still write to the profile as it is removed
        remove_left_profiles()
        self.profile = tempfile.TemporaryDirectory(
            prefix=f"{PROFILE_PREFIX}{os.getpid()}-", ignore_cleanup_errors=True
        )
        self.process = subprocess.Popen(
            [
                _chromium(),
                *chromium_flags(self.profile.name, width, height, language),
                "--remote-debugging-port=0",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            preexec_fn=dies_with_this_process(),  # not left running if the tests are killed
        )
        port = self._devtools_port()
        # keep reading its log, or chromium blocks once the pipe is full
        threading.Thread(target=self.process.stderr.read, daemon=True).start()  # type: ignore[union-attr]
        deadline = time.monotonic() + 90
        while True:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=30) as r:
                pages = [t for t in json.load(r) if t.get("type") == "page"]
            if pages or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        assert pages, "chromium opened no tab"
        self.socket = WebSocket(pages[0]["webSocketDebuggerUrl"])
        self._next_id = 0
        self.events: list[dict] = []
        self.call("Page.enable")

    def _devtools_port(self) -> int:
        assert self.process.stderr is not None
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            line = self.process.stderr.readline()
            found = re.search(r"DevTools listening on ws://127\.0\.0\.1:(\d+)/", line)
            if found:
                return int(found.group(1))
            if not line and self.process.poll() is not None:
                break
        raise AssertionError("chromium did not open its DevTools port")

    def call(self, method: str, **params) -> dict:
        """Send a command; its result (events arriving meanwhile are kept)."""
        self._next_id += 1
        sent = self._next_id
        self.socket.send(json.dumps({"id": sent, "method": method, "params": params}))
        while True:
            message = json.loads(self.socket.receive())
            if message.get("id") == sent:
                assert "error" not in message, (method, message["error"])
                return message.get("result", {})
            if "method" in message:
                self.events.append(message)

    def wait_for_load(self, timeout: float = 90) -> None:
        """Until the page being opened has loaded."""
        deadline = time.monotonic() + timeout
        while not any(e["method"] == "Page.loadEventFired" for e in self.events):
            assert time.monotonic() < deadline, "the page did not load"
            self.events.append(json.loads(self.socket.receive()))
        self.events.clear()

    def wait_for_url(self, url: str, timeout: float = 90) -> None:
        """Until the tab shows `url`, loaded (a page that went there by itself)."""
        deadline = time.monotonic() + timeout
        while self.evaluate("location.href + ' ' + document.readyState") != f"{url} complete":
            assert time.monotonic() < deadline, f"the tab never reached {url}: {self.url}"
            time.sleep(0.1)
        self.events.clear()

    def open(self, url: str) -> None:
        self.events.clear()
        self.call("Page.navigate", url=url)
        self.wait_for_load()

    def evaluate(self, expression: str):
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        assert "exceptionDetails" not in result, result["exceptionDetails"]
        return result["result"].get("value")

    def click_and_wait(self, selector: str) -> None:
        """Click what `selector` finds and wait for the page it leads to."""
        self.events.clear()
        found = self.evaluate(
            f"(() => {{ const e = document.querySelector({json.dumps(selector)});"
            " if (!e) return false; e.click(); return true; })()"
        )
        assert found, f"nothing matches {selector} on {self.url}"
        self.wait_for_load()

    def fill(self, fields: dict[str, str]) -> None:
        """Type into the form fields named in `fields` (the page's first element of each name)."""
        for name, value in fields.items():
            found = self.evaluate(
                f"(() => {{ const e = document.querySelector('[name={json.dumps(name)}]');"
                f" if (!e) return false; e.value = {json.dumps(value)}; return true; }})()"
            )
            assert found, f"no field named {name} on {self.url}"

    @property
    def url(self) -> str:
        return self.evaluate("location.href")

    @property
    def text(self) -> str:
        return self.evaluate("document.body.innerText")

    def screenshot(self, name: str) -> Path:
        """A PNG of the whole page at test-artifacts/NAME.png."""
        metrics = self.call("Page.getLayoutMetrics")
        height = int(metrics.get("cssContentSize", metrics.get("contentSize"))["height"])
        shot = self.call(
            "Page.captureScreenshot",
            format="png",
            captureBeyondViewport=True,
            clip={"x": 0, "y": 0, "width": 1280, "height": min(height, 6000), "scale": 1},
        )
        path = ARTIFACTS / f"{name}.png"
        path.write_bytes(base64.b64decode(shot["data"]))
        assert path.stat().st_size > 10_000, f"the screenshot of {self.url} is empty"
        return path

    def close(self) -> None:
        try:
            self.socket.close()
        finally:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=30)
            self.profile.cleanup()
