"""Watchlists edited in the reader (monitors.web.editing): the preview shown before saving, the
file written with its comments, a stale form or an invalid rule refused, editors only, forms
from other sites refused, pause/resume/delete, and the OPML export of the watchlists' feeds.

pytestmark = pytest.mark.slow  # end-to-end: real processes (README, "Development")
The reader runs in this process (uvicorn on 127.0.0.1), on a real SQLite file."""

from __future__ import annotations

import html
import re
import shutil
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET
from pathlib import Path

import feedparser
import pytest

from monitors.service.config import parse_editors
from monitors.service.editing import backup_path, changes_path, recent_changes
from monitors.service.watchlists import load_watchlists
from monitors.web.app import ReaderConfig, create_app
from monitors.web.editing import suggested_name

from .reader_client import WATCHLISTS, FormClient, running
from .test_reader_guard import make_db, request


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> Path:
    return make_db(tmp_path_factory.mktemp("editing"))


@pytest.fixture
def watchlists(tmp_path) -> Path:
    path = tmp_path / "watchlists.yaml"
    shutil.copy(WATCHLISTS, path)
    return path


@pytest.fixture
def web(db, watchlists):
    with running(create_app(ReaderConfig(db=db, watchlists=watchlists, raw_data=False))) as base:
        yield base


def comments(text: str) -> list[str]:
    return [line for line in text.splitlines() if "#" in line and line.lstrip().startswith("#")]


def form_values(body: str) -> dict[str, str]:
    """The hidden fields of the page's edit form (tokens, preview digest)."""
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', body))


def send(client: FormClient, url: str, fields: dict) -> tuple[int, str]:
    """POST the fields with the form token they carry (read from the page shown before)."""
    return client.post(url, fields, token=fields.get("form_token", ""))


def test_a_search_saved_as_a_watchlist_is_previewed_then_written_with_the_files_comments(
    web, watchlists
):
    before = watchlists.read_text(encoding="utf-8")
    client = FormClient()
    status, page = client.get(f"{web}/search?q=supercalculateur&language=fr")
    assert status == 200
    link = re.search(r'href="(/new-watchlist\?[^"]+)" id="save-search"', page)
    assert link, page[-2000:]
    status, form = client.get(web + link.group(1))
    assert status == 200 and 'value="supercalculateur"' in form and 'value="fr"' in form
    fields = {
        "name": "supercalculateur",
        "title": "Supercalculateurs",
        "query": "supercalculateur",
        "languages": "fr",
        "text": "L'UM6P inaugure un supercalculateur.",
        "days": "30",
    }
    hidden = form_values(form)
    status, preview = client.post(
        f"{web}/new-watchlist", {**fields, "file_token": hidden["file_token"], "action": "save"}
    )  # "save" straight away: the preview comes first, nothing is written
    assert status == 200, preview[-2000:]
    assert watchlists.read_text(encoding="utf-8") == before
    assert "The form changed since the preview" in preview or "changé depuis l'aperçu" in preview
    assert "+  - name: supercalculateur" in preview  # the diff
    assert 'id="backtest-count">5 / 5 ' in preview  # the stored articles it matches
    assert 'id="trial"' in preview  # the rule test of the given text
    hidden = form_values(preview)
    status, saved = client.post(f"{web}/new-watchlist", {**fields, **hidden, "action": "save"})
    assert status == 200, saved[-2000:]
    assert 'id="saved"' in saved and "No daemon is running" in saved or "Aucun démon" in saved
    after = watchlists.read_text(encoding="utf-8")
    assert after.startswith(before) and comments(after) == comments(before)
    rule = load_watchlists(watchlists).rules.by_name("supercalculateur")
    assert (rule.title, rule.query_text, rule.languages) == (
        "Supercalculateurs",
        "supercalculateur",
        ("fr",),
    )
    assert backup_path(watchlists).read_text(encoding="utf-8") == before
    (change,) = recent_changes(watchlists)
    assert change["who"] == "anonymous (127.0.0.1)" and change["change"] == "create"
    status, page = client.get(f"{web}/watchlists/supercalculateur")  # the reader re-reads it
    assert status == 200 and "Supercalculateurs" in page
    status, listing = client.get(f"{web}/watchlists/")
    assert "supercalculateur" in listing and "+  - name: supercalculateur" in listing


