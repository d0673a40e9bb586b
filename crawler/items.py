"""The item passed down the pipelines: a fetched page, then its extracted article; and what the
spider's requests carry in their meta (typed here, read back in their callbacks)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TypedDict

from crawler.discovery.sources import EntryPoint
from crawler.extraction.profiles import SiteProfile
from crawler.stories.fingerprint import Fingerprint


@dataclass
class ArticleItem:
    """One fetched article page on its way to storage.

    The spider fills the fetch fields; ExtractPipeline fills the article fields; CanonicalPipeline
    sets `url` (the canonical URL), `content_hash` and `fingerprint`.
    """

    source: str
    fetched_url: str
    html: str | bytes = field(repr=False)
    seen_urls: list[str] = field(default_factory=list)  # every URL that led here (redirects, feeds)
    feed_title: str | None = None
    feed_published: str | None = None
    profile: SiteProfile | None = None  # the source's site profile (crawler.extraction.profiles)
    # Filled by the pipelines:
    url: str | None = None
    title: str | None = None
    author: str | None = None
    published: str | None = None
    published_origin: str | None = None  # where `published` came from (crawler.extraction.dates)
    original_source: str | None = None  # the outlet a republished article comes from
    original_url: str | None = None
    language: str | None = None
    sitename: str | None = None
    description: str | None = None
    canonical_hint: str | None = None
    text: str | None = field(default=None, repr=False)
    content_hash: str | None = None
    article_id: int | None = None
    # The retry book's entry this fetch answers (crawler.discovery.retries): forgotten once the
    # article is settled (stored, or found a copy), not when its page arrives, so that a kill or
    # a batch the database refuses before it is stored leaves it booked for a later crawl.
    retry_key: str | None = None
    is_update_check: bool = False  # this fetch re-reads a stored article that may have changed
    update_of: int | None = None  # the stored article this one revises (DedupePipeline)
    fingerprint: Fingerprint | None = field(default=None, repr=False)
    # Faults found on a page that is kept (kind, message), recorded by crawler.bookkeeping.
    notes: list[tuple[str, str]] = field(default_factory=list)


class EntryMeta(TypedDict):
    """The meta of a request for an entry point (a feed, a sitemap, a listing page)."""

    source: str
    entry: EntryPoint
    depth: int  # 0 for the entry point, 1 for a sitemap index's child…
    handle_httpstatus_list: list[int]  # Scrapy's: 304 comes to the callback


class ArticleMeta(TypedDict):
    """The meta of a request for an article page, as its entry point announced it."""

    source: str
    feed_title: str | None
    feed_published: str | None
    discovered_as: str  # the URL the entry point gave
    update: bool  # a known article whose entry point says it changed
    booked: bool  # fetched again from the retry book
