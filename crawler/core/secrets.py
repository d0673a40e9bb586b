"""Secrets of the configuration (channel URLs, the people's mail, the database and reader passwords):
`${VAR}` substitution from the environment or a secrets file kept
outside the repository, and a log filter that masks every secret value wherever it appears."""

from __future__ import annotations

import logging
import os
import re
import stat
from collections.abc import Collection
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

from crawler.core.errors import ConfigError

_VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
MASK = "***"

# Every secret value seen while resolving channels; the redactor masks them all.
_KNOWN_SECRETS: set[str] = set()
# Secrets of three characters, masked only where they stand alone (between characters that are
# not letters, digits or _: /hooks/x9Z, ?token=k2p): masked inside words, they would hide every
# « abc » of the logs' words. Shorter values are no secret and never masked.
_SHORT_SECRETS: set[str] = set()

logger = logging.getLogger(__name__)

# What was already warned of about a secrets file, by kind and place: the reader reads the file
# per request, and each warning is said once a process.
_WARNED: set[tuple[object, ...]] = set()


def _warn_once(key: tuple[object, ...], message: str, *args: object) -> None:
    """Log `message` % `args` as a warning, unless the warning of `key` was already said."""
    if key in _WARNED:
        return
    _WARNED.add(key)
    logger.warning(message, *args)


def load_secrets_file(
    path: str | Path | None, environment_only: Collection[str] = ()
) -> dict[str, str]:
    """Read KEY=VALUE lines (shell style, '#' comments) from a secrets file, if given.
    `environment_only`: names of settings read from the environment alone, warned of here."""
    if not path:
        return {}
    path = Path(path)
    values: dict[str, str] = {}
    lines_of: dict[str, int] = {}  # the line each name was last given on
    try:
        # utf-8-sig: a file saved by Notepad begins with a byte order mark, which made its
        # first line's name no name ('expected KEY=VALUE' of a line that reads right)
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except FileNotFoundError:
        raise ConfigError(
            str(path), None, "secrets file not found", "check VEILLE_SECRETS"
        ) from None
    except UnicodeDecodeError as exc:
        # the bytes decoded, which exc.start counts in: after the byte order mark, if any
        bad_line = exc.object[: exc.start].count(b"\n") + 1
        raise ConfigError(
            str(path), bad_line, "the secrets file is not UTF-8 text", "save it as UTF-8"
        ) from None
    except OSError as exc:
        raise ConfigError(
            str(path),
            None,
            f"the secrets file cannot be read ({exc.strerror or exc})",
            "check VEILLE_SECRETS points to a readable file",
        ) from None
    warn_if_others_may_read(path)
    for number, line in enumerate(lines, start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        key, sep, value = stripped.removeprefix("export ").partition("=")
        if not sep or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key.strip()):
            # Never echo the line: it may hold a secret.
            raise ConfigError(str(path), number, "expected KEY=VALUE", "one variable per line")
        name = key.strip()
        if name in lines_of:
            _warn_of_repeated(path, name, lines_of[name], number, bool(_unquoted(value.strip())))
        lines_of[name] = number
        values[name] = _unquoted(value.strip())
        if re.search(r"\s#", value.strip()) and values[name] == value.strip():  # unquoted
            _warn_of_inline_comment(path, name, number)
        # the same file given to docker as --env-file (the Dockerfile's way) set it: read
        if name in environment_only and os.environ.get(name) != values[name]:
            _warn_of_setting(path, name, number)
    return values


def _warn_of_setting(path: Path, name: str, number: int) -> None:
    """A setting of veille's own written in the secrets file (VEILLE_READER_URL, as an env-file
    holds it) is not read there: veille reads its settings from the environment. Said once, with
    its line, where it was ignored without a word."""
    _warn_once(
        ("setting", str(path), name, number),
        "secrets file %s, line %d: %s is a setting veille reads from the environment only, not "
        "from the secrets file: set it in the environment (a systemd unit's Environment=, "
        "docker's --env-file), or remove the line",
        path,
        number,
        name,
    )


