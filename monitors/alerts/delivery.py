"""Delivering the alert outbox through apprise: email, Slack and any apprise URL or config.

A message is rendered and its channel's pause between messages (`min_interval`) waited out
first; only then is its delivery claimed (state 'sending', in its own committed transaction), sent,
and marked 'sent' right after, so a crash can never make veille send it twice, and 'sending'
covers the network send alone. A delivery caught there (killed while apprise talks to the
server, or after it returned and before the 'sent' commit) is marked 'unconfirmed' at the next
start and is not re-sent automatically (see `recover_interrupted`); one killed while rendering or
waiting is still 'pending' and is sent once later. A send that failed after the message went
out (no answer came: monitors/alerts/answers.py) is left 'unconfirmed' too.

Immediate alerts go out one message per article (or story) and channel, naming every watchlist
it matched; digests, alerts beyond a watchlist's `max_per_hour` and alerts held by quiet hours
go out grouped, one message per channel for those due together, each article listed once. All
the deliveries of one message are claimed together and settled together.
"""

from __future__ import annotations

import functools
import json
import logging
import random
import re
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TextIO, TypeVarTuple

import apprise

from crawler.core.kill_points import kill_point
from crawler.core.secrets import redact
from crawler.core.times import iso
from crawler.storage.engine import Database
from monitors.alerts import store as alerts_store
from monitors.alerts.answers import watching_send
from monitors.alerts.channels import CONSOLE, apprise_retries
from monitors.alerts.messages import (
    Message,
    TemplateRenderError,
    channel_kind,
    render_alert,
    render_combined_digest,
    render_digest,
)
from monitors.alerts.outbox import describe_hits
from monitors.alerts.routing import DeliveryConfig, Route
from monitors.alerts.store import PendingAlert
from monitors.alerts.timing import FLOOD_WINDOW, next_digest_time, quiet_until
from monitors.people import store as people_store
from monitors.people.mail import PeopleMail, address_url, person_of, retry_refused

logger = logging.getLogger(__name__)
RenderArgs = TypeVarTuple("RenderArgs")  # what _deliver passes on to the message's render function

MAX_ATTEMPTS = 8
BASE_BACKOFF = timedelta(minutes=1)
MAX_BACKOFF = timedelta(hours=6)


def backoff(attempts: int, rng: random.Random | None = None) -> timedelta:
    """Exponential backoff with 20% jitter: 1, 2, 4 … minutes, capped at 6 hours."""
    delay = min(BASE_BACKOFF * (2 ** max(0, attempts - 1)), MAX_BACKOFF)
    return delay * (1 + (rng or random).uniform(0, 0.2))


@dataclass
class DeliveryReport:
    sent: int = 0  # deliveries sent (a digest of five counts five)
    messages: int = 0  # messages handed to channels
    retrying: int = 0
    failed: int = 0
    deferred: int = 0  # rolled into a digest by flood control or held by quiet hours
    unconfirmed: int = 0  # sent, and the channel's answer never came: not sent again


class Unanswered(str):
    """The reason of a send whose message went out and whose answer never came: a webhook that
    answers 200 after apprise's 4 s read timeout, a mail server that takes the whole message
    and closes or times out before answering it. The message may have arrived, so it is left
    'unconfirmed' as a send a crash cut, never sent again on its own: retried, every attempt
    reached a slow webhook, up to eight copies of one alert."""


@functools.cache
def _asset() -> apprise.AppriseAsset:
    """apprise's settings for veille's sends: no HTTP redirect followed. A webhook answering
    301 or 302 (moved, or http:// sent on to https://) had apprise's POST turned into a GET
    of the new address by requests: the message never arrived, and apprise said it was sent.
    The send now fails with its code (a URL's own redirect=yes still follows one).

    Messages come from veille, not from apprise: its name is the sender's name of an email
    whose URL gives none (« veille <alertes@…> », not « Apprise <alertes@…> ») and the footer
    of a Slack message, which carries no apprise icon."""
    return apprise.AppriseAsset(
        http_redirects=False, app_id="veille", app_desc="veille", image_url_mask=""
    )


def article_key(row: PendingAlert) -> tuple[str, int, str]:
    """What one message is about: the row's story (in one language, for a watchlist alerting
    once per language), or its article when it has none."""
    if row["story_id"]:
        return ("story", row["story_id"], row["story_language"])
    return ("article", row["article_id"], "")


