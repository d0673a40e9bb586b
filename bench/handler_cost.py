"""CPU per request of Scrapy's download handlers on veille's reactor (asyncio): Scrapy's default
(Twisted's HTTP/1.1 client) against the asyncio-native ones, each in a process of its own, in
turn, several rounds, against local sites.

    .venv/bin/python bench/handler_cost.py                   # 300 sources, 5 rounds
    .venv/bin/python bench/handler_cost.py --sources 100 --rounds 3
    .venv/bin/python bench/handler_cost.py --handler default --handler aiohttp
    .venv/bin/python bench/handler_cost.py --handler incubator-aiohttp  # needs the package
    .venv/bin/python bench/handler_cost.py --handler default --reactor asyncio --reactor epoll

Each handler's process polls every source as bench/idle_cost.py's Scrapy alone does, a Crawler
per source poll, `--at-once` at a time, one feed each: a first round fetches each feed (200, its
ETag kept; not measured), then

- 304: each feed again with its ETag (every answer a 304): CPU per poll, a Crawler each;
- new article: each feed listing two new 1 KB articles, which the spider fetches: that round
  less the 304 round, per article (what Scrapy alone's new-article figure measures);
- 1kb: a 1 KB page per source, a Crawler each;
- in one crawl: one Crawler requesting every source's 304 feed, then every source's 1 KB page
  (twice each, interleaved): the handler's share without a Crawler's start and stop.

CONCURRENT_ITEMS is veille's (1) unless `--items` says otherwise (Scrapy's default, 100, which
bench/idle_cost.py's Scrapy alone keeps, starts a hundred tasks per response). The sites answer
one request per connection, as bench/idle_cost.py's do, in a process of their own (not counted).
Medians are printed with each handler's ratio to the first one named. `--reactor` (asyncio, the
default, or epoll: Twisted's own loop) runs each handler on each reactor named, as
`handler@reactor`; Scrapy's aiohttp and httpx handlers need the asyncio one.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import re
import resource
import statistics
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import loopback  # noqa: E402

HANDLERS = {
    "default": None,  # scrapy.core.downloader.handlers.http11.HTTP11DownloadHandler
    "httpx": "scrapy.core.downloader.handlers._httpx.HttpxDownloadHandler",
    "aiohttp": "scrapy.core.downloader.handlers._aiohttp.AiohttpDownloadHandler",
    # the PyPI package scrapy-download-handlers-incubator, not one of veille's dependencies
    "incubator-aiohttp": "scrapy_download_handlers_incubator.AiohttpDownloadHandler",
}
# Twisted's reactors a crawl may run on: asyncio's event loop under Twisted (Scrapy's default
# since 2.13), or Twisted's own epoll loop.
REACTORS = {
    "asyncio": "twisted.internet.asyncioreactor.AsyncioSelectorReactor",
    "epoll": "twisted.internet.epollreactor.EPollReactor",
}
FIGURES = ("304", "1kb", "new-article", "304-one-crawl", "1kb-one-crawl")
ITEM_LINK = re.compile(rb"<item><link>([^<]+)</link>")
PAGE = b"<html><body><p>" + b"x" * 1000 + b"</p></body></html>"
FEED = b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title></channel></rss>'


def _page(path: str, headers: dict[str, str]) -> loopback.Page | None:
    if path == "/feed?new":  # two new articles on this site
        host = headers.get("host", "")
        items = "".join(f"<item><link>http://{host}/page?new={n}</link></item>" for n in (1, 2))
        return FEED.replace(b"</channel>", items.encode() + b"</channel>"), "application/rss+xml"
    if path.startswith("/feed"):
        return FEED, "application/rss+xml"
    if path.startswith("/page"):
        return PAGE, "text/html; charset=utf-8"
    return None


def _serve(count: int, ports: multiprocessing.Queue) -> None:
    """One site per source on its own loopback port, in a process of its own."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))

    async def answer(reader, writer) -> None:
        await loopback.answer(reader, writer, _page)

    async def main() -> None:
        servers = [await asyncio.start_server(answer, "127.0.0.1", 0) for _ in range(count)]
        ports.put([server.sockets[0].getsockname()[1] for server in servers])
        await asyncio.Event().wait()

    asyncio.run(main())


