"""`veille reload` (and the reader after a saved watchlist) signals the daemon that holds the
database's pidfile, and never a process that merely has the pid a dead daemon left there."""

from __future__ import annotations

import subprocess
import sys

from click.testing import CliRunner

from monitors.cli import cli


def test_a_pidfile_left_by_a_killed_daemon_signals_no_other_process(tmp_path):
    """A daemon killed with SIGKILL (or by the kernel for memory) leaves its pidfile; its pid
    may later be another process's. `veille reload` sent it SIGHUP, whose default is to end
    it, and said 'reload requested from daemon …': here a process of the same user, killed."""
    (tmp_path / "veille.db").touch()
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    try:
        (tmp_path / "veille.pid").write_text(f"{other.pid}\n", encoding="utf-8")
        result = CliRunner().invoke(cli, ["--db", str(tmp_path / "veille.db"), "reload"])
        assert result.exit_code != 0, result.output
        assert "no running daemon for this database" in result.output
        assert other.poll() is None, "the process holding the dead daemon's pid was signalled"
    finally:
        other.kill()
        other.wait()
