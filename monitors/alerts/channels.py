"""Notification channels: the named apprise URLs (or apprise config files) of the watchlists
file, with their secrets substituted, checked so that a value can never move a message to
another host, and their combined morning digest."""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import apprise
import yaml
from apprise.utils.parse import parse_url

from crawler.core.errors import ConfigError
from crawler.core.secrets import (
    forget_mail_names,
    redact,
    remember_hidden_parts,
    remember_token_words,
    remember_url_secrets,
    substitute,
    warn_if_others_may_read,
    writes_a_secret,
)
from crawler.core.yamlfile import LineDict, reject_unknown_keys, require_mapping, string_list
from monitors.alerts.policy import DEFAULT_TIMEZONE, parse_delivery_policy
from monitors.rules.watchlists import NAME  # channel names are written as watchlist names

logger = logging.getLogger(__name__)

CONSOLE = "console"
_CHANNEL_KEYS = {"url", "config", "tags", "description", "digest", "timezone", "language"}


@dataclass(frozen=True)
class Channel:
    """A named notification target: an apprise URL, or an apprise config file (`config`) whose
    entries are chosen by apprise `tags`. `url` is None when a ${VAR} it needs is not set."""

    name: str
    url: str | None
    missing: tuple[str, ...] = ()
    line: int = 0
    config: str | None = None
    tags: tuple[str, ...] = ()
    # A morning review: every alert to this channel, whatever its watchlist, waits for this
    # crontab (in `timezone`) and goes out in one message, a section per watchlist.
    digest: str | None = None
    timezone: str = DEFAULT_TIMEZONE
    language: str = "fr"

    @property
    def usable(self) -> bool:
        return self.url is not None or self.config is not None


class _HeldWords(logging.Filter):
    """apprise's log records of this thread while it reads one URL: its warnings kept for the
    error, or said under the channel's name when apprise takes the URL, none logged as is
    (one of them repeats the URL, its password shown by its first and last letters). Other
    threads (a daemon delivering while it reloads) log as usual."""

    def __init__(self, pass_debug: bool = False) -> None:
        super().__init__()
        self.pass_debug = pass_debug  # its DEBUG and INFO lines logged (masked) as usual
        self.thread = threading.get_ident()
        self.warnings: list[str] = []
        # what apprise says it left out of a configuration file: an entry it could not load
        # (ERROR), a line it could not read (« Unparseable … on line 3 »)
        self.dropped: list[str] = []

    def filter(self, record: logging.LogRecord) -> bool:
        if record.thread != self.thread:
            return True
        if record.levelno < logging.WARNING:
            return self.pass_debug
        self.warnings.append(record.getMessage())
        if record.levelno >= logging.ERROR or record.getMessage().startswith("Unparseable"):
            self.dropped.append(record.getMessage())
        return False


# The port of a URL's host part (after any login), when it is written in digits: apprise takes
# « json://host:99999/ » and every delivery then fails on it. A Telegram bot token's colon
# (« tgram://123456:ABC…/chat ») is no port: only digits to the end of the host part count.
_DIGIT_PORT = re.compile(r"^[^/?#]*?(?:@|^)[^/?#@]*:(\d+)(?=[/?#]|$)")


def check_apprise_url(
    url: str,
    path: str,
    line: int,
    name: str,
    retry_refused: Callable[[int], ConfigError] | None = None,
) -> None:
    """`url` refused with `path` and `line` when apprise cannot use it as it is meant
    (refuse_apprise_retry); `retry_refused` gives the error of a URL with retries where the
    channel's does not say where the URL was read and how to fix it (VEILLE_PEOPLE_MAIL's)."""
    remember_url_secrets(url)
    port = _DIGIT_PORT.match(url.split("://", 1)[1]) if "://" in url else None
    if port and int(port[1]) > 65535:
        raise ConfigError(
            path,
            line,
            f"channel {name!r}: port {port[1]} is past 65535, the highest there is",
            "write the port the service listens on, or leave it out for the scheme's own",
        )
    held, apprise_log = _HeldWords(), logging.getLogger("apprise")
    apprise_log.addFilter(held)
    try:
        plugin = apprise.Apprise.instantiate(url, suppress_exceptions=True)
    finally:
        apprise_log.removeFilter(held)
    if plugin is None:
        scheme = url.split("://", 1)[0] if "://" in url else "(no scheme)"
        why = " ".join(w.strip() for w in held.warnings if "://" not in w and w.strip())
        raise ConfigError(
            path,
            line,
            f"channel {name!r}: not a valid apprise URL (scheme {scheme!r})"
            + (f": apprise says: {redact(why)[:300]}" if why else ""),
            "see https://github.com/caronc/apprise/wiki for URL formats, e.g. mailtos://, slack://",
        )
    remember_hidden_parts(plugin.url(privacy=False), plugin.url(privacy=True), _public(plugin))
    if retry_refused is not None and apprise_retries(plugin):
        raise retry_refused(apprise_retries(plugin))
    refuse_apprise_retry(plugin, path, line, name)
    for words in held.warnings:  # a URL apprise takes, less a part it drops (a bad recipient)
        if "://" not in words and words.strip():
            logger.warning("channel %r: apprise says: %s", name, redact(words.strip()))


