"""A webhook or Slack answering 429 with Retry-After: apprise (2.2) does not pass the header
on, in its result or its log at any level, and offers no hook on the request it makes, so the
delivery is retried on veille's own backoff; the stored reason says it was rate limited and
that the header could not be read (docs/notifications.md). Real endpoints on loopback."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from apprise.plugins.slack import NotifySlack

from .test_webhook_answers import T0, _one_alert


class Busy:
    """Answers every POST 429 with Retry-After: 120, as Slack does when rate limited."""

    def __init__(self) -> None:
        self.posts = 0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                return

            def do_POST(self):  # noqa: N802
                self.rfile.read(int(self.headers["Content-Length"]))
                outer.posts += 1
                self.send_response(429)
                self.send_header("Retry-After", "120")
                self.send_header("Content-Length", "12")
                self.end_headers()
                self.wfile.write(b"rate_limited")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.mark.parametrize("kind", ["json", "slack"])
def test_a_channel_answering_429_is_retried_on_veilles_backoff_saying_why(
    tmp_path, monkeypatch, kind
):
    busy = Busy()
    try:
        if kind == "slack":
            monkeypatch.setattr(NotifySlack, "webhook_url", busy.url + "/services")
            url = "https://hooks.slack.com/services/T0000000/B0000000/abcdefghijklmnopqrstuvwx"
        else:
            url = f"json://{busy.url.removeprefix('http://')}/hook"
        sender = _one_alert(tmp_path, url)
        report = sender.deliver_pending(now=T0)
    finally:
        busy.close()
    assert busy.posts == 1 and report.retrying == 1
    state, error, due = sender.db.execute(
        "SELECT state, last_error, next_attempt_at FROM deliveries"
    ).fetchone()
    assert state == "pending" and "error=429" in error
    assert "rate limited (429)" in error and "Retry-After" in error
    # veille's first backoff (1 minute and up to 20 % of jitter), not the 120 s asked for
    wait = datetime.fromisoformat(due) - T0
    assert timedelta(minutes=1) <= wait <= timedelta(minutes=1.2), wait
