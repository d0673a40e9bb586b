"""The reader for several people: each logs in with their own name and password (or is named by
the login proxy, or shares the team password), and sees their own read marks, subscriptions,
"read later", "not relevant" and muted outlets; the watchlist page lists the articles marked not
relevant and the backtest counts them as counter-examples; the signed links of alerts work
without a login, once, for their purpose only, and open nothing else. A real server on loopback
over a database filled through the match step (no crawl); Chromium renders the pages of two
people and the Arabic interface right to left, and keeps a screenshot of each new page."""

from __future__ import annotations

import base64
import re
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from crawler.core.normalize import content_hash
from crawler.storage import store
from monitors.alerts.outbox import match_pending
from monitors.people import accounts, links
from monitors.people import store as people_store
from monitors.people.passwords import hash_password
from monitors.service.watchlists import load_watchlists
from monitors.web.app import ReaderConfig, create_app

from .reader_client import FormClient, running

pytestmark = pytest.mark.slow  # end-to-end: real processes (README, "Development")

RULES = """
watchlists:
  - name: cloud
    title: Cloud souverain
    terms: [cloud]
  - name: um6p
    title: UM6P
    terms: [UM6P]
"""
BOTH = "L'UM6P ouvre un cloud pour la recherche"
CLOUD_ONLY = "Un cloud national chez un autre opérateur"
UM6P_ONLY = "L'UM6P inaugure un supercalculateur"
# The module database's people, each test's own (one test's triage, reads and mutes are no
# other's to find, in whatever order the tests run): amina and karim the first test's.
PASSWORDS = {
    "amina": "mot de passe d'amina",
    "karim": "mot de passe de karim",
    "nadia": "mot de passe de nadia",  # the keyboard's
    "zineb": "mot de passe de zineb",  # the two people in chromium
    "youssef": "mot de passe de youssef",
    "rim": "mot de passe de rim",  # the Arabic interface's French entries
    "meriem": "mot de passe de meriem",  # the signed links
    "amal": "mot de passe d'amal",  # the language of one's emails
    "hamza": "mot de passe de hamza",  # the Arabic page of an article
}
TEAM_PASSWORD = "mot de passe de l'équipe"


def _article(source: str, number: int, title: str) -> store.StoredArticle:
    text = f"{title}. " + " ".join(f"mot{number}x{i}" for i in range(80)) + "."
    return store.StoredArticle(
        source, f"https://{source}.example.ma/{number}", title, None,
        "2026-11-20T10:00:00Z", "fr", None, None, text, content_hash(text),
    )  # fmt: skip


@pytest.fixture(scope="module")
def team_db(tmp_path_factory) -> tuple[Path, Path, dict[str, int]]:
    folder = tmp_path_factory.mktemp("team")
    rules_path = folder / "watchlists.yaml"
    rules_path.write_text(RULES, encoding="utf-8")
    db = store.open_database(folder / "veille.db")
    for name in ("presse", "autre"):
        db.execute("INSERT INTO sources(name) VALUES (?) ON CONFLICT DO NOTHING", (name,))
    store.store_articles(
        db,
        [
            _article("presse", 1, BOTH),
            _article("autre", 2, CLOUD_ONLY),
            _article("presse", 3, UM6P_ONLY),
        ],
    )
    match_pending(db, *load_watchlists(rules_path), max_age=None)
    for name, password in PASSWORDS.items():
        accounts.add_user(db, name, password, f"{name}@example.ma")
    ids = {title: i for i, title in db.execute("SELECT id, title FROM articles").fetchall()}
    db.close()
    return folder / "veille.db", rules_path, ids


@pytest.fixture(scope="module")
def reader(team_db):
    db_path, rules_path, _ = team_db
    app = create_app(
        ReaderConfig(
            db=db_path,
            watchlists=rules_path,
            raw_data=False,
            password_hash=hash_password(TEAM_PASSWORD),
        )
    )
    with running(app) as base:
        yield base


def login(name: str, password: str) -> FormClient:
    value = base64.b64encode(f"{name}:{password}".encode()).decode()
    return FormClient({"Authorization": f"Basic {value}"})


def entries(page: str) -> dict[int, list[str]]:
    """The home list: each article's id and the watchlists of its chips, in order."""
    found: dict[int, list[str]] = {}
    for article, body in re.findall(
        r'<article class="entry[^"]*" id="a-(\d+)"(.*?)</article>', page, re.S
    ):
        found[int(article)] = re.findall(r'data-watchlist="([^"]+)"', body)
    return found


def entry_classes(page: str) -> dict[int, str]:
    return {int(i): c for c, i in re.findall(r'<article class="(entry[^"]*)" id="a-(\d+)"', page)}


def triage(client: FormClient, base: str, **fields) -> int:
    status, _ = client.post(
        base + "/triage", {"back": "/", **fields}, client.token(base + "/account")
    )
    return status


