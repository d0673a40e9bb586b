"""What one idle cycle costs: N sources (one or two feeds each) whose feeds answer 304, polled
through the daemon's path (run_cycle on the long-lived worker pool), next to Scrapy alone on the
same requests and to the old path (one `python -m crawler.fetching.crawl` process per crawl), in
the same run; and what a new article costs, next to the pipeline's own work on it.

    .venv/bin/python bench/idle_cost.py                 # 100, 500 and 1,000 sources
    .venv/bin/python bench/idle_cost.py --sources 100   # one size
    .venv/bin/python bench/idle_cost.py --old-sample 10 # crawls measured on the old path (0: none)
    .venv/bin/python bench/idle_cost.py --repeat 3      # medians of 3 idle/new-article pairs
    .venv/bin/python bench/idle_cost.py --profile DIR   # each worker's profile of the cycles
    .venv/bin/python bench/idle_cost.py --pages 1kb --pages fixture --pages full  # page weights

CPU-seconds count the daemon process, its crawl workers and their extraction processes (or the
crawl children), not the test server (a process of its own, one port per source). It answers
conditional requests with 304, as news sites' CDNs do.

Scrapy alone: a process of its own with Scrapy's default settings (its log, telnet console and
remote control off, as veille has them), one Crawler per source poll as veille's workers run
them, a spider that sends each feed's conditional request and does nothing with the 304, the
same number of polls at once. Target: veille's CPU per idle entry point at most 3x that.

A new article, as a running daemon meets it: after the idle cycle every feed lists two new
articles (a new ETag, so a 200), and that cycle's CPU less the idle cycle's, per article stored,
is set against the pipeline's own work on the same pages (the crawl's item pipelines and the
match step in one thread, as bench/pipeline.py runs them). The subtraction leaves in fetching and
parsing each feed, so the figure leans against veille. Target: at most 2x. The first cycle's
figure is printed too: it also fetches every site's robots.txt once, and every feed for the
first time. The same subtraction is printed for each part of veille: the crawl workers (Scrapy,
the spider, the item pipelines and storing), their extraction processes, and the daemon's side
(the cycles, matching and alerts, in this process).

On a loaded machine one cycle's figure moves by a third from run to run: --repeat N measures N
pairs of an idle cycle and a new-article cycle (each new generation of articles against the
idle cycle just before it) and N runs of the pipeline, and prints the medians. --profile DIR
writes each worker's cProfile of the reactor thread's CPU time during the first idle cycle
(worker-PID-1.prof) and the first new-article cycle (worker-PID-2.prof): their difference is
where a new article's CPU goes (the figures printed then include the profiler's own cost).

The articles are 1 KB pages (the issue's measure, `--pages 1kb`, the default). `--pages fixture`
and `--pages full` run the same measure again (a line each, after the 1 KB one) with realistic
article pages instead, those of bench/pipeline.py (news sites' templates, French and Arabic
texts: 7 KB and 28 KB), a page of its own for every article of every generation; the pipeline's
own work is then measured on those pages too. The feeds, the idle cycle and Scrapy alone's
fetches are the same (Scrapy alone drops the pages it fetches).
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import io
import multiprocessing
import os
import re
import resource
import signal
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import json
import subprocess

sys.path.insert(0, str(Path(__file__).resolve().parent))

import loopback  # noqa: E402

from monitors.service.config import load_config, load_settings  # noqa: E402
from monitors.service.cycle import run_cycle  # noqa: E402

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


# The article pages of --pages fixture / full (bench/pipeline.py's), one per article of each
# generation (`_article_index`); empty: the 1 KB pages.
REALISTIC: list[bytes] = []
ARTICLE_PATH = re.compile(r"a(\d)([01])(?:g(\d+))?$")


def _article_index(source: int, leaf: str) -> int | None:
    """The place of article page /s{source}/{leaf} among every generation's articles: each
    generation lists two articles per feed of every source (one or two feeds, as
    `_write_sources` gives them)."""
    match = ARTICLE_PATH.match(leaf)
    if match is None:
        return None
    feed, article, generation = int(match[1]), int(match[2]), int(match[3] or 0)
    before = 2 * source + 2 * (source // 2)  # the articles of the sources before this one
    return generation * _per_generation(SOURCES_SERVED[0]) + before + 2 * feed + article


def _per_generation(count: int) -> int:
    """Articles a generation lists: two per feed, sources with one and two feeds in turn."""
    return 2 * count + 2 * (count // 2)


# How many sources the test server serves (set before it starts, for `_article_index`).
SOURCES_SERVED = [0]


def _realistic_pages(weight: str, count: int, generations: int) -> list[bytes]:
    """bench/pipeline.py's pages of `weight`, enough for every article of `generations`
    generations of `count` sources."""
    from pages import bench_pages

    SOURCES_SERVED[0] = count
    return [
        p.html.encode("utf-8") for p in bench_pages(_per_generation(count) * generations, weight)
    ]


def _page(path: str, host: str, generation: int = 0) -> tuple[bytes, str] | None:
    """/s{i}/feed{j}.xml: a feed of two articles; /s{i}/a{j}{k}: the articles. From generation
    1 on, the feeds list two new articles each (/s{i}/a{j}{k}g{generation}); a feed asked with
    ?g=N lists those of generation N (Scrapy alone's new articles, never veille's). With
    realistic pages (`REALISTIC`), an article is the page of its place."""
    path, _, query = path.partition("?")
    if query.startswith("g="):
        generation = int(query[2:])
    parts = path.strip("/").split("/")
    if len(parts) != 2 or not parts[0].startswith("s"):
        return None
    source, leaf = parts
    base = f"http://{host}/{source}"
    if leaf.startswith("feed"):
        j = leaf[4:-4]
        suffix = f"g{generation}" if generation else ""
        items = "".join(
            ITEM.format(
                title=f"{source} article {j}{k}{suffix}",
                link=f"{base}/a{j}{k}{suffix}",
                day=int(k) + 1,
            )
            for k in "01"
        )
        return FEED.format(name=source, base=base, items=items).encode(), "application/rss+xml"
    if leaf.startswith("a") and REALISTIC:
        index = _article_index(int(source[1:]), leaf)
        if index is None:
            return None
        return REALISTIC[index % len(REALISTIC)], "text/html; charset=utf-8"
    if leaf.startswith("a"):
        seed = int(hashlib.sha1(path.encode()).hexdigest()[:8], 16)
        words = [WORDS[(seed >> i) % len(WORDS)] for i in range(60)]
        body = ARTICLE.format(
            title=f"{source} {leaf} " + " ".join(words[:6]),
            body=" ".join(words) + f" ({path})",
            day=seed % 8 + 1,
        )
        return body.encode(), "text/html; charset=utf-8"
    return None


def _serve(count: int, ports: multiprocessing.Queue, generation=None) -> None:
    """One site per source, each on its own loopback port (its own "domain" for politeness),
    in a process of its own so that its CPU is not counted as veille's."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))

    async def answer(reader, writer) -> None:
        """One request per connection; ETags on everything, 304 when the client has it."""
        now = generation.value if generation is not None else 0
        await loopback.answer(
            reader, writer, lambda path, headers: _page(path, headers.get("host", ""), now)
        )

    async def main() -> None:
        servers = [await asyncio.start_server(answer, "127.0.0.1", 0) for _ in range(count)]
        ports.put([server.sockets[0].getsockname()[1] for server in servers])
        await asyncio.Event().wait()

    asyncio.run(main())


