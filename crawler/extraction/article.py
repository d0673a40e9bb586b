"""What extraction gives: the article found in a page, or why the page is not one.

Kept apart from the extraction itself (crawler.extraction.extract, which loads trafilatura), so
that a crawl worker, which only hands pages to its extraction process
(crawler.extraction.budget), never loads trafilatura.
"""

from __future__ import annotations

from dataclasses import dataclass

from crawler.extraction.dates import FoundDate


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
    pruning_reverted: bool = False  # the page only yielded its article unpruned
    text_cut_from: int | None = None  # the text's length before MAX_TEXT_CHARACTERS cut it

    @property
    def published(self) -> str | None:
        return self.date.value if self.date else None


class NotAnArticle(Exception):
    """The page has no article body worth storing (a section page, an error page, a stub)."""
