"""A site's download delay ends on a tick of the worker's clock grid (crawler.fetching.downloader):
never earlier than Scrapy drew it, at most one step later, and the delayed requests of several
crawls leave together. Driven by a fake clock; then a real crawl against a local site, whose
request times show the delay kept."""

from __future__ import annotations

import heapq
import json
import random
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from itertools import count

import pytest
from scrapy.core.downloader import Slot
from scrapy.settings.default_settings import DOWNLOAD_HANDLERS_BASE
from scrapy.utils.test import get_crawler

from crawler.fetching.downloader import GridDownloader, end_of_delay


class FakeTimer:
    def __init__(self, timers: list, entry: list) -> None:
        self.timers, self.entry = timers, entry

    def cancel(self) -> None:
        self.entry[3] = None  # what heapq keeps, marked as cancelled


class Clocked(GridDownloader):
    """The grid downloader on a fake clock; a request 'leaves' when the downloader starts it."""

    def __init__(self, grid: float) -> None:
        handlers = {scheme: None for scheme in DOWNLOAD_HANDLERS_BASE}  # nothing is sent
        super().__init__(
            get_crawler(
                settings_dict={"VEILLE_DOWNLOAD_DELAY_GRID": grid, "DOWNLOAD_HANDLERS": handlers}
            )
        )
        self.clock = 1000.0
        self.timers: list = []
        self.order = count()
        self.left: list[tuple[float, str]] = []
        self.wakeups: list[float] = []  # when a timer ran (one turn of the event loop each)

    def now(self) -> float:  # type: ignore[override]
        return self.clock

    def later(self, delay, func, *args):  # type: ignore[override]
        entry = [self.clock + delay, next(self.order), args, func]
        heapq.heappush(self.timers, entry)
        return FakeTimer(self.timers, entry)

    def _start(self, slot, request, queue_dfd) -> None:
        self.left.append((self.clock, request))

    def request(self, slot: Slot, name: str) -> None:
        slot.queue.append((name, None))
        self._process_queue(slot)

    def run_until(self, end: float) -> None:
        while self.timers and self.timers[0][0] <= end:
            due, _, args, func = heapq.heappop(self.timers)
            if func is None:
                continue
            self.clock = max(self.clock, due)
            if not self.wakeups or self.wakeups[-1] != self.clock:
                self.wakeups.append(self.clock)
            func(*args)
        self.clock = max(self.clock, end)


def two_sites(grid: float) -> Clocked:
    """Two crawls' sites, one delay of 1 s each (no jitter), their first requests 0.1 s apart
    and each followed by two more."""
    downloader = Clocked(grid)
    a, b = Slot(2, 1.0, 0.0), Slot(2, 1.0, 0.0)
    downloader.clock = 1000.05
    for name in ("a1", "a2", "a3"):
        downloader.request(a, name)
    downloader.clock = 1000.15
    for name in ("b1", "b2", "b3"):
        downloader.request(b, name)
    downloader.run_until(1010.0)
    return downloader


def test_the_delayed_requests_of_two_crawls_leave_in_the_same_turn():
    grid = two_sites(0.25)
    left = dict((name, at) for at, name in grid.left)
    assert left["a2"] == left["b2"] == 1001.25
    assert left["a3"] == left["b3"] == 1002.25
    assert len(grid.wakeups) == 2  # one turn for both sites' second requests, one for the third
    # Scrapy's own timing (grid 0): a timer and a turn per site and request.
    alone = two_sites(0.0)
    assert sorted(name for _, name in alone.left) == ["a1", "a2", "a3", "b1", "b2", "b3"]
    assert len(alone.wakeups) == 4


