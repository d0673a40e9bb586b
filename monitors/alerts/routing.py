"""Where and when a watchlist's alerts go: its channels, digest, time zone, flood limit, quiet
hours, language and templates, read from its entry of the watchlists file.

This is the delivery half of the file (the rules half is monitors.rules.watchlists);
monitors.service.watchlists reads the file once and composes the two.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from crawler.core.errors import ConfigError
from crawler.core.secrets import substitute
from crawler.core.yamlfile import LineDict, string_list
from monitors.alerts.channels import CONSOLE, Channel, check_apprise_url
from monitors.alerts.policy import DEFAULT_TIMEZONE, parse_delivery_policy

# The keys of a watchlist entry that say how its alerts are delivered.
ROUTE_KEYS = frozenset(
    {"notify", "digest", "timezone", "max_per_hour", "quiet_hours", "language", "templates"}
)


@dataclass(frozen=True)
class Route:
    """One watchlist's delivery: its channels (`notify`, by name) and its schedule. `title` is
    the watchlist's, for the messages."""

    name: str
    title: str
    notify: tuple[str, ...] = ()
    line: int = 0
    digest: str | None = None  # a crontab: alerts wait for it and go out grouped
    timezone: str = DEFAULT_TIMEZONE
    max_per_hour: int | None = None  # beyond it, alerts roll into the next digest
    quiet_hours: tuple[str, str] | None = None  # ("22:00", "07:00"): held, then sent grouped
    language: str = "fr"
    # its own templates (key, source) in `language`; another language's as ("ar:subject", …)
    templates: tuple[tuple[str, str], ...] = ()

    def in_language(self, language: str) -> Route:
        """This route for a message in `language` (a person's emails): its templates written in
        that language, each key the watchlist gives no translation of in it taken from the
        bundled templates of that language, never the watchlist's wording in another."""
        if language == self.language:
            return self
        prefix = language + ":"
        translated = tuple(
            (key.removeprefix(prefix), source)
            for key, source in self.templates
            if key.startswith(prefix)
        )
        return replace(self, language=language, templates=translated)


@dataclass
class DeliveryConfig:
    """The channels of the watchlists file and each watchlist's route, by watchlist name."""

    channels: dict[str, Channel] = field(default_factory=dict)
    routes: dict[str, Route] = field(default_factory=dict)

    def route(self, name: str) -> Route:
        """The watchlist's route; for a watchlist no longer in the file (its alerts still
        queued), the console's, under its name."""
        return self.routes.get(name) or Route(name=name, title=name)

    def channels_for(self, name: str) -> list[str]:
        """Channel names an alert of this watchlist goes to; the console when none is usable."""
        usable = [n for n in self.route(name).notify if self.channels[n].usable]
        return usable or [CONSOLE]


def parse_route(
    raw: LineDict, path: str, name: str, title: str, channels: dict[str, Channel]
) -> Route:
    """The delivery part of the watchlist entry `raw` (named `name`). An inline apprise URL in
    `notify` becomes a channel of its own in `channels`, named `<watchlist>#<position>`."""
    notify = string_list(raw.get("notify"), path, raw.line_of("notify"), "notify")
    names: list[str] = []
    for i, target in enumerate(notify):
        if "://" in target:  # an inline apprise URL: give it a stable private name
            inline = f"{name}#{i + 1}"
            url, missing = substitute(target, {})
            if not missing:
                check_apprise_url(url, path, raw.line_of("notify"), inline)
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
    return Route(
        name=name,
        title=title,
        notify=tuple(names),
        line=raw.line,
        **parse_delivery_policy(raw, path),
    )
