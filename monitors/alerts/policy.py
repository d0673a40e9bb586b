"""How and when a watchlist's (or a channel's) alerts go out: digest crontab, time zone, flood
limit, quiet hours, language and message templates, checked as they are read."""

from __future__ import annotations

import re
from typing import TypedDict

from crawler.core.errors import ConfigError
from crawler.core.yamlfile import LineDict, require_mapping

DEFAULT_TIMEZONE = "Africa/Casablanca"
_TEMPLATE_KEYS = {
    "subject",
    "text",
    "html",
    "slack",
    "digest_subject",
    "digest_text",
    "digest_html",
    "digest_slack",
}


class DeliveryPolicy(TypedDict, total=False):
    """What parse_delivery_policy returns: the Watchlist (or Channel) fields it sets."""

    timezone: str
    digest: str
    max_per_hour: int
    quiet_hours: tuple[str, str]
    language: str
    templates: tuple[tuple[str, str], ...]


def parse_delivery_policy(raw: LineDict, path: str) -> DeliveryPolicy:
    """Digest schedule, time zone, flood limit, quiet hours, language and templates."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    from monitors.alerts.cron import CrontabError, parse_crontab
    from monitors.alerts.messages import LANGUAGES

    out: DeliveryPolicy = {}
    tz = raw.get("timezone", DEFAULT_TIMEZONE)
    try:
        ZoneInfo(str(tz))
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            path,
            raw.line_of("timezone"),
            f"unknown time zone {tz!r}",
            "use an IANA name such as Africa/Casablanca",
        ) from None
    out["timezone"] = str(tz)
    digest = raw.get("digest")
    if digest is not None:
        try:
            parse_crontab(str(digest))
        except CrontabError as exc:
            line, column = raw.position_in_value("digest", exc.position)
            raise ConfigError(
                path,
                line,
                f"digest {digest!r} is not a crontab: {exc.problem}",
                exc.fix,
                column=column,
            ) from None
        out["digest"] = str(digest)
    limit = raw.get("max_per_hour")
    if limit is not None:
        if not isinstance(limit, int) or isinstance(limit, bool) or limit < 1:
            raise ConfigError(
                path,
                raw.line_of("max_per_hour"),
                "max_per_hour must be a whole number of at least 1",
            )
        out["max_per_hour"] = limit
    quiet = raw.get("quiet_hours")
    if quiet is not None:
        match = re.fullmatch(
            r"\s*([01]\d|2[0-3]):([0-5]\d)\s*-\s*([01]\d|2[0-3]):([0-5]\d)\s*", str(quiet)
        )
        if not match:
            raise ConfigError(
                path,
                raw.line_of("quiet_hours"),
                f"quiet_hours {quiet!r} is not a time range",
                "write it as '22:00-07:00'",
            )
        if match.group(1, 2) == match.group(
            3, 4
        ):  # it ends as it begins: taken for no quiet hours at all
            raise ConfigError(
                path,
                raw.line_of("quiet_hours"),
                f"quiet_hours {quiet!r} ends when it begins: no time is quiet",
                "write the hours to keep quiet, e.g. '22:00-07:00', or leave quiet_hours out",
            )
        out["quiet_hours"] = (f"{match[1]}:{match[2]}", f"{match[3]}:{match[4]}")
    language = raw.get("language", "fr")
    if language not in LANGUAGES:
        raise ConfigError(
            path,
            raw.line_of("language"),
            f"alert language {language!r} is not available",
            f"use one of {', '.join(LANGUAGES)}",
        )
    out["language"] = language
    templates = raw.get("templates")
    if templates is not None:
        templates = require_mapping(templates, path, raw.line_of("templates"), "templates")
        out["templates"] = _parse_templates(templates, path, language)
    return out


def _parse_templates(templates: LineDict, path: str, language: str) -> tuple[tuple[str, str], ...]:
    """A watchlist's own templates, each checked: its keys in the watchlist's `language`, and
    under `fr:`, `en:` or `ar:` the same keys in that language, for a person who reads their
    emails in it. Kept as (key, source), a translation's key as `ar:subject`; a block of the
    watchlist's own language joins its keys (and wins over them)."""
    from monitors.alerts.messages import LANGUAGES

    own: dict[str, str] = {}
    translated: dict[str, str] = {}
    for key, source in templates.items():
        if key in LANGUAGES:
            block = require_mapping(source, path, templates.line_of(str(key)), f"templates: {key}")
            for inner, text in block.items():
                _check_template_entry(block, str(inner), text, path, f"{key}: ")
                if key == language:
                    own[str(inner)] = str(text)
                else:
                    translated[f"{key}:{inner}"] = str(text)
            continue
        _check_template_entry(templates, str(key), source, path)
        own.setdefault(str(key), str(source))
    return tuple(own.items()) + tuple(translated.items())


def _check_template_entry(
    block: LineDict, key: str, source: object, path: str, within: str = ""
) -> None:
    """One template of a watchlist: a known key whose source compiles and renders."""
    from monitors.alerts.messages import LANGUAGES, check_template

    if key not in _TEMPLATE_KEYS:
        raise ConfigError(
            path,
            block.line_of(key),
            f"unknown template {within}{key!r}",
            f"use {', '.join(sorted(_TEMPLATE_KEYS))}"
            + ("" if within else f", or {', '.join(LANGUAGES)} for another language's"),
        )
    problem = check_template(str(source), key)
    if problem:
        raise ConfigError(
            path,
            block.line_of(key),
            f"template {within}{key!r} cannot be used: {problem}",
            "templates see article.title, article.url, article.source, snippet, "
            "terms, also_in, watchlist.title (docs/notifications.md)",
        )