def refuse_apprise_retry(plugin: object, path: str, line: int, name: str) -> None:
    """apprise's own retries (retry= in a URL, `retry:` in its configuration file) send a
    message again at once, within one delivery, whenever apprise calls it failed, a webhook
    answering after the read timeout included: with retry=2 such a webhook got three copies
    of one alert, and veille could not know. veille retries failed sends itself, with
    backoff, and never one that may have arrived."""
    retry = apprise_retries(plugin)
    if retry:
        raise ConfigError(
            path,
            line,
            f"channel {name!r}: retry={retry} makes apprise send a message again at once "
            "whenever it calls a send failed, one whose answer came late included (a copy "
            "each time)",
            "remove retry= (and wait=) from the URL or the apprise configuration: veille "
            "retries a failed send itself, with backoff, and never one that may have arrived",
        )


def apprise_retries(plugin: object) -> int:
    """How many times apprise sends a message again at once through `plugin` (its retry=)."""
    retry = getattr(plugin, "retry", 0)
    return retry if isinstance(retry, int) and retry > 0 else 0


def _public(plugin: object) -> set[str]:
    """The values of a plugin's URL parts its template does not mark private (PagerDuty's source
    and component, an SMSC login): apprise hides them with the keys all the same."""
    values = set()
    for name, spec in getattr(type(plugin), "template_tokens", {}).items():
        if isinstance(spec, dict) and not spec.get("private"):
            value = getattr(plugin, spec.get("map_to", name), None)
            if isinstance(value, str):
                values.add(value)
    return values


def _text_of(config: Path) -> str:
    try:
        return config.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""  # apprise says it cannot read it


def _config_channel(name: str, spec: LineDict, path: str, line: int) -> Channel:
    """A channel backed by an apprise configuration file (YAML or TEXT), accepted as is."""
    config = Path(str(spec["config"])).expanduser()
    if not config.is_absolute():
        config = Path(path).parent / config
    if not config.is_file():
        raise ConfigError(
            path,
            spec.line_of("config"),
            f"channel {name!r}: apprise config file {str(config)!r} not found",
        )
    # Its URLs' passwords and token-like words taken for secrets before apprise reads it:
    # apprise logs each URL it loads, and the token of one it refuses.
    warn_if_others_may_read(config, f"channel {name!r}: apprise configuration file")
    text = _text_of(config)
    for url in re.findall(r"[A-Za-z][A-Za-z0-9+.-]*://[^\s'\"]+", text):
        remember_url_secrets(url)
    # and the values of the arguments a YAML file gives under a URL (`- +X-Token: …`), which
    # apprise writes in the URL it logs
    for value in re.findall(r"^[ \t-]*[^\s:#'\"]+[ \t]*:[ \t]+(.+)$", text, re.MULTILINE):
        remember_token_words(value.replace("'", " ").replace('"', " "))
    held, apprise_log = _HeldWords(pass_debug=True), logging.getLogger("apprise")
    apprise_log.addFilter(held)
    try:
        loaded = apprise.AppriseConfig()
        loaded.add(str(config))
        services = loaded.services()
    except yaml.YAMLError as exc:  # a NUL or a control character: apprise lets PyYAML's error out
        raise ConfigError(
            path,
            spec.line_of("config"),
            f"channel {name!r}: apprise cannot read {str(config)!r} "
            f"({' '.join(str(exc).split())[:200]})",
            "save it as YAML or apprise's TEXT format; check it with `apprise --config FILE "
            "--dry-run`",
        ) from None
    finally:
        apprise_log.removeFilter(held)
    if held.dropped:  # the channel would send to part of its targets, without a word
        raise ConfigError(
            path,
            spec.line_of("config"),
            f"channel {name!r}: apprise could not load every entry of {str(config)!r}: "
            + redact("; ".join(w.strip() for w in held.dropped))[:400],
            "fix or remove those entries; check the file with `apprise --config FILE --dry-run`",
        )
    for words in held.warnings:
        logger.warning("channel %r: apprise says: %s", name, redact(words.strip()))
    for service in services:  # its URLs' passwords and tokens, as an inline URL's
        remember_url_secrets(service.url(privacy=False))
        remember_hidden_parts(
            service.url(privacy=False), service.url(privacy=True), _public(service)
        )
        refuse_apprise_retry(service, path, spec.line_of("config"), name)
    if not services:
        raise ConfigError(
            path,
            spec.line_of("config"),
            f"channel {name!r}: no notification service found in {str(config)!r}",
            "check it with `apprise --config FILE --dry-run`",
        )
    tags = tuple(string_list(spec.get("tags"), path, spec.line_of("tags"), "tags"))
    for tag in tags:  # « presse:2 » retries (as retry=2), « 3:presse » picks a priority
        if ":" in tag:
            raise ConfigError(
                path,
                spec.line_of("tags"),
                f"channel {name!r}: tag {tag!r} holds ':', which apprise reads as a retry count "
                "(« presse:2 » sends again at once, a copy each time) or a priority (« 3:presse »)",
                "give the tag alone, as the apprise configuration file writes it: veille "
                "retries a failed send itself, with backoff",
            )
    return Channel(name, None, (), line, str(config), tags)


