"""A webhook that takes the message and answers too late: the alert may have arrived, so it is
left 'unconfirmed' with why, never sent again on its own (a retry reached the webhook each
time: up to eight copies of one alert)."""

from __future__ import annotations

import io
import logging
import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from crawler.storage import store
from crawler.storage.importer import ImportRecord, import_records
from monitors.alerts.delivery import Sender
from monitors.alerts.outbox import match_pending
from monitors.service.watchlists import load_watchlists

T0 = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)


class LateWebhook:
    """Takes each POST and holds its answer until the test lets it go (`release`)."""

    def __init__(self) -> None:
        self.posts: list[bytes] = []
        self.answer = threading.Event()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                return

            def do_POST(self):  # noqa: N802
                outer.posts.append(self.rfile.read(int(self.headers["Content-Length"])))
                outer.answer.wait(60)
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def release(self) -> None:
        self.answer.set()
        self.server.shutdown()
        self.server.server_close()


def _one_alert(tmp_path, url: str) -> Sender:
    """A database with one article and its alert to the channel `url`: its sender."""
    rules_path = tmp_path / "watchlists.yaml"
    rules_path.write_text(
        f"""channels:
  crochet:
    url: "{url}"
watchlists:
  - name: cloud
    terms: [cloud souverain]
    notify: [crochet]
""",
        encoding="utf-8",
    )
    rules = load_watchlists(rules_path)
    db = store.open_database(tmp_path / "veille.db")
    text = "Le cloud souverain marocain accueillera les données des administrations publiques."
    import_records(db, [ImportRecord(1, "https://a.ma/cloud", text, "a", "Cloud", None, "fr")])
    assert match_pending(db, *rules, max_age=None, now=T0).alerts == 1
    return Sender(db, rules.delivery, io.StringIO(), min_interval=0)


def test_a_webhook_answering_too_late_is_left_unconfirmed_and_sent_once(tmp_path, caplog):
    hook = LateWebhook()
    port = hook.server.server_address[1]
    sender = _one_alert(tmp_path, f"json://127.0.0.1:{port}/hook?rto=0.2")
    db = sender.db
    try:
        with caplog.at_level(logging.INFO):
            first = sender.deliver_pending(now=T0)
            later = sender.deliver_pending(now=T0 + timedelta(days=1))
    finally:
        hook.release()
    assert len(hook.posts) == 1 and first.unconfirmed == 1 and later.messages == 0
    state, error = db.execute("SELECT state, last_error FROM deliveries").fetchone()
    assert state == "unconfirmed"
    assert "it may have arrived" in error and "veille alerts retry --unconfirmed" in error
    assert "rto=30" in error
    said = [r.getMessage() for r in caplog.records if r.name == "monitors.alerts.delivery"]
    assert any("marked unconfirmed" in line for line in said), said
    # apprise's debug lines, looked at for the timeout, reach no log: the payload stays out
    assert not any("JSON Payload" in r.getMessage() for r in caplog.records)


def test_a_webhook_that_moved_is_a_failed_send_not_a_lost_message(tmp_path):
    """A webhook answering 301 (moved to another host, or http:// sent on to https://): apprise
    followed it, its POST became a GET of the new address, the message never arrived, and the
    delivery was marked sent."""
    received: list[str] = []

    class NewAddress(BaseHTTPRequestHandler):
        def log_message(self, *args):
            return

        def do_GET(self):  # noqa: N802
            received.append("GET")
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        do_POST = do_GET  # noqa: N815

    class Moved(BaseHTTPRequestHandler):
        def log_message(self, *args):
            return

        def do_POST(self):  # noqa: N802
            self.rfile.read(int(self.headers["Content-Length"]))
            self.send_response(301)
            self.send_header("Location", f"http://localhost:{new.server_address[1]}/hook")
            self.send_header("Content-Length", "0")
            self.end_headers()

    new = ThreadingHTTPServer(("127.0.0.1", 0), NewAddress)
    old = ThreadingHTTPServer(("127.0.0.1", 0), Moved)
    for server in (new, old):
        threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        sender = _one_alert(tmp_path, f"json://127.0.0.1:{old.server_address[1]}/hook")
        report = sender.deliver_pending(now=T0)
    finally:
        for server in (new, old):
            server.shutdown()
            server.server_close()
    assert report.sent == 0 and report.retrying == 1 and received == []
    state, error = sender.db.execute("SELECT state, last_error FROM deliveries").fetchone()
    assert state == "pending" and "error=301" in error
    assert "write the address it moved to in the channel's URL" in error


