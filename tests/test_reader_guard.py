"""The reader against hostile browsers and hostile pages: its rule test reads web addresses only,
its forms refuse cross-site posts, it answers only to its own names, rule tests and backtests run
on threads of their own within a time and size budget, and a flood of password guesses leaves a
logged-in reader's pages answered. Real `veille serve` processes (or uvicorn in this process,
where a test injects a clock) on 127.0.0.1, real SQLite files, a real drip server."""

from __future__ import annotations

import base64
import html
import http.client
import itertools
import json
import os
import threading
import urllib.parse
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import feedparser
import pytest

from monitors.people.passwords import hash_password

from .hostile import DripSite
from .reader_client import WATCHLISTS, FormClient, running, serving
from .waiting import GENEROUS, wait_until

pytestmark = pytest.mark.slow  # end-to-end: real processes (README, "Development")

LOOPBACK = {"VEILLE_CRAWL_SETTINGS": json.dumps({"VEILLE_ALLOWED_NETWORKS": ["127.0.0.0/8"]})}
WATCHLIST = "/watchlists/um6p-supercalculateur"
CONTROL_TITLE = "UM6P\x01 supercalculateur\x1b[31m rouge\x0c"


def make_db(folder: Path, articles: int = 4, text_repeat: int = 20) -> Path:
    """A database with `articles` articles the UM6P watchlist matches, newest first, and one
    whose title holds control characters."""
    from crawler.storage import store

    path = folder / "veille.db"
    db = store.open_database(path)
    store.register_sources(
        db,
        [
            SimpleNamespace(
                name="quotidien", title="Le Quotidien", homepage="http://q.test/", languages=["fr"]
            )
        ],  # fmt: skip
    )
    now = datetime.now(UTC)
    titles = [f"UM6P : le supercalculateur, épisode {i}" for i in range(articles)]
    for i, title in enumerate([*titles, CONTROL_TITLE]):
        text = f"Article {i}. L'UM6P met en service le supercalculateur Toubkal à Benguérir. "
        store.store_article(
            db,
            store.StoredArticle(
                source="quotidien",
                url=f"http://q.test/{i}",
                title=title,
                author=None,
                published=(now - timedelta(hours=i + 1)).isoformat(timespec="seconds"),
                language="fr",
                sitename=None,
                description=None,
                text=text * text_repeat + f" Numéro unique {i * 7919}.",
                content_hash=f"hash-{i}",
            ),
        )
    db.conn.close()
    return path


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> Path:
    return make_db(tmp_path_factory.mktemp("guard"))


@pytest.fixture(scope="module")
def web(db):
    with serving(db, env=dict(os.environ, **LOOPBACK)) as base:
        yield base


def request(base: str, path: str, headers: dict | None = None, method: str = "GET", body=None):
    """(status, headers, text) of one request, with any Host header the test chooses."""
    parts = urllib.parse.urlsplit(base)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.getheaders(), html.unescape(response.read().decode())
    finally:
        connection.close()


# -- finding 1: the rule test reads web addresses only --------------------------------------------


def test_the_rule_test_refuses_paths_stdin_and_file_urls(web, tmp_path):
    secret = tmp_path / "notes.html"
    secret.write_text(
        "<html><head><title>UM6P supercalculateur mot-de-passe-Zr7q</title></head><body>"
        + "<p>L'UM6P et son supercalculateur Toubkal : le mot de passe est Zr7q.</p>" * 30
        + "</body></html>",
        encoding="utf-8",
    )
    client = FormClient()
    for target in [str(secret), "-", secret.as_uri(), "../../../../etc/hostname", "/etc/passwd",
                   "data:text/html,<title>UM6P supercalculateur</title>", "//127.0.0.1/x"]:  # fmt: skip
        status, body = client.post(web + WATCHLIST, {"url": target})
        assert status == 200, (target, body[:300])
        assert "n'est pas une adresse web : donnez une adresse absolue http:// ou https://" in body
        assert "Zr7q" not in body and "root:" not in body, target
        assert "no such file" not in body, target  # nothing tells which paths exist


# -- CSRF: forms carry a token; cross-site posts are refused --------------------------------------


