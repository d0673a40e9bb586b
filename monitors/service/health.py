"""An optional health endpoint on loopback, for systemd watchdogs, container orchestrators and
monitoring systems: GET /health answers the daemon's state as JSON."""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import asdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING

from crawler.core.errors import VeilleError
from crawler.storage import store
from monitors.service import store as service_store
from monitors.service.status import source_statuses

if TYPE_CHECKING:
    from monitors.service.daemon import DaemonState

logger = logging.getLogger(__name__)


def service_problems(backing_off: int, sources: int) -> list[str]:
    """The service's own trouble seen in the database: most sources failing at once (more than
    half of them backing off) is a network, a proxy or the daemon gone wrong, not a site."""
    if sources and backing_off * 2 > sources:
        return [f"most sources are failing: {backing_off} of {sources} backing off"]
    return []


def health_report(db_path: Path | str, daemon_state: DaemonState | None = None) -> dict:
    """What /health returns: per-source state, alert queue, the daemon's own problems (a late
    delivery, a stuck crawl, most sources failing) and an overall verdict.

    "degraded" only when the service itself is unwell, so that it can page someone: one source
    out of 38 backing off, or a channel refusing an alert, is reported (`sources_backing_off`,
    `failed_alerts`, `unconfirmed_alerts`, `warnings`) but leaves the verdict "ok". With a
    daemon, only the sources of its running configuration are judged."""
    try:  # a database moved away or deleted is the daemon's problem, not made again empty
        db = store.open_database(db_path, create=False)
    except VeilleError as exc:
        return {
            "status": "degraded",
            "problems": [str(exc)],
            "warnings": [],
            "sources_backing_off": [],
            "pending_alerts": 0,
            "failed_alerts": 0,
            "unconfirmed_alerts": 0,
            "last_run": None,
            "crawl_workers": [],
            "sources": [],
        }
    try:  # what the report shows, not the totals of `veille status` (they scan whole tables)
        sources = source_statuses(db)
        deliveries = service_store.deliveries_in_states(db, ("pending", "failed", "unconfirmed"))
        run = service_store.last_run(db)
    finally:
        db.close()
    configured = getattr(daemon_state, "sources", None)
    judged = [s for s in sources if not configured or s.name in configured]
    failing = [s.name for s in judged if (s.pace or "").startswith("backing off")]
    problems = daemon_state.problems() if daemon_state is not None else []
    problems += service_problems(len(failing), len(judged))
    warnings = [f"source {s.name}: {s.pace}" for s in sources if s.name in failing]
    for state in ("failed", "unconfirmed"):
        if deliveries.get(state):
            warnings.append(f"{deliveries[state]} alert delivery(ies) {state}")
    if daemon_state is not None:
        warnings += daemon_state.lock_warnings()
    if daemon_state is not None and daemon_state.reload_error:
        warnings.append(
            "the last reload was refused, the daemon runs its former configuration (and would "
            f"not start on the files as they are): {daemon_state.reload_error}"
        )
    return {
        "status": "degraded" if problems else "ok",
        "problems": problems,
        "warnings": warnings,
        "sources_backing_off": failing,
        "pending_alerts": deliveries.get("pending", 0),
        "failed_alerts": deliveries.get("failed", 0),
        "unconfirmed_alerts": deliveries.get("unconfirmed", 0),
        "last_run": run._asdict() if run else None,
        "crawl_workers": (
            daemon_state.pool.describe()
            if daemon_state is not None and daemon_state.pool is not None
            else []
        ),
        "sources": [asdict(s) for s in sources],
    }


def serve_health(
    db_path: Path | str,
    port: int,
    host: str = "127.0.0.1",
    daemon_state: DaemonState | None = None,
) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            return

        def do_GET(self) -> None:  # noqa: N802
            if self.path.split("?")[0] != "/health":
                self.send_error(404)
                return
            body = json.dumps(health_report(db_path, daemon_state), ensure_ascii=False).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    try:
        server = ThreadingHTTPServer((host, port), Handler)
    except OSError as exc:  # the port taken (another daemon's), or not ours to take
        raise VeilleError(
            f"--health-port {port}: cannot listen on {host}:{port} ({exc.strerror or exc}): "
            "another program (another veille run?) may hold it; give another port"
        ) from None
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, name="health", daemon=True).start()
    # Said once it listens, with the port it holds: whoever started the daemon (a supervisor, a
    # test) knows /health is this daemon's, not another program's that took the port first.
    logger.info("health on http://%s:%d/health", host, server.server_address[1])
    return server
