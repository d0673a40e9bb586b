"""Site profiles: what veille knows about one source's pages, in one place, used on every path
that extracts a page (the crawl, `veille extract --source`, `veille rules test --source`, the
reader's rule test).

A profile says which blocks are the site's boilerplate (`prune_xpath`), where its article text
is (`content_xpath`), which of its URLs are articles (`article_pattern`) and where its pages show
their publication date (`date_xpath`), and on which clock they show a time of day written without
its zone (`timezone`). Like a publisher spec with its test pages, it can carry
saved pages of the site with the title, date and first sentence a correct extraction gives;
`check_saved_page` compares, and the test suite runs every saved page of the bundled sources.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class SavedPage:
    """A page of the site saved as a file, with what extracting it must give."""

    file: Path
    url: str
    title: str | None = None
    published: str | None = None  # the day (YYYY-MM-DD) or time the page was published
    first_sentence: str | None = None  # the start of the stored text


# The clock of a Moroccan site's pages: a byline's « 15:10 » is Casablanca's time (UTC+1, UTC+0
# during Ramadan), not UTC's.
SITE_TIMEZONE = "Africa/Casablanca"


@dataclass(frozen=True)
class SiteProfile:
    prune_xpath: tuple[str, ...] = ()
    content_xpath: tuple[str, ...] = ()
    article_pattern: str | None = None
    date_xpath: str | None = None
    saved_pages: tuple[SavedPage, ...] = ()
    timezone: str = SITE_TIMEZONE  # an IANA name, checked when the sources file is loaded

    def looks_like_article(self, url: str) -> bool:
        return self.article_pattern is None or re.search(self.article_pattern, url) is not None


NO_PROFILE = SiteProfile()


def check_saved_page(page: SavedPage, profile: SiteProfile) -> list[str]:
    """What extracting a saved page with its profile gets wrong (empty when all is right)."""
    from crawler.extraction.extract import NotAnArticle, extract_article

    try:
        extracted = extract_article(page.file.read_bytes(), page.url, profile)
    except NotAnArticle as exc:
        return [f"{page.file.name}: declined ({exc})"]
    problems = []
    if page.title is not None and (extracted.title or "") != page.title:
        problems.append(f"{page.file.name}: title {extracted.title!r}, expected {page.title!r}")
    if page.published is not None:
        got = extracted.date.value if extracted.date else ""
        if not got.startswith(page.published):
            problems.append(f"{page.file.name}: date {got!r}, expected {page.published!r}")
    if page.first_sentence is not None and not " ".join(extracted.text.split()).startswith(
        " ".join(page.first_sentence.split())
    ):
        problems.append(
            f"{page.file.name}: text starts {extracted.text[:80]!r}, expected "
            f"{page.first_sentence[:80]!r}"
        )
    if page.url and not profile.looks_like_article(page.url):
        problems.append(f"{page.file.name}: {page.url} does not match article_pattern")
    return problems
