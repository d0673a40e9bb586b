"""Watchlists and notification channels, loaded from YAML and validated in one place.

A bad file raises ConfigError naming the file, the line and the fix; callers load the whole file
or nothing, so a daemon never runs with half its rules.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

import apprise

from crawler.errors import ConfigError
from crawler.normalize import normalize
from crawler.yamlfile import LineDict, language_list, load_yaml, require_mapping, string_list
from monitors.secrets import remember_url_secrets, substitute

logger = logging.getLogger(__name__)

CONSOLE = "console"
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_WATCHLIST_KEYS = {
    "name",
    "title",
    "terms",
    "require",
    "exclude",
    "languages",
    "sources",
    "notify",
    "description",
}
_CHANNEL_KEYS = {"url", "description"}


@dataclass(frozen=True)
class Channel:
    """A named notification target. `url` is None when a ${VAR} it needs is not set."""

    name: str
    url: str | None
    missing: tuple[str, ...] = ()
    line: int = 0

    @property
    def usable(self) -> bool:
        return self.url is not None


@dataclass(frozen=True)
class Watchlist:
    """One watch rule: an article matches when it contains any of `terms`, at least one term of
    each `require` group, and none of `exclude`, in title or body, after case/accent/Arabic
    folding. ("UM6P AND supercalculateur": terms [UM6P], require [[supercalculateur, …]].)"""

    name: str
    title: str
    terms: tuple[str, ...]
    require: tuple[tuple[str, ...], ...] = ()
    exclude: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    notify: tuple[str, ...] = ()
    line: int = 0


@dataclass
class RuleSet:
    path: str
    watchlists: list[Watchlist] = field(default_factory=list)
    channels: dict[str, Channel] = field(default_factory=dict)

    def by_name(self, name: str) -> Watchlist:
        for watchlist in self.watchlists:
            if watchlist.name == name:
                return watchlist
        known = ", ".join(w.name for w in self.watchlists)
        raise ConfigError(self.path, None, f"no watchlist named {name!r}", f"use one of: {known}")

    def channels_for(self, watchlist: Watchlist) -> list[str]:
        """Channel names an alert of this watchlist goes to; the console when none is usable."""
        usable = [n for n in watchlist.notify if self.channels[n].usable]
        return usable or [CONSOLE]


def _require_groups(raw: LineDict, path: str) -> tuple[tuple[str, ...], ...]:
    """`require` is one group (a list of strings) or several (a list of lists)."""
    value = raw.get("require")
    if value is None:
        return ()
    if isinstance(value, list) and value and all(isinstance(v, list) for v in value):
        groups = []
        for i, group in enumerate(value):
            groups.append(_terms({"require": group}, "require", path, value.line_of(i)))
        return tuple(groups)
    return (_terms(raw, "require", path),)


def _terms(raw: dict, key: str, path: str, line: int | None = None) -> tuple[str, ...]:
    line = line or raw.line_of(key)  # type: ignore[union-attr]
    terms = string_list(raw.get(key), path, line, key)
    for term in terms:
        if not normalize(term):
            raise ConfigError(
                path,
                line,
                f"term {term!r} in '{key}' has no letters or digits to match",
                "remove it or write a word",
            )
    return tuple(terms)


def _check_apprise_url(url: str, path: str, line: int, name: str) -> None:
    remember_url_secrets(url)
    if apprise.Apprise.instantiate(url, suppress_exceptions=True) is None:
        scheme = url.split("://", 1)[0] if "://" in url else "(no scheme)"
        raise ConfigError(
            path,
            line,
            f"channel {name!r}: not a valid apprise URL (scheme {scheme!r})",
            "see https://github.com/caronc/apprise/wiki for URL formats, e.g. mailtos://, slack://",
        )


def _parse_channels(
    raw: object, path: str, line: int, secrets: dict[str, str]
) -> dict[str, Channel]:
    if raw is None:
        return {}
    channels_map = require_mapping(raw, path, line, "'channels'")
    channels: dict[str, Channel] = {}
    for name, spec in channels_map.items():
        spec_line = channels_map.line_of(str(name))
        if not isinstance(name, str) or not _NAME.match(name) or name == CONSOLE:
            raise ConfigError(
                path,
                spec_line,
                f"channel name {name!r} is invalid",
                "use lowercase letters, digits, '-' or '_' (and not 'console', which is built in)",
            )
        if isinstance(spec, str):
            template = spec
        else:
            spec = require_mapping(spec, path, spec_line, f"channel {name!r}")
            unknown = set(spec) - _CHANNEL_KEYS
            if unknown:
                raise ConfigError(
                    path, spec_line, f"unknown key(s) {sorted(unknown)} in channel {name!r}"
                )
            template = spec.get("url")
        if not isinstance(template, str) or not template.strip():
            raise ConfigError(path, spec_line, f"channel {name!r} needs a 'url'", "an apprise URL")
        url, missing = substitute(template.strip(), secrets)
        if missing:
            channels[name] = Channel(name, None, tuple(missing), spec_line)
            continue
        _check_apprise_url(url, path, spec_line, name)
        channels[name] = Channel(name, url, (), spec_line)
    return channels


def _parse_watchlist(raw: LineDict, path: str, channels: dict[str, Channel]) -> Watchlist:
    unknown = set(raw) - _WATCHLIST_KEYS
    if unknown:
        key = sorted(unknown)[0]
        raise ConfigError(
            path,
            raw.line_of(key),
            f"unknown key {key!r} in watchlist",
            f"known keys: {', '.join(sorted(_WATCHLIST_KEYS))}",
        )
    name = raw.get("name")
    if not isinstance(name, str) or not _NAME.match(name):
        raise ConfigError(
            path,
            raw.line_of("name"),
            f"watchlist name {name!r} is missing or invalid",
            "use lowercase letters, digits, '-' or '_', e.g. 'souverainete-numerique'",
        )
    terms = _terms(raw, "terms", path)
    if not terms:
        raise ConfigError(
            path,
            raw.line_of("terms"),
            f"watchlist {name!r} has no 'terms'",
            "list at least one term",
        )
    notify = string_list(raw.get("notify"), path, raw.line_of("notify"), "notify")
    names: list[str] = []
    for i, target in enumerate(notify):
        if "://" in target:  # an inline apprise URL: give it a stable private name
            inline = f"{name}#{i + 1}"
            url, missing = substitute(target, {})
            if not missing:
                _check_apprise_url(url, path, raw.line_of("notify"), inline)
            channels[inline] = Channel(inline, None if missing else url, tuple(missing), raw.line)
            names.append(inline)
        elif target == CONSOLE:
            continue
        elif target not in channels:
            raise ConfigError(
                path,
                raw.line_of("notify"),
                f"watchlist {name!r} notifies unknown channel {target!r}",
                f"define it under 'channels:' (known: {', '.join(sorted(channels)) or 'none'})",
            )
        else:
            names.append(target)
    return Watchlist(
        name=name,
        title=str(raw.get("title") or name),
        terms=terms,
        require=_require_groups(raw, path),
        exclude=_terms(raw, "exclude", path),
        languages=tuple(language_list(raw.get("languages"), path, raw.line_of("languages"))),
        sources=tuple(string_list(raw.get("sources"), path, raw.line_of("sources"), "sources")),
        notify=tuple(names),
        line=raw.line,
    )


def load_rules(path: str | Path, secrets: dict[str, str] | None = None) -> RuleSet:
    """Load and validate watchlists and channels; the whole file or a ConfigError."""
    path = str(path)
    data = require_mapping(load_yaml(path), path, 1, "the watchlists file")
    unknown = set(data) - {"channels", "watchlists"}
    if unknown:
        key = sorted(unknown)[0]
        raise ConfigError(
            path,
            data.line_of(key),
            f"unknown top-level key {key!r}",
            "use 'channels' and 'watchlists'",
        )
    channels = _parse_channels(data.get("channels"), path, data.line_of("channels"), secrets or {})
    raw_watchlists = data.get("watchlists")
    if not isinstance(raw_watchlists, list) or not raw_watchlists:
        raise ConfigError(path, data.line_of("watchlists"), "'watchlists' must be a non-empty list")
    watchlists: list[Watchlist] = []
    seen: dict[str, int] = {}
    for i, raw in enumerate(raw_watchlists):
        raw = require_mapping(raw, path, raw_watchlists.line_of(i), "each watchlist")
        watchlist = _parse_watchlist(raw, path, channels)
        if watchlist.name in seen:
            raise ConfigError(
                path,
                watchlist.line,
                f"watchlist name {watchlist.name!r} is already used on line {seen[watchlist.name]}",
                "give each watchlist a unique name",
            )
        seen[watchlist.name] = watchlist.line
        watchlists.append(watchlist)
    return RuleSet(path=path, watchlists=watchlists, channels=channels)


def validate_sources_referenced(rules: RuleSet, source_names: set[str]) -> None:
    """A watchlist filtering on a source that does not exist would silently never match."""
    for watchlist in rules.watchlists:
        for name in watchlist.sources:
            if name not in source_names:
                raise ConfigError(
                    rules.path,
                    watchlist.line,
                    f"watchlist {watchlist.name!r} filters on unknown source {name!r}",
                    "use a source name from the sources file",
                )


def describe_unusable_channels(rules: RuleSet) -> list[str]:
    """One sentence per channel that cannot send, naming the variables to set (never values)."""
    return [
        f"channel {c.name!r} is off: set {', '.join(c.missing)} (environment or secrets file)"
        for c in rules.channels.values()
        if not c.usable
    ]
