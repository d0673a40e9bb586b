"""Daemon memory over many cycles: the memory of the daemon and all its crawl processes (the
long-lived workers and their extraction processes) while every one of N sources is crawled,
matched and delivered each cycle, against news sites on loopback that publish as the cycles go.

    nice -n 10 .venv/bin/python bench/daemon_memory.py [--sources 100] [--cycles 300] [--every 25]

The daemon's schedule is injected: each cycle polls every source once, each from a crawl thread
of its own as the daemon's jobs do (run_cycle with only=[source]), so 300 cycles are 30,000
polls; about 14 of 100 sources have a new article each cycle. The worker count and their memory
limit and the crawls at once in each are the daemon's defaults on a machine with --memory-mb of
memory (1,024: one worker running up to 8 crawls at once, replaced above 300 MB or after 5,000
crawls); --workers and --max-active override the count and the crawls at once. Each line gives
the mean wall time of a cycle since the previous line: with every source due at once, what
fewer crawls at once cost in how long the last source of a cycle waits.

Memory is the sum over the processes of their resident set (RSS; shared pages counted in each
process, the conservative figure), of their proportional set (PSS; shared pages split) and of
their anonymous memory (not the database file's mapped pages, which the kernel can reclaim),
printed every --every cycles with the RSS of each role; the total RSS is also sampled every
half second, and its peak printed. Targets: under 400 MB in total (RSS), and flat: the total
at the last cycle within 10 % of cycle 10's (cycle 1's for a run under 10 cycles), both taken
while no worker is being replaced (the samples taken during a replacement are marked).
"""

from __future__ import annotations

import argparse
import io
import logging
import os
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import IO

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import loopback  # noqa: E402
from news_sites import NewsSites, article_count  # noqa: E402

from monitors.service.config import (  # noqa: E402
    default_crawl_workers,
    default_worker_max_active,
    default_worker_max_rss_mb,
    load_config,
    load_settings,
)
from monitors.service.cycle import run_cycle  # noqa: E402

TARGET_MB = 400
ROLES = ("daemon", "workers", "extraction")


FIELDS = ("Rss:", "Pss:", "Anonymous:")


def _memory_kb(pid: int) -> list[int]:
    """RSS, PSS and anonymous memory of a process in kB (0 for a process gone since)."""
    values = dict.fromkeys(FIELDS, 0)
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as rollup:
            for line in rollup:
                name = line.split(maxsplit=1)[0]
                if name in values:
                    values[name] = int(line.split()[1])
    except OSError:
        pass
    return list(values.values())


def _role(pid: int) -> str | None:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
            command = cmdline.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return None
    if "crawler.fetching.worker" in command:
        return "workers"
    if "crawler.extraction" in command:
        return "extraction"
    return "other"


def memory_by_role(excluded: int) -> dict[str, list[float]]:
    """[RSS, PSS, anonymous] in MB of this process (the daemon) and of each role among its
    descendants, leaving out the `excluded` process (the news sites) and its own."""
    return memory_and_pids_by_role(excluded)[0]


def memory_and_pids_by_role(excluded: int) -> tuple[dict[str, list[float]], dict[str, list[int]]]:
    """memory_by_role, and the pids found in each role."""
    children = loopback.children_by_parent()
    totals = {role: [0, 0, 0] for role in (*ROLES, "other")}
    pids: dict[str, list[int]] = {role: [] for role in (*ROLES, "other")}
    totals["daemon"] = _memory_kb(os.getpid())
    stack = list(children.get(os.getpid(), []))
    while stack:
        pid = stack.pop()
        if pid == excluded:
            continue
        stack.extend(children.get(pid, []))
        role = _role(pid)
        if role is None:
            continue
        pids[role].append(pid)
        for i, value in enumerate(_memory_kb(pid)):
            totals[role][i] += value
    return {role: [value / 1024 for value in values] for role, values in totals.items()}, pids


SAMPLE_COLUMNS = (
    "seconds",
    "cycle",
    "total",
    *ROLES,
    "other",
    "running",
    "threads",
    "worker_pids",
    "extraction_pids",
)


