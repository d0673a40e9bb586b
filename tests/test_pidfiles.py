"""A runner's pidfile (monitors.service.runners): the file it locks is the one others read."""

from __future__ import annotations

import fcntl
import os

from crawler.core.errors import VeilleError
from monitors.service import runners


def test_a_runner_starting_while_a_dead_runners_pidfile_is_removed_locks_one_that_is_there(
    tmp_path, monkeypatch
):
    """`veille stop` (and a runner starting beside) removes the pidfile a dead runner left.
    A runner starting at that moment had opened that file and then locked it, removed: its pid
    written in a file no longer there, `veille reload`, `veille stop` and `veille status`
    found no runner. It opens the pidfile again when the one it locked was removed."""
    pidfile = tmp_path / "veille.pid"
    pidfile.write_text("999999999\n", encoding="utf-8")  # no such process
    real = fcntl.flock
    removed: list[runners.StalePidfile | None] = []

    def flock(handle, operation):  # the removal lands between the start's open and lock
        if not removed:
            removed.append(None)
            removed[0] = runners.remove_stale(pidfile)
        return real(handle, operation)

    monkeypatch.setattr(runners.fcntl, "flock", flock)
    lock = runners.hold_daemon_lock(pidfile)
    try:
        assert removed == [runners.StalePidfile(pidfile, 999999999)]
        monkeypatch.setattr(runners.fcntl, "flock", real)
        assert pidfile.read_text(encoding="utf-8") == f"{os.getpid()}\n"
        assert runners.running_daemon(tmp_path / "veille.db") == os.getpid()
    finally:
        lock.close()


def test_a_locked_pidfile_naming_no_single_process_names_no_runner(tmp_path):
    """A pid of 0 or below names a process group (0, -N) or every process of the user (-1):
    read from a locked pidfile, `veille stop` sent SIGTERM to it and `veille reload` SIGHUP."""
    pidfile = tmp_path / "veille.pid"
    for written in ("-1", "0", "-4242"):
        pidfile.write_text(f"{written}\n", encoding="utf-8")
        with open(pidfile, encoding="utf-8") as held:
            fcntl.flock(held, fcntl.LOCK_EX)  # as a live process holds it
            assert runners.running_daemon(tmp_path / "veille.db") is None
            assert runners.find_runners(tmp_path / "veille.db").alive == []


def test_a_runner_refuses_once_the_lock_stays_held_past_the_wait_and_says_it_waited(
    tmp_path, caplog
):
    """A pidfile whose lock stays held is a running daemon's: the runner that waited
    PROBE_WAIT seconds for it (a look lets go at once) stops, naming the daemon's pid."""
    pidfile = tmp_path / "veille.pid"
    pidfile.write_text("4242\n", encoding="utf-8")
    now = [0.0]

    def sleep(seconds: float) -> None:
        now[0] += seconds

    with open(pidfile, encoding="utf-8") as daemon:
        fcntl.flock(daemon, fcntl.LOCK_EX)  # as a running daemon holds it
        with caplog.at_level("INFO", logger="monitors.service.runners"):
            try:
                runners.hold_daemon_lock(pidfile, 2.0, clock=lambda: now[0], sleep=sleep)
            except VeilleError as exc:
                assert "another veille daemon (pid 4242) is already running" in str(exc)
            else:
                raise AssertionError("the runner started beside a running daemon")
    assert 2.0 <= now[0] < 2.1
    assert f"pidfile {pidfile} is locked" in caplog.text
    assert pidfile.read_text(encoding="utf-8") == "4242\n"
