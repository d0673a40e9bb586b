"""A server the tests start in a process of their own (`veille serve`, `veille run
--health-port`) on a port picked free beforehand, trusted only once it announced that port.

A port found free can be taken by another test process (the suite runs on several) between the
pick and the server's bind: the server then exits (« cannot listen ») while the other program
answers on the port, and a test that simply waited for the port to answer read the other's
pages or /health. Here the server is started again on another port when that happens."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from .servers import free_port
from .waiting import GENEROUS

# What each server says once it holds its port (monitors/cli/serve.py, monitors/service/health.py).
WEB_VIEW = "web view on http://127.0.0.1:{port}/"
HEALTH = "health on http://127.0.0.1:{port}/health"
TAKEN = "cannot listen"
ATTEMPTS = 5


@dataclass
class Listening:
    process: subprocess.Popen
    port: int
    log: Path

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


@contextmanager
def listening(
    command: Callable[[int], list[str]],
    log: Callable[[int], Path],
    announced: str,
    env: dict | None = None,
    pick: Callable[[], int] = free_port,
) -> Iterator[Listening]:
    """Start `command(port)` (its output to `log(port)`) on a port from `pick`, until it says
    `announced` (formatted with the port); on another port when it could not listen on that
    one, the log of that attempt deleted. Stopped (SIGTERM, then SIGKILL) on leaving."""
    for attempt in range(1, ATTEMPTS + 1):
        port = pick()
        path = log(port)
        with open(path, "wb") as out:
            process = subprocess.Popen(command(port), stdout=out, stderr=subprocess.STDOUT, env=env)
        started = Listening(process, port, path)
        said = announced.format(port=port)
        deadline = time.monotonic() + GENEROUS
        while process.poll() is None and said not in started.log_text():
            if time.monotonic() > deadline:
                process.kill()
                process.wait()
                pytest.fail(f"no « {said} » in {GENEROUS:.0f} s: {started.log_text()[-3000:]}")
            time.sleep(0.1)
        if said in started.log_text():
            break
        if TAKEN not in started.log_text() or attempt == ATTEMPTS:
            pytest.fail(f"{command(port)[-3:]} stopped: {started.log_text()[-3000:]}")
        path.unlink()  # taken meanwhile: another port
    try:
        yield started
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def answering(server: Listening, path: str = "/") -> str:
    """The base address of a started `veille serve` once it answers a GET of `path` (an HTTP
    error is an answer too: a login asked for); the test fails with its log when it stops or
    does not answer in two minutes."""
    import urllib.error
    import urllib.request

    base = f"http://127.0.0.1:{server.port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            pytest.fail("veille serve stopped: " + server.log_text())
        try:
            urllib.request.urlopen(base + path, timeout=2)
            return base
        except urllib.error.HTTPError:
            return base
        except OSError:
            time.sleep(0.2)
    pytest.fail("veille serve did not start: " + server.log_text())