def tree_cpu_seconds(excluded: int) -> float:
    """CPU time (user and system) used so far by this process and its descendants, those
    ended included (each parent waits for its children), leaving out `excluded` and its own
    (the news sites, running until the end): what the memory levers cost in CPU, compared
    between runs of the same cycles."""
    ticks = os.sysconf("SC_CLK_TCK")
    children = loopback.children_by_parent()
    total = 0.0
    stack = [os.getpid()]
    while stack:
        pid = stack.pop()
        if pid == excluded:
            continue
        stack.extend(children.get(pid, []))
        try:
            with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        # utime, stime, cutime, cstime: fields 14 to 17 of stat(5), 12 to 15 after the name
        total += sum(int(value) for value in fields[11:15]) / ticks
    return total


class PeakSampler:
    """The total RSS sampled every half second in a thread of its own, so that a moment between
    two prints (a worker recycled: its replacement starts before it leaves) is not missed.

    With a `log`, each sample is also written as one tab-separated line (SAMPLE_COLUMNS): the
    cycle under way, the RSS of each role in MB, the crawls running in the workers, the daemon's
    threads and the pids of the workers and extraction processes (a new pid: a replacement), so
    that a peak can be traced to what the processes were doing."""

    def __init__(self, excluded: int, log: IO[str] | None = None, pool=None) -> None:
        self.excluded = excluded
        self.peak = 0.0
        self.cycle = 0
        self._log = log
        self._pool = pool
        self._started = time.perf_counter()
        if log is not None:
            log.write("\t".join(SAMPLE_COLUMNS) + "\n")
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="memory-sampler", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(0.5):
            memory, pids = memory_and_pids_by_role(self.excluded)
            total = sum(values[0] for values in memory.values())
            self.peak = max(self.peak, total)
            if self._log is not None:
                running = sum(w["running"] for w in self._pool.describe()) if self._pool else 0
                row = [
                    f"{time.perf_counter() - self._started:.1f}",
                    str(self.cycle),
                    f"{total:.1f}",
                    *(f"{memory[role][0]:.1f}" for role in (*ROLES, "other")),
                    str(running),
                    str(threading.active_count()),
                    ",".join(map(str, pids["workers"])),
                    ",".join(map(str, pids["extraction"])),
                ]
                self._log.write("\t".join(row) + "\n")
                self._log.flush()

    def take(self) -> float:
        """The peak since the last call."""
        peak, self.peak = self.peak, 0.0
        return peak

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def _poll_all(config, names: list[str], pool, threads: ThreadPoolExecutor) -> int:
    """One cycle of the injected schedule: every source polled once, as the daemon's crawl jobs
    do; the new articles stored."""
    reports = threads.map(
        lambda name: run_cycle(
            config, only=[name], console=io.StringIO(), pool=pool, deliver_when_idle=False
        ),
        names,
    )
    return sum(report.crawl.new_articles for report in reports)


