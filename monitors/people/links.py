"""Signed one-click links of alert messages: "not relevant", "mute this outlet for this
watchlist" and "unsubscribe", usable without logging in.

A link carries its claims (purpose, person, watchlist, article, outlet, expiry, a random nonce)
and an HMAC-SHA256 over them with a secret kept in the database (made on first use, never
logged or shown). It is accepted only for its own purpose, before its expiry, unchanged, and
once: its nonce is recorded when it is used. It grants nothing else: it is no login, carries no
session, and the reader's other pages still ask for one."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta

from crawler.core.errors import VeilleError
from crawler.core.times import iso
from crawler.storage.engine import Database
from monitors.people import store

PURPOSES = ("not-relevant", "mute", "unsubscribe")
LIFETIME = timedelta(days=30)


class LinkRefused(VeilleError):
    """A link that is not (or no longer) valid for what it is used for; the message says why."""


@dataclass(frozen=True)
class LinkClaims:
    purpose: str
    person: str
    watchlist: str
    article_id: int | None
    source: str | None
    expires: int  # seconds since the epoch
    nonce: str
    # when the person was added (people.created_at): a name given again later is someone else
    joined: str | None = None


def _encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _signature(secret: str, payload: str) -> str:
    return _encode(hmac.new(secret.encode(), payload.encode(), hashlib.sha256).digest())


def sign(secret: str, claims: LinkClaims) -> str:
    payload = _encode(json.dumps(asdict(claims), separators=(",", ":")).encode())
    return f"{payload}.{_signature(secret, payload)}"


def read(secret: str, token: str, purpose: str, now: datetime) -> LinkClaims:
    """The claims of a link valid for `purpose` at `now` (not checking its use)."""
    payload, _, signature = token.partition(".")
    if (
        not payload
        or not signature
        or not hmac.compare_digest(_signature(secret, payload), signature)
    ):
        raise LinkRefused("This link is not one veille made, or it was changed.")
    try:
        claims = LinkClaims(**json.loads(_decode(payload)))
    except (ValueError, TypeError, binascii.Error):
        raise LinkRefused("This link is not one veille made, or it was changed.") from None
    if claims.purpose != purpose:
        raise LinkRefused(f"This link is for {claims.purpose!r}, not for {purpose!r}.")
    if now.timestamp() >= claims.expires:
        raise LinkRefused(
            "This link has expired; do the same from the reader (log in) or a newer alert."
        )
    return claims


def secret_of(db: Database, now: datetime) -> str:
    """The signing secret, made and stored on first use."""
    return store.link_secret(db, secrets.token_urlsafe(32), iso(now))


def make(
    secret: str,
    purpose: str,
    person: str,
    watchlist: str,
    article_id: int | None = None,
    source: str | None = None,
    now: datetime | None = None,
    lifetime: timedelta = LIFETIME,
    joined: str | None = None,
) -> str:
    """A new link's token for `purpose`, signed with `secret` (secret_of), valid `lifetime`;
    `joined`, when the person was added (joined_at), ties it to them and not to a newcomer
    given their name later."""
    if purpose not in PURPOSES:
        raise ValueError(f"unknown link purpose {purpose!r}")
    now = now or datetime.now(UTC)
    claims = LinkClaims(
        purpose,
        person,
        watchlist,
        article_id,
        source,
        int((now + lifetime).timestamp()),
        secrets.token_urlsafe(12),
        joined,
    )
    return sign(secret, claims)


def issue(
    db: Database,
    purpose: str,
    person: str,
    watchlist: str,
    article_id: int | None = None,
    source: str | None = None,
    now: datetime | None = None,
    lifetime: timedelta = LIFETIME,
) -> str:
    """make() with the database's secret."""
    now = now or datetime.now(UTC)
    return make(
        secret_of(db, now),
        purpose,
        person,
        watchlist,
        article_id,
        source,
        now,
        lifetime,
        joined_at(db, person),
    )


def joined_at(db: Database, person: str) -> str | None:
    """When `person` was added to the team, as their links carry it (None: no such person)."""
    found = store.person(db, person)
    return found.created_at if found is not None else None


def check(db: Database, token: str, purpose: str, now: datetime | None = None) -> LinkClaims:
    """The claims of a link valid for `purpose` now and not used yet (for the confirmation page)."""
    secret = store.stored_link_secret(db)
    if secret is None:
        raise LinkRefused("This link is not one veille made, or it was changed.")
    claims = read(secret, token, purpose, now or datetime.now(UTC))
    if store.link_spent(db, claims.nonce):
        raise LinkRefused("This link was used already; each link works once.")
    person = store.person(db, claims.person)
    # removed since: their links act for no one, nor for someone given their name later
    if person is None or claims.joined not in (None, person.created_at):
        raise LinkRefused(
            f"This link was for {claims.person}, who is no longer on the team: it does nothing "
            "any more."
        )
    return claims


def spend(db: Database, token: str, purpose: str, now: datetime | None = None) -> LinkClaims:
    """Check the link and record its use, in one transaction: a second use is refused."""
    now = now or datetime.now(UTC)
    with db.transaction():
        claims = check(db, token, purpose, now)
        if not store.spend_link(db, claims.nonce, purpose, iso(now)):
            raise LinkRefused("This link was used already; each link works once.")
    return claims


def use(db: Database, token: str, purpose: str, now: datetime | None = None) -> LinkClaims:
    """Spend the link and do what it is for, all or nothing: mark the article not relevant for
    the watchlist, mute the outlet for the person's watchlist, or stop their subscription."""
    now = now or datetime.now(UTC)
    with db.transaction():
        claims = spend(db, token, purpose, now)
        stamp = iso(now)
        if purpose == "not-relevant" and claims.article_id is not None:
            store.mark_not_relevant(db, claims.person, claims.article_id, claims.watchlist, stamp)
        elif purpose == "mute" and claims.source:
            store.mute(db, claims.person, claims.watchlist, claims.source, stamp)
        elif purpose == "unsubscribe":
            store.unfollow(db, claims.person, claims.watchlist)
    return claims