def _warn_of_inline_comment(path: Path, name: str, number: int) -> None:
    """A value holding « # » after a space or a tab (« HOOK=abc  # the team's hook ») is taken
    whole, as docker's --env-file and systemd take it, where a shell would cut the comment off:
    the channel then failed on a token with a comment in it, with no word of why. Said, the
    value unsaid."""
    _warn_once(
        ("comment", str(path), name, number),
        "secrets file %s, line %d: the value of %s holds « #» after a space and is taken whole, "
        "comment included: put a comment on a line of its own, or quote the value if the « #» "
        "is part of it",
        path,
        number,
        name,
    )


def _warn_of_repeated(path: Path, name: str, first: int, again: int, has_value: bool) -> None:
    """A name given twice takes its last line's value, as a shell does: a line added at the top
    of `veille init`'s template (VEILLE_SMTP_PASSWORD=…) left its empty line below, which won,
    and the channel was off, said as « set VEILLE_SMTP_PASSWORD » of a variable that is set."""
    _warn_once(
        ("repeated", str(path), name, first, again),
        "secrets file %s: %s is given on line %d and again on line %d, whose value (%s) "
        "is the one taken: remove one of the two lines",
        path,
        name,
        first,
        again,
        "set" if has_value else "empty",
    )


def warn_if_others_may_read(
    path: Path,
    what: str = "secrets file",
    instead: str = "keep the secrets in the environment",
) -> None:
    """Warn, once per file and mode, when users other than its owner may read or write a file
    of secrets (the secrets file, a channel's apprise configuration file, a watchlists file
    with a channel's password written in it; mode 644 of a plain `cp` or editor): its SMTP
    passwords and webhook tokens are then anyone's on the machine. A warning, as pgpass's and
    ssh's checks, not a refusal: a read-only mount (a container's secret) cannot always be
    changed by whoever runs veille."""
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except OSError:
        return
    if not mode & 0o077:
        return
    who = "other users" if mode & 0o007 else "its group"
    _warn_once(
        ("open", str(path), mode),
        "%s %s is open to %s (mode %03o), who may read its passwords and tokens: "
        "run `chmod 600 %s` (or %s)",
        what,
        path,
        who,
        mode,
        path,
        instead,
    )


def _unquoted(value: str) -> str:
    """A value without the one pair of quotes around it, as a shell reads 'x' and "x": every
    quote at either end was taken off, so a password ending in a quote (Sup3r" or 'x"y"')
    was read without it, and the channel's login failed with no word of why."""
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    return value


def substitute(text: str, values: dict[str, str]) -> tuple[str, list[str]]:
    """Replace ${VAR} with its value; returns the text and the names of missing variables.

    Substituted values are remembered as secrets so logs never show them.
    """
    missing: list[str] = []

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        # The environment wins over the secrets file (docs/configuration.md), and an empty line
        # of the file (`veille init`'s template) never hides a variable set in the environment.
        value = os.environ.get(name) or values.get(name)
        if value is None or value == "":
            missing.append(name)
            return ""
        remember_secret(value)
        return value

    return _VARIABLE.sub(replace, text), missing


def writes_a_secret(template: str, values: dict[str, str]) -> bool:
    """Whether a channel's URL as a file writes it (before its ${VAR}s are substituted) holds a
    secret in its own words: a password or token remembered from it, not a value one of its own
    ${VAR}s gives (from `values`, the secrets file's, or the environment), which it may write out
    elsewhere without giving it away (the SMTP user « veille » in from=veille@…; a host another
    channel takes from a ${VAR} is no secret, forget_mail_names). A password the secrets give
    another channel, written here, is one."""
    # the values its own ${VAR}s give: another channel's server and login are no secrets
    # (forget_mail_names), and its password written here is one
    given = {os.environ.get(name) or values.get(name) for name in _VARIABLE.findall(template)}
    written = _VARIABLE.sub(" ", template)
    if any(s in written for s in _KNOWN_SECRETS.difference(given)):
        return True
    return any(
        re.search(rf"(?<!\w){re.escape(s)}(?!\w)", written)
        for s in _SHORT_SECRETS.difference(given)
    )


