"""What the commands of `veille` share: the settings and database of the invocation, checked
dates and names, bounded numbers, the options of the commands that fetch a page."""

from __future__ import annotations

import math
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import click

from crawler.core.errors import VeilleError

if TYPE_CHECKING:  # the storage layer loads when a command runs, not for `veille --help`
    from crawler.extraction.profiles import SiteProfile
    from crawler.storage.engine import Database
    from monitors.rules.watchlists import RuleSet
    from monitors.service.config import Config, Settings
    from monitors.service.watchlists import Watchlists
    from monitors.web.days import DayBound


def settings_of(ctx: click.Context) -> Settings:
    return ctx.obj["settings"]


def watchlists_of(ctx: click.Context) -> Watchlists:
    """The watchlists file of this invocation (its rules and their delivery, its ${VAR}s from
    the secrets file), read once whichever commands and checks ask for it; a VeilleError when
    the file is invalid, which commands that can do without it catch."""
    obj = ctx.find_root().obj
    if "watchlists" not in obj:
        from crawler.core.secrets import load_secrets_file
        from monitors.service.config import ENVIRONMENT_ONLY
        from monitors.service.watchlists import load_watchlists

        settings = settings_of(ctx)
        obj["watchlists"] = load_watchlists(
            settings.watchlists, load_secrets_file(settings.secrets, ENVIRONMENT_ONLY)
        )
    return obj["watchlists"]


def rules_of(ctx: click.Context) -> RuleSet:
    """The rules of the watchlists file of this invocation (see `watchlists_of`)."""
    return watchlists_of(ctx).rules


def config_of(ctx: click.Context) -> Config:
    """The sources and watchlists of this invocation, checked against each other, read once;
    its watchlists are then the ones `rules_of` gives."""
    obj = ctx.find_root().obj
    if "config" not in obj:
        from monitors.service.config import load_config

        obj["config"] = load_config(settings_of(ctx))
        from monitors.service.watchlists import Watchlists

        obj["watchlists"] = Watchlists(obj["config"].rules, obj["config"].delivery)
    return obj["config"]


def existing_db(ctx: click.Context, *, to_write: bool = False) -> Database:
    """The database, for commands that read it or change what it holds (`to_write`: a person's
    password, a delivery put back): a missing file is a mistyped --db or VEILLE_DB, a command run
    from another folder than the daemon's (the default data/veille.db is the working folder's),
    or nothing crawled yet, said as such rather than answered from a new empty one."""
    path = settings_of(ctx).db
    if isinstance(path, Path) and path.is_dir():
        raise VeilleError(
            f"database {path} is a folder: give a file (--db, VEILLE_DB), e.g. {path / 'veille.db'}"
        )
    if isinstance(path, Path) and not path.is_file():
        where = "" if path.is_absolute() else f" ({path.absolute()}, under the working folder)"
        raise VeilleError(
            f"no database at {path}{where}: check --db / VEILLE_DB, or run `veille run` (or "
            "`veille demo`) first to create it"
        )
    from crawler.storage import store

    if to_write:
        return store.open_database(path)
    db = store.open_database_to_read(path)
    # checked when the command ends (monitors.cli.group): a read that may be torn is said
    ctx.find_root().obj.setdefault("databases_read", []).append(db)
    return db


def date_option(value: str | None, option: str) -> str | None:
    """A --since/--until value must be a date (YYYY-MM-DD), not silently nothing."""
    if value is None:
        return None
    try:
        return date.fromisoformat(value.strip()).isoformat()
    except ValueError:
        raise click.BadParameter(
            f"{value!r} is not a date; give YYYY-MM-DD, e.g. 2026-11-17", param_hint=option
        ) from None


def day_option(ctx: click.Context, value: str | None, option: str) -> DayBound | None:
    """A --since/--until day of `veille search` and `veille export`, as the reader's day: the
    day, and the moment it begins in the team's time zone (VEILLE_WEB_TIMEZONE), with which a
    date stored as a day alone and a moment are compared (monitors.service.lookback)."""
    day = date_option(value, option)
    if day is None:
        return None
    from monitors.service.lookback import reader_day

    return reader_day(date.fromisoformat(day), settings_of(ctx).web_timezone)