def complete_alert_rows(db: Database, rows: list[PendingAlert]) -> list[PendingAlert]:
    """Fill in what a message says beyond the rows (from alerts_store): the matched terms in
    words and the story's other outlets, known now (copies join a pending alert)."""
    for row in rows:
        row["terms"] = describe_hits(json.loads(row["hits"]))
        others = alerts_store.story_outlets(db, row["article_id"]) if row["story_id"] else []
        # Each other outlet once, with the address of its own version.
        also_in: dict[str, str] = {}
        for name, title, url in others:
            if url != row["url"] and name != row["source"]:
                also_in.setdefault(title, url)
        row["also_in"] = [{"outlet": title, "url": url} for title, url in also_in.items()]
        row["links"] = None
    return rows


def recover_interrupted(db: Database) -> int:
    """Deliveries left 'sending' by a crash may or may not have gone out: mark them 'unconfirmed'
    rather than risk a duplicate. `veille status` and `veille alerts list` show them."""
    count = alerts_store.mark_interrupted_unconfirmed(
        db, "process stopped while sending; not re-sent to avoid a duplicate"
    )
    if count:
        logger.warning(
            "%d deliveries were interrupted mid-send and marked unconfirmed "
            "(veille alerts retry --unconfirmed re-sends them)",
            count,
        )
    return count


