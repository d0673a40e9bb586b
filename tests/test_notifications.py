"""Notifications people want: digests at their scheduled time, flood control, quiet hours,
templates, a kill between match and send, and the `notify`/`alerts` commands. Real SMTP server
on loopback; the clock is injected (no sleeping)."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import markupsafe
import pytest
from click.testing import CliRunner

from crawler.fetching.crawl import crawl
from crawler.storage import store
from monitors.alerts.delivery import Sender
from monitors.alerts.outbox import match_pending
from monitors.cli import cli
from monitors.demo.run import LOCAL_CRAWL_SETTINGS
from monitors.service.watchlists import load_watchlists

from .conftest import database_from

pytestmark = pytest.mark.slow  # end-to-end: real processes (README, "Development")

# 07:00 in Casablanca (UTC+1) on a Monday.
T0 = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)

HEADER = """
channels:
  email:
    url: "mailto://127.0.0.1:{port}?from=veille@example.ma&to=analystes@example.ma"
watchlists:
"""
# Matches several of the fixture articles (French, English and Arabic).
BROAD = "query: 'Maroc OR marocain OR Morocco OR المغرب OR Rabat OR الرباط'"


@pytest.fixture(scope="module")
def crawled_db(tmp_path_factory):
    """The fixture sites crawled once; each test works on its own copy of the database."""
    from monitors.demo.sites import DEMO_SITES_ROOT, render_sources, serve_demo_sites, stop_sites

    folder = tmp_path_factory.mktemp("crawl")
    sites = serve_demo_sites()
    try:
        sources = folder / "sources.yaml"
        sources.write_text(
            render_sources(DEMO_SITES_ROOT / "sources.yaml", sites), encoding="utf-8"
        )
        crawl(folder / "veille.db", sources, settings=LOCAL_CRAWL_SETTINGS, time_limit=90)
    finally:
        stop_sites(sites)
    return folder / "veille.db"


@pytest.fixture
def setup(crawled_db, tmp_path, smtp, engine, request):
    """A copy of the crawled database on each engine (SQLite, PostgreSQL), the watchlists and a
    sender; `setup.location` is where the copy is (--db / VEILLE_DB)."""

    def make(watchlists: str):
        db_path = tmp_path / "veille.db"
        shutil.copy(crawled_db, db_path)
        make.location = database_from(request, engine, db_path)  # type: ignore[attr-defined]
        rules_path = tmp_path / "watchlists.yaml"
        rules_path.write_text(HEADER.format(port=smtp.port) + watchlists, encoding="utf-8")
        rules = load_watchlists(rules_path)
        db = store.open_database(make.location)  # type: ignore[attr-defined]
        return db, rules, Sender(db, rules.delivery, io.StringIO(), min_interval=0), rules_path

    return make


def subjects(smtp) -> list[str]:
    return [m["Subject"] for m in smtp.messages]


def test_digest_groups_matches_in_one_message_at_the_scheduled_time(setup, smtp):
    db, rules, sender, _ = setup(
        f"""
  - name: maroc
    title: Le Maroc dans la presse
    {BROAD}
    digest: "0 8 * * *"
    timezone: Africa/Casablanca
    notify: [email]
"""
    )
    report = match_pending(db, *rules, max_age=None, now=T0)
    assert report.alerts >= 4
    assert sender.deliver_pending(now=T0).messages == 0
    assert sender.deliver_pending(now=T0 + timedelta(minutes=59)).messages == 0  # 07:59 local
    assert smtp.messages == []
    at_eight = sender.deliver_pending(now=T0 + timedelta(hours=1, seconds=30))
    assert at_eight.messages == 1 and at_eight.sent == report.alerts
    (message,) = smtp.messages
    assert message["Subject"] == f"[veille] Le Maroc dans la presse : {report.alerts} articles"
    html = message.get_body(("html",)).get_content()
    text = message.get_body(("plain",)).get_content()
    assert f"Résumé de la veille Le Maroc dans la presse ({report.alerts})" in text
    titles = [
        t
        for (t,) in db.execute(
            "SELECT ar.title FROM alerts a JOIN articles ar ON ar.id=a.article_id"
        )
    ]
    for title in titles:
        assert title.replace("'", "&#39;") in html or title in html
    assert html.count("<blockquote") == report.alerts
    assert sender.deliver_pending(now=T0 + timedelta(days=1, hours=2)).messages == 0  # never twice


def test_flood_control_rolls_extra_alerts_into_the_next_digest(setup, smtp):
    db, rules, sender, _ = setup(
        f"""
  - name: maroc
    title: Maroc
    {BROAD}
    max_per_hour: 2
    notify: [email]