def test_two_people_keep_their_own_state_and_triage(reader, team_db):
    _, _, ids = team_db
    both, cloud_only, um6p_only = ids[BOTH], ids[CLOUD_ONLY], ids[UM6P_ONLY]
    amina, karim = login("amina", PASSWORDS["amina"]), login("karim", PASSWORDS["karim"])
    assert FormClient().get(reader + "/")[0] == 401  # accounts exist: a login is asked for
    assert login("amina", PASSWORDS["karim"]).get(reader + "/")[0] == 401

    status, page = amina.get(reader + "/")
    assert status == 200
    # One entry per article, with every watchlist it matched.
    assert entries(page) == {um6p_only: ["um6p"], cloud_only: ["cloud"], both: ["cloud", "um6p"]}
    assert all("read" not in c for c in entry_classes(page).values())
    # amina reads the article of both watchlists: read for her only.
    assert amina.get(f"{reader}/articles/{both}")[0] == 200
    assert "read" in entry_classes(amina.get(reader + "/")[1])[both].split()
    assert "read" not in entry_classes(karim.get(reader + "/")[1])[both].split()
    # amina finds the cloud-only article not relevant for cloud: gone for her, not for karim.
    assert (
        triage(amina, reader, action="not-relevant", article=cloud_only, watchlist="cloud") == 200
    )
    assert cloud_only not in entries(amina.get(reader + "/")[1])
    assert cloud_only in entries(karim.get(reader + "/")[1])
    # karim mutes the outlet "presse" for um6p: the um6p-only article goes, the article of
    # both watchlists stays with cloud alone; amina still sees both.
    assert (
        triage(karim, reader, action="mute", article=both, watchlist="um6p", source="presse") == 200
    )
    karim_home = entries(karim.get(reader + "/")[1])
    assert karim_home == {cloud_only: ["cloud"], both: ["cloud"]}
    assert entries(amina.get(reader + "/")[1])[both] == ["cloud", "um6p"]
    # Subscriptions: karim follows um6p only; his home then shows what um6p matched that he
    # did not mute (nothing), and ?all=1 everything again.
    status, _ = karim.post(
        reader + "/account", {"email": "karim@lab.example.ma", "follow:um6p": "1"}
    )
    assert status == 200
    assert entries(karim.get(reader + "/")[1]) == {}
    assert set(entries(karim.get(reader + "/?all=1")[1])) == {cloud_only, both}
    # Read later, per person.
    assert triage(amina, reader, action="save", article=um6p_only) == 200
    assert list(entries(amina.get(reader + "/saved")[1])) == [um6p_only]
    assert entries(karim.get(reader + "/saved")[1]) == {}
    # The saved page keeps what each set aside, as the home does: karim's saved article of both
    # watchlists shows cloud alone (he muted its outlet for um6p), amina's cloud-only article no
    # watchlist (she found it not relevant for cloud); each offered them again before.
    assert triage(karim, reader, action="save", article=both) == 200
    assert entries(karim.get(reader + "/saved")[1]) == {both: ["cloud"]}
    assert triage(amina, reader, action="save", article=cloud_only) == 200
    assert entries(amina.get(reader + "/saved")[1]) == {cloud_only: [], um6p_only: ["um6p"]}
    # The watchlist page lists what was marked not relevant, by whom, and the backtest counts
    # it as a counter-example the rule still matches.
    status, page = karim.get(reader + "/watchlists/cloud")
    assert status == 200
    section = page[page.index('id="not-relevant"') :]
    assert CLOUD_ONLY in section[: section.index("<h2", 10)] and "amina" in section
    status, page = karim.post(reader + "/watchlists/cloud", {"backtest": "3650"})
    assert status == 200
    assert re.search(
        r"1 article marqué « pas pertinent » : la règle en écarte 0, en retient encore 1",
        page,
    )
    # A triage POST from another site, or without the page's token, is refused.
    assert karim.post(reader + "/triage", {"action": "save", "article": both}, token="")[0] == 403
    status, _ = karim.post(
        reader + "/triage",
        {"action": "save", "article": both},
        token=karim.token(reader + "/account"),
        headers={"Sec-Fetch-Site": "cross-site"},
    )
    assert status == 403
    # An unknown action is refused with its reason.
    status, page = karim.post(
        reader + "/triage",
        {"action": "delete-everything", "article": both},
        karim.token(reader + "/account"),
    )
    assert status == 400, page


def test_the_team_password_is_one_shared_identity(reader, team_db):
    _, _, ids = team_db
    team, other = login("anyone", TEAM_PASSWORD), login("someone-else", TEAM_PASSWORD)
    status, page = team.get(reader + "/account")
    assert status == 200 and "mot de passe de l'équipe" in page
    assert triage(team, reader, action="save", article=ids[BOTH]) == 200
    page = other.get(reader + "/saved")[1]
    assert list(entries(page)) == [ids[BOTH]], page[page.index("<main>") :]


def test_new_since_the_last_visit(team_db):
    db = store.open_database(team_db[0])
    accounts.add_user(db, "lina", None)
    t0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)

    def visit(at: datetime) -> str | None:
        return people_store.record_visit(
            db, "lina", at.isoformat(), (at - timedelta(minutes=30)).isoformat()
        )

    assert visit(t0) is None  # first visit: everything is new
    assert visit(t0 + timedelta(minutes=10)) is None  # the same visit
    # three hours later: a new visit; what came after the last one (10 min in) is new
    assert visit(t0 + timedelta(hours=3)) == (t0 + timedelta(minutes=10)).isoformat()
    assert visit(t0 + timedelta(hours=3, minutes=5)) == (t0 + timedelta(minutes=10)).isoformat()
    db.close()


def test_signed_links_work_without_login_once_and_open_nothing_else(reader, team_db):
    db_path, _, ids = team_db
    db = store.open_database(db_path)
    token = links.issue(db, "mute", "meriem", "cloud", ids[CLOUD_ONLY], "autre")
    other = links.issue(db, "unsubscribe", "meriem", "cloud")
    db.close()
    browser = FormClient()  # no login
    status, page = browser.get(f"{reader}/links/mute/{token}")
    assert status == 200 and "Masquer le média autre pour la veille « Cloud souverain »" in page
    # Following the link (what a mail scanner does) changes nothing: the button does.
    assert people_store.muted(store.open_database(db_path), "meriem") == set()
    status, page = browser.post(f"{reader}/links/mute/{token}", {})
    assert status == 200 and "C'est fait." in page
    assert ("cloud", "autre") in people_store.muted(store.open_database(db_path), "meriem")
    status, page = browser.post(
        f"{reader}/links/mute/{token}",
        {},
        token=browser.token(f"{reader}/links/unsubscribe/{other}"),
    )
    assert status == 403 and "a déjà servi" in page
    # Another purpose's address, a changed token: refused. Nothing else opens with a link.
    assert browser.get(f"{reader}/links/not-relevant/{other}")[0] == 403
    assert browser.get(f"{reader}/links/unsubscribe/{other[:-3]}xyz")[0] == 403
    for path in ("/", "/saved", "/account", "/watchlists/cloud", f"/articles/{ids[BOTH]}"):
        assert browser.get(reader + path)[0] == 401, path
    # The open prefixes open nothing beyond them.
    for path in ("/links/../saved", "/static/../saved", "/links/mute/../../account"):
        status, page = browser.get(reader + path)
        assert status in (401, 403, 404) and "Mon compte" not in page, path
    assert (
        browser.post(
            reader + "/triage", {"action": "save", "article": ids[BOTH], "token": other}, token=""
        )[0]
        == 401
    )