class Sender:
    """Sends due deliveries; one apprise object per channel, `min_interval` seconds between two
    messages of a channel (waited out before a delivery is claimed; `clock` and `sleep` are
    the real ones unless a test gives its own). `people` sends people's own deliveries
    (channel `person:NAME`) and gives every message its links to the reader."""

    def __init__(
        self,
        db: Database,
        delivery: DeliveryConfig,
        console: TextIO | None = None,
        min_interval: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        people: PeopleMail | None = None,
    ) -> None:
        self.db = db
        self.people = people or PeopleMail()
        self.delivery = delivery
        self.console = console or sys.stdout
        self.min_interval = min_interval
        self._clock = clock
        self._sleep = sleep
        self._apprise: dict[str, apprise.Apprise] = {}
        self._last_sent: dict[str, float] = {}  # when each channel's last message went out
        self._url_headers: dict[int, dict[str, str]] = {}  # a person plugin's URL headers

    # -- channels ----------------------------------------------------------------------------------

    def _target(self, channel: str) -> apprise.Apprise | None:
        if channel in self._apprise:
            return self._apprise[channel]
        spec = self.delivery.channels.get(channel)
        if spec is None or not spec.usable:
            return None
        target = apprise.Apprise(asset=_asset())
        if spec.config:
            config = apprise.AppriseConfig(asset=_asset())
            config.add(spec.config)
            target.add(config)
        elif spec.url:
            plugin = apprise.Apprise.instantiate(spec.url, asset=_asset(), suppress_exceptions=True)
            if plugin is None:
                return None
            target.add(plugin)
        # apprise would sleep inside notify(), with the delivery claimed: the pause is taken
        # before the claim instead (_pace).
        for plugin in target.find(tag=list(spec.tags) or apprise.common.MATCH_ALL_TAG):
            plugin.request_rate_per_sec = 0
        self._apprise[channel] = target
        return target

    def _combined(self, channel: str) -> bool:
        spec = self.delivery.channels.get(channel)
        return bool(spec and spec.digest)

    def _kind(self, channel: str) -> str:
        if channel == CONSOLE:
            return "console"
        if person_of(channel) is not None:
            return "email"
        spec = self.delivery.channels.get(channel)
        return channel_kind(spec.url) if spec and spec.url else "other"

    def _pace(self, channel: str) -> None:
        """Wait until `min_interval` has passed since the channel's last message (none for the
        console): before the delivery is claimed, so a crash while waiting leaves it pending."""
        kill_point("deliver:throttled")
        last = self._last_sent.get(channel)
        if channel == CONSOLE or last is None:
            return
        wait = self.min_interval - (self._clock() - last)
        if wait > 0:
            self._sleep(wait)

    def _person_target(self, person: str) -> tuple[apprise.Apprise | None, str | None]:
        """(the apprise object reaching the person's address now, or None and why not)."""
        email = people_store.email_of(self.db, person)
        if email is None:
            return None, (
                f"{person!r} has no email address any more (the reader's account page or "
                "`veille users` gives one)"
            )
        if self.people.mail_url is None:
            missing = ", ".join(self.people.missing)
            return None, (
                f"set {missing} (environment or secrets file) for VEILLE_PEOPLE_MAIL"
                if missing
                else "no mail server for people's alerts: set VEILLE_PEOPLE_MAIL to an apprise "
                "mailto:// or mailtos:// URL (docs/people.md)"
            )
        url = address_url(self.people.mail_url, email)
        target = self._apprise.get(url)
        if target is None:
            plugin = apprise.Apprise.instantiate(url, asset=_asset(), suppress_exceptions=True)
            if plugin is None:
                return None, "VEILLE_PEOPLE_MAIL is not a valid apprise mail URL"
            retry = apprise_retries(plugin)
            if retry:  # the secrets file edited since the start, or a ${VAR} set since: as it
                # was refused then, each send refused with where it was read (never the URL)
                return None, str(retry_refused(self.people.read_from, retry))
            plugin.request_rate_per_sec = 0
            target = apprise.Apprise(asset=_asset())
            target.add(plugin)
            self._apprise[url] = target
        return target, None

    def send(
        self, channel: str, message: Message, headers: dict[str, str] | None = None
    ) -> str | None:
        """Send one message; None on success, else a reason without secrets. `headers` are the
        person's email headers of this message (PeopleMail.list_headers)."""
        person = person_of(channel)
        if person is not None:
            target, reason = self._person_target(person)
            if target is None:
                return reason
            for plugin in target:
                mail: Any = plugin  # apprise's email plugin sends its `headers` with each message
                own = self._url_headers.setdefault(id(mail), dict(mail.headers))
                mail.headers = {**own, **(headers or {})}  # the URL's +Header=value, this one's
            return _notify(
                target, body=message.body, title=message.subject, body_format=message.format
            )
        if channel == CONSOLE:
            self.console.write(f"\n=== {message.subject}\n{message.body}\n")
            self.console.flush()
            return None
        target = self._target(channel)
        if target is None:
            return f"channel {channel!r} is not configured (or its variables are not set)"
        spec = self.delivery.channels[channel]
        return _notify(
            target,
            body=message.body,
            title=message.subject,
            body_format=message.format,
            tag=list(spec.tags) or apprise.common.MATCH_ALL_TAG,
        )

    # -- bookkeeping -------------------------------------------------------------------------------

    def _claim(self, ids: list[int]) -> bool:
        """False when another sender took some of them first."""
        return alerts_store.claim(self.db, ids)

    def _finish(
        self, rows: list[PendingAlert], error: str | None, now: datetime, report: DeliveryReport
    ) -> None:
        outcomes = []
        for row in rows:
            attempts = row["attempts"] + 1
            if error is None:
                outcomes.append(alerts_store.Settled(row["id"], iso(now), "sent", None, None))
                continue
            if isinstance(error, Unanswered):
                outcomes.append(
                    alerts_store.Settled(row["id"], None, "unconfirmed", iso(now), error)
                )
                continue
            final = attempts >= MAX_ATTEMPTS
            outcomes.append(
                alerts_store.Settled(
                    row["id"],
                    None,
                    "failed" if final else "pending",
                    iso(now + backoff(attempts)),
                    error,
                )
            )
        alerts_store.settle(self.db, outcomes)
        kill_point("deliver:marked")
        first = rows[0]
        if len(rows) == 1:
            label = f"alert={first['alert_id']}"
        elif first["digest"]:
            label = f"digest of {len(rows)} alerts"
        else:
            label = "alerts=" + ",".join(str(row["alert_id"]) for row in rows)
        watchlists = ",".join(dict.fromkeys(row["watchlist"] for row in rows))
        if error is None:
            report.sent += len(rows)
            report.messages += 1
            logger.info(
                "%s watchlist=%s channel=%s sent url=%s",
                label,
                watchlists,
                first["channel"],
                first["url"],
            )
        elif isinstance(error, Unanswered):
            report.unconfirmed += len(rows)
            logger.warning("%s channel=%s marked unconfirmed: %s", label, first["channel"], error)
        elif first["attempts"] + 1 >= MAX_ATTEMPTS:
            report.failed += len(rows)
            logger.error(
                "%s channel=%s failed for good after %d attempts: %s",
                label,
                first["channel"],
                first["attempts"] + 1,
                error,
            )
        else:
            report.retrying += len(rows)
            logger.warning(
                "%s channel=%s attempt %d failed, will retry: %s",
                label,
                first["channel"],
                first["attempts"] + 1,
                error,
            )

    def _defer(
        self, rows: list[PendingAlert], until: datetime, reason: str, report: DeliveryReport
    ) -> None:
        alerts_store.defer(self.db, [row["id"] for row in rows], iso(until))
        report.deferred += len(rows)
        logger.info(
            "%d alert(s) of watchlist=%s channel=%s %s; they go out grouped at %s",
            len(rows),
            rows[0]["watchlist"],
            rows[0]["channel"],
            reason,
            iso(until),
        )

    def _sent_recently(self, watchlist: str, channel: str, now: datetime) -> int:
        return alerts_store.sent_since(self.db, watchlist, channel, iso(now - FLOOD_WINDOW))

    def _watchlist(self, name: str) -> Route:
        """The watchlist's route (the console's for one removed since its alert was queued)."""
        return self.delivery.route(name)

    def _route(self, channel: str, name: str) -> Route:
        """The watchlist's route for a message to `channel`: a person's own emails in the
        language they chose (monitors.people), with the watchlist's templates of that language
        (Route.in_language), else in the watchlist's."""
        route = self._watchlist(name)
        person = person_of(channel)
        language = people_store.language_of(self.db, person) if person is not None else None
        return route.in_language(language) if language else route

    # -- the send loop -----------------------------------------------------------------------------

    def deliver_pending(self, now: datetime | None = None, limit: int = 500) -> DeliveryReport:
        """Send everything due at `now` (default: the real time).

        One message per article (or story) and channel: the immediate deliveries of an
        article that matched several watchlists go out as one message naming them all, and a
        channel's digests due together go out as one message listing each article once. Quiet
        hours and `max_per_hour` are still each watchlist's own: a delivery they hold waits for
        its watchlist's grouped message."""
        now = now or datetime.now(UTC)
        report = DeliveryReport()
        rows = complete_alert_rows(self.db, alerts_store.due_deliveries(self.db, iso(now), limit))
        immediate: dict[tuple[str, tuple[str, int, str]], list[PendingAlert]] = defaultdict(list)
        digests: dict[str, list[PendingAlert]] = defaultdict(list)
        planned: Counter[tuple[str, str]] = Counter()  # immediate sends of this pass
        for row in rows:
            channel = row["channel"]
            if row["digest"] and self._combined(channel):
                digests[channel].append(row)  # the channel's scheduled review
                continue
            w = self._watchlist(row["watchlist"])
            held = quiet_until(w, now)
            if held is not None:
                self._defer([row], held, "held by quiet hours", report)
                continue
            if row["digest"]:
                digests[channel].append(row)
                continue
            if (
                w.max_per_hour
                and self._sent_recently(w.name, channel, now) + planned[(w.name, channel)]
                >= w.max_per_hour
            ):
                self._defer(
                    [row], next_digest_time(w, now), f"over max_per_hour={w.max_per_hour}", report
                )
                continue
            planned[(w.name, channel)] += 1
            immediate[(channel, article_key(row))].append(row)
        for (channel, _), group in immediate.items():
            watchlists = [self._route(channel, row["watchlist"]) for row in group]
            group[0]["links"] = self.people.links(
                self.db, group[0], [_named(w) for w in watchlists], now
            )
            self._deliver(
                group,
                now,
                report,
                channel,
                render_alert,
                group[0],
                watchlists[0],
                self._kind(channel),
                watchlists,
            )
        for channel, group in digests.items():
            self._deliver_digest(channel, group, now, report)
        return report

    def _deliver_digest(
        self, channel: str, rows: list[PendingAlert], now: datetime, report: DeliveryReport
    ) -> None:
        """A channel's due digest rows as one message, each article (or story) once with every
        watchlist it matched: a watchlist's digest when they are all of one watchlist, else the
        combined layout (a section per watchlist, an article in its first watchlist's)."""
        entries: dict[tuple[str, int, str], list[PendingAlert]] = defaultdict(list)
        for row in rows:
            entries[article_key(row)].append(row)
        listed: list[dict[str, Any]] = []
        for same in entries.values():
            entry: dict[str, Any] = dict(same[0])
            entry["watchlists"] = [self._named(row["watchlist"]) for row in same]
            entry["links"] = self.people.links(self.db, entry, entry["watchlists"], now)
            listed.append(entry)
        names = list(dict.fromkeys(row["watchlist"] for row in rows))
        kind = self._kind(channel)
        if len(names) == 1 and not self._combined(channel):
            w = self._route(channel, names[0])
            self._deliver(rows, now, report, channel, render_digest, listed, w, kind)
            return
        sections: dict[str, list[dict[str, Any]]] = {name: [] for name in names}
        for entry in listed:
            sections[entry["watchlist"]].append(entry)
        spec = self.delivery.channels.get(channel)
        language = (
            spec.language if spec and spec.digest else self._route(channel, names[0]).language
        )
        self._deliver(
            rows,
            now,
            report,
            channel,
            render_combined_digest,
            [(self._route(channel, name), found) for name, found in sections.items() if found],
            language,
            kind,
            spec.timezone if spec and spec.digest else None,  # the review's readers' clock
        )

    def _named(self, name: str) -> dict[str, str]:
        w = self._watchlist(name)
        return {"name": w.name, "title": w.title}

    def _deliver(
        self,
        rows: list[PendingAlert],
        now: datetime,
        report: DeliveryReport,
        channel: str,
        render: Callable[[*RenderArgs], Message],
        *args: *RenderArgs,
    ) -> None:
        """Render the message and wait for the channel's pace, then claim the deliveries and
        send: 'sending' covers the network send only. A template that fails to render fails
        this attempt (retried, so a fixed and reloaded template sends it), never the loop."""
        ids = [row["id"] for row in rows]
        try:
            message = render(*args)
        except TemplateRenderError as exc:
            if self._claim(ids):
                self._finish(rows, str(exc), now, report)
            return
        person = person_of(channel)
        headers = (
            self.people.list_headers(self.db, person, [row["watchlist"] for row in rows], now)
            if person is not None
            else {}
        )
        self._pace(channel)
        if not self._claim(ids):
            return  # another sender took some of them
        try:
            error = self.send(channel, message, headers)
        finally:
            self._last_sent[channel] = self._clock()
        if error is None:
            kill_point("deliver:sent")
        self._finish(rows, error, now, report)