"""
    )
    alerts = match_pending(db, *rules, max_age=None, now=T0).alerts
    assert alerts >= 4
    first = sender.deliver_pending(now=T0)
    assert first.messages == 2 and first.sent == 2 and first.deferred == alerts - 2
    assert len(smtp.messages) == 2
    assert (
        sender.deliver_pending(now=T0 + timedelta(minutes=30)).messages == 0
    )  # still within the hour
    later = sender.deliver_pending(now=T0 + timedelta(hours=1, seconds=1))  # top of the next hour
    assert later.messages == 1 and later.sent == alerts - 2
    assert smtp.messages[-1]["Subject"] == f"[veille] Maroc : {alerts - 2} articles"
    states = dict(db.execute("SELECT state, count(*) FROM deliveries GROUP BY state").fetchall())
    assert states == {"sent": alerts}


def test_quiet_hours_hold_alerts_until_they_end(setup, smtp):
    db, rules, sender, _ = setup(
        f"""
  - name: maroc
    title: Maroc
    {BROAD}
    quiet_hours: "22:00-07:30"
    timezone: Africa/Casablanca
    notify: [email]
"""
    )
    night = datetime(2026, 11, 22, 22, 30, tzinfo=UTC)  # 23:30 in Casablanca
    alerts = match_pending(db, *rules, max_age=None, now=night).alerts
    held = sender.deliver_pending(now=night)
    assert held.messages == 0 and held.deferred == alerts
    assert (
        sender.deliver_pending(now=datetime(2026, 11, 23, 6, 29, tzinfo=UTC)).messages == 0
    )  # 07:29
    morning = sender.deliver_pending(now=datetime(2026, 11, 23, 6, 30, 5, tzinfo=UTC))
    assert morning.messages == 1 and morning.sent == alerts
    assert subjects(smtp) == [f"[veille] Maroc : {alerts} articles"]


def test_english_template_and_user_override(setup, smtp):
    db, rules, sender, _ = setup(
        """
  - name: um6p
    title: UM6P HPC
    query: UM6P AND supercalculateur
    language: en
    notify: [email]
  - name: botola
    title: Botola
    terms: [Botola]
    templates:
      subject: "ALERTE {{ watchlist.title|upper }} — {{ article.title }}"
    notify: [email]
"""
    )
    match_pending(db, *rules, max_age=None, now=T0)
    assert sender.deliver_pending(now=T0).messages == 2
    by_subject = {m["Subject"]: m for m in smtp.messages}
    english = by_subject[
        "[veille] UM6P HPC: L'UM6P met en service un nouveau supercalculateur à Benguérir"
    ]
    assert "Matched terms" in english.get_body(("plain",)).get_content()
    assert "ALERTE BOTOLA — Botola Pro : un derby de Casablanca sans vainqueur" in by_subject


def test_bad_template_or_schedule_is_refused_with_its_line(setup, tmp_path):
    from crawler.core.errors import ConfigError

    for block, words in [
        ("    digest: '0 25 * * *'\n", "not a crontab"),
        ("    quiet_hours: '22h-7h'\n", "not a time range"),
        ("    timezone: Mars/Olympus\n", "unknown time zone"),
        ("    templates:\n      subject: '{{ article.title '\n", "cannot be used"),
        ("    language: de\n", "not available"),
    ]:
        path = tmp_path / "bad.yaml"
        path.write_text(
            HEADER.format(port=25) + "  - name: x\n    terms: [a]\n" + block, encoding="utf-8"
        )
        with pytest.raises(ConfigError) as caught:
            load_watchlists(path)
        assert words in str(caught.value) and caught.value.line >= 7


KILL_AFTER_MATCH = """
import os, signal, sys
from datetime import timedelta
from crawler.storage import store
from monitors.alerts.outbox import match_pending
from monitors.service.watchlists import load_watchlists

