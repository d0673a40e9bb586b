"""Settings are read where configuration is read, and passed in to the stages that use them:
grouping gets its story window from the store's caller (the crawl's Scrapy settings, `veille
import`), never from the environment, so a test, an import or a crawl states its window."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from scrapy.utils.test import get_crawler

from crawler.core.errors import VeilleError
from crawler.pipelines import StorePipeline
from monitors.service.config import load_settings

ROOT = Path(__file__).resolve().parent.parent


def environment_reads(path: Path) -> list[str]:
    """Where a module reads the environment: os.environ, os.getenv, os.putenv, or `environ`
    imported from os (line numbers, for the message)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Attribute) and node.attr in {"environ", "getenv", "environb"}:
            found.append(f"{path.name}:{node.lineno} os.{node.attr}")
        elif isinstance(node, ast.ImportFrom) and node.module == "os":
            for alias in node.names:
                if alias.name in {"environ", "getenv", "environb"}:
                    found.append(f"{path.name}:{node.lineno} from os import {alias.name}")
    return found


# The crawl's stages: they get their settings passed in (Scrapy settings, parameters). The
# configuration is read in monitors.service.config and crawler.settings; crawler.core's kill
# points (a test's crash injection) and secrets (${VAR} expansion) read the environment by design.
STAGES = (
    "crawler/stories",
    "crawler/storage",
    "crawler/extraction",
    "crawler/discovery",
    "crawler/spiders",
    "crawler/pipelines.py",
    "crawler/bookkeeping.py",
    "crawler/middlewares.py",
    "crawler/journal.py",
)


def test_no_stage_of_the_crawl_reads_the_environment():
    modules = sorted(
        module
        for stage in STAGES
        for module in ([ROOT / stage] if stage.endswith(".py") else (ROOT / stage).rglob("*.py"))
    )
    assert len([m for m in modules if "stories" in m.parts]) > 5
    reads = [read for module in modules for read in environment_reads(module)]
    assert reads == [], f"read the setting in the configuration and pass it in: {reads}"


def test_the_environment_check_sees_a_read(tmp_path):
    module = tmp_path / "m.py"
    module.write_text("import os\nfrom os import getenv\nx = os.environ.get('A')\n")
    assert sorted(environment_reads(module)) == [
        "m.py:2 from os import getenv",
        "m.py:3 os.environ",
    ]


def test_the_story_window_reaches_the_crawls_store_stage(monkeypatch):
    """VEILLE_STORY_WINDOW_HOURS, read with the configuration, is a Scrapy setting of every
    crawl (cycle.py and the daemon's workers crawl with `crawl_scrapy_settings()`), and the
    store stage groups with it."""
    monkeypatch.setenv("VEILLE_STORY_WINDOW_HOURS", "24")
    settings = load_settings()
    assert settings.story_window_hours == 24
    scrapy_settings = settings.crawl_scrapy_settings()
    assert scrapy_settings["VEILLE_STORY_WINDOW_HOURS"] == 24
    stage = StorePipeline.from_crawler(get_crawler(settings_dict=scrapy_settings))
    assert stage.window_hours == 24
    monkeypatch.delenv("VEILLE_STORY_WINDOW_HOURS")
    assert load_settings().crawl_scrapy_settings()["VEILLE_STORY_WINDOW_HOURS"] == 72
    assert StorePipeline.from_crawler(get_crawler()).window_hours == 72  # Scrapy alone


def test_a_story_window_among_the_scrapy_overrides_is_refused(monkeypatch):
    """Set in one place only: as a Scrapy override it would be silently replaced."""
    monkeypatch.delenv("VEILLE_STORY_WINDOW_HOURS", raising=False)
    monkeypatch.setenv("VEILLE_CRAWL_SETTINGS", '{"VEILLE_STORY_WINDOW_HOURS": 24}')
    with pytest.raises(VeilleError, match="move it out of VEILLE_CRAWL_SETTINGS"):
        load_settings()


def spider_journal_reads(text: str) -> list[int]:
    """The lines of a module's source that read `<something>.spider.journal`."""
    return [
        node.lineno
        for node in ast.walk(ast.parse(text))
        if isinstance(node, ast.Attribute)
        and node.attr == "journal"
        and isinstance(node.value, ast.Attribute)
        and node.value.attr == "spider"
    ]


def test_the_crawls_components_take_the_journal_from_the_bookkeeping_extension():
    """The pipelines and the robots middleware ask the crawl's bookkeeping extension for the
    journal (crawler.bookkeeping.journal_of), not the spider: tests/test_store_batches.py runs
    the store stage on a crawler with no spider at all."""
    assert spider_journal_reads("x = 1\ndb = self.crawler.spider.journal.db\n") == [2]
    reads = {
        str(module.relative_to(ROOT)): lines
        for module in sorted((ROOT / "crawler").rglob("*.py"))
        if (lines := spider_journal_reads(module.read_text(encoding="utf-8")))
    }
    assert reads == {}, reads


def test_the_robots_cache_reads_the_database_of_the_journal_the_extension_keeps(tmp_path):
    """The robots.txt cache finds the crawl's database through the bookkeeping extension
    (tests/test_crawl_e2e.py's unchanged second crawl, which asks for no robots.txt, holds it
    in a crawl); with no journal kept it goes without the cache, as for another spider."""
    from crawler.bookkeeping import CrawlBookkeeping
    from crawler.journal import CrawlJournal
    from crawler.middlewares import CachedRobotsTxtMiddleware
    from crawler.storage import store

    crawler = get_crawler(
        settings_dict={"ROBOTSTXT_OBEY": True, "EXTENSIONS": {CrawlBookkeeping: 500}}
    )
    middleware = CachedRobotsTxtMiddleware.from_crawler(crawler)
    assert middleware._db is None
    db = store.open_database(tmp_path / "veille.db")
    store.add_sources(db, ["site"])
    keeper = crawler.get_extension(CrawlBookkeeping)
    keeper.journal = CrawlJournal(db, store.start_run(db, ["site"]), crawler)
    assert middleware._db is db


def test_a_crawl_run_by_scrapy_alone_reads_the_window_from_its_settings_module():
    """`scrapy crawl news` (README: the crawler alone) reads VEILLE_STORY_WINDOW_HOURS in
    crawler.settings, where Scrapy reads its configuration; a bad value is refused there."""
    import os
    import subprocess
    import sys

    def window(value: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [
                sys.executable,
                "-c",
                "import crawler.settings as s; print(s.VEILLE_STORY_WINDOW_HOURS)",
            ],
            capture_output=True,
            text=True,
            timeout=60,
            cwd=ROOT,
            env={**os.environ, "VEILLE_STORY_WINDOW_HOURS": value},
        )

    assert window("24").stdout.strip() == "24"
    assert window("").stdout.strip() == "72"
    refused = window("0")
    assert refused.returncode != 0
    assert "VEILLE_STORY_WINDOW_HOURS='0': give a whole number of hours" in refused.stderr
