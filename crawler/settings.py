"""Scrapy settings of the veille crawler: polite by default, every component listed in order."""

import os

from crawler.core.identity import CONTACT_URL
from crawler.stories.window_setting import WINDOW_VARIABLE, parse_window_hours
from seeds import BUNDLED_SOURCES

BOT_NAME = "veille"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

# Where the crawl reads its sources and writes its articles (the spider's -a arguments win).
VEILLE_DB = "data/veille.db"
VEILLE_SOURCES = str(BUNDLED_SOURCES)  # the bundled list, wherever veille is installed
VEILLE_CONTACT_URL = CONTACT_URL
# At most this many new article URLs are taken from one feed, sitemap or listing per crawl, so a
# first crawl of a 50,000-URL sitemap does not fetch the whole archive.
VEILLE_MAX_ARTICLES_PER_ENTRY = 100
VEILLE_MAX_CHILD_SITEMAPS = 20
# Seconds one page's extraction may take (in the crawl's extraction process); a page still
# running then is declined and recorded ("too-slow"), never fetched again.
VEILLE_EXTRACTION_SECONDS = 20.0
# An article joins a story only within this many hours of the story's first article. veille's
# crawls get it from the configuration (monitors.service.config); a crawl run by Scrapy alone
# (`scrapy crawl news`) from the same environment variable, or `-s VEILLE_STORY_WINDOW_HOURS=N`.
VEILLE_STORY_WINDOW_HOURS = parse_window_hours(os.environ.get(WINDOW_VARIABLE))

# Politeness: robots.txt, one request at a time per site, a delay, and AutoThrottle on top.
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 2
# Items of one response processed at once. A response gives at most one item (an article
# page; feeds, sitemaps and listings give requests), and Scrapy starts this many tasks per
# response, item or not, to take them (its default, 100, a hundred): one is all there is to do.
CONCURRENT_ITEMS = 1
DOWNLOAD_DELAY = 1.0
DOWNLOAD_DELAY_JITTER = 0.5  # each delay drawn from 0.5x to 1.5x DOWNLOAD_DELAY
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
# A delay that must be waited ends on the next quarter-second tick of the worker's clock, the
# same ticks for all its crawls: never shorter, at most this much longer, and the requests of
# several crawls leave in one turn of the event loop instead of one wake-up each
# (crawler.fetching.downloader). 0: Scrapy's own timing.
DOWNLOADER = "crawler.fetching.downloader.GridDownloader"
VEILLE_DOWNLOAD_DELAY_GRID = 0.25

# New articles of a worker's crawls wait together and are written in one batch at the next
# tick of this many seconds (the same ticks for all its crawls); a crawl that ends with articles
# waiting ends once they are written (crawler.pipelines.StorePipeline). 0: each crawl writes its
# own at its end. A batch's fixed work (its transaction, the story window checked against the
# other workers' writes) is shared by more articles the longer the tick: 3 s gave batches of
# about 16 articles instead of 8 at 100 sources; an article waits at most 3 s more for its
# alert, against minutes between two polls of a source.
VEILLE_STORE_GATHER_SECONDS = 3.0

# Faults cost one source one try, not the crawl.
DOWNLOAD_TIMEOUT = 30
RETRY_ENABLED = True
RETRY_TIMES = 2
DOWNLOAD_MAXSIZE = 10 * 1024 * 1024
DOWNLOAD_WARNSIZE = 2 * 1024 * 1024
REDIRECT_MAX_TIMES = 5
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
# Scrapy 2.19's remote control runs code sent to an HTTP server of each crawl and writes a job
# file (with its token) per crawl to the user's state folder; a crawl killed at its time limit
# never removes it, so they pile up. veille drives its crawls itself: off.
REMOTE_CONTROL_ENABLED = False
# Scrapy reads the source of every callback of every new spider to warn about `return value` in
# generators: 25 ms of CPU per crawl in a long-lived worker, for callbacks that never change.
WARN_ON_GENERATOR_RETURN_VALUE = False
HTTPERROR_ALLOWED_CODES: list[int] = []