db = store.open_database(sys.argv[1])
match_pending(db, *load_watchlists(sys.argv[2]), max_age=None)
os.kill(os.getpid(), signal.SIGKILL)  # dies after the match, before any send
"""


def test_killed_between_match_and_send_delivers_once_after_restart(setup, smtp, tmp_path):
    db, rules, sender, rules_path = setup(
        """
  - name: um6p
    title: UM6P
    query: UM6P AND supercalculateur
    notify: [email]
"""
    )
    child = subprocess.run(
        [sys.executable, "-c", KILL_AFTER_MATCH, setup.location, str(rules_path)],
        capture_output=True,
        timeout=60,
    )
    assert child.returncode == -9
    assert smtp.messages == []
    assert db.execute("SELECT count(*) FROM deliveries WHERE state='pending'").fetchone()[0] == 1
    # "Restart": a new sender on the same database.
    from monitors.alerts.delivery import recover_interrupted

    assert recover_interrupted(db) == 0
    assert sender.deliver_pending().sent == 1
    assert sender.deliver_pending(now=datetime.now(UTC) + timedelta(days=1)).sent == 0
    assert match_pending(db, *rules, max_age=None).alerts == 0  # re-matching creates nothing
    assert len(smtp.messages) == 1


def test_notify_test_and_alerts_commands(setup, smtp, tmp_path):
    db, rules, sender, rules_path = setup(
        """
  - name: botola
    title: Botola
    terms: [Botola]
    notify: [email]
"""
    )
    env = {"VEILLE_DB": setup.location, "VEILLE_WATCHLISTS": str(rules_path)}
    runner = CliRunner()
    result = runner.invoke(cli, ["notify", "test", "email"], env=env)
    assert result.exit_code == 0, result.output
    assert subjects(smtp) == ["[veille] Message de test / test message"]
    assert runner.invoke(cli, ["notify", "test", "nope"], env=env).exit_code == 2

    # The SMTP server goes away: the alert fails 8 times and is marked failed.
    match_pending(db, *rules, max_age=None, now=T0)
    smtp.stop(hold=True)  # its port held meanwhile: no other test process's server takes it
    for day in range(8):
        sender.deliver_pending(now=T0 + timedelta(days=day))
    assert db.execute("SELECT state, attempts FROM deliveries").fetchall() == [("failed", 8)]
    listing = runner.invoke(cli, ["alerts", "list", "--state", "failed"], env=env)
    assert "Botola Pro" in listing.output and "email: failed" in listing.output
    (alert_id,) = db.execute("SELECT id FROM alerts").fetchone()
    shown = runner.invoke(cli, ["alerts", "show", str(alert_id)], env=env)
    assert "[veille] Botola : Botola Pro" in shown.output and "failed" in shown.output
    assert "Connection" in shown.output or "connect" in shown.output.lower()

    smtp.start()
    retried = runner.invoke(cli, ["alerts", "retry", "--failed"], env=env)
    assert "1 delivery queued again" in retried.output
    assert sender.deliver_pending().sent == 1
    assert (
        subjects(smtp)[-1] == "[veille] Botola : Botola Pro : un derby de Casablanca sans vainqueur"
    )
    status = runner.invoke(cli, ["status"], env=env)
    assert "deliveries: sent: 1" in status.output


def test_a_channel_can_be_an_apprise_config_file_with_tags(crawled_db, tmp_path, smtp):
    config = tmp_path / "apprise.yml"
    config.write_text(
        f"""urls:
  - "mailto://127.0.0.1:{smtp.port}?from=veille@example.ma&to=presse@example.ma":
      - tag: presse
  - "mailto://127.0.0.1:{smtp.port}?from=veille@example.ma&to=direction@example.ma":
      - tag: direction
""",
        encoding="utf-8",
    )
    rules_path = tmp_path / "w.yaml"
    rules_path.write_text(
        f"""channels:
  equipe:
    config: {config}
    tags: [presse]
watchlists:
  - name: botola
    terms: [Botola]
    notify: [equipe]
