"""What veille uses of Scrapy beyond its public API, pinned: a Scrapy upgrade that changes it
fails here, by name, rather than silently crawling without the robots.txt cache."""

from __future__ import annotations

import inspect

import scrapy
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.settings import BaseSettings, Settings
from scrapy.spiders import Spider
from scrapy.utils.test import get_crawler

from crawler.middlewares import CachedRobotsTxtMiddleware


def test_robotstxt_middleware_internals_used_by_the_cache():
    assert inspect.iscoroutinefunction(RobotsTxtMiddleware.robot_parser), scrapy.__version__
    assert inspect.iscoroutinefunction(RobotsTxtMiddleware._parse_robots), scrapy.__version__
    parameters = list(inspect.signature(RobotsTxtMiddleware._parse_robots).parameters)
    assert parameters == ["self", "response", "netloc", "request"], (scrapy.__version__, parameters)
    crawler = get_crawler(settings_dict={"ROBOTSTXT_OBEY": True})
    middleware = CachedRobotsTxtMiddleware.from_crawler(crawler)
    assert isinstance(middleware._parsers, dict), scrapy.__version__
    assert middleware._parserimpl is not None and middleware._stats is crawler.stats


def test_the_cache_overrides_what_it_means_to():
    own = {n for n, v in vars(CachedRobotsTxtMiddleware).items() if callable(v)}
    assert own == {"robot_parser", "_parse_robots"}


def test_a_crawler_starts_from_a_copy_of_its_process_settings():
    """A crawl worker's Crawlers copy its settings through `settings.copy()` (SharedSettings
    makes that copy cheap): pinned, since a Scrapy that copied otherwise would take the
    deep copy again without a word."""
    from scrapy.crawler import Crawler

    from crawler.fetching.shared_settings import SharedSettings

    copies = []

    class Counted(SharedSettings):
        def copy(self):
            copies.append(self)
            return super().copy()

    settings = Counted.of(Settings({"LOG_LEVEL": "WARNING"}))
    crawler = Crawler(Spider, settings)
    assert copies == [settings], scrapy.__version__
    assert crawler.settings is not settings and isinstance(crawler.settings, SharedSettings)
    assert crawler.settings["LOG_LEVEL"] == "WARNING"


def test_the_shared_copy_is_scrapys_copy_and_leaves_the_original_alone(monkeypatch):
    from scrapy.utils.project import get_project_settings

    from crawler.fetching.crawl import apply_overrides
    from crawler.fetching.shared_settings import SharedSettings

    monkeypatch.setenv("SCRAPY_SETTINGS_MODULE", "crawler.settings")
    original = get_project_settings()  # veille's, with the overrides a test run gives workers
    apply_overrides(original, {"VEILLE_ALLOWED_NETWORKS": ["127.0.0.0/8"], "DOWNLOAD_DELAY": 0})
    shared = SharedSettings.of(original)
    for settings in (shared, shared.copy()):
        assert settings.copy_to_dict() == original.copy().copy_to_dict()
        for name in original:
            assert settings.getpriority(name) == original.getpriority(name), name
            value = original[name]
            if isinstance(value, BaseSettings):
                for key in value:
                    assert settings[name].getpriority(key) == value.getpriority(key), (name, key)
    before = shared.copy_to_dict()
    copy = shared.copy()
    copy.set("LOG_LEVEL", "DEBUG", "cmdline")
    copy.set_in_component_priority_dict("DOWNLOADER_MIDDLEWARES", Spider, 1)
    copy["DOWNLOADER_MIDDLEWARES_BASE"].set("extra.Middleware", 5)  # in place, nested
    copy["VEILLE_ALLOWED_NETWORKS"].append("10.0.0.0/8")  # in place, a list
    copy.freeze()
    assert shared.copy_to_dict() == before and not shared.frozen
    assert copy["LOG_LEVEL"] == "DEBUG" and "10.0.0.0/8" in copy["VEILLE_ALLOWED_NETWORKS"]