_HOST_NAME = re.compile(r"[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")


def forget_mail_server(host: str | None) -> None:
    """The SMTP server a ${VAR} gives (`veille init`'s mailtos://…@${VEILLE_SMTP_HOST}) is no
    secret: remembered as one by `substitute`, it was masked in the one word that said where a
    delivery failed (« Connection error while submitting email to "***" »), in the log and in
    the delivery's stored reason. Only a mail channel's host: other schemes keep tokens there."""
    if host and _HOST_NAME.fullmatch(host):
        _KNOWN_SECRETS.discard(host)
        _SHORT_SECRETS.discard(host)


def forget_mail_login(login: str | None, password: str | None) -> None:
    """The SMTP login a ${VAR} gives (mailtos://${SMTP_USER}:${SMTP_PASSWORD}@…, or ?user=) is
    no secret either: apprise shows it in the URL it writes for people to read, and remembered
    as one by `substitute`, a login « veille » masked every « veille » of the log
    (« /var/lib/***/***.db »). The password stays a secret, even when it is the login too, and
    so does a login that looks like a key (Mailjet's API key, an SES access key id: _looks_like_
    token), which some providers give as the login beside the secret."""
    if login and _looks_like_token(unquote(login)):
        return
    if login and login != password and login != unquote(password or ""):
        for value in (login, unquote(login)):
            _KNOWN_SECRETS.discard(value)
            _SHORT_SECRETS.discard(value)


def forget_mail_port(port: object, password: str | None) -> None:
    """The SMTP port a ${VAR} gives (mailtos://…@${SMTP_HOST}:${SMTP_PORT}): a secret of three
    characters is masked wherever it stands alone, so « 587 » hid every 587 of the log (a count,
    a page number, an article's id). Unless the password is that number too."""
    value = str(port) if port is not None else ""
    if value.isdigit() and value != password:
        _KNOWN_SECRETS.discard(value)
        _SHORT_SECRETS.discard(value)


def forget_mail_names(url: str) -> None:
    """A mail channel's server, port and login name where to send, not how to get in: only its
    password stays masked in logs and stored reasons. VEILLE_PEOPLE_MAIL's too."""
    from apprise.utils.parse import parse_url

    parsed = parse_url(url, verify_host=False) or {}
    forget_mail_server(parsed.get("host"))
    password = parsed.get("password") or (parsed.get("qsd") or {}).get("pass")
    for login in (parsed.get("user"), (parsed.get("qsd") or {}).get("user")):
        forget_mail_login(login, password)
    forget_mail_port(parsed.get("port"), password)


def remember_secret(value: str) -> None:
    if len(value) >= 4:
        _KNOWN_SECRETS.add(value)
    elif len(value) == 3:
        _SHORT_SECRETS.add(value)