def test_a_cross_site_post_without_the_token_is_refused(web):
    fields = {"text": "L'UM6P et son supercalculateur", "title": "UM6P"}
    cross_site = {"Origin": "http://evil.test", "Sec-Fetch-Site": "cross-site"}
    status, _, body = request(
        web,
        WATCHLIST,
        {**cross_site, "Content-Type": "application/x-www-form-urlencoded"},
        "POST",
        urllib.parse.urlencode(fields),
    )
    assert status == 403 and "refusé : ce formulaire a été envoyé par la page d'un autre" in body
    assert "Retenu par cette veille" not in body
    # in the reader's language: English and Arabic pages say it in theirs
    for language, said in (
        ("en", "refused: this form was sent by another site's page (Sec-Fetch-Site: cross-site)"),
        ("ar", "مرفوض: أُرسلت هذه الاستمارة من صفحة موقع آخر"),
    ):
        status, _, body = request(
            web,
            WATCHLIST,
            {
                **cross_site,
                "Accept-Language": language,
                "Content-Type": "application/x-www-form-urlencoded",
            },
            "POST",
            urllib.parse.urlencode(fields),
        )
        assert status == 403 and said in html.unescape(body), language
    # a client that sends no browser header still needs the page's token
    status, _, body = request(
        web,
        WATCHLIST,
        {"Content-Type": "application/x-www-form-urlencoded"},
        "POST",
        urllib.parse.urlencode({**fields, "form_token": "forged"}),
    )
    assert status == 403 and "ce formulaire n'a pas de jeton valide" in html.unescape(body)
    # the token of another browser (another cookie) does not fit either
    other_token = FormClient().token(web + WATCHLIST)
    status, body = FormClient().post(web + WATCHLIST, fields, token=other_token)
    assert status == 403 and "pas de jeton valide" in html.unescape(body)
    client = FormClient()
    status, body = client.post(web + WATCHLIST, fields, headers=cross_site)
    assert status == 403 and "page d'un autre site" in html.unescape(
        body
    )  # the token alone is not enough
    status, body = client.post(web + WATCHLIST, fields, headers={"Origin": "http://evil.test"})
    assert status == 403 and "pas depuis les pages de ce serveur" in html.unescape(body)
    status, body = client.post(
        web + WATCHLIST, fields, headers={"Sec-Fetch-Site": "same-origin", "Origin": web}
    )
    assert status == 200 and "Retenu par cette veille" in body
    cookie = next(c for c in client.jar if c.name == "veille_form")
    assert cookie.has_nonstandard_attr("HttpOnly")
    status, headers, _ = request(web, WATCHLIST)
    set_cookie = [v for k, v in headers if k.lower() == "set-cookie" and "veille_form" in v]
    assert set_cookie and "samesite=strict" in set_cookie[0].lower()


# -- finding 8: the Host header -------------------------------------------------------------------


def test_a_foreign_host_header_is_refused(web):
    port = urllib.parse.urlsplit(web).port
    for path in ("/", "/search?q=UM6P", "/feeds/um6p-supercalculateur.atom", "/data/", WATCHLIST):
        status, _, body = request(web, path, {"Host": f"rebind.evil.test:{port}"})
        assert status == 400, path
        assert "does not answer to the name 'rebind.evil.test:" in body
        assert "--public-name rebind.evil.test" in body and "UM6P" not in body
    for host in (f"localhost:{port}", f"127.0.0.1:{port}", f"[::1]:{port}", "localhost"):
        assert request(web, "/", {"Host": host})[0] == 200, host


def test_public_names_come_from_the_option_and_the_environment(db):
    env = dict(os.environ, VEILLE_WEB_PUBLIC_NAMES="veille.example.ma, lecteur.example.ma")
    with serving(db, "--public-name", "VEILLE.interne.test", env=env) as base:
        for host in ("veille.example.ma", "lecteur.example.ma:443", "veille.interne.test"):
            assert request(base, "/", {"Host": host})[0] == 200, host
        assert request(base, "/", {"Host": "example.ma"})[0] == 400