def _cpu_of(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except OSError:
        return 0.0


def _tree_cpu(roots: list[int]) -> float:
    """CPU-seconds of these processes and of their descendants alive now (a crawl worker and
    its extraction process)."""
    children = loopback.children_by_parent()
    total, stack = 0.0, list(roots)
    while stack:
        pid = stack.pop()
        total += _cpu_of(pid)
        stack.extend(children.get(pid, []))
    return total


def _cpu_parts(workers: list[int]) -> tuple[float, float, float]:
    """CPU-seconds so far of this process (the daemon's side: the cycles, matching, alerts),
    of the crawl workers themselves and of their descendants (the extraction processes)."""
    children = loopback.children_by_parent()
    descendants, stack = 0.0, [c for pid in workers for c in children.get(pid, [])]
    while stack:
        pid = stack.pop()
        descendants += _cpu_of(pid)
        stack.extend(children.get(pid, []))
    return _own_cpu(), sum(_cpu_of(pid) for pid in workers), descendants


def _own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _stored(config) -> int:
    from crawler.storage import store

    db = store.open_database(config.settings.db)
    try:
        return int(db.execute("SELECT count(*) FROM articles").fetchone()[0])
    finally:
        db.close()


def _write_sources(folder: Path, ports: list[int], count: int) -> tuple[Path, int]:
    lines, entry_points = ["sources:"], 0
    for i in range(count):
        base = f"http://127.0.0.1:{ports[i]}"
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


# Scrapy alone's new articles: a generation of the feeds veille never sees.
SCRAPY_GENERATION = 9
ITEM_LINK = re.compile(rb"<item>.*?<link>([^<]+)</link>", re.DOTALL)


def scrapy_alone(feeds: list[list[str]], at_once: int) -> None:
    """Run in a process of its own (`--scrapy-alone FILE`): poll every source's feeds twice with
    Scrapy alone, a Crawler per source poll, `at_once` polls at a time; the second round sends
    the ETags of the first (every answer a 304). Then a third round where each feed lists two
    new articles, which the spider requests and drops (what Scrapy itself spends on a new
    article: the feed's 200 and the article's request). Prints the CPU-seconds of the second
    and third rounds."""
    from scrapy.utils.reactor import install_reactor

    install_reactor("twisted.internet.asyncioreactor.AsyncioSelectorReactor")  # veille's
    from scrapy import Request, Spider
    from scrapy.crawler import CrawlerProcess
    from twisted.internet import defer

    etags: dict[str, str] = {}
    articles: list[str] = []

    class Poll(Spider):
        name = "poll"

        async def start(self):
            for url in self.urls:
                headers = {"If-None-Match": etags[url]} if url in etags else {}
                yield Request(url, headers=headers, dont_filter=True, callback=self.parse)

        def parse(self, response):
            etag = response.headers.get("ETag")
            if etag:
                etags[response.url] = etag.decode("latin-1")
            if self.follow and response.status == 200:
                for link in ITEM_LINK.findall(response.body):
                    yield Request(link.decode(), dont_filter=True, callback=self.article)

        def article(self, response):
            articles.append(response.url)

    process = CrawlerProcess(
        {
            "LOG_LEVEL": "WARNING",
            "TELNETCONSOLE_ENABLED": False,
            "REMOTE_CONTROL_ENABLED": False,
            "HTTPERROR_ALLOWED_CODES": [304],
        }
    )
    result = {}

    @defer.inlineCallbacks
    def rounds():
        for round_ in ("warm", "idle", "fresh"):
            started = _own_cpu()
            fresh = round_ == "fresh"
            suffix = f"?g={SCRAPY_GENERATION}" if fresh else ""
            polls = [[url + suffix for url in urls] for urls in feeds]
            while polls:  # `at_once` polls at a time, each a Crawler of its own
                batch, polls = polls[:at_once], polls[at_once:]
                yield defer.DeferredList(
                    [process.crawl(Poll, urls=urls, follow=fresh) for urls in batch]
                )
            result[round_] = _own_cpu() - started
        from twisted.internet import reactor

        reactor.stop()

    from twisted.internet import reactor

    reactor.callWhenRunning(rounds)
    process.start(stop_after_crawl=False)
    requests = sum(len(f) for f in feeds)
    print(
        json.dumps(
            {
                "cpu": result["idle"],
                "requests": requests,
                "fresh": result["fresh"],
                "articles": len(articles),
            }
        )
    )


def _scrapy_alone_cpu(feeds: list[list[str]], at_once: int, folder: Path) -> tuple[float, float]:
    """CPU-seconds of Scrapy alone (its own process) per request of these feeds' idle polls,
    and per new article (a feed's 200 less its 304, and the article's request)."""
    request = folder / "scrapy-alone.json"
    request.write_text(json.dumps({"feeds": feeds, "at_once": at_once}), encoding="utf-8")
    answer = subprocess.run(
        [sys.executable, __file__, "--scrapy-alone", str(request)],
        capture_output=True,
        text=True,
        check=True,
        timeout=3600,
    )
    figures = json.loads(answer.stdout.strip().splitlines()[-1])
    if not figures["articles"]:
        raise SystemExit("Scrapy alone fetched no new article: the feeds' links were not read")
    return (
        figures["cpu"] / figures["requests"],
        (figures["fresh"] - figures["cpu"]) / figures["articles"],
    )


def _pipeline_cpu_per_article(
    ports: list[int], count: int, config, folder: Path, repeat: int = 1
) -> float:
    """CPU-seconds per article of the crawl's item pipelines and the match step on the pages the
    new-article cycle fetched (the same bytes), in this thread (bench/pipeline.py's harness),
    on a database that holds the first cycle's articles, as the workers' did then. With
    `repeat`, the median of that many runs, each on a database of its own holding the
    generations before it, as the workers' database held them in each pair of cycles."""
    from pages import Page
    from pipeline import run_pipeline

    def pages_of(generation: int) -> list:
        pages = []
        for i in range(count):
            host = f"127.0.0.1:{ports[i]}"
            for j in range(1 + i % 2):
                for k in "01":
                    path = f"/s{i}/a{j}{k}" + (f"g{generation}" if generation else "")
                    found = _page(path, host)
                    assert found is not None
                    pages.append(Page(f"http://{host}{path}", found[0].decode("utf-8"), "fr"))
        return pages

    first = pages_of(0)
    # A first run on a few pages loads what a crawl worker's extraction process loads at its
    # start (trafilatura's and the language identifier's models): start-up, not article work.
    (folder / "warm-up").mkdir()
    run_pipeline(first[:2], (config.rules, config.delivery), folder / "warm-up")
    figures, before = [], first
    for run in range(repeat):  # as the workers' pairs: generation run+1 over those before it
        fresh = pages_of(run + 1)
        (folder / f"pipeline{run}").mkdir()
        cpu, stored, _matches, _alerts = run_pipeline(
            fresh,
            (config.rules, config.delivery),
            folder / f"pipeline{run}",
            stored_before=before,
            clock=_own_cpu,
        )
        figures.append(cpu / stored)
        before = before + fresh
    return statistics.median(figures)


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


def _start_profiles(pids: list[int]) -> None:
    """Start the workers' profiles (VEILLE_WORKER_PROFILE, --profile)."""
    if os.environ.get("VEILLE_WORKER_PROFILE"):
        for pid in pids:
            os.kill(pid, signal.SIGUSR1)


def _write_profiles(pids: list[int], number: int) -> None:
    """Stop the workers' profiles and wait until each has written its `number`th."""
    folder = os.environ.get("VEILLE_WORKER_PROFILE")
    if not folder:
        return
    for pid in pids:
        os.kill(pid, signal.SIGUSR2)
    for pid in pids:
        path = Path(folder) / f"worker-{pid}-{number}.prof"
        deadline = time.monotonic() + 120
        while not path.exists() and time.monotonic() < deadline:
            time.sleep(0.05)


def measure(
    count: int,
    old_sample: int,
    workers: int,
    per_worker: int,
    repeat: int = 1,
    weight: str = "1kb",
) -> None:
    from crawler.fetching.workers import WorkerPool

    REALISTIC[:] = _realistic_pages(weight, count, repeat + 1) if weight != "1kb" else []
    pages = (
        f"{weight} pages ({sum(map(len, REALISTIC)) / len(REALISTIC) / 1024:.1f} KB)"
        if REALISTIC
        else "1 KB pages"
    )

    queue: multiprocessing.Queue = multiprocessing.Queue()
    generation = multiprocessing.Value("i", 0)
    server = multiprocessing.Process(target=_serve, args=(count, queue, generation), daemon=True)
    server.start()
    ports = queue.get(timeout=60)
    with tempfile.TemporaryDirectory(prefix="veille-idle-") as tmp:
        folder = Path(tmp)
        sources, entry_points = _write_sources(folder, ports, count)
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
            # A source of its own for each worker first, one after the other (the pool gives
            # each to the worker with fewest crawls), so that every worker has started its
            # extraction process and loaded its download handlers: start-up, not an article's
            # cost.
            warming = names[len(names) - min(workers, len(names) - 1) :]
            for name in warming:
                _cycle(config, [name], pool, 1)
            names = names[: len(names) - len(warming)]
            entry_points -= sum(1 + int(n[1:]) % 2 for n in warming)
            pids = [w["pid"] for w in pool.describe()]
            cpu_before = _own_cpu() + _tree_cpu(pids)
            stored_before = _stored(config)
            warm = _cycle(config, names, pool, threads)  # first cycle: feeds and articles
            warm_cpu = _own_cpu() + _tree_cpu(pids) - cpu_before
            new_articles = _stored(config) - stored_before
            # An idle cycle (every feed 304), then a cycle in which every feed lists two new
            # articles; with --repeat, that pair again (the next generation of articles), each
            # new-article cycle set against the idle cycle just before it.
            per_article_figures, idle_figures, part_figures = [], [], []
            for pair in range(repeat):
                idle_start = _cpu_parts(pids)
                if not pair:  # profiles: worker-PID-1.prof the idle cycle, -2 the new one
                    _start_profiles(pids)
                wall = _cycle(config, names, pool, threads)  # the idle cycle: every feed 304
                if not pair:
                    _write_profiles(pids, 1)
                fresh_start = _cpu_parts(pids)
                cpu = sum(fresh_start) - sum(idle_start)
                idle_figures.append(cpu)
                generation.value = pair + 1  # every feed now lists two new articles
                stored_before = _stored(config)
                if not pair:
                    _start_profiles(pids)
                _cycle(config, names, pool, threads)
                if not pair:
                    _write_profiles(pids, 2)
                fresh_end = _cpu_parts(pids)
                fresh_cpu = sum(fresh_end) - sum(fresh_start)
                fresh_articles = _stored(config) - stored_before
                per_article_figures.append((fresh_cpu - cpu) / fresh_articles)
                # The same subtraction for each part: where a new article's CPU went.
                part_figures.append(
                    [
                        ((end - middle) - (middle - start)) / fresh_articles
                        for start, middle, end in zip(
                            idle_start, fresh_start, fresh_end, strict=True
                        )
                    ]
                )
            # The first cycle's figure is set against the idle cycle after it; under --profile
            # that one ran profiled (its CPU inflated by the profiler's), so the next, when
            # there is one, is taken instead.
            profiled = bool(os.environ.get("VEILLE_WORKER_PROFILE"))
            cpu = idle_figures[1] if profiled and repeat > 1 else idle_figures[0]
        finally:
            pool.stop()
        feeds = [
            [
                f"http://127.0.0.1:{ports[int(n[1:])]}/{n}/feed{j}.xml"
                for j in range(1 + int(n[1:]) % 2)
            ]
            for n in names
        ]
        alone, alone_per_article = _scrapy_alone_cpu(feeds, threads, folder)
        pipeline = _pipeline_cpu_per_article(ports, count - 1, config, folder, repeat)
        sample = names[: max(2, old_sample)] if old_sample > 0 else []
        sample_points = sum(1 + int(n[1:]) % 2 for n in sample)
        own, children = _own_cpu(), _children_cpu()
        old_wall = _cycle(config, sample, None, 5) if sample else 0.0  # a process per crawl
        old_cpu = _own_cpu() - own + _children_cpu() - children
    server.terminate()
    server.join()
    per_point = statistics.median(idle_figures) / entry_points
    per_article = statistics.median(per_article_figures)
    daemon, workers_part, extraction = (
        statistics.median(f) for f in zip(*part_figures, strict=True)
    )
    first_per_article = (warm_cpu - cpu) / new_articles
    print(
        f"{count:>5} sources, {pages} | idle: veille {per_point * 1000:6.1f} ms CPU per entry point, "
        f"Scrapy alone {alone * 1000:6.1f} ms per request: {per_point / alone:4.1f}x (target "
        f"<= 3x) | new article: veille {per_article * 1000:6.1f} ms CPU, the pipeline's own "
        f"work {pipeline * 1000:6.1f} ms: {per_article / pipeline:4.1f}x (target <= 2x; "
        f"{fresh_articles} articles); Scrapy alone on the same fetches "
        f"{alone_per_article * 1000:6.1f} ms, veille less Scrapy alone "
        f"{(per_article - alone_per_article) * 1000:6.1f} ms: "
        f"{(per_article - alone_per_article) / pipeline:4.1f}x the pipeline's; in the crawl "
        f"workers {workers_part * 1000:.1f} ms, their extraction processes "
        f"{extraction * 1000:.1f} ms, the daemon {daemon * 1000:.1f} ms"
        + (
            f" | first cycle (robots.txt, first fetch of every feed): "
            f"{first_per_article * 1000:6.1f} ms, {first_per_article / pipeline:4.1f}x "
            f"({new_articles} articles)"
            if not profiled or repeat > 1
            else " | first cycle: not set against a profiled idle cycle (--repeat 2 or more)"
        )
        + (
            f" | medians of {repeat} pairs of cycles; each pair's new article: "
            + ", ".join(f"{f * 1000:.1f}" for f in per_article_figures)
            + " ms"
            if repeat > 1
            else ""
        )
    )
    if not sample:  # --old-sample 0
        return
    old_per_point = old_cpu / sample_points
    print(
        f"{count:>5} sources, {entry_points:>5} entry points | workers: "
        f"{per_point * 1000:6.1f} ms CPU per entry point, idle cycle {wall:6.1f} s wall "
        f"(first cycle {warm:5.1f} s) | one process per crawl: {old_per_point * 1000:6.0f} ms "
        f"CPU per entry point (on {len(sample)} sources), {old_wall / len(sample) * count:6.0f} "
        f"s wall for the cycle at 5 at once | {old_per_point / per_point:5.1f}x less CPU"
    )


def main() -> None:
    if sys.argv[1:2] == ["--scrapy-alone"]:
        request = json.loads(Path(sys.argv[2]).read_text(encoding="utf-8"))
        scrapy_alone(request["feeds"], request["at_once"])
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sources", type=int, action="append")
    parser.add_argument(
        "--old-sample", type=int, default=10, help="sources crawled on the old path (0: none)"
    )
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--per-worker", type=int, default=16)
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="idle and new-article cycles measured this many times, and the pipeline: medians",
    )
    parser.add_argument(
        "--profile",
        metavar="FOLDER",
        help="write each worker's profile of the new-article cycle to FOLDER (pstats files)",
    )
    parser.add_argument(
        "--pages",
        action="append",
        choices=["1kb", "fixture", "full"],
        help="the article pages: 1 KB (the default, the issue's measure), or bench/pipeline.py's "
        "fixture (7 KB) or full-weight (28 KB) pages; given several times, a line each",
    )
    args = parser.parse_args()
    if args.profile:
        Path(args.profile).mkdir(parents=True, exist_ok=True)
        os.environ["VEILLE_WORKER_PROFILE"] = str(Path(args.profile).resolve())
    print(f"{args.workers} workers × {args.per_worker} crawls at once, {os.cpu_count()} cores")
    for count in args.sources or [100, 500, 1000]:
        for weight in args.pages or ["1kb"]:
            old_sample = args.old_sample if weight == "1kb" else 0  # idle: the same feeds
            measure(count, old_sample, args.workers, args.per_worker, args.repeat, weight)


if __name__ == "__main__":
    main()
