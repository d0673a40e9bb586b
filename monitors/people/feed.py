"""What one person's home page lists: each matched article once, newest match first, with
every watchlist it matched that is theirs to see; their read, saved and "new since your last
visit" marks; nothing they marked not relevant for a watchlist (that watchlist is dropped from
the entry, the entry when none is left) nor any outlet they muted for a watchlist.

The matches are walked newest first on their primary key, a batch at a time, until the page is
full or MAX_SCAN matches were read: the page costs the same whatever the database's size."""

from __future__ import annotations

from dataclasses import dataclass

from crawler.storage.engine import Database
from monitors.people import store

BATCH = 500
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


def _visible(
    watchlist: str,
    source: str,
    followed: set[str] | None,
    muted: set[tuple[str, str]],
) -> bool:
    return (followed is None or watchlist in followed) and (watchlist, source) not in muted


def home_entries(
    db: Database,
    person: str,
    followed: set[str] | None,
    limit: int,
    new_since: str | None,
    unread_only: bool = False,
) -> list[Entry]:
    """The person's home list; `followed` None shows every watchlist."""
    muted = store.muted(db, person)
    newest: dict[int, store.MatchEvent] = {}  # article -> its newest visible match, in order
    before, scanned = None, 0
    while len(newest) < limit * 2 and scanned < MAX_SCAN:
        batch = store.matches_before(db, before, BATCH)
        if not batch:
            break
        scanned += len(batch)
        before = batch[-1].match_id
        for event in batch:
            if _visible(event.watchlist, event.source, followed, muted):
                newest.setdefault(event.article_id, event)
    ids = list(newest)
    cards = store.article_cards(db, ids)
    watchlists = store.watchlists_of(db, ids)
    dismissed = store.not_relevant_pairs(db, person, ids)
    read = store.read_among(db, person, ids)
    saved = store.saved_among(db, person, ids)
    entries = []
    for article_id in ids:
        card = cards.get(article_id)
        if card is None:
            continue
        shown = [
            w
            for w in watchlists.get(article_id, [])
            if _visible(w, card.source, followed, muted) and (article_id, w) not in dismissed
        ]
        if not shown or (unread_only and article_id in read):
            continue
        matched_at = newest[article_id].matched_at
        entries.append(
            Entry(
                article_id,
                card.title,
                card.url,
                card.source,
                card.source_title,
                card.published,
                card.language,
                matched_at,
                shown,
                newest[article_id].snippet,
                read=article_id in read,
                saved=article_id in saved,
                new=new_since is None or matched_at > new_since,
            )
        )
        if len(entries) >= limit:
            break
    return entries


def saved_entries(db: Database, person: str, limit: int) -> list[Entry]:
    """The person's saved articles, last saved first, each with every watchlist it matched."""
    ids = store.saved_ids(db, person, limit)
    cards = store.article_cards(db, ids)
    watchlists = store.watchlists_of(db, ids)
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
