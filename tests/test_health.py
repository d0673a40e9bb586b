"""/health pages someone only when the service itself is unwell: one source out of 38 backing
off is reported and leaves it "ok" (it said "degraded" forever, so it could page no one); most
sources failing at once, a late delivery or a stuck crawl make it "degraded"."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from crawler.storage import store
from monitors.service.daemon import DaemonState
from monitors.service.health import health_report

NAMES = [f"source-{number:02d}" for number in range(38)]


@pytest.fixture
def database(tmp_path):
    path = tmp_path / "health.db"
    db = store.open_database(path)
    try:
        store.add_sources(db, NAMES)
        for name in NAMES:
            store.save_source_pace(db, name, 0, 0, "2026-12-01T10:00:00+00:00", "normal")
    finally:
        db.close()
    return path


def _failing(path, count: int) -> None:
    db = store.open_database(path)
    try:
        for name in NAMES[:count]:
            store.save_source_pace(
                db, name, 2, 0, "2026-12-01T11:00:00+00:00", "backing off after 2 failed crawl(s)"
            )
    finally:
        db.close()


def test_one_source_backing_off_is_reported_and_does_not_degrade(database):
    _failing(database, 1)
    report = health_report(database, DaemonState(deliver_every=60, crawl_time_limit=900))
    assert report["status"] == "ok" and report["problems"] == []
    assert report["sources_backing_off"] == ["source-00"]
    assert report["warnings"] == ["source source-00: backing off after 2 failed crawl(s)"]


@pytest.mark.parametrize(("failing", "status"), [(0, "ok"), (19, "ok"), (20, "degraded")])
def test_most_sources_failing_degrades(database, failing, status):
    """More than half of the sources backing off at once: the network, a proxy or the daemon,
    not the sites."""
    _failing(database, failing)
    report = health_report(database)
    assert report["status"] == status
    assert len(report["sources_backing_off"]) == failing == len(report["warnings"])
    if status == "degraded":
        assert report["problems"] == ["most sources are failing: 20 of 38 backing off"]


def test_a_late_delivery_degrades_whatever_the_sources(database):
    _failing(database, 1)
    state = DaemonState(deliver_every=60, crawl_time_limit=900)
    state.delivered_at = datetime.now(UTC) - timedelta(hours=1)
    report = health_report(database, state)
    assert report["status"] == "degraded"
    assert [p.split(" for ")[0] for p in report["problems"]] == ["delivery has not run"]


def test_sources_no_longer_configured_are_not_judged(database):
    """A source removed from the sources file keeps its row and its last pace: the daemon's
    /health judges the sources it runs."""
    _failing(database, 20)  # source-00 to source-19, all removed from the configuration
    state = DaemonState(deliver_every=60, crawl_time_limit=900)
    state.sources = frozenset(NAMES[20:])
    report = health_report(database, state)
    assert report["status"] == "ok" and report["sources_backing_off"] == []
    assert len(report["sources"]) == 38  # still shown, as `veille status` shows them


def test_a_health_port_already_taken_stops_the_start_with_what_to_do(tmp_path):
    """`veille run --health-port` on a port another program listens on raised a traceback
    (OSError: Address already in use) instead of saying which port and what to do."""
    import socket

    from click.testing import CliRunner

    from monitors.cli import cli

    sources = tmp_path / "sources.yaml"
    sources.write_text(
        "sources:\n  - name: a\n    homepage: http://127.0.0.1:9/\n"
        "    feeds: [http://127.0.0.1:9/feed]\n",
        encoding="utf-8",
    )
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = {"VEILLE_DB": str(tmp_path / "veille.db"), "VEILLE_SOURCES": str(sources)}
        result = CliRunner().invoke(cli, ["run", "--health-port", str(port)], env=env)
    assert result.exit_code == 2, result.output
    line = result.output.strip().splitlines()[-1]
    assert line.startswith("error: --health-port") and f"127.0.0.1:{port}" in line, line
    assert "another port" in line
    assert "Traceback" not in result.output
