"""Runtime settings: where the database, sources, watchlists and secrets are.

One precedence order, documented in docs/configuration.md: built-in defaults < environment
variables (VEILLE_*) < command-line flags; the sources, watchlists and secrets files not named by
either are looked up in ./, ~/.config/veille/ and /etc/veille/ (monitors.service.locations).
"""

from __future__ import annotations

import errno
import functools
import json
import logging
import math
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crawler.core.errors import VeilleError
from crawler.fetching.addresses import networks
from crawler.stories.window_setting import (
    DEFAULT_WINDOW_HOURS,
    WINDOW_VARIABLE,
    parse_window_hours,
)
from monitors.web.hosts import parse_public_names

if TYPE_CHECKING:  # loading them costs a tenth of a second `veille status` has no use for
    from crawler.discovery.sources import SourceList
    from monitors.alerts.routing import DeliveryConfig
    from monitors.rules.matcher import Matcher
    from monitors.rules.watchlists import RuleSet

from monitors.service import locations
from seeds import BUNDLED_SOURCES, BUNDLED_WATCHLISTS

logger = logging.getLogger(__name__)

# Below this much memory the daemon runs one crawl worker by default, whatever the cores: a
# worker takes 150 to 250 MB with its extraction process, the crawl itself 1 to 4 % of the CPU,
# and on a 1-2 GB server memory is what runs out first (bench/daemon_memory.py).
SMALL_MEMORY_BYTES = 3 * 1024**3