def test_a_public_name_that_is_not_a_name_is_refused_at_start(db, monkeypatch):
    from click.testing import CliRunner

    from monitors.cli import cli

    result = CliRunner().invoke(cli, ["--db", str(db), "serve", "--public-name", "https://x.ma/"])
    assert (
        result.exit_code == 2 and "'https://x.ma/' is not a host name or address" in result.output
    )
    monkeypatch.setenv("VEILLE_WEB_PUBLIC_NAMES", "veille.example.ma *.example.ma")
    result = CliRunner().invoke(cli, ["--db", str(db), "serve"])
    assert result.exit_code == 2 and "VEILLE_WEB_PUBLIC_NAMES" in result.output
    assert "'*.example.ma' is not a host name" in result.output


# -- finding 4: rule tests on their own threads, each fetch within its deadline -------------------


def test_dripping_rule_tests_neither_hang_nor_take_the_pages(web):
    """45 posts of a rule test on a server that drips one byte a second took every thread that
    serves pages: `/`, `/search` and `/sources` stopped answering."""
    drip = DripSite(seconds=120)
    client = FormClient()
    token = client.token(web + WATCHLIST)
    answers: list[tuple[int, str]] = []

    def post() -> None:
        status, body = client.post(
            web + WATCHLIST, {"url": drip.base_url + "/drip"}, token=token, timeout=90
        )
        answers.append((status, body))

    try:
        with ThreadPoolExecutor(max_workers=45) as pool:
            for _ in range(45):
                pool.submit(post)
            # The posts are in: the two threads of rule tests fetch from the drip, two posts
            # wait in line, the others were answered busy (the reader's defaults).
            wait_until(
                lambda: drip.open_requests >= 2 and len(answers) >= 41, "the rule tests to start"
            )
            for path in ("/", "/search?q=UM6P", "/sources"):
                status, _, _ = request(web, path)
                # Answered while the rule tests still fetch: not after one of their 20-second
                # turns freed a thread (the bug), whatever the machine's load.
                assert status == 200, path
                assert not [a for a in answers if a[0] == 200], path
        assert len(answers) == 45
        busy = [a for a in answers if a[0] == 503]
        tested = [a for a in answers if a[0] == 200]
        assert busy and all("réessayez dans une minute" in a[1] for a in busy)
        assert tested and len(busy) + len(tested) == 45
        for _, body in tested:
            # Ended by the fetch's own 20-second deadline: not by the drip's end (120 s, a
            # complete page), nor by the request's 60-second wait ("took longer than its 60 s").
            assert "no complete answer within 20 s" in body
    finally:
        drip.stop()


# -- finding 5: the backtest is a bounded POST ----------------------------------------------------


def test_a_get_never_runs_a_backtest(web):
    status, _, body = request(web, WATCHLIST + "?backtest=3650")
    assert status == 200 and "articles (depuis" not in body
    status, body = FormClient().post(web + WATCHLIST, {"backtest": "3650"})
    assert status == 200 and "5 / 5 articles (depuis" in body


def _reader(db: Path, **settings):
    from monitors.web.app import ReaderConfig, create_app

    config = ReaderConfig(db=db, watchlists=WATCHLISTS, raw_data=False, **settings)
    return create_app(config)


def test_a_backtest_stops_at_its_time_budget_and_says_it_is_partial(tmp_path):
    ticks = iter(range(1_000_000))
    app = _reader(
        make_db(tmp_path, articles=12), clock=lambda: float(next(ticks)), backtest_seconds=5
    )
    with running(app) as base:
        status, body = FormClient().post(base + WATCHLIST, {"backtest": "3650"})
    assert status == 200
    # the clock moves one second per article: five articles fit in the five seconds
    assert "Résultat partiel</strong> : 5 / 5 articles, le budget de temps (5 s) est épuisé" in body
    assert "réduisez la période" in body


def test_a_backtest_stops_at_its_reading_budget(tmp_path):
    from crawler.storage import store

    path = make_db(tmp_path, articles=12, text_repeat=100)
    sizes = [
        row[0]
        for row in store.open_database(path).execute(
            "SELECT length(title) + length(text) FROM articles ORDER BY published DESC"
        )
    ]
    fit = sum(1 for total in itertools.accumulate(sizes) if total <= 30_000)
    assert 2 <= fit < len(sizes)
    with running(_reader(path, backtest_max_chars=30_000)) as base:
        status, body = FormClient({"Accept-Language": "en"}).post(
            base + WATCHLIST, {"backtest": "3650"}
        )
    assert status == 200
    assert (
        f"Partial result</strong>: {fit} / {fit} articles, its reading budget (30,000 "
        "characters) was reached" in body
    )


