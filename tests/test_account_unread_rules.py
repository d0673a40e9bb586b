"""The account page of a reader started while the watchlists file cannot be read (a typo being
fixed, a file moved) saves the address it is given and keeps the watchlists the person follows:
the page listed no watchlist to tick, so the save unfollowed every one of them, saying
« Enregistré. ». Through `veille serve`, as a user starts it."""

from __future__ import annotations

import base64

import pytest

from crawler.storage import store
from monitors.people import accounts
from monitors.people import store as people_store

from .reader_client import FormClient, serving

pytestmark = pytest.mark.slow  # end-to-end: `veille serve` in its own process

PASSWORD = "mot de passe de salma"


def test_an_account_saved_while_the_watchlists_file_is_unread_keeps_its_follows(tmp_path):
    db = store.open_database(tmp_path / "v.db")
    accounts.add_user(db, "salma", PASSWORD, "salma@example.ma", ("cloud", "um6p"))
    db.close()
    broken = tmp_path / "watchlists.yaml"
    broken.write_text("watchlists:\n  - name: [cloud\n", encoding="utf-8")
    value = base64.b64encode(f"salma:{PASSWORD}".encode()).decode()
    salma = FormClient({"Authorization": f"Basic {value}"})
    with serving(tmp_path / "v.db", watchlists=broken) as base:
        status, page = salma.post(base + "/account", {"email": "salma@lab.example.ma"})
        assert status == 200, page[-1500:]
    db = store.open_database(tmp_path / "v.db")
    assert people_store.person(db, "salma").email == "salma@lab.example.ma"
    assert people_store.followed(db, "salma") == ["cloud", "um6p"]
    db.close()