""",
        encoding="utf-8",
    )
    db_path = tmp_path / "veille.db"
    shutil.copy(crawled_db, db_path)
    db = store.open_database(db_path)
    rules = load_watchlists(rules_path)
    match_pending(db, *rules, max_age=None, now=T0)
    assert (
        Sender(db, rules.delivery, io.StringIO(), min_interval=0).deliver_pending(now=T0).sent == 1
    )
    assert [m["To"] for m in smtp.messages] == ["presse@example.ma"]  # only the tagged entry


def test_one_morning_review_gathers_three_watchlists_in_one_email_at_eight(
    crawled_db, tmp_path, smtp
):
    """A channel with its own digest: the alerts of three watchlists wait for 08:00 in
    Casablanca and go out as one email, a section per watchlist, never twice."""
    db_path = tmp_path / "veille.db"
    shutil.copy(crawled_db, db_path)
    rules_path = tmp_path / "watchlists.yaml"
    rules_path.write_text(
        f"""channels:
  revue:
    url: "mailto://127.0.0.1:{smtp.port}?from=veille@example.ma&to=direction@example.ma"
    digest: '0 8 * * *'
    timezone: Africa/Casablanca
watchlists:
  - name: maroc
    title: Le Maroc dans la presse
    query: 'Maroc OR marocain OR Rabat'
    notify: [revue]
  - name: numerique
    title: Numérique
    query: 'numérique OR digital OR cloud'
    notify: [revue]
  - name: arabe
    title: Presse arabophone
    query: 'المغرب OR الرقمية'
    notify: [revue]
""",
        encoding="utf-8",
    )
    rules = load_watchlists(rules_path)
    db = store.open_database(db_path)
    sender = Sender(db, rules.delivery, io.StringIO(), min_interval=0)
    report = match_pending(db, *rules, max_age=None, now=T0)
    per_watchlist = dict(
        db.execute("SELECT watchlist, count(*) FROM alerts GROUP BY watchlist").fetchall()
    )
    assert set(per_watchlist) == {"maroc", "numerique", "arabe"}
    assert sender.deliver_pending(now=T0 + timedelta(minutes=59)).messages == 0  # 07:59 local
    at_eight = sender.deliver_pending(now=T0 + timedelta(hours=1, seconds=30))
    assert at_eight.messages == 1 and at_eight.sent == report.alerts
    (message,) = smtp.messages
    # Each article (or story) once, in the section of its first watchlist, naming all of them.
    articles = db.execute(
        "SELECT count(DISTINCT coalesce('s' || story_id, 'a' || article_id)) FROM alerts"
    ).fetchone()[0]
    assert articles < report.alerts  # some articles matched several watchlists
    assert message["Subject"] == (
        f"[veille] Votre revue de presse : {articles} articles, 3 veilles"
    )
    body = message.get_body(("plain",)).get_content()
    titles = {
        "maroc": "Le Maroc dans la presse",
        "numerique": "Numérique",
        "arabe": "Presse arabophone",
    }
    for title in titles.values():
        assert f"{title} (" in body, body
    assert "Veilles : Le Maroc dans la presse, Numérique" in body
    html = message.get_body(("html",)).get_content()
    for (title,) in db.execute(
        "SELECT DISTINCT ar.title FROM alerts a JOIN articles ar ON ar.id = a.article_id"
    ):
        assert html.count(f">{markupsafe.escape(title)}</a></h4>") == 1, title
    assert html.count("<h3") == 3 and html.count("<blockquote") == articles
    assert sender.deliver_pending(now=T0 + timedelta(days=1, hours=2)).messages == 0


def test_a_channel_digest_is_checked(tmp_path):
    from crawler.core.errors import ConfigError

    path = tmp_path / "w.yaml"
    path.write_text(
        "channels:\n  revue:\n    url: 'mailto://127.0.0.1:25?to=a@example.ma'\n"
        "    digest: '0 25 * * *'\nwatchlists:\n  - name: x\n    terms: [a]\n    notify: [revue]\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match="not a crontab"):
        load_watchlists(path)


def test_the_pause_between_messages_is_taken_before_a_delivery_is_claimed(
    crawled_db, tmp_path, smtp
):
    """A second between two messages of a channel, waited while the next delivery is still
    'pending': 'sending' covers the network send only, so a crash during the pause cannot
    leave an 'unconfirmed' delivery that was never sent. Clock and sleep are injected."""
    shutil.copy(crawled_db, tmp_path / "veille.db")
    rules_path = tmp_path / "watchlists.yaml"
    rules_path.write_text(
        HEADER.format(port=smtp.port) + f"  - name: maroc\n    {BROAD}\n    notify: [email]\n",
        encoding="utf-8",
    )
    rules = load_watchlists(rules_path)
    db = store.open_database(tmp_path / "veille.db")
    queued = match_pending(db, *rules, max_age=None, now=T0).alerts
    clock = [1000.0]
    pauses: list[tuple[float, dict[str, int]]] = []

    def sleep(seconds: float) -> None:
        states = dict(db.execute("SELECT state, count(*) FROM deliveries GROUP BY state"))
        pauses.append((seconds, states))
        clock[0] += seconds

    sender = Sender(
        db, rules.delivery, io.StringIO(), min_interval=1.0, clock=lambda: clock[0], sleep=sleep
    )
    report = sender.deliver_pending(now=T0)
    assert queued >= 3 and report.sent == report.messages == queued
    assert len(smtp.messages) == queued
    assert [seconds for seconds, _ in pauses] == [1.0] * (queued - 1)  # before all but the first
    for done, (_, states) in enumerate(pauses, start=1):
        assert states == {"sent": done, "pending": queued - done}, states  # nothing 'sending'


THREE_WATCHLISTS = """
  - name: um6p
    title: UM6P
    query: UM6P AND supercalculateur
    notify: [{channels}]
  - name: toubkal
    title: Toubkal II
    terms: [Toubkal]
    notify: [{channels}]
  - name: benguerir
    title: Benguérir
    terms: [Benguérir]
    notify: [{channels}]