def total_memory() -> int | None:
    """This machine's memory in bytes (Linux's MemTotal), None where unknown."""
    try:
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            for line in meminfo:
                if line.startswith("MemTotal:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def is_small_memory(memory: int | None = None) -> bool:
    """Whether this machine (or one with `memory` bytes) has under SMALL_MEMORY_BYTES; a machine
    whose memory is unknown counts as large."""
    memory = memory if memory is not None else total_memory()
    return memory is not None and memory < SMALL_MEMORY_BYTES


def default_worker_max_rss_mb(memory: int | None = None) -> float:
    """The resident memory above which a crawl worker is replaced, unless
    VEILLE_WORKER_MAX_RSS_MB says otherwise: 300 MB on a small-memory machine (a worker holds
    some 175 MB after thousands of crawls), 600 MB elsewhere."""
    return 300 if is_small_memory(memory) else 600


def default_worker_max_active(memory: int | None = None) -> int:
    """Crawls at once in one crawl worker unless VEILLE_WORKER_MAX_ACTIVE says otherwise: 8 on a
    small-memory machine, 16 elsewhere. Each crawl under way holds its Scrapy crawler, its
    responses and its items: 16 at once (100 sources polled together) took the daemon and its
    crawl processes above 400 MB for moments; in the daemon's normal course, sources come due
    one by one and rarely more than a few crawl at once (figures in docs/benchmarks.md)."""
    return 8 if is_small_memory(memory) else 16


def default_crawl_workers(memory: int | None = None, cpus: int | None = None) -> int:
    """The daemon's crawl workers unless VEILLE_CRAWL_WORKERS says otherwise: one per core, but
    one only where memory is small (under SMALL_MEMORY_BYTES; unknown memory counts as large).
    `memory` and `cpus` default to this machine's."""
    return 1 if is_small_memory(memory) else cpus or os.cpu_count() or 1


def db_location(value: str | Path) -> Path | str:
    """A --db / VEILLE_DB value: a postgresql://… location stays as written (a Path would fold
    its `//`), anything else is the path of a SQLite file. Another address (postgresql+psycopg://,
    POSTGRESQL://) or libpq's keyword form is refused, never shown (it may hold a password): it
    was taken for a file, and `veille run` stored the team's articles in a new empty database
    whose path held the password."""
    from crawler.storage.engine import is_postgres_location  # sqlite-utils: not for --help

    if isinstance(value, str) and is_postgres_location(value):
        return value
    text = str(value)
    scheme = re.match(r"[A-Za-z][A-Za-z0-9+.-]*://", text)
    if scheme or re.match(_CONNINFO, text):
        written = f"an address beginning {scheme.group(0)!r}" if scheme else "keyword=value pairs"
        raise ValueError(
            f"the database is written as {written}, which veille does not read: give a "
            "PostgreSQL database as postgresql://user:password@host:5432/name, or the path "
            "of a SQLite file"
        )
    return Path(value)


# libpq's keyword form of a connection (host=… dbname=… password=…), psycopg's own example.
_CONNINFO = re.compile(
    r"\s*(host|hostaddr|port|dbname|user|password|passfile|sslmode|service|connect_timeout)"
    r"\s*=",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Settings:
    db: Path | str = Path("data/veille.db")  # a SQLite file, or a postgresql://… location
    sources: Path = BUNDLED_SOURCES
    watchlists: Path = BUNDLED_WATCHLISTS
    secrets: Path | None = None
    crawl_time_limit: float = 15 * 60
    send_interval: float = 1.0
    deliver_every_seconds: int = 60
    crawl_log: Path | None = None
    crawl_settings: dict[str, object] = field(default_factory=dict)
    # Matches of articles published longer ago than this do not alert (None: no limit).
    alert_max_age_days: float | None = 7
    # Long-lived crawl workers of the daemon (0: one process per crawl, as `run --once` does);
    # one per core, one only on a small-memory machine.
    crawl_workers: int = field(default_factory=default_crawl_workers)
    # Crawls at once in one worker: 16, 8 on a small-memory machine.
    worker_max_active: int = field(default_factory=default_worker_max_active)
    # Then the worker is replaced by a fresh one (a new worker costs 2-3 CPU-seconds; it starts
    # once the old one has finished its crawls and left, so the two never hold memory at once).
    worker_max_crawls: int = 5000
    # Likewise above this resident memory (300 MB on a small-memory machine, else 600).
    worker_max_rss_mb: float = field(default_factory=default_worker_max_rss_mb)
    # Names `veille serve` answers to besides loopback (the Host header), e.g. its public name.
    web_public_names: tuple[str, ...] = ()
    # The reader's public address (https://veille.example.ma): alerts link to its pages and
    # carry signed one-click links (monitors.people.mail). None: alerts carry no such links.
    reader_url: str | None = None
    # An apprise mailto(s):// URL people's own alerts go through, `to` set to each person's
    # address (may hold ${VAR}s of the secrets file; the secrets file may hold it too).
    people_mail: str | None = None
    # Who may edit the watchlists in the reader (monitors.web.editing): None is everyone.
    web_editors: tuple[str, ...] | None = None
    # The time zone of the reader's dates (alerts use their watchlist's `timezone`).
    web_timezone: str = "Africa/Casablanca"
    # An article joins a story only within this many hours of its first article (grouping gets
    # it passed in: the crawls' Scrapy settings, `veille import`).
    story_window_hours: int = DEFAULT_WINDOW_HOURS

    def crawl_scrapy_settings(self) -> dict[str, object]:
        """The Scrapy settings every crawl of this configuration runs with: VEILLE_CRAWL_SETTINGS,
        the story window (the crawl's StorePipeline reads it, not the environment) and the
        crawl log's lines marked with this runner's pid (runner_log_format)."""
        return {
            **self.crawl_settings,
            WINDOW_VARIABLE: self.story_window_hours,
            "LOG_FORMAT": runner_log_format(self.crawl_settings.get("LOG_FORMAT")),
        }


# Scrapy's own LOG_FORMAT (scrapy.settings.default_settings), what a crawl writes by default.
SCRAPY_LOG_FORMAT = "%(asctime)s [%(name)s] %(levelname)s: %(message)s"


def runner_log_format(given: object = None, pid: int | None = None) -> str:
    """The crawl log's lines of this runner's crawls: Scrapy's format (or LOG_FORMAT of
    VEILLE_CRAWL_SETTINGS) with `runner=PID` after the time. Runners started from one folder
    share its crawl log (data/crawl.log on PostgreSQL, where runners of different sources share
    a database), their crawls' lines mixed: each says which runner's crawl wrote it. A format
    that names its runner already (`runner=%(process)d`, or a pid) keeps its own mark, the pid
    made this runner's, where it got a second one."""
    fmt = given if isinstance(given, str) else SCRAPY_LOG_FORMAT
    runner = pid or os.getpid()
    if "runner=" in fmt:
        return re.sub(r"runner=\d+", f"runner={runner}", fmt)
    mark, head = f"runner={runner} ", "%(asctime)s "
    return fmt.replace(head, head + mark, 1) if fmt.startswith(head) else mark + fmt


def parse_editors(value: str) -> tuple[str, ...] | None:
    """VEILLE_WEB_EDITORS: '*' (everyone), 'none' (nobody), or names separated by commas."""
    value = value.strip()
    if value == "*":
        return None
    if value.lower() == "none":
        return ()
    names = tuple(name.strip() for name in value.split(",") if name.strip())
    for name in names:
        if not re.fullmatch(r"[\w.@+-]+", name):
            raise ValueError(
                f"VEILLE_WEB_EDITORS: {name[:40]!r} is not a user name (letters, digits and "
                ". @ + - _); separate names with commas, or give * (everyone) or none"
            )
    return names


def parse_timezone(value: str) -> str:
    """VEILLE_WEB_TIMEZONE: an IANA time zone name (Africa/Casablanca, Europe/Paris, UTC)."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(value.strip())
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"VEILLE_WEB_TIMEZONE={value!r} is not a time zone: give an IANA name such as "
            "Africa/Casablanca, Europe/Paris or UTC"
        ) from None
    return value.strip()


def parse_max_age_days(value: str) -> float | None:
    """VEILLE_ALERT_MAX_AGE_DAYS: a number of days (finite, above 0), or "off" for no limit."""
    if value.strip().lower() in {"off", "none", "no"}:
        return None
    try:
        days = float(value)
    except ValueError:
        days = float("nan")
    if not math.isfinite(days) or days <= 0:
        raise ValueError(
            f"VEILLE_ALERT_MAX_AGE_DAYS={value!r}: give a number of days above 0 (e.g. 7 or 1.5), "
            "or 'off' to alert on matches whatever the article's date"
        )
    return days


def parse_seconds(value: str, low: int, high: int) -> int:
    """A whole number of seconds within [low, high]."""
    if not value.strip().isdigit() or not low <= int(value) <= high:
        raise ValueError(f"{value!r}: give a whole number of seconds from {low} to {high}")
    return int(value)


def parse_time_limit(value: str) -> float:
    """VEILLE_CRAWL_TIME_LIMIT: seconds above 0, at most a day. 0 or less stopped every crawl
    at its start; nan and inf gave crawls no limit, so a hanging site held its cycle."""
    try:
        seconds = float(value)
    except ValueError:
        seconds = float("nan")
    if not math.isfinite(seconds) or not 0 < seconds <= MAX_CRAWL_SECONDS:
        raise ValueError(
            f"VEILLE_CRAWL_TIME_LIMIT={value!r}: give a number of seconds above 0 and at most "
            f"{MAX_CRAWL_SECONDS} (a day), e.g. 900 (the default: 15 minutes)"
        )
    return seconds


MAX_CRAWL_SECONDS = 24 * 3600
_CRAWL_SETTINGS_EXAMPLE = '{"DOWNLOAD_DELAY": 2}'


def parse_crawl_settings(value: str) -> dict[str, object]:
    """VEILLE_CRAWL_SETTINGS: a JSON object of Scrapy settings."""
    try:
        settings = json.loads(value)
    except ValueError as exc:
        raise ValueError(
            f"VEILLE_CRAWL_SETTINGS is not JSON ({exc}): give a JSON object of Scrapy "
            f"settings, e.g. {_CRAWL_SETTINGS_EXAMPLE}"
        ) from None
    if not isinstance(settings, dict):
        raise ValueError(
            f"VEILLE_CRAWL_SETTINGS is a JSON {type(settings).__name__}, not an object: give "
            f"the Scrapy settings by name, e.g. {_CRAWL_SETTINGS_EXAMPLE}"
        )
    return settings


def check_crawl_settings(values: dict[str, object]) -> None:
    """Each Scrapy setting of VEILLE_CRAWL_SETTINGS that the crawl reads as a number or a
    yes/no must be one, and a name a letter or two from a known setting's is taken for a typo
    (Scrapy ignores unknown names): checked at the start, since every crawl would otherwise
    fail at its own start with the traceback in the crawl log only."""
    if not values:
        return
    import difflib

    import crawler.settings as veille_settings

    defaults = {
        **_scrapy_defaults(),
        **{name: getattr(veille_settings, name) for name in dir(veille_settings) if name.isupper()},
    }
    for name, value in values.items():
        if name not in defaults:
            close = difflib.get_close_matches(name, list(defaults), n=1, cutoff=0.9)
            if close:
                raise ValueError(
                    f"VEILLE_CRAWL_SETTINGS: {name!r} is not a setting; did you mean {close[0]!r}?"
                )
            continue  # a setting of the user's own components
        default = defaults[name]
        if isinstance(default, bool):
            if not _is_yes_no(value):
                raise ValueError(
                    f"VEILLE_CRAWL_SETTINGS: {name}={value!r}: give true or false (JSON)"
                )
        elif isinstance(default, int | float) and not _is_number(value):
            raise ValueError(f"VEILLE_CRAWL_SETTINGS: {name}={value!r}: give a number")
        elif isinstance(default, dict) and not _is_json_object(value):
            raise ValueError(
                f"VEILLE_CRAWL_SETTINGS: {name}={value!r}: give a JSON object (Scrapy reads "
                'it as a dict), e.g. {"Accept-Language": "fr"} for DEFAULT_REQUEST_HEADERS'
            )
        elif name == "LOG_LEVEL" and not (
            value in logging.getLevelNamesMapping() or type(value) is int
        ):
            raise ValueError(
                f"VEILLE_CRAWL_SETTINGS: LOG_LEVEL={value!r}: give DEBUG, INFO, WARNING, ERROR "
                "or CRITICAL, in capitals"
            )
        elif name in SCRAPY_WHOLE and not _is_whole(value):
            raise ValueError(
                f"VEILLE_CRAWL_SETTINGS: {name}={value!r}: give a whole number (Scrapy "
                "reads it with int())" + (f", e.g. {default}" if isinstance(default, int) else "")
            )
        elif name in _LEAST and not (
            (
                float(value) > 0  # type: ignore[arg-type]
                if name in _ABOVE_ZERO
                else float(value) >= _LEAST[name][0]  # type: ignore[arg-type]
            )
            and (name not in _WHOLE or _is_whole(value))
        ):
            raise ValueError(f"VEILLE_CRAWL_SETTINGS: {name}={value!r}: {_LEAST[name][1]}")


# The numeric crawl settings' least values (veille's own, and Scrapy's that a negative or zero
# value breaks), and what a smaller one did.
_LEAST: dict[str, tuple[float, str]] = {
    "VEILLE_EXTRACTION_SECONDS": (
        0.1,
        "give a number of seconds of at least 0.1 (default 20): under it every page runs "
        "past its budget and is declined for good (too-slow), never fetched again",
    ),
    "VEILLE_MAX_ARTICLES_PER_ENTRY": (
        1,
        "give a whole number of at least 1 (default 100): under it no article is taken",
    ),
    "VEILLE_MAX_CHILD_SITEMAPS": (0, "give a whole number of at least 0 (default 20)"),
    "VEILLE_STORE_GATHER_SECONDS": (0, "give a number of seconds of at least 0 (default 3)"),
    "VEILLE_DOWNLOAD_DELAY_GRID": (0, "give a number of seconds of at least 0 (default 0.25)"),
    # Scrapy's own, which it takes without a word and every crawl then fails or waits for ever
    "DOWNLOAD_TIMEOUT": (
        0,
        "give a number of seconds above 0 (veille's default 30): at 0 or under every fetch "
        "times out at once, and every source fails each cycle",
    ),
    "CONCURRENT_REQUESTS": (
        1,
        "give a whole number of at least 1 (veille's default 16): under it Scrapy sends no "
        "request, and every crawl waits until its time runs out",
    ),
    "CONCURRENT_REQUESTS_PER_DOMAIN": (
        1,
        "give a whole number of at least 1 (veille's default 2): under it Scrapy sends no "
        "request to any site",
    ),
    "CONCURRENT_ITEMS": (1, "give a whole number of at least 1 (veille's default 1)"),
    "DOWNLOAD_DELAY": (0, "give a number of seconds of at least 0 (veille's default 1.0)"),
    "RETRY_TIMES": (0, "give a whole number of at least 0 (veille's default 2)"),
    "REDIRECT_MAX_TIMES": (0, "give a whole number of at least 0 (Scrapy's default 20)"),
    "DOWNLOAD_MAXSIZE": (0, "give a number of bytes of at least 0 (0: no limit)"),
    "DOWNLOAD_WARNSIZE": (0, "give a number of bytes of at least 0 (0: no warning)"),
    "AUTOTHROTTLE_START_DELAY": (0, "give a number of seconds of at least 0 (default 1.0)"),
    "AUTOTHROTTLE_MAX_DELAY": (0, "give a number of seconds of at least 0 (default 30.0)"),
    "AUTOTHROTTLE_TARGET_CONCURRENCY": (
        0,
        "give a number above 0 (default 1.0): at 0 or under, Scrapy turns AutoThrottle off",
    ),
}


def _scrapy_defaults() -> dict[str, object]:
    """Scrapy's default settings by name (None where not a literal), read from the source of
    its default_settings module: importing the module imports all of Scrapy, 0.15 CPU-s more
    for every command run with VEILLE_CRAWL_SETTINGS set."""
    import ast
    import importlib.util

    spec = importlib.util.find_spec("scrapy")
    if spec is None or spec.origin is None:
        return {}
    source = Path(spec.origin).parent / "settings" / "default_settings.py"
    try:
        text = source.read_text(encoding="utf-8")
    except OSError:  # a Scrapy installed as compiled files only: import the module after all
        from scrapy.settings import default_settings

        return {name: value for name, value in vars(default_settings).items() if name.isupper()}
    defaults: dict[str, object] = {}
    for node in ast.parse(text).body:
        if isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(target, ast.Name) and target.id.isupper():
                    defaults[target.id] = _literal(node.value)
    return defaults


def _literal(node: Any) -> object:
    """A literal's value, a product of numbers included (1024 * 1024 * 1024); else None."""
    import ast
    import operator

    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult):
        left, right = _literal(node.left), _literal(node.right)
        if isinstance(left, int | float) and isinstance(right, int | float):
            return operator.mul(left, right)
        return None
    try:
        return ast.literal_eval(node)
    except ValueError:
        return None


# veille's settings the crawl reads with Scrapy's getint, int(value): "2.5" or "1e3" stopped
# every crawl at its start.
# Scrapy reads these with getfloat and any number above 0 works (a timeout of half a second):
# only 0 and under are refused.
_ABOVE_ZERO = ("DOWNLOAD_TIMEOUT", "AUTOTHROTTLE_TARGET_CONCURRENCY")
_WHOLE = ("VEILLE_MAX_ARTICLES_PER_ENTRY", "VEILLE_MAX_CHILD_SITEMAPS")


# Scrapy's settings it reads with getint, int(value), in Scrapy 2.19: "2.5" for
# CONCURRENT_REQUESTS stopped every crawl at its start. A whole-number default cannot tell
# them, as DOWNLOAD_DELAY's 0 is read with getfloat; a test holds the list to Scrapy's source.
SCRAPY_WHOLE = frozenset(
    [
        "AWS_MAX_POOL_CONNECTIONS",
        "CLOSESPIDER_ERRORCOUNT",
        "CLOSESPIDER_ITEMCOUNT",
        "CLOSESPIDER_PAGECOUNT",
        "CLOSESPIDER_PAGECOUNT_NO_ITEM",
        "CLOSESPIDER_TIMEOUT_NO_ITEM",
        "CONCURRENT_ITEMS",
        "CONCURRENT_REQUESTS",
        "CONCURRENT_REQUESTS_PER_DOMAIN",
        "CONCURRENT_REQUESTS_PER_IP",
        "DEPTH_LIMIT",
        "DEPTH_PRIORITY",
        "DNSCACHE_SIZE",
        "DOWNLOAD_MAXSIZE",
        "DOWNLOAD_WARNSIZE",
        "FEED_EXPORT_BATCH_ITEM_COUNT",
        "FEED_EXPORT_INDENT",
        "HTTP2_MAX_FRAME_SIZE",
        "HTTPCACHE_EXPIRATION_SECS",
        "MAIL_PORT",
        "MEMUSAGE_LIMIT_MB",
        "MEMUSAGE_WARNING_MB",
        "METAREFRESH_MAXDELAY",
        "REACTOR_THREADPOOL_MAXSIZE",
        "REDIRECT_MAX_TIMES",
        "REDIRECT_PRIORITY_ADJUST",
        "REMOTE_CONTROL_OUTPUT_MAX_BYTES",
        "REMOTE_CONTROL_TRACEBACK_MAX_BYTES",
        "RETRY_PRIORITY_ADJUST",
        "RETRY_TIMES",
        "SCRAPER_SLOT_MAX_ACTIVE_SIZE",
        "URLLENGTH_LIMIT",
    ]
)


def _is_json_object(value: object) -> bool:
    """What Scrapy takes for a dict setting: a dict, or JSON text of an object (a list, or
    text that is not JSON, stopped every crawl at its start)."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return False
    return isinstance(value, dict)


def _is_whole(value: object) -> bool:
    try:
        int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError, OverflowError):
        return False
    return True


def _is_yes_no(value: object) -> bool:
    """What Scrapy's Settings.getbool takes: bool(int(value)), else the strings 'True',
    'true', 'False' and 'false' exactly. It refuses 'TRUE' or ' true' (every crawl stopped
    at its start) and takes 2 or '2'."""
    return _is_whole(value) or value in ("True", "true", "False", "false")


def _is_number(value: object) -> bool:
    if isinstance(value, bool):
        return False
    try:
        return math.isfinite(float(value))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False


def parse_count(value: str, low: int, high: int) -> int:
    """A whole number within [low, high]."""
    if not value.strip().isdigit() or not low <= int(value) <= high:
        raise ValueError(f"{value!r}: give a whole number from {low} to {high}")
    return int(value)


_ENV: dict[str, tuple[str, Callable[[str], Any]]] = {
    "VEILLE_DB": ("db", db_location),
    "VEILLE_SOURCES": ("sources", Path),
    "VEILLE_WATCHLISTS": ("watchlists", Path),
    "VEILLE_SECRETS": ("secrets", Path),
    "VEILLE_CRAWL_TIME_LIMIT": ("crawl_time_limit", parse_time_limit),
    "VEILLE_CRAWL_LOG": ("crawl_log", Path),
    "VEILLE_CRAWL_SETTINGS": ("crawl_settings", parse_crawl_settings),
    "VEILLE_ALERT_MAX_AGE_DAYS": ("alert_max_age_days", parse_max_age_days),
    "VEILLE_DELIVER_EVERY_SECONDS": ("deliver_every_seconds", lambda v: parse_seconds(v, 1, 3600)),
    "VEILLE_CRAWL_WORKERS": ("crawl_workers", lambda v: parse_count(v, 0, 64)),
    "VEILLE_WORKER_MAX_ACTIVE": ("worker_max_active", lambda v: parse_count(v, 1, 256)),
    "VEILLE_WORKER_MAX_CRAWLS": ("worker_max_crawls", lambda v: parse_count(v, 1, 1_000_000)),
    "VEILLE_WORKER_MAX_RSS_MB": ("worker_max_rss_mb", lambda v: parse_count(v, 100, 65536)),
    "VEILLE_WEB_PUBLIC_NAMES": ("web_public_names", parse_public_names),
    "VEILLE_READER_URL": ("reader_url", lambda v: parse_reader_url(v)),
    "VEILLE_PEOPLE_MAIL": ("people_mail", lambda v: parse_people_mail(v)),
    "VEILLE_WEB_EDITORS": ("web_editors", parse_editors),
    "VEILLE_WEB_TIMEZONE": ("web_timezone", parse_timezone),
    WINDOW_VARIABLE: ("story_window_hours", parse_window_hours),
}
# The settings read from the environment alone: the people's mail server and the reader's
# password hash are read from the secrets file too (monitors.people).
ENVIRONMENT_ONLY = frozenset(_ENV) - {"VEILLE_PEOPLE_MAIL"}


def parse_people_mail(value: str) -> str:
    """VEILLE_PEOPLE_MAIL: an apprise mail URL (mailto:// or mailtos://); never shown back, it
    may hold a password."""
    if value.strip().split("://", 1)[0].lower() not in ("mailto", "mailtos"):
        raise ValueError(
            "VEILLE_PEOPLE_MAIL: give an apprise mail URL, e.g. "
            "mailtos://user:${SMTP_PASSWORD}@smtp.example.ma?from=veille@example.ma"
        )
    return value.strip()


def parse_reader_url(value: str) -> str:
    """VEILLE_READER_URL: the http(s) address people open the reader at, without a query."""
    from urllib.parse import urlsplit

    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query:
        raise ValueError(
            f"VEILLE_READER_URL={value!r}: give the address people open the reader at, e.g. "
            "https://veille.example.ma/ (http or https, no query)"
        )
    return value.strip().rstrip("/")


# The files looked up in folders when neither a flag nor the environment names them.
_LOOKED_UP = {
    "sources": locations.SOURCES,
    "watchlists": locations.WATCHLISTS,
    "secrets": locations.SECRETS,
}


# VEILLE_* variables read elsewhere: the CLI's log format, the reader's team password hash, and
# those veille sets for its own processes (a crawl's database, kill points, a worker's profile).
_READ_ELSEWHERE = (
    "VEILLE_LOG_FORMAT",
    "VEILLE_WEB_PASSWORD_HASH",
    "VEILLE_CRAWL_DB",
    "VEILLE_KILL_AT",
    "VEILLE_KILL_LOG",
    "VEILLE_WORKER_PROFILE",
)


def _warn_of_unread_variables() -> None:
    """A VEILLE_* environment variable veille does not read is said at the start when it is
    named as one of its crawl settings or a letter or two from a variable it reads: it was
    ignored without a word (VEILLE_CRAWL_WORKER=4 left one worker; VEILLE_ALLOWED_NETWORKS in
    the environment left every source of the team's network refused). Said, not refused: the
    team's own secrets share the prefix (${VEILLE_SMTP_PASSWORD} in the watchlists file)."""
    read = {*_ENV, *_READ_ELSEWHERE}
    unread = sorted(n for n in os.environ if n.startswith("VEILLE_") and n not in read)
    if not unread:
        return
    import difflib

    import crawler.settings as crawl_defaults

    for name in unread:
        if hasattr(crawl_defaults, name):
            logger.warning(
                "environment variable %s is ignored: it is a crawl setting, read from "
                "VEILLE_CRAWL_SETTINGS only (fix: VEILLE_CRAWL_SETTINGS='{\"%s\": …}')",
                name,
                name,
            )
            continue
        close = difflib.get_close_matches(name, sorted(read), n=1, cutoff=0.85)
        if close:
            logger.warning(
                "environment variable %s is not read by veille: did you mean %s? (a variable "
                "of your own, for a ${…} of the watchlists file, can keep its name)",
                name,
                close[0],
            )


def load_settings(folders: locations.Folders | None = None, **overrides: object) -> Settings:
    """Defaults, then VEILLE_* environment variables, then explicit (CLI) overrides; the
    sources, watchlists and secrets files named by neither are looked up in `folders` (./,
    ~/.config/veille/, /etc/veille/), else the bundled ones are used."""
    values: dict[str, Any] = {}
    for variable, (name, kind) in _ENV.items():
        if os.environ.get(variable):
            try:
                values[name] = kind(os.environ[variable])
            except ValueError as exc:
                problem = str(exc) if variable in str(exc) else f"{variable}: {exc}"
                raise VeilleError(f"environment variable {problem}") from None
    _warn_of_unread_variables()
    values.update({k: v for k, v in overrides.items() if v is not None})
    for name, file_name in _LOOKED_UP.items():
        if name not in values:
            values[name] = locations.find(file_name, folders)
    if "db" in values:
        try:
            values["db"] = db_location(values["db"])
        except ValueError as exc:
            raise VeilleError(f"--db: {exc}") from None
        from crawler.core.secrets import remember_secret
        from crawler.storage.engine import location_passwords

        for password in location_passwords(str(values["db"])):  # never in a log or a message
            remember_secret(password)
    settings = replace(Settings(), **values)
    if WINDOW_VARIABLE in settings.crawl_settings:  # one place sets it, or the two would differ
        raise VeilleError(
            f"VEILLE_CRAWL_SETTINGS: {WINDOW_VARIABLE} is set by the environment variable of "
            f"that name, not as a Scrapy setting: move it out of VEILLE_CRAWL_SETTINGS"
        )
    allowed = settings.crawl_settings.get("VEILLE_ALLOWED_NETWORKS", [])
    try:  # checked here: a bad entry must stop the start, not every crawl
        # as the crawl reads it (Scrapy's getlist): a text is split at its commas
        entries = allowed.split(",") if isinstance(allowed, str) else allowed
        networks([str(a) for a in entries] if isinstance(entries, list) else [str(entries)])
    except ValueError as exc:
        raise VeilleError(f"VEILLE_CRAWL_SETTINGS: {exc}") from None
    try:
        check_crawl_settings(settings.crawl_settings)
    except ValueError as exc:
        raise VeilleError(str(exc)) from None
    if settings.crawl_log is None:
        folder = Path("data") if isinstance(settings.db, str) else settings.db.parent
        settings = replace(settings, crawl_log=folder / "crawl.log")
    return settings


def check_crawl_log(path: Path, *, make: bool = True) -> None:
    """The crawl log can be appended to, its folder made if missing: checked before a run
    starts, since each crawl (or the daemon's first crawl worker) opens it and a folder, or a
    path under a file, stopped it with a traceback. With `make` False, whether it could be,
    making nothing: a start refused after it (a database a newer veille migrated) left the
    log and its folders behind."""
    try:
        if make:
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("ab"):
                pass
        else:
            _could_append(path)
    except OSError as exc:
        raise VeilleError(
            f"the crawl log {str(path)!r} cannot be written ({exc.strerror or exc}): set "
            "VEILLE_CRAWL_LOG to a file in a folder veille can write, e.g. data/crawl.log"
        ) from None


def _could_append(path: Path) -> None:
    """Raise the error appending to `path`, its missing folders made, would raise; make nothing."""
    if path.is_dir():
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(path))
    folder = path.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    if not folder.is_dir():
        raise NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), str(folder))
    if not os.access(path, os.W_OK) if path.exists() else not os.access(folder, os.W_OK | os.X_OK):
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(path))


