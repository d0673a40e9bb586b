"""`veille stop` and `veille status` find the runners of a database by their pidfiles (on
PostgreSQL every runner started from the folder, each with its own: data/veille-<digest>-<pid>
.pid), as `veille reload` does: they stop them, or say which run, since when, with which
sources, and which pidfiles dead runners left; each crawl log line names its runner."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from monitors.cli import cli
from monitors.service.runners import pidfile_for

pytestmark = pytest.mark.slow  # end-to-end: runners in processes of their own

ROOT = Path(__file__).resolve().parents[1]

# A runner as far as its pidfile goes (monitors.service.runners.hold_daemon_lock), SIGTERM's
# answer given: the default (it ends at once, leaving its pidfile, as `run --once` does) or
# ignored (a daemon stuck in a step).
_RUNNER = """
import os, signal, sys, time
from monitors.service.runners import hold_daemon_lock, pidfile_for
if sys.argv[2] == "stuck":
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
lock = hold_daemon_lock(pidfile_for(sys.argv[1]))
print("ready", flush=True)
time.sleep(300)
"""


def _start_runner(location: str, folder: Path, answer: str) -> subprocess.Popen:
    runner = subprocess.Popen(
        [sys.executable, "-c", _RUNNER, location, answer],
        cwd=folder,
        stdout=subprocess.PIPE,
        text=True,
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
    )
    assert runner.stdout is not None and runner.stdout.readline() == "ready\n"
    return runner


def _dead_pid() -> int:
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    return gone.pid


def test_stop_stops_every_runner_of_the_folder_and_names_those_that_do_not(tmp_path, monkeypatch):
    """There was no `veille stop`: a PostgreSQL database's runners started from one folder
    had to be found by hand among the pidfiles of data/ and each sent SIGTERM, dead runners'
    pidfiles told apart by their free lock. Here one runner ends on SIGTERM, one ignores it,
    and one died leaving its pidfile: the first is said stopped, the second still running
    once the wait is over (exit 3), the dead one's pidfile removed. No database is opened:
    the runners are found by their pidfiles alone."""
    location = "postgresql://veille@db.invalid/veille"
    monkeypatch.chdir(tmp_path)
    ends = _start_runner(location, tmp_path, "default")
    stuck = _start_runner(location, tmp_path, "stuck")
    try:
        dead = _dead_pid()
        left = Path("data") / re.sub(r"-\d+\.pid$", f"-{dead}.pid", pidfile_for(location).name)
        left.write_text(f"{dead}\n", encoding="utf-8")
        result = CliRunner().invoke(cli, ["--db", location, "stop", "--wait", "1"])
        assert result.exit_code == 3, result.output
        assert f"stopped daemon {ends.pid}\n" in result.output
        assert f"still running after 1 s: daemon {stuck.pid}, asked to stop" in result.output
        assert f"removed {left}, left by daemon {dead}, which no longer runs" in result.output
        assert ends.wait(timeout=10) == -signal.SIGTERM
        assert stuck.poll() is None
        names = sorted(p.name for p in (tmp_path / "data").glob("veille-*.pid"))
        assert names == [re.sub(r"-\d+\.pid$", f"-{stuck.pid}.pid", left.name)]  # the live one's
    finally:
        for runner in (ends, stuck):
            runner.kill()
            runner.wait()
    result = CliRunner().invoke(cli, ["--db", location, "stop"])
    assert result.exit_code == 1, result.output
    assert "no running daemon for this database" in result.output
    assert "runners of other folders or machines not known: " in result.output  # out of reach
    assert not list((tmp_path / "data").glob("veille-*.pid"))  # the killed one's removed


def test_status_shows_the_daemon_and_its_sources_and_stop_ends_it_on_postgresql(
    tmp_path, postgres_url, monkeypatch
):
    """`veille status` read no pidfile: which runners ran on the database, since when, with
    which sources, and which pidfiles dead runners left, were to be found by hand. It says so
    now, the sources read from the locks each runner holds; `veille stop` ends the daemon
    (exit 0), removing the pidfile a dead runner left. The crawl log, shared by the runners
    started from the folder, names the runner of each of its lines."""
    sources = tmp_path / "sources.yaml"
    sources.write_text(  # nothing listens there: a crawl that fails at once
        "sources:\n  - name: absente\n    homepage: http://127.0.0.1:9/\n"
        "    feeds: [http://127.0.0.1:9/feed]\n    interval_minutes: 60\n",
        encoding="utf-8",
    )
    watchlists = tmp_path / "watchlists.yaml"
    watchlists.write_text("watchlists:\n  - name: x\n    terms: [x]\n", encoding="utf-8")
    env = {
        "VEILLE_DB": postgres_url,
        "VEILLE_SOURCES": str(sources),
        "VEILLE_WATCHLISTS": str(watchlists),
        "VEILLE_CRAWL_SETTINGS": json.dumps({"VEILLE_ALLOWED_NETWORKS": ["127.0.0.0/8"]}),
        "VEILLE_CRAWL_WORKERS": "1",
    }
    log = tmp_path / "daemon.log"
    with open(log, "w") as out:
        daemon = subprocess.Popen(
            [sys.executable, "-m", "monitors.cli", "run"],
            env=dict(os.environ, **env, PYTHONPATH=str(ROOT)),
            cwd=tmp_path,
            stdout=out,
            stderr=out,
        )
    try:
        crawl_log = tmp_path / "data" / "crawl.log"
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and (
            "veille running" not in log.read_text()
            or not crawl_log.exists()
            or "started (bot" not in crawl_log.read_text()  # its crawl worker's first line
        ):
            assert daemon.poll() is None, log.read_text()
            time.sleep(0.2)
        monkeypatch.chdir(tmp_path)
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        dead = _dead_pid()
        left = Path("data") / re.sub(r"-\d+\.pid$", f"-{dead}.pid", pidfile_for(postgres_url).name)
        left.write_text(f"{dead}\n", encoding="utf-8")
        shown = CliRunner().invoke(cli, ["status"])
        assert shown.exit_code == 0, shown.output
        assert re.search(
            rf"daemon: pid {daemon.pid}, since 20\d\d-\d\d-\d\d \d\d:\d\d:\d\d UTC, "
            r"sources: absente \(data/veille-\w+-\d+\.pid\)",
            shown.output,
        ), shown.output
        assert f"stale pidfile {left}: daemon {dead} no longer runs" in shown.output
        runners = json.loads(CliRunner().invoke(cli, ["status", "--json"]).output)["runners"]
        (alive,) = runners["alive"]
        assert (alive["pid"], alive["sources"]) == (daemon.pid, ["absente"])
        assert runners["stale"] == [{"pid": dead, "pidfile": str(left)}]
        assert runners["elsewhere"] == []
        (tmp_path / "elsewhere").mkdir()  # from another folder: seen by its sources' locks
        monkeypatch.chdir(tmp_path / "elsewhere")
        shown = CliRunner().invoke(cli, ["status"])
        assert "daemon: none running\n" in shown.output, shown.output
        assert f"daemon elsewhere: pid {daemon.pid} on {socket.gethostname()} (another " in (
            shown.output
        )
        # this folder's runners only; it said « no running daemon », not those that run
        elsewhere = CliRunner().invoke(cli, ["stop"])
        assert elsewhere.exit_code == 1, elsewhere.output
        assert "no running daemon for this database" in elsewhere.output
        assert re.search(
            rf"daemon elsewhere: pid {daemon.pid} on {re.escape(socket.gethostname())} \(another "
            r"folder or machine\), since 20\d\d-\d\d-\d\d \d\d:\d\d:\d\d UTC, sources: absente\n",
            elsewhere.output,
        ), elsewhere.output
        assert "not stopped: `veille stop` stops the runners started from this folder only" in (
            elsewhere.output
        )
        assert daemon.poll() is None
        monkeypatch.chdir(tmp_path)
        stopped = CliRunner().invoke(cli, ["stop"])
        assert stopped.exit_code == 0, stopped.output
        assert f"stopped daemon {daemon.pid}\n" in stopped.output
        assert f"removed {left}, left by daemon {dead}" in stopped.output
        assert daemon.wait(timeout=60) == 0
        assert "veille stopped" in log.read_text()
        assert not list((tmp_path / "data").glob("veille-*.pid"))
        lines = [line for line in crawl_log.read_text().splitlines() if line[:2] == "20"]
        assert lines, crawl_log.read_text()
        marked = [line for line in lines if f" runner={daemon.pid} [" in line]
        assert marked == lines, crawl_log.read_text()
    finally:
        if daemon.poll() is None:
            daemon.kill()
            daemon.wait()


# A runner starting, as far as its pidfile goes (hold_daemon_lock): its pidfile made, its pid not
# written yet; its lock not taken yet ("opened") or taken ("locked").
_STARTING = """
import fcntl, sys, time
from monitors.service.runners import pidfile_for
pidfile = pidfile_for(sys.argv[1])
pidfile.parent.mkdir(parents=True, exist_ok=True)
handle = open(pidfile, "a+", encoding="utf-8")
if sys.argv[2] == "locked":
    fcntl.flock(handle, fcntl.LOCK_EX)
