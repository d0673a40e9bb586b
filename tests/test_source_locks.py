"""One runner per source on a PostgreSQL database: a second runner of the same sources stops
naming them, runners of different sources share the database, a reload takes or lets go of
the sources it adds or removes (a source's lock only once its crawl has ended), and a session
the server ends is found, said, and its locks taken again where free."""

from __future__ import annotations

import logging
import threading
import time
from urllib.parse import urlsplit

import pytest

from crawler.core.errors import VeilleError
from monitors.service.config import load_config, load_settings
from monitors.service.daemon import Daemon
from monitors.service.health import health_report
from monitors.service.source_locks import SourcesHeldElsewhere, hold_source_locks

from .hostile import HostileSite


def _sources(path, names):
    path.write_text(
        "sources:\n"
        + "".join(
            f"  - name: {name}\n    homepage: http://127.0.0.1:9/{name}\n"
            f"    feeds: [http://127.0.0.1:9/{name}/feed]\n    interval_minutes: 60\n"
            for name in names
        ),
        encoding="utf-8",
    )


def test_a_source_is_held_by_one_runner_and_others_share_the_database(postgres_url):
    first = hold_source_locks(postgres_url, ["hespress", "medias24"])
    assert first is not None
    try:
        with pytest.raises(SourcesHeldElsewhere) as refused:
            hold_source_locks(postgres_url, ["medias24", "le360"])
        message = str(refused.value)
        assert "source 'medias24' already crawled by another veille daemon" in message
        assert "hespress" not in message and "le360" not in message
        assert "give each runner sources of its own" in message
        # all or none: the refused runner took no lock of the sources it could have had
        other = hold_source_locks(postgres_url, ["le360"])
        assert other is not None and other.names == {"le360"}
        other.close()
        # a source let go of (out of a reloaded file) is free for another runner
        first.release(["medias24"])
        second = hold_source_locks(postgres_url, ["medias24", "le360"])
        assert second is not None
        second.close()
    finally:
        first.close()
    # a closed session holds nothing any more
    again = hold_source_locks(postgres_url, ["hespress", "medias24"])
    assert again is not None
    again.close()


def test_the_refusal_names_the_runner_of_this_database_not_one_of_another(postgres_cluster):
    """Advisory locks are the database's, but the holder was looked up among the sessions of
    every database of the server: a second runner was refused naming the runner of the same
    source on another database of that server (staging beside production, the test suite's
    databases), not the one it should stop."""
    import psycopg

    from crawler.storage.postgres_schema import take_source_locks

    one, two = postgres_cluster.new_database(), postgres_cluster.new_database()
    with (
        psycopg.connect(one, autocommit=True) as other,
        psycopg.connect(two, autocommit=True) as first,
        psycopg.connect(two, autocommit=True) as second,
    ):
        assert take_source_locks(other, "veille daemon pid 1 on staging", ["absente"]) == {}
        assert take_source_locks(first, "veille daemon pid 2 on prod", ["absente"]) == {}
        held = take_source_locks(second, "veille daemon pid 3 on prod", ["absente"])
        assert held == {"absente": "veille daemon pid 2 on prod"}


def test_a_password_never_shows_in_the_refusal(postgres_url):
    first = hold_source_locks(postgres_url, ["hespress"])
    assert first is not None
    try:
        with pytest.raises(VeilleError) as refused:
            hold_source_locks(postgres_url, ["hespress"])
        # the location is said masked, as every error names it
        from crawler.storage.engine import mask_location

        assert mask_location(postgres_url) in str(refused.value)
    finally:
        first.close()


def test_a_reload_adds_a_source_only_when_no_other_runner_crawls_it(tmp_path, postgres_url):
    sources, watchlists = tmp_path / "sources.yaml", tmp_path / "watchlists.yaml"
    _sources(sources, ["hespress"])
    watchlists.write_text("watchlists:\n  - name: x\n    terms: [x]\n", encoding="utf-8")
    settings = load_settings(db=postgres_url, sources=sources, watchlists=watchlists)
    daemon = Daemon(load_config(settings))
    daemon._source_locks = hold_source_locks(postgres_url, ["hespress"])
    other = hold_source_locks(postgres_url, ["medias24"])
    assert other is not None
    try:
        _sources(sources, ["hespress", "medias24"])
        daemon._reload()
        assert "'medias24' already crawled by another veille daemon" in (
            daemon.state.reload_error or ""
        )
        assert daemon.scheduler.get_job("crawl:medias24") is None
        assert {s.name for s in daemon.config.sources.enabled()} == {"hespress"}

        other.close()  # the other runner stops: the reload goes through
        daemon._reload()
        assert daemon.state.reload_error is None
        assert daemon.scheduler.get_job("crawl:medias24") is not None

        _sources(sources, ["medias24"])  # hespress taken out: another runner may crawl it
        daemon._reload()
        assert daemon.state.reload_error is None
        taken = hold_source_locks(postgres_url, ["hespress"])
        assert taken is not None
        taken.close()
        with pytest.raises(SourcesHeldElsewhere):
            hold_source_locks(postgres_url, ["medias24"])
    finally:
        other.close()
        daemon._source_locks.close()


