"""Daemon memory over many cycles: the resident memory of a process running crawl → match →
deliver cycles back to back (what the daemon's jobs do), against the local fixture sites,
after 10 cycles and after N cycles, in one run.

    .venv/bin/python bench/daemon_memory.py [--cycles 300]

The crawls run in the daemon's long-lived crawl workers (`--workers 0`: a process per crawl,
as `run --once` does). Target: growth of the daemon's RSS under 10 % from cycle 10 to 300;
the workers' RSS is printed beside it (they are recycled above VEILLE_WORKER_MAX_RSS_MB).
"""

from __future__ import annotations

import argparse
import io
import logging
import tempfile
import time
from pathlib import Path

from monitors.demo.run import LOCAL_CRAWL_SETTINGS, console_only
from monitors.demo.sites import DEMO_SITES_ROOT, render_sources, serve_demo_sites, stop_sites
from monitors.service.config import SEEDS_DIR, Settings, load_config
from monitors.service.cycle import run_cycle


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def worker_rss_mb(pool) -> float:
    return sum(w["rss_mb"] for w in pool.describe()) if pool else 0.0


def main() -> None:
    from crawler.fetching.workers import WorkerPool

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cycles", type=int, default=300)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    sites = serve_demo_sites()
    try:
        with tempfile.TemporaryDirectory() as folder:
            sources = Path(folder) / "sources.yaml"
            sources.write_text(
                render_sources(DEMO_SITES_ROOT / "sources.yaml", sites), encoding="utf-8"
            )
            settings = Settings(
                db=Path(folder) / "veille.db",
                sources=sources,
                watchlists=SEEDS_DIR / "watchlists.yaml",
                crawl_settings=LOCAL_CRAWL_SETTINGS,
                send_interval=0,
                alert_max_age_days=None,
                crawl_log=Path(folder) / "crawl.log",
            )
            config = console_only(load_config(settings))
            pool = None
            if args.workers:
                pool = WorkerPool(
                    LOCAL_CRAWL_SETTINGS, size=args.workers, log_file=settings.crawl_log
                ).start()
            marks = {}
            started = time.perf_counter()
            for cycle in range(1, args.cycles + 1):
                run_cycle(config, console=io.StringIO(), pool=pool)
                for site in sites.values():  # the fixture servers run in this process: keep
                    site.requests.clear()  # their request logs (for the tests) out of the figure
                if cycle in (1, 10, 50, 100, 200, args.cycles):
                    marks[cycle] = rss_mb()
                    print(
                        f"cycle {cycle:>4}: daemon RSS {marks[cycle]:6.1f} MB, workers "
                        f"{worker_rss_mb(pool):6.1f} MB ({time.perf_counter() - started:.0f} s)",
                        flush=True,
                    )
            if pool is not None:
                print(f"workers recycled: {pool.recycled}, replaced after a crash: {pool.replaced}")
                pool.stop()
    finally:
        stop_sites(sites)
    base = min(10, args.cycles)  # a run shorter than 10 cycles (a smoke run) starts at cycle 1
    growth = (marks[args.cycles] - marks[base]) / marks[base]
    print(f"RSS growth from cycle {base} to cycle {args.cycles}: {growth:+.1%} (target < +10%)")


if __name__ == "__main__":
    main()