def test_a_mail_providers_one_click_unsubscribe_needs_no_login_nor_form_token(reader, team_db):
    """RFC 8058: the provider's servers POST `List-Unsubscribe=One-Click` (multipart or
    urlencoded) to the List-Unsubscribe address, with no cookie; the signed link is the whole
    authorization. Any other token-less POST to a link is still refused."""
    db_path, _, _ = team_db
    db = store.open_database(db_path)
    accounts.add_user(db, "yasmine", None, "yasmine@example.ma", ("cloud", "um6p"))
    first = links.issue(db, "unsubscribe", "yasmine", "cloud")
    second = links.issue(db, "unsubscribe", "yasmine", "um6p")
    db.close()
    refused = post_raw(
        f"{reader}/links/unsubscribe/{first}",
        b"confirm=1",
        "application/x-www-form-urlencoded",
    )
    assert refused[0] == 403
    assert people_store.followed(store.open_database(db_path), "yasmine") == ["cloud", "um6p"]
    boundary = "----veilleBoundary7MA4YWxk"
    body = (
        f"--{boundary}\r\n"
        'Content-Disposition: form-data; name="List-Unsubscribe"\r\n\r\n'
        f"One-Click\r\n--{boundary}--\r\n"
    ).encode()
    status, page = post_raw(
        f"{reader}/links/unsubscribe/{first}", body, f"multipart/form-data; boundary={boundary}"
    )
    assert status == 200, page
    assert people_store.followed(store.open_database(db_path), "yasmine") == ["um6p"]
    status, _ = post_raw(
        f"{reader}/links/unsubscribe/{second}",
        b"List-Unsubscribe=One-Click",
        "application/x-www-form-urlencoded",
    )
    assert status == 200
    assert people_store.followed(store.open_database(db_path), "yasmine") == []
    # once only, like every signed link; and only an unsubscribe link takes it
    assert (
        post_raw(
            f"{reader}/links/unsubscribe/{second}",
            b"List-Unsubscribe=One-Click",
            "application/x-www-form-urlencoded",
        )[0]
        == 403
    )
    db = store.open_database(db_path)
    mute = links.issue(db, "mute", "yasmine", "cloud", None, "autre")
    db.close()
    assert (
        post_raw(
            f"{reader}/links/mute/{mute}",
            b"List-Unsubscribe=One-Click",
            "application/x-www-form-urlencoded",
        )[0]
        == 403
    )


