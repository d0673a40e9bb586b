"""A person who follows watchlists and leaves their address empty on the account page is told
that no alert will reach them (docs/people.md: « A person without an address gets nothing
queued »): the page said « Enregistré. » and « Les alertes des veilles suivies y arrivent »,
with no address for them to arrive at. Through `veille serve` on SQLite and PostgreSQL."""

from __future__ import annotations

import base64

import pytest

from crawler.storage import store
from monitors.people import accounts

from .conftest import database_from
from .reader_client import FormClient, serving

pytestmark = pytest.mark.slow  # end-to-end: real processes (README, "Development")

PASSWORD = "mot de passe de karim"
NOTICE = {
    "fr": "Sans adresse, aucune alerte des veilles que vous suivez ne vous est envoyée",
    "en": "Without an address, no alert of the watchlists you follow is sent to you",
    "ar": "بدون عنوان، لا يُرسل إليك أي تنبيه من عمليات الرصد التي تتابعها",
}


@pytest.fixture
def location(engine, tmp_path, request):
    path = tmp_path / "v.db"
    db = store.open_database(path)
    accounts.add_user(db, "karim", PASSWORD, "karim@example.ma", ("um6p-supercalculateur",))
    db.close()
    return database_from(request, engine, path)


def test_following_without_an_address_is_said_to_send_nothing(location):
    value = base64.b64encode(f"karim:{PASSWORD}".encode()).decode()
    karim = FormClient({"Authorization": f"Basic {value}"})
    with serving(location) as base:
        status, page = karim.get(base + "/account")
        assert status == 200 and NOTICE["fr"] not in page  # an address: nothing to say
        followed = {"follow:um6p-supercalculateur": "1"}
        for lang, notice in NOTICE.items():
            status, page = karim.post(f"{base}/account?lang={lang}", {"email": ""} | followed)
            assert status == 200 and notice in page, (lang, page[-2500:])
        status, page = karim.post(base + "/account", {"email": ""})  # following none
        assert status == 200 and NOTICE["fr"] not in page
        status, page = karim.post(base + "/account", {"email": "karim@example.ma"} | followed)
        assert status == 200 and NOTICE["fr"] not in page
