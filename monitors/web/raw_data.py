"""The raw tables for analysts: Datasette under /data/ in `veille serve`, read-only, with
veille's table titles, facets and canned queries (monitors/web/metadata.yaml). Arbitrary SQL
is off unless `veille serve --allow-sql`."""

from __future__ import annotations

import sqlite3
from importlib import resources
from pathlib import Path

import yaml

WEB = Path(str(resources.files("monitors") / "web"))
DATA_PREFIX = "/data"

# What no reader of the raw tables may see, on a table's page, in its JSON or through
# --allow-sql: the people's password hashes (scrypt, to be guessed offline) and the key that
# signs the alerts' one-click links (with it, anyone could forge a link to unsubscribe, mute or
# log in as another person). Both were served to whoever could open /data/.
SECRET_COLUMNS = {"people": {"password_hash"}, "link_keys": {"secret"}}


def hide_secrets(action: int, table: str | None, column: str | None, *_: object) -> int:
    """An SQLite authorizer: a secret column is read as NULL (SQLITE_IGNORE), every other read
    as it is. Installed on each connection Datasette opens (register_secret_hiding)."""
    if action == sqlite3.SQLITE_READ and column in SECRET_COLUMNS.get(table or "", ()):
        return sqlite3.SQLITE_IGNORE
    return sqlite3.SQLITE_OK


PLUGIN_NAME = "veille-hide-secrets"


def register_secret_hiding() -> None:
    """Put `hide_secrets` on every connection Datasette opens (its prepare_connection hook),
    registered with its plugin manager once per process."""
    from datasette import hookimpl
    from datasette.plugins import pm

    class HideSecrets:
        __name__ = PLUGIN_NAME  # Datasette names each plugin, as if a module, by it

        @hookimpl
        def prepare_connection(self, conn: sqlite3.Connection) -> None:
            conn.set_authorizer(hide_secrets)

    if pm.get_plugin(PLUGIN_NAME) is None:
        pm.register(HideSecrets(), name=PLUGIN_NAME)


def datasette_metadata(db: Path) -> dict:
    """Datasette names a database after its file; point veille's metadata at that name."""
    name = Path(db).stem
    text = (WEB / "metadata.yaml").read_text(encoding="utf-8")
    text = text.replace(f"{DATA_PREFIX}/veille/", f"{DATA_PREFIX}/{name}/")
    metadata = yaml.safe_load(text)
    metadata["databases"] = {name: metadata["databases"]["veille"]}
    return metadata


FACETS_PLUGIN = "veille-date-facet-links"


def register_date_facet_links() -> None:
    """Datasette's date facet builds its links from the request's path alone, where its other
    links add its base path (/data/) to it; the reader hands Datasette the path without /data
    (monitors.web.app), so those links are given the base path here. Datasette's facet classes
    are registered again, the date facet replaced, once per process."""
    import urllib.parse

    from datasette import facets, hookimpl
    from datasette.plugins import pm

    class DateFacet(facets.DateFacet):
        async def facet_results(self) -> tuple[list[dict], list[str]]:
            results, timed_out = await super().facet_results()
            for result in results:
                result["toggle_url"] = self.ds.urls.path(result["toggle_url"])
                for value in result["results"]:
                    parts = urllib.parse.urlsplit(value["toggle_url"])
                    path = self.ds.urls.path(parts.path)
                    value["toggle_url"] = urllib.parse.urlunsplit(parts._replace(path=path))
            return results, timed_out

    class FacetClasses:
        __name__ = FACETS_PLUGIN  # Datasette names each plugin, as if a module, by it

        @hookimpl
        def register_facet_classes(self) -> list[type]:
            classes = [facets.ColumnFacet, DateFacet]
            if facets.detect_json1():
                classes.append(facets.ArrayFacet)
            return classes

    if pm.get_plugin(FACETS_PLUGIN) is None:
        pm.unregister(facets)
        pm.register(FacetClasses(), name=FACETS_PLUGIN)