# A crawl with no request: its spider yields three items from start(), a pipeline drops one
# and fails on another, and an extension notes when each thing happens. In a process of its
# own (a reactor cannot be started twice in the tests' process).
ORDER_OF_A_CRAWL = """
import json, sys
import scrapy
from scrapy import signals
from scrapy.crawler import CrawlerProcess
from scrapy.exceptions import DropItem

events = []

class Gone(DropItem):
    pass

class Spider(scrapy.Spider):
    name = "contract"
    async def start(self):
        for n in range(3):
            yield {"n": n}
    def closed(self, reason):
        events.append("spider closed() " + reason)

class Pipeline:
    @classmethod
    def from_crawler(cls, crawler):
        found = crawler.get_extension(Extension)
        events.append("pipeline built, extension " + type(found).__name__)
        return cls()
    def process_item(self, item):
        if item["n"] == 1:
            raise Gone("one")
        if item["n"] == 2:
            raise ValueError("two")
        return item
    def close_spider(self):
        events.append("pipeline close_spider")

class Middleware:
    @classmethod
    def from_crawler(cls, crawler):
        found = crawler.get_extension(Extension)
        events.append("downloader middleware built, extension " + type(found).__name__)
        return cls()

class Extension:
    def __init__(self, crawler):
        self.crawler = crawler
        events.append("extension built, spider " + type(crawler.spider).__name__)
    @classmethod
    def from_crawler(cls, crawler):
        extension = cls(crawler)
        crawler.signals.connect(extension.scraped, signal=signals.item_scraped)
        crawler.signals.connect(extension.dropped, signal=signals.item_dropped)
        crawler.signals.connect(extension.error, signal=signals.item_error)
        crawler.signals.connect(extension.closed, signal=signals.spider_closed)
        return extension
    def scraped(self, item, response, spider):
        events.append(f"scraped {item['n']}")
    def dropped(self, item, response, exception, spider):
        events.append(f"dropped {item['n']} {type(exception).__name__}")
    def error(self, item, response, spider, failure):
        events.append(f"error {item['n']} {type(failure.value).__name__}")
    def closed(self, spider, reason):
        stats = self.crawler.stats.get_value("item_scraped_count")
        events.append(f"extension spider_closed {reason} stats {stats}")

process = CrawlerProcess({
    "ITEM_PIPELINES": {"__main__.Pipeline": 100},
    "DOWNLOADER_MIDDLEWARES": {"__main__.Middleware": 100},
    "EXTENSIONS": {"__main__.Extension": 500},
    "LOG_LEVEL": "ERROR",
    "TELNETCONSOLE_ENABLED": False,
    "REMOTE_CONTROL_ENABLED": False,
})
crawler = process.create_crawler(Spider)
process.crawl(crawler)
process.start()
extensions = [type(e).__name__ for e in crawler.extensions.middlewares]
print(json.dumps({"events": events, "extensions": extensions}))
"""


def test_what_the_crawl_bookkeeping_relies_on_in_a_crawls_signals():
    """crawler.bookkeeping relies on: an extension is built once the spider exists (it takes
    the spider's journal), before the downloader middlewares and the item pipelines, which find
    it with `Crawler.get_extension` (the journal's seam: crawler.bookkeeping.journal_of, and
    EarlyStop); a pipeline's drop reaches item_dropped as the exception it raised (its subclass
    says what became of the article), anything else item_error; the pipelines close (the
    store's last batch written) before spider_closed, with the stats still readable; and the
    spider's own closed() runs before an extension's spider_closed (the spider saves what
    discovery learnt, then the extension records the run and closes the database)."""
    import json
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-c", ORDER_OF_A_CRAWL],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    events = seen["events"]
    assert events[:3] == [
        "extension built, spider Spider",
        "downloader middleware built, extension Extension",
        "pipeline built, extension Extension",
    ], (scrapy.__version__, events)
    assert sorted(events[3:6]) == ["dropped 1 Gone", "error 2 ValueError", "scraped 0"], events
    assert events[6:] == [
        "pipeline close_spider",
        "spider closed() finished",
        "extension spider_closed finished stats 1",
    ], (scrapy.__version__, events)
    assert "Extension" in seen["extensions"], seen


