"""The `veille` command, through click's runner (in process) and as a real process."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner

from crawler.storage import store
from monitors.cli import cli
from monitors.demo.run import LOCAL_CRAWL_SETTINGS
from monitors.demo.sites import DEMO_SITES_ROOT, render_sources, serve_demo_sites, stop_sites
from monitors.service.health import serve_health
from seeds import BUNDLED_WATCHLISTS

from .conftest import database_from
from .demo_story import assert_one_alert_for_the_story_of_several_outlets
from .listening import HEALTH, listening

pytestmark = pytest.mark.slow  # end-to-end: real processes (README, "Development")

WATCHLISTS = BUNDLED_WATCHLISTS
# Fixture servers on loopback need no politeness delay.
FAST = json.dumps(LOCAL_CRAWL_SETTINGS)
ARTICLE = DEMO_SITES_ROOT / "lequotidien/2026/11/19/um6p-supercalculateur-benguerir/index.html"


# The fixture sites listen on loopback, which veille refuses unless allowed, as a crawl does.
LOOPBACK = {"VEILLE_CRAWL_SETTINGS": '{"VEILLE_ALLOWED_NETWORKS": ["127.0.0.0/8"]}'}


def invoke(*args: str, env: dict | None = None):
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


def test_rules_check_accepts_the_bundled_watchlists():
    result = invoke("rules", "check")
    assert result.exit_code == 0, result.output
    assert "6 watchlists — valid" in result.output
    assert "ministre-transition-numerique: entities seghrouchni" in result.output


def test_rules_check_rejects_a_bad_file_with_its_line(tmp_path):
    bad = tmp_path / "w.yaml"
    bad.write_text(
        "watchlists:\n  - name: ok\n    terms: [cloud]\n  - name: x\n    notify: [nope]\n    terms: [a]\n"
    )
    result = invoke("--watchlists", str(bad), "rules", "check")
    assert result.exit_code == 2
    assert f"{bad}:5: watchlist 'x' notifies unknown channel 'nope'" in result.output
    assert "Traceback" not in result.output


def test_rules_test_on_text_shows_rule_and_place():
    result = invoke(
        "rules", "test", "--text", "Le ministère défend la souveraineté numérique du Maroc."
    )
    assert result.exit_code == 0
    assert "souverainete-numerique: 'souveraineté numérique' in text at 23" in result.output
    assert "**souveraineté numérique**" in result.output


def test_rules_test_on_a_local_html_file():
    result = invoke("rules", "test", str(ARTICLE))
    assert result.exit_code == 0, result.output
    assert "um6p-supercalculateur" in result.output
    assert "title: L'UM6P met en service un nouveau supercalculateur à Benguérir" in result.output


def test_rules_test_on_a_url(sites):
    url = (
        sites["alkhabar"].base_url
        + "/2026/11/21/%D8%A7%D9%84%D8%B3%D9%8A%D8%A7%D8%AF%D8%A9-%D8%A7%D9%84%D8%B1%D9%82%D9%85%D9%8A%D8%A9-%D8%A7%D9%84%D9%85%D8%BA%D8%B1%D8%A8-%D8%A7%D9%84%D8%AD%D9%88%D8%B3%D8%A8%D8%A9-%D8%A7%D9%84%D8%B3%D8%AD%D8%A7%D8%A8%D9%8A%D8%A9/"
    )
    refused = CliRunner().invoke(cli, ["rules", "test", url])
    assert refused.exit_code == 2
    assert "127.0.0.1, an internal address" in refused.output  # the crawl's fetch policy
    result = invoke("rules", "test", url, env=LOOPBACK)
    assert result.exit_code == 0, result.output
    assert "language: ar" in result.output
    assert "souverainete-numerique: 'السيادة الرقمية'" in result.output
    assert "ministre-transition-numerique: 'أمل الفلاح السغروشني'" in result.output


def test_daemon_refuses_to_start_with_a_bad_watchlist(tmp_path):
    bad = tmp_path / "w.yaml"
    bad.write_text("watchlists:\n  - name: ok\n    terms: [cloud]\n    languages: fr, ar]\n")
    # A real process with a timeout: if validation ever let this through, the daemon would run.
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "monitors.cli",
            "--watchlists",
            str(bad),
            "--db",
            str(tmp_path / "x.db"),
            "run",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert f"error: {bad}:4: language 'fr, ar]' is not a code articles carry" in result.stderr
    assert not (tmp_path / "x.db").exists()  # nothing started


def test_scrapy_crawl_from_the_repository_root(sources_file, tmp_path):
    db = tmp_path / "scrapy.db"
    root = Path(__file__).resolve().parent.parent
    result = subprocess.run(
        [
            str(Path(sys.executable).parent / "scrapy"),
            "crawl",
            "news",
            "-a",
            f"sources={sources_file}",
            "-a",
            f"db={db}",
            "-a",
            "only=alkhabar",
            "-s",
            "DOWNLOAD_DELAY=0",
            "-s",
            "AUTOTHROTTLE_ENABLED=0",
            "-s",
            "VEILLE_ALLOWED_NETWORKS=127.0.0.0/8",
        ],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    conn = store.open_database(db)
    assert conn.execute("SELECT count(*) FROM articles").fetchone()[0] == 3


def test_rules_test_without_match_exits_1():
    result = invoke("rules", "test", "--text", "Rien à signaler.")
    assert result.exit_code == 1 and "no watchlist matched" in result.output


def test_sources_check_offline_validates_the_bundled_list():
    result = invoke("sources", "check", "--offline")
    assert result.exit_code == 0
    assert "38 sources" in result.output and "valid" in result.output


def test_sources_check_probes_each_entry_point(sources_file, sites):
    result = invoke(
        "--sources", str(sources_file), "sources", "check", "--timeout", "3", env=LOOPBACK
    )
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()

    def row(url_end: str) -> list[str]:
        line = next(line for line in lines if line.endswith(url_end))
        return line.split()

    assert row(":9/feed/")[:4] == ["site-en-panne", "feed", "working", "no"]
    assert "refused" in " ".join(row(":9/feed/"))
    quotidien, khabar = sites["lequotidien"].base_url, sites["alkhabar"].base_url
    assert row(f"{quotidien}/feed/")[3:6] == ["yes", "200", "4"]  # four items in the main feed
    assert row(f"{quotidien}/sitemap_index.xml")[3:6] == ["yes", "200", "2"]  # two children
    assert row(f"{khabar}/category/tech/feed")[3:7] == ["yes", "500", "0", "HTTP"]
    assert "malformed" in row(f"{quotidien}/categorie/economie/feed/")
    assert "5/8 entry points answered with usable content" in result.output


@pytest.fixture(scope="module")
def once(tmp_path_factory):
    """One `veille run --once` over the fixture sites on SQLite, shared by the tests that read
    what it stored: (its result, the database file, the sources file)."""
    folder = tmp_path_factory.mktemp("once")
    sites = serve_demo_sites()
    try:
        sources = folder / "sources.yaml"
        sources.write_text(
            render_sources(DEMO_SITES_ROOT / "sources.yaml", sites), encoding="utf-8"
        )
        db = folder / "v.db"
        env = {"VEILLE_DB": str(db), "VEILLE_SOURCES": str(sources), "VEILLE_CRAWL_SETTINGS": FAST}
        # Set up before the tests' own fixtures: without conftest's alert age limit, by hand.
        result = invoke("run", "--once", env=env | {"VEILLE_ALERT_MAX_AGE_DAYS": "off"})
    finally:
        stop_sites(sites)
    return result, db, sources


def test_run_once_then_status(once, engine, request):
    """`veille status`, its --json and /health say the same of what one cycle stored, on both
    engines (on PostgreSQL, the cycle's database copied by `veille db copy`)."""
    result, db, sources = once
    assert result.exit_code == 0, result.output
    assert "cycle done: 9 new articles" in result.output
    location = database_from(request, engine, db)
    env = {"VEILLE_DB": location, "VEILLE_SOURCES": str(sources), "VEILLE_CRAWL_SETTINGS": FAST}
    status = invoke("status", "--json", env=env)
    data = json.loads(status.stdout)
    by_name = {s["name"]: s for s in data["sources"]}
    assert by_name["lequotidien"]["articles"] == 6 and by_name["alkhabar"]["articles"] == 3
    assert by_name["site-en-panne"]["last_success_at"] is None
    assert "unreachable" in by_name["site-en-panne"]["last_error"]
    assert by_name["site-en-panne"]["pace"] == "backing off after 1 failed crawl(s)"
    assert by_name["lequotidien"]["pace"] == "normal" and by_name["lequotidien"]["next_due_at"]
    assert data["deliveries_by_state"] == {"sent": data["alerts"]} and data["alerts"] >= 4
    table = invoke("status", env=env).output
    assert "site-en-panne" in table and "articles: 9" in table
    server = serve_health(location, 0)  # a port the system picks, read back below
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/health"
        with urllib.request.urlopen(url, timeout=60) as response:
            health = json.loads(response.read())
    finally:
        server.shutdown()
        server.server_close()
    # one source of three backing off is reported; the service itself is well
    assert health["status"] == "ok" and health["sources_backing_off"] == ["site-en-panne"]
    assert health["warnings"] == ["source site-en-panne: backing off after 1 failed crawl(s)"]
    assert health["pending_alerts"] == 0 and health["last_run"]["new_articles"] == 9
    assert {s["name"] for s in health["sources"]} == set(by_name)


def test_demo_runs_a_full_cycle_offline(tmp_path):
    result = invoke("demo", "--dir", str(tmp_path / "demo"))
    assert result.exit_code == 0, result.output
    assert "Demo done: 10 articles stored" in result.output
    assert "=== [veille] Souveraineté numérique" in result.output
    assert "site-en-panne" in result.output
    assert_one_alert_for_the_story_of_several_outlets(result.output)

    # and the way to the reader on the demo's database, its last words
    database = tmp_path / "demo" / "demo.db"
    assert f"veille --db {database} serve" in result.output.strip().splitlines()[-1]
    # the pages' dates (« 2026-11-20T09:30:00+01:00 ») stored in UTC (crawler.core.times)
    db = store.open_database(database)
    dates = [row[0] for row in db.execute("SELECT published FROM articles").fetchall()]
    db.close()
    assert "2026-11-20T08:30:00Z" in dates
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\d(T\d\d:\d\d:\d\dZ)?", d) for d in dates), dates
    # A first look without deprecation noise, from veille or from the crawl it runs.
    crawl_log = (tmp_path / "demo" / "crawl.log").read_text(encoding="utf-8")
    for text in (result.output, crawl_log):
        assert "Deprecat" not in text and "deprecat" not in text


def test_demo_refuses_a_database_or_files_it_would_ignore(tmp_path):
    """The demo starts its own database in --dir: a --db given with it was silently ignored,
    and `veille --db mine.db demo` left the user looking for the demo's articles in mine.db."""
    mine = tmp_path / "mine.db"
    result = invoke("--db", str(mine), "demo", "--dir", str(tmp_path / "demo"))
    assert result.exit_code == 2, result.output
    assert "--db would be ignored" in result.output
    assert f"veille --db {tmp_path / 'demo' / 'demo.db'} status" in result.output
    assert not mine.exists() and not (tmp_path / "demo").exists()
    result = invoke("demo", "--sources", "s.yaml", "--watchlists", "w.yaml", "--dir", "d")
    assert result.exit_code == 2 and "--sources and --watchlists would be ignored" in result.output


def test_demo_into_a_folder_that_cannot_be_made_is_an_error(tmp_path):
    """`veille demo --dir` under a file (or onto a device) raised a traceback (NotADirectoryError,
    FileExistsError) instead of naming the folder and what to do."""
    (tmp_path / "notes.txt").write_text("", encoding="utf-8")
    result = invoke("demo", "--dir", str(tmp_path / "notes.txt" / "demo"))
    assert result.exit_code == 2, result.output
    assert f"cannot create the demo's folder {tmp_path / 'notes.txt' / 'demo'}" in result.output
    assert "Traceback" not in result.output


def test_demo_on_a_full_disk_names_its_database(tmp_path, monkeypatch):
    """A disk that filled while the demo's cycle ran (seen on a tmpfs of 700 KB) was said as
    « database the database cannot grow »: the demo's database is its own, not the settings'
    one the message looked for."""
    import sqlite3

    from monitors.demo import run

    def disk_full(**_):
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(run, "run_demo", disk_full)
    result = invoke("demo", "--dir", str(tmp_path / "demo"))
    assert result.exit_code == 2, result.output
    assert f"error: database {tmp_path / 'demo' / 'demo.db'} cannot grow: the disk is full" in (
        result.output
    )


def test_the_package_metadata_builds_without_deprecation_warnings():
    """setuptools warned three times that a TOML-table license is deprecated."""
    import tomllib

    project = tomllib.loads((Path(__file__).parent.parent / "pyproject.toml").read_text())
    assert isinstance(project["project"]["license"], str)  # an SPDX expression
    assert any(r.startswith("setuptools>=77") for r in project["build-system"]["requires"])


def test_daemon_runs_repeated_cycles_and_stops_on_sigterm(sources_file, tmp_path):
    """A real `veille run` process: several crawl cycles per source in one long-lived process
    (each crawl in its own child), then a clean stop on SIGTERM."""
    fast = sources_file.read_text(encoding="utf-8").replace(
        "interval_minutes: 5", "interval_minutes: 0.1"
    )
    sources_file.write_text(fast, encoding="utf-8")
    db = tmp_path / "daemon.db"
    env = dict(
        os.environ, VEILLE_DB=str(db), VEILLE_SOURCES=str(sources_file), VEILLE_CRAWL_SETTINGS=FAST
    )
    env.pop("VEILLE_SLACK_WEBHOOK_URL", None)
    log = tmp_path / "daemon.log"
    command = [sys.executable, "-m", "monitors.cli", "--log-format", "json", "run"]
    with listening(
        lambda port: [*command, "--health-port", str(port)], lambda _: log, HEALTH, env=env
    ) as started:
        daemon = started.process
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and daemon.poll() is None:
            text = log.read_text(encoding="utf-8", errors="replace")
            if text.count("cycle run=") >= 6:  # at least two cycles for each of the 3 sources
                break
            time.sleep(0.5)
        with urllib.request.urlopen(
            f"http://127.0.0.1:{started.port}/health", timeout=60
        ) as response:
            health = json.loads(response.read())
        assert health["status"] == "ok" and health["sources_backing_off"] == ["site-en-panne"]
        assert {s["name"] for s in health["sources"]} == {
            "lequotidien",
            "alkhabar",
            "site-en-panne",
        }
        daemon.send_signal(signal.SIGTERM)
        assert daemon.wait(timeout=60) == 0
    text = log.read_text(encoding="utf-8", errors="replace")
    assert text.count("cycle run=") >= 6, text[-3000:]
    structured = [json.loads(line) for line in text.splitlines() if line.startswith("{")]
    assert len(structured) > 10 and {"ts", "level", "logger", "message"} <= set(structured[0])
    assert "veille stopped" in text
    assert "Traceback" not in text
    conn = store.open_database(db)
    assert conn.execute("SELECT count(*) FROM articles").fetchone()[0] == 9
    alerts = conn.execute("SELECT count(*) FROM alerts").fetchone()[0]
    deliveries = conn.execute("SELECT count(*) FROM deliveries WHERE state='sent'").fetchone()[0]
    assert alerts == deliveries >= 4
    # Each alert printed once, across all cycles: one message per article (or story), naming
    # every watchlist it matched, so fewer messages than alerts when an article matched several.
    articles = conn.execute(
        "SELECT count(DISTINCT coalesce('s' || story_id, 'a' || article_id)) FROM alerts"
    ).fetchone()[0]
    printed = [line for line in text.splitlines() if line.startswith("=== [veille]")]
    assert articles <= len(printed) <= alerts and len(set(printed)) == len(printed), printed
    named = sum(len(line.split(" : ", 1)[0].split(", ")) for line in printed)
    assert named == alerts, printed


def test_console_script_is_installed():
    script = Path(sys.executable).parent / "veille"
    result = subprocess.run([str(script), "--help"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and "Usage: veille" in result.stdout and "demo" in result.stdout


def test_rules_backtest_lists_what_would_have_alerted_and_sends_nothing(sources_file, tmp_path):
    env = {
        "VEILLE_DB": str(tmp_path / "b.db"),
        "VEILLE_SOURCES": str(sources_file),
        "VEILLE_CRAWL_SETTINGS": FAST,
    }
    assert invoke("run", "--once", env=env).exit_code == 0
    conn = store.open_database(tmp_path / "b.db")
    deliveries_before = conn.execute("SELECT count(*) FROM deliveries").fetchone()[0]
    result = invoke("rules", "backtest", "souverainete-numerique", env=env)
    assert result.exit_code == 0, result.output
    assert "souverainete-numerique: 3 of 9 stored articles match (no alert sent)" in result.output
    assert "Morocco bets on data centres to secure its digital sovereignty" in result.output
    assert "**digital sovereignty**" in result.output
    assert conn.execute("SELECT count(*) FROM deliveries").fetchone()[0] == deliveries_before
    unknown = invoke("rules", "backtest", "nope", env=env)
    assert unknown.exit_code == 2 and "no watchlist named 'nope'" in unknown.output


def wait_for(path: Path, text: str, timeout: float = 120) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        content = path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""
        if text in content:
            return content
        time.sleep(0.3)
    raise AssertionError(f"{text!r} never appeared in {path}:\n{content[-2000:]}")


def test_reload_keeps_the_old_rules_when_the_new_file_is_invalid(sources_file, tmp_path):
    watchlists = tmp_path / "watchlists.yaml"
    shutil.copy(WATCHLISTS, watchlists)
    db = tmp_path / "daemon.db"
    env = dict(
        os.environ,
        VEILLE_DB=str(db),
        VEILLE_SOURCES=str(sources_file),
        VEILLE_WATCHLISTS=str(watchlists),
        VEILLE_CRAWL_SETTINGS=FAST,
    )
    log = tmp_path / "daemon.log"
    with open(log, "wb") as out:
        daemon = subprocess.Popen(
            [sys.executable, "-m", "monitors.cli", "run"],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
        )
        try:
            wait_for(log, "veille running")
            assert (tmp_path / "veille.pid").read_text().strip() == str(daemon.pid)
            good = watchlists.read_text(encoding="utf-8")
            watchlists.write_text(
                good.replace("query: >-\n", "query: >-\n      (\n", 1), encoding="utf-8"
            )
            result = invoke("--db", str(db), "reload")
            assert result.exit_code == 0, result.output
            text = wait_for(log, "reload refused")
            assert f"{watchlists}:" in text.split("reload refused", 1)[1]
            watchlists.write_text(
                good + "\n  - name: nouvelle\n    title: Nouvelle veille\n    terms: [Gitex]\n",
                encoding="utf-8",
            )
            invoke("--db", str(db), "reload")
            wait_for(log, "reloaded: 3 sources, 7 watchlists")
            assert daemon.poll() is None
            stopped = invoke("--db", str(db), "stop")  # SIGTERM, then waits for it to end
            assert stopped.exit_code == 0 and f"stopped daemon {daemon.pid}\n" in stopped.output
            assert daemon.wait(timeout=60) == 0
        finally:
            if daemon.poll() is None:
                daemon.kill()
    assert not (tmp_path / "veille.pid").exists()
    assert invoke("--db", str(db), "reload").exit_code == 1  # no daemon any more
    assert invoke("--db", str(db), "stop").exit_code == 1


def test_extract_shows_what_would_be_stored_and_why_a_page_is_declined(tmp_path):
    result = invoke("extract", str(ARTICLE), "--json")
    assert result.exit_code == 0, result.output
    record = json.loads(result.stdout)
    assert record["stored"] and record["language"] == "fr" and "Toubkal" in record["text"]
    assert record["published"].startswith("2026-11-19T15:10")
    assert (record["published_precision"], record["published_origin"]) == ("time", "page markup")
    human = invoke("extract", str(ARTICLE))
    assert (
        "published: 2026-11-19T14:10:00Z as stored (UTC); "
        "2026-11-19T15:10:00+01:00 on the page (time, from the page markup)"
    ) in human.output
    listing = tmp_path / "rubrique.html"
    listing.write_text("<html><body><nav><a href='/a'>Accueil</a></nav><p>Bref.</p></body></html>")
    declined = invoke("extract", str(listing), "--json")
    assert declined.exit_code == 1
    assert json.loads(declined.stdout) == {
        "target": str(listing),
        "stored": False,
        "reason": "body too short (13 characters) to be an article",
    }


def test_serve_on_a_port_another_program_holds_is_an_error(tmp_path):
    """uvicorn said it (« [Errno 98] … address already in use ») after veille had announced
    « veille web view on http://127.0.0.1:PORT/ », and the command exited 3, which veille's
    commands use for a time limit, not 2 as for every other configuration error."""
    import socket

    store.open_database(tmp_path / "v.db").close()
    held = socket.socket()
    held.bind(("127.0.0.1", 0))
    held.listen()
    port = held.getsockname()[1]
    try:
        result = CliRunner().invoke(
            cli, ["--db", str(tmp_path / "v.db"), "serve", "--port", str(port)]
        )
    finally:
        held.close()
    assert result.exit_code == 2, result.output
    assert f"--port {port}: cannot listen on 127.0.0.1:{port} (Address already in use)" in (
        result.output
    )
    assert "veille web view on" not in result.output


def test_serve_holds_its_port_alone_once_it_says_its_address():
    """veille serve bound its port and said « veille web view on http://127.0.0.1:PORT/ »
    before uvicorn listened: meanwhile another program that sets SO_REUSEADDR (uvicorn, Python's
    http.server, another veille serve, the daemon's /health) could bind the same port too, and
    the one to listen second failed after its address had been said."""
    import socket

    from monitors.cli.serve import _listening_socket

    with _listening_socket("127.0.0.1", 0) as listening:
        assert listening.getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN) == 1
        with socket.socket() as other:
            other.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            with pytest.raises(OSError, match="in use"):
                other.bind(listening.getsockname())


def test_serve_says_who_may_read_its_pages_in_english():
    """The line giving veille serve's address says who may log in: « 1 people's passwords »
    was said of a team of one."""
    from monitors.cli.serve import login_summary

    assert login_summary(0, False, None) == "no login (loopback)"
    assert login_summary(1, False, None) == "1 person's password"
    assert login_summary(3, True, None) == "3 people's passwords and team password"
    assert login_summary(0, False, "X-Forwarded-User") == "proxy header X-Forwarded-User"
