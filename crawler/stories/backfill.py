"""Back-fills of crawler.stories, run once as migration steps (crawler.stories.tables): articles
stored before stories, LSH keys or story terms existed get them, as a new article would."""

from __future__ import annotations

from crawler.core.times import utcnow
from crawler.storage.engine import Database
from crawler.stories import store
from crawler.stories.fingerprint import Fingerprint, fingerprint
from crawler.stories.grouping import (
    article_hour,
    assign_story,
    check_scheme,
    index_article,
    index_terms,
)
from crawler.stories.terms import LEAD_CHARACTERS as TERMS_LEAD
from crawler.stories.terms import story_terms

# Set in meta once every fingerprinted article is known to have its LSH keys (a pass over all).
BAND_KEYS_MARK = "lsh_keys_complete"


def backfill_story_terms(db: Database) -> None:
    """Articles in a story but stored before story terms get their hour and terms."""
    for article in store.articles_without_hour(db, TERMS_LEAD):
        hour = article_hour(article.published, article.fetched_at)
        if hour is not None:
            index_terms(db, article.id, story_terms(article.title, article.lead), hour)


def rebuild_story_terms(db: Database) -> None:
    """Every article's title-and-lead terms computed again, at its own story hour: run when the
    folding of terms changes (the Arabic article and the El/Al name particles, step
    0016_story_terms_folding), so old articles and new ones are compared in one vocabulary."""
    for article in store.articles_with_terms(db, TERMS_LEAD):
        index_terms(db, article.id, story_terms(article.title, article.lead), article.hour)


def backfill_stories(db: Database) -> None:
    """Articles stored before stories existed get their fingerprint and story; articles whose
    LSH keys are missing (the index layout changed) get them again. The fingerprint scheme is
    checked first: a database fingerprinted otherwise is refused, not mixed. A migration step
    has no configuration: they are grouped in the default story window (72 hours)."""
    check_scheme(db)
    if store.meta_value(db, BAND_KEYS_MARK) is None:
        if store.has_articles_without_band_keys(db):
            for article_id, signature, count, hour in store.fingerprinted_articles(db):
                index_article(db, article_id, Fingerprint.from_bytes(signature, count), hour)
        store.set_meta_once(db, BAND_KEYS_MARK, "1")
    waiting = store.articles_without_story(db)
    # One story window for the whole back-fill (the migration holds the database's write
    # lock), not one per article.
    with store.batch_window(db, len(waiting)):
        for article in waiting:
            assign_story(
                db,
                article.id,
                fingerprint(article.text),
                article.title,
                utcnow(),
                source=article.source,
                text=article.text,
                when=article.when,
            )
