"""The home page and a watchlist page page further than their first page: "older" and "newer"
links carrying the key of the row they continue from (monitors.web.paging). Walked through a
real server on both engines, every matched article is listed once across the pages, however
many watchlists matched it and when matches arrive between two clicks; the unread filter and a
person's followed watchlists hold on every page; a link edited by hand is a 400 page in the
reader's language; the Arabic pager's arrows point toward the pages they lead to."""

from __future__ import annotations

import base64
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from crawler.core.normalize import content_hash
from crawler.core.times import iso
from crawler.storage import store
from monitors.alerts.outbox import match_pending
from monitors.alerts.store import NewMatch, add_match
from monitors.people import accounts
from monitors.people import store as people_store
from monitors.service.watchlists import load_watchlists
from monitors.web.app import ReaderConfig, create_app

from .conftest import database_from
from .reader_client import FormClient, running

pytestmark = pytest.mark.slow  # end-to-end: a real server (README, "Development")

RULES = """
watchlists:
  - name: port
    title: Ports
    terms: [port]
  - name: rabat
    title: Rabat
    terms: [Rabat]
  - name: maroc
    title: Maroc
    terms: [Marocaine]
"""
COUNT = 130  # the home page shows 50, a watchlist page 20
START = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)
AMINA = ("amina", "mot de passe d'amina")  # follows `rabat`
KARIM = ("karim", "mot de passe de karim")  # follows none: sees every watchlist


def _title(number: int) -> str:
    return ("Le port de Rabat", "Le port", "Rabat")[number % 3] + f" numéro {number}"


def _article(number: int, published: datetime) -> store.StoredArticle:
    title = _title(number)
    text = f"{title}. " + " ".join(f"mot{number}x{i}" for i in range(60)) + "."
    return store.StoredArticle(
        "presse", f"https://presse.example.ma/{number}", title, None,
        iso(published), "fr", None, None, text, content_hash(text),
    )  # fmt: skip