def post_raw(url: str, body: bytes, content_type: str) -> tuple[int, str]:
    """A POST as a mail provider's server sends it: no cookie, no browser headers."""
    request = urllib.request.Request(
        url, data=body, method="POST", headers={"Content-Type": content_type}
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def test_behind_the_proxy_each_user_is_a_person_made_on_first_visit(team_db):
    db_path, rules_path, ids = team_db
    app = create_app(
        ReaderConfig(
            db=db_path, watchlists=rules_path, raw_data=False, proxy_header="X-Forwarded-User"
        )
    )
    with running(app) as base:
        sara = FormClient({"X-Forwarded-User": "sara@example.ma"})
        assert sara.get(base + "/")[0] == 200
        assert FormClient().get(base + "/")[0] == 401
        assert triage(sara, base, action="save", article=ids[BOTH]) == 200
        # Proxies name people as they like; a name veille cannot keep is refused, not a 500.
        assert FormClient({"X-Forwarded-User": "Jean Dupont"}).get(base + "/account")[0] == 200
        for name in ("(team)", "x" * 201, "tab\there"):
            assert FormClient({"X-Forwarded-User": name}).get(base + "/")[0] == 401, name
    db = store.open_database(db_path)
    found = people_store.person(db, "sara@example.ma")
    assert found is not None and found.email == "sara@example.ma" and found.password_hash is None
    assert people_store.saved_ids(db, "sara@example.ma", 10) == [ids[BOTH]]
    db.close()


@pytest.fixture(scope="module")
def chromium():
    """One headless chromium over DevTools for the module's browser tests (each start costs
    seconds on 2 cores); who it logs in as is set per test (as_person)."""
    from .cdp import Browser

    browser = Browser()
    browser.call("Network.enable")
    yield browser
    browser.close()


def as_person(browser, name: str | None, password: str = "") -> None:
    """Every request of the browser from now on logs in as `name` (None: no login)."""
    value = base64.b64encode(f"{name}:{password}".encode()).decode()
    headers = {"Authorization": f"Basic {value}"} if name else {}
    browser.call("Network.setExtraHTTPHeaders", headers=headers)


def test_in_chromium_two_people_their_pages_and_arabic_right_to_left(reader, team_db, chromium):
    """Chromium renders each person's pages; a screenshot of each new page goes to
    test-artifacts/."""
    _, _, ids = team_db
    # The state this test shows, its people's own: zineb read the article of both watchlists,
    # youssef muted "presse" for um6p.
    zineb, youssef = login("zineb", PASSWORDS["zineb"]), login("youssef", PASSWORDS["youssef"])
    assert zineb.get(f"{reader}/articles/{ids[BOTH]}")[0] == 200
    assert (
        triage(youssef, reader, action="mute", article=ids[BOTH], watchlist="um6p", source="presse")
        == 200
    )

    def page(url: str, shot: str | None = None) -> str:
        chromium.open(url)
        if shot:
            chromium.screenshot(shot)
        return chromium.evaluate("document.documentElement.outerHTML")

    as_person(chromium, "youssef", PASSWORDS["youssef"])
    youssef_home = page(reader + "/?all=1")
    page(reader + "/account", "people-account")
    page(reader + "/watchlists/cloud#not-relevant", "people-watchlist-not-relevant")
    as_person(chromium, "zineb", PASSWORDS["zineb"])
    zineb_home = page(reader + "/", "people-home")
    assert f'id="a-{ids[BOTH]}"' in zineb_home and f'id="a-{ids[BOTH]}"' in youssef_home
    # zineb read it, youssef did not; youssef muted "presse" for um6p.
    assert "read" in entry_classes(zineb_home)[ids[BOTH]].split()
    assert "read" not in entry_classes(youssef_home)[ids[BOTH]].split()
    assert entries(youssef_home)[ids[BOTH]] == ["cloud"]
    arabic = page(reader + "/?lang=ar", "people-home-ar")
    assert re.search(r'<html lang="ar" dir="rtl"', arabic)
    assert "آخر المقالات المرصودة" in arabic
    assert chromium.evaluate("getComputedStyle(document.querySelector('h1')).direction") == "rtl"
    page(reader + "/saved?lang=fr", "people-saved")
    db = store.open_database(team_db[0])
    token = links.issue(db, "not-relevant", "youssef", "cloud", ids[CLOUD_ONLY], "autre")
    db.close()
    as_person(chromium, None)
    assert "Confirmer" in page(f"{reader}/links/not-relevant/{token}", "people-signed-link")


def test_in_chromium_french_entries_read_left_to_right_in_the_arabic_interface(reader, chromium):
    """In the Arabic interface a French title and snippet are laid out left to right and
    aligned to the left, where their lines start, as an Arabic title in the French interface
    is aligned to the right (before, the page's right alignment reached them: French lines
    ragged on the left and their ends on the right)."""
    as_person(chromium, "rim", PASSWORDS["rim"])
    chromium.open(reader + "/?lang=ar&all=1")
    style = "getComputedStyle(document.querySelector({!r}))"
    align = {"start": "left"}  # a block's start, its direction's
    for selector in ("article.entry h3", "article.entry .snippet"):
        assert chromium.evaluate(style.format(selector) + ".direction") == "ltr", selector
        text_align = chromium.evaluate(style.format(selector) + ".textAlign")
        assert align.get(text_align, text_align) == "left", (selector, text_align)
    assert chromium.evaluate(style.format("h1") + ".direction") == "rtl"
    assert chromium.evaluate(style.format("h1") + ".textAlign") in ("start", "right")
    as_person(chromium, None)


def test_keyboard_shortcuts_and_the_dark_theme_in_chromium(reader, team_db, chromium):
    """j/k move through the list, s saves, m marks read, o opens, ? shows the help; with the
    system in dark mode the page is dark. One chromium over DevTools, logged in as nadia."""
    db_path, _, _ = team_db
    browser = chromium
    as_person(browser, "nadia", PASSWORDS["nadia"])
    try:
        browser.open(reader + "/")
        order = browser.evaluate("Array.from(document.querySelectorAll('.entry')).map(e => e.id)")
        assert len(order) == 3

        def key(name: str) -> None:
            browser.evaluate(
                f"document.dispatchEvent(new KeyboardEvent('keydown', {{key: {name!r}}}))"
            )

        def current() -> str | None:
            return browser.evaluate("(document.querySelector('.entry.current') || {}).id || null")

        key("j")
        assert current() == order[0]
        key("j")
        key("j")
        key("k")
        assert current() == order[1]
        second = int(order[1].removeprefix("a-"))
        browser.events.clear()
        key("s")  # presses the entry's "read later" button: the page reloads on that entry
        browser.wait_for_load()
        assert current() == order[1]
        check = store.open_database(db_path)
        assert people_store.saved_ids(check, "nadia", 10) == [second]
        browser.events.clear()
        key("m")
        browser.wait_for_load()
        assert people_store.read_among(check, "nadia", [second]) == {second}
        check.close()
        key("?")
        assert browser.evaluate("document.getElementById('keys-help').open") is True
        browser.screenshot("people-keys-help")
        key("?")
        assert browser.evaluate("document.getElementById('keys-help').open") is False
        browser.events.clear()
        key("o")
        browser.wait_for_load()
        assert browser.url.endswith(f"/articles/{second}")
        browser.call(
            "Emulation.setEmulatedMedia",
            features=[{"name": "prefers-color-scheme", "value": "dark"}],
        )
        browser.open(reader + "/")
        background = browser.evaluate("getComputedStyle(document.body).backgroundColor")
        assert background == "rgb(20, 21, 24)", background
        browser.screenshot("people-home-dark")
    finally:
        browser.call("Emulation.setEmulatedMedia", features=[])


def test_triage_and_signed_links_on_postgresql(team_db, request):
    """The same reader on a PostgreSQL copy of the database: its writes (visits, triage, the
    links' use) go through a writable pool beside the read-only one."""
    from .conftest import database_from

    db_path, rules_path, ids = team_db
    location = database_from(request, "postgresql", db_path)
    db = store.open_database(location)
    accounts.add_user(db, "omar", "mot de passe d'omar", None, ("cloud", "um6p"))
    token = links.issue(db, "unsubscribe", "omar", "um6p")
    spare = links.issue(db, "unsubscribe", "omar", "cloud")
    db.close()
    app = create_app(ReaderConfig(db=location, watchlists=rules_path, raw_data=False))
    with running(app) as base:
        omar = login("omar", "mot de passe d'omar")
        assert FormClient().get(base + "/")[0] == 401
        assert set(entries(omar.get(base + "/")[1])) == set(ids.values())
        assert triage(omar, base, action="not-relevant", article=ids[BOTH], watchlist="um6p") == 200
        assert triage(omar, base, action="save", article=ids[UM6P_ONLY]) == 200
        assert entries(omar.get(base + "/")[1])[ids[BOTH]] == ["cloud"]
        assert list(entries(omar.get(base + "/saved")[1])) == [ids[UM6P_ONLY]]
        browser = FormClient()
        form_token = browser.token(f"{base}/links/unsubscribe/{spare}")
        assert browser.post(f"{base}/links/unsubscribe/{token}", {}, form_token)[0] == 200
        assert browser.post(f"{base}/links/unsubscribe/{token}", {}, form_token)[0] == 403
        status, page = omar.get(base + "/watchlists/cloud/delete")  # asked, not done
        assert status == 200 and re.search(
            r'id="followers">Suivie par ([^<]*, )?omar(, [^<]*)? : ses alertes', page
        ), page[-2000:]
    db = store.open_database(location)
    assert people_store.followed(db, "omar") == ["cloud"]
    assert ("omar", ids[BOTH]) in {
        (n.person, n.article_id) for n in people_store.not_relevant_of(db, "um6p")
    }
    db.close()


def test_a_person_whose_followed_watchlists_were_deleted_sees_every_watchlist(team_db, tmp_path):
    """Someone follows one watchlist, which an editor deletes in the page: their home counts
    only the watchlists that still exist as followed, so, following none of them now, they see
    every watchlist's matches, as someone who follows nothing (before, their home kept showing
    the deleted watchlist's old matches alone, and nothing any other watchlist matched). Their
    account page names the watchlist gone, which alerts them no more (it said nothing of it),
    and the page asking to confirm the deletion names who follows it."""
    import shutil

    db_path, rules_path, ids = team_db
    shutil.copy(db_path, tmp_path / "veille.db")
    shutil.copy(rules_path, tmp_path / "watchlists.yaml")
    db = store.open_database(tmp_path / "veille.db")
    accounts.add_user(db, "salma", "mot de passe de salma", None, ("um6p",))
    db.close()
    app = create_app(
        ReaderConfig(db=tmp_path / "veille.db", watchlists=tmp_path / "watchlists.yaml")
    )
    with running(app) as base:
        salma = login("salma", "mot de passe de salma")
        assert set(entries(salma.get(base + "/")[1])) == {ids[BOTH], ids[UM6P_ONLY]}
        status, page = salma.get(base + "/watchlists/um6p/delete")
        assert status == 200, page[:300]
        followers = re.search(
            r'<p class="notice" id="followers">Suivie par (.*?) : ses alertes ne leur '
            r"parviendront plus.</p>",
            page,
        )  # the module's other tests may have made others follow it too
        assert followers and "salma" in followers[1].split(", "), page[-2000:]
        file_token = re.search(r'name="file_token" value="([^"]+)"', page).group(1)
        status, page = salma.post(base + "/watchlists/um6p/delete", {"file_token": file_token})
        assert status == 200 and "um6p" not in (tmp_path / "watchlists.yaml").read_text(), page
        status, page = salma.get(base + "/")
        assert status == 200
        assert set(entries(page)) == set(ids.values()), entries(page)
        assert entries(page)[ids[CLOUD_ONLY]] == ["cloud"]
        status, page = salma.get(base + "/account")
        assert status == 200 and 'name="follow:cloud" value="1">' in page
        assert "Vous ne suivez aucune veille : l'accueil les montre toutes." in page
        # and is told that the one they followed is gone and alerts them no more
        gone = re.search(r'<p class="notice" id="followed-gone">(.*?)</p>', page)
        assert gone and gone[1] == (
            "Plus dans le fichier des veilles (supprimées ou renommées), elles ne vous alertent "
            "plus : <code>um6p</code>"
        ), page[-2000:]


def test_an_account_form_refused_shows_what_was_entered(team_db, tmp_path):
    """An address the server refuses (a browser's type=email takes « salma@example ») answers
    the account page with the address and the ticked watchlists as entered, to be corrected,
    and nothing saved; before, the page came back with the old address and old ticks, and
    what was entered had to be typed and ticked again."""
    import shutil

    db_path, rules_path, _ = team_db
    shutil.copy(db_path, tmp_path / "veille.db")
    db = store.open_database(tmp_path / "veille.db")
    accounts.add_user(db, "salma", "mot de passe de salma", "salma@lab.example.ma", ("cloud",))
    db.close()
    app = create_app(ReaderConfig(db=tmp_path / "veille.db", watchlists=rules_path))
    with running(app) as base:
        salma = login("salma", "mot de passe de salma")
        status, page = salma.post(base + "/account", {"email": "salma@example", "follow:um6p": "1"})
        assert status == 400 and "'salma@example' n'est pas une adresse email" in page
        assert 'value="salma@example"' in page
        assert 'name="follow:um6p" value="1" checked>' in page
        assert 'name="follow:cloud" value="1">' in page
    db = store.open_database(tmp_path / "veille.db")
    assert people_store.person(db, "salma").email == "salma@lab.example.ma"
    assert people_store.followed(db, "salma") == ["cloud"]
    db.close()


def test_every_word_of_the_reader_has_its_arabic():
    """A word added in French and English without its Arabic would show in English on the
    Arabic interface (monitors.web.i18n_people falls back to it): none today."""
    from monitors.web.i18n import LABELS
    from monitors.web.i18n_people import ARABIC, PEOPLE_LABELS

    assert set(LABELS["fr"]) == set(LABELS["en"]) == set(LABELS["ar"])
    assert set(LABELS["fr"]) - set(ARABIC) - set(PEOPLE_LABELS["ar"]) == set()


@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
def test_the_links_of_a_person_removed_from_the_team_do_nothing(team_db, engine, request):
    """A person removed from the team (`veille users remove`) keeps the alerts already in their
    mailbox for 30 days: their links marked articles not relevant for the team's watchlist, the
    counter-examples its page and backtest show, and muted outlets in rows of no one, each page
    saying « C'est fait ». The links of someone no longer on the team are refused, saying so."""
    from .conftest import database_from

    db_path, rules_path, ids = team_db
    location = database_from(request, engine, db_path)
    db = store.open_database(location)
    accounts.add_user(db, "leila", None, "nadia@example.ma", ("cloud",))
    tokens = {
        "not-relevant": links.issue(db, "not-relevant", "leila", "cloud", ids[BOTH], "presse"),
        "mute": links.issue(db, "mute", "leila", "cloud", ids[BOTH], "presse"),
        "unsubscribe": links.issue(db, "unsubscribe", "leila", "cloud"),
    }
    spare = links.issue(db, "unsubscribe", "amina", "cloud")  # someone still on the team
    accounts.remove_user(db, "leila")
    db.close()
    app = create_app(ReaderConfig(db=location, watchlists=rules_path, raw_data=False))
    with running(app) as base:
        for purpose, token in tokens.items():
            browser = FormClient({"Accept-Language": "fr"})
            status, page = browser.get(f"{base}/links/{purpose}/{token}")
            assert status == 403, (purpose, page[-1500:])
            assert "Ce lien était pour leila, qui ne fait plus partie de l'équipe" in page, page
            form_token = browser.token(f"{base}/links/unsubscribe/{spare}")
            status, page = browser.post(f"{base}/links/{purpose}/{token}", {}, form_token)
            assert status == 403, (purpose, page[-1500:])
        one_click = urllib.request.Request(  # a mail provider's, with no form token
            f"{base}/links/unsubscribe/{tokens['unsubscribe']}",
            data=b"List-Unsubscribe=One-Click",
            method="POST",
        )
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(one_click, timeout=30)
        assert refused.value.code == 403
    db = store.open_database(location)
    assert not any(n.person == "leila" for n in people_store.not_relevant_of(db, "cloud"))
    assert ("cloud", "presse") not in people_store.muted(db, "leila")
    db.close()


@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
def test_an_account_page_left_open_does_not_undo_an_unsubscribe(team_db, engine, request, tmp_path):
    """Someone opens their account page, then unsubscribes from a watchlist through an alert's
    link, then changes their address on the page still open: the page sent every box as it was
    shown, and saving it followed the watchlist again without a word. The page now changes
    only what was ticked or unticked on it."""
    import shutil

    from .conftest import database_from

    db_path, rules_path, _ = team_db
    location = database_from(request, engine, shutil.copy(db_path, tmp_path / "veille.db"))
    db = store.open_database(location)
    accounts.add_user(db, "salwa", "mot de passe de salwa", "salwa@example.ma", ("cloud", "um6p"))
    unsubscribe = links.issue(db, "unsubscribe", "salwa", "um6p")
    db.close()
    app = create_app(ReaderConfig(db=location, watchlists=rules_path, raw_data=False))
    with running(app) as base:
        salwa = login("salwa", "mot de passe de salwa")
        status, page = salwa.get(base + "/account")
        assert status == 200
        form = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page))
        form |= {box: "1" for box in re.findall(r'name="(follow:[^"]+)" value="1" checked', page)}
        assert {"follow:cloud", "follow:um6p"} <= set(form), page[-2000:]
        browser = FormClient()  # the mail's link, in another tab
        form_token = browser.token(f"{base}/links/unsubscribe/{unsubscribe}")
        assert browser.post(f"{base}/links/unsubscribe/{unsubscribe}", {}, form_token)[0] == 200
        form["email"] = "salwa@lab.example.ma"
        status, page = salwa.post(base + "/account", form, form["form_token"])
        assert status == 200, page[-2000:]
        db = store.open_database(location)
        assert people_store.followed(db, "salwa") == ["cloud"]  # the unsubscribe holds
        assert people_store.email_of(db, "salwa") == "salwa@lab.example.ma"
        db.close()
        # ticking a box still follows, unticking one still stops it
        status, page = salwa.get(base + "/account")
        form = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page))
        form |= {"email": "salwa@lab.example.ma", "follow:um6p": "1"}  # cloud unticked
        assert salwa.post(base + "/account", form, form["form_token"])[0] == 200
    db = store.open_database(location)
    after_second = people_store.followed(db, "salwa")
    email = people_store.email_of(db, "salwa")
    db.close()
    assert after_second == ["um6p"] and email == "salwa@lab.example.ma"


