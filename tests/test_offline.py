"""When no source's host name resolves, the console says why: "every source failed to resolve:
is this machine offline?" (the reason was only in `veille status`, one "dns" error per source).
Sources on .invalid hosts, a name that never resolves (RFC 6761): the lookup fails at once, no
site is reached."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from crawler.core.counts import SourceCounts
from crawler.fetching.crawl import CrawlResult
from crawler.storage import store
from monitors.alerts.delivery import DeliveryReport
from monitors.alerts.outbox import MatchReport
from monitors.cli import cli
from monitors.demo.run import LOCAL_CRAWL_SETTINGS
from monitors.service.cycle import OFFLINE, CycleReport, unresolved_sources
from monitors.service.daemon import DaemonState

SOURCES = """sources:
  - name: site-a
    homepage: http://news-a.invalid/
    feeds: [http://news-a.invalid/feed/]
  - name: site-b
    homepage: http://news-b.invalid/
    feeds: [http://news-b.invalid/feed/]
"""


@pytest.mark.slow  # a real crawl process
def test_run_once_with_no_host_name_resolving_says_the_machine_may_be_offline(tmp_path):
    sources = tmp_path / "sources.yaml"
    sources.write_text(SOURCES, encoding="utf-8")
    watchlists = tmp_path / "watchlists.yaml"
    watchlists.write_text("watchlists:\n  - name: x\n    terms: [cloud]\n", encoding="utf-8")
    env = {
        "VEILLE_DB": str(tmp_path / "v.db"),
        "VEILLE_SOURCES": str(sources),
        "VEILLE_WATCHLISTS": str(watchlists),
        "VEILLE_CRAWL_SETTINGS": json.dumps(LOCAL_CRAWL_SETTINGS),
        "VEILLE_CRAWL_LOG": str(tmp_path / "crawl.log"),
    }
    result = CliRunner().invoke(cli, ["run", "--once"], env=env)
    assert result.exit_code == 1, result.output
    assert OFFLINE == "every source failed to resolve: is this machine offline?"
    assert OFFLINE in result.stderr and "site-a, site-b" in result.stderr
    status = CliRunner().invoke(cli, ["status", "--json"], env=env)
    errors = [s["last_error"] for s in json.loads(status.stdout)["sources"]]
    assert errors and all(e.startswith("dns: host name does not resolve") for e in errors)


def _run(tmp_path, faults: dict[str, list[str]], counts: dict[str, SourceCounts]):
    db = store.open_database(tmp_path / "v.db")
    store.add_sources(db, list(counts))
    run_id = store.start_run(db, list(counts))
    for source, kinds in faults.items():
        for kind in kinds:
            store.record_error(db, run_id, source, f"http://{source}.invalid/", kind, kind)
    return db, CrawlResult(run_id, "finished", 0, 0, counts)


FAILED = SourceCounts(entry_failed=1, errors=1)


@pytest.mark.parametrize(
    ("faults", "counts", "unresolved"),
    [
        ({"a": ["dns"], "b": ["dns", "dns"]}, {"a": FAILED, "b": FAILED}, ["a", "b"]),
        # a site down is not a machine offline
        ({"a": ["dns"], "b": ["unreachable"]}, {"a": FAILED, "b": FAILED}, ["a"]),
        ({"a": ["dns", "timeout"]}, {"a": FAILED}, []),
        # a source with one feed unresolved and another that answered got something
        ({"a": ["dns"]}, {"a": SourceCounts(entry_ok=1, entry_failed=1, errors=1)}, []),
    ],
)
def test_only_sources_whose_every_fault_is_a_dns_failure_count(
    tmp_path, faults, counts, unresolved
):
    db, result = _run(tmp_path, faults, counts)
    try:
        found = unresolved_sources(db, result, list(counts))
    finally:
        db.close()
    assert found == unresolved
    report = CycleReport(result, MatchReport(), DeliveryReport(), unresolved=found)
    assert report.offline(list(counts)) == (found == list(counts))


def test_the_daemon_says_it_once_when_the_last_crawl_of_every_source_failed_to_resolve():
    """The daemon crawls one source at a time: it says it when the last of them fails to
    resolve too, once, and again after a source has resolved in between."""
    state = DaemonState(deliver_every=60, crawl_time_limit=900)
    names = ["a", "b", "c"]
    assert not state.note_crawl("a", True, names)
    assert not state.note_crawl("b", True, names)
    assert state.note_crawl("c", True, names)  # now every source
    assert not state.note_crawl("a", True, names)  # said already
    assert not state.note_crawl("b", False, names)  # b resolved: back online
    assert state.note_crawl("b", True, names)  # offline again
