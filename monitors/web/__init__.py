"""The read-only web view: Datasette over the veille database, with veille's metadata
(titles in French and English, facets, canned queries, an Atom feed per watchlist) and a charts
page."""

from __future__ import annotations

import sys
from importlib import resources
from pathlib import Path

import yaml

WEB = Path(str(resources.files("monitors") / "web"))


def render_metadata(db: Path) -> Path:
    """Datasette names a database after its file; point veille's metadata at that name."""
    name = Path(db).stem
    text = (WEB / "metadata.yaml").read_text(encoding="utf-8").replace("/veille/", f"/{name}/")
    metadata = yaml.safe_load(text)
    metadata["databases"] = {name: metadata["databases"]["veille"]}
    path = Path(db).parent / f".{name}.datasette.yaml"  # beside the database, rewritten each start
    path.write_text(yaml.safe_dump(metadata, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def datasette_command(
    db: Path, host: str = "127.0.0.1", port: int = 8001, allow_sql: bool = False
) -> list[str]:
    """The Datasette command line that serves `db` read-only with veille's metadata. Arbitrary
    SQL is off unless `allow_sql` (one query could hold the server's memory); the canned
    queries, facets and search work either way."""
    return [
        sys.executable,
        "-m",
        "datasette",
        "serve",
        f"{db}",
        "--host",
        host,
        "--port",
        str(port),
        "--metadata",
        str(render_metadata(db)),
        "--template-dir",
        str(WEB / "templates"),
        "--setting",
        "sql_time_limit_ms",
        "3000",
        "--setting",
        "allow_download",
        "off",
        "--setting",
        "default_page_size",
        "50",
        "--setting",
        "default_allow_sql",
        "on" if allow_sql else "off",
    ]