print("ready", flush=True)
time.sleep(300)
"""


def _start_starting(location: str, folder: Path, state: str) -> subprocess.Popen:
    runner = subprocess.Popen(
        [sys.executable, "-c", _STARTING, location, state],
        cwd=folder,
        stdout=subprocess.PIPE,
        text=True,
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
    )
    assert runner.stdout is not None and runner.stdout.readline() == "ready\n"
    return runner


def _killed(runner: subprocess.Popen) -> int:
    runner.kill()
    runner.wait()
    assert runner.stdout is not None
    runner.stdout.close()
    return runner.pid


def test_a_runner_killed_starting_leaves_an_empty_pidfile_stop_removes(tmp_path, monkeypatch):
    """A runner killed between making its pidfile and writing its pid left an empty pidfile
    that neither `veille status` listed nor `veille stop` (nor the next runner) removed, read
    as one a starting runner was writing. A pidfile whose lock is free and whose runner (named
    in its name on PostgreSQL) no longer runs is now said left by a runner that died starting,
    and removed; one whose runner holds its lock, or still runs, is left alone."""
    from monitors.service.runners import find_runners

    location = "postgresql://veille@db.invalid/veille"
    monkeypatch.chdir(tmp_path)
    died = _start_starting(location, tmp_path, "opened")
    locked = _start_starting(location, tmp_path, "locked")
    opening = _start_starting(location, tmp_path, "opened")
    try:
        died_pid = _killed(died)
        left, *_ = (
            p for p in Path("data").glob("veille-*.pid") if p.name.endswith(f"-{died_pid}.pid")
        )
        assert left.read_text(encoding="utf-8") == ""
        found = find_runners(location)
        assert [(s.pidfile, s.pid) for s in found.stale] == [(left, None)]
        assert found.alive == []
        result = CliRunner().invoke(cli, ["--db", location, "stop", "--wait", "0"])
        assert result.exit_code == 1, result.output
        assert f"removed {left}, empty: left by a daemon that died starting\n" in result.output
        names = sorted(p.name for p in Path("data").glob("veille-*.pid"))
        assert names == sorted(
            re.sub(r"-\d+\.pid$", f"-{r.pid}.pid", left.name) for r in (locked, opening)
        )
    finally:
        for runner in (locked, opening):
            _killed(runner)
    # On SQLite the pidfile names no runner: one whose lock is free is a dead runner's.
    from crawler.storage.store import open_database

    db = tmp_path / "veille.db"
    open_database(str(db)).close()
    _killed(_start_starting(str(db), tmp_path, "opened"))
    shown = CliRunner().invoke(cli, ["--db", str(db), "status"])
    assert (
        f"stale pidfile {tmp_path / 'veille.pid'}: empty, left by a daemon that died starting"
        in shown.output
    ), shown.output
    result = CliRunner().invoke(cli, ["--db", str(db), "stop", "--wait", "0"])
    assert f"removed {tmp_path / 'veille.pid'}, empty: left by a daemon that died" in result.output
    assert not (tmp_path / "veille.pid").exists()


# A look at the SQLite file's pidfile (monitors.service.runners), `veille status`'s
# (find_runners) or `veille stop`'s removal of a dead runner's (remove_stale), that holds the
# pidfile's lock until told to let go.
_LOOK = """
import sys
from monitors.service import runners
read = runners._read_pid
def held(handle):  # called with the pidfile's lock held
    print("holding", flush=True)
    sys.stdin.readline()
    return read(handle)