def test_the_links_of_a_removed_person_do_nothing_for_a_newcomer_of_that_name(
    team_db, engine, request
):
    """A name given again to someone who joins later: the links of the alerts the one removed
    still has (30 days) acted for the newcomer, unsubscribing them, muting their outlets and
    marking articles not relevant in their name, since a link names its person alone."""
    from .conftest import database_from

    db_path, rules_path, ids = team_db
    location = database_from(request, engine, db_path)
    db = store.open_database(location)
    accounts.add_user(db, "leila", None, "leila@example.ma", ("cloud",))
    with db.transaction():  # on the team for a year
        db.execute("UPDATE people SET created_at = '2025-12-01T09:00:00Z' WHERE name = 'leila'")
    two_days_ago = datetime.now(UTC) - timedelta(days=2)  # the alert still in their mailbox
    old = {
        "unsubscribe": links.issue(db, "unsubscribe", "leila", "cloud", now=two_days_ago),
        "mute": links.issue(db, "mute", "leila", "cloud", ids[BOTH], "presse", two_days_ago),
    }
    accounts.remove_user(db, "leila")
    accounts.add_user(db, "leila", None, "leila.b@example.ma", ("cloud",))  # another leila
    new = links.issue(db, "unsubscribe", "leila", "cloud")
    db.close()
    app = create_app(ReaderConfig(db=location, watchlists=rules_path, raw_data=False))
    try:
        _post_old_links(app, old, new)
    finally:
        db = store.open_database(location)
        followed, muted = people_store.followed(db, "leila"), people_store.muted(db, "leila")
        accounts.remove_user(db, "leila")  # the module's database, as the other tests found it
        db.close()
    assert followed == ["cloud"] and ("cloud", "presse") not in muted


