"""A port the tests pick free and another test process takes before the server binds it
(tests/listening.py), made to happen on purpose: the pick hands first a port another server
already holds, as another test process's server would between the pick and the bind."""

from __future__ import annotations

import json
import os
import smtplib
import socket
import sys
import urllib.request
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from threading import Thread

import pytest

from monitors.demo.sites import DEMO_SITES_ROOT, serve_site, stop_sites

from .listening import HEALTH, WEB_VIEW, listening
from .servers import SmtpServer, bound_socket, free_port
from .test_reader_guard import make_db

pytestmark = pytest.mark.slow  # real daemon and reader processes


class _Other(BaseHTTPRequestHandler):
    """Another test process's server: any path answers JSON that is not ours."""

    def do_GET(self):  # noqa: N802
        body = json.dumps({"status": "ok", "sources": [], "other": True}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        return


class Picks:
    """The ports picked: first one another server holds, then free ones."""

    def __init__(self, taken: int) -> None:
        self.taken = taken
        self.picked: list[int] = []

    def __call__(self) -> int:
        self.picked.append(free_port() if self.picked else self.taken)
        return self.picked[-1]


@pytest.fixture
def taken():
    other = ThreadingHTTPServer(("127.0.0.1", 0), _Other)
    Thread(target=other.serve_forever, daemon=True).start()
    yield Picks(other.server_address[1])
    other.shutdown()
    other.server_close()


def _get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=60) as answer:
        return answer.read()


def test_a_daemon_whose_health_port_was_taken_meanwhile_answers_on_another(tmp_path, taken):
    sources = tmp_path / "sources.yaml"
    sources.write_text(
        "sources:\n  - name: mine\n    homepage: http://127.0.0.1:9/\n"
        "    feeds: [http://127.0.0.1:9/feed]\n",
        encoding="utf-8",
    )
    env = dict(
        os.environ,
        VEILLE_DB=str(tmp_path / "veille.db"),
        VEILLE_SOURCES=str(sources),
        VEILLE_CRAWL_WORKERS="0",
    )
    command = [sys.executable, "-m", "monitors.cli", "run", "--health-port"]
    log = tmp_path / "daemon.log"
    with listening(lambda port: [*command, str(port)], lambda _: log, HEALTH, env, taken) as daemon:
        health = json.loads(_get(f"http://127.0.0.1:{daemon.port}/health"))
        assert "sources_backing_off" in health and "other" not in health, health  # this daemon's
        assert taken.picked == [taken.taken, daemon.port]
        assert f"health on http://127.0.0.1:{daemon.port}/health" in daemon.log_text()
        assert daemon.process.poll() is None


def test_a_reader_whose_port_was_taken_meanwhile_answers_on_another(tmp_path, taken):
    db = make_db(tmp_path)
    command = [sys.executable, "-m", "monitors.cli", "--db", str(db), "serve", "--port"]
    with listening(
        lambda port: [*command, str(port)],
        lambda port: tmp_path / f"serve-{port}.log",
        WEB_VIEW,
        pick=taken,
    ) as reader:
        assert b"reader.css" in _get(f"http://127.0.0.1:{reader.port}/")  # the reader's page
        assert taken.picked == [taken.taken, reader.port]
        # the refused attempt's log is gone: a test reads the one log of its reader
        assert [p.name for p in tmp_path.glob("serve-*.log")] == [f"serve-{reader.port}.log"]


def test_a_held_port_refuses_connections_and_no_other_server_takes_it():
    """A port where nothing listens, as a test needs one (a channel that is down), held: a
    port found free and let go could be taken by another test process's server, which would
    then accept what the test expects refused."""
    with bound_socket() as held:
        port = held.getsockname()[1]
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", port), timeout=10)
        with pytest.raises(OSError, match="in use"):
            ThreadingHTTPServer(("127.0.0.1", port), _Other)  # SO_REUSEADDR, as servers bind


def test_an_smtp_server_comes_up_on_the_port_held_for_it():
    held = bound_socket()
    port = held.getsockname()[1]
    smtp = SmtpServer(sock=held).start()
    try:
        assert smtp.port == port
        with socket.create_connection(("127.0.0.1", port), timeout=10) as client:
            assert client.recv(100).startswith(b"220")
    finally:
        smtp.stop()


def test_an_smtp_server_stopped_holding_its_port_comes_back_on_it_and_none_other_takes_it():
    """A channel's server down for a while, then back (test_notifications): its port let go
    between the stop and the start could be bound by another test process's server, which
    then answered the test's mail, or kept the SMTP server from coming back."""
    smtp = SmtpServer().start()
    port = smtp.port
    try:
        smtp.stop(hold=True)
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", port), timeout=10)
        with pytest.raises(OSError, match="in use"):
            ThreadingHTTPServer(("127.0.0.1", port), _Other)  # another process's server
        smtp.start()
        assert smtp.port == port
        with socket.create_connection(("127.0.0.1", port), timeout=10) as client:
            assert client.recv(100).startswith(b"220")
    finally:
        smtp.stop()
    assert smtp.sock is None  # stopped for good: its port no longer held


def test_a_site_comes_online_on_the_port_held_for_it():
    """An outlet not online yet, then online on the port its source names (test_stories):
    served on the held socket itself, the port is never free in between."""
    held = bound_socket()
    port = held.getsockname()[1]
    site = serve_site(DEMO_SITES_ROOT / "lequotidien", sock=held)
    try:
        assert site.base_url == f"http://127.0.0.1:{port}"
        assert b"<rss" in _get(site.base_url + "/feed/")  # the site's own feed
    finally:
        stop_sites({"lequotidien": site})


@dataclass
class _NotingSmtp(SmtpServer):
    """Notes whether the connection a message came on sends without delay."""

    nodelay: list[int] = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        sock = server.transport.get_extra_info("socket")
        self.nodelay.append(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
        return await super().handle_DATA(server, session, envelope)


def test_the_smtp_servers_connections_send_without_delay():
    """Each line of a reply is written on its own (EHLO's several): on a connection with
    Nagle's algorithm on, the second waited for the client's delayed ACK, 40 ms in every SMTP
    conversation of the suite (the four senders' 2,000 among them). asyncio turns it off on the
    connections of a listening socket that names its protocol (IPPROTO_TCP)."""
    smtp = _NotingSmtp().start()
    try:
        with smtplib.SMTP("127.0.0.1", smtp.port, local_hostname="localhost", timeout=60) as client:
            client.sendmail("a@example.ma", ["b@example.ma"], "Subject: x\r\n\r\nx\r\n")
    finally:
        smtp.stop()
    assert len(smtp.messages) == 1 and smtp.nodelay[0], smtp.nodelay