def test_a_send_apprise_stops_waiting_for_is_left_unconfirmed(tmp_path, monkeypatch):
    """apprise gives each service a time limit per message (60 s) and reports TIMEOUT when it
    passes, while the service's thread goes on sending: the delivery was retried, and the
    webhook had the message already."""
    import apprise

    monkeypatch.setattr(apprise.AppriseAsset, "_service_timeout", 0.5)  # 60 s by default
    hook = LateWebhook()
    port = hook.server.server_address[1]
    sender = _one_alert(tmp_path, f"json://127.0.0.1:{port}/hook?rto=30")
    try:
        first = sender.deliver_pending(now=T0)
        later = sender.deliver_pending(now=T0 + timedelta(days=1))
    finally:
        hook.release()
    assert len(hook.posts) == 1 and first.unconfirmed == 1 and later.messages == 0
    state, error = sender.db.execute("SELECT state, last_error FROM deliveries").fetchone()
    assert state == "unconfirmed"
    assert "apprise stopped waiting for the channel" in error and "it may have arrived" in error


def test_apprises_own_retries_are_refused_in_a_channel(tmp_path):
    """retry= makes apprise send a message again at once whenever it calls a send failed: a
    webhook answering after the read timeout got three copies of one alert with retry=2."""
    import pytest

    from crawler.core.errors import VeilleError

    config = tmp_path / "apprise.txt"
    config.write_text("json://127.0.0.1:9/hook?retry=2\n", encoding="utf-8")
    config.chmod(0o600)
    for line, spec in [
        (2, 'url: "json://127.0.0.1:9/hook?rto=0.2&retry=2"'),
        (3, f'config: "{config}"'),
    ]:
        rules_path = tmp_path / "watchlists.yaml"
        rules_path.write_text(
            f"channels:\n  crochet:\n    {spec}\nwatchlists:\n"
            "  - {name: cloud, terms: [cloud], notify: [crochet]}\n",
            encoding="utf-8",
        )
        with pytest.raises(VeilleError) as refused:
            load_watchlists(rules_path)
        said = str(refused.value)
        assert f"watchlists.yaml:{line}:" in said, said
        assert "channel 'crochet': retry=2 makes apprise send a message again at once" in said
        assert "remove retry=" in said


def test_a_channel_tag_apprise_would_read_as_retries_is_refused(tmp_path):
    """A channel's tag « presse:2 » is apprise's « retry twice »: three sends of one message
    (measured: three attempts at a webhook), as retry=2 in the URL."""
    import pytest

    from crawler.core.errors import VeilleError

    config = tmp_path / "apprise.yml"
    config.write_text("urls:\n  - json://127.0.0.1:9/hook:\n    - tag: presse\n", "utf-8")
    config.chmod(0o600)
    rules_path = tmp_path / "watchlists.yaml"
    rules_path.write_text(
        f'channels:\n  crochet:\n    config: "{config}"\n    tags: [presse:2]\nwatchlists:\n'
        "  - {name: cloud, terms: [cloud], notify: [crochet]}\n",
        encoding="utf-8",
    )
    with pytest.raises(VeilleError) as refused:
        load_watchlists(rules_path)
    said = str(refused.value)
    assert "watchlists.yaml:4:" in said and "tag 'presse:2' holds ':'" in said, said
