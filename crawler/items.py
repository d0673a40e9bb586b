"""The item passed down the pipelines: a fetched page, then its extracted article."""

from __future__ import annotations

from dataclasses import dataclass, field

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
    is_update_check: bool = False  # this fetch re-reads a stored article that may have changed
    update_of: int | None = None  # the stored article this one revises (DedupePipeline)
    fingerprint: Fingerprint | None = field(default=None, repr=False)
    # Faults found on a page that is kept (kind, message), recorded by crawler.bookkeeping.
    notes: list[tuple[str, str]] = field(default_factory=list)
