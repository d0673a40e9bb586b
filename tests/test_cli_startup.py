"""`veille --help` starts in a blink: it loads click and the commands' own modules, never the
storage, extraction or web stacks (they took it to 1.1-1.7 s). Counted in modules loaded by a
fresh interpreter, not timed: a loaded machine slows everything, a heavy import stays heavy."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

pytestmark = pytest.mark.slow  # command-line processes, started fresh

# Each of these took tens of milliseconds to load (python -X importtime); sqlite-utils brings
# numpy with it.
HEAVY = {
    "apprise",
    "babel",
    "courlan",
    "datasette",
    "datasketch",
    "feedparser",
    "jinja2",
    "lxml",
    "numpy",
    "psycopg",
    "scrapy",
    "sqlite_utils",
    "starlette",
    "tabulate",
    "trafilatura",
    "twisted",
    "uvicorn",
    "yaml",
}

PROBE = """
import json, sys
from monitors.cli import cli
try:
    cli(sys.argv[1:], prog_name="veille")
except SystemExit as stop:
    code = stop.code
print(json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""


def _loaded(*args: str) -> tuple[int, list[str], str]:
    result = subprocess.run(
        [sys.executable, "-c", PROBE, *args], capture_output=True, text=True, timeout=120
    )
    answer = json.loads(result.stdout.splitlines()[-1])
    return answer["code"], answer["modules"], result.stdout


def test_help_loads_no_heavy_library():
    code, modules, output = _loaded("--help")
    assert code == 0 and "Commands:" in output and "status" in output
    assert sorted({m.split(".")[0] for m in modules} & HEAVY) == []
    # about 230 with the standard library's own; the old start loaded some 520
    assert len(modules) < 350, len(modules)


@pytest.mark.parametrize("command", [["status"], ["rules", "check"], ["run"], ["serve"]])
def test_a_commands_help_loads_no_heavy_library(command):
    """The settings (and the storage modules they bring) load when a command runs, not for its
    --help (they loaded some 485 modules, numpy and sqlite-utils among them)."""
    code, modules, output = _loaded(*command, "--help")
    assert code == 0 and "Usage: veille" in output
    assert sorted({m.split(".")[0] for m in modules} & HEAVY) == []


def test_version_loads_no_heavy_library():
    code, modules, output = _loaded("--version")
    assert code == 0 and output.startswith("veille ")
    assert sorted({m.split(".")[0] for m in modules} & HEAVY) == []


def test_search_help_says_the_time_limit_the_search_keeps():
    """`veille search --help` says the time limit of monitors.web.search_limits, the one
    constant the search keeps (it wrote « 30 s » of its own), and loads no heavy library for
    it: the limit is set to 45 s before the command line is loaded."""
    probe = "import monitors.web.search_limits as limits; limits.SEARCH_SECONDS = 45.0\n" + PROBE
    result = subprocess.run(
        [sys.executable, "-c", probe, "search", "--help"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    answer = json.loads(result.stdout.splitlines()[-1])
    help_text = " ".join(result.stdout.split())
    assert answer["code"] == 0 and "A search stopped at its time limit (45 s)" in help_text
    assert "30 s" not in help_text
    assert sorted({m.split(".")[0] for m in answer["modules"]} & HEAVY) == []