@dataclass
class Config:
    """Sources, rules and their delivery, all fully validated: a daemon never runs on half a
    configuration. `rules` and `delivery` are the two halves of the watchlists file
    (monitors.service.watchlists)."""

    settings: Settings
    sources: SourceList
    rules: RuleSet
    delivery: DeliveryConfig

    @functools.cached_property
    def matcher(self) -> Matcher:
        """Compiled once per configuration (a reload builds a new Config, hence a new matcher)."""
        from monitors.rules.matcher import Matcher

        return Matcher.for_rules(self.rules)


def load_config(settings: Settings) -> Config:
    """Sources and watchlists, loaded and checked against each other."""
    from crawler.core.secrets import load_secrets_file
    from crawler.discovery.sources import load_sources
    from monitors.alerts.channels import describe_unusable_channels
    from monitors.rules.watchlists import validate_sources_referenced
    from monitors.service.watchlists import load_watchlists

    sources = load_sources(settings.sources)
    secrets = load_secrets_file(settings.secrets, environment_only=ENVIRONMENT_ONLY)
    rules, delivery = load_watchlists(settings.watchlists, secrets)
    validate_sources_referenced(rules, {s.name for s in sources.sources})
    for warning in describe_unusable_channels(delivery.channels):
        logger.warning("%s; its alerts go to the console and stay in the database", warning)
    _check_people_mail(settings)
    return Config(settings, sources, rules, delivery)


def _check_people_mail(settings: Settings) -> None:
    """VEILLE_PEOPLE_MAIL checked as the channels are, when the configuration is loaded: one
    apprise cannot use (no host, a port past 65535) started the daemon, and every person's
    alert then failed, said only in each delivery's stored reason. Never shown back."""
    from monitors.alerts.channels import check_apprise_url
    from monitors.people import mail as people_mail

    people = people_mail.for_settings(settings)
    read_from = people.read_from
    if people.mail_url is None:  # not set, or a ${VAR} of it not set: said when a person's
        # alert is sent; apprise's own retries are refused now, as written
        retry = people_mail.template_retries(people.template or "")
        if retry:
            raise people_mail.retry_refused(read_from, retry)
        return
    check_apprise_url(
        people_mail.address_url(people.mail_url, "person@example.ma"),
        read_from.path or "VEILLE_PEOPLE_MAIL",
        read_from.line or 0,  # no line: an environment variable
        "people's mail",
        retry_refused=functools.partial(people_mail.retry_refused, read_from),
    )
