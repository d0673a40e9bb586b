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