def language_codes(
    ctx: click.Context, param: click.Parameter, values: tuple[str, ...] | str | None
) -> tuple[str, ...] | str | None:
    """A --language value must be a code articles carry: 'FR' or 'fe' found nothing, with
    no word of why (crawler.core.yamlfile.language_problem, as the files' languages)."""
    from crawler.core.yamlfile import language_problem

    for code in (values,) if isinstance(values, str) else values or ():
        if wrong := language_problem(code):
            problem, fix = wrong
            raise click.BadParameter(f"{code!r} {problem} ({fix})")
    return values


def stored_language_codes(db: Database, languages: tuple[str, ...]) -> None:
    """`veille search --language`: a code stored articles carry is taken as it is (`veille
    import` stores one with its region as given, « fr-MA »); any other must be a code articles
    carry (language_codes: 'FR' or 'fe' found nothing, with no word of why)."""
    if not languages:
        return
    from crawler.core.yamlfile import language_problem
    from monitors.web import store as web_store

    carried = set(web_store.languages(db))
    for code in languages:
        if code not in carried and (wrong := language_problem(code)):
            problem, fix = wrong
            raise click.BadParameter(f"{code!r} {problem} ({fix})", param_hint="'--language'")


def known_names(
    db: Database,
    sources: tuple[str, ...] = (),
    watchlist: str | None = None,
    rules: RuleSet | None = None,
) -> None:
    """Unknown --source or --watchlist names are errors (a typo would answer '0 results')."""
    from monitors.service.lookback import UnknownName, check_names

    try:
        check_names(db, sources, watchlist, rules)
    except UnknownName as exc:
        raise click.BadParameter(str(exc), param_hint=exc.option) from None


def allowed_networks(ctx: click.Context) -> list[str]:
    """Internal networks every fetch may reach anyway: the crawl's VEILLE_ALLOWED_NETWORKS
    (VEILLE_CRAWL_SETTINGS), so `sources check` and `rules test URL` fetch as a crawl does."""
    allowed = settings_of(ctx).crawl_settings.get("VEILLE_ALLOWED_NETWORKS", [])
    return [str(a) for a in allowed] if isinstance(allowed, list) else [str(allowed)]


class Seconds(click.FloatRange):
    """A number of seconds within bounds; NaN is refused too (FloatRange lets it through)."""

    # `value` as click types FloatRange's (the command line hands it a str, converted here too)
    def convert(
        self, value: float, param: click.Parameter | None, ctx: click.Context | None
    ) -> float:
        seconds = super().convert(value, param, ctx)
        if math.isnan(seconds):
            self.fail(f"{value!r} is not a number of seconds", param, ctx)
        return seconds


# Every number the command line takes is bounded: a value past what SQLite or a socket holds
# (--limit 99999999999999999999) is refused with the option's range, not met by a traceback.
LIMIT_MAX = 100_000
LIMIT = click.IntRange(1, LIMIT_MAX)
PORT = click.IntRange(1, 65_535)
ROW_ID = click.IntRange(1, 2**63 - 1)  # SQLite's largest row id
SECONDS = Seconds(0.1, 3_600)


# Shared by `rules test` and `extract`, which fetch a page the way a crawl of a source would.
fetch_timeout_option = click.option(
    "--timeout",
    type=SECONDS,
    default=20.0,
    show_default=True,
    help="Seconds for fetching a URL, the whole exchange (a server that drips is cut).",
)
site_profile_option = click.option(
    "--source",
    "source_name",
    help="Extract with this source's site profile (prune_xpath, content_xpath, date_xpath), "
    "as a crawl of that source would.",
)


def source_profile(ctx: click.Context, source_name: str | None) -> SiteProfile | None:
    """The site profile of --source NAME from the sources file, or None without --source."""
    if source_name is None:
        return None
    from crawler.discovery.sources import load_sources

    return load_sources(settings_of(ctx).sources).by_name(source_name).profile
