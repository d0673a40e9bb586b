"""Logs: JSON lines keep their tracebacks, and secrets stay out of both."""

from __future__ import annotations

import io
import json
import logging

from crawler.core.secrets import RedactingFilter, remember_secret
from monitors.cli import LOG_FORMAT, JsonFormatter


def _log_exception(formatter: logging.Formatter) -> str:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    handler.addFilter(RedactingFilter())
    logger = logging.getLogger("veille-test-logging")
    logger.handlers[:] = [handler]
    logger.propagate = False
    try:
        raise RuntimeError("SMTP login failed for s3cr3t-P4ss")
    except RuntimeError:
        logger.exception("delivery failed with password s3cr3t-P4ss")
    return stream.getvalue()


def test_json_logs_keep_the_traceback_when_a_secret_is_configured():
    remember_secret("s3cr3t-P4ss")
    entry = json.loads(_log_exception(JsonFormatter()))
    assert "Traceback (most recent call last)" in entry["exception"]
    assert "RuntimeError" in entry["exception"]
    assert "s3cr3t-P4ss" not in json.dumps(entry)
    text = _log_exception(logging.Formatter(LOG_FORMAT))
    assert "Traceback" in text and "s3cr3t-P4ss" not in text
