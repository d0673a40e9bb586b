"""The watchlists file, read once and composed: its rules (monitors.rules.watchlists: what
matches) and its delivery configuration (monitors.alerts.routing: where and when alerts go).

The whole file or a ConfigError naming every problem in file order (one per watchlist entry), so
a daemon never runs with half its rules.
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

from crawler.core.errors import ConfigError, combined, raise_all
from crawler.core.yamlfile import line_in, load_yaml, reject_unknown_keys, require_mapping
from monitors.alerts.channels import Channel, parse_channels
from monitors.alerts.routing import ROUTE_KEYS, DeliveryConfig, Route, parse_route
from monitors.rules.watchlists import (
    Entity,
    RuleSet,
    Watchlist,
    entity_placeholders,
    parse_entities,
    parse_watchlist,
)


class Watchlists(NamedTuple):
    """One watchlists file: `rules` for the matcher, `delivery` for the outbox and the sender."""

    rules: RuleSet
    delivery: DeliveryConfig

    @property
    def path(self) -> str:
        return self.rules.path


def load_watchlists(path: str | Path, secrets: dict[str, str] | None = None) -> Watchlists:
    """Load and validate watchlists, entities and channels; the whole file or a ConfigError."""
    path = str(path)
    data = require_mapping(load_yaml(path), path, 1, "the watchlists file")
    reject_unknown_keys(data, {"channels", "entities", "watchlists"}, path, "the watchlists file")
    errors: list[ConfigError] = []
    entities: dict[str, Entity]
    try:
        entities = parse_entities(data.get("entities"), path, data.line_of("entities"))
    except ConfigError as exc:
        errors.append(exc)
        entities = entity_placeholders(data.get("entities"))
    channels: dict[str, Channel]
    try:
        channels = parse_channels(
            data.get("channels"), path, data.line_of("channels"), secrets or {}, errors
        )
    except ConfigError as exc:
        errors.append(exc)
        channels = {}
    raw_watchlists = data.get("watchlists")
    if not isinstance(raw_watchlists, list) or not raw_watchlists:
        errors.append(
            ConfigError(path, data.line_of("watchlists"), "'watchlists' must be a non-empty list")
        )
        raise combined(errors)
    watchlists: list[Watchlist] = []
    routes: dict[str, Route] = {}
    seen: dict[str, int] = {}
    for i, raw in enumerate(raw_watchlists):
        try:  # every watchlist is checked: one run reports every problem of the file
            raw = require_mapping(raw, path, line_in(raw_watchlists, i), "each watchlist")
            watchlist = parse_watchlist(raw, path, entities, ROUTE_KEYS)
            route = parse_route(raw, path, watchlist.name, watchlist.title, channels)
        except ConfigError as exc:
            errors.append(exc)
            continue
        if watchlist.name in seen:
            errors.append(
                ConfigError(
                    path,
                    watchlist.line,
                    f"watchlist name {watchlist.name!r} is already used on line "
                    f"{seen[watchlist.name]}",
                    "give each watchlist a unique name",
                )
            )
            continue
        seen[watchlist.name] = watchlist.line
        watchlists.append(watchlist)
        routes[watchlist.name] = route
    raise_all(errors)
    rules = RuleSet(
        path=path, watchlists=watchlists, entities=entities, raw_watchlists=list(raw_watchlists)
    )
    return Watchlists(rules, DeliveryConfig(channels, routes))
