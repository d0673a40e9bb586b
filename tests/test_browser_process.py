"""The chromium a test process keeps (tests/browser.py, tests/cdp.py) ends with that process,
however it ends, and its profile folder does not outlive it."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from .cdp import PROFILE_PREFIX, remove_left_profiles

pytestmark = pytest.mark.slow  # a real chromium

ROOT = Path(__file__).resolve().parents[1]

# A test process as far as its chromium goes: it starts the shared browser, says its pid, and
# waits to be killed.
_TEST_PROCESS = """
import time
from tests.browser import _shared_browser
browser = _shared_browser()
print(browser.process.pid, browser.profile.name, flush=True)
time.sleep(300)
"""


def _descendants(pid: int) -> set[int]:
    """`pid` and every process under it, read from /proc."""
    found, todo = set(), [pid]
    while todo:
        current = todo.pop()
        found.add(current)
        for task in Path(f"/proc/{current}/task").glob("*"):
            try:
                children = (task / "children").read_text().split()
            except OSError:
                continue
            todo.extend(int(child) for child in children)
    return found


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"  # a zombie has ended, its parent not told yet


@pytest.fixture
def short_tmp() -> Iterator[Path]:
    """A temporary folder of a short name for a test process's chromium (its TMPDIR: the
    sockets it makes there have a path of 107 bytes at most), removed after the test."""
    folder = Path(tempfile.mkdtemp(prefix="cdp-"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_a_killed_test_process_leaves_no_chromium_running_nor_its_profile(short_tmp) -> None:
    """A test process SIGKILLed (a timeout, a worker ended) ran no `close` and left the
    chromium it kept running, with its helpers, until the machine's next reboot. Its chromium
    now gets SIGKILL when it dies (PR_SET_PDEATHSIG), and its helpers end with it. Its profile
    folder stayed too, run after run: the next Browser's start removes it (one named by a test
    process that no longer runs), saying so, and no other folder."""
    process = subprocess.Popen(
        [sys.executable, "-c", _TEST_PROCESS],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
        env=dict(os.environ, PYTHONPATH=str(ROOT), TMPDIR=str(short_tmp)),
    )
    assert process.stdout is not None
    started, profile = process.stdout.readline().split()
    chromium = int(started)
    tree = _descendants(chromium)
    assert _running(chromium)
    process.kill()
    process.wait()
    process.stdout.close()
    deadline = time.monotonic() + 60  # a bound on a wait for an event, not a measure
    while any(_running(pid) for pid in tree) and time.monotonic() < deadline:
        time.sleep(0.05)
    left = sorted(pid for pid in tree if _running(pid))
    for pid in left:  # not left behind by this test either
        os.kill(pid, signal.SIGKILL)
    assert left == [], f"chromium's processes {left} still run after its test process died"
    # the next Browser's start removes the profile it left, and no other folder
    assert Path(profile).parent == short_tmp and Path(profile).is_dir()
    kept = [
        Path(tempfile.mkdtemp(prefix=name, dir=short_tmp))
        for name in (f"{PROFILE_PREFIX}{os.getpid()}-", "chromium-", PROFILE_PREFIX)
    ]
    said = f"removed chromium profile {profile}, left by test process {process.pid}, which"
    with pytest.warns(UserWarning, match=re.escape(said)):
        assert remove_left_profiles(short_tmp) == [Path(profile)]
    assert not Path(profile).exists()
    assert all(folder.is_dir() for folder in kept)  # a running process's, none of ours