def _post_old_links(app, old: dict[str, str], new: str) -> None:
    """POST each of `old`'s links (a form's and the mail provider's one-click): each refused."""
    with running(app) as base:
        for purpose, token in old.items():
            browser = FormClient({"Accept-Language": "fr"})
            form_token = browser.token(f"{base}/links/unsubscribe/{new}")
            status, page = browser.post(f"{base}/links/{purpose}/{token}", {}, form_token)
            assert status == 403, (purpose, page[-1500:])
        one_click = urllib.request.Request(
            f"{base}/links/unsubscribe/{old['unsubscribe']}",
            data=b"List-Unsubscribe=One-Click",
            method="POST",
        )
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(one_click, timeout=30)
        assert refused.value.code == 403


@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
def test_the_account_page_lists_the_muted_outlets_to_show_again(team_db, engine, request, tmp_path):
    """An outlet muted for a watchlist (a chip's button, or an alert's one-click link) leaves
    the home page and the person's mail for good: the button to show it again was only on an
    article's page of that outlet, which the home page no longer led to, and no page listed
    what was muted. The account page lists each, with that button."""
    import shutil

    from .conftest import database_from

    db_path, rules_path, ids = team_db
    location = database_from(request, engine, shutil.copy(db_path, tmp_path / "veille.db"))
    db = store.open_database(location)
    accounts.add_user(db, "samia", "mot de passe de samia", "samia@example.ma", ("cloud",))
    db.close()
    app = create_app(ReaderConfig(db=location, watchlists=rules_path, raw_data=False))
    with running(app) as base:
        samia = login("samia", "mot de passe de samia")
        assert triage(samia, base, action="mute", article=ids[BOTH], watchlist="cloud") == 200
        assert ids[BOTH] not in entries(samia.get(base + "/")[1])
        status, page = samia.get(base + "/account")
        muted = re.search(r'<section id="muted">(.*?)</section>', page, re.S)
        assert status == 200 and muted, page[-2000:]
        assert "presse dans « Cloud souverain »" in muted[1], muted[1]
        fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', muted[1]))
        assert fields["action"] == "unmute" and fields["source"] == "presse", fields
        status, _ = samia.post(base + "/triage", fields, fields["form_token"])
        assert status == 200
        assert ids[BOTH] in entries(samia.get(base + "/")[1])
        status, page = samia.get(base + "/account")
        assert '<section id="muted">' not in page


def test_the_account_page_sets_the_language_of_ones_emails(reader, team_db):
    """The account page offers the language of the person's emails (each watchlist's by
    default); a form without the choice (a page opened before it had one) keeps it."""
    db_path, _, _ = team_db
    db = store.open_database(db_path)
    accounts.add_user(db, "soraya", "mot de passe de soraya", "soraya@example.ma", ("cloud",))
    db.close()
    soraya = login("soraya", "mot de passe de soraya")
    status, page = soraya.get(reader + "/account?lang=en")
    assert status == 200 and "Language of your emails" in page
    assert '<option value="" selected>each watchlist\'s own</option>' in page
    status, page = soraya.post(
        reader + "/account?lang=en", {"email": "soraya@example.ma", "email_language": "ar"}
    )
    assert status == 200 and '<option value="ar" lang="ar" selected>العربية</option>' in page
    assert people_store.language_of(store.open_database(db_path), "soraya") == "ar"
    soraya.post(reader + "/account", {"email": "soraya@example.ma", "follow:cloud": "1"})
    assert people_store.language_of(store.open_database(db_path), "soraya") == "ar"
    soraya.post(reader + "/account", {"email": "soraya@example.ma", "email_language": ""})
    assert people_store.language_of(store.open_database(db_path), "soraya") is None


