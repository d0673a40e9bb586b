"""What a crawl counts per source, and the kinds of faults that are extraction's verdicts.

Shared by the crawl that counts (crawler.journal, the pipelines), the process that starts it
(crawler.fetching.crawl) and the service that reads the counts back (pacing, status), so none of
them imports another's module for a type.
"""

from __future__ import annotations

from typing import Literal, TypedDict


class SourceCounts(TypedDict, total=False):
    """One source's counts in one crawl, as the run records them (crawl_runs.stats) and the
    daemon reads them back (CrawlResult.per_source); absent means zero."""

    entry_ok: int  # entry points that answered (304 included)
    entry_failed: int
    not_modified: int  # entry points that answered 304
    new: int  # articles stored
    updated: int  # articles whose text changed (a new revision)
    duplicates: int  # copies of stored articles, under another URL
    known: int  # article links already stored, not fetched
    errors: int
    given_up: int  # article URLs the retry book gave up on
    retried: int  # article URLs fetched again from the retry book
    booked_skipped: int  # article URLs waiting in the retry book, not due yet
    unfinished: int  # 1: the crawl was stopped (time limit, shutdown) before this source was done
    sitemaps_not_fetched: int  # child sitemaps of an index left out (VEILLE_MAX_CHILD_SITEMAPS)
    # article links of an entry point past VEILLE_MAX_ARTICLES_PER_ENTRY new ones, not looked at
    links_not_looked_at: int


COUNT = Literal[
    "entry_ok",
    "entry_failed",
    "not_modified",
    "new",
    "updated",
    "duplicates",
    "known",
    "errors",
    "given_up",
    "retried",
    "booked_skipped",
    "unfinished",
    "sitemaps_not_fetched",
    "links_not_looked_at",
]
# Kinds of recorded faults that are extraction's verdicts on a page (`veille status` counts them
# per source): a page declined as not an article, or too slow to extract; a text kept that reads
# like navigation.
DECLINED = "not-article"
TOO_SLOW = "too-slow"
NAVIGATION_TEXT = "navigation-text"
# A page kept without the publication date it (or its feed) gave, more than a day after the fetch
# (crawler.extraction.dates.in_the_future): recorded with the date, like any fault.
DATE_IN_THE_FUTURE = "date-in-the-future"
