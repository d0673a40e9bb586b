"""What one idle cycle costs: N sources (one or two feeds each) whose feeds answer 304, polled
through the daemon's path (run_cycle on the long-lived worker pool), next to the old path (one
`python -m crawler.crawl` process per crawl) in the same run.

    .venv/bin/python bench/idle_cost.py                 # 100, 500 and 1,000 sources
    .venv/bin/python bench/idle_cost.py --sources 100   # one size
    .venv/bin/python bench/idle_cost.py --old-sample 10 # crawls measured on the old path

CPU-seconds count the daemon process and its crawl workers (or crawl children). The server
answers conditional requests with 304, as news sites' CDNs do.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import os
import resource
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from monitors.config import load_settings  # noqa: E402
from monitors.cycle import load_config, run_cycle  # noqa: E402

ARTICLE = """<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8">
<title>{title}</title><meta property="article:published_time" content="2026-11-2{day}T09:00:00+01:00">
</head><body><nav><a href="/">Accueil</a></nav><article><h1>{title}</h1>
<p>{body}</p><p>{body}</p><p>{body}</p></article><footer>© 2026</footer></body></html>"""
FEED = """<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>{name}</title>
<link>{base}/</link><description>Actualité</description>{items}</channel></rss>"""
ITEM = "<item><title>{title}</title><link>{link}</link><pubDate>Mon, 2{day} Nov 2026 09:00:00 +0100</pubDate></item>"
WORDS = [
    "Le",
    "ministère",
    "a",
    "présenté",
    "à",
    "Rabat",
    "un",
    "programme",
    "de",
    "numérisation",
    "des",
    "services",
    "publics",
    "destiné",
    "aux",
    "collectivités",
    "territoriales",
    "et",
    "aux",
    "entreprises",
    "de",
    "la",
    "région",
]


class _Site(BaseHTTPRequestHandler):
    """/s{i}/feed{j}.xml: a feed of two articles; /s{i}/a{j}{k}: the articles. ETags on all."""

    protocol_version = "HTTP/1.1"

    def log_message(self, *args) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802
        parts = self.path.strip("/").split("/")
        if len(parts) != 2 or not parts[0].startswith("s"):
            self._send(404, b"not found", "text/plain")
            return
        source, leaf = parts
        base = f"http://{self.headers['Host']}/{source}"
        if leaf.startswith("feed"):
            j = leaf[4:-4]
            items = "".join(
                ITEM.format(
                    title=f"{source} article {j}{k}", link=f"{base}/a{j}{k}", day=(int(k) + 1)
                )
                for k in "01"
            )
            body = FEED.format(name=source, base=base, items=items).encode()
            kind = "application/rss+xml"
        elif leaf.startswith("a"):
            seed = int(hashlib.sha1(self.path.encode()).hexdigest()[:8], 16)
            words = [WORDS[(seed >> i) % len(WORDS)] for i in range(60)]
            body = ARTICLE.format(
                title=f"{source} {leaf} " + " ".join(words[:6]),
                body=" ".join(words) + f" ({self.path})",
                day=seed % 8 + 1,
            ).encode()
            kind = "text/html; charset=utf-8"
        else:
            self._send(404, b"not found", "text/plain")
            return
        etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
        if self.headers.get("If-None-Match") == etag:
            self.send_response(304)
            self.send_header("ETag", etag)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self._send(200, body, kind, etag)

    def _send(self, status: int, body: bytes, kind: str, etag: str | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        if etag:
            self.send_header("ETag", etag)
        self.end_headers()
        self.wfile.write(body)


def _cpu_of(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except OSError:
        return 0.0


def _own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _write_sources(folder: Path, base: str, count: int) -> tuple[Path, int]:
    lines, entry_points = ["sources:"], 0
    for i in range(count):
        feeds = 1 + i % 2
        entry_points += feeds
        urls = ", ".join(f"{base}/s{i}/feed{j}.xml" for j in range(feeds))
        lines.append(f"  - name: s{i}\n    homepage: {base}/s{i}/\n    feeds: [{urls}]")
    path = folder / "sources.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path, entry_points


def _config(folder: Path, sources: Path):
    watchlists = folder / "watchlists.yaml"
    watchlists.write_text(
        "watchlists:\n  - name: numerique\n    query: numérisation\n    notify: [console]\n",
        encoding="utf-8",
    )
    settings = load_settings(
        db=folder / "veille.db",
        sources=sources,
        watchlists=watchlists,
        crawl_log=folder / "crawl.log",
        crawl_settings={
            "VEILLE_ALLOWED_NETWORKS": ["127.0.0.0/8"],
            "ROBOTSTXT_OBEY": True,
            "LOG_LEVEL": "WARNING",
        },
    )
    return load_config(settings)


def _cycle(config, names: list[str], pool, threads: int) -> float:
    started = time.monotonic()
    with ThreadPoolExecutor(threads) as executor:
        list(
            executor.map(
                lambda name: run_cycle(
                    config,
                    only=[name],
                    console=io.StringIO(),
                    pool=pool,
                    deliver_when_idle=pool is None,
                ),
                names,
            )
        )
    return time.monotonic() - started


def measure(count: int, old_sample: int, workers: int, per_worker: int) -> None:
    from crawler.workers import WorkerPool

    server = ThreadingHTTPServer(("127.0.0.1", 0), _Site)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    with tempfile.TemporaryDirectory(prefix="veille-idle-") as tmp:
        folder = Path(tmp)
        sources, entry_points = _write_sources(folder, base, count)
        config = _config(folder, sources)
        names = [s.name for s in config.sources.enabled()]
        pool = WorkerPool(
            config.settings.crawl_settings,
            size=workers,
            log_file=folder / "crawl.log",
            max_active=per_worker,
            max_crawls=10**9,
        ).start()
        try:
            threads = workers * per_worker
            warm = _cycle(config, names, pool, threads)  # first cycle: feeds and articles
            pids = [w["pid"] for w in pool.describe()]
            cpu_before = _own_cpu() + sum(_cpu_of(p) for p in pids)
            wall = _cycle(config, names, pool, threads)  # the idle cycle: every feed 304
            cpu = _own_cpu() + sum(_cpu_of(p) for p in pids) - cpu_before
        finally:
            pool.stop()
        sample = names[: max(2, old_sample)]
        sample_points = sum(1 + int(n[1:]) % 2 for n in sample)
        own, children = _own_cpu(), _children_cpu()
        old_wall = _cycle(config, sample, None, 5)  # the old path: a process per crawl
        old_cpu = _own_cpu() - own + _children_cpu() - children
    server.shutdown()
    per_point = cpu / entry_points
    old_per_point = old_cpu / sample_points
    print(
        f"{count:>5} sources, {entry_points:>5} entry points | workers: "
        f"{per_point * 1000:6.1f} ms CPU per entry point, idle cycle {wall:6.1f} s wall "
        f"(first cycle {warm:5.1f} s) | one process per crawl: {old_per_point * 1000:6.0f} ms "
        f"CPU per entry point (on {len(sample)} sources), {old_wall / len(sample) * count:6.0f} "
        f"s wall for the cycle at 5 at once | {old_per_point / per_point:5.1f}x less CPU"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sources", type=int, action="append")
    parser.add_argument("--old-sample", type=int, default=10)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--per-worker", type=int, default=16)
    args = parser.parse_args()
    print(f"{args.workers} workers × {args.per_worker} crawls at once, {os.cpu_count()} cores")
    for count in args.sources or [100, 500, 1000]:
        measure(count, args.old_sample, args.workers, args.per_worker)


if __name__ == "__main__":
    main()
