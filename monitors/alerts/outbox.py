"""The match step and the alert outbox: new articles are matched once, and each match writes its
alert and one delivery row per channel in the same transaction.

UNIQUE(article_id, watchlist) on matches and alerts is what guarantees one alert per article
and watchlist, ever, across restarts and re-crawls.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from crawler.core.kill_points import kill_point
from crawler.core.times import iso, parse_timestamp
from crawler.core.yamlfile import primary_language
from crawler.storage import store as crawler_store
from crawler.storage.engine import Database
from monitors.alerts import store as alerts_store
from monitors.alerts.channels import Channel
from monitors.alerts.display import hits_in_words
from monitors.alerts.routing import DeliveryConfig, Route
from monitors.alerts.timing import next_digest_time
from monitors.people import mail as people_mail
from monitors.people import store as people_store
from monitors.rules.matcher import ArticleText, Matcher, MatchResult
from monitors.rules.watchlists import RuleSet

logger = logging.getLogger(__name__)

# Articles published longer ago than this are matched (and visible) but do not alert: the first
# crawl of a site's archive must not flood anyone's inbox with last year's news.
DEFAULT_ALERT_MAX_AGE = timedelta(days=7)


@dataclass
class MatchReport:
    articles: int = 0
    matches: int = 0
    alerts: int = 0
    too_old: int = 0  # matches of articles older than the alert age limit: stored, not alerted
    already_alerted: int = 0  # matches of a story the watchlist already alerted on

    def not_alerted(self) -> str:
        """Why matches did not alert, in words ('' when all did)."""
        reasons = []
        if self.too_old:
            reasons.append(
                f"{self.too_old} of articles older than the alert age limit "
                "(VEILLE_ALERT_MAX_AGE_DAYS)"
            )
        if self.already_alerted:
            reasons.append(f"{self.already_alerted} of stories already alerted on")
        return "; ".join(reasons)


def is_recent(published: str | None, max_age: timedelta | None, now: datetime) -> bool:
    if max_age is None or not published:
        return True  # unknown date: we just found it, treat it as news
    when = parse_timestamp(published)
    return when is None or now - when <= max_age


def hits_json(result: MatchResult) -> str:
    return json.dumps(
        [{"term": h.term, "field": h.field, "start": h.start, "end": h.end} for h in result.hits],
        ensure_ascii=False,
    )


def describe_hits(hits: list[dict]) -> str:
    """'cloud national (titre/title), souveraineté numérique ×2' — what matched, where, how
    often, in no language in particular (`veille rules backtest`, a message's default)."""
    return hits_in_words(hits)


def record_matches(
    db: Database,
    article_id: int,
    results: list[MatchResult],
    rules: RuleSet,
    delivery: DeliveryConfig,
    alert: bool,
    now: datetime | None,
) -> int:
    """Write matches, alerts and deliveries for one article and mark it matched, inside the
    caller's transaction (so all of it or none). Returns the number of alerts created (0 for an
    article already matched before)."""
    clock = now or datetime.now(UTC)
    stamp = iso(clock)
    created = 0
    alerts_store.date_matches(db, article_id)  # matched again: re-stored, its date may be new
    if not results:  # most articles: nothing to record but the mark
        crawler_store.mark_matched(db, article_id, stamp)
        return created
    story_id, revision, language = alerts_store.article_story(db, article_id)
    source: str | None = None
    for result in results:
        match_id = alerts_store.add_match(
            db,
            alerts_store.NewMatch(
                article_id,
                result.watchlist,
                json.dumps(result.terms, ensure_ascii=False),
                result.snippet,
                stamp,
                hits_json(result),
                None if alert else alerts_store.TOO_OLD,
            ),
        )
        if match_id is None or not alert:
            continue
        # One alert per story and watchlist (and language, for a watchlist asking one per
        # language): a copy or a translation of a story already alerted on joins it
        # (UNIQUE(story_id, watchlist, story_language)) instead of alerting again.
        watchlist = rules.by_name(result.watchlist)
        alert_id = alerts_store.add_alert(
            db,
            alerts_store.NewAlert(
                match_id,
                article_id,
                result.watchlist,
                stamp,
                story_id,
                revision > 0,
                # by the primary subtag: « fr-MA » and « fr » are one language to the reader
                primary_language(language) if watchlist.alert_per_language else "",
            ),
        )
        if alert_id is None:
            alerts_store.note_story_alerted(db, match_id)
            continue
        created += 1
        deliveries = []
        route = delivery.route(result.watchlist)
        for channel in delivery.channels_for(result.watchlist):
            spec = delivery.channels.get(channel)
            # A channel's combined digest (its morning review) wins over the watchlist's own
            # schedule: everything sent there waits for it.
            schedule: Route | Channel = spec if spec is not None and spec.digest else route
            digest = schedule.digest is not None
            due = iso(next_digest_time(schedule, clock)) if digest else stamp
            deliveries.append(alerts_store.NewDelivery(alert_id, channel, due, digest))
        # Each person who follows the watchlist (and has not muted this outlet for it) gets
        # it at their own address, on the watchlist's own schedule.
        source = source or people_store.article_source(db, article_id) or ""
        for subscriber in people_store.subscribers(db, result.watchlist, source):
            digest = route.digest is not None
            due = iso(next_digest_time(route, clock)) if digest else stamp
            deliveries.append(
                alerts_store.NewDelivery(
                    alert_id, people_mail.channel_of(subscriber.name), due, digest
                )
            )
        alerts_store.add_deliveries(db, deliveries)
    crawler_store.mark_matched(db, article_id, stamp)
    return created


# Articles matched per transaction: the matching itself runs before the transaction opens, so the
# write lock is held only for the inserts, and one commit serves the whole batch.
MATCH_BATCH = 50


# The advisory lock of the matcher's transactions on PostgreSQL: each updates its watchlists'
# counter rows (watchlist_counts, kept by a trigger on matches), and two matchers taking them in
# opposite orders would deadlock. SQLite has one writer at a time already.
MATCHING_LOCK = "monitors.alerts.matching"


def match_pending(
    db: Database,
    rules: RuleSet,
    delivery: DeliveryConfig,
    matcher: Matcher | None = None,
    max_age: timedelta | None = DEFAULT_ALERT_MAX_AGE,
    batch: int = MATCH_BATCH,
    now: datetime | None = None,
) -> MatchReport:
    """Match every stored article not matched yet. Safe to interrupt at any point: articles are
    marked matched in the same transaction that records their matches and alerts."""
    matcher = matcher or Matcher.for_rules(rules)
    report = MatchReport()
    clock = now or datetime.now(UTC)
    last_id = 0
    while True:
        rows = crawler_store.unmatched_articles(db, last_id, batch)
        if not rows:
            return report
        last_id = rows[-1].id
        matched = [
            (
                row,
                matcher.match(
                    ArticleText(row.title or "", row.text or "", row.language, row.source)
                ),
            )
            for row in rows
        ]
        with db.transaction(lock=MATCHING_LOCK):
            created_per_article = [
                record_matches(
                    db,
                    row.id,
                    results,
                    rules,
                    delivery,
                    is_recent(row.published, max_age, clock),
                    now,
                )
                for row, results in matched
            ]
            kill_point("match:before-commit")
        kill_point("match:after-commit")
        for (row, results), created in zip(matched, created_per_article, strict=True):
            article_id, source, published, url = row.id, row.source, row.published, row.url
            alert = is_recent(published, max_age, clock)
            report.articles += 1
            report.matches += len(results)
            report.alerts += created
            if not alert:
                report.too_old += len(results)
            else:
                report.already_alerted += len(results) - created
            for result in results:
                logger.info(
                    "match watchlist=%s article=%d source=%s alert=%s url=%s",
                    result.watchlist,
                    article_id,
                    source,
                    "yes" if created else "no (old article)" if not alert else "no",
                    url,
                )