runners._read_pid = held
if sys.argv[2] == "status":
    runners.find_runners(sys.argv[1])
else:
    runners.remove_stale(runners.pidfile_for(sys.argv[1]))
print("done", flush=True)
"""

# A runner starting on the file, its log on stderr, waiting for its lock as long as it must.
_STARTS = """
import logging, sys, time
from monitors.service.runners import hold_daemon_lock, pidfile_for
logging.basicConfig(level=logging.INFO, format="%(message)s")
lock = hold_daemon_lock(pidfile_for(sys.argv[1]), probe_wait=300)
print("ready", flush=True)
time.sleep(300)
"""


@pytest.mark.parametrize("look", ["status", "stop"])
def test_a_look_at_the_pidfile_as_a_runner_starts_does_not_make_it_refuse(tmp_path, look):
    """A runner opening the SQLite file's veille.pid took its lock without waiting: `veille
    status`, `veille stop` or `veille reload` holding it that instant to look made it refuse
    to start (« another veille daemon (pid ?) is already running »). It now tries again for a
    while (PROBE_WAIT), saying so, and starts once the look lets go."""
    db = tmp_path / "v.db"
    (tmp_path / "veille.pid").write_text(f"{_dead_pid()}\n", encoding="utf-8")  # one SIGKILLed
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    probe = subprocess.Popen(
        [sys.executable, "-c", _LOOK, str(db), look],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    runner = None
    try:
        assert probe.stdout is not None and probe.stdout.readline() == "holding\n"
        runner = subprocess.Popen(
            [sys.executable, "-c", _STARTS, str(db)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        assert runner.stderr is not None and runner.stdout is not None
        said = runner.stderr.readline()
        assert f"pidfile {tmp_path / 'veille.pid'} is locked: by a look of" in said, (
            said + runner.stderr.read()
        )
        assert probe.stdin is not None
        probe.stdin.write("\n")
        probe.stdin.flush()
        assert probe.stdout.readline() == "done\n"
        assert runner.stdout.readline() == "ready\n", runner.stderr.read()
        assert (tmp_path / "veille.pid").read_text(encoding="utf-8") == f"{runner.pid}\n"
    finally:
        for process in (probe, runner):
            if process is not None:
                process.kill()
                process.communicate()
