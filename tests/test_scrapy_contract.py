"""What veille uses of Scrapy beyond its public API, pinned: a Scrapy upgrade that changes it
fails here, by name, rather than silently crawling without the robots.txt cache."""

from __future__ import annotations

import inspect

import scrapy
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
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
