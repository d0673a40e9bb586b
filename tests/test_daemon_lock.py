"""One daemon per database, and no crawl outliving a killed daemon."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .hostile import HostileSite

pytestmark = pytest.mark.slow  # end-to-end: real processes (README, "Development")


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _env_of_a_hanging_source(tmp_path: Path, site: HostileSite) -> dict[str, str]:
    """The environment of a daemon on a SQLite file whose one source's feed hangs (its crawl
    runs until stopped), in `tmp_path`."""
    sources = tmp_path / "sources.yaml"
    sources.write_text(
        f"sources:\n  - name: lente\n    homepage: {site.base_url}/\n"
        f"    feeds: [{site.base_url}/hang]\n    interval_minutes: 60\n",
        encoding="utf-8",
    )
    watchlists = tmp_path / "watchlists.yaml"
    watchlists.write_text("watchlists:\n  - name: x\n    terms: [x]\n", encoding="utf-8")
    return dict(
        os.environ,
        VEILLE_DB=str(tmp_path / "v.db"),
        VEILLE_SOURCES=str(sources),
        VEILLE_WATCHLISTS=str(watchlists),
        VEILLE_CRAWL_SETTINGS=json.dumps(
            {"VEILLE_ALLOWED_NETWORKS": ["127.0.0.0/8"], "DOWNLOAD_TIMEOUT": 600}
        ),
    )


def test_a_second_daemon_refuses_and_a_killed_daemon_leaves_no_crawl(tmp_path):
    site = HostileSite()
    try:
        env = _env_of_a_hanging_source(tmp_path, site)
        command = [sys.executable, "-m", "monitors.cli", "run"]
        first = subprocess.Popen(
            command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        try:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline and not _children(first.pid):
                time.sleep(0.2)
            crawls = _children(first.pid)
            assert crawls, "the daemon started no crawl"
            second = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
            assert second.returncode == 2
            assert f"another veille daemon (pid {first.pid}) is already running" in second.stderr
            assert (tmp_path / "veille.pid").read_text().strip() == str(first.pid)
            first.send_signal(signal.SIGKILL)
            first.wait(timeout=30)
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and any(_alive(c) for c in crawls):
                time.sleep(0.2)
            assert not any(_alive(c) for c in crawls), "a crawl outlived its daemon"
        finally:
            if first.poll() is None:
                first.kill()
            for child in _children(first.pid):
                os.kill(child, signal.SIGKILL)
    finally:
        site.stop()


def test_a_second_daemon_of_the_same_sources_on_postgresql_refuses_wherever_it_starts(
    tmp_path, postgres_url
):
    """On PostgreSQL the pidfile is the working folder's (./data): a daemon started from another
    folder, or from another machine, on the same database found no pidfile of the first and ran
    beside it without a word, both crawling every source on their own schedules. The first
    holds a session lock of each of its sources; the second, and `run --once`, stop naming them
    and it. A runner of other sources runs beside it (monitors.service.source_locks), from the
    same folder too: there the pidfile refused it (« another veille daemon … is already
    running »), naming the first daemon, whose sources it does not crawl; `veille reload` from
    that folder still reaches the daemon."""
    sources = tmp_path / "sources.yaml"
    sources.write_text(  # nothing listens there: a crawl that fails at once
        "sources:\n  - name: absente\n    homepage: http://127.0.0.1:9/\n"
        "    feeds: [http://127.0.0.1:9/feed]\n    interval_minutes: 60\n",
        encoding="utf-8",
    )
    watchlists = tmp_path / "watchlists.yaml"
    watchlists.write_text("watchlists:\n  - name: x\n    terms: [x]\n", encoding="utf-8")
    env = dict(
        os.environ,
        VEILLE_DB=postgres_url,
        VEILLE_SOURCES=str(sources),
        VEILLE_WATCHLISTS=str(watchlists),
        VEILLE_CRAWL_SETTINGS=json.dumps({"VEILLE_ALLOWED_NETWORKS": ["127.0.0.0/8"]}),
        PYTHONPATH=str(Path(__file__).resolve().parents[1]),
    )
    command = [sys.executable, "-m", "monitors.cli", "run"]
    here, there = tmp_path / "here", tmp_path / "there"
    here.mkdir()
    there.mkdir()
    log = tmp_path / "first.log"
    with open(log, "w") as out:
        first = subprocess.Popen(command, env=env, cwd=here, stdout=out, stderr=out)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and "veille running" not in log.read_text():
            assert first.poll() is None, log.read_text()
            time.sleep(0.2)
        assert "veille running" in log.read_text(), log.read_text()
        for second_command in (command, [*command, "--once"]):
            second = subprocess.run(
                second_command, env=env, cwd=there, capture_output=True, text=True, timeout=60
            )
            assert second.returncode == 2, second.stderr
            assert "another veille daemon" in second.stderr, second.stderr
            assert f"pid {first.pid}" in second.stderr, second.stderr
            assert "veille running" not in second.stderr
        # a runner of other sources shares the database (several crawl machines), started
        # from another folder or, as here, from the first one's, whose pidfiles are in data/
        elsewhere = tmp_path / "elsewhere.yaml"
        elsewhere.write_text(sources.read_text().replace("absente", "ailleurs"), encoding="utf-8")
        other = subprocess.run(
            [*command, "--once"],
            env=dict(env, VEILLE_SOURCES=str(elsewhere)),
            cwd=here,
            capture_output=True,
            text=True,
            timeout=180,
        )
        assert "another veille daemon" not in other.stderr, other.stderr
        assert "ailleurs" in other.stdout + other.stderr  # it crawled its source
        assert first.poll() is None  # the first runs on
        reload = subprocess.run(
            [sys.executable, "-m", "monitors.cli", "reload"],
            env=env,
            cwd=here,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert f"reload requested from daemon {first.pid};" in reload.stdout, reload.stderr
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and "reloaded:" not in log.read_text():
            time.sleep(0.2)
        assert "reloaded:" in log.read_text()
    finally:
        first.send_signal(signal.SIGTERM)
        first.wait(timeout=60)
    assert not list((here / "data").glob("veille-*.pid"))  # each runner removed its own
    # stopped, it lets another daemon start
    again = subprocess.run(
        [*command, "--once"], env=env, cwd=there, capture_output=True, text=True, timeout=180
    )
    assert "another veille daemon" not in again.stderr, again.stderr


def test_a_daemon_on_postgresql_that_cannot_write_its_pidfile_says_where_to_start_it(
    tmp_path, postgres_url
):
    """On PostgreSQL the daemon's pidfile is the working folder's data/: the sample systemd
    unit ran it in /opt/veille, read-only to it (ProtectSystem=strict), and it died on a
    traceback (« OSError: [Errno 30] Read-only file system: 'data' »). Here data/ cannot be
    made (a file has its name): the refusal names the pidfile and what to do."""
    (tmp_path / "sources.yaml").write_text(
        "sources:\n  - name: absente\n    homepage: http://127.0.0.1:9/\n"
        "    feeds: [http://127.0.0.1:9/feed]\n",
        encoding="utf-8",
    )
    (tmp_path / "watchlists.yaml").write_text(
        "watchlists:\n  - name: x\n    terms: [x]\n", encoding="utf-8"
    )
    folder = tmp_path / "opt"
    folder.mkdir()
    (folder / "data").write_text("not a folder\n", encoding="utf-8")
    env = dict(
        os.environ,
        VEILLE_DB=postgres_url,
        VEILLE_SOURCES=str(tmp_path / "sources.yaml"),
        VEILLE_WATCHLISTS=str(tmp_path / "watchlists.yaml"),
        VEILLE_CRAWL_LOG=str(tmp_path / "crawl.log"),
        PYTHONPATH=str(Path(__file__).resolve().parents[1]),
    )
    for once in ([], ["--once"]):
        done = subprocess.run(
            [sys.executable, "-m", "monitors.cli", "run", *once],
            env=env,
            cwd=folder,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 2, done.stderr
        assert "Traceback" not in done.stderr, done.stderr
        assert "the daemon's pidfile data/veille-" in done.stderr, done.stderr
        assert "WorkingDirectory=/var/lib/veille" in done.stderr, done.stderr


def test_a_database_a_daemon_runs_on_is_not_copied_to_postgresql(tmp_path, postgres_cluster):
    """`veille db copy` of the SQLite file a daemon runs on: what the daemon stored during and
    after the copy was missing from PostgreSQL, where the next crawls stored it and alerted it
    again, and the copy said nothing of it. It is refused, naming the daemon to stop."""
    site = HostileSite()
    try:
        env = _env_of_a_hanging_source(tmp_path, site)
        target = postgres_cluster.empty_database()
        daemon = subprocess.Popen(
            [sys.executable, "-m", "monitors.cli", "run"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline and not _children(daemon.pid):
                time.sleep(0.2)
            assert _children(daemon.pid), "the daemon started no crawl"
            copy = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "monitors.cli",
                    "db",
                    "copy",
                    str(tmp_path / "v.db"),
                    target,
                ],
                env=env,
                capture_output=True,
                text=True,
                timeout=120,
            )
            assert copy.returncode == 2, copy.stdout + copy.stderr
            assert f"a veille daemon (pid {daemon.pid}) runs on" in copy.stderr, copy.stderr
            assert "stop it first" in copy.stderr
        finally:
            daemon.send_signal(signal.SIGTERM)
            daemon.wait(timeout=60)
        copy = subprocess.run(  # stopped, the copy is made
            [sys.executable, "-m", "monitors.cli", "db", "copy", str(tmp_path / "v.db"), target],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert copy.returncode == 0, copy.stderr
    finally:
        site.stop()


def test_a_reload_asked_of_run_once_leaves_it_running(tmp_path):
    """`veille reload` (and the reader after a saved watchlist) signals the runner holding the
    pidfile, on PostgreSQL every runner started from the folder: a `run --once` among them died
    of it (SIGHUP's default), its cycle cut short. It says there is nothing to reload, and runs
    on."""
    site = HostileSite()
    try:
        env = _env_of_a_hanging_source(tmp_path, site)
        log = tmp_path / "once.log"
        with open(log, "w") as out:
            once = subprocess.Popen(
                [sys.executable, "-m", "monitors.cli", "run", "--once"],
                env=env,
                stdout=out,
                stderr=out,
            )
        try:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline and "/hang" not in site.hits:
                assert once.poll() is None, log.read_text()
                time.sleep(0.2)
            reload = subprocess.run(
                [sys.executable, "-m", "monitors.cli", "reload"],
                env=env,
                capture_output=True,
                text=True,
                timeout=60,
            )
            assert f"reload requested from daemon {once.pid}" in reload.stdout, reload.stderr
            while time.monotonic() < deadline and "reload asked" not in log.read_text():
                assert once.poll() is None, log.read_text()
                time.sleep(0.2)
            assert "one cycle has nothing to reload; it runs on" in log.read_text()
            assert once.poll() is None
        finally:
            once.send_signal(signal.SIGTERM)
            try:
                once.wait(timeout=60)
            except subprocess.TimeoutExpired:
                once.kill()
                once.wait()
            for child in _children(once.pid):
                os.kill(child, signal.SIGKILL)
    finally:
        site.stop()