def test_a_deleted_watchlists_matches_stay_reachable_under_its_old_name(tmp_path):
    """A watchlist deleted from the file keeps its matches: the account page lists it under its
    old name, marked deleted, with its count and a link to its page, which lists its matches;
    each person may dismiss it from their list (and list it again). Its page was a 404 and no
    page led to its matches."""
    db = store.open_database(tmp_path / "veille.db")
    db.execute("INSERT INTO sources(name) VALUES ('presse')")
    store.store_articles(db, [_article("presse", 1, BOTH), _article("presse", 2, UM6P_ONLY)])
    before = tmp_path / "before.yaml"
    before.write_text(
        RULES + "  - name: ancienne\n    title: Ancienne veille\n    terms: [supercalculateur]\n",
        encoding="utf-8",
    )
    match_pending(db, *load_watchlists(before), max_age=None)
    for name in ("amina", "karim"):
        accounts.add_user(db, name, PASSWORDS[name], f"{name}@example.ma")
    db.close()
    rules_path = tmp_path / "watchlists.yaml"
    rules_path.write_text(RULES, encoding="utf-8")  # « ancienne » deleted
    app = create_app(ReaderConfig(db=tmp_path / "veille.db", watchlists=rules_path, raw_data=False))
    amina, karim = login("amina", PASSWORDS["amina"]), login("karim", PASSWORDS["karim"])
    with running(app) as base:
        status, page = amina.get(base + "/account")
        assert status == 200
        (section,) = re.findall(r'<section id="deleted-watchlists">(.*?)</section>', page, re.S)
        assert "Veilles supprimées" in section
        assert '<a href="/watchlists/ancienne"><code>ancienne</code></a>' in section
        assert '<span class="bad">supprimée</span> <span class="meta">1 article</span>' in section
        assert "cloud" not in section and "um6p" not in section  # in the file: not deleted
        status, page = amina.get(base + "/watchlists/ancienne?lang=en")
        assert status == 200 and '<code>ancienne</code> <span class="bad">deleted</span>' in page
        assert UM6P_ONLY in page and "no longer in the watchlists file" in page
        assert amina.get(base + "/watchlists/inconnue?lang=fr")[0] == 404  # never matched
        # amina dismisses it: gone from her list (kept under « Masquées »), not from karim's
        assert triage(amina, base, action="dismiss-watchlist", watchlist="ancienne") == 200
        page = amina.get(base + "/account")[1]
        (section,) = re.findall(r'<section id="deleted-watchlists">(.*?)</section>', page, re.S)
        assert "<summary>Masquées (1)</summary>" in section and "ne plus afficher" not in section
        assert "ne plus afficher" in karim.get(base + "/account")[1]
        assert "afficher de nouveau" in amina.get(base + "/watchlists/ancienne")[1]
        assert triage(amina, base, action="undismiss-watchlist", watchlist="ancienne") == 200
        assert "ne plus afficher" in amina.get(base + "/account")[1]


def test_a_first_morning_reads_right_in_french_english_and_arabic(tmp_path):
    """What a team's first morning tripped over: the home said « 2 nouveaux depuis votre
    dernière visite » on a first visit (there was none), the French pages called matches
    « correspondances », deleting a watchlist said its matches stayed « dans la base » (no page
    showed them), and the account page's watchlist titles ran into their names right to left."""
    db = store.open_database(tmp_path / "veille.db")
    db.execute("INSERT INTO sources(name) VALUES ('presse')")
    store.store_articles(db, [_article("presse", 1, BOTH), _article("presse", 2, UM6P_ONLY)])
    rules_path = tmp_path / "watchlists.yaml"
    rules_path.write_text(RULES, encoding="utf-8")
    match_pending(db, *load_watchlists(rules_path), max_age=None)
    accounts.add_user(db, "amina", PASSWORDS["amina"], "amina@example.ma")
    db.close()
    app = create_app(ReaderConfig(db=tmp_path / "veille.db", watchlists=rules_path, raw_data=False))
    amina = login("amina", PASSWORDS["amina"])
    with running(app) as base:
        for lang, first in (("fr", "votre première visite"), ("en", "your first visit")):
            page = amina.get(f"{base}/?lang={lang}")[1]
            assert first in page, lang
            assert "dernière visite" not in page and "last visit" not in page
        assert "زيارتك الأولى" in amina.get(base + "/?lang=ar")[1]
        db = store.open_database(tmp_path / "veille.db")  # her first visit, yesterday
        db.execute("UPDATE people SET last_visit_at = '2026-01-01T08:00:00Z' WHERE name = 'amina'")
        db.close()
        store.store_articles(
            store.open_database(tmp_path / "veille.db"), [_article("presse", 3, CLOUD_ONLY)]
        )
        db = store.open_database(tmp_path / "veille.db")
        match_pending(db, *load_watchlists(rules_path), max_age=None)
        db.close()
        page = amina.get(f"{base}/?lang=fr")[1]
        assert "depuis votre dernière visite" in page and "première visite" not in page
        page = amina.get(base + "/watchlists/cloud")[1]
        assert "Derniers articles trouvés" in page and "correspondance" not in page
        page = amina.get(base + "/watchlists/cloud/delete")[1]
        assert "restent lisibles, sous son nom, depuis « Mon compte »" in page
        page = amina.get(base + "/watchlists/cloud/delete?lang=en")[1]
        assert "stay readable, under its name, from « My account »" in page
        page = amina.get(base + "/account?lang=ar")[1]
        assert "<bdi>Cloud souverain</bdi> <code>cloud</code>" in page


def test_a_reader_before_the_first_crawl_says_what_comes_next(tmp_path):
    """A team opening the reader before the daemon's first crawl: the sources page was a table
    header with no row and nothing said, the stories page said « Aucun résultat. » as if
    something had been searched for."""
    store.open_database(tmp_path / "veille.db").close()
    rules_path = tmp_path / "watchlists.yaml"
    rules_path.write_text(RULES, encoding="utf-8")
    app = create_app(ReaderConfig(db=tmp_path / "veille.db", watchlists=rules_path, raw_data=False))
    client = FormClient()
    with running(app) as base:
        sources = {
            lang: client.get(f"{base}/sources?lang={lang}")[1] for lang in ("fr", "en", "ar")
        }
        assert "Aucune source n'a encore été explorée : le démon (veille run)" in sources["fr"]
        assert "No source has been crawled yet: the daemon (veille run)" in sources["en"]
        assert "لم يُستكشف أي مصدر بعد" in sources["ar"] and 'dir="rtl"' in sources["ar"]
        page = client.get(f"{base}/stories/?lang=fr")[1]
        assert "Aucune histoire racontée par deux médias ou plus pour l'instant." in page
        assert "Aucun résultat" not in page
        assert "No story yet." in client.get(f"{base}/stories/?all=1&lang=en")[1]
        assert "لا قصص بعد." in client.get(f"{base}/stories/?all=1&lang=ar")[1]


