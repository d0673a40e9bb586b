"""A runner's pidfile (monitors.service.runners): the file it locks is the one others read."""

from __future__ import annotations

import fcntl
import os

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
    removed: list[int | None] = []

    def flock(handle, operation):  # the removal lands between the start's open and lock
        if not removed:
            removed.append(None)
            removed[0] = runners.remove_stale(pidfile)
        return real(handle, operation)

    monkeypatch.setattr(runners.fcntl, "flock", flock)
    lock = runners.hold_daemon_lock(pidfile)
    try:
        assert removed == [999999999]
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
