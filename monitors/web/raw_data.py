"""The raw tables for analysts: Datasette under /data/ in `veille serve`, read-only, with
veille's table titles, facets and canned queries (monitors/web/metadata.yaml). Arbitrary SQL
is off unless `veille serve --allow-sql`."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import yaml

WEB = Path(str(resources.files("monitors") / "web"))
DATA_PREFIX = "/data"


def datasette_metadata(db: Path) -> dict:
    """Datasette names a database after its file; point veille's metadata at that name."""
    name = Path(db).stem
    text = (WEB / "metadata.yaml").read_text(encoding="utf-8")
    text = text.replace(f"{DATA_PREFIX}/veille/", f"{DATA_PREFIX}/{name}/")
    metadata = yaml.safe_load(text)
    metadata["databases"] = {name: metadata["databases"]["veille"]}
    return metadata
