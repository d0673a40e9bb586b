"""The container on either engine: the image installs psycopg (veille[postgres]), its working
folder is the daemon's to write (on PostgreSQL the pidfile goes in data/ of the working folder),
and its health check asks the daemon's own /health, or opens the database, SQLite or
PostgreSQL, where it opened /data/veille.db whatever the database. No Docker here: the
Dockerfile is read, and its health-check command run against a real daemon on each engine."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from .listening import HEALTH, listening
from .test_deploy import ROOT, _instructions
from .waiting import wait_until

pytestmark = pytest.mark.slow  # end-to-end: real processes (README, "Development")


def _steps() -> list[tuple[str, str]]:
    return _instructions(ROOT / "Dockerfile")


def _exec_form(arguments: str) -> list[str]:
    return json.loads(arguments[arguments.index("[") :])


def _health_command() -> list[str]:
    (check,) = [args for keyword, args in _steps() if keyword == "HEALTHCHECK"]
    return _exec_form(check[check.index("CMD") + 3 :])


def test_the_image_installs_psycopg_and_gives_its_user_the_working_folder():
    steps = _steps()
    installs = [shlex.split(args) for keyword, args in steps if keyword == "RUN" and "pip" in args]
    assert any(".[postgres]" in words for words in installs), installs
    user = [args for keyword, args in steps if keyword == "USER"][-1]
    after_user = steps[[keyword for keyword, _ in steps].index("USER") :]
    workdir = [args for keyword, args in after_user if keyword == "WORKDIR"][-1]
    made = [args for keyword, args in steps if keyword == "RUN" and workdir in args]
    assert any("mkdir" in args and f"chown {user}" in args for args in made), made
    # the health check asks the port the daemon serves /health on
    (cmd,) = [args for keyword, args in steps if keyword == "CMD"]
    port = _exec_form(cmd)[_exec_form(cmd).index("--health-port") + 1]
    assert _health_command()[-1] == port


def _probe(port: int, location: str, cwd: Path) -> subprocess.CompletedProcess:
    command = [sys.executable if word == "python" else word for word in _health_command()]
    command[-1] = str(port)
    env = dict(os.environ, VEILLE_DB=location)
    return subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True, timeout=60)


def test_the_health_check_asks_the_daemon_on_each_engine(
    tmp_path, db_location, engine, monkeypatch
):
    """The daemon started in a fresh working folder, as the image's: on PostgreSQL its pidfile
    goes in that folder's data/, the only place it can write besides /data."""
    sources = tmp_path / "sources.yaml"
    sources.write_text(
        "sources:\n  - name: a\n    homepage: http://127.0.0.1:9/\n"
        "    feeds: [http://127.0.0.1:9/feed]\n",
        encoding="utf-8",
    )
    folder = tmp_path / "work"
    folder.mkdir()
    env = dict(
        os.environ, VEILLE_DB=db_location, VEILLE_SOURCES=str(sources), VEILLE_CRAWL_WORKERS="0"
    )
    command = [sys.executable, "-m", "monitors.cli", "run", "--health-port"]
    log = tmp_path / "daemon.log"

    def start(port: int) -> list[str]:
        return [*command, str(port)]

    monkeypatch.chdir(folder)  # the daemon's working folder, as the image's WORKDIR
    with listening(start, lambda _: log, HEALTH, env=env) as started:
        wait_until(lambda: "veille running" in started.log_text(), "the daemon's start")
        said = _probe(started.port, db_location, folder)
        pidfiles = sorted(p.relative_to(folder) for p in folder.rglob("*.pid"))
    assert said.returncode == 0, said.stdout + said.stderr
    assert said.stdout.strip() == "daemon ok"
    if engine == "postgresql":
        assert len(pidfiles) == 1 and pidfiles[0].parts[0] == "data", pidfiles


def test_without_a_daemon_the_health_check_opens_the_database(
    tmp_path, db_location, engine, closed_port
):
    said = _probe(closed_port, db_location, tmp_path)
    assert said.returncode == 0, said.stdout + said.stderr
    assert said.stdout.strip() == "database answers"


def test_a_database_that_does_not_answer_is_unhealthy_its_password_masked(tmp_path, closed_port):
    gone = f"postgresql://veille:S3cretPw@127.0.0.1:{closed_port}/veille"
    said = _probe(closed_port, gone, tmp_path)
    assert said.returncode == 1 and said.stdout.strip(), said.stdout + said.stderr
    assert "S3cretPw" not in said.stdout + said.stderr
    missing = _probe(closed_port, str(tmp_path / "nowhere.db"), tmp_path)
    assert missing.returncode == 1 and "nowhere.db" in missing.stdout
    assert not (tmp_path / "nowhere.db").exists()  # not made, empty, by the check


def test_a_degraded_daemon_is_unhealthy_with_its_problems(tmp_path):
    class Degraded(BaseHTTPRequestHandler):
        def log_message(self, *args):
            return

        def do_GET(self):  # noqa: N802
            body = json.dumps({"status": "degraded", "problems": ["delivery has not run"]})
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body.encode())

    server = ThreadingHTTPServer(("127.0.0.1", 0), Degraded)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        said = _probe(server.server_address[1], str(tmp_path / "veille.db"), tmp_path)
    finally:
        server.shutdown()
        server.server_close()
    assert said.returncode == 1
    assert said.stdout.strip() == "daemon degraded: delivery has not run"