def test_rule_tests_and_backtests_beyond_the_places_are_answered_busy(tmp_path):
    drip = DripSite(seconds=60)
    app = _reader(
        make_db(tmp_path), costly_workers=1, costly_waiting=0, fetch_seconds=10,
        allowed_networks=["127.0.0.0/8"],
    )  # fmt: skip
    try:
        with running(app) as base:
            client = FormClient()
            token = client.token(base + WATCHLIST)
            with ThreadPoolExecutor(max_workers=1) as pool:
                slow = pool.submit(
                    client.post, base + WATCHLIST, {"url": drip.base_url + "/drip"}, token
                )
                wait_until(lambda: drip.open_requests >= 1, "the rule test to take its place")
                status, body = client.post(base + WATCHLIST, {"backtest": "30"}, token=token)
                assert status == 503 and "réessayez dans une minute" in body
                status, body = slow.result(timeout=60)
            assert status == 200 and "no complete answer within 10 s" in body
            status, body = client.post(base + WATCHLIST, {"backtest": "30"}, token=token)
            assert status == 200 and "articles (depuis" in body  # the place is free again
    finally:
        drip.stop()


def test_a_rule_test_over_its_wait_is_answered_without_a_result(tmp_path):
    """The request waits 2 s for its rule test; the test's fetch could last ten minutes (its
    deadline, and the drip's). The answer is the wait's, given while the fetch still reads the
    drip: a reader that waited for the fetch would leave the client without an answer past its
    60 s, failing the test instead of timing it."""
    drip = DripSite(seconds=600)
    app = _reader(
        make_db(tmp_path), fetch_seconds=600, work_seconds=2, allowed_networks=["127.0.0.0/8"]
    )
    try:
        with running(app) as base:
            status, body = FormClient({"Accept-Language": "en"}).post(
                base + WATCHLIST, {"url": drip.base_url + "/drip"}
            )
            assert status == 200 and "This test took longer than its 2 s; it has no result." in body
            # The answer came from the wait, not from the fetch's end: it is still dripping.
            wait_until(lambda: drip.open_requests == 1, "the rule test's fetch to reach the drip")
    finally:
        drip.stop()  # hangs up: the fetch on the costly thread ends now


# -- finding 10: password guesses are limited and checked off the page threads --------------------


def _basic(password: str) -> dict:
    return {"Authorization": "Basic " + base64.b64encode(f"equipe:{password}".encode()).decode()}


def _get_from(base: str, path: str, source: str, headers: dict) -> tuple[int, dict]:
    """GET from a chosen loopback address (each one is another client)."""
    parts = urllib.parse.urlsplit(base)
    connection = http.client.HTTPConnection(
        parts.hostname, parts.port, timeout=60, source_address=(source, 0)
    )
    try:
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        response.read()
        return response.status, dict(response.getheaders())
    finally:
        connection.close()


@pytest.fixture(scope="module")
def guarded(db, tmp_path_factory):
    secrets = tmp_path_factory.mktemp("login") / "secrets.env"
    secrets.write_text(
        f"VEILLE_WEB_PASSWORD_HASH={hash_password('correct horse battery')}\n", encoding="utf-8"
    )
    with serving(db, secrets=secrets) as base:
        yield base


def test_failed_logins_are_limited_per_client(guarded):
    wrong = _basic("pas le bon")
    assert _get_from(guarded, "/", "127.0.0.61", _basic("correct horse battery"))[0] == 200
    for _ in range(5):
        assert _get_from(guarded, "/", "127.0.0.61", wrong)[0] == 401
    status, headers = _get_from(guarded, "/", "127.0.0.61", wrong)
    assert status == 429 and int(headers["retry-after"]) > 0
    status, _ = _get_from(guarded, "/", "127.0.0.61", _basic("autre essai"))
    assert status == 429  # no check at all while it waits
    assert _get_from(guarded, "/", "127.0.0.62", wrong)[0] == 401  # another client is checked
    # a reader already logged in from that address keeps reading
    assert _get_from(guarded, "/", "127.0.0.61", _basic("correct horse battery"))[0] == 200