def test_an_arabic_page_of_a_matched_article_writes_no_french_colon(reader, team_db):
    """The watchlist chips of an article's page (« Cloud souverain : ») and the line of its
    rule wrote the French colon, a space before it, on Arabic pages; the chip's title now
    stands apart (bdi) from the Arabic words after it."""
    _, _, ids = team_db
    page = login("hamza", PASSWORDS["hamza"]).get(f"{reader}/articles/{ids[BOTH]}?lang=ar")[1]
    visible = re.sub(r"<(script|style)\b.*?</\1>", "", page, flags=re.S)
    assert 'class="chip"' in visible
    assert not re.findall(r".{40} :(?:\s|<)", visible), page
    assert "<bdi>Cloud souverain</bdi>: " in visible, page


def test_a_signed_links_page_speaks_the_language_of_the_persons_emails(reader, team_db):
    """The page an email's link opens is in the language the person chose for their emails,
    unless they chose one in the reader; it was the browser's, a French page for an Arabic
    email."""
    db_path, _, _ = team_db
    db = store.open_database(db_path)
    accounts.add_user(db, "rachid", None, "rachid@example.ma", ("cloud",))
    accounts.set_language(db, "rachid", "ar")
    token = links.issue(db, "unsubscribe", "rachid", "cloud")
    db.close()
    browser = {"Accept-Language": "fr"}
    status, page = FormClient(browser).get(f"{reader}/links/unsubscribe/{token}")
    assert status == 200 and '<html lang="ar" dir="rtl">' in page
    assert "إيقاف تنبيهات رصد «Cloud souverain»" in page
    status, page = FormClient(browser).get(f"{reader}/links/unsubscribe/{token}?lang=en")
    assert status == 200 and "Stop the alerts of the watchlist" in page  # a choice made here


# A refused link's message on its page, by language: (changed, expired, used), each a sentence
REFUSED_LINKS = {
    "fr": (
        "Ce lien n'a pas été fait par veille, ou il a été modifié.",
        "Ce lien a expiré : faites-le depuis le lecteur (connectez-vous) ou une alerte plus "
        "récente.",
        "Ce lien a déjà servi ; chaque lien ne sert qu'une fois.",
    ),
    "en": (
        "This link is not one veille made, or it was changed.",
        "This link has expired; do the same from the reader (log in) or a newer alert.",
        "This link was used already; each link works once.",
    ),
    "ar": (
        "هذا الرابط لم تصنعه veille، أو تم تغييره.",
        "انتهت صلاحية هذا الرابط: قم بذلك من القارئ (سجّل الدخول) أو من تنبيه أحدث.",
        "استُخدم هذا الرابط من قبل؛ كل رابط يعمل مرة واحدة.",
    ),
}


def test_a_refused_links_message_is_a_sentence_in_each_language(reader, team_db):
    """The page of a signed link changed on its way, expired or used already says why in a
    sentence, French, English or Arabic: it began in lowercase (« ce lien a expiré… ») under
    the page's heading, and ended with no full stop."""
    db_path, _, ids = team_db
    db = store.open_database(db_path)
    accounts.add_user(db, "ines", None, "ines@example.ma")
    expired = links.issue(
        db, "mute", "ines", "cloud", ids[BOTH], "presse", datetime.now(UTC) - timedelta(days=31)
    )
    fresh = links.issue(db, "unsubscribe", "ines", "cloud")
    changed = fresh[:-4] + ("AAAA" if not fresh.endswith("AAAA") else "BBBB")
    db.close()
    browser = FormClient()
    form_token = browser.token(f"{reader}/links/unsubscribe/{fresh}")
    assert browser.post(f"{reader}/links/unsubscribe/{fresh}", {}, form_token)[0] == 200
    for lang, (changed_text, expired_text, used_text) in REFUSED_LINKS.items():
        for address, expected in (
            (f"/links/unsubscribe/{changed}", changed_text),
            (f"/links/mute/{expired}", expired_text),
            (f"/links/unsubscribe/{fresh}", used_text),
        ):
            status, page = FormClient().get(f"{reader}{address}?lang={lang}")
            found = re.search(r"<h1>.*?</h1>\s*<p>(.*?)</p>", page, re.S)
            assert status == 403 and found, page[-1500:]
            assert found[1].strip() == expected, (lang, address)


@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
def test_a_persons_pages_default_to_the_language_of_their_emails(team_db, engine, request):
    """A logged-in person whose browser makes no choice in the reader reads its pages in the
    language they chose for their emails (`veille users set --language`, the account page),
    not the browser's: Arabic emails, French pages. A choice made in the reader (the switch,
    then its cookie) wins over it; someone who chose no language gets the browser's."""
    from .conftest import database_from

    db_path, rules_path, _ = team_db
    location = database_from(request, engine, db_path)
    db = store.open_database(location)
    accounts.add_user(db, "hind", "mot de passe de hind", "hind@example.ma")
    accounts.set_language(db, "hind", "ar")
    db.close()
    app = create_app(ReaderConfig(db=location, watchlists=rules_path, raw_data=False))
    with running(app) as base:
        hind = login("hind", "mot de passe de hind")
        hind.headers["Accept-Language"] = "fr-FR,fr;q=0.9"
        for address in ("/", "/account", "/search", "/stories/", "/stories/999999"):
            status, page = hind.get(base + address)
            assert status in (200, 404) and '<html lang="ar" dir="rtl">' in page, address
        status, page = hind.get(base + "/?lang=en")  # the switch: remembered in a cookie
        assert status == 200 and '<html lang="en"' in page
        assert '<html lang="en"' in hind.get(base + "/account")[1]
        amal = login("amal", PASSWORDS["amal"])  # chose no language for her emails
        amal.headers["Accept-Language"] = "fr"
        assert '<html lang="fr"' in amal.get(base + "/")[1]
        # another language chosen on the account page: the next page is in it, at once
        hind = login("hind", "mot de passe de hind")
        hind.headers["Accept-Language"] = "en"
        assert '<html lang="ar"' in hind.get(base + "/")[1]
        fields = {"email": "hind@example.ma", "email_language": "fr"}
        assert hind.post(base + "/account", fields)[0] == 200
        assert '<html lang="fr"' in hind.get(base + "/")[1]
    if engine == "sqlite":  # the module's database, as the other tests found it
        db = store.open_database(location)
        accounts.remove_user(db, "hind")
        db.close()
