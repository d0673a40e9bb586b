"""A mail server handed the whole message that answers too late, or closes the connection
without answering: the alert may have arrived, so it is left 'unconfirmed' with what to do,
never sent again on its own, as a webhook answering too late is (tests/test_webhook_answers.py).
A server that stops answering before the message went (at MAIL FROM) is retried as before.
Real SMTP server on loopback (aiosmtpd); `cto=` is apprise's email timeout, 15 s by default."""

from __future__ import annotations

import asyncio
import logging
import threading
from dataclasses import dataclass, field
from datetime import timedelta

import pytest

from .servers import SmtpServer
from .test_webhook_answers import T0, _one_alert

CTO = 1.0  # seconds apprise waits for each of the server's answers here


@dataclass
class StallingSmtp(SmtpServer):
    """Holds its answer to the message (`answer`), closes the connection instead of answering
    it (`drop`), or holds its answer to MAIL FROM (`mail`), until the test releases it."""

    stall: str = "answer"
    release: threading.Event = field(default_factory=threading.Event)

    async def _wait(self) -> None:
        await asyncio.get_running_loop().run_in_executor(None, self.release.wait, 30)

    async def handle_MAIL(self, server, session, envelope, address, mail_options):  # noqa: N802
        if self.stall == "mail":
            await self._wait()
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        answer = await super().handle_DATA(server, session, envelope)
        if self.stall == "answer":
            await self._wait()
        elif self.stall == "drop":
            server.transport.close()
        return answer

    def stop(self, hold: bool = False) -> None:
        self.release.set()
        super().stop(hold)


def _mail_url(server: SmtpServer) -> str:
    return f"mailto://127.0.0.1:{server.port}?from=veille@example.ma&to=equipe@example.ma&cto={CTO}"


@pytest.mark.parametrize("stall", ["answer", "drop"])
def test_a_message_the_mail_server_took_without_answering_is_unconfirmed_and_sent_once(
    tmp_path, caplog, stall
):
    server = StallingSmtp(stall=stall).start()
    try:
        sender = _one_alert(tmp_path, _mail_url(server))
        with caplog.at_level(logging.INFO):
            first = sender.deliver_pending(now=T0)
            later = sender.deliver_pending(now=T0 + timedelta(days=1))
    finally:
        server.stop()
    assert len(server.messages) == 1
    assert first.unconfirmed == 1 and first.retrying == 0 and later.messages == 0
    state, error = sender.db.execute("SELECT state, last_error FROM deliveries").fetchone()
    assert state == "unconfirmed"
    said = {
        "answer": "gave no answer within the channel's timeout",
        "drop": "closed the connection without answering",
    }[stall]
    assert f"the mail server was handed the whole message and {said}" in error
    assert "it may have arrived" in error and "veille alerts retry --unconfirmed" in error
    assert "cto=60" in error
    logged = [r.getMessage() for r in caplog.records if r.name == "monitors.alerts.delivery"]
    assert any("marked unconfirmed" in line for line in logged), logged
    # apprise's debug lines, looked at for the answer, reach no log
    assert not any(r.name == "apprise" and r.levelno < logging.INFO for r in caplog.records)


def test_a_mail_server_silent_before_the_message_is_retried(tmp_path):
    server = StallingSmtp(stall="mail").start()
    try:
        sender = _one_alert(tmp_path, _mail_url(server))
        first = sender.deliver_pending(now=T0)
        server.release.set()
        again = sender.deliver_pending(now=T0 + timedelta(days=1))
    finally:
        server.stop()
    assert first.retrying == 1 and first.unconfirmed == 0
    assert again.sent == 1 and len(server.messages) == 1
