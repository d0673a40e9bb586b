"""The one exception family of veille: every message names what is wrong and how to fix it."""

from __future__ import annotations


class VeilleError(Exception):
    """Base of every error veille reports to a user."""


class ConfigError(VeilleError):
    """A configuration file (sources, watchlists, channels) is invalid.

    Carries the file and line so that the message points the user at the exact spot.
    """

    def __init__(
        self, path: str, line: int | None, problem: str, fix: str = "", column: int | None = None
    ) -> None:
        self.path = str(path)
        self.line = line
        self.column = column
        self.problem = problem
        self.fix = fix
        where = f"{self.path}:{line}" if line else self.path
        if line and column:
            where += f":{column}"
        message = f"{where}: {problem}"
        if fix:
            message += f" (fix: {fix})"
        super().__init__(message)


class ConfigErrors(ConfigError):
    """Every problem found in one configuration file, so that one run of `rules check` shows
    them all instead of one per run."""

    def __init__(self, errors: list[ConfigError]) -> None:
        self.errors = errors
        first = errors[0]
        super().__init__(first.path, first.line, first.problem, first.fix, first.column)
        self.args = (f"{len(errors)} problems:\n" + "\n".join(f"  {error}" for error in errors),)

    def __str__(self) -> str:
        return self.args[0]


def raise_all(errors: list[ConfigError]) -> None:
    """Raise the one error, or all of them together (nothing when the list is empty)."""
    if errors:
        raise combined(errors)


def combined(errors: list[ConfigError]) -> ConfigError:
    """The one error, or all of them as one."""
    return errors[0] if len(errors) == 1 else ConfigErrors(errors)


class DatabaseError(VeilleError):
    """The SQLite file cannot be used: damaged, not a database, read-only, disk full."""
