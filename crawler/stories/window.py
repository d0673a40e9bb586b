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

What a batch knew of stories (members, the groups made of them, articles' stories) is read again
by the next batch, unless its caller finds, under the store lock, that nothing was written to the
database since the last batch committed on the same connection (`leave`, `resume`: the marks are
crawler.stories.store's); then what the last batch used is known again, and what the new one
does not use is dropped at the batch after it.

The window is kept between batches by the process (per database), and checked at each batch
against `story_hours`, where the store counts each hour's articles and stamps a version every
time an article's terms at that hour are written: hours another process (or a write outside a
batch) changed since are brought up to date, the others are not read at all. An hour that only
gained articles (as many new versions as new articles: another worker's new articles) gets
those articles' rows alone, found above the highest article id the window read there (ids are
given under the store lock, so in commit order), and checked to be exactly that many articles;
any other change (terms replaced, an article moved) reads the hour again whole. A crawl worker
thus reads the window once in its life, then the articles the other workers added, instead of
recounting a new article's terms in SQL (most of the cost of storing one); a failed batch
forgets the kept window (what it added in memory was rolled back). Hours left behind by the
batches' windows are dropped, so what is kept is one window, not the store.

Outside a batch (`active` returns None) every question goes to the database, as before. The
answers are the database's, in the database's order (term, hour, article): grouping decisions
do not change, only how often the rows are read. Pure data, no I/O: crawler.stories.store
reads the rows and asks this module first.
"""

from __future__ import annotations

import bisect
import struct

# Adds one to each element's count in a dict: what Counter.update does with an iterable, in C.
from _collections import _count_elements
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from operator import itemgetter
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
        # Hours checked against story_hours in this batch, and the version each was read at.
        self._checked: set[int] = set()
        self._checked_span: tuple[int, int] | None = None
        self._versions: dict[int, int] = {}
        self._postings: dict[str, dict[int, list[int]]] = {}  # term: hour: article ids
        # The LSH band keys of the hours read (copy candidates): key: the article using it, or
        # a list of those using it (a key is in one article, seldom a few: no hour level, no
        # list for one), each such article's hour, and each hour's (article, packed keys), to
        # forget an hour. Some 3 kB an article, where lists and sets of ints took 8.
        self._keys: dict[int, int | list[int]] = {}
        self._key_hours: dict[int, int] = {}
        self._hour_keys: dict[int, list[tuple[int, bytes]]] = {}
        self._hours: dict[int, dict[str, int]] = {}  # hour: term: articles using it
        self._articles: dict[int, int] = {}  # hour: articles with that story hour
        # The article count of the range of hours asked last (low, high, articles), kept in step
        # with `_articles` (every new article would otherwise sum the window's 145 hours again).
        self._article_total: tuple[int, int, int] | None = None
        # The counts of one range of hours, moved hour by hour as the batch's articles ask for
        # their own windows (in publication order, a few hours apart).
        self._range: tuple[int, int] | None = None
        self._counts: dict[str, int] = {}
        # By story (an article joining it drops them at once), then by what was asked.
        self._members: dict[int, dict[tuple[int, int | None, int, int], list]] = {}
        self._groups: dict[int, dict[tuple[int, int | None, int, int], Any]] = {}  # made of them
        self._canonical: dict[int, int | None] = {}
        # What the last batch used of stories (members, groups, articles' stories), held by
        # `begin` for `resume`, and the mark of the database that batch left (`leave`); once
        # resumed, `_earlier`: asked after this batch's own (and moved into them when found),
        # so that what is kept is what the last two batches used, not every story stored.
        self._held_over: tuple[dict, dict, dict[int, int | None]] | None = None
        self._left: object | None = None
        self._earlier: tuple[dict, dict, dict[int, int | None]] = ({}, {}, {})
        # Copy candidates' rows (crawler.stories.store.copy_candidates: an article with its
        # story and the story's first article), by lead length, then article: a candidate comes
        # up for several articles of a batch. A row names its article's story, and is dropped
        # when that story is folded into another (`moved`); all are dropped when an article's
        # hour or terms are replaced (`replaced`: an update, a back-fill). Held over and known
        # again (`resume`) as the stories are.
        self._candidates: dict[int, dict[int, Any]] = {}
        self._held_candidates: dict[int, dict[int, Any]] = {}
        self._earlier_candidates: dict[int, dict[int, Any]] = {}
        # Each article's story (None: none), as read in this batch (`begin` forgets them: another
        # writer may have moved articles between batches); kept in step with fold_story.
        self.stories: dict[int, int | None] = {}
        # The highest article id read at each hour: another writer's later articles have higher
        # ids (ids are given under the store lock, in commit order), so an hour it wrote is
        # brought up to date by reading the rows above this one (`stale`, `extend`).
        self._last_ids: dict[int, int] = {}
        # Hours checked at a newer version than read, waiting for `extend`: (version, articles)
        # they were read at.
        self._stale: dict[int, tuple[int, int]] = {}
        # A run of hours found checked, read and up to date in this batch (`ready`): until an
        # hour is forgotten or found stale, questions about hours inside it need no check.
        self._ready: tuple[int, int] | None = None

    def ready(self, low: int, high: int) -> bool:
        """The hours `low` to `high` were all found checked in this batch, read and up to date
        (`mark_ready`), and none was forgotten or found stale since."""
        ready = self._ready
        return ready is not None and ready[0] <= low and high <= ready[1]

    def mark_ready(self, low: int, high: int) -> None:
        """The hours `low` to `high` are checked, read and up to date (the caller just made
        them so): kept as the ready run, or as its extension when the two meet."""
        ready = self._ready
        if ready is not None and ready[0] <= high + 1 and low - 1 <= ready[1]:
            low, high = min(low, ready[0]), max(high, ready[1])
        self._ready = (low, high)

    def missing(self, low: int, high: int) -> list[tuple[int, int]]:
        """The runs of hours between `low` and `high` not read yet, as (first, last) (a stale
        hour not brought up to date by `extend` is read again whole)."""
        for hour in list(self._stale):
            self._read_again(hour)
        return _runs_outside(self._loaded, self._span, low, high)

    def unchecked(self, low: int, high: int) -> list[tuple[int, int]]:
        """The runs of hours between `low` and `high` not checked in this batch yet."""
        return _runs_outside(self._checked, self._checked_span, low, high)

    def check(self, low: int, high: int, rows: Iterable[tuple[int, int, int]]) -> None:
        """The story_hours rows (hour, articles, version) of the hours `low` to `high`: hours
        read at another version are forgotten (read again when asked), every hour's article
        count is taken from them."""
        found = {hour: (articles, version) for hour, articles, version in rows}
        for hour in range(low, high + 1):
            articles, version = found.get(hour, (0, 0))
            read = self._versions.get(hour)
            if hour in self._loaded and read != version:
                before = self._articles.get(hour, 0)
                if (
                    read is not None
                    and hour in self._last_ids
                    and version - read == articles - before > 0
                ):
                    # As many new versions as new articles: most likely another writer's new
                    # articles alone, read by `extend` (which checks it) instead of the hour.
                    self._stale[hour] = (read, before)
                    self._ready = None
                else:
                    self._forget(hour)
            self._versions[hour] = version
            self._set_articles(hour, articles)
        self._checked.update(range(low, high + 1))
        self._checked_span = _span_around(self._checked, low, high, self._checked_span)

    def _forget(self, hour: int) -> None:
        """Drop an hour's terms (taken off the counted range if inside it) and its check."""
        self._ready = None
        terms = self._hours.pop(hour, {})
        in_range = self._range is not None and self._range[0] <= hour <= self._range[1]
        for term, count in terms.items():
            hours = self._postings.get(term)
            if hours is not None:
                hours.pop(hour, None)
                if not hours:
                    del self._postings[term]
            if in_range:
                left = self._counts.get(term, 0) - count
                if left > 0:
                    self._counts[term] = left
                else:
                    self._counts.pop(term, None)
        for article_id, packed in self._hour_keys.pop(hour, ()):
            self._key_hours.pop(article_id, None)
            self._unindex_keys(article_id, packed)
        self._loaded.discard(hour)
        self._checked.discard(hour)
        self._versions.pop(hour, None)
        self._last_ids.pop(hour, None)
        self._stale.pop(hour, None)
        self._set_articles(hour, 0)
        if self._span is not None and self._span[0] <= hour <= self._span[1]:
            self._span = None
        if (
            self._checked_span is not None
            and self._checked_span[0] <= hour <= self._checked_span[1]
        ):
            self._checked_span = None

    def begin(self, db: Any) -> None:
        """A new batch on `db`: every hour is checked again, story members are read again
        (other processes may have added to them); a story's first article stays known. What
        the last batch knew of stories is held over until `resume` says whether the database
        is as that batch left it."""
        same = db is self.db
        self.db = db
        self._ready = None
        self._checked = set()
        self._checked_span = None
        self._held_over = (self._members, self._groups, self.stories) if same else None
        self._held_candidates = self._candidates if same else {}
        self._earlier = ({}, {}, {})
        self._earlier_candidates = {}
        self._candidates = {}
        self._members = {}
        self._groups = {}
        self.stories = {}

    def leave(self, mark: object | None) -> None:
        """The batch's writes are all made, its commit next; `mark` is what the caller's
        connection says of the database now, still under the batch's lock (None: nothing it
        can compare). A batch whose commit fails is not kept."""
        self._left = mark

    def resume(self, mark: object | None) -> bool:
        """Called inside the new batch's transaction, before any question: when `mark` equals
        the one the last batch left with, on the same connection (`begin`), nothing was written
        to the database since, and the stories' members, groups, articles' stories and copy
        candidates' rows the last batch used are known again instead of read again (those this
        batch does not use are dropped at the next `begin`). True when they are."""
        held, left = self._held_over, self._left
        self._held_over = self._left = None
        self._held_candidates, held_candidates = {}, self._held_candidates
        if held is None or mark is None or mark != left:
            return False
        self._earlier = held
        self._earlier_candidates = held_candidates
        return True

    def _story_entry(self, kept: dict[int, dict], earlier: dict[int, dict], story_id: int) -> dict:
        """A story's entry in this batch's `kept` (members or groups), taken from the last
        batch's when only that one has it; empty when neither has."""
        entry = kept.get(story_id)
        if entry is None:
            entry = earlier.pop(story_id, None)
            if entry is None:
                return {}
            kept[story_id] = entry
        return entry

    def candidate_rows(self, lead: int, article_ids: Iterable[int]) -> dict[int, Any]:
        """The copy candidates' rows with leads of `lead` characters known in this batch, by
        article, these articles' rows of the last batch (`resume`) among them; the caller adds
        the rows it reads. Emptied once it holds CANDIDATE_ROWS_KEPT rows (a back-fill's one
        window over the whole store)."""
        kept = self._candidates.get(lead)
        if kept is None or len(kept) >= CANDIDATE_ROWS_KEPT:
            kept = self._candidates[lead] = {}
        earlier = self._earlier_candidates.get(lead)
        if earlier:
            for article_id in article_ids:
                if article_id not in kept and article_id in earlier:
                    kept[article_id] = earlier.pop(article_id)
        return kept

    def recall_stories(self, article_ids: Iterable[int]) -> None:
        """The stories of these articles that the last batch knew (`resume`), known in this
        batch's `stories` too."""
        earlier = self._earlier[2]
        if not earlier:
            return
        stories = self.stories
        for article_id in article_ids:
            if article_id not in stories and article_id in earlier:
                stories[article_id] = earlier.pop(article_id)

    def trim(self) -> None:
        """Keep only the hours of the range counted last (the latest article's window) once
        twice as many are kept: the others were for earlier articles, and a kept window must
        not grow with the store."""
        if self._range is None:
            self.clear()
            return
        low, high = self._range
        if len(self._versions) <= 2 * (high - low + 1):
            return  # at most one more window's hours kept: dropped when it doubles
        for hour in [h for h in self._loaded | set(self._versions) if not low <= h <= high]:
            self._forget(hour)
        if len(self._canonical) > 100_000:
            self._canonical.clear()

    def load(
        self,
        low: int,
        high: int,
        rows: Iterable[tuple[int, int, str, bytes | None]],
        articles: Iterable[tuple[int, int]],
    ) -> None:
        """The rows of the hours `low` to `high`: (article id, hour, terms, band keys) of
        story_index (one row an article: `join_terms`, `pack_keys`), and (hour, article count)
        of the articles."""
        lists: dict[tuple[str, int], list[int]] = {}
        last_ids = self._last_ids
        postings = self._postings
        for article_id, hour, terms, keys in rows:
            counted = self._hours.get(hour)
            if counted is None:
                counted = self._hours[hour] = {}
            for term in split_terms(terms):
                ids = lists.get((term, hour))
                if ids is None:
                    ids = lists[term, hour] = postings.setdefault(term, {}).setdefault(hour, [])
                ids.append(article_id)
                counted[term] = counted.get(term, 0) + 1
            if keys:
                self._add_keys(article_id, unpack_keys(keys), hour)
            if article_id > last_ids.get(hour, -1):
                last_ids[hour] = article_id
        for ids in lists.values():
            ids.sort()  # kept in order: term_hits answers in the database's order unsorted
        for hour, count in articles:
            self._set_articles(hour, count)
        if self._range is not None:  # hours loaded inside the counted range: counted too
            for hour in range(max(low, self._range[0]), min(high, self._range[1]) + 1):
                self._add_hour(hour, 1)
        self._loaded.update(range(low, high + 1))
        self._span = _span_around(self._loaded, low, high, self._span)

    def article_count(self, low: int, high: int) -> int:
        """How many articles have a story hour between `low` and `high` (all checked)."""
        kept = self._article_total
        if kept is not None and kept[0] == low and kept[1] == high:
            return kept[2]
        get = self._articles.get
        if kept is None or kept[1] < low or high < kept[0]:
            total = sum(get(hour, 0) for hour in range(low, high + 1))
        else:  # the range moved by a few hours: those that left it and those that entered
            total = kept[2]
            total -= sum(get(hour, 0) for hour in range(kept[0], low))
            total -= sum(get(hour, 0) for hour in range(high + 1, kept[1] + 1))
            total += sum(get(hour, 0) for hour in range(low, kept[0]))
            total += sum(get(hour, 0) for hour in range(kept[1] + 1, high + 1))
        self._article_total = (low, high, total)
        return total

    def _set_articles(self, hour: int, count: int) -> None:
        """An hour's article count (0: forgotten), the kept total of the last range updated."""
        before = self._articles.pop(hour, 0)
        if count:
            self._articles[hour] = count
        kept = self._article_total
        if kept is not None and kept[0] <= hour <= kept[1]:
            self._article_total = (kept[0], kept[1], kept[2] - before + count)

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

    def range_counts(self, low: int, high: int) -> dict[str, int]:
        """How many articles of the window use each term, for every term: the window's own
        counts, valid until another range is asked (not to be changed)."""
        return self._count_range(low, high)

    def term_hits(
        self, terms: Iterable[str], low: int, high: int, exclude: int | None
    ) -> Iterator[tuple[str, int]]:
        """(term, article id) of the window's articles using the terms, in the database's order
        (term, hour, article id)."""
        postings = self._postings
        for term in sorted(set(terms)):
            hours = postings.get(term)
            if not hours:
                continue
            for hour in sorted(hours):
                if low <= hour <= high:
                    # Each hour's ids are kept in order (load sorts them, saved inserts).
                    for article_id in hours[hour]:
                        if article_id != exclude:
                            yield term, article_id

    def shared(
        self,
        terms: Iterable[str],
        weight: dict[str, float],
        low: int,
        high: int,
        exclude: int | None,
        at_least: int = 1,
    ) -> tuple[dict[int, float], dict[int, int]]:
        """For each article of the window using at least `at_least` of the terms (`exclude`
        left out): the sum of those terms' weights and how many they are. Each article's
        weights are added in the order term_hits gives them (term, hour), so the sums are those
        of adding them up from its answer, without making a pair per posting.

        The articles are counted first, in C; only those using `at_least` terms have their
        weights added (most articles of a window share one or two of an article's rarest
        terms, and are left out anyway)."""
        postings = self._postings
        found: list[tuple[float, list[int]]] = []  # (weight, ids) of each term, in order
        everyone: list[int] = []
        for term in sorted(set(terms)):
            hours = postings.get(term)
            if not hours:
                continue
            ids: list[int] = []
            for hour in sorted(hours):
                if low <= hour <= high:
                    ids += hours[hour]
            if ids:
                found.append((weight[term], ids))
                everyone += ids
        counts = Counter(everyone)
        counts.pop(exclude, None)  # type: ignore[arg-type]
        kept = {a: n for a, n in counts.items() if n >= at_least} if at_least > 1 else counts
        sums: dict[int, float] = {}
        if len(kept) == len(counts):
            for add, ids in found:  # every article kept: each posting added in turn
                for article_id in ids:
                    if article_id != exclude:
                        sums[article_id] = sums.get(article_id, 0.0) + add
            return sums, dict(counts)
        if len(kept) * len(found) < len(everyone):
            # Few articles kept: each one's terms looked up in the terms' postings, counted in
            # C (an article listed twice under a term is added twice, as posting by posting).
            tallies = [(add, Counter(ids)) for add, ids in found]
            for article_id in kept:
                total = 0.0
                for add, tally in tallies:
                    for _ in range(tally.get(article_id, 0)):
                        total += add
                sums[article_id] = total
        else:
            for add, ids in found:
                for article_id in ids:
                    if article_id in kept:
                        sums[article_id] = sums.get(article_id, 0.0) + add
        return sums, dict(kept)

    def hits(
        self, terms: Iterable[str], low: int, high: int, exclude: int | None
    ) -> dict[int, int]:
        """How many of the terms each article of the window uses (`exclude` left out), counted
        a whole posting list at a time (a place or a figure is in many of the window's
        articles)."""
        found: list[int] = []
        postings = self._postings
        for term in set(terms):
            hours = postings.get(term)
            if hours:
                for hour, ids in hours.items():
                    if low <= hour <= high:
                        found += ids
        counts = Counter(found)  # counted at once, in C
        counts.pop(exclude, None)  # type: ignore[arg-type]
        return dict(counts)

    def saved(
        self,
        article_id: int,
        terms: Iterable[str],
        hour: int,
        version: int,
        keys: Iterable[int] = (),
    ) -> None:
        """A new article (no story hour nor terms before) got its hour, terms and band keys,
        and the hour its new version in story_hours."""
        if hour not in self._loaded or hour not in self._checked:
            self._forget(hour)  # read from the database, this article included, when asked
            return
        if self._versions.get(hour, 0) + 1 != version:
            self._forget(hour)  # written meanwhile by another: read again when asked
            return
        self._versions[hour] = version
        self._add(article_id, terms, keys, hour)
        self._set_articles(hour, self._articles.get(hour, 0) + 1)

    def _read_again(self, hour: int) -> None:
        """Forget a checked hour's rows, keeping its check (version and article count): it is
        read again whole when asked."""
        version, articles = self._versions[hour], self._articles.get(hour, 0)
        self._forget(hour)
        self._versions[hour] = version
        self._set_articles(hour, articles)
        self._checked.add(hour)

    def stale(self) -> list[tuple[int, int]]:
        """(hour, highest article id read there) of the hours `check` found written since they
        were read, each to be brought up to date by `extend` with its rows above that id."""
        return [(hour, self._last_ids[hour]) for hour in sorted(self._stale)]

    def extend(self, hour: int, rows: Iterable[tuple[int, str, bytes | None]]) -> None:
        """The (article id, terms, band keys) rows of a stale hour's articles above the highest
        id read there. They are added when they hold exactly the new articles the hour's check
        counted (one new version and one more article each: nothing else was written there);
        else the hour is forgotten, and read again whole when asked."""
        read, before = self._stale.pop(hour)
        version = self._versions[hour]
        articles = self._articles.get(hour, 0)
        rows = sorted(rows, key=itemgetter(0))
        if len(rows) != version - read or len(rows) != articles - before:
            self._read_again(hour)
            return
        # Ids above every id kept at this hour: appended in order.
        for article_id, terms, keys in rows:
            self._add(article_id, split_terms(terms), unpack_keys(keys) if keys else (), hour)

    def _add(self, article_id: int, terms: Iterable[str], keys: Iterable[int], hour: int) -> None:
        """One article's terms and band keys at an hour read (its ids kept in order: an id
        above those kept is appended, the usual case, else inserted in place)."""
        counted = self._hours.get(hour)
        if counted is None:
            counted = self._hours[hour] = {}
        in_range = self._range is not None and self._range[0] <= hour <= self._range[1]
        postings = self._postings
        unique = terms if isinstance(terms, (set, frozenset)) else set(terms)
        for term in unique:
            hours = postings.get(term)
            if hours is None:
                postings[term] = {hour: [article_id]}
            else:
                ids = hours.get(hour)
                if ids is None:
                    hours[hour] = [article_id]
                elif ids[-1] < article_id:
                    ids.append(article_id)
                else:
                    bisect.insort(ids, article_id)
        # One more article using each term at the hour (and in the counted range), counted in C
        # (`Counter.update`'s own loop).
        _count_elements(counted, unique)
        if in_range:
            _count_elements(self._counts, unique)
        if keys:
            self._add_keys(article_id, keys, hour)
        if article_id > self._last_ids.get(hour, -1):
            self._last_ids[hour] = article_id

    def _add_keys(self, article_id: int, keys: Iterable[int], hour: int) -> None:
        """An article's band keys, at its hour (each key once: a key two bands gave counts once,
        as in the database)."""
        held = self._key_hours.get(article_id)
        if held == hour:  # read twice (its hour read again): once is kept
            return
        if held is not None:
            # Moved to another hour since it was read (another writer corrected its date): its
            # keys leave the old hour, or they would be looked up there and then forgotten
            # with it while the article is held at its new hour.
            entries = self._hour_keys.get(held, [])
            for at, (other, packed) in enumerate(entries):
                if other == article_id:
                    del entries[at]
                    self._unindex_keys(article_id, packed)
                    break
        unique = set(keys)
        self._key_hours[article_id] = hour
        self._hour_keys.setdefault(hour, []).append((article_id, pack_keys(unique)))
        by_key = self._keys
        # Keys already used by other articles get this one too; the others (most keys of a
        # text that copies none) are added at once, in C.
        # (A set and the index's keys: the set's keys are looked up, never the index walked;
        # `unique - by_key.keys()` would walk it.)
        used = unique & by_key.keys()
        for key in used:
            ids = by_key[key]
            if isinstance(ids, int):
                by_key[key] = [ids, article_id]
            else:
                ids.append(article_id)
        by_key.update(dict.fromkeys(unique - used, article_id))

    def _unindex_keys(self, article_id: int, packed: bytes) -> None:
        """Take the article off each of its band keys' entries."""
        by_key = self._keys
        for key in unpack_keys(packed):
            ids = by_key.get(key)
            if ids is None:
                continue
            if isinstance(ids, int):
                if ids == article_id:
                    del by_key[key]
            elif article_id in ids:
                ids.remove(article_id)
                if len(ids) == 1:
                    by_key[key] = ids[0]

    def key_hits(
        self, keys: Iterable[int], low: int, high: int, exclude: int | None, limit: int
    ) -> list[int]:
        """The articles of the hours `low` to `high` sharing the most of these LSH band keys
        (`exclude` left out), at most `limit`: most keys shared first, then the latest."""
        shared: dict[int, int] = {}
        by_key, key_hours = self._keys, self._key_hours
        # Only the keys some article uses (found in C: most keys of a new text are in none).
        for key in by_key.keys() & set(keys):
            ids = by_key[key]
            for article_id in (ids,) if isinstance(ids, int) else ids:
                if low <= key_hours[article_id] <= high:
                    shared[article_id] = shared.get(article_id, 0) + 1
        shared.pop(exclude, None)  # type: ignore[arg-type]
        # (keys shared, id) pairs sorted in C, highest first: most keys, then the latest.
        ranked = sorted(zip(shared.values(), shared.keys(), strict=True), reverse=True)
        return [article_id for _, article_id in ranked[:limit]]

    # -- stories: first article, members ---------------------------------------------------------

    def canonical(self, story_id: int) -> tuple[bool, int | None]:
        """(known, first article id) of a story; a story's first article never changes."""
        if story_id in self._canonical:
            return True, self._canonical[story_id]
        return False, None

    def remember_canonical(self, story_id: int, article_id: int | None) -> None:
        self._canonical[story_id] = article_id

    def members(self, key: tuple[int, int | None, int, int]) -> list | None:
        return self._story_entry(self._members, self._earlier[0], key[0]).get(key)

    def remember_members(self, key: tuple[int, int | None, int, int], rows: list) -> None:
        self._story_entry(self._members, self._earlier[0], key[0])  # the last batch's too
        self._members.setdefault(key[0], {})[key] = rows

    def group(self, key: tuple[int, int | None, int, int]) -> Any:
        """What a caller made of a story's members (None: not made, or read again since)."""
        return self._story_entry(self._groups, self._earlier[1], key[0]).get(key)

    def remember_group(self, key: tuple[int, int | None, int, int], made: Any) -> None:
        self._story_entry(self._groups, self._earlier[1], key[0])  # the last batch's too
        self._groups.setdefault(key[0], {})[key] = made

    def story_group(self, story_id: int, limit: int, lead: int) -> tuple[int | None, Any] | None:
        """(first article, what a caller made of the members) of a story whose group of
        `limit` members and `lead` characters is kept, without its first article asked first
        (None: none kept)."""
        groups = self._story_entry(self._groups, self._earlier[1], story_id)
        for (_, canonical, kept_limit, kept_lead), made in groups.items():
            if kept_limit == limit and kept_lead == lead:
                return canonical, made
        return None

    def joined(self, story_id: int) -> tuple[dict, dict]:
        """An article joined the story: its members are read again. Returns what was kept of
        them (rows and groups, this batch's or the last one's, by what was asked), for a caller
        that knows them with the article added (crawler.stories.store.touch_story)."""
        members = self._members.pop(story_id, None)
        groups = self._groups.pop(story_id, None)
        earlier_members = self._earlier[0].pop(story_id, None)
        earlier_groups = self._earlier[1].pop(story_id, None)
        return members or earlier_members or {}, groups or earlier_groups or {}

    def moved(self, story_id: int, into: int) -> None:
        """The articles of one story were put in another (fold_story)."""
        for stories in (self.stories, self._earlier[2]):
            for article_id in [a for a, s in stories.items() if s == story_id]:
                stories[article_id] = into
        # A candidate's row names its story and that story's first article: read again.
        for rows in (*self._candidates.values(), *self._earlier_candidates.values()):
            for article_id in [a for a, row in rows.items() if row[0] == story_id]:
                del rows[article_id]

    def replaced(self, hours: Iterable[int]) -> None:
        """An article's terms were replaced (an update, a back-fill): its old and new hours are
        read again when asked."""
        self._candidates = {}  # an article's hour may be a candidate's row's
        self._earlier_candidates = {}
        for hour in hours:
            self._forget(hour)


# The copy candidates' rows a batch keeps at most (some 1.5 kB each, their leads included).
CANDIDATE_ROWS_KEPT = 20_000

# One story_index row an article: its terms joined by a line break (a term holds no white space:
# words are split on it, places are gazetteer keys), its LSH band keys as signed 64-bit big-endian
# integers (PostgreSQL's int8send gives the same bytes, for the migration of its rows).
TERM_SEPARATOR = "\n"


def join_terms(terms: Iterable[str]) -> str:
    return TERM_SEPARATOR.join(sorted(terms))


def split_terms(terms: str) -> list[str]:
    return terms.split(TERM_SEPARATOR) if terms else []


def pack_keys(keys: Iterable[int]) -> bytes:
    values = list(keys)
    return struct.pack(f">{len(values)}q", *values)


def unpack_keys(data: bytes) -> tuple[int, ...]:
    return struct.unpack(f">{len(data) // 8}q", data)


def _span_around(
    hours: set[int], low: int, high: int, known: tuple[int, int] | None = None
) -> tuple[int, int]:
    """The run of hours in `hours` holding `low` to `high` (all in it), found from its ends;
    from those of `known`, a run in it too, when the two meet (the window moves an hour or so
    at a time: its whole run is not walked again)."""
    first, last = low, high
    if known is not None and known[0] <= high + 1 and low - 1 <= known[1]:
        first, last = min(low, known[0]), max(high, known[1])
    while first - 1 in hours:
        first -= 1
    while last + 1 in hours:
        last += 1
    return first, last


def _runs_outside(
    hours: set[int], span: tuple[int, int] | None, low: int, high: int
) -> list[tuple[int, int]]:
    """The runs of hours between `low` and `high` not in `hours`, as (first, last); none when
    they lie in `span`, a run known to be in it (asked for every article: no loop then)."""
    if span is not None and span[0] <= low and high <= span[1]:
        return []
    runs: list[tuple[int, int]] = []
    start: int | None = None
    for hour in range(low, high + 1):
        if hour in hours:
            if start is not None:
                runs.append((start, hour - 1))
                start = None
        elif start is None:
            start = hour
    if start is not None:
        runs.append((start, high))
    return runs


def active(db: Any) -> StoryWindow | None:
    """The window of the store batch running on `db` in this thread, if any."""
    window = _ACTIVE.get()
    return window if window is not None and window.db is db else None


# The windows this process keeps between batches, by database (its file, or its location).
_KEPT: dict[str, StoryWindow] = {}


def _in_transaction(db: Any) -> bool:
    depth = getattr(db, "_depth", None)  # PostgresDatabase's nesting of transaction()
    if depth is not None:
        return bool(depth)
    conn = getattr(db, "conn", None)
    return bool(getattr(conn, "in_transaction", False))


def forget_kept() -> None:
    """Drop every window this process keeps (tests; a process that stops storing)."""
    _KEPT.clear()


@contextmanager
def batch_window(db: Any, articles: int, key: str) -> Iterator[StoryWindow | None]:
    """Hold the story window in memory for the body, a store batch of `articles` articles whose
    transaction holds the store lock (nested batches share the outer one's). The window is the
    one this process kept from its last batch on the same database (`key`: its location and
    identity, crawler.stories.store.window_key), checked against
    story_hours as it is asked (see the module's docstring); a batch that fails forgets it."""
    current = active(db)
    if current is not None or articles < 1:
        yield current
        return
    window = _KEPT.pop(key, None) or StoryWindow(db)
    window.begin(db)
    token = _ACTIVE.set(window)
    try:
        yield window
    except BaseException:
        raise  # the window is not kept: the batch's writes it holds were rolled back
    else:
        if not _in_transaction(db):  # committed (else an outer transaction may still fail)
            window.trim()
            _KEPT[key] = window
    finally:
        _ACTIVE.reset(token)
