"""`veille init [DIR]`: a starter configuration to edit, in a folder veille looks in."""

from __future__ import annotations

from pathlib import Path

import click

from monitors.terminal import echo


@click.command("init")
@click.argument("folder", required=False, type=click.Path(path_type=Path, file_okay=False))
def init(folder: Path | None) -> None:
    """Write sources.yaml, watchlists.yaml (copies of the bundled ones) and secrets.env (a
    template, mode 600) into FOLDER, by default ~/.config/veille/. Never overwrites a file."""
    from monitors.service import locations
    from monitors.service.starter import write_starter

    target = folder if folder is not None else locations.user_folder()
    written = write_starter(target)
    for path in written:
        echo(f"wrote {path}")
    searched = {p.resolve() for p in locations.Folders.here().in_order()}
    echo(
        f"\nNext: edit {target / locations.WATCHLISTS} (what to watch, where to send alerts), put "
        f"the channels' passwords in {target / locations.SECRETS}, then `veille rules check` "
        "and `veille run`."
    )
    if target.resolve() not in searched:
        echo(
            f"{target} is not a folder veille looks in (./, {locations.user_folder()}/, "
            f"{locations.SYSTEM_FOLDER}/): run veille there, or give the files with "
            f"--sources/--watchlists/--secrets or VEILLE_SOURCES/VEILLE_WATCHLISTS/VEILLE_SECRETS."
        )
