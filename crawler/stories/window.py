"""The story window held in memory for one store batch: term counts, term postings, articles
per hour and story members, read from the database once and kept in step with the batch's own
writes.

Rewrite matching (crawler.stories.grouping) asks, for every new article, how many articles of
its window (three days either side) use each of its terms and of its candidate stories' terms,
which articles share its rarest terms, and who the candidate stories' members are. Asked of the
database each time, those counts were recounted per article, most of the cost of storing one.
A batch is stored in one transaction that holds the store lock (SQLite's single writer,
PostgreSQL's advisory lock): no other writer changes these rows while it runs, so what was read
once stays true, provided the batch's own writes are applied here too. They are:

- a new article's terms and story hour (`saved`): added to the hours already read;
- an article's terms replaced (an update, a back-fill): everything is read again (`clear`);
- an article joining a story (`joined`): that story's members are read again.

Outside a batch (`active` returns None) every question goes to the database, as before. The
answers are the database's, in the database's order (term, hour, article): grouping decisions
do not change, only how often the rows are read. Pure data, no I/O: crawler.stories.store
reads the rows and asks this module first.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

_ACTIVE: ContextVar[StoryWindow | None] = ContextVar("story_window", default=None)


class StoryWindow:
    """What one batch has read of the story window (hours are hours since the epoch)."""

    def __init__(self, db: Any) -> None:
        self.db = db
        self.clear()

    def clear(self) -> None:
        """Forget everything read: the next questions go to the database again."""
        self._loaded: set[int] = set()
        self._span: tuple[int, int] | None = None  # a run of hours all read
        self._postings: dict[str, dict[int, list[int]]] = {}  # term: hour: article ids
        self._hours: dict[int, dict[str, int]] = {}  # hour: term: articles using it
        self._articles: dict[int, int] = {}  # hour: articles with that story hour
        # The counts of one range of hours, moved hour by hour as the batch's articles ask for
        # their own windows (in publication order, a few hours apart).
        self._range: tuple[int, int] | None = None
        self._counts: dict[str, int] = {}
        self._members: dict[tuple[int, int | None, int, int], list] = {}
        self._canonical: dict[int, int | None] = {}

    def missing(self, low: int, high: int) -> list[tuple[int, int]]:
        """The runs of hours between `low` and `high` not read yet, as (first, last)."""
        span = self._span
        if span is not None and span[0] <= low and high <= span[1]:
            return []  # inside the run read last (asked for every article: no loop over hours)
        runs: list[tuple[int, int]] = []
        start: int | None = None
        for hour in range(low, high + 1):
            if hour in self._loaded:
                if start is not None:
                    runs.append((start, hour - 1))
                    start = None
            elif start is None:
                start = hour
        if start is not None:
            runs.append((start, high))
        return runs

    def load(
        self,
        low: int,
        high: int,
        terms: Iterable[tuple[str, int, int]],
        articles: Iterable[tuple[int, int]],
    ) -> None:
        """The rows of the hours `low` to `high`: (term, hour, article id) of story_terms, and
        (hour, article count) of the articles."""
        for term, hour, article_id in terms:
            self._postings.setdefault(term, {}).setdefault(hour, []).append(article_id)
            counted = self._hours.setdefault(hour, {})
            counted[term] = counted.get(term, 0) + 1
        for hour, count in articles:
            self._articles[hour] = count
        if self._range is not None:  # hours loaded inside the counted range: counted too
            for hour in range(max(low, self._range[0]), min(high, self._range[1]) + 1):
                self._add_hour(hour, 1)
        self._loaded.update(range(low, high + 1))
        # The run of read hours around this one, found from its ends (hours are read in runs).
        first, last = low, high
        while first - 1 in self._loaded:
            first -= 1
        while last + 1 in self._loaded:
            last += 1
        self._span = (first, last)

    def article_count(self, low: int, high: int) -> int:
        return sum(self._articles.get(hour, 0) for hour in range(low, high + 1))

    def _add_hour(self, hour: int, sign: int) -> None:
        counts = self._counts
        for term, count in self._hours.get(hour, {}).items():
            left = counts.get(term, 0) + sign * count
            if left:
                counts[term] = left
            else:
                del counts[term]

    def _count_range(self, low: int, high: int) -> dict[str, int]:
        """The term counts of the hours `low` to `high` (all read), from the range counted
        last: hours that left it taken off, hours that entered it added."""
        if self._range == (low, high):
            return self._counts
        old = self._range
        if old is None or old[1] < low or high < old[0]:
            self._counts = {}
            entering: Iterable[int] = range(low, high + 1)
        else:
            for hour in range(old[0], low):
                self._add_hour(hour, -1)
            for hour in range(high + 1, old[1] + 1):
                self._add_hour(hour, -1)
            entering = [*range(low, old[0]), *range(old[1] + 1, high + 1)]
        for hour in entering:
            self._add_hour(hour, 1)
        self._range = (low, high)
        return self._counts

    def term_counts(self, terms: Iterable[str], low: int, high: int) -> dict[str, int]:
        """How many articles of the window use each term (terms used by none left out)."""
        counts = self._count_range(low, high)
        return {term: counts[term] for term in terms if term in counts}

    def term_hits(
        self, terms: Iterable[str], low: int, high: int, exclude: int | None
    ) -> Iterator[tuple[str, int]]:
        """(term, article id) of the window's articles using the terms, in the database's order
        (term, hour, article id)."""
        for term in sorted(set(terms)):
            hours = self._postings.get(term, {})
            for hour in sorted(h for h in hours if low <= h <= high):
                for article_id in sorted(hours[hour]):
                    if article_id != exclude:
                        yield term, article_id

    def saved(self, article_id: int, terms: Iterable[str], hour: int) -> None:
        """A new article (no story hour nor terms before) got its hour and terms."""
        if hour not in self._loaded:
            return  # read from the database, this batch's rows included, when first asked
        counted = self._hours.setdefault(hour, {})
        in_range = self._range is not None and self._range[0] <= hour <= self._range[1]
        for term in set(terms):
            self._postings.setdefault(term, {}).setdefault(hour, []).append(article_id)
            counted[term] = counted.get(term, 0) + 1
            if in_range:
                self._counts[term] = self._counts.get(term, 0) + 1
        self._articles[hour] = self._articles.get(hour, 0) + 1

    # -- stories: first article, members ---------------------------------------------------------

    def canonical(self, story_id: int) -> tuple[bool, int | None]:
        """(known, first article id) of a story; a story's first article never changes."""
        if story_id in self._canonical:
            return True, self._canonical[story_id]
        return False, None

    def remember_canonical(self, story_id: int, article_id: int | None) -> None:
        self._canonical[story_id] = article_id

    def members(self, key: tuple[int, int | None, int, int]) -> list | None:
        return self._members.get(key)

    def remember_members(self, key: tuple[int, int | None, int, int], rows: list) -> None:
        self._members[key] = rows

    def joined(self, story_id: int) -> None:
        """An article joined the story: its members are read again."""
        for key in [k for k in self._members if k[0] == story_id]:
            del self._members[key]


def active(db: Any) -> StoryWindow | None:
    """The window of the store batch running on `db` in this thread, if any."""
    window = _ACTIVE.get()
    return window if window is not None and window.db is db else None


# A batch of fewer articles asks the database for each article, as before: reading the whole
# window (every term of every article of six days: 240,000 rows at 1,000 articles a day) costs
# more than a few articles' questions about their own terms.
MIN_BATCH = 50


@contextmanager
def batch_window(db: Any, articles: int) -> Iterator[StoryWindow | None]:
    """Hold the story window in memory for the body, a store batch of `articles` articles whose
    transaction holds the store lock (nested batches share the outer one's); below MIN_BATCH
    articles, nothing is held."""
    current = active(db)
    if current is not None or articles < MIN_BATCH:
        yield current
        return
    window = StoryWindow(db)
    token = _ACTIVE.set(window)
    try:
        yield window
    finally:
        _ACTIVE.reset(token)
