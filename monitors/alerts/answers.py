"""What apprise says while one message is sent, watched for that send alone: its warnings
(the reason of a failure), and whether the message may have arrived though the send failed: an
HTTP answer that never came within the read timeout, or a mail server handed the whole message
(DATA and its final dot) that closed the connection or timed out before answering. Such a send
is left 'unconfirmed', never sent again on its own (monitors/alerts/delivery.py).

The send is told from any other by a context variable, as apprise tells its own per-call log
captures apart: apprise runs each service in a worker thread with a copy of the caller's
context, so what the worker logs (and sends over SMTP) finds the send it belongs to, and two
sends at once, on two threads, never see each other's words.

apprise says requests' « Read timed out » and smtplib's « Connection unexpectedly closed » at
debug level only, so its logger is lowered to DEBUG while any send is watched, and a filter
lets through to the log only what the logger's level before the first watch let through
(apprise's debug lines hold the payload). The level is restored when the last of several sends
at once ends, in whatever order they end: a level saved by each send and restored by each
left apprise at DEBUG, its payloads in the log, after two sends that overlapped without
nesting.

Which bytes went to the mail server last is read from smtplib's audit event « smtplib.send »
(PEP 578), the only public place it is said: apprise's email plugin logs the same failure
whichever command the server left unanswered, and only one left after the message's final dot
may have delivered it. The hook keeps a yes or no, never the bytes.
"""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

_APPRISE = logging.getLogger("apprise")
_MESSAGE_END = b"\r\n.\r\n"  # what smtplib sends last of a message, after DATA's 354


@dataclass
class SendWatch:
    """What apprise and smtplib said during one send."""

    warnings: list[str] = field(default_factory=list)  # apprise's WARNING lines and above
    read_timed_out: bool = False  # requests' « Read timed out » (an HTTP answer never came)
    message_handed: bool = False  # the last bytes sent to a mail server ended a message
    mail_error: str = ""  # apprise's « Socket Exception: … » of an email send

    def note(self, record: logging.LogRecord) -> None:
        text = record.getMessage()
        if record.levelno >= logging.WARNING:
            self.warnings.append(text)
        elif "Read timed out" in text:
            self.read_timed_out = True
        elif text.startswith("Socket Exception:"):
            self.mail_error = text

    @property
    def mail_unanswered(self) -> bool:
        """The mail server was handed the whole message and never answered: the connection
        closed, or timed out, before its reply to the message (a 4xx or 5xx answer is a
        reply, and smtplib then sends RSET: not this)."""
        return self.message_handed and "Connection unexpectedly closed" in self.mail_error

    @property
    def mail_timed_out(self) -> bool:
        return self.mail_unanswered and self.mail_error.rstrip().endswith("timed out")


_current: ContextVar[SendWatch | None] = ContextVar("veille_send_watch", default=None)
_lock = threading.Lock()
_watching: list[SendWatch] = []  # the sends under way, in this process
_restore: list[int] = []  # apprise's own level before the first watch of those under way
_passing: list[int] = []  # the level its records reached the log at then
_hooked: list[bool] = []


class _Gate(logging.Filter):
    """On apprise's logger while any send is watched: each record to its send's watch, and to
    the log only if the level before the watches let it through."""

    def filter(self, record: logging.LogRecord) -> bool:
        watch = _current.get()  # in apprise's worker thread too: it runs in a copied context
        if watch is not None:
            watch.note(record)
        return bool(_passing) and record.levelno >= _passing[0]


_GATE = _Gate()


def _on_audit(event: str, args: tuple[Any, ...]) -> None:
    """smtplib's bytes, looked at for the end of a message by a watched send alone."""
    if event != "smtplib.send":
        return
    watch = _current.get()
    if watch is not None:
        data = args[1] if len(args) > 1 else b""
        watch.message_handed = isinstance(data, bytes) and data.endswith(_MESSAGE_END)


@contextmanager
def watching_send() -> Iterator[SendWatch]:
    """Watch what apprise says while the block sends one message."""
    watch = SendWatch()
    with _lock:
        if not _hooked:
            sys.addaudithook(_on_audit)  # for the process's life: hooks cannot be removed
            _hooked.append(True)
        if not _watching:
            _restore[:] = [_APPRISE.level]
            _passing[:] = [_APPRISE.getEffectiveLevel()]
            _APPRISE.addFilter(_GATE)
            _APPRISE.setLevel(logging.DEBUG)
        _watching.append(watch)
    token = _current.set(watch)
    try:
        yield watch
    finally:
        _current.reset(token)
        with _lock:
            _watching.remove(watch)
            if not _watching:
                _APPRISE.setLevel(_restore[0])
                _APPRISE.removeFilter(_GATE)
