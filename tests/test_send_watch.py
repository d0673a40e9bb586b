"""Two sends at once, on two threads: what apprise says of one (a « Read timed out », a
warning) is never taken for the other's, and apprise's logger is back at its own level when
both are over, in whatever order they end, so that its debug lines (the payload) never reach
the log after them. Real webhooks on loopback, each holding its answer until the test lets it
go."""

from __future__ import annotations

import io
import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import apprise

from crawler.storage import store
from monitors.alerts.delivery import Sender, Unanswered
from monitors.alerts.messages import Message
from monitors.service.watchlists import load_watchlists


class HeldWebhook:
    """Takes each POST, says so (`posted`), and answers `status` once released."""

    def __init__(self, status: int) -> None:
        self.posted = threading.Event()
        self.answer = threading.Event()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                return

            def do_POST(self):  # noqa: N802
                self.rfile.read(int(self.headers["Content-Length"]))
                outer.posted.set()
                outer.answer.wait(60)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def url(self, rto: float) -> str:
        return f"json://127.0.0.1:{self.server.server_address[1]}/hook?rto={rto}"

    def release(self) -> None:
        self.answer.set()

    def close(self) -> None:
        self.answer.set()
        self.server.shutdown()
        self.server.server_close()


class Sending(threading.Thread):
    """One send on its own thread; its answer in `error`."""

    def __init__(self, sender: Sender, channel: str) -> None:
        super().__init__(daemon=True)
        self.sender, self.channel = sender, channel
        self.error: str | None = "not sent"

    def run(self) -> None:
        self.error = self.sender.send(self.channel, MESSAGE)


MESSAGE = Message("[veille] test", "Le cloud souverain marocain.", apprise.NotifyFormat.TEXT)


def _sender(tmp_path, urls: dict[str, str]) -> Sender:
    channels = "".join(f'  {name}:\n    url: "{url}"\n' for name, url in urls.items())
    path = tmp_path / "watchlists.yaml"
    path.write_text(
        f"channels:\n{channels}watchlists:\n"
        f"  - {{name: cloud, terms: [cloud], notify: [{', '.join(urls)}]}}\n",
        encoding="utf-8",
    )
    db = store.open_database(tmp_path / "veille.db")
    return Sender(db, load_watchlists(path).delivery, io.StringIO(), min_interval=0)


def test_a_timeout_of_one_send_is_not_taken_for_another_sent_at_the_same_time(tmp_path):
    refusing, silent = HeldWebhook(500), HeldWebhook(200)
    sender = _sender(tmp_path, {"refus": refusing.url(rto=30), "muet": silent.url(rto=0.3)})
    first = Sending(sender, "refus")
    try:
        first.start()
        assert refusing.posted.wait(30)
        late = sender.send("muet", MESSAGE)  # its answer never comes while `first` waits
        refusing.release()
        first.join(30)
    finally:
        refusing.close()
        silent.close()
    assert isinstance(late, Unanswered)
    assert first.error is not None and "error=500" in first.error
    assert not isinstance(first.error, Unanswered), first.error
    assert "Read timed out" not in first.error


def test_apprise_is_back_at_its_level_after_two_sends_ending_out_of_order(tmp_path, caplog):
    log = logging.getLogger("apprise")
    before = log.level
    one, two = HeldWebhook(200), HeldWebhook(200)
    sender = _sender(tmp_path, {"un": one.url(rto=30), "deux": two.url(rto=30)})
    first, second = Sending(sender, "un"), Sending(sender, "deux")
    try:
        first.start()
        assert one.posted.wait(30)
        second.start()
        assert two.posted.wait(30)
        one.release()  # the first send ends first, the second after it
        first.join(30)
        two.release()
        second.join(30)
    finally:
        one.close()
        two.close()
    assert first.error is None and second.error is None
    assert log.level == before
    with caplog.at_level(logging.INFO):
        log.debug("JSON Payload: %s", "secret")
    assert not any("JSON Payload" in r.getMessage() for r in caplog.records)