def test_an_edit_of_a_file_changed_since_the_form_was_opened_is_refused(web, watchlists):
    client = FormClient()
    status, form = client.get(f"{web}/watchlists/dell-maroc/edit")
    assert status == 200 and 'value="Dell Technologies au Maroc"' in form
    hidden = form_values(form)
    fields = {"title": "Dell au Maroc", "query": "", "notify": "email-equipe"}
    status, preview = client.post(f"{web}/watchlists/dell-maroc/edit", {**fields, **hidden})
    assert status == 200 and "+    title: Dell au Maroc" in preview
    by_hand = watchlists.read_text(encoding="utf-8") + "# ajouté à la main\n"
    watchlists.write_text(by_hand, encoding="utf-8")
    hidden = form_values(preview)
    status, refused = client.post(
        f"{web}/watchlists/dell-maroc/edit", {**fields, **hidden, "action": "save"}
    )
    assert status == 409
    assert "a changé sur le disque depuis l'ouverture de ce formulaire" in refused
    assert "rien n'a été écrasé" in refused and "title: Dell au Maroc" in refused
    assert watchlists.read_text(encoding="utf-8") == by_hand
    assert not changes_path(watchlists).exists()


def test_an_invalid_rule_is_refused_with_the_loaders_message(web, watchlists):
    before = watchlists.read_text(encoding="utf-8")
    client = FormClient()
    _, form = client.get(f"{web}/new-watchlist")
    status, page = client.post(
        f"{web}/new-watchlist",
        {"name": "cassee", "query": '"cloud OR (', **form_values(form), "action": "preview"},
    )
    assert status == 422
    assert f"{watchlists}:" in page and 'id="save"' not in page
    assert " : requête : guillemet non fermé (voir docs/watch-rules.md" in page
    assert "unclosed quote" not in page  # the query's problem in the page's language
    assert '<textarea name="query" dir="auto" rows="3">"cloud OR (<' in page  # kept
    assert watchlists.read_text(encoding="utf-8") == before


def test_pause_resume_and_delete_change_the_file_and_the_list(web, watchlists):
    client = FormClient()
    _, listing = client.get(f"{web}/watchlists/")
    token = form_values(listing)
    status, page = send(client, f"{web}/watchlists/ia-souverainete/pause", token)
    assert status == 200, page[-1500:]
    assert load_watchlists(watchlists).rules.by_name("ia-souverainete").paused
    _, listing = client.get(f"{web}/watchlists/")
    assert re.search(r"ia-souverainete.*?(en pause|paused)", listing, re.S)
    status, _ = send(client, f"{web}/watchlists/ia-souverainete/resume", form_values(listing))
    assert status == 200 and not load_watchlists(watchlists).rules.by_name("ia-souverainete").paused
    status, confirm = client.get(f"{web}/watchlists/ia-souverainete/delete")
    assert status == 200 and "-  - name: ia-souverainete" in confirm
    assert "ia-souverainete" in watchlists.read_text(encoding="utf-8")  # asked, not done
    status, _ = send(client, f"{web}/watchlists/ia-souverainete/delete", form_values(confirm))
    assert status == 200
    assert "ia-souverainete" not in watchlists.read_text(encoding="utf-8")
    assert [c["change"] for c in recent_changes(watchlists)] == ["delete", "resume", "pause"]


def test_a_cross_site_post_without_the_token_is_refused_and_writes_nothing(web, watchlists):
    before = watchlists.read_text(encoding="utf-8")
    host = web.removeprefix("http://")
    body = urllib.parse.urlencode({"file_token": "x", "name": "pirate", "query": "x"})
    for headers in (
        {"Origin": "http://evil.example", "Sec-Fetch-Site": "cross-site"},
        {"Origin": f"http://{host}"},  # same origin, but no token
    ):
        for path in ("/new-watchlist", "/watchlists/dell-maroc/delete"):
            status, _, text = request(
                web,
                path,
                {**headers, "Content-Type": "application/x-www-form-urlencoded", "Host": host},
                method="POST",
                body=body,
            )
            said = html.unescape(text)  # the page's language: French by default
            reason = "page d'un autre site" if "Sec-Fetch-Site" in headers else "jeton valide"
            assert status == 403 and "refusé : ce formulaire" in said, (path, headers, said[-500:])
            assert reason in said, (path, headers, said[-500:])
    assert watchlists.read_text(encoding="utf-8") == before


