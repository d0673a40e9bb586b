"""What one person's home page lists: each matched article once, newest match first, with
every watchlist it matched that is theirs to see; their read, saved and "new since your last
visit" marks; nothing they marked not relevant for a watchlist (that watchlist is dropped from
the entry, the entry when none is left) nor any outlet they muted for a watchlist.

The matches are walked newest first on their primary key, a batch at a time, until the page is
full or MAX_SCAN matches were read: the page costs the same whatever the database's size, and
however deep in the list it is (its links carry the key it continues from: home_page)."""

from __future__ import annotations

from dataclasses import dataclass

from crawler.storage.engine import Database
from monitors.people import store

BATCH = 500
# A page's first batch: about a page's worth of matches (most articles match once or twice),
# then twice as many each time up to BATCH, so that a page reads the articles of about a page
# (a batch's articles are read at once, a whole batch of 500 was some 400 articles).
FIRST_BATCH = 64
MAX_SCAN = 20_000


@dataclass
class Entry:
    article_id: int
    title: str
    url: str
    source: str
    source_title: str
    published: str | None
    language: str | None
    matched_at: str  # its newest match shown
    watchlists: list[str]
    snippet: str = ""  # of its newest match shown
    read: bool = False
    saved: bool = False
    new: bool = False
    key: int = 0  # its place in the list: its newest match shown (monitors.web.paging)
    met_at: int = 0  # the match the walk met it at


def _visible(
    watchlist: str,
    source: str,
    followed: set[str] | None,
    muted: set[tuple[str, str]],
) -> bool:
    return (followed is None or watchlist in followed) and (watchlist, source) not in muted


@dataclass(frozen=True)
class HomePage:
    """A page of the home list, and where the pages beside it start (monitors.web.paging):
    `older` is the `before` of the next page, `newer` the `after` of the one above (None: no
    such page), both within the matches up to `top`, the newest when the first page was shown."""

    entries: list[Entry]
    top: int | None
    older: int | None = None
    newer: int | None = None


def home_entries(
    db: Database,
    person: str,
    followed: set[str] | None,
    limit: int,
    new_since: str | None,
    unread_only: bool = False,
) -> list[Entry]:
    """The person's home list, its first page; `followed` None shows every watchlist."""
    return home_page(db, person, followed, limit, new_since, unread_only).entries


def home_page(
    db: Database,
    person: str,
    followed: set[str] | None,
    limit: int,
    new_since: str | None,
    unread_only: bool = False,
    top: int | None = None,
    before: int | None = None,
    after: int | None = None,
) -> HomePage:
    """A page of the person's home list: the first (no `top`), or the `limit` entries just older
    than `before` or just newer than `after`, among the matches up to `top`.

    An article's place (its `key`) is its newest match shown (a watchlist of theirs, its outlet
    not muted) up to `top`: a match found after the first page was shown moves no article, so
    each is listed once across the pages opened, however many watchlists matched it; the first
    page (opened again, or reached by the newer pages) shows the new ones. A page walks the matches from its key on, a batch at a
    time on their primary key (keyset paging), at most MAX_SCAN of them: a deep page costs what
    the first does."""
    walk = _Walk(db, person, followed, new_since, unread_only)
    if top is not None and after is not None:
        newer = walk.newer(limit, top, after)
        if newer is not None:
            return newer
        # no more than a page above: the first page, with the matches found since `top`
        top, before = None, None
        walk = _Walk(db, person, followed, new_since, unread_only)
    entries: list[Entry] = []
    position = before
    scanned, size = 0, FIRST_BATCH
    while scanned < MAX_SCAN:
        batch = store.matches_before(db, position, size)
        if not batch:
            return _older_page(entries, top, None, before)
        top = batch[0].match_id if top is None else top
        scanned += len(batch)
        position = batch[-1].match_id
        size = min(BATCH, size * 2)
        for entry in walk.entries(batch, top):
            # met below its place: listed on a newer page, above `before`
            if entry.key == entry.met_at:
                entries.append(entry)
                if len(entries) > limit:  # one more: there is an older page
                    return _older_page(entries[:limit], top, entries[limit - 1].key, before)
    return _older_page(entries, top, position, before)


def _older_page(
    entries: list[Entry], top: int | None, older: int | None, before: int | None
) -> HomePage:
    """A page walked down from `before` (None: the first page, with no newer page above it);
    its newer page starts just above its first entry (above `before` when it is empty)."""
    if before is None:
        return HomePage(entries, top, older, None)
    return HomePage(entries, top, older, entries[0].key if entries else before - 1)