def _body_from(base: str, source: str, headers: dict) -> tuple[int, str]:
    parts = urllib.parse.urlsplit(base)
    connection = http.client.HTTPConnection(
        parts.hostname, parts.port, timeout=60, source_address=(source, 0)
    )
    try:
        connection.request("GET", "/", headers=headers)
        response = connection.getresponse()
        return response.status, response.read().decode()
    finally:
        connection.close()


def test_the_login_asks_and_refuses_in_the_browsers_language(guarded):
    """What a browser shows when its login dialog is cancelled, or after too many failures: it
    was English whatever the browser's language, on the team's first page."""
    status, body = _body_from(guarded, "127.0.0.81", {"Accept-Language": "fr-MA,fr;q=0.9"})
    assert status == 401
    assert body == (
        "veille: connectez-vous avec votre nom et votre mot de passe (ou le mot de passe de "
        "l'équipe, avec n'importe quel nom).\n"
    )
    status, body = _body_from(guarded, "127.0.0.81", {"Accept-Language": "ar"})
    assert status == 401 and "سجّل الدخول باسمك وكلمة مرورك" in body
    wrong = {**_basic("pas le bon"), "Accept-Language": "fr"}
    for _ in range(5):
        assert _body_from(guarded, "127.0.0.82", wrong)[0] == 401
    status, body = _body_from(guarded, "127.0.0.82", wrong)
    assert status == 429
    assert "trop de connexions échouées depuis 127.0.0.82 ; réessayez dans " in body


def test_a_login_flood_leaves_a_logged_in_page_answered(tmp_path):
    """40 clients guess the password at once while the login checker is held on a check (as a
    flood of scrypt checks holds it): the guesses past its places are answered 503 at once, the
    ones in line wait for it, and a logged-in reader's pages are answered meanwhile, without a
    check (the guesses used to be checked on the threads serving pages: 2 to 9 s a page). What
    is asserted is who was answered while the checker was held, never how fast."""
    from monitors.web.auth import RequireLogin

    app = _reader(
        make_db(tmp_path),
        password_hash=hash_password("correct horse battery"),
        login_waiting=8,
        login_wait_seconds=GENEROUS,
    )
    login = app.app.app  # HostCheck, the 500 page of an error before a page, the login
    assert isinstance(login, RequireLogin)
    places = 1 + 8  # the checker's thread and its places in line
    good = _basic("correct horse battery")
    held, release = threading.Event(), threading.Event()
    statuses: list[int] = []

    def hold_the_checker() -> None:
        held.set()
        release.wait(GENEROUS)

    with running(app) as base, ThreadPoolExecutor(max_workers=40) as pool:

        def guess(client: int) -> None:
            wrong = _basic(f"essai-{client}")
            statuses.append(_get_from(base, "/", f"127.0.1.{client}", wrong)[0])

        assert _get_from(base, "/sources", "127.0.0.1", good)[0] == 200  # logged in once
        login._checker.submit(hold_the_checker)  # its one thread, as a long check would
        try:
            held.wait(GENEROUS)
            guesses = [pool.submit(guess, client) for client in range(1, 41)]
            wait_until(lambda: len(statuses) >= 40 - places, "the guesses past the places")
            assert statuses == [503] * (40 - places)  # refused without a check
            for _ in range(5):
                assert _get_from(base, "/sources", "127.0.0.1", good)[0] == 200
            assert len(statuses) == 40 - places  # the guesses in line still wait for the checker
        finally:
            release.set()
        for future in guesses:
            future.result()
    assert sorted(statuses) == [401] * places + [503] * (40 - places)


def _team_logging_in(tmp_path: Path, people: int, **settings):
    """A reader whose database has `people` accounts, and its login middleware."""
    from crawler.storage import store
    from monitors.people import accounts
    from monitors.web.auth import RequireLogin

    path = make_db(tmp_path)
    db = store.open_database(path)
    for n in range(people):
        accounts.add_user(db, f"personne{n}", f"mot de passe {n:04d}")
    db.close()
    app = _reader(path, **settings)
    login = app.app.app
    assert isinstance(login, RequireLogin)
    return app, login


def _person(n: int) -> dict:
    value = base64.b64encode(f"personne{n}:mot de passe {n:04d}".encode()).decode()
    return {"Authorization": "Basic " + value, "Accept-Language": "en"}


