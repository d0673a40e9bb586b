"""`veille reload` (and the reader after a saved watchlist) signals the daemon that holds the
database's pidfile, and never a process that merely has the pid a dead daemon left there."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from click.testing import CliRunner

from crawler.core.errors import VeilleError
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


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="needs root")
def test_a_pidfile_another_user_cannot_read_is_said_so(tmp_path):
    """A daemon run by another user under a umask of 077 (a hardened service) leaves a pidfile
    that `veille reload`, or a reader run as another user, cannot open: that raised a traceback
    (its message named the pid it had not read) where it meant to say so; the reader answered
    500 after saving a watchlist."""
    from monitors.service.runners import request_reload

    (tmp_path / "veille.pid").write_text(f"{os.getpid()}\n", encoding="utf-8")
    tmp_path.chmod(0o700)  # root's: no other user opens what it holds
    os.seteuid(65534)  # nobody, for the open alone
    try:
        with pytest.raises(VeilleError, match="runs as another user"):
            request_reload(tmp_path / "veille.db")
    finally:
        os.seteuid(0)