"""
UM6P_TITLE = "L'UM6P met en service un nouveau supercalculateur à Benguérir"


def test_an_article_matching_three_watchlists_is_one_email_naming_the_three(setup, smtp):
    """One article, three watchlists on one channel: one email whose subject and body name all
    three; its three deliveries are settled together, and nothing goes out twice."""
    db, rules, sender, _ = setup(THREE_WATCHLISTS.format(channels="email"))
    assert match_pending(db, *rules, max_age=None, now=T0).alerts == 3
    report = sender.deliver_pending(now=T0)
    assert report.messages == 1 and report.sent == 3
    (message,) = smtp.messages
    assert message["Subject"] == f"[veille] UM6P, Toubkal II, Benguérir : {UM6P_TITLE}"
    text = message.get_body(("plain",)).get_content()
    assert "Veilles : UM6P, Toubkal II, Benguérir" in text
    html = message.get_body(("html",)).get_content()
    for title in ("UM6P", "Toubkal II", "Benguérir"):
        assert f"<strong>{title}</strong>" in html
    assert html.count("<blockquote") == 1
    states = db.execute("SELECT state, sent_at FROM deliveries").fetchall()
    assert len(states) == 3 and {s for s, _ in states} == {"sent"}
    assert len({sent_at for _, sent_at in states}) == 1  # settled together
    assert sender.deliver_pending(now=T0 + timedelta(days=1)).messages == 0
    assert len(smtp.messages) == 1


def test_quiet_hours_and_flood_control_stay_each_watchlists_own(setup, smtp):
    """Of three watchlists matching one article, the one in its quiet hours holds its delivery
    and the one over max_per_hour defers its own: the message names only the watchlist sent."""
    db, rules, sender, _ = setup(
        f"""
  - name: um6p
    title: UM6P
    query: UM6P AND supercalculateur
    notify: [email]
  - name: toubkal
    title: Toubkal II
    terms: [Toubkal]
    quiet_hours: "06:00-09:00"
    timezone: Africa/Casablanca
    notify: [email]
  - name: maroc
    title: Maroc
    {BROAD}
    max_per_hour: 1
    notify: [email]