@pytest.fixture(scope="module")
def stored(tmp_path_factory) -> tuple[Path, Path]:
    """COUNT articles, two by two published at the same minute (ties of the watchlist pages'
    date), each matching one or two watchlists; Amina follows `rabat` only, Karim none."""
    folder = tmp_path_factory.mktemp("paging")
    rules = folder / "watchlists.yaml"
    rules.write_text(RULES, encoding="utf-8")
    db = store.open_database(folder / "veille.db")
    db.execute("INSERT INTO sources(name) VALUES ('presse')")
    store.store_articles(db, [_article(n, START + timedelta(hours=n // 2)) for n in range(COUNT)])
    match_pending(db, *load_watchlists(rules), max_age=None)
    accounts.add_user(db, *AMINA, None, ("rabat",))
    accounts.add_user(db, *KARIM)
    db.close()
    return folder / "veille.db", rules


@pytest.fixture
def reader(stored, engine, request, tmp_path):
    """A copy of the stored database on `engine`, served; yields (base URL, location, rules)."""
    import shutil

    path, rules = stored
    shutil.copy(path, tmp_path / "veille.db")
    location = database_from(request, engine, tmp_path / "veille.db")
    with running(create_app(ReaderConfig(db=location, watchlists=rules, raw_data=False))) as base:
        yield base, location, rules


def _ids(location: str, sql: str, *params: object) -> list[int]:
    db = store.open_database(location)
    try:
        return [row[0] for row in db.execute(sql, params).fetchall()]
    finally:
        db.close()


def _home_ids(page: str) -> list[int]:
    return [int(i) for i in re.findall(r'<article class="entry[^"]*" id="a-(\d+)"', page)]


def _card_ids(page: str) -> list[int]:
    """The articles of a watchlist page's latest matches, in order."""
    latest = page.split('<h2 id="test">')[0]
    return [int(i) for i in re.findall(r'<h3[^>]*><a href="/articles/(\d+)">', latest)]


def _link(page: str, rel: str) -> str | None:
    found = re.search(rf'<a href="([^"]+)" rel="{rel}">', page)
    return found.group(1) if found else None


def _walk(client: FormClient, base: str, url: str | None, ids, rel: str = "next", between=None):
    """The pages from `url` on, following the "older" links (`rel` next) or the "newer" ones
    (prev) to the last; `between` runs after the first page. Their ids, and the last page."""
    pages, page = [], ""
    while url:
        status, page = client.get(base + url)
        assert status == 200, page[-2000:]
        pages.append(ids(page))
        if between is not None and len(pages) == 1:
            between()
        url = _link(page, rel)
    return pages, page


def _login(name: str, password: str) -> FormClient:
    value = base64.b64encode(f"{name}:{password}".encode()).decode()
    return FormClient({"Authorization": f"Basic {value}"})


def _add_matches(location: str, rules: Path, article_ids: list[int], article: int | None) -> None:
    """Matches found now: `maroc` for each of `article_ids`, and a new article numbered
    `article`, published 90 days after the others, matched by the match step."""
    db = store.open_database(location)
    with db.transaction():
        for article_id in article_ids:
            add_match(db, NewMatch(article_id, "maroc", "[]", "", iso(datetime.now(UTC)), "[]"))
    if article is not None:
        store.store_articles(db, [_article(article, START + timedelta(days=90))])
        match_pending(db, *load_watchlists(rules), max_age=None)
    db.close()


def test_the_home_pages_list_each_article_once_as_matches_arrive(reader):
    """130 articles, a third of them matched by two watchlists: three home pages of 50, 50 and
    30, each article once, newest match first. Between the first and the second page, an article
    of the second page and one of the first are matched by a third watchlist and a new article
    is matched: none moves within the pages opened (the first page shows the new ones when it
    is opened again), none is listed twice, none is left out. The newer links lead back through
    the same pages to the first, as it is then."""
    base, location, rules = reader
    newest_first = _ids(
        location, "SELECT article_id FROM matches GROUP BY article_id ORDER BY max(id) DESC"
    )
    assert len(newest_first) == COUNT
    client = _login(*KARIM)
    pages, _ = _walk(
        client,
        base,
        "/",
        _home_ids,
        between=lambda: _add_matches(location, rules, [newest_first[70], newest_first[10]], COUNT),
    )
    assert [len(p) for p in pages] == [50, 50, 30]
    assert [i for p in pages for i in p] == newest_first, "each article once, in the list's order"
    again, last = _walk(client, base, "/", _home_ids)
    new_article = max(_ids(location, "SELECT id FROM articles"))
    assert again[0][:3] == [new_article, newest_first[10], newest_first[70]]
    assert sorted(i for p in again for i in p) == sorted([*newest_first, new_article])
    # one more match: the newer links lead back through the pages shown, to a first page
    # that shows it
    _add_matches(location, rules, [newest_first[100]], None)
    back, _ = _walk(client, base, _link(last, "prev"), _home_ids, rel="prev")
    assert len(back) == 2 and back[0] == again[1], "the newer page is the page shown before"
    assert back[1] == [newest_first[100], *again[0][:49]], "the first page, as it is now"


def test_an_article_set_aside_is_not_listed_by_a_match_found_between_two_clicks(reader):
    """Karim marked an article of his second page not relevant for its only watchlist: it is
    not listed. Another watchlist matched it after his first page was shown: his second page
    listed it all the same, at the place of the match he had set aside (a match found between
    two clicks changed the list as of its first page), and the newer links led back through
    pages he had not seen. The first page lists it, by its new match, when reached again."""
    base, location, rules = reader
    newest_first = _ids(
        location, "SELECT article_id FROM matches GROUP BY article_id ORDER BY max(id) DESC"
    )
    alone = _ids(location, "SELECT article_id FROM matches GROUP BY article_id HAVING count(*) = 1")
    aside = next(i for i in newest_first[60:] if i in alone)
    (watchlist,) = _ids(location, "SELECT watchlist FROM matches WHERE article_id = ?", aside)
    db = store.open_database(location)
    people_store.mark_not_relevant(db, KARIM[0], aside, watchlist, iso(datetime.now(UTC)))
    db.close()
    client = _login(*KARIM)
    pages, last = _walk(
        client, base, "/", _home_ids, between=lambda: _add_matches(location, rules, [aside], None)
    )
    assert [i for p in pages for i in p] == [i for i in newest_first if i != aside]
    back, _ = _walk(client, base, _link(last, "prev"), _home_ids, rel="prev")
    assert back[:-1] == pages[-2:0:-1], "the newer pages are the pages shown before"
    assert back[-1] == [aside, *pages[0][:49]], "the first page, as it is now"


def test_a_watchlist_pages_list_each_match_once_as_matches_arrive(reader):
    """The watchlist `port` (87 articles): pages of 20 by publication date, ties (two articles
    of the same minute) in the order of their matches, each article once. Between the first
    and the second page, an older article is matched (it takes its place on a later page) and a
    new one (above the first page): each is listed once, on the page of its date."""
    base, location, rules = reader
    ordered = (
        "SELECT m.article_id FROM matches m JOIN articles a ON a.id = m.article_id "
        "WHERE m.watchlist = ? ORDER BY coalesce(a.published, a.fetched_at) DESC, m.id DESC"
    )
    port = _ids(location, ordered, "port")
    assert len(port) == 87
    rabat_only = _ids(location, ordered, "rabat")
    late = next(i for i in rabat_only[60:] if i not in port)  # an older article, of page 4
    client = _login(*KARIM)
    pages, last = _walk(
        client,
        base,
        "/watchlists/port",
        _card_ids,
        between=lambda: _add_port_match(location, rules, late),
    )
    listed = [i for p in pages for i in p]
    assert [len(p) for p in pages] == [20, 20, 20, 20, 8]
    expected = _ids(location, ordered, "port")
    new_article = expected[0]
    assert listed == expected[1:], "each once, the older one where its date puts it"
    assert listed.count(late) == 1
    back, first = _walk(client, base, _link(last, "prev"), _card_ids, rel="prev")
    assert back[-1] == expected[:20] and new_article in back[-1]
    assert _link(first, "prev") is None


def _add_port_match(location: str, rules: Path, article_id: int) -> None:
    db = store.open_database(location)
    with db.transaction():
        add_match(db, NewMatch(article_id, "port", "[]", "", iso(datetime.now(UTC)), "[]"))
    store.store_articles(db, [_article(COUNT + 2, START + timedelta(days=90))])  # port
    match_pending(db, *load_watchlists(rules), max_age=None)
    db.close()


def test_the_unread_filter_and_the_followed_watchlists_hold_on_every_page(reader):
    """Amina follows `rabat` (87 articles) and has read every third: with « unread only », her
    pages list the 58 others, each once, and every older link keeps the filter."""
    base, location, _ = reader
    rabat = _ids(
        location,
        "SELECT article_id FROM matches WHERE watchlist = 'rabat' ORDER BY id DESC",
    )
    read = rabat[::3]
    db = store.open_database(location)
    people_store.mark_read(db, AMINA[0], read, iso(datetime.now(UTC)))
    db.close()
    amina = _login(*AMINA)
    pages, _ = _walk(amina, base, "/", _home_ids)
    assert [i for p in pages for i in p] == rabat and [len(p) for p in pages] == [50, 37]
    status, page = amina.get(base + "/?unread=1")
    assert status == 200 and "unread=1" in _link(page, "next")
    pages, _ = _walk(amina, base, "/?unread=1", _home_ids)
    assert [i for p in pages for i in p] == [i for i in rabat if i not in read]
    assert [len(p) for p in pages] == [50, 8]


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_a_page_link_edited_by_hand_is_refused_in_the_readers_language(reader):
    """A cursor that no page gave (not a number, beyond what an engine stores, a key without
    its top, a date that is none) answers 400 with the reader's page, in its language."""
    base, _, _ = reader
    client = _login(*KARIM)
    for url in (
        "/?before=abc&top=12",
        "/?before=12",
        "/?after=3&top=99999999999999999999",
        "/?top=12",
        "/watchlists/port?before=2026-11-02T08:00:00Z~x",
        "/watchlists/port?after=hier~12",
        "/watchlists/port?before=12",
    ):
        for lang, words in (
            ("fr", "Ce lien de page n'est pas valide"),
            ("ar", "رابط هذه الصفحة غير صالح"),
        ):
            status, page = client.get(f"{base}{url}&lang={lang}")
            assert status == 400 and words in page, (url, status, page[-1500:])


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_the_pagers_point_the_way_the_page_reads(reader):
    """Older and newer, in French to the right and to the left, in Arabic the other way round,
    the arrows pointing outward, toward the pages they lead to (as the search pager's)."""
    base, _, _ = reader
    client = _login(*KARIM)
    for start in ("/", "/watchlists/port"):
        for lang, newer, older in (
            ("fr", "← plus récents", "plus anciens →"),
            ("ar", "→ الأحدث", "الأقدم ←"),
        ):
            url = start + ("&" if "?" in start else "?") + f"lang={lang}"
            status, page = client.get(base + url)
            assert status == 200 and f'rel="next">{older}</a>' in page, page[-2000:]
            assert 'rel="prev"' not in page
            status, page = client.get(base + _link(page, "next"))
            assert status == 200 and f'rel="prev">{newer}</a>' in page, page[-2000:]


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_l_and_h_turn_the_pages_in_chromium(reader):
    """The keys l and h follow the older and newer links (Miniflux's next and previous page), on
    the home page and a watchlist page; the help lists them."""
    from .cdp import Browser

    base, _, _ = reader
    browser = Browser()
    try:
        value = base64.b64encode(":".join(KARIM).encode()).decode()
        browser.call("Network.enable")
        browser.call("Network.setExtraHTTPHeaders", headers={"Authorization": f"Basic {value}"})
        for start, ids in (("/", _home_ids), ("/watchlists/port", _card_ids)):
            browser.open(base + start)
            first = ids(browser.evaluate("document.documentElement.outerHTML"))
            for key, query in (("l", "before="), ("h", "after=")):
                browser.events.clear()
                browser.evaluate(
                    f"document.dispatchEvent(new KeyboardEvent('keydown', {{key: {key!r}}}))"
                )
                browser.wait_for_load()
                assert query in browser.url, (key, browser.url)
                page = ids(browser.evaluate("document.documentElement.outerHTML"))
                assert (page == first) == (key == "h") and page, (key, page, first)
        assert "page suivante de la liste" in browser.evaluate(
            "document.getElementById('keys-help').textContent"
        )
    finally:
        browser.close()


def test_a_watchlist_pages_link_takes_every_date_veille_import_stores(tmp_path):
    """`veille import` takes a publication date with spaces around it (ISO 8601 once they are
    stripped) and stores it as given: a page's own older link carrying such a date leads to the
    next page, not to the 400 page of a link edited by hand."""
    from crawler.storage.importer import ImportRecord, import_records

    rules = tmp_path / "watchlists.yaml"
    rules.write_text(RULES, encoding="utf-8")
    db = store.open_database(tmp_path / "veille.db")
    records = [
        ImportRecord(
            line=n + 1,
            url=f"https://presse.example.ma/import-{n}",
            title=f"Le port numéro {n}",
            text=f"Le port numéro {n}. " + " ".join(f"mot{n}x{i}" for i in range(60)) + ".",
            published=f" 2026-11-{n + 1:02d}T10:00:00+01:00",
            source="presse",
            language="fr",
        )
        for n in range(25)
    ]
    report = import_records(db, records)
    assert report.new == 25, report
    match_pending(db, *load_watchlists(rules), max_age=None)
    db.close()
    app = create_app(ReaderConfig(db=tmp_path / "veille.db", watchlists=rules, raw_data=False))
    with running(app) as base:
        pages, _ = _walk(FormClient(), base, "/watchlists/port", _card_ids)
    assert [len(p) for p in pages] == [20, 5]
    assert len({i for p in pages for i in p}) == 25
