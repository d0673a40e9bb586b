"""`veille demo`: serve the bundled fixture sites on 127.0.0.1, run one full cycle against them
with the bundled watchlists, and show what was stored and alerted. No internet needed."""

from __future__ import annotations

import dataclasses
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from crawler.core.errors import VeilleError
from monitors.alerts.routing import DeliveryConfig
from monitors.demo.sites import (
    DEMO_SITES_ROOT,
    ServedSite,
    render_sources,
    serve_demo_sites,
    stop_sites,
)
from monitors.service.config import Config, Settings, load_config
from monitors.service.cycle import CycleReport, run_cycle
from seeds import BUNDLED_WATCHLISTS

# Local fixture servers need no politeness delay; a dead host should fail fast.
LOCAL_CRAWL_SETTINGS: dict[str, object] = {
    "DOWNLOAD_DELAY": 0,
    "AUTOTHROTTLE_ENABLED": False,
    "RETRY_TIMES": 0,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 8,
    "DOWNLOAD_TIMEOUT": 10,
    "VEILLE_ALLOWED_NETWORKS": ["127.0.0.0/8"],  # the fixture sites live on loopback
}


@dataclass
class DemoResult:
    config: Config
    report: CycleReport


def console_only(config: Config) -> Config:
    """The same rules with every channel removed: the demo must not mail or post anything."""
    routes = {n: dataclasses.replace(r, notify=()) for n, r in config.delivery.routes.items()}
    return dataclasses.replace(config, delivery=DeliveryConfig(channels={}, routes=routes))


def demo_sources(sites: dict[str, ServedSite]) -> str:
    """The demo's source list: the fixture sources the tests crawl (sources.yaml) and the
    outlets only the demo adds (demo-outlets.yaml), rendered for the served sites."""
    import yaml

    listed = yaml.safe_load(render_sources(DEMO_SITES_ROOT / "sources.yaml", sites))
    added = yaml.safe_load(render_sources(DEMO_SITES_ROOT / "demo-outlets.yaml", sites))
    listed["sources"] += added["sources"]
    return yaml.safe_dump(listed, allow_unicode=True, sort_keys=False)


def run_demo(
    workdir: Path | None = None,
    watchlists: Path = BUNDLED_WATCHLISTS,
    console: TextIO | None = None,
) -> DemoResult:
    """Run one demo cycle; the database and logs go to `workdir` (a temporary folder by default)."""
    owned = None
    if workdir is None:
        owned = tempfile.TemporaryDirectory(prefix="veille-demo-")
        workdir = Path(owned.name)
    try:
        workdir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:  # under a file, onto a device: said, not a traceback
        raise VeilleError(
            f"cannot create the demo's folder {workdir} ({exc.strerror or exc}): give "
            "--dir a folder you may write to"
        ) from None
    sites = serve_demo_sites()
    for leftover in ("demo.db", "demo.db-wal", "demo.db-shm", "crawl.log"):
        (workdir / leftover).unlink(missing_ok=True)  # each demo starts from an empty database
    try:
        sources_file = workdir / "demo-sources.yaml"
        sources_file.write_text(demo_sources(sites), encoding="utf-8")
        settings = Settings(
            db=workdir / "demo.db",
            sources=sources_file,
            watchlists=watchlists,
            crawl_settings=LOCAL_CRAWL_SETTINGS,
            crawl_time_limit=120,
            send_interval=0,
            alert_max_age_days=None,
            crawl_log=workdir / "crawl.log",
        )
        config = console_only(load_config(settings))
        report = run_cycle(config, console=console)
        return DemoResult(config, report)
    finally:
        stop_sites(sites)
        if owned is not None:
            owned.cleanup()