def _hold(login) -> threading.Event:
    """Holds the login's checker thread, as a long check would, until the event is set."""
    held, release = threading.Event(), threading.Event()

    def hold_the_checker() -> None:
        held.set()
        release.wait(GENEROUS)

    login._checker.submit(hold_the_checker)
    assert held.wait(GENEROUS)
    return release


def test_a_teams_first_logins_at_once_wait_in_line_and_all_get_in(tmp_path):
    """Fourteen people log in for the first time at once (a team's first morning) while a check
    runs: every login waits in line for its scrypt check and gets its page. With 1 + 8 places,
    the logins past the ninth were answered 503 « too many logins » at once."""
    app, login = _team_logging_in(tmp_path, 14, login_wait_seconds=GENEROUS)
    answers: list[int] = []
    with running(app) as base, ThreadPoolExecutor(max_workers=14) as pool:
        release = _hold(login)
        try:
            logins = [
                pool.submit(lambda n: answers.append(_get_from(base, "/", f"127.0.2.{n + 1}",
                                                               _person(n))[0]), n)
                for n in range(14)
            ]  # fmt: skip
            wait_until(
                lambda: login.logins_in_line() + len(answers) >= 14, "the logins to be in line"
            )
            assert answers == []  # none refused: all of them wait for their check
        finally:
            release.set()
        for future in logins:
            future.result()
    assert answers == [200] * 14


def test_a_full_line_of_logins_says_so_with_retry_after(tmp_path):
    """Past its places, a login is answered at once, in the browser's language, with the time
    the line ahead takes in Retry-After; a login in line whose check has not started within its
    wait is answered so too, and leaves the line unchecked (a flood stays bounded). The checker
    is held meanwhile, as a long check would hold it: nothing here depends on timing but the
    one second a login waits in the second part, which the held checker outlasts."""
    app, login = _team_logging_in(tmp_path, 4, login_waiting=2, login_wait_seconds=GENEROUS)
    answers: list[tuple[int, dict, str]] = []

    def log_in(n: int, language: str) -> None:
        parts = urllib.parse.urlsplit(base)
        connection = http.client.HTTPConnection(
            parts.hostname, parts.port, timeout=60, source_address=(f"127.0.3.{n + 1}", 0)
        )
        try:
            connection.request("GET", "/", headers={**_person(n), "Accept-Language": language})
            response = connection.getresponse()
            answers.append((response.status, dict(response.getheaders()), response.read().decode()))
        finally:
            connection.close()

    with running(app) as base, ThreadPoolExecutor(max_workers=4) as pool:
        release = _hold(login)
        try:
            first = [pool.submit(log_in, n, "en") for n in range(3)]
            wait_until(lambda: login.logins_in_line() + len(answers) >= 3, "three logins")
            assert answers == []  # in line, waiting for the held checker
            log_in(3, "fr")  # the line (the checker's place and two more) is full
            status, headers, body = answers[-1]
            assert status == 503, answers
            assert body.startswith(
                "veille: trop de connexions à la fois (3 en attente de vérification) : la file "
                "est pleine. Réessayez dans "
            )
            assert int(headers["retry-after"]) >= 1 and f"{headers['retry-after']} s." in body
        finally:
            release.set()
        for future in first:
            future.result()
        assert [a[0] for a in answers] == [503, 200, 200, 200]
        # a login in line whose check does not start within its wait
        login.wait_seconds = 1
        release = _hold(login)
        try:
            log_in(3, "en")  # refused above, never checked: not known yet
        finally:
            release.set()
    status, headers, body = answers[-1]
    assert status == 503 and int(headers["retry-after"]) >= 1
    assert "too many logins at once: your password could not be checked within 1 s." in body
    assert login.logins_in_line() == 0  # it left the line without a check


def test_a_search_feed_is_valid_xml_when_a_title_holds_control_characters(web):
    status, _, body = request(web, "/feeds/search.atom?" + urllib.parse.urlencode({"q": "rouge"}))
    assert status == 200
    feed = ET.fromstring(body.encode())  # a strict XML parser: no control character passes
    titles = [e.findtext("{http://www.w3.org/2005/Atom}title") for e in feed]
    assert "UM6P\ufffd supercalculateur\ufffd[31m rouge\ufffd" in titles
    assert not feedparser.parse(body).bozo


