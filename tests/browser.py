"""Debian's chromium, headless, as a reader's browser: the DOM after the page loaded, and a
screenshot kept under test-artifacts/ for a human to look at.

A page asked at the default size and language is opened in one chromium kept by the test
process (tests/cdp.py), its cookies and the page's site data cleared first, as a fresh profile
has none: a chromium start costs about 1.4 CPU-s, and the reader tests open some thirty pages.
Another size or language gets a chromium of its own, started with them."""

from __future__ import annotations

import ctypes
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


def _chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    assert found, "Debian's chromium package is missing: `make test` installs it"
    return found


_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def dies_with_this_process() -> Any:
    """A `preexec_fn` for a chromium started by this test process: SIGKILL to it when this
    process dies (prctl's PR_SET_PDEATHSIG, Linux), a SIGKILLed test process (a timeout, a
    worker pytest-xdist ends, an impatient ^C^C) running no `close`, which left its chromium
    running, kept one per test process (the shared browser, tests/cdp.py), eating memory and
    CPU until the machine's next reboot. Must run in the thread that lives as long as the
    browser: the signal follows the death of the thread that started it (the main one)."""
    if not sys.platform.startswith("linux"):
        return None
    libc = ctypes.CDLL(None, use_errno=True)  # loaded here: nothing to import after the fork
    parent = os.getpid()

    def set_parent_death_signal() -> None:
        if libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
            os._exit(127)  # no chromium that could outlive the tests
        if os.getppid() != parent:  # this process died before the prctl: none would be sent
            os._exit(127)

    return set_parent_death_signal


def chromium_flags(profile: str, width: int, height: int, language: str) -> list[str]:
    """Headless chromium as a reader's browser, quiet (no network of its own), in `language`,
    with its profile in `profile`."""
    return [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--lang={language}",
        f"--accept-lang={language}",
        f"--window-size={width},{height}",
        f"--user-data-dir={profile}",
    ]


@contextmanager
def _flags(width: int = 1280, height: int = 1000, language: str = "fr-FR") -> Iterator[list[str]]:
    """A fresh profile each time: no cookie (a language choice) carries from one page to the
    next."""
    ARTIFACTS.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="chromium-") as profile:
        yield chromium_flags(profile, width, height, language)


_SHARED: dict[str, Any] = {}


def _shared_browser() -> Any:
    """The test process's chromium at the default size and language, started at first use."""
    from .cdp import Browser

    browser = _SHARED.get("browser")
    if browser is None or browser.process.poll() is not None:
        browser = _SHARED["browser"] = Browser()
        browser.call("Network.enable")
        browser.call("Network.setCacheDisabled", cacheDisabled=True)
    return browser


def close_shared_browser() -> None:
    """Stop the test process's chromium, if one was started (at the end of the run)."""
    browser = _SHARED.pop("browser", None)
    if browser is not None:
        browser.close()


def dump_dom(url: str, shot: str | None = None, **size) -> str:
    """The page's DOM as chromium built it once loaded; with `shot`, a PNG of the page too, at
    test-artifacts/SHOT.png, taken by the same chromium."""
    if not size:
        browser = _shared_browser()
        parts = urllib.parse.urlsplit(url)
        browser.call("Network.clearBrowserCookies")
        browser.call(
            "Storage.clearDataForOrigin",
            origin=f"{parts.scheme}://{parts.netloc}",
            storageTypes="all",
        )
        browser.open(url)
        dom = browser.evaluate("document.documentElement.outerHTML")
        if shot:
            browser.screenshot(shot)
        return dom
    path = ARTIFACTS / f"{shot}.png"
    if shot:
        path.unlink(missing_ok=True)
    with _flags(**size) as flags:
        dom = subprocess.run(
            [_chromium(), *flags, "--virtual-time-budget=3000", "--dump-dom", url]
            + ([f"--screenshot={path}"] if shot else []),
            capture_output=True,
            text=True,
            timeout=90,
            preexec_fn=dies_with_this_process(),
        ).stdout
    if shot:
        assert path.exists() and path.stat().st_size > 10_000, f"no screenshot of {url}"
    return dom


def screenshot(url: str, name: str, **size) -> Path:
    """A PNG of the page at test-artifacts/NAME.png."""
    shot = ARTIFACTS / f"{name}.png"
    shot.unlink(missing_ok=True)
    with _flags(**size) as flags:
        subprocess.run(
            [_chromium(), *flags, f"--screenshot={shot}", url],
            capture_output=True,
            timeout=90,
            preexec_fn=dies_with_this_process(),
        )
    assert shot.exists() and shot.stat().st_size > 10_000, f"no screenshot of {url}"
    return shot
