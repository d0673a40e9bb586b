"""The chromium a test process keeps (tests/browser.py, tests/cdp.py) ends with that process,
however it ends."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # a real chromium

ROOT = Path(__file__).resolve().parents[1]

# A test process as far as its chromium goes: it starts the shared browser, says its pid, and
# waits to be killed.
_TEST_PROCESS = """
import time
from tests.browser import _shared_browser
print(_shared_browser().process.pid, flush=True)
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


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_a_killed_test_process_leaves_no_chromium_running() -> None:
    """A test process SIGKILLed (a timeout, a worker ended) ran no `close` and left the
    chromium it kept running, with its helpers, until the machine's next reboot. Its chromium
    now gets SIGKILL when it dies (PR_SET_PDEATHSIG), and its helpers end with it."""
    process = subprocess.Popen(
        [sys.executable, "-c", _TEST_PROCESS],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
    )
    assert process.stdout is not None
    chromium = int(process.stdout.readline())
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
