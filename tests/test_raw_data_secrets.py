"""The raw tables under /data/ never show a person's password hash or the key that signs the
alerts' links: on a table's page, in its JSON, or through --allow-sql."""

from __future__ import annotations

import asyncio
import json
import urllib.parse

from crawler.storage import store
from monitors.people import accounts
from monitors.web.app import ReaderConfig, _datasette
from seeds import BUNDLED_WATCHLISTS

LINK_KEY = "K3yS1gningL1nks"


def test_the_raw_tables_read_the_password_hashes_and_the_links_key_as_null(tmp_path):
    """Both were served to whoever could open /data/ (on loopback, with no login, anyone on
    the machine): a scrypt hash to guess offline, and the key with which anyone could forge a
    link to unsubscribe, mute or act as another person."""
    path = tmp_path / "team.db"
    db = store.open_database(path)
    accounts.add_user(db, "amina", "Abcdefgh12345", "amina@example.ma", ())
    with db.transaction():
        db.execute("INSERT INTO link_keys(id, secret, created_at) VALUES (1, ?, 'now')", [LINK_KEY])
    db.close()
    datasette = _datasette(ReaderConfig(db=path, watchlists=BUNDLED_WATCHLISTS, allow_sql=True))
    sql = "select p.name, p.password_hash as hash, k.secret as secret from people p, link_keys k"

    async def read(address: str) -> str:
        await datasette.invoke_startup()
        response = await datasette.client.get(address)
        assert response.status_code == 200, response.text[:300]
        return response.text

    people = json.loads(asyncio.run(read("/team/people.json?_shape=array")))
    assert people[0]["name"] == "amina" and people[0]["email"] == "amina@example.ma"
    assert people[0]["password_hash"] is None
    keys = json.loads(asyncio.run(read("/team/link_keys.json?_shape=array")))
    assert keys == [{"id": 1, "secret": None, "created_at": "now"}]
    rows = json.loads(asyncio.run(read(f"/team.json?_shape=array&sql={urllib.parse.quote(sql)}")))
    assert rows == [{"name": "amina", "hash": None, "secret": None}]
    page = asyncio.run(read("/team/people"))
    assert "amina" in page and "scrypt" not in page