def test_a_crawl_runs_only_the_components_it_needs(monkeypatch):
    """veille's settings leave out Scrapy's defaults that a crawl has no use for (each costs
    CPU on every request or item, or is built for every crawl): pinned by name, so that a
    Scrapy upgrade that adds a default component, or renames one left out (which would then
    run again), fails here. What robots.txt, redirects, retries, timeouts, decompression,
    proxies, the User-Agent and the allowed error codes need is kept."""
    from scrapy.utils.conf import build_component_list
    from scrapy.utils.project import get_project_settings

    monkeypatch.setenv("SCRAPY_SETTINGS_MODULE", "crawler.settings")
    settings = get_project_settings()

    def running(name: str) -> list[str]:
        return [c.rsplit(".", 1)[-1] for c in build_component_list(settings.getwithbase(name))]

    assert running("DOWNLOADER_MIDDLEWARES") == [
        "PrivateAddressGuard",
        "CachedRobotsTxtMiddleware",
        "DownloadTimeoutMiddleware",
        "DefaultHeadersMiddleware",
        "UserAgentMiddleware",
        "RetryMiddleware",
        "MetaRefreshMiddleware",
        "HttpCompressionMiddleware",
        "RedirectMiddleware",
        "HttpProxyMiddleware",
    ], scrapy.__version__
    assert running("SPIDER_MIDDLEWARES") == [
        "StartSpiderMiddleware",
        "HttpErrorMiddleware",
        "RefererMiddleware",
        "UrlLengthMiddleware",
    ], scrapy.__version__
    assert running("EXTENSIONS") == [
        "AutoThrottle",
        "CrawlBookkeeping",
    ], scrapy.__version__
    assert not settings.getbool("STATS_DUMP")


def test_a_crawl_worker_builds_no_log_record_below_its_level():
    """Scrapy filters by LOG_LEVEL at its root handler and puts the root logger at NOTSET each
    time a Crawler installs that handler again (every crawl of a worker): a record below the
    level was built, then dropped. A worker sets the level on the crawl's loggers themselves
    (crawler.fetching.worker.log_only_at), which that reset leaves alone."""
    import logging

    from scrapy.utils.log import install_scrapy_root_handler

    from crawler.fetching.worker import CRAWL_LOGGERS, log_only_at

    root = logging.getLogger()
    handlers, root_level = list(root.handlers), root.level
    levels = {name: logging.getLogger(name).level for name in CRAWL_LOGGERS}
    factory = logging.getLogRecordFactory()
    made: list[str] = []

    def counting(*args, **kwargs):
        record = factory(*args, **kwargs)
        made.append(record.getMessage())
        return record

    try:
        log_only_at("WARNING")
        install_scrapy_root_handler(Settings({"LOG_LEVEL": "WARNING", "LOG_ENABLED": False}))
        assert root.level == logging.NOTSET, scrapy.__version__  # what a Crawler does
        logging.setLogRecordFactory(counting)
        logging.getLogger("scrapy.core.engine").debug("Crawled (200)")
        logging.getLogger("crawler.bookkeeping").info("stored article")
        logging.getLogger("twisted").info("connection")
        logging.getLogger("crawler.journal").warning("a fault")
        assert made == ["a fault"]
    finally:
        logging.setLogRecordFactory(factory)
        for handler in root.handlers[:]:
            if handler not in handlers:
                root.removeHandler(handler)
        root.setLevel(root_level)
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)


# Scrapy 2.19's Downloader._process_queue, which crawler.fetching.downloader.GridDownloader
# replaces (the delay's end put on a grid, no timer for an empty queue): its source's hash.
PROCESS_QUEUE_SHA256 = "872b81a4bbb4cb1a"


def test_the_grid_downloader_replaces_the_queue_step_it_was_written_from(monkeypatch):
    """GridDownloader rewrites Scrapy's private `Downloader._process_queue` and uses the slot's
    fields and the downloader's `_latercall` and `_wait_for_download` as it does: an upgrade of
    Scrapy that changes that method fails here, to be read again and the rewrite brought in
    step; and a crawl's settings choose GridDownloader."""
    import hashlib

    from scrapy.core.downloader import Downloader, Slot
    from scrapy.utils.project import get_project_settings

    source = inspect.getsource(Downloader._process_queue)
    assert hashlib.sha256(source.encode()).hexdigest()[:16] == PROCESS_QUEUE_SHA256, (
        scrapy.__version__,
        source,
    )
    assert list(inspect.signature(Downloader._latercall).parameters) == ["self", "slot"]
    assert list(inspect.signature(Downloader._wait_for_download).parameters) == [
        "self",
        "slot",
        "request",
        "queue_dfd",
    ]
    slot = Slot(2, 1.0, 0.5)
    assert (slot.lastseen, slot.latercall, len(slot.queue)) == (0, None, 0)
    assert slot.free_transfer_slots() == 2 and 0.5 <= slot.download_delay() <= 1.5
    monkeypatch.setenv("SCRAPY_SETTINGS_MODULE", "crawler.settings")
    settings = get_project_settings()
    assert settings["DOWNLOADER"] == "crawler.fetching.downloader.GridDownloader"
    assert settings.getfloat("VEILLE_DOWNLOAD_DELAY_GRID") == 0.25