def _notify(target: apprise.Apprise, **message: Any) -> str | None:
    """Hand one message to apprise: None when it was sent, else why not, without secrets;
    an `Unanswered` reason when it may have arrived all the same (monitors/alerts/answers.py)."""
    with watching_send() as watch:
        result = target.notify(**message)
    if result:
        return None
    # apprise stops waiting for a service after its limit per message (60 s) and reports it as
    # TIMEOUT, while the service's thread goes on sending: the message may still arrive.
    abandoned = any(service.status == apprise.AppriseResultStatus.TIMEOUT for service in result)
    reason = " ".join(" ".join(watch.warnings).split())[:500] or "apprise reported a failure"
    if re.search(r"\berror=30[1278]\b", reason):
        reason += (
            " The channel's address answered with a redirect, which veille does not follow "
            "(a POST sent on to a 301's or 302's address arrives as a GET, without the "
            "message): write the address it moved to in the channel's URL"
        )
    if re.search(r"\berror=429\b", reason):
        reason += (
            " The channel said veille is rate limited (429): apprise does not pass on its Retry-After "
            "header, so the next attempt follows veille's own backoff (1, 2, 4 … minutes)"
        )
    if abandoned:
        return Unanswered(
            "apprise stopped waiting for the channel at its time limit per message (60 s) "
            f"while the send went on (apprise: {redact(reason)}): it may have arrived, so it is "
            "not sent again; `veille alerts retry --unconfirmed` sends it again"
        )
    if watch.read_timed_out:
        return Unanswered(
            "sent, and no answer came within the channel's read timeout (apprise: "
            f"{redact(reason)}): it may have arrived, so it is not sent again; `veille alerts "
            "retry --unconfirmed` sends it again, and rto=30 in the channel URL's query "
            "waits 30 s for the answer"
        )
    if watch.mail_unanswered:
        how = (
            "gave no answer within the channel's timeout"
            if watch.mail_timed_out
            else "closed the connection without answering"
        )
        return Unanswered(
            f"the mail server was handed the whole message and {how} "
            f"(apprise: {redact(reason)}): it may have arrived, so it is not sent again; check "
            "the recipient's mailbox, then `veille alerts retry --unconfirmed` sends it again; "
            "cto=60 in the channel URL's query gives the server 60 s to answer (15 s by default)"
        )
    return redact(reason)


def _named(watchlist: Route) -> dict[str, str]:
    return {"name": watchlist.name, "title": watchlist.title}