@pytest.mark.parametrize("grid", [0.0, 0.25, 1.0])
def test_a_site_waits_at_least_its_drawn_delay_and_at_most_one_step_more(grid):
    """Politeness is kept: with jitter, each request leaves at least the delay drawn for it
    after the site's last one, and (on the grid) at most one grid step later."""
    rng = random.Random(28)
    downloader = Clocked(grid)

    class Drawn(Slot):
        last = 0.0

        def download_delay(self) -> float:  # Scrapy's draw, from the test's generator
            self.last = rng.uniform(0.5, 1.5)
            return self.last

    slot = Drawn(2, 1.0, 0.5)
    draws: list[float] = []  # the draw that let each request go (made as it left)
    start = downloader._start

    def recorded(slot, request, queue_dfd) -> None:
        draws.append(slot.last)
        start(slot, request, queue_dfd)

    downloader._start = recorded  # type: ignore[method-assign]
    downloader.clock = 1000.0 + rng.random()
    for i in range(40):
        downloader.request(slot, f"r{i}")
        downloader.run_until(downloader.clock + rng.uniform(0, 0.3))  # more requests meanwhile
    downloader.run_until(downloader.clock + 100)
    times = [at for at, _ in downloader.left]
    assert len(times) == 40
    for before, after, delay in zip(times, times[1:], draws[1:], strict=False):
        gap = after - before
        assert gap >= delay - 1e-9, (before, after, delay)
        assert gap <= 1.5 + grid + 1e-9, (before, after, delay)
    if grid:
        on_grid = [at for at in times[1:] if abs(at / grid - round(at / grid)) < 1e-6]
        assert len(on_grid) == len(times) - 1  # every delayed request left on a tick


def test_the_end_of_a_delay_is_never_earlier_and_at_most_one_step_later():
    rng = random.Random(5)
    for _ in range(10_000):
        last, delay, grid = rng.uniform(0, 1e6), rng.uniform(0, 30), rng.choice([0.1, 0.25, 1.0])
        end = end_of_delay(last, delay, grid)
        assert last + delay <= end < last + delay + grid + 1e-6
    assert end_of_delay(10.0, 1.0, 0.0) == 11.0


class TimedSite(BaseHTTPRequestHandler):
    """A site whose feed lists three articles; it records when each request arrived."""

    arrivals: list[tuple[float, str]] = []

    def log_message(self, *args) -> None:
        return

    def do_GET(self) -> None:  # noqa: N802
        self.arrivals.append((time.monotonic(), self.path))
        base = f"http://127.0.0.1:{self.server.server_address[1]}"
        if self.path == "/feed.xml":
            items = "".join(
                f"<item><title>Article {i}</title><link>{base}/a{i}</link></item>" for i in range(3)
            )
            body = f'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>{items}'
            self._send(body + "</channel></rss>", "application/rss+xml")
        elif self.path.startswith("/a"):
            text = " ".join(["La région de Rabat a présenté un programme de numérisation."] * 8)
            self._send(
                f"<html><body><article><h1>{self.path}</h1><p>{text}</p></article></body></html>",
                "text/html; charset=utf-8",
            )
        else:
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()

    def _send(self, body: str, content_type: str) -> None:
        data = body.encode()
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def test_a_real_crawl_keeps_its_sites_download_delay(tmp_path):
    """Recorded on the site: every request of a crawl after its first (robots.txt, the feed,
    three articles, two allowed at once) arrives the download delay after the one before it,
    give or take a generous margin for a loaded machine."""
    from crawler.fetching.crawl import crawl
    from monitors.demo.run import LOCAL_CRAWL_SETTINGS

    TimedSite.arrivals = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), TimedSite)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    sources = tmp_path / "sources.yaml"
    sources.write_text(
        f"sources:\n  - name: timed\n    homepage: {base}/\n    feeds: [{base}/feed.xml]\n",
        encoding="utf-8",
    )
    settings = dict(
        LOCAL_CRAWL_SETTINGS,
        DOWNLOAD_DELAY=0.6,
        DOWNLOAD_DELAY_JITTER=0,
        CONCURRENT_REQUESTS_PER_DOMAIN=2,
    )
    try:
        result = crawl(tmp_path / "veille.db", sources, settings=json.loads(json.dumps(settings)))
    finally:
        server.shutdown()
        server.server_close()
    assert result.status == "finished", result
    paths = [path for _, path in TimedSite.arrivals]
    assert sorted(paths) == ["/a0", "/a1", "/a2", "/feed.xml", "/robots.txt"], paths
    times = [at for at, _ in TimedSite.arrivals]
    gaps = [after - before for before, after in zip(times, times[1:], strict=False)]
    # Half the delay: the margin takes a loaded machine's scheduling (without the delay: a few
    # milliseconds).
    assert min(gaps) >= 0.6 / 2, gaps