def parse_channels(
    raw: object, path: str, line: int, secrets: dict[str, str], errors: list[ConfigError]
) -> dict[str, Channel]:
    """The channels; each invalid one adds its error to `errors` and stays as an unusable
    placeholder, so the watchlists that name it are not reported a second time."""
    if raw is None:
        return {}
    channels_map = require_mapping(raw, path, line, "'channels'")
    channels: dict[str, Channel] = {}
    for name, spec in channels_map.items():
        spec_line = channels_map.line_of(str(name))
        try:
            channels[str(name)] = _parse_channel(name, spec, spec_line, path, secrets)
        except ConfigError as exc:
            errors.append(exc)
            channels[str(name)] = Channel(str(name), None, (), spec_line)
    return channels


def _parse_channel(
    name: object, spec: object, spec_line: int, path: str, secrets: dict[str, str]
) -> Channel:
    if not isinstance(name, str) or not NAME.match(name) or name == CONSOLE:
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
        if "config" in spec:
            return _config_channel(name, spec, path, spec_line)
        reject_unknown_keys(spec, _CHANNEL_KEYS, path, f"channel {name!r}")
        url = spec.get("url")
        template = url if isinstance(url, str) else ""
    if not template.strip():
        raise ConfigError(path, spec_line, f"channel {name!r} needs a 'url'", "an apprise URL")
    schedule = _channel_schedule(spec, path) if isinstance(spec, dict) else {}
    url, missing = substitute(template.strip(), secrets)
    if missing:
        return Channel(name, None, tuple(missing), spec_line, **schedule)
    _check_host_kept(template.strip(), url, path, spec_line, name)
    if url.lower().startswith(("mailto://", "mailtos://")):
        forget_mail_names(url)
    check_apprise_url(url, path, spec_line, name)
    if writes_a_secret(template, secrets):  # a password or token written in the file, not a ${VAR}
        warn_if_others_may_read(
            Path(path),
            f"channel {name!r} writes a password or token in its URL, and the watchlists file",
            "write it as ${VAR} with its value in the secrets file",
        )
    return Channel(name, url, (), spec_line, **schedule)


def _channel_schedule(spec: LineDict, path: str) -> dict:
    """A channel's combined digest: its crontab, time zone and language."""
    if spec.get("digest") is None:
        for key in ("timezone", "language"):
            if key in spec:
                raise ConfigError(
                    path, spec.line_of(key), f"'{key}' only applies to a channel with a 'digest'"
                )
        return {}
    schedule = parse_delivery_policy(spec, path)  # the same checks as a watchlist's schedule
    return {key: schedule[key] for key in ("digest", "timezone", "language")}


_PLACEHOLDER = "veillevariable"


def _channel_host(url: str) -> str | None:
    parsed = parse_url(url, verify_host=False)
    return (parsed or {}).get("host")


def _check_host_kept(template: str, url: str, path: str, line: int, name: str) -> None:
    """A ${VAR} value must not change where the message goes: a password with an unencoded
    '@' or '/' makes apprise read part of it as the host (and send credentials there). The
    host is compared as written (variables replaced by a placeholder) and as substituted; the
    message never shows the value."""
    written = _channel_host(re.sub(r"\$\{[A-Za-z_][A-Za-z0-9_]*\}", _PLACEHOLDER, template))
    if written is None or _PLACEHOLDER in written.lower():
        return  # the host itself comes from a variable
    actual = _channel_host(url)
    if actual != written:
        variables = ", ".join(sorted(set(re.findall(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}", template))))
        raise ConfigError(
            path,
            line,
            f"channel {name!r}: once {variables} is substituted the URL's host is no longer "
            f"{written!r}: a value contains a character that ends the user or password part",
            "percent-encode '@' as %40, '/' as %2F, ':' as %3A, '?' as %3F and '#' as %23 in "
            "the value (e.g. in the secrets file)",
        )


def describe_unusable_channels(channels: dict[str, Channel]) -> list[str]:
    """One sentence per channel that cannot send, naming the variables to set (never values)."""
    return [
        f"channel {c.name!r} is off: set {', '.join(c.missing)} (environment or secrets file)"
        for c in channels.values()
        if not c.usable
    ]