def test_an_article_or_story_number_too_large_is_not_found(web):
    for path in ("/articles/99999999999999999999", "/stories/99999999999999999999"):
        status, _, body = request(web, path)
        assert status == 404 and "99999999999999999999" in body, path


def test_a_triage_of_an_article_number_too_large_is_refused(web):
    """A triage form whose article number no engine can store (edited by hand, or a page of
    another version) is refused with the reason, as an unknown action is, instead of a 500."""
    client = FormClient()
    token = client.token(web + "/account")
    for number in ("99999999999999999999", "-99999999999999999999"):
        status, page = client.post(
            web + "/triage", {"action": "read", "article": number, "back": "/"}, token
        )
        assert status == 400 and "Refusé" in page, (number, page[:300])


def test_an_error_no_page_expected_gets_the_readers_page_and_its_log_line(tmp_path):
    """A page that fails on something no page expects (here the database file moved away while
    the reader runs) answers 500 with the reader's own page, in the page's language, saying the
    cause is in veille serve's log, which holds it; before, Starlette's bare English "Internal
    Server Error"."""
    path = make_db(tmp_path)
    with serving(path) as base:
        assert request(base, "/stories/")[0] == 200
        path.rename(tmp_path / "moved.db")
        for language, heading in (("fr", "Erreur du serveur"), ("ar", "خطأ في الخادم")):
            status, _, page = request(base, "/stories/", {"Accept-Language": language})
            assert status == 500 and heading in page and "veille serve" in page, page[:300]
            assert f'<html lang="{language}"' in page and 'href="/search"' in page
        # The people's pages write (visits, triage) but never make a database of their own
        # where the file was: before, the home page left an empty one there, which a later
        # `veille run` or `veille db copy` would have taken for the team's.
        assert request(base, "/")[0] == 500 and not path.exists()
    (log,) = tmp_path.glob("serve-*.log")
    assert "unable to open database file" in log.read_text()


def test_the_search_pager_points_the_way_the_page_reads(tmp_path):
    """The search pager's arrows point outward, toward the pages they lead to: left for the
    previous results in French, right in Arabic, where the page reads right to left and the
    previous results' link stands on the right (before, « ← السابق » pointed inward there);
    the page number's word is the page's language's (before, « page 2 » in Arabic)."""
    from monitors.web.app import ReaderConfig, create_app

    app = create_app(
        ReaderConfig(db=make_db(tmp_path, articles=7), watchlists=WATCHLISTS, raw_data=False)
    )
    with running(app) as base:
        for lang, previous, following in (
            ("fr", "← précédents", "suivants →"),
            ("ar", "→ السابق", "التالي ←"),  # as written: shown « السابق → » on the right
        ):
            status, _, page = request(base, f"/search?q=supercalculateur&per_page=5&lang={lang}")
            assert status == 200 and f'rel="next">{following}</a>' in page, page[-3000:]
            status, _, page = request(
                base, f"/search?q=supercalculateur&per_page=5&page=2&lang={lang}"
            )
            assert status == 200 and f'rel="prev">{previous}</a>' in page, page[-3000:]
            assert ("الصفحة 2 · " if lang == "ar" else "page 2 · ") in page


def test_the_language_cookie_is_secure_behind_https(web):
    def language_cookie(headers: dict) -> str:
        _, answer, _ = request(web, "/?lang=en", headers)
        return next(v for k, v in answer if k.lower() == "set-cookie" and "veille_lang" in v)

    assert "secure" not in language_cookie({}).lower()
    assert "secure" in language_cookie({"X-Forwarded-Proto": "https"}).lower()


def test_the_form_cookie_is_secure_behind_https(web):
    """The form token's cookie too: sent in clear behind an HTTPS proxy, it could be read on the
    way and a cross-site form forged with it."""

    def form_cookie(headers: dict) -> str:
        _, answer, _ = request(web, WATCHLIST, headers)
        return next(v for k, v in answer if k.lower() == "set-cookie" and "veille_form" in v)

    assert "secure" not in form_cookie({}).lower()
    assert "secure" in form_cookie({"X-Forwarded-Proto": "https"}).lower()