class _Walk:
    """The entries of the matches met walking the list, each article once, as the person sees
    it: their watchlists only (`followed`, None for all), outlets they muted left out, those
    they marked not relevant for every watchlist left out, read ones when `unread_only`."""

    def __init__(
        self,
        db: Database,
        person: str,
        followed: set[str] | None,
        new_since: str | None,
        unread_only: bool,
    ) -> None:
        self.db = db
        self.person = person
        self.followed = followed
        self.muted = store.muted(db, person)
        self.new_since = new_since
        self.unread_only = unread_only
        self.seen: set[int] = set()

    def visible(self, watchlist: str, source: str) -> bool:
        return _visible(watchlist, source, self.followed, self.muted)

    def entries(self, batch: list[store.MatchEvent], top: int) -> list[Entry]:
        """The entries of the articles first met in `batch`, in its order, each placed at its
        newest match shown up to `top` (`key`), and met at the batch's match (`met_at`)."""
        met: dict[int, int] = {}
        for event in batch:
            if event.article_id not in self.seen and self.visible(event.watchlist, event.source):
                met.setdefault(event.article_id, event.match_id)
        self.seen.update(met)
        ids = list(met)
        matches = store.matches_of_articles(self.db, ids)
        cards = store.article_cards(self.db, ids)
        dismissed = store.not_relevant_pairs(self.db, self.person, ids)
        read = store.read_among(self.db, self.person, ids)
        saved = store.saved_among(self.db, self.person, ids)
        entries = []
        for article_id, met_at in met.items():
            card = cards.get(article_id)
            if card is None:
                continue
            shown = [  # as of `top`: a later match shows it on the first page, not here
                m
                for m in matches.get(article_id, [])
                if m.match_id <= top and self.visible(m.watchlist, card.source)
            ]
            place = next((m for m in shown if m.match_id <= top), None)  # the newest up to top
            if place is None:
                continue
            watchlists = [  # in the order they were found
                m.watchlist for m in reversed(shown) if (article_id, m.watchlist) not in dismissed
            ]
            if not watchlists or (self.unread_only and article_id in read):
                continue
            entries.append(
                Entry(
                    article_id,
                    card.title,
                    card.url,
                    card.source,
                    card.source_title,
                    card.published,
                    card.language,
                    place.matched_at,
                    watchlists,
                    place.snippet,
                    read=article_id in read,
                    saved=article_id in saved,
                    new=self.new_since is None or place.matched_at > self.new_since,
                    key=place.match_id,
                    met_at=met_at,
                )
            )
        return entries

    def newer(self, limit: int, top: int, after: int) -> HomePage | None:
        """The `limit` entries just above `after` (up to `top`), newest first; None when no
        more are left above it (the first page is then the newer page)."""
        found: list[Entry] = []
        position, scanned, size = after, 0, FIRST_BATCH
        while scanned < MAX_SCAN:
            batch = store.matches_after(self.db, position, top, size)
            if not batch:
                return None
            scanned += len(batch)
            position = batch[-1].match_id
            size = min(BATCH, size * 2)
            found += self.entries(batch, top)
            # every article placed at or below the walk's position has been met: the nearest
            # of those are the page's
            settled = sorted((e for e in found if e.key <= position), key=lambda e: e.key)
            if len(settled) > limit:  # one more: the page is not the first
                page = settled[:limit][::-1]
                return HomePage(page, top, page[-1].key, page[0].key)
        return None


def saved_entries(db: Database, person: str, limit: int) -> list[Entry]:
    """The person's saved articles, last saved first, each with the watchlists it matched that
    the person has not set aside for it: one marked not relevant for the article, or whose
    outlet they muted for it, is left out, as on the home page (the saved page offered « not
    relevant » and « mute » again for them)."""
    ids = store.saved_ids(db, person, limit)
    cards = store.article_cards(db, ids)
    matched = store.watchlists_of(db, ids)
    dismissed = store.not_relevant_pairs(db, person, ids)
    muted = store.muted(db, person)
    watchlists = {
        i: [
            w
            for w in names
            if (i, w) not in dismissed and (i not in cards or (w, cards[i].source) not in muted)
        ]
        for i, names in matched.items()
    }
    read = store.read_among(db, person, ids)
    return [
        Entry(
            i,
            cards[i].title,
            cards[i].url,
            cards[i].source,
            cards[i].source_title,
            cards[i].published,
            cards[i].language,
            "",
            watchlists.get(i, []),
            read=i in read,
            saved=True,
        )
        for i in ids
        if i in cards
    ]
