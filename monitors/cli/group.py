"""The `veille` group: its global options, the settings they make, and the one-line answer
to a VeilleError or a database error."""

from __future__ import annotations

import contextlib
import errno
import os
import sys
from pathlib import Path
from typing import Any

import click

from crawler.core.errors import VeilleError
from monitors.cli.logs import setup_logging
from monitors.terminal import echo


def _hoist_global_options(group: click.Group, args: list[str]) -> list[str]:
    """Moves the global options written after the command (`veille status --db x.db`, the most
    common slip) to before it, where click looks for them. No subcommand reuses a global option's
    name (tests/test_cli_usage.py holds it), so a moved token is never a subcommand's own; --help
    and --version stay where they are (after a command, --help is that command's help)."""
    takes_value: set[str] = set()
    flags: set[str] = set()
    for param in group.params:
        if isinstance(param, click.Option) and param.name != "version":
            (flags if param.is_flag else takes_value).update(param.opts)
    i = 0
    while i < len(args):  # the global options already in front, up to the command's name
        token = args[i]
        if token == "--" or not token.startswith("-"):
            break
        i += 2 if token in takes_value else 1
    front, rest = list(args[:i]), list(args[i:])
    moved: list[str] = []
    kept: list[str] = []
    j = 0
    while j < len(rest):
        token = rest[j]
        if token == "--":
            kept.extend(rest[j:])
            break
        name = token.split("=", 1)[0]
        if token in takes_value:
            moved.extend(rest[j : j + 2])
            j += 2
        elif name in takes_value or token in flags:
            moved.append(token)
            j += 1
        else:
            kept.append(token)
            j += 1
    return front + moved + kept


class _Invocation(dict):
    """What the commands of one invocation share (`settings`, then `rules`, `config`…). The
    settings are loaded when a command first asks for them: `veille COMMAND --help` loads none
    of the storage and story modules they bring (a bad VEILLE_* variable still stops the
    command, with the same one-line message, when it runs)."""

    def __init__(self, flags: dict[str, Any]) -> None:
        super().__init__()
        self.flags = flags

    def __missing__(self, key: str) -> object:
        if key != "settings":
            raise KeyError(key)
        from monitors.service.config import load_settings

        self["settings"] = load_settings(**self.flags)
        return self["settings"]


def _database_errors() -> tuple[type[BaseException], ...]:
    """The storage layer's errors, asked only when a command ends in an exception (click ends
    `--help` with one). None when the storage layer was never loaded: no database was opened,
    so none of its errors can have been raised, and `veille COMMAND --help` loads no storage."""
    if "crawler.storage.engine" not in sys.modules:
        return ()
    from crawler.storage.engine import database_errors

    return database_errors()


class _Veille(click.Group):
    """Turns every VeilleError into a one-line message and exit status 2, no traceback; takes the
    global options after the command as well as before it."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        return super().parse_args(ctx, _hoist_global_options(self, args))

    def invoke(self, ctx: click.Context) -> Any:  # what the command returns (click's type)
        try:
            result = super().invoke(ctx)
            _check_databases_read(ctx)
            return result
        except VeilleError as exc:
            echo(f"error: {exc}", err=True)
            ctx.exit(2)
        except _database_errors() as exc:  # disk full, a damaged page, a server gone mid-command
            from crawler.storage import store

            settings = (ctx.obj or {}).get("settings")
            where = settings.db if settings else "the database"
            try:  # a page torn by a write while it was read is no damage: said so
                _check_databases_read(ctx)
            except VeilleError as torn:
                echo(f"error: {torn}", err=True)
                ctx.exit(2)
            echo(f"error: {store.explain_error(where, exc)}", err=True)
            ctx.exit(2)
        except OSError as exc:
            if exc.errno not in _DISK_FULL:
                raise
            # A full disk under a file, or under the answer itself (`veille export > m.csv`):
            # what the answer still buffers goes nowhere, so that leaving does not fail again.
            with contextlib.suppress(OSError, ValueError):
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            what = exc.filename or "the answer"
            echo(
                f"error: cannot write {what} ({exc.strerror}): free some space, or write to "
                "another disk",
                err=True,
            )
            ctx.exit(2)


_DISK_FULL = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)


def _log_format_of_environment() -> str:
    """VEILLE_LOG_FORMAT, said as the variable it is when it is neither text nor json: as the
    option's default it was refused as « Invalid value for '--log-format' », an option the user
    never gave, under the whole usage."""
    value = os.environ.get("VEILLE_LOG_FORMAT", "").strip()
    if value.lower() in ("", "text", "json"):
        return value.lower() or "text"
    raise VeilleError(
        f"environment variable VEILLE_LOG_FORMAT={value[:40]!r}: give text (the default) or json "
        "(one JSON object per line)"
    )


def _check_databases_read(ctx: click.Context) -> None:
    """A DatabaseError when a database the command read without SQLite's WAL index (a database
    of another user's, see store.check_not_written) was written while it was read."""
    databases = (ctx.obj or {}).get("databases_read") or ()
    if databases:
        from crawler.storage import store

        for db in databases:
            store.check_not_written(db)


@click.group(cls=_Veille, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="veille", message="%(prog)s %(version)s")
@click.option(
    "--db",
    help="SQLite file, or postgresql://… [env VEILLE_DB; data/veille.db]",
)
@click.option(
    "--sources", type=click.Path(path_type=Path), help="sources YAML [env VEILLE_SOURCES]"
)
@click.option(
    "--watchlists", type=click.Path(path_type=Path), help="watchlists YAML [env VEILLE_WATCHLISTS]"
)
@click.option(
    "--secrets", type=click.Path(path_type=Path), help="KEY=VALUE secrets file [env VEILLE_SECRETS]"
)
@click.option(
    "--log-level",
    default="INFO",
    show_default=True,
    type=click.Choice(["DEBUG", "INFO", "WARNING", "ERROR"], case_sensitive=False),
    help="The least important messages logged.",
)
@click.option(
    "--log-format",
    type=click.Choice(["text", "json"]),
    help="text, or one JSON object per line [env VEILLE_LOG_FORMAT]",
)
@click.pass_context
def cli(
    ctx: click.Context,
    db: str | None,
    sources: Path | None,
    watchlists: Path | None,
    secrets: Path | None,
    log_level: str,
    log_format: str | None,
) -> None:
    """veille — veille de la presse tech marocaine / Moroccan tech press monitoring."""
    setup_logging(log_level, log_format or _log_format_of_environment())
    ctx.obj = _Invocation(dict(db=db, sources=sources, watchlists=watchlists, secrets=secrets))