def test_only_named_editors_may_edit_by_the_proxys_user_name(db, watchlists):
    config = ReaderConfig(
        db=db,
        watchlists=watchlists,
        raw_data=False,
        proxy_header="X-Forwarded-User",
        editors=parse_editors("samira, youssef"),
    )
    before = watchlists.read_text(encoding="utf-8")
    with running(create_app(config)) as web:
        reader = FormClient({"X-Forwarded-User": "ali"})
        status, page = reader.get(f"{web}/watchlists/dell-maroc/edit")
        assert status == 403 and "samira, youssef" in page
        status, page = reader.get(f"{web}/watchlists/dell-maroc/edit?lang=ar")
        assert status == 403 and "samira، youssef" in page  # an Arabic list's comma
        status, _ = reader.post(
            f"{web}/watchlists/dell-maroc/pause",
            {"file_token": "x"},
            token=FormClient.token(reader, f"{web}/watchlists/"),
        )
        assert status == 403 and watchlists.read_text(encoding="utf-8") == before
        _, listing = reader.get(f"{web}/watchlists/")
        assert "/edit" not in listing  # no edit links for a reader
        editor = FormClient({"X-Forwarded-User": "samira"})
        _, listing = editor.get(f"{web}/watchlists/")
        status, _ = send(editor, f"{web}/watchlists/dell-maroc/pause", form_values(listing))
        assert status == 200
    assert recent_changes(watchlists)[0]["who"] == "samira (127.0.0.1)"
    assert parse_editors("*") is None and parse_editors("none") == ()


def test_the_user_name_sent_with_the_team_password_is_not_an_editors_name(db, watchlists):
    import base64

    from monitors.people.passwords import hash_password

    config = ReaderConfig(
        db=db,
        watchlists=watchlists,
        raw_data=False,
        password_hash=hash_password("mot de passe de l'équipe"),
        editors=("samira",),
    )
    login = base64.b64encode("samira:mot de passe de l'équipe".encode()).decode()
    with running(create_app(config)) as web:
        client = FormClient({"Authorization": f"Basic {login}"})
        status, page = client.get(f"{web}/watchlists/dell-maroc/edit")
        assert status == 403 and "samira" in page
        status, listing = client.get(f"{web}/watchlists/")
        assert status == 200 and "/edit" not in listing


def test_the_opml_export_lists_every_watchlists_feed(web, watchlists):
    with urllib.request.urlopen(f"{web}/feeds/watchlists.opml", timeout=60) as response:
        assert response.headers["content-type"].startswith("text/x-opml")
        root = ET.fromstring(response.read())
    assert root.tag == "opml" and root.get("version") == "2.0"
    assert root.find("head/title") is not None and root.find("head/dateCreated") is not None
    outlines = root.findall("body/outline")
    names = [w.name for w in load_watchlists(watchlists).rules.watchlists]
    assert [o.get("xmlUrl") for o in outlines] == [f"{web}/feeds/{n}.atom" for n in names]
    for outline in outlines:
        assert outline.get("type") == "rss" and outline.get("text")
        assert outline.get("htmlUrl", "").startswith(f"{web}/watchlists/")
    feed = feedparser.parse(outlines[2].get("xmlUrl"))  # what a feed reader then fetches
    assert feed.version == "atom10" and not feed.bozo
    assert feed.feed.id == "tag:veille,2026:watchlist/um6p-supercalculateur"


def test_the_opml_export_is_valid_xml_when_a_title_holds_a_control_character(web, watchlists):
    """A title pasted into the editing page with a control character (a word processor's
    vertical tab) is saved; the OPML then stays XML a feed reader can import, the character
    replaced by U+FFFD as the Atom feeds replace it (before, the whole file was unreadable)."""
    client = FormClient()
    status, form = client.get(f"{web}/new-watchlist?q=supercalculateur")
    assert status == 200
    fields = {"name": "copie", "title": "Veille\x0bcopiée", "query": "supercalculateur"}
    status, preview = client.post(
        f"{web}/new-watchlist", {**fields, **form_values(form), "action": "preview"}
    )
    assert status == 200, preview[-2000:]
    status, saved = client.post(
        f"{web}/new-watchlist", {**fields, **form_values(preview), "action": "save"}
    )
    assert status == 200 and 'id="saved"' in saved, saved[-2000:]
    assert load_watchlists(watchlists).rules.by_name("copie").title == "Veille\x0bcopiée"
    with urllib.request.urlopen(f"{web}/feeds/watchlists.opml", timeout=60) as response:
        root = ET.fromstring(response.read())
    titles = [o.get("title") for o in root.findall("body/outline")]
    assert "Veille\ufffdcopiée" in titles


def test_a_name_is_suggested_from_the_search():
    assert suggested_name('"Cloud souverain" OR Datacenter') == "cloud-souverain-datacenter"
    assert suggested_name("Sécurité numérique") == "securite-numerique"
    assert suggested_name("السيادة الرقمية") == ""
