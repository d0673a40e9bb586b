"""Alerts addressed to a person: the delivery channel that names them, the apprise URL that
reaches their address, and the links their messages carry to the reader (its article and
watchlist pages, and the signed one-click links of monitors.people.links).

A person's deliveries sit in the outbox under the channel `person:NAME` (no configured channel
can take that name: channel names have no ':'), next to the team's channels. Their address is
read when the message is sent, so a change of address applies to what is still pending. The
mail server is VEILLE_PEOPLE_MAIL, an apprise mailto:// or mailtos:// URL whose `to` is
replaced by each person's address."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode

from crawler.core.errors import ConfigError
from monitors.people import links as signed_links

PREFIX = "person:"


def channel_of(person: str) -> str:
    return PREFIX + person


def person_of(channel: str) -> str | None:
    """The person a delivery channel names, or None for a team channel."""
    return channel[len(PREFIX) :] if channel.startswith(PREFIX) else None


def address_url(template: str, email: str) -> str:
    """The mail URL with `to` set to the person's address (any `to` of the template dropped)."""
    base, _, query = template.partition("?")
    params = [(k, v) for k, v in parse_qsl(query, keep_blank_values=True) if k.lower() != "to"]
    params.append(("to", email))
    return f"{base}?{urlencode(params, safe='@:/${}')}"


@dataclass(frozen=True)
class ReadFrom:
    """Where VEILLE_PEOPLE_MAIL was read: a line of the secrets file, or the environment."""

    path: str | None = None  # the secrets file; None: the environment
    line: int | None = None

    def words(self) -> str:
        if self.path is None:
            return "in the environment (a systemd unit's Environment=, docker's -e or --env-file)"
        return f"on line {self.line} of the secrets file {self.path}"


def retry_refused(read_from: ReadFrom, retry: int) -> ConfigError:
    """The error of a VEILLE_PEOPLE_MAIL asking apprise for its own retries (retry=), refused
    as a channel's (monitors.alerts.channels): apprise sends an email again at once whenever it
    calls a send failed, one whose answer came late included, a copy in the person's mailbox
    each time. It says where the URL was read and how to fix it, and never the URL."""
    named = "" if read_from.path is None else "VEILLE_PEOPLE_MAIL: "  # the path names it
    return ConfigError(
        read_from.path or "VEILLE_PEOPLE_MAIL (environment)",
        read_from.line,
        f"{named}retry={retry} makes apprise send a person's email again at once whenever it "
        "calls a send failed, one whose answer came late included (a copy each time)",
        f"remove retry= (and wait=) from VEILLE_PEOPLE_MAIL {read_from.words()}: veille retries "
        "a failed send itself, with backoff, and never one that may have arrived",
    )


def template_retries(template: str) -> int:
    """The retry= of VEILLE_PEOPLE_MAIL as written, ${VAR}s unsubstituted (apprise reads its
    query's keys in any case), for a URL that cannot be made whole yet; 0 without one."""
    for key, value in parse_qsl(template.partition("?")[2], keep_blank_values=True):
        if key.strip().lower() == "retry":
            try:
                return max(0, int(value.strip()))
            except ValueError:
                return 0
    return 0


def _line_of(path: Path, name: str) -> int | None:
    """The line of the secrets file that gives `name` (its last, as the file is read)."""
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    found = None
    for number, line in enumerate(lines, start=1):
        key, sep, _ = line.strip().removeprefix("export ").partition("=")
        if sep and key.strip() == name:
            found = number
    return found


