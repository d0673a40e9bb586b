"""Every fetch made outside a crawl (`sources check`, `extract URL`, `rules test URL`, the
reader's rule test) has a wall-clock deadline on the whole exchange, not only on connecting:
a real server on 127.0.0.1 that answers one byte a second is cut at the deadline."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from .hostile import DripSite
from .waiting import wait_until

pytestmark = pytest.mark.slow  # end-to-end: real processes (README, "Development")

LOOPBACK = {"VEILLE_CRAWL_SETTINGS": json.dumps({"VEILLE_ALLOWED_NETWORKS": ["127.0.0.0/8"]})}


@pytest.fixture
def drip():
    site = DripSite(seconds=600)
    yield site
    site.stop()


def veille(*args: str, cwd) -> subprocess.CompletedProcess:
    """`veille ARGS` as a user runs it; a fetch without a whole-exchange deadline would keep it
    for the drip's ten minutes, so the 200-second cap fails the test rather than hanging it.
    Which limit ended the fetch is read in its message ("within 2 s"), never timed."""
    return subprocess.run(
        [sys.executable, "-m", "monitors.cli", *args],
        capture_output=True,
        text=True,
        timeout=200,
        cwd=cwd,
        env=dict(os.environ, **LOOPBACK),
    )


@pytest.mark.parametrize("path", ["/drip", "/drip-head"])
def test_guarded_get_is_cut_at_its_deadline_when_the_server_drips(drip, path):
    from crawler.fetching.fetch_policy import FetchRefused, FetchTimedOut, guarded_get

    # Cut by its deadline (the drip would last 600 s, and then answer in full).
    with pytest.raises(FetchTimedOut, match="no complete answer within 2 s") as raised:
        guarded_get(drip.base_url + path, allowed=["127.0.0.0/8"], timeout=2)
    assert isinstance(raised.value, FetchRefused)  # callers that report refusals report this
    # The connection was closed, not left to drip (the drip notices at its next byte).
    wait_until(lambda: drip.open_requests == 0, "the fetch to hang up on the drip")


def test_sources_check_timeout_bounds_a_dripping_entry_point(drip, tmp_path):
    sources = tmp_path / "sources.yaml"
    sources.write_text(
        "sources:\n"
        "  - name: goutte\n"
        "    title: Goutte à goutte\n"
        f'    homepage: "{drip.base_url}/"\n'
        "    feeds:\n"
        f'      - "{drip.base_url}/drip"\n',
        encoding="utf-8",
    )
    result = veille(
        "--sources", str(sources), "sources", "check", "--timeout", "2", "--json", cwd=tmp_path
    )
    entries = json.loads(result.stdout)["entries"]
    assert [(e["reachable"], e["error"]) for e in entries] == [
        (False, f"{drip.base_url}/drip: no complete answer within 2 s (the limit covers the "
         "whole exchange; the server answers too slowly)")
    ]  # fmt: skip
    assert result.returncode == 1


@pytest.mark.parametrize("command", [["extract"], ["rules", "test"]])
def test_extract_and_rules_test_of_a_url_are_cut_at_their_timeout(drip, tmp_path, command):
    result = veille(*command, drip.base_url + "/drip", "--timeout", "2", cwd=tmp_path)
    assert result.returncode == 2
    assert "no complete answer within 2 s" in result.stderr
