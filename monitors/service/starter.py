"""A starter configuration to edit (`veille init`): the bundled sources and watchlists copied
into a folder veille looks in, and a secrets template readable by its owner alone. Nothing that
is already there is ever replaced: a configuration someone edited is worth more than a copy."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from crawler.core.errors import VeilleError
from monitors.service import locations
from seeds import SECRETS_TEMPLATE

SECRETS_MODE = 0o600


@dataclass(frozen=True)
class StarterFile:
    name: str
    origin: Path
    mode: int


def starter_files() -> list[StarterFile]:
    """What `veille init` writes: the bundled sources and watchlists, and the secrets template
    (mode 600 whatever the umask: it will hold passwords)."""
    return [
        StarterFile(locations.SOURCES, locations.BUNDLED_SOURCES, 0o644),
        StarterFile(locations.WATCHLISTS, locations.BUNDLED_WATCHLISTS, 0o644),
        StarterFile(locations.SECRETS, SECRETS_TEMPLATE, SECRETS_MODE),
    ]


def write_starter(folder: Path) -> list[Path]:
    """Write the starter files into `folder` (created if missing) and return their paths. When
    any of them is already there, a VeilleError names it and nothing is written."""
    files = starter_files()
    present = [folder / f.name for f in files if (folder / f.name).exists()]
    if present:
        raise VeilleError(
            f"{', '.join(str(p) for p in present)} already there: veille init never overwrites "
            "a configuration; edit it, or move it away first, or give another folder "
            "(veille init DIR)"
        )
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise VeilleError(
            f"cannot create {folder} ({exc.strerror or exc}): give a folder you may write to"
        ) from None
    written: list[Path] = []
    try:
        for file in files:
            target = folder / file.name
            # O_EXCL: a file that appeared since the check above is not replaced either
            handle = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, file.mode)
            written.append(target)
            with os.fdopen(handle, "wb") as out:
                os.fchmod(out.fileno(), file.mode)  # the umask may have taken bits away
                out.write(file.origin.read_bytes())
    except OSError as exc:
        for path in written:  # all or nothing: no half configuration left behind
            path.unlink(missing_ok=True)
        what = "already there" if isinstance(exc, FileExistsError) else exc.strerror or exc
        raise VeilleError(
            f"cannot write {exc.filename or folder} ({what}); nothing was written"
        ) from None
    return written