@dataclass
class PeopleMail:
    """What the sender needs for people's messages and for the reader links of every message:
    the mail URL (secrets substituted; None: people's deliveries fail with a message saying to
    set VEILLE_PEOPLE_MAIL) and the reader's public address (None: no links)."""

    mail_url: str | None = None
    reader_url: str | None = None
    missing: tuple[str, ...] = ()  # the ${VAR}s of VEILLE_PEOPLE_MAIL that are not set
    read_from: ReadFrom = field(default_factory=ReadFrom)
    # VEILLE_PEOPLE_MAIL as written, ${VAR}s unsubstituted (it may hold a password itself)
    template: str | None = field(default=None, repr=False)
    link_lifetime: timedelta = signed_links.LIFETIME
    _secret: str | None = field(default=None, repr=False)

    def links(
        self,
        db: Any,
        row: Mapping[str, Any],
        watchlists: list[dict[str, str]],
        now: datetime | None = None,
    ) -> dict | None:
        """The links of one article's message to `row['channel']`: the article's page, each
        watchlist's page and, for a person, the signed links for each watchlist."""
        if not self.reader_url:
            return None
        base = self.reader_url.rstrip("/")
        person = person_of(row["channel"])
        now = now or datetime.now(UTC)
        if person is not None and self._secret is None:
            self._secret = signed_links.secret_of(db, now)
        joined = signed_links.joined_at(db, person) if person is not None else None
        listed = []
        for w in watchlists:
            entry: dict[str, str | None] = {
                "title": w["title"],
                "page": f"{base}/watchlists/{quote(w['name'], safe='')}",
                "not_relevant": None,
                "mute": None,
                "unsubscribe": None,
            }
            if person is not None:
                assert self._secret is not None
                for purpose, key in (
                    ("not-relevant", "not_relevant"),
                    ("mute", "mute"),
                    ("unsubscribe", "unsubscribe"),
                ):
                    token = signed_links.make(
                        self._secret,
                        purpose,
                        person,
                        w["name"],
                        row["article_id"],
                        row["source"],
                        now,
                        self.link_lifetime,
                        joined,
                    )
                    entry[key] = f"{base}/links/{purpose}/{token}"
            listed.append(entry)
        return {"article": f"{base}/articles/{row['article_id']}", "watchlists": listed}

    def list_headers(
        self, db: Any, person: str, watchlists: list[str], now: datetime | None = None
    ) -> dict[str, str]:
        """The headers that let a mail client offer "unsubscribe" itself (RFC 2369 and RFC 8058
        one-click: Gmail, Outlook and Yahoo show the button, and bulk-sender rules ask for it):
        a signed unsubscribe link of the message's watchlist, for a message of one watchlist.
        A message of several watchlists gets none (one click would have to choose one); its
        body carries each watchlist's link. None without the reader's address either."""
        if not self.reader_url or len(set(watchlists)) != 1:
            return {}
        now = now or datetime.now(UTC)
        if self._secret is None:
            self._secret = signed_links.secret_of(db, now)
        token = signed_links.make(
            self._secret,
            "unsubscribe",
            person,
            watchlists[0],
            now=now,
            lifetime=self.link_lifetime,
            joined=signed_links.joined_at(db, person),
        )
        url = f"{self.reader_url.rstrip('/')}/links/unsubscribe/{token}"
        return {
            "List-Unsubscribe": f"<{url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        }


def from_settings(
    mail_template: str | None,
    reader_url: str | None,
    secrets: dict[str, str],
    read_from: ReadFrom | None = None,
) -> PeopleMail:
    """The PeopleMail of the settings: VEILLE_PEOPLE_MAIL with its ${VAR}s substituted."""
    from crawler.core.secrets import forget_mail_names, remember_url_secrets, substitute

    url: str | None = None
    missing: list[str] = []
    if mail_template:
        url, missing = substitute(mail_template.strip(), secrets)
        if missing:
            url = None
        else:
            remember_url_secrets(url)
            if url.lower().startswith(("mailto://", "mailtos://")):
                # its server, login and port stay readable, as a mail channel's: the same
                # ${VAR}s remembered here masked the channel's again
                forget_mail_names(url)
    return PeopleMail(url, reader_url, tuple(missing), read_from or ReadFrom(), mail_template)


def for_settings(settings: Any) -> PeopleMail:
    """The PeopleMail of veille's settings (monitors.service.config.Settings)."""
    from crawler.core.secrets import load_secrets_file

    secrets = load_secrets_file(settings.secrets)
    template = settings.people_mail or secrets.get("VEILLE_PEOPLE_MAIL")
    read_from = ReadFrom()  # the environment's, which comes before the secrets file's
    if not settings.people_mail and template and settings.secrets:
        path = Path(settings.secrets)
        read_from = ReadFrom(str(path), _line_of(path, "VEILLE_PEOPLE_MAIL"))
    return from_settings(template, settings.reader_url, secrets, read_from)
