"""Where veille finds its configuration files when no flag or environment variable names them.

One order, documented in docs/configuration.md, for each file on its own: the --sources /
--watchlists / --secrets flag, then VEILLE_SOURCES / VEILLE_WATCHLISTS / VEILLE_SECRETS, then
the file in the working directory (./), in the user's folder ($XDG_CONFIG_HOME/veille/, by
default ~/.config/veille/), in the system's (/etc/veille/), and last the copy bundled with the
package (sources and watchlists only: there are no bundled secrets). `veille init` writes the
three files into one of these folders.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from crawler.core.errors import VeilleError
from seeds import BUNDLED_SOURCES, BUNDLED_WATCHLISTS

SOURCES = "sources.yaml"
WATCHLISTS = "watchlists.yaml"
SECRETS = "secrets.env"

SYSTEM_FOLDER = Path("/etc/veille")

BUNDLED: dict[str, Path | None] = {
    SOURCES: BUNDLED_SOURCES,
    WATCHLISTS: BUNDLED_WATCHLISTS,
    SECRETS: None,
}


def user_folder(environ: Mapping[str, str] = os.environ) -> Path:
    """~/.config/veille, or $XDG_CONFIG_HOME/veille when that is set (the XDG convention)."""
    base = environ.get("XDG_CONFIG_HOME") or Path(environ.get("HOME") or Path.home(), ".config")
    return Path(base) / "veille"


@dataclass(frozen=True)
class Folders:
    """The folders searched, in order; each a parameter so that tests need no /etc."""

    working: Path
    user: Path
    system: Path = SYSTEM_FOLDER

    @classmethod
    def here(cls) -> Folders:
        return cls(Path("."), user_folder())

    def in_order(self) -> list[Path]:
        return [self.working, self.user, self.system]


def find(name: str, folders: Folders | None = None) -> Path | None:
    """The first `name` found in ./, the user's folder, /etc/veille, else the bundled copy
    (None for the secrets file, which has none)."""
    for folder in (folders or Folders.here()).in_order():
        candidate = folder / name
        try:
            found = candidate.is_file()
        except PermissionError:  # is_file() says False only of what is not there
            raise VeilleError(
                f"cannot look for {name} in {folder}{os.sep}: this user may not enter that "
                f"folder; name the file with --{name.split('.')[0]} (or "
                "VEILLE_SOURCES/VEILLE_WATCHLISTS/VEILLE_SECRETS), or set HOME (and "
                "XDG_CONFIG_HOME) to this user's own folder"
            ) from None
        if found:
            # absolute: crawl processes and messages name the same file whatever their folder
            return candidate.absolute()
    return BUNDLED[name]


def describe(folders: Folders | None = None) -> list[str]:
    """The places searched, in order, for messages that say where veille looked."""
    return [str(folder) + os.sep for folder in (folders or Folders.here()).in_order()]