def test_a_search_postgresql_cannot_answer_in_time_says_so_and_frees_its_connection(
    tmp_path, request
):
    """The reader's PostgreSQL statements stop at its time limit (ReaderConfig's
    statement_seconds): a search that cannot finish in time (here it waits on a lock another
    session holds on the matches; ts_headline took over ten minutes on some long queries)
    answers the page with a message, its connection back in the pool, instead of holding one of
    the pool's four connections as long as it runs, which four such requests would make every
    page wait on."""
    import psycopg

    from monitors.web.app import ReaderConfig, create_app

    from .conftest import database_from

    location = database_from(request, "postgresql", make_db(tmp_path))
    app = create_app(
        ReaderConfig(db=location, watchlists=WATCHLISTS, raw_data=False, statement_seconds=0.5)
    )
    with psycopg.connect(location) as locker, running(app) as base:
        locker.execute("LOCK TABLE matches IN ACCESS EXCLUSIVE MODE")  # held until the end
        with ThreadPoolExecutor(6) as pool:
            answers = list(
                pool.map(lambda _: request_page(base, "/search?q=supercalculateur"), range(6))
            )
        for status, page in answers:  # no answer: 503, with the reason (f7aa721)
            assert (
                status == 503 and "la recherche a été arrêtée à sa limite de temps (0.5 s)" in page
            )
        locker.rollback()
        status, page = request_page(base, "/search?q=supercalculateur")
        assert status == 200 and "épisode 0" in page


def request_page(base: str, path: str) -> tuple[int, str]:
    status, _, text = request(base, path)
    return status, text


def test_a_database_whose_path_holds_uri_characters_is_read_where_it_is(tmp_path):
    """The reader opens the file in SQLite's URI form (mode=ro, mode=rw: never a new empty
    database); a '#' or a '%' in the path was read as the URI's, so « copie #2 » opened, and
    made, an empty database at « copie », the pages a 500, and « 100% » none at all."""
    folder = tmp_path / "copie #2 à 100%"
    folder.mkdir()
    path = make_db(folder)
    with serving(path) as base:
        assert request(base, "/stories/")[0] == 200 and request(base, "/")[0] == 200
        for page in ("/search?q=UM6P", "/articles/1"):
            status, _, body = request(base, page)
            assert status == 200 and "supercalculateur" in body, (page, status, body[:300])
    assert [p.name for p in tmp_path.iterdir()] == [folder.name]  # no « copie » made beside it


@pytest.mark.filterwarnings("ignore:Using `httpx` with `starlette.testclient`")
def test_an_error_in_the_logins_read_of_the_accounts_gets_the_readers_page(tmp_path):
    """The login reads the people's accounts from the database in front of every page (again
    at most every second): when that read fails (the database moved away), the request got the
    server's bare English "Internal Server Error", not the reader's page; a running reader
    showed its own 500 page for a second after the move, then the bare one. The real app, in
    process, its first request after the move."""
    from starlette.testclient import TestClient

    from monitors.web.app import ReaderConfig, create_app

    from .reader_client import WATCHLISTS

    path = make_db(tmp_path)
    app = create_app(ReaderConfig(db=path, watchlists=WATCHLISTS, raw_data=False))
    path.rename(tmp_path / "moved.db")
    with TestClient(app, base_url="http://127.0.0.1", raise_server_exceptions=False) as client:
        for language, heading in (("fr", "Erreur du serveur"), ("ar", "خطأ في الخادم")):
            answer = client.get("/stories/", headers={"Accept-Language": language})
            assert answer.status_code == 500 and heading in answer.text, answer.text[:300]
            assert "veille serve" in answer.text and f'<html lang="{language}"' in answer.text
    assert not path.exists()
    # Whoever asked may not be logged in: nothing of the configuration is on that page (the
    # pages show a broken watchlists file's error to the logged-in team).
    broken = tmp_path / "watchlists.yaml"
    broken.write_text(WATCHLISTS.read_text(encoding="utf-8") + "\nunknown_key: 1\n")
    app = create_app(ReaderConfig(db=path, watchlists=broken, raw_data=False))
    with TestClient(app, base_url="http://127.0.0.1", raise_server_exceptions=False) as client:
        answer = client.get("/stories/?lang=en")
        assert answer.status_code == 500 and "Server error" in answer.text, answer.text[:300]
        assert "unknown_key" not in answer.text and str(broken) not in answer.text