# Networks a URL may resolve to although they are internal (loopback, private, link-local).
VEILLE_ALLOWED_NETWORKS: list[str] = []

# Components of Scrapy's defaults that a veille crawl has no use for are left out (None): each
# runs on every request, response or item, or is built for every crawl (a worker builds a
# Crawler per source poll). What robots.txt, redirects, retries, timeouts, compression, proxies
# and the User-Agent need stays. tests/test_scrapy_contract.py lists what a crawl runs.
DOWNLOADER_MIDDLEWARES = {
    "crawler.middlewares.PrivateAddressGuard": 50,
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "crawler.middlewares.CachedRobotsTxtMiddleware": 100,
    # The spider sets no allowed_domains: every request passes (the address guard decides).
    "scrapy.downloadermiddlewares.offsite.OffsiteMiddleware": None,
    # No spider or request sets http_user/http_pass.
    "scrapy.downloadermiddlewares.httpauth.HttpAuthMiddleware": None,
    # Bytes and counts per request and response in the stats, which nothing reads (the run
    # records its own counts, crawler.journal): it wrote out each request to measure it.
    "scrapy.downloadermiddlewares.stats.DownloaderStats": None,
    # Off by their settings anyway (COOKIES_ENABLED, HTTPCACHE_ENABLED): not even built.
    "scrapy.downloadermiddlewares.cookies.CookiesMiddleware": None,
    "scrapy.downloadermiddlewares.httpcache.HttpCacheMiddleware": None,
}

SPIDER_MIDDLEWARES = {
    # veille counts its own depth (a sitemap index's children, at most two levels, in the
    # request's meta); DEPTH_LIMIT is 0, so this only kept a statistic.
    "scrapy.spidermiddlewares.depth.DepthMiddleware": None,
    # A warning for spiders that copy response.meta into new requests; veille's build theirs.
    "scrapy.spidermiddlewares.metacopy.MetaCopyDetectionMiddleware": None,
}

# The run's record, faults and per-source counts, kept on the crawl's signals (crawler.bookkeeping).
EXTENSIONS = {
    "crawler.bookkeeping.CrawlBookkeeping": 500,
    # Scrapy's own counts (items, responses, drops, start and finish times), which nothing reads:
    # a receiver on every response's and item's signal.
    "scrapy.extensions.corestats.CoreStats": None,
    # Counts log records by level through a handler each crawl adds to the root logger: with a
    # worker's crawls running at once, every record went through each of their handlers.
    "scrapy.extensions.logcount.LogCount": None,
    # A worker watches its own memory (crawler.fetching.workers recycles it past its limit).
    "scrapy.extensions.memusage.MemoryUsage": None,
    # "Crawled N pages" every minute per crawl: the run's record says what a crawl did.
    "scrapy.extensions.logstats.LogStats": None,
    # veille exports no feed, keeps no JOBDIR, sets no CLOSESPIDER_* limit, and has the telnet
    # console, the memory debugger and the remote control off.
    "scrapy.extensions.feedexport.FeedExporter": None,
    "scrapy.extensions.spiderstate.SpiderState": None,
    "scrapy.extensions.closespider.CloseSpider": None,
    "scrapy.extensions.telnet.TelnetConsole": None,
    "scrapy.extensions.memdebug.MemoryDebugger": None,
    "scrapy.extensions.remote_control.RemoteControl": None,
}
# The whole stats dictionary in the crawl log at the end of every crawl: the run's record
# (crawl_runs) keeps the counts that matter.
STATS_DUMP = False

ITEM_PIPELINES = {
    "crawler.pipelines.ExtractPipeline": 100,
    "crawler.pipelines.CanonicalPipeline": 200,
    "crawler.pipelines.DedupePipeline": 300,
    "crawler.pipelines.StorePipeline": 400,
}

LOG_LEVEL = "INFO"
FEED_EXPORT_ENCODING = "utf-8"
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
# Resolves each name once and refuses internal answers (crawler.fetching.fetch_policy).
TWISTED_DNS_RESOLVER = "crawler.fetching.fetch_policy.GuardedResolver"
