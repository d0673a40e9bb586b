"""The container's health check (the Dockerfile's HEALTHCHECK): the daemon's own /health when
the container runs the daemon, else whether the database answers, on SQLite or PostgreSQL
alike (the web view's container, a one-off command). It opened /data/veille.db whatever the
database: on PostgreSQL it checked a file nothing used.

    python -m monitors.service.probe PORT    # exit 0 healthy, 1 not, one line saying why

The database is VEILLE_DB's (data/veille.db when unset), as for `veille`."""

from __future__ import annotations

import json
import os
import sys
import urllib.error
import urllib.request
from pathlib import Path

DEFAULT_DB = "data/veille.db"


def _refused(exc: OSError) -> bool:
    """Nothing listens on the port: this container runs no daemon with --health-port."""
    reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
    return isinstance(reason, ConnectionRefusedError)


def daemon_health(port: int, timeout: float = 5.0) -> tuple[bool, str] | None:
    """The daemon's verdict from its /health on 127.0.0.1:`port`; None when nothing listens
    there."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=timeout) as answer:
            report = json.loads(answer.read())
    except OSError as exc:
        if _refused(exc):
            return None
        return False, f"the daemon's /health on port {port} did not answer: {exc}"
    except ValueError as exc:
        return False, f"the daemon's /health on port {port} is not JSON: {exc}"
    if report.get("status") == "ok":
        return True, "daemon ok"
    return False, "daemon degraded: " + "; ".join(report.get("problems") or ["no reason given"])


def database_answers(location: str | Path) -> tuple[bool, str]:
    """Whether the database opens and answers: SQLite's quick_check, PostgreSQL's SELECT 1."""
    from crawler.core.errors import VeilleError  # imported here: the daemon's check needs none
    from crawler.core.secrets import redact
    from crawler.storage import store

    try:
        db = store.open_database(location, create=False)
        try:
            store.check_database(db, location)
        finally:
            db.close()
    except VeilleError as exc:
        return False, redact(str(exc))
    return True, "database answers"


def probe(port: int, location: str | Path) -> tuple[bool, str]:
    """Healthy or not, and why: the daemon's /health if one listens on `port`, else the
    database."""
    said = daemon_health(port)
    return said if said is not None else database_answers(location)


def main(argv: list[str]) -> int:
    if len(argv) != 1 or not argv[0].isdigit():
        print("usage: python -m monitors.service.probe PORT (the daemon's --health-port)")
        return 2
    healthy, why = probe(int(argv[0]), os.environ.get("VEILLE_DB") or DEFAULT_DB)
    print(why)
    return 0 if healthy else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