def _own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def run_handler(
    handler: str, ports: list[int], at_once: int, items: int, reactor_name: str = "asyncio"
) -> dict[str, float]:
    """In a process of its own: every round with this handler on this reactor; CPU-seconds per
    request (per article for the new-article figure)."""
    from scrapy.utils.reactor import install_reactor

    install_reactor(REACTORS[reactor_name])
    from scrapy import Request, Spider
    from scrapy.crawler import CrawlerProcess
    from twisted.internet import defer, reactor

    etags: dict[str, str] = {}
    statuses: dict[str, list[int]] = {}

    class Poll(Spider):
        name = "poll"

        async def start(self):
            for url in self.urls:
                headers = {"If-None-Match": etags[url]} if url in etags else {}
                yield Request(url, headers=headers, dont_filter=True, callback=self.parse)

        def parse(self, response):
            etag = response.headers.get("ETag")
            if etag and response.url.endswith("/feed"):
                etags[response.url] = etag.decode("latin-1")
            statuses.setdefault(self.round, []).append(response.status)
            if self.round == "new":
                for link in ITEM_LINK.findall(response.body):
                    yield Request(link.decode(), dont_filter=True, callback=self.article)

        def article(self, response):
            statuses.setdefault("new-articles", []).append(response.status)

    settings: dict[str, object] = {
        "LOG_LEVEL": "ERROR",
        "TELNETCONSOLE_ENABLED": False,
        "REMOTE_CONTROL_ENABLED": False,
        "HTTPERROR_ALLOWED_CODES": [304],
        "CONCURRENT_ITEMS": items,
        "TWISTED_REACTOR": REACTORS[reactor_name],
    }
    path = HANDLERS[handler]
    if path:
        settings["DOWNLOAD_HANDLERS"] = {"http": path, "https": path}
    process = CrawlerProcess(settings)
    result: dict[str, float] = {}
    feeds = [f"http://127.0.0.1:{port}/feed" for port in ports]
    pages = [f"http://127.0.0.1:{port}/page" for port in ports]

    plan = (
        ("warm", feeds, True),
        ("304", feeds, True),
        ("new", [url + "?new" for url in feeds], True),
        ("1kb", pages, True),
        ("1kb-one-crawl", [url + "?a" for url in pages], False),
        ("304-one-crawl", feeds, False),
        ("1kb-one-crawl-b", [url + "?b" for url in pages], False),
        ("304-one-crawl-b", feeds, False),
    )

    @defer.inlineCallbacks
    def rounds():
        for name, urls, per_poll in plan:
            started = _own_cpu()
            if per_poll:
                polls = [[url] for url in urls]
                while polls:  # `at_once` polls at a time, each a Crawler of its own
                    batch, polls = polls[:at_once], polls[at_once:]
                    yield defer.DeferredList(
                        [process.crawl(Poll, urls=poll, round=name) for poll in batch]
                    )
            else:
                yield process.crawl(Poll, urls=urls, round=name)
            result[name] = (_own_cpu() - started) / len(urls)
        # a new article as Scrapy alone meets it: the feed's 200 less its 304, and the page
        result["new-article"] = (result.pop("new") - result["304"]) / 2
        for key in ("1kb-one-crawl", "304-one-crawl"):
            result[key] = (result[key] + result.pop(key + "-b")) / 2
        reactor.stop()

    reactor.callWhenRunning(reactor.callLater, 0, rounds)  # inside the running event loop
    process.start(stop_after_crawl=False)
    # Every round, by name: a request that failed (refused, an error status Scrapy drops) never
    # reaches the spider, so a round whose requests all failed has no answers to check at all.
    for name in [round_name for round_name, _, _ in plan] + ["new-articles"]:
        codes = statuses.get(name, [])
        expected = 304 if name.startswith("304") else 200
        count = 2 * len(ports) if name == "new-articles" else len(ports)
        if len(codes) != count or set(codes) != {expected}:
            raise SystemExit(f"{handler}: round {name} answered {sorted(set(codes))}")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--sources", type=int, default=300)
    parser.add_argument("--at-once", type=int, default=16, help="polls at a time")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--items", type=int, default=1, help="CONCURRENT_ITEMS (veille's: 1)")
    parser.add_argument("--handler", action="append", choices=sorted(HANDLERS))
    parser.add_argument(
        "--reactor", action="append", choices=sorted(REACTORS), help="each handler on each"
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child = json.loads(args.child)
        figures = run_handler(
            child["handler"],
            child["ports"],
            args.at_once,
            args.items,
            child.get("reactor", "asyncio"),
        )
        print(json.dumps(figures))
        return

    reactors = args.reactor or ["asyncio"]
    handlers = [
        f"{handler}@{reactor}" if len(reactors) > 1 else handler
        for handler in args.handler or ["default", "httpx", "aiohttp"]
        for reactor in reactors
    ]
    ports_queue: multiprocessing.Queue = multiprocessing.Queue()
    server = multiprocessing.Process(target=_serve, args=(args.sources, ports_queue), daemon=True)
    server.start()
    ports = ports_queue.get(timeout=60)
    runs: dict[str, list[dict[str, float]]] = {handler: [] for handler in handlers}
    try:
        for round_ in range(args.rounds):
            for handler in handlers:
                name, _, reactor = handler.partition("@")
                child = json.dumps(
                    {"handler": name, "ports": ports, "reactor": reactor or reactors[0]}
                )
                answer = subprocess.run(
                    [sys.executable, "-P", __file__, "--child", child]
                    + ["--at-once", str(args.at_once), "--items", str(args.items)],
                    capture_output=True,
                    text=True,
                    timeout=1800,
                )
                if answer.returncode:
                    raise SystemExit(f"{handler} failed:\n{answer.stderr[-3000:]}")
                got = json.loads(answer.stdout.strip().splitlines()[-1])
                runs[handler].append(got)
                figures = " ".join(f"{key} {got[key] * 1000:6.3f}" for key in FIGURES)
                print(f"round {round_ + 1} {handler:18s} {figures} ms", flush=True)
    finally:
        server.terminate()
    print(
        f"medians of {args.rounds} rounds, {args.sources} sources, CONCURRENT_ITEMS "
        f"{args.items}: CPU ms per request (new article: per article)"
    )
    for handler in handlers:
        line = []
        for key in FIGURES:
            value = statistics.median(run[key] for run in runs[handler])
            first = statistics.median(run[key] for run in runs[handlers[0]])
            line.append(f"{key} {value * 1000:6.3f} ({value / first:4.2f}x)")
        print(f"  {handler:18s} " + "  ".join(line))


if __name__ == "__main__":
    main()
