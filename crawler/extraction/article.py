"""What extraction gives: the article found in a page, or why the page is not one.

Kept apart from the extraction itself (crawler.extraction.extract, which loads trafilatura), so
that a crawl worker, which only hands pages to its extraction process
(crawler.extraction.budget), never loads trafilatura.
"""

from __future__ import annotations

from dataclasses import dataclass

from crawler.extraction.dates import FoundDate

# The paths a text can come from (Extracted.path; crawler.extraction.extract).
PATH_TRAFILATURA = "trafilatura"
PATH_PROFILE = "site profile content_xpath"
PATH_RECALL = "trafilatura recall pass"
PATH_BASELINE = "trafilatura baseline"
LEAD = " + lead"  # appended when the page's lead was put back


@dataclass(frozen=True)
class Extracted:
    title: str | None
    author: str | None
    date: FoundDate | None  # the page's own publication date, with precision and origin
    language: str | None
    sitename: str | None
    description: str | None
    canonical_url: str | None
    text: str
    original_source: str | None = None  # the outlet a republished article comes from
    original_url: str | None = None  # the article on that outlet's site
    language_declared: str | None = None  # what <html lang> said, when the text disagreed
    text_cut_from: int | None = None  # the text's length before MAX_TEXT_CHARACTERS cut it
    path: str = PATH_TRAFILATURA  # which extraction produced the text (PATH_*, maybe + LEAD)
    paragraphs_filtered: int = 0  # paragraphs of boilerplate blocks taken out of the text
    looks_like_navigation: bool = False  # the stored text still reads like a menu
    notes: tuple[str, ...] = ()  # what a crawl records about this page
    # why a second pass's text replaced trafilatura's first one (None when it did not)
    path_reason: str | None = None
    # why a second pass was tried, whether or not its text was kept (None when none was tried)
    second_pass: str | None = None
    # a date the profile's date_xpath shows relative to when the page is read (« il y a 3
    # heures »), for the crawl to count back from its fetch (dates.counted_from_fetch)
    shown_relative: str | None = None

    @property
    def published(self) -> str | None:
        return self.date.value if self.date else None


class NotAnArticle(Exception):
    """The page has no article body worth storing (a section page, an error page, a stub)."""


class PageTooComplex(NotAnArticle):
    """The page has far more elements than any news article: declined before it is parsed, and
    counted as a fault of the site (a page that would take minutes and gigabytes to parse)."""