def remember_url_secrets(url: str) -> None:
    """Treat the password of a channel URL as written, and its login, path and query words that
    look like a token, as secrets: a generic webhook (json://, form://) may hold its token there and
    apprise marks none of it. A token here is a word of 12 characters or more mixing letters
    and digits, or of 16 letters or more in mixed case, not an address: ordinary words
    (notifications), host names (smtp-relay-01) and recipients stay readable. The tokens each apprise plugin keeps elsewhere (a Telegram or
    Pushover host, a Slack path, a Pushbullet o.… or SendGrid SG.… key) are remembered from
    apprise's own account of them, remember_hidden_parts."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return
    if parts.password:
        remember_secret(parts.password)
        remember_secret(unquote(parts.password))
    if parts.username:  # a key as the login (an SES access key id), as ?user= would give it
        remember_token_words(unquote(parts.username))
    for word in re.split(r"[/?&=]", parts.path + "?" + parts.query):
        remember_token_words(unquote(word))


def remember_token_words(text: str) -> None:
    """Treat the words of `text` that look like a token as secrets (a header's value: Bearer
    <token>), also as apprise writes them back in the URL it logs (a base64 token's / + =
    percent-encoded)."""
    for piece in text.split():
        if _looks_like_token(piece):
            remember_secret(piece)
            remember_secret(quote(piece, safe=""))


def _looks_like_token(word: str) -> bool:
    """12 characters or more mixing letters and digits, or 16 letters or more in mixed case
    (not a word in lower case or capitalised): a random token of letters alone is as likely as
    not at 16 characters drawn from both cases, and a generic webhook's path, query and header
    (json://host/hooks/QwErTy…) are written whole in apprise's debug log and its socket
    errors. A word in camel case that long is masked too: readability lost, no secret shown."""
    if "@" in word:
        return False
    if len(word) >= 12 and any(c.isdigit() for c in word) and any(c.isalpha() for c in word):
        return True
    return len(word) >= 16 and word.isalpha() and not (word.islower() or word.istitle())


# The characters that separate the parts of a URL apprise writes: each part is either written
# as is in both of its forms or hidden whole in the private one.
_URL_PARTS = re.compile(r"[/?&=@:#,]")


def remember_hidden_parts(plain: str, private: str, readable: Collection[str] = ()) -> None:
    """Treat as secrets the parts of a channel's URL that apprise itself hides when it writes
    the URL for people to read: `plain` and `private` are its plugin's url(privacy=False) and
    url(privacy=True). Each plugin marks its own passwords, keys and tokens, wherever in the
    URL it keeps them; a private part is quoted in `plain` (a bot token's ':' as %3A), so the
    two URLs have their parts in the same places. A hidden word among `readable`, the values
    the plugin does not count as secrets (PagerDuty's source, an SMSC login), stays readable."""
    shown, hidden = _URL_PARTS.split(plain), _URL_PARTS.split(private)
    if len(shown) != len(hidden):  # not expected: keep the password and token-like words
        remember_url_secrets(plain)
        return
    for part, masked in zip(shown, hidden, strict=True):
        if part != masked and not _is_readable(unquote(part), readable):
            remember_secret(part)
            remember_secret(unquote(part))
            for piece in re.split(r"[:@]", unquote(part)):  # a bot token's number and key
                if not _is_readable(piece, readable):
                    remember_secret(piece)


def _is_readable(text: str, readable: Collection[str]) -> bool:
    """A word as people write one, in lower case or capitalised (« veille », « Notification »),
    that the plugin does not count as a secret: masked, it would hide that word in every log
    line. A human's password is a word too, but the plugin counts it as a secret (Twist's, in
    the URL's user part)."""
    return text in readable and text.isalpha() and (text.islower() or text.istitle())


def redact(text: str) -> str:
    """Mask every known secret value in a text (longest first, so no fragment survives)."""
    for secret in sorted(_KNOWN_SECRETS, key=len, reverse=True):
        if secret in text:
            text = text.replace(secret, MASK)
    for secret in _SHORT_SECRETS:
        if secret in text:
            text = re.sub(rf"(?<!\w){re.escape(secret)}(?!\w)", MASK, text)
    return text


class RedactingFilter(logging.Filter):
    """Masks secrets in every log record that passes through the handler it is attached to."""

    def filter(self, record: logging.LogRecord) -> bool:
        if _KNOWN_SECRETS or _SHORT_SECRETS:
            message = record.getMessage()
            clean = redact(message)
            if clean != message:
                record.msg, record.args = clean, None
            if record.exc_info and record.exc_info[1] is not None:
                record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
                record.exc_info = None
        return True