"""
    )
    match_pending(db, *rules, max_age=None, now=T0)
    report = sender.deliver_pending(now=T0)  # 07:00 in Casablanca
    held = dict(
        db.execute(
            "SELECT a.watchlist, d.state FROM deliveries d JOIN alerts a ON a.id = d.alert_id "
            "JOIN articles ar ON ar.id = a.article_id WHERE ar.title = :t",
            {"t": UM6P_TITLE},
        ).fetchall()
    )
    assert held["toubkal"] == "pending"  # quiet hours
    um6p_subjects = [s for s in subjects(smtp) if s.endswith(UM6P_TITLE)]
    assert len(um6p_subjects) == 1
    assert "Toubkal II" not in um6p_subjects[0] and "UM6P" in um6p_subjects[0]
    sent_maroc = db.execute(
        "SELECT count(*) FROM deliveries d JOIN alerts a ON a.id = d.alert_id "
        "WHERE a.watchlist = 'maroc' AND d.state = 'sent'"
    ).fetchone()[0]
    assert sent_maroc == 1 and report.deferred >= 2  # one maroc alert, the rest rolled over


def test_a_morning_review_lists_an_article_of_three_watchlists_once(crawled_db, tmp_path, smtp):
    """The channel's review gathers the three watchlists' alerts of one article as one entry
    naming them all; the plurals of its subject agree with the counts."""
    shutil.copy(crawled_db, tmp_path / "veille.db")
    rules_path = tmp_path / "watchlists.yaml"
    rules_path.write_text(
        f"""channels:
  revue:
    url: "mailto://127.0.0.1:{smtp.port}?from=veille@example.ma&to=direction@example.ma"
    digest: '0 8 * * *'
    timezone: Africa/Casablanca
watchlists:
"""
        + THREE_WATCHLISTS.format(channels="revue"),
        encoding="utf-8",
    )
    rules = load_watchlists(rules_path)
    db = store.open_database(tmp_path / "veille.db")
    assert match_pending(db, *rules, max_age=None, now=T0).alerts == 3
    sender = Sender(db, rules.delivery, io.StringIO(), min_interval=0)
    at_eight = sender.deliver_pending(now=T0 + timedelta(hours=1, seconds=30))
    assert at_eight.messages == 1 and at_eight.sent == 3
    (message,) = smtp.messages
    assert message["Subject"] == "[veille] Votre revue de presse : 1 article, 1 veille"
    html = message.get_body(("html",)).get_content()
    assert html.count("<blockquote") == 1
    text = message.get_body(("plain",)).get_content()
    assert "Veilles : UM6P, Toubkal II, Benguérir" in text


def test_slack_and_a_webhook_get_one_message_naming_the_three(crawled_db, tmp_path, monkeypatch):
    """The same on Slack (apprise's real Slack payload, sent to a loopback server) and on a
    JSON webhook: one post each for the article, naming its three watchlists."""
    from apprise.plugins.slack import NotifySlack

    from .servers import WebhookServer

    server = WebhookServer().start()
    try:
        monkeypatch.setattr(NotifySlack, "webhook_url", server.url + "/services")
        port = server.server.server_address[1]  # type: ignore[union-attr]
        shutil.copy(crawled_db, tmp_path / "veille.db")
        rules_path = tmp_path / "watchlists.yaml"
        rules_path.write_text(
            f"""channels:
  equipe:
    url: "https://hooks.slack.com/services/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"
  crochet:
    url: "json://127.0.0.1:{port}/hook"
watchlists:
"""
            + THREE_WATCHLISTS.format(channels="equipe, crochet"),
            encoding="utf-8",
        )
        rules = load_watchlists(rules_path)
        db = store.open_database(tmp_path / "veille.db")
        assert match_pending(db, *rules, max_age=None, now=T0).alerts == 3
        report = Sender(db, rules.delivery, io.StringIO(), min_interval=0).deliver_pending(now=T0)
    finally:
        server.stop()
    assert report.messages == 2 and report.sent == 6
    by_path = {post["path"].split("/")[1]: post["json"] for post in server.posts}
    assert len(server.posts) == 2 and set(by_path) == {"services", "hook"}
    slack = json.dumps(by_path["services"], ensure_ascii=False)
    assert "Veilles : UM6P, Toubkal II, Benguérir" in slack
    webhook = by_path["hook"]
    assert webhook["title"] == f"[veille] UM6P, Toubkal II, Benguérir : {UM6P_TITLE}"
    assert (
        "Veilles : UM6P (um6p), Toubkal II (toubkal), Benguérir (benguerir)" in webhook["message"]
    )
