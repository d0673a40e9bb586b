"""Accounts of the people of a team: `veille users add|list|remove|passwd` and the reader's
account page call these. A person logs in to the reader with their name and password (scrypt,
the same hashing as the team password), or is named by the login proxy's header; the team
password (or no login on loopback) is one shared identity, TEAM."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from crawler.core.errors import VeilleError
from crawler.core.times import iso
from monitors.people import store
from monitors.people.passwords import TEAM, hash_password

if TYPE_CHECKING:
    from crawler.storage.engine import Database

# TEAM: everyone who shares the team password (or the reader on loopback without a login),
# one identity, which no account can take (the name fails NAME).
__all__ = ["TEAM"]
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@+-]{0,99}$")
EMAIL = re.compile(r"^[^@\s,;?&/<>\"']+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$")
MIN_PASSWORD = 10
# the languages of a person's emails: those the message templates are written in
EMAIL_LANGUAGES = ("fr", "en", "ar")


def _now() -> str:
    return iso(datetime.now(UTC))


def check_name(name: str) -> str:
    if not NAME.match(name or ""):
        raise VeilleError(
            f"{name!r} is not a user name: use letters, digits and . _ @ + - (at most 100, "
            "starting with a letter or digit), e.g. amina or amina@example.ma"
        )
    return name


def check_email(email: str | None) -> str | None:
    """The address, trimmed, or None for none; a VeilleError for one alerts could not use."""
    if email is None or not email.strip():
        return None
    email = email.strip()
    if not EMAIL.match(email):
        raise VeilleError(f"{email!r} is not an email address (e.g. amina@example.ma)")
    return email


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise VeilleError(f"the password is too short: give at least {MIN_PASSWORD} characters")
    return password


def add_user(
    db: Database,
    name: str,
    password: str | None,
    email: str | None = None,
    follows: tuple[str, ...] = (),
) -> store.Person:
    """A new person (a password: they log in with it; none: the login proxy names them). A name
    that is an address is their address unless `email` says another, as on a first visit
    through the login proxy (proxy_person): an account added ahead of that visit got none, and
    the alerts of the watchlists it followed went nowhere."""
    check_name(name)
    address = check_email(email if email is not None else name if EMAIL.match(name) else None)
    hashed = hash_password(check_password(password)) if password is not None else None
    now = _now()
    with db.transaction():
        if not store.add_person(db, name, address, hashed, now):
            raise VeilleError(
                f"a user named {name!r} exists already: `veille users passwd {name}` changes "
                "their password"
            )
        for watchlist in follows:
            store.follow(db, name, watchlist, now)
    found = store.person(db, name)
    assert found is not None
    return found


def change_password(db: Database, name: str, password: str) -> None:
    if not store.set_password_hash(db, name, hash_password(check_password(password))):
        raise VeilleError(f"no user named {name!r} (`veille users list` lists them)")


def remove_user(db: Database, name: str) -> None:
    if not store.remove_person(db, name):
        raise VeilleError(f"no user named {name!r} (`veille users list` lists them)")


def set_email(db: Database, name: str, email: str | None) -> None:
    if not store.set_email(db, name, check_email(email)):
        raise VeilleError(f"no user named {name!r} (`veille users list` lists them)")


def check_language(language: str | None) -> str | None:
    """The language of a person's emails, or None for each watchlist's (given as '' too)."""
    if language is None or not language.strip():
        return None
    language = language.strip().lower()
    if language not in EMAIL_LANGUAGES:
        raise VeilleError(
            f"{language!r} is not a language of veille's emails: use one of "
            f"{', '.join(EMAIL_LANGUAGES)}, or '' for each watchlist's own"
        )
    return language


def set_language(db: Database, name: str, language: str | None) -> None:
    """The language of the person's emails (None: each watchlist's `language`)."""
    if not store.set_language(db, name, check_language(language)):
        raise VeilleError(f"no user named {name!r} (`veille users list` lists them)")


def set_follows(db: Database, name: str, follows: set[str], known: set[str]) -> None:
    """Make the person follow exactly `follows` (each one a watchlist of `known`)."""
    unknown = sorted(follows - known)
    if unknown:
        raise VeilleError(f"no watchlist named {', '.join(map(repr, unknown))}")
    now = _now()
    with db.transaction():
        current = set(store.followed(db, name))
        for watchlist in sorted(follows - current):
            store.follow(db, name, watchlist, now)
        for watchlist in sorted(current - follows):
            store.unfollow(db, name, watchlist)


def proxy_person(db: Database, name: str) -> str:
    """The person the login proxy names: their account, made on their first visit (with the
    name as their address when it is one). Proxies name people as they like ("Jean Dupont",
    an address, an id): any printable name of at most 200 characters but the team's."""
    if name == TEAM or not name.isprintable() or not 0 < len(name) <= 200:
        raise VeilleError(
            f"the login proxy named the user {name[:200]!r}: veille keeps printable names of "
            "1 to 200 characters; check the proxy's user header"
        )
    if store.person(db, name) is None:
        email = name if EMAIL.match(name) else None
        store.add_person(db, name, email, None, _now())
    return name


def ensure_team(db: Database) -> None:
    """The shared identity's row (its visits and triage hang on it)."""
    if store.person(db, TEAM) is None:
        store.add_person(db, TEAM, None, None, _now())
