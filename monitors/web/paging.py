"""The "older" and "newer" links of the reader's lists (the home page, a watchlist page): each
carries the sort key of the row it continues from (keyset paging, as Miniflux's API pages its
entries with before/after an entry), never a count of rows to skip, so that a deep page reads
as many rows as the first, and an article listed on one page is not listed again on the next
when matches arrive in between.

A watchlist page's key is its article's date and the match's id (`2026-12-05T23:30:00Z~812`);
the home page's is a match id, with the newest match id of its first page (`top`), the list
every later page continues. A link edited by hand or cut short is refused (`BadCursor`: a 400
page in the reader's language), not answered with a server error."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlencode

from crawler.extraction.dates import parse_date
from monitors.web.store import ListedAt

# The largest row id SQLite and PostgreSQL (BIGINT) store.
MAX_ID = 2**63 - 1
SEPARATOR = "~"


class BadCursor(ValueError):
    """A page link's key that no page of the list gave: the reader's 400 page says so."""


def listed_at(value: str | None) -> ListedAt | None:
    """A watchlist page's key from a link (`WHEN~ID`); None when the link has none."""
    if value is None:
        return None
    when, separator, number = value.rpartition(SEPARATOR)
    if not separator or not _is_date(when):
        raise BadCursor(value)
    return ListedAt(when, match_id(number))


def listed_at_text(key: ListedAt) -> str:
    return f"{key.when}{SEPARATOR}{key.match_id}"


def match_id(value: str | None) -> int:
    """A match id from a link: a whole number an engine stores."""
    if value is None or not value.isascii() or not value.isdigit() or len(value) > 19:
        raise BadCursor(value)
    number = int(value)
    if not 0 < number <= MAX_ID:
        raise BadCursor(value)
    return number


def optional_match_id(value: str | None) -> int | None:
    return None if value is None else match_id(value)


def _is_date(text: str) -> bool:
    """A date as the articles' dates are stored: what the crawl and `veille import` take for one
    (ISO 8601, a day or a time)."""
    return bool(text) and len(text) <= 64 and parse_date(text) is not None


def link(path: str, kept: Mapping[str, str], **cursor: object) -> str:
    """The address of another page of a list: its path, the filters the page was shown with
    (`kept`) and the new page's key."""
    query = {k: v for k, v in kept.items() if k not in ("before", "after", "top")}
    query |= {k: str(v) for k, v in cursor.items() if v is not None}
    return f"{path}?{urlencode(query)}" if query else path