def main() -> None:
    from crawler.fetching.workers import WorkerPool

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sources", type=int, default=100)
    parser.add_argument("--cycles", type=int, default=300)
    parser.add_argument("--every", type=int, default=25, help="print memory every N cycles")
    parser.add_argument("--memory-mb", type=int, default=1024, help="the machine's, for defaults")
    parser.add_argument("--workers", type=int, help="crawl workers (default: the daemon's)")
    parser.add_argument(
        "--max-active", type=int, help="crawls at once in one worker (default: the daemon's)"
    )
    parser.add_argument(
        "--samples",
        type=Path,
        help="write every half-second sample to this file (tab-separated, one line each)",
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    memory = args.memory_mb * 1024 * 1024
    workers = args.workers or default_crawl_workers(memory=memory)
    max_rss_mb = default_worker_max_rss_mb(memory)
    max_active = args.max_active or default_worker_max_active(memory)
    sites = NewsSites(args.sources)
    try:
        with tempfile.TemporaryDirectory(prefix="veille-memory-") as tmp:
            folder = Path(tmp)
            watchlists = folder / "watchlists.yaml"
            watchlists.write_text(
                "watchlists:\n"
                "  - name: numerique\n    query: numérisation\n    notify: [console]\n"
                "  - name: ia\n    query: '\"intelligence artificielle\" AND Casablanca'\n"
                "    notify: [console]\n",
                encoding="utf-8",
            )
            settings = load_settings(
                db=folder / "veille.db",
                sources=sites.write_sources(folder / "sources.yaml"),
                watchlists=watchlists,
                crawl_log=folder / "crawl.log",
                send_interval=0,
                crawl_settings={
                    "VEILLE_ALLOWED_NETWORKS": ["127.0.0.0/8"],
                    "DOWNLOAD_DELAY": 0,
                    "AUTOTHROTTLE_ENABLED": False,
                    "LOG_LEVEL": "WARNING",
                },
            )
            # The sites' dates are made up: no age limit on alerts.
            settings = replace(settings, alert_max_age_days=None, worker_max_active=max_active)
            config = load_config(settings)
            names = [s.name for s in config.sources.enabled()]
            pool = WorkerPool(
                settings.crawl_settings,
                size=workers,
                log_file=settings.crawl_log,
                max_active=settings.worker_max_active,
                max_crawls=settings.worker_max_crawls,
                max_rss_mb=max_rss_mb,
            ).start()
            print(
                f"{args.sources} sources, {workers} crawl worker(s) (the default at "
                f"{args.memory_mb} MB), {settings.worker_max_active} crawls at once each, "
                f"recycled after {settings.worker_max_crawls} crawls or "
                f"{max_rss_mb:.0f} MB",
                flush=True,
            )
            marks: dict[int, float] = {}
            peaks: list[float] = []
            samples = open(args.samples, "w", encoding="utf-8") if args.samples else None  # noqa: SIM115
            sampler = PeakSampler(sites.process.pid or 0, samples, pool)
            stored = 0
            started = last_line = time.perf_counter()
            last_cpu = tree_cpu_seconds(sites.process.pid or 0)
            last_cycle = 0
            threads = ThreadPoolExecutor(workers * settings.worker_max_active)
            try:
                for cycle in range(1, args.cycles + 1):
                    sampler.cycle = cycle
                    sites.advance()
                    stored += _poll_all(config, names, pool, threads)
                    if cycle in (1, 10, args.cycles) or cycle % args.every == 0:
                        memory = memory_by_role(sites.process.pid or 0)
                        total = sum(memory[r][0] for r in (*ROLES, "other"))
                        total_pss = sum(memory[r][1] for r in (*ROLES, "other"))
                        total_anon = sum(memory[r][2] for r in (*ROLES, "other"))
                        peaks.append(max(total, sampler.take()))
                        described = pool.describe()
                        replacing = (
                            len(described) != workers
                            or any(w["draining"] for w in described)
                            or not memory["extraction"][0]
                        )
                        if not replacing:  # flatness is judged on settled samples only
                            marks[cycle] = total
                        cpu = tree_cpu_seconds(sites.process.pid or 0)
                        roles = ", ".join(
                            f"{role} {memory[role][0]:5.1f}" for role in (*ROLES, "other")
                        )
                        print(
                            f"cycle {cycle:>4}: total RSS {total:6.1f} MB (peak since the last "
                            f"line {peaks[-1]:6.1f}; PSS {total_pss:6.1f}, "
                            f"anonymous {total_anon:6.1f}) "
                            f"| {roles} | {stored} articles stored of "
                            f"{article_count(args.sources, sites.tick)} published "
                            f"({time.perf_counter() - started:.0f} s; "
                            f"{(time.perf_counter() - last_line) / (cycle - last_cycle):.1f} s "
                            f"a cycle, CPU {(cpu - last_cpu) / (cycle - last_cycle):.2f} s a "
                            "cycle)" + (" [a worker being replaced]" if replacing else ""),
                            flush=True,
                        )
                        last_line, last_cycle, last_cpu = time.perf_counter(), cycle, cpu
            finally:
                sampler.stop()
                if samples is not None:
                    samples.close()
                threads.shutdown()
                print(f"workers recycled: {pool.recycled}, replaced after a crash: {pool.replaced}")
                pool.stop()
    finally:
        sites.stop()
    # From cycle 10 (1 for a run under 10 cycles) to the last cycle, both the nearest samples
    # taken while no worker was being replaced (a replacement is every 5,000 crawls by default).
    base = 10 if args.cycles >= 10 else 1
    first = min((c for c in marks if c >= base), default=min(marks))
    last = max(marks)
    growth = (marks[last] - marks[first]) / marks[first]
    peak = max(peaks)
    print(
        f"total RSS growth from cycle {first} to cycle {last}: {growth:+.1%} "
        f"(target within ±10%); peak {peak:.1f} MB sampled every 0.5 s (target < {TARGET_MB} MB): "
        + ("met" if peak < TARGET_MB and abs(growth) <= 0.10 else "MISSED")
    )


if __name__ == "__main__":
    main()