def _wait_for(condition, what: str, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"waited {seconds} s for {what}"
        time.sleep(0.1)


@pytest.mark.slow
def test_a_source_a_reload_takes_out_is_let_go_of_once_its_crawl_ends(
    tmp_path, postgres_url, caplog
):
    """A reload taking a source out let go of its lock at once, its crawl still running:
    another runner could start crawling it beside that crawl. Its lock is now let go of when
    the crawl ends, and the log says both."""
    site = HostileSite()
    sources, watchlists = tmp_path / "sources.yaml", tmp_path / "watchlists.yaml"
    sources.write_text(
        f"sources:\n  - name: lente\n    homepage: {site.base_url}/\n"
        f"    feeds: [{site.base_url}/held]\n    interval_minutes: 60\n",
        encoding="utf-8",
    )
    watchlists.write_text("watchlists:\n  - name: x\n    terms: [x]\n", encoding="utf-8")
    settings = load_settings(
        db=postgres_url,
        sources=sources,
        watchlists=watchlists,
        crawl_log=tmp_path / "crawl.log",
        crawl_settings={"VEILLE_ALLOWED_NETWORKS": ["127.0.0.0/8"]},
    )
    daemon = Daemon(load_config(settings))
    daemon._source_locks = hold_source_locks(postgres_url, ["lente"])
    crawl = threading.Thread(target=daemon._crawl_source, args=("lente",))
    caplog.set_level(logging.INFO, logger="monitors.service.daemon")
    try:
        crawl.start()
        _wait_for(lambda: "/held" in site.hits, "the crawl to ask for its feed")
        _sources(sources, ["autre"])
        daemon._reload()
        assert daemon.state.reload_error is None
        with pytest.raises(SourcesHeldElsewhere):  # its crawl runs: no other runner starts one
            hold_source_locks(postgres_url, ["lente"])
        assert "source=lente taken out by the reload while it is being crawled" in caplog.text
        site.released.set()  # the feed's download ends: so does the crawl
        crawl.join(timeout=120)
        assert not crawl.is_alive()
        assert "source=lente lock let go of: its crawl ended" in caplog.text
        taken = hold_source_locks(postgres_url, ["lente"])
        assert taken is not None
        taken.close()
    finally:
        site.stop()
        crawl.join(timeout=60)
        daemon._source_locks.close()


def _backend_of(locks) -> int:
    return locks._database.conn.info.backend_pid


def test_a_session_the_server_ends_is_said_and_its_locks_taken_again_where_free(
    tmp_path, postgres_url, postgres_cluster, caplog
):
    """A session ended by the server (pg_terminate_backend here; a restart, a dropped
    connection) let go of every lock without a word: the runner went on crawling its sources,
    another runner could take them and crawl them too. The next check says so, takes the locks
    again where free, and names the source another runner took: not crawled here (the daemon's
    log and /health say so) until it is free again."""
    sources, watchlists = tmp_path / "sources.yaml", tmp_path / "watchlists.yaml"
    _sources(sources, ["hespress", "medias24"])
    watchlists.write_text("watchlists:\n  - name: x\n    terms: [x]\n", encoding="utf-8")
    settings = load_settings(db=postgres_url, sources=sources, watchlists=watchlists)
    daemon = Daemon(load_config(settings))
    locks = hold_source_locks(postgres_url, ["hespress", "medias24"])
    assert locks is not None
    daemon._source_locks = daemon.state.locks = locks
    caplog.set_level(logging.INFO)
    other = None
    try:
        with postgres_cluster.admin() as admin:
            ended = admin.execute(
                "SELECT pg_terminate_backend(%s, 30000)", (_backend_of(locks),)
            ).fetchone()
        assert ended == (True,)
        other = hold_source_locks(postgres_url, ["medias24"])  # free now: another runner's
        assert other is not None

        daemon._crawl_source("medias24")  # checked before crawling: not crawled here
        log = caplog.text
        assert "the PostgreSQL session holding the locks of sources 'hespress', 'medias24'" in log
        assert "ended" in log and "pg_terminate_backend" in log
        assert "source=medias24 no longer crawled by this runner: another runner" in log
        assert "source=medias24 not crawled: this daemon does not hold its lock" in log
        assert locks.holds("hespress") and not locks.holds("medias24")
        assert _backend_of(locks) != 0
        with pytest.raises(SourcesHeldElsewhere):  # taken again by the new session
            hold_source_locks(postgres_url, ["hespress"])
        report = health_report(postgres_url, daemon.state)
        said = [w for w in report["warnings"] if "medias24" in w]
        assert said and "not crawled by this daemon" in said[0], report["warnings"]
        assert report["status"] == "ok"  # the source is crawled, by the other runner

        backend = _backend_of(other)
        other.close()  # the other runner stops: the next check takes it back
        other = None
        with postgres_cluster.admin() as admin:  # once its backend has ended, not before
            admin.execute("SELECT pg_terminate_backend(%s, 30000)", (backend,))
        locks.check()
        assert locks.holds("medias24") and locks.lost == {}
        assert "locks of source 'medias24' taken again" in caplog.text
        assert not [
            w for w in health_report(postgres_url, daemon.state)["warnings"] if "medias24" in w
        ]
    finally:
        if other is not None:
            other.close()
        locks.close()


def test_a_servers_idle_session_timeout_does_not_end_the_locks_session(
    postgres_url, postgres_cluster
):
    """A server ending idle sessions (idle_session_timeout) ended the session holding the
    locks, idle between a runner's checks, and every lock with it: another runner could start
    crawling the same sources. The locks' session turns the timeout off for itself."""
    name = urlsplit(postgres_url).path.lstrip("/")
    with postgres_cluster.admin() as admin:
        admin.execute(f"ALTER DATABASE {name} SET idle_session_timeout = '1s'")
    locks = hold_source_locks(postgres_url, ["hespress"])
    assert locks is not None
    try:
        time.sleep(2.5)  # past the server's timeout, the session idle meanwhile
        with pytest.raises(SourcesHeldElsewhere):
            hold_source_locks(postgres_url, ["hespress"])
        backend = _backend_of(locks)
        locks.check()
        assert _backend_of(locks) == backend  # the same session, never ended
        # over TCP, a connection dropped on the way fails a check within a minute (a statement
        # waited some 15 minutes for the system's retransmissions, every crawl behind it)
        parameters = locks._database.conn.info.get_parameters()
        assert parameters.get("keepalives") == "1" and parameters.get("tcp_user_timeout")
        assert parameters.get("connect_timeout")  # opened again: no endless wait either
    finally:
        locks.close()


def test_a_session_that_cannot_be_opened_again_says_no_source_is_crawled(
    tmp_path, postgres_url, postgres_cluster, caplog
):
    """While the session holding the locks cannot be opened again (the database refusing
    connections here), no source is crawled: the log and /health (degraded) say why, a reload
    adding a source is refused saying so, and the next check once it answers takes every lock
    again."""
    sources, watchlists = tmp_path / "sources.yaml", tmp_path / "watchlists.yaml"
    _sources(sources, ["hespress"])
    watchlists.write_text("watchlists:\n  - name: x\n    terms: [x]\n", encoding="utf-8")
    settings = load_settings(db=postgres_url, sources=sources, watchlists=watchlists)
    daemon = Daemon(load_config(settings))
    locks = hold_source_locks(postgres_url, ["hespress"])
    assert locks is not None
    daemon._source_locks = daemon.state.locks = locks
    name = urlsplit(postgres_url).path.lstrip("/")
    caplog.set_level(logging.INFO)
    try:
        with postgres_cluster.admin() as admin:
            admin.execute(f"ALTER DATABASE {name} ALLOW_CONNECTIONS false")
            admin.execute("SELECT pg_terminate_backend(%s, 30000)", (_backend_of(locks),))
        daemon._crawl_source("hespress")
        assert "cannot be opened again" in caplog.text
        assert "source=hespress not crawled: this daemon does not hold its lock" in caplog.text
        problems = daemon.state.problems()
        assert any("no source is crawled" in p for p in problems), problems
        _sources(sources, ["hespress", "medias24"])
        daemon._reload()
        assert "cannot be opened again" in (daemon.state.reload_error or "")
        assert daemon.scheduler.get_job("crawl:medias24") is None

        with postgres_cluster.admin() as admin:
            admin.execute(f"ALTER DATABASE {name} ALLOW_CONNECTIONS true")
        locks.check()
        assert locks.holds("hespress") and daemon.state.problems() == []
        assert "is open again" in caplog.text
        daemon._reload()
        assert daemon.state.reload_error is None and locks.holds("medias24")
    finally:
        with postgres_cluster.admin() as admin:
            admin.execute(f"ALTER DATABASE {name} ALLOW_CONNECTIONS true")
        locks.close()


def test_status_knows_its_own_runner_whose_long_host_name_its_session_cuts(
    postgres_url, tmp_path, monkeypatch
):
    """PostgreSQL cuts a session's name at 63 bytes: on a machine of a long name (a cloud VM's
    « ip-10-0-0-12.eu-west-1.compute.internal »), `veille status` took the runner of this
    folder for one of another machine, its sources « not known »."""
    import socket

    from crawler.storage.store import open_database
    from monitors.service import runners

    host = "ip-10-0-0-12.eu-west-1.compute.internal.example"
    monkeypatch.setattr(socket, "gethostname", lambda: host)
    monkeypatch.chdir(tmp_path)
    locks = hold_source_locks(postgres_url, ["hespress"])
    assert locks is not None
    pidfile = runners.hold_daemon_lock(runners.pidfile_for(postgres_url))
    database = open_database(postgres_url)
    try:
        said = runners.runners_report(postgres_url, database, ["hespress"])
    finally:
        database.close()
        pidfile.close()
        locks.close()
    ((alive,), elsewhere) = said["alive"], said["elsewhere"]
    assert (alive["sources"], elsewhere) == (["hespress"], [])
