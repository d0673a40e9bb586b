"""People of a team: `veille users`, each person's subscriptions delivered to their own address
through a real SMTP server (one message for an article matching three watchlists, the three
named), a muted outlet delivering nothing, and the signed one-click links of their alerts
(valid once for their purpose, refused when changed or expired). On SQLite and PostgreSQL."""

from __future__ import annotations

import io
import json
import re
from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner

from crawler.core.errors import ConfigError
from crawler.core.normalize import content_hash
from crawler.storage import store
from monitors.alerts.delivery import Sender
from monitors.alerts.outbox import match_pending
from monitors.cli import cli
from monitors.people import accounts, links
from monitors.people import store as people_store
from monitors.people.mail import PeopleMail, address_url
from monitors.service.watchlists import load_watchlists

pytestmark = pytest.mark.slow  # end-to-end: real processes (README, "Development")

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
READER = "https://veille.example.ma"
RULES = """
watchlists:
  - name: cloud
    title: Cloud souverain
    terms: [cloud]
  - name: um6p
    title: UM6P
    terms: [UM6P]
  - name: calcul
    title: Calcul intensif
    terms: [supercalculateur]
"""


def _article(source: str, number: int, title: str) -> store.StoredArticle:
    text = f"{title}. " + " ".join(f"mot{number}x{i}" for i in range(80)) + "."
    return store.StoredArticle(
        source,
        f"https://{source}.example.ma/{number}",
        title,
        None,
        None,
        "fr",
        None,
        None,
        text,
        content_hash(text),
    )


@pytest.fixture
def team(tmp_path, engine, request):
    """A database (SQLite or PostgreSQL) with two outlets, the rules, and two people."""
    location = (
        str(tmp_path / "veille.db")
        if engine == "sqlite"
        else request.getfixturevalue("postgres_url")
    )
    db = store.open_database(location)
    for name in ("presse", "autre"):
        db.execute("INSERT INTO sources(name) VALUES (?) ON CONFLICT DO NOTHING", (name,))
    rules_path = tmp_path / "watchlists.yaml"
    rules_path.write_text(RULES, encoding="utf-8")
    accounts.add_user(
        db, "amina", "mot de passe sûr", "amina@example.ma", ("cloud", "um6p", "calcul")
    )
    accounts.add_user(db, "karim", "autre mot de passe", "karim@example.ma", ("um6p",))
    accounts.add_user(db, "sans-adresse", None, None, ("cloud",))
    yield db, load_watchlists(rules_path), location
    db.close()


def test_one_email_per_person_for_an_article_matching_three_watchlists_naming_them(team, smtp):
    db, rules, _ = team
    store.store_articles(
        db, [_article("presse", 1, "L'UM6P met en service un supercalculateur pour le cloud")]
    )
    people_store.mute(db, "karim", "um6p", "presse", "2026-11-23T08:00:00Z")
    report = match_pending(db, *rules, max_age=None, now=T0)
    assert report.alerts == 3
    mail = PeopleMail(f"mailto://127.0.0.1:{smtp.port}?from=veille@example.ma", READER)
    sent = Sender(db, rules.delivery, io.StringIO(), min_interval=0, people=mail).deliver_pending(
        now=T0
    )
    assert sent.messages == 2 and sent.failed == 0  # the console (the default channel) and amina
    # amina follows all three: one message, to her, naming the three; karim muted the outlet
    # for his only watchlist (nothing queued for him); no address, no delivery.
    (message,) = smtp.messages
    assert message["To"] == "amina@example.ma"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    for title in ("Cloud souverain", "UM6P", "Calcul intensif"):
        assert title in text and title in html
    article_id = db.execute("SELECT id FROM articles").fetchone()[0]
    assert f'href="{READER}/articles/{article_id}"' in html
    for name in ("cloud", "um6p", "calcul"):
        assert f'href="{READER}/watchlists/{name}"' in html
    tokens = re.findall(rf'href="{READER}/links/(not-relevant|mute|unsubscribe)/([\w.-]+)"', html)
    assert sorted({p for p, _ in tokens}) == ["mute", "not-relevant", "unsubscribe"]
    assert len(tokens) == 9  # three per watchlist
    # The unsubscribe link of "calcul" stops amina's "calcul" alone, once.
    unsubscribe = next(
        t for p, t in tokens if p == "unsubscribe" and _claims(t)["watchlist"] == "calcul"
    )
    claims = links.use(db, unsubscribe, "unsubscribe")
    assert (claims.person, claims.watchlist) == ("amina", "calcul")
    assert people_store.followed(db, "amina") == ["cloud", "um6p"]
    with pytest.raises(links.LinkRefused, match="used already"):
        links.use(db, unsubscribe, "unsubscribe")


def test_a_message_of_one_watchlist_offers_the_mail_clients_one_click_unsubscribe(team, smtp):
    """RFC 2369/8058 headers name a signed unsubscribe link of that watchlist (the mail client's
    own "unsubscribe" button); a message of several watchlists carries none, and the mail URL's
    own +Header=value headers stay on every message."""
    db, rules, _ = team
    store.store_articles(db, [_article("presse", 5, "Le cloud national")])  # cloud alone
    match_pending(db, *rules, max_age=None, now=T0)
    template = f"mailto://127.0.0.1:{smtp.port}?from=veille@example.ma&+X-Equipe=veille"
    sender = Sender(
        db, rules.delivery, io.StringIO(), min_interval=0, people=PeopleMail(template, READER)
    )
    sender.deliver_pending(now=T0)
    store.store_articles(db, [_article("presse", 6, "L'UM6P et le cloud")])  # cloud and um6p
    match_pending(db, *rules, max_age=None, now=T0)
    sender.deliver_pending(now=T0)
    single, several = [m for m in smtp.messages if m["To"] == "amina@example.ma"]
    assert single["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    (url,) = re.findall(r"^<(\S+)>$", single["List-Unsubscribe"])
    assert url.startswith(f"{READER}/links/unsubscribe/")
    claims = links.check(db, url.rsplit("/", 1)[1], "unsubscribe")
    assert (claims.person, claims.watchlist) == ("amina", "cloud")
    assert several["List-Unsubscribe"] is None and several["List-Unsubscribe-Post"] is None
    assert single["X-Equipe"] == "veille" and several["X-Equipe"] == "veille"
    karim = next(m for m in smtp.messages if m["To"] == "karim@example.ma")
    assert _claims(re.findall(r"unsubscribe/([\w.-]+)>", karim["List-Unsubscribe"])[0]) == {
        **_claims(re.findall(r"unsubscribe/([\w.-]+)>", karim["List-Unsubscribe"])[0]),
        "person": "karim",
        "watchlist": "um6p",
    }


def _claims(token: str) -> dict:
    payload = token.split(".")[0]
    return json.loads(links._decode(payload))


def test_a_user_added_by_their_address_gets_the_alerts_of_what_they_follow(team, tmp_path, smtp):
    """docs/people.md's `veille users add karim@example.ma --no-password`, ahead of karim's
    first visit through the login proxy: his name is his address, as that visit makes it; he
    had none, and the watchlists he was made to follow alerted nowhere."""
    db, rules, location = team
    base = ["--db", location, "--watchlists", str(tmp_path / "watchlists.yaml"), "users"]
    for args in (
        ["add", "karim.b@example.ma", "--no-password", "--follow", "cloud"],
        ["add", "nadia@example.ma", "--no-password", "--email", "n@lab.example.ma"],
    ):
        added = CliRunner().invoke(cli, [*base, *args])
        assert added.exit_code == 0, added.output
    listed = json.loads(CliRunner().invoke(cli, [*base, "list", "--json"]).stdout)
    addresses = {u["name"]: u["email"] for u in listed}
    assert addresses["karim.b@example.ma"] == "karim.b@example.ma"
    assert addresses["nadia@example.ma"] == "n@lab.example.ma"  # --email says another
    store.store_articles(db, [_article("presse", 1, "Un cloud national")])
    match_pending(db, *rules, max_age=None, now=T0)
    mail = PeopleMail(f"mailto://127.0.0.1:{smtp.port}?from=veille@example.ma", READER)
    Sender(db, rules.delivery, io.StringIO(), min_interval=0, people=mail).deliver_pending(now=T0)
    assert "karim.b@example.ma" in [m["To"] for m in smtp.messages]


def test_a_person_changing_address_gets_what_is_pending_at_the_new_one(team, smtp):
    db, rules, _ = team
    store.store_articles(db, [_article("autre", 2, "Le cloud national")])
    match_pending(db, *rules, max_age=None, now=T0)
    accounts.set_email(db, "amina", "amina.nouvelle@example.ma")
    mail = PeopleMail(f"mailto://127.0.0.1:{smtp.port}?from=veille@example.ma&to=x@y.ma", None)
    Sender(db, rules.delivery, io.StringIO(), min_interval=0, people=mail).deliver_pending(now=T0)
    assert [m["To"] for m in smtp.messages] == ["amina.nouvelle@example.ma"]
    # no reader address: no links at all
    assert "/links/" not in smtp.messages[0].get_body(("html",)).get_content()


def test_people_deliveries_without_a_mail_server_fail_saying_what_to_set(team):
    db, rules, _ = team
    store.store_articles(db, [_article("autre", 3, "Le cloud national")])
    match_pending(db, *rules, max_age=None, now=T0)
    report = Sender(db, rules.delivery, io.StringIO(), min_interval=0).deliver_pending(now=T0)
    assert report.retrying == 1
    (error,) = [
        r[0]
        for r in db.execute(
            "SELECT last_error FROM deliveries WHERE channel = ?", ("person:amina",)
        )
    ]
    assert "VEILLE_PEOPLE_MAIL" in error


def test_removing_a_person_withdraws_the_alerts_waiting_for_them_saying_why(team, smtp):
    """Their address is gone with them: what was still to be emailed to them is recorded as
    failed, with the reason, instead of being retried until it gives up; others still get
    theirs."""
    db, rules, location = team
    store.store_articles(db, [_article("autre", 4, "L'UM6P et le cloud national")])
    match_pending(db, *rules, max_age=None, now=T0)
    result = CliRunner().invoke(cli, ["--db", location, "users", "remove", "amina"])
    assert result.exit_code == 0, result.output
    assert "removed amina (2 pending alert(s) withdrawn)" in result.output  # cloud and um6p
    rows = db.execute(
        "SELECT state, last_error FROM deliveries WHERE channel = ?", ("person:amina",)
    ).fetchall()
    assert len(rows) == 2
    for state, error in rows:
        assert state == "failed" and "'amina' was removed from the users" in error
    mail = PeopleMail(f"mailto://127.0.0.1:{smtp.port}?from=veille@example.ma", None)
    report = Sender(db, rules.delivery, io.StringIO(), min_interval=0, people=mail).deliver_pending(
        now=T0
    )
    assert report.retrying == 0
    assert [m["To"] for m in smtp.messages] == ["karim@example.ma"]


def test_signed_links_work_once_for_their_purpose_and_never_when_changed_or_expired(team):
    db, _, _ = team
    token = links.issue(db, "not-relevant", "amina", "cloud", 7, "presse", now=T0)
    for purpose in ("mute", "unsubscribe"):  # another purpose: refused, and not spent
        with pytest.raises(links.LinkRefused, match="not for"):
            links.use(db, token, purpose, now=T0)
    payload, signature = token.split(".")
    changed = dict(_claims(token), person="karim")
    forged = links._encode(json.dumps(changed, separators=(",", ":")).encode())
    for tampered in (
        f"{forged}.{signature}",
        f"{payload}.{signature[:-2]}AA",
        payload,
        "",
        f"{payload}x.{signature}",
    ):
        with pytest.raises(links.LinkRefused, match="not one veille made"):
            links.use(db, tampered, "not-relevant", now=T0)
    with pytest.raises(links.LinkRefused, match="expired"):
        links.use(db, token, "not-relevant", now=T0 + links.LIFETIME + timedelta(seconds=1))
    claims = links.use(db, token, "not-relevant", now=T0 + timedelta(days=1))
    assert (claims.person, claims.article_id, claims.watchlist) == ("amina", 7, "cloud")
    assert people_store.not_relevant_article_ids(db, "cloud") == [7]
    with pytest.raises(links.LinkRefused, match="used already"):
        links.use(db, token, "not-relevant", now=T0 + timedelta(days=1))
    # A mute link mutes that outlet for that watchlist of that person, nothing more.
    mute = links.issue(db, "mute", "karim", "um6p", 7, "presse", now=T0)
    links.use(db, mute, "mute", now=T0)
    assert people_store.muted(db, "karim") == {("um6p", "presse")}
    assert people_store.muted(db, "amina") == set()
    assert people_store.followed(db, "karim") == ["um6p"]


def test_the_signing_secret_is_kept_in_the_database_and_shown_nowhere(team, caplog):
    db, _, location = team
    token = links.issue(db, "mute", "amina", "cloud", 1, "presse", now=T0)
    secret = people_store.stored_link_secret(db)
    assert secret and len(secret) >= 40
    assert secret not in token
    other = store.open_database(location)  # another process's connection checks it
    try:
        assert links.check(other, token, "mute", now=T0).person == "amina"
    finally:
        other.close()
    assert secret not in caplog.text


def test_address_url_replaces_the_recipient():
    assert (
        address_url("mailtos://u:p@smtp.example.ma?from=v@example.ma&to=all@example.ma", "a@b.ma")
        == "mailtos://u:p@smtp.example.ma?from=v@example.ma&to=a@b.ma"
    )


def test_users_commands_add_list_passwd_set_remove(tmp_path):
    rules_path = tmp_path / "watchlists.yaml"
    rules_path.write_text(RULES, encoding="utf-8")
    base = ["--db", str(tmp_path / "veille.db"), "--watchlists", str(rules_path), "users"]
    runner = CliRunner()

    def run(*args, input=None):
        return runner.invoke(cli, [*base, *args], input=input)

    added = run(
        "add",
        "amina",
        "--email",
        "amina@example.ma",
        "--follow",
        "cloud",
        input="mot de passe sûr\nmot de passe sûr\n",
    )
    assert added.exit_code == 0, added.output
    assert "added amina, following cloud" in added.output
    assert run("add", "amina", input="x" * 12 + "\n" + "x" * 12 + "\n").exit_code != 0
    short = run("add", "karim", input="court\ncourt\n")
    assert short.exit_code != 0 and "at least 10 characters" in short.output
    typo = run("add", "karim", "--follow", "clowd", "--no-password")
    assert typo.exit_code != 0 and "no watchlist named 'clowd'" in typo.output
    assert run("add", "karim@example.ma", "--no-password").exit_code == 0
    bad = run("add", "bad name", "--no-password")
    assert bad.exit_code != 0 and "is not a user name" in bad.output
    listed = json.loads(run("list", "--json").stdout)
    assert [(u["name"], u["login"], u["follows"]) for u in listed] == [
        ("amina", "password", ["cloud"]),
        ("karim@example.ma", "proxy", []),
    ]
    db = store.open_database(tmp_path / "veille.db")
    before = people_store.password_hashes(db)["amina"]
    assert before.startswith("scrypt$") and "mot de passe" not in before
    assert (
        run("passwd", "amina", input="nouveau mot de passe\nnouveau mot de passe\n").exit_code == 0
    )
    after = people_store.password_hashes(db)["amina"]
    assert after != before
    from monitors.people.passwords import verify_password

    assert verify_password("nouveau mot de passe", after)
    changed = run("set", "amina", "--follow", "um6p", "--unfollow", "cloud", "--email", "a@b.ma")
    assert changed.exit_code == 0 and "amina follows: um6p" in changed.output
    assert people_store.email_of(db, "amina") == "a@b.ma"
    # an --unfollow of a watchlist amina does not follow (a typo) changes nothing, and says so
    typo = run("set", "amina", "--unfollow", "ump6", "--email", "amina@lab.ma")
    assert typo.exit_code == 2, typo.output
    assert "amina follows no watchlist named 'ump6' (they follow: um6p)" in typo.output
    assert people_store.email_of(db, "amina") == "a@b.ma"
    assert run("remove", "amina").exit_code == 0
    gone = run("remove", "amina")
    assert gone.exit_code != 0 and "no user named 'amina'" in gone.output
    assert [p.name for p in people_store.people(db)] == ["karim@example.ma"]
    db.close()


def test_the_backtest_counts_what_people_marked_not_relevant(tmp_path):
    """A rule change shows how many of the articles marked not relevant it drops."""
    db = store.open_database(tmp_path / "veille.db")
    db.execute("INSERT INTO sources(name) VALUES ('presse') ON CONFLICT DO NOTHING")
    store.store_articles(
        db,
        [
            _article("presse", 1, "Le cloud de la météo demain"),
            _article("presse", 2, "Un cloud souverain pour l'État"),
            _article("presse", 3, "Le cloud de la météo, encore"),
        ],
    )
    rules_path = tmp_path / "watchlists.yaml"
    rules_path.write_text(RULES, encoding="utf-8")
    match_pending(db, *load_watchlists(rules_path), max_age=None, now=T0)
    ids = {title: i for i, title in db.execute("SELECT id, title FROM articles").fetchall()}
    for title in ("Le cloud de la météo demain", "Le cloud de la météo, encore"):
        people_store.mark_not_relevant(db, "amina", ids[title], "cloud", "2026-11-23T10:00:00Z")
    people_store.mark_not_relevant(db, "karim", ids["Le cloud de la météo demain"], "cloud", "x")
    db.close()
    base = ["--db", str(tmp_path / "veille.db"), "--watchlists", str(rules_path)]
    runner = CliRunner()
    before = runner.invoke(cli, [*base, "rules", "backtest", "cloud", "--json"])
    assert json.loads(before.stdout)["not_relevant"] == {
        "marked": 2,
        "still_matched": sorted(ids[t] for t in ids if "météo" in t),
        "dropped": 0,
    }
    rules_path.write_text(
        RULES.replace("terms: [cloud]", "terms: [cloud]\n    exclude: [météo]"), encoding="utf-8"
    )
    after = runner.invoke(cli, [*base, "rules", "backtest", "cloud"])
    assert after.exit_code == 0, after.output
    assert "2 articles were marked not relevant for cloud: the rule drops 2 of them" in after.output
    assert "1 of 3 stored articles match" in after.output


def test_a_followed_digest_goes_to_the_person_at_its_time_with_each_articles_links(tmp_path, smtp):
    rules_path = tmp_path / "watchlists.yaml"
    rules_path.write_text(
        RULES.replace(
            "terms: [cloud]", "terms: [cloud]\n    digest: '0 8 * * *'\n    timezone: UTC"
        ),
        encoding="utf-8",
    )
    rules = load_watchlists(rules_path)
    db = store.open_database(tmp_path / "veille.db")
    db.execute("INSERT INTO sources(name) VALUES ('presse') ON CONFLICT DO NOTHING")
    accounts.add_user(db, "amina", None, "amina@example.ma", ("cloud",))
    store.store_articles(
        db, [_article("presse", 1, "Le cloud national"), _article("presse", 2, "Un autre cloud")]
    )
    match_pending(db, *rules, max_age=None, now=T0)
    mail = PeopleMail(f"mailto://127.0.0.1:{smtp.port}?from=veille@example.ma", READER)
    sender = Sender(db, rules.delivery, io.StringIO(), min_interval=0, people=mail)
    assert sender.deliver_pending(now=T0).messages == 0  # everything waits for 08:00
    assert smtp.messages == []
    tomorrow = T0.replace(hour=8, minute=0, second=30) + timedelta(days=1)
    assert sender.deliver_pending(now=tomorrow).messages == 2  # the console's and amina's
    (message,) = smtp.messages
    assert message["To"] == "amina@example.ma"
    html = message.get_body(("html",)).get_content()
    ids = [row[0] for row in db.execute("SELECT id FROM articles ORDER BY id").fetchall()]
    for article_id in ids:
        assert f'href="{READER}/articles/{article_id}"' in html
    assert len(re.findall(rf'href="{READER}/links/not-relevant/', html)) == 2
    db.close()


def test_a_persons_emails_are_in_their_own_language_alerts_and_digests(team, smtp, tmp_path):
    """A person who chose a language for their emails (`veille users set --language`) gets
    every message in it, alert or digest, links included; one who chose none gets each
    watchlist's (French here). They came in the watchlist's language whatever the person chose."""
    db, rules, location = team
    base = ["--db", location, "--watchlists", str(tmp_path / "watchlists.yaml"), "users", "set"]
    runner = CliRunner()
    refused = runner.invoke(cli, [*base, "karim", "--language", "de", "--email", "k@example.ma"])
    assert refused.exit_code == 2 and "'de' is not a language of veille's emails" in refused.output
    assert people_store.email_of(db, "karim") == "karim@example.ma"  # nothing changed
    assert runner.invoke(cli, [*base, "karim", "--language", "ar"]).exit_code == 0
    accounts.set_language(db, "amina", "en")
    accounts.add_user(db, "yasmine", None, "yasmine@example.ma", ("um6p",))
    assert people_store.language_of(db, "karim") == "ar"
    assert people_store.language_of(db, "yasmine") is None
    listed = runner.invoke(cli, [*base[:-1], "list", "--json"])
    languages = {person["name"]: person["language"] for person in json.loads(listed.output)}
    assert languages == {"amina": "en", "karim": "ar", "sans-adresse": None, "yasmine": None}
    table = runner.invoke(cli, [*base[:-1], "list"]).output
    assert "emails in" in table.splitlines()[0]

    store.store_articles(db, [_article("presse", 1, "L'UM6P inaugure un centre de calcul")])
    match_pending(db, *rules, max_age=None, now=T0)
    mail = PeopleMail(f"mailto://127.0.0.1:{smtp.port}?from=veille@example.ma", READER)
    Sender(db, rules.delivery, io.StringIO(), min_interval=0, people=mail).deliver_pending(now=T0)
    texts = {m["To"]: m.get_body(("plain",)).get_content() for m in smtp.messages}
    assert "Read in veille · UM6P (not relevant · mute" in texts["amina@example.ma"]
    assert "اقرأ في veille · \u2068UM6P\u2069 (غير مهم · إخفاء" in texts["karim@example.ma"]
    assert "Lire dans veille · UM6P (pas pertinent · masquer" in texts["yasmine@example.ma"]

    # digests: one watchlist's (karim) and several watchlists' together (amina)
    rules_path = tmp_path / "digests.yaml"
    rules_path.write_text(
        RULES.replace("terms: [cloud]", "terms: [cloud]\n    digest: '0 8 * * *'").replace(
            "terms: [UM6P]", "terms: [UM6P]\n    digest: '0 8 * * *'"
        ),
        encoding="utf-8",
    )
    digests = load_watchlists(rules_path)
    smtp.messages.clear()
    store.store_articles(db, [_article("presse", 2, "L'UM6P ouvre son cloud")])
    match_pending(db, *digests, max_age=None, now=T0)
    sender = Sender(db, digests.delivery, io.StringIO(), min_interval=0, people=mail)
    sender.deliver_pending(now=T0.replace(hour=8, minute=0, second=30) + timedelta(days=1))
    texts = {m["To"]: m.get_body(("plain",)).get_content() for m in smtp.messages}
    assert texts["amina@example.ma"].startswith("Your press review (1)")
    assert "Watchlists: Cloud souverain, UM6P" in texts["amina@example.ma"]
    assert texts["karim@example.ma"].startswith("ملخص الرصد \u2068UM6P\u2069 (1)")
    assert "(غير مهم · إخفاء" in texts["karim@example.ma"]
    assert texts["yasmine@example.ma"].startswith("Résumé de la veille UM6P (1)")


def test_apprises_own_retries_in_the_people_mail_are_refused_saying_where_it_was_read(tmp_path):
    """retry= in VEILLE_PEOPLE_MAIL makes apprise send a person's email again at once whenever
    it calls a send failed, one whose answer came late included: refused at the start as a
    channel's is (since 6d43ddc), saying where it was read (the secrets file's line, or the
    environment) and how to fix it, its password unsaid; and when a ${VAR} of it is not set
    yet, as written."""
    rules_path = tmp_path / "watchlists.yaml"
    rules_path.write_text(RULES, encoding="utf-8")
    secrets = tmp_path / "secrets.env"
    secrets.write_text(
        "# people's mail\nSMTP_PW=Pe0pleMailPw\nexport VEILLE_PEOPLE_MAIL="
        "mailtos://veille:${SMTP_PW}@smtp.example.ma?from=v@example.ma&retry=2\n",
        encoding="utf-8",
    )
    secrets.chmod(0o600)
    check = ["--watchlists", str(rules_path), "--secrets", str(secrets), "rules", "check"]
    result = CliRunner().invoke(cli, check, env={"VEILLE_PEOPLE_MAIL": None})
    assert result.exit_code == 2, result.output
    said = " ".join(result.output.split())
    assert f"{secrets}:3: VEILLE_PEOPLE_MAIL: retry=2 makes apprise send a person's" in said
    assert (
        f"remove retry= (and wait=) from VEILLE_PEOPLE_MAIL on line 3 of the secrets file {secrets}"
        in said
    )
    assert "Pe0pleMailPw" not in said
    unset = "mailtos://veille:${NOT_SET_YET}@smtp.example.ma?from=v@example.ma&Retry=1"
    result = CliRunner().invoke(cli, check[:2] + check[4:], env={"VEILLE_PEOPLE_MAIL": unset})
    assert result.exit_code == 2, result.output
    said = " ".join(result.output.split())
    assert "VEILLE_PEOPLE_MAIL (environment): retry=1 makes apprise" in said
    assert "remove retry= (and wait=) from VEILLE_PEOPLE_MAIL in the environment" in said


def test_a_people_mail_with_retries_set_since_the_start_sends_nothing_saying_why(
    team, smtp, tmp_path
):
    """The secrets file is read again at each cycle: VEILLE_PEOPLE_MAIL given retry= there
    since the start (or a ${VAR} of it set since) would have had apprise send again at once.
    Each person's delivery is refused instead, the stored reason saying where the URL was read
    and what to remove; nothing reaches the mail server."""
    from types import SimpleNamespace

    from monitors.people.mail import for_settings

    db, rules, _ = team
    secrets = tmp_path / "secrets.env"
    secrets.write_text(
        f"SMTP_HOST=127.0.0.1\nVEILLE_PEOPLE_MAIL=mailto://${{SMTP_HOST}}:{smtp.port}"
        "?from=veille@example.ma&retry=1\n",
        encoding="utf-8",
    )
    secrets.chmod(0o600)
    mail = for_settings(SimpleNamespace(secrets=secrets, people_mail=None, reader_url=None))
    store.store_articles(db, [_article("autre", 5, "Le cloud national")])
    match_pending(db, *rules, max_age=None, now=T0)
    report = Sender(db, rules.delivery, io.StringIO(), min_interval=0, people=mail).deliver_pending(
        now=T0
    )
    assert report.retrying == 1 and smtp.messages == []
    (error,) = [
        r[0]
        for r in db.execute(
            "SELECT last_error FROM deliveries WHERE channel = ?", ("person:amina",)
        )
    ]
    assert f"{secrets}:2: VEILLE_PEOPLE_MAIL: retry=1 makes apprise" in error, error
    assert (
        "remove retry= (and wait=) from VEILLE_PEOPLE_MAIL on line 2 of the secrets file" in error
    )


TRANSLATED = """
watchlists:
  - name: um6p
    title: UM6P
    terms: [UM6P]
    templates:
      subject: "ALERTE {{ watchlist.title }} : {{ article.title }}"
      ar:
        subject: "تنبيه {{ watchlist.title }}: {{ article.title }}"
"""


def test_a_watchlists_own_templates_speak_the_persons_language_where_translated(
    team, smtp, tmp_path
):
    """A watchlist's own templates are written in its language; under `ar:` (or `fr:`, `en:`)
    the same keys in another. A person who reads their emails in Arabic gets the Arabic
    subject; one in English, for which the watchlist wrote none, the bundled English message,
    not the French wording (they got « ALERTE … » in their other language); one who chose no
    language, the watchlist's own."""
    db, _, _ = team
    rules_path = tmp_path / "translated.yaml"
    rules_path.write_text(TRANSLATED, encoding="utf-8")
    rules = load_watchlists(rules_path)
    accounts.set_language(db, "karim", "ar")
    accounts.set_language(db, "amina", "en")
    accounts.add_user(db, "yasmine", None, "yasmine@example.ma", ("um6p",))
    store.store_articles(db, [_article("presse", 1, "L'UM6P inaugure un centre de calcul")])
    match_pending(db, *rules, max_age=None, now=T0)
    mail = PeopleMail(f"mailto://127.0.0.1:{smtp.port}?from=veille@example.ma", READER)
    Sender(db, rules.delivery, io.StringIO(), min_interval=0, people=mail).deliver_pending(now=T0)
    subjects = {m["To"]: str(m["Subject"]) for m in smtp.messages}
    title = "L'UM6P inaugure un centre de calcul"
    assert subjects["karim@example.ma"] == f"تنبيه UM6P: {title}"
    assert subjects["amina@example.ma"] == f"[veille] UM6P: {title}"
    assert subjects["yasmine@example.ma"] == f"ALERTE UM6P : {title}"
    (amina,) = [m for m in smtp.messages if m["To"] == "amina@example.ma"]
    assert "Read in veille · UM6P" in amina.get_body(("plain",)).get_content()

    # a translation's keys are checked as the watchlist's own, with their line
    rules_path.write_text(TRANSLATED.replace("ar:\n        subject", "ar:\n        subjet"))
    with pytest.raises(ConfigError) as refused:
        load_watchlists(rules_path)
    assert "translated.yaml:9: unknown template ar: 'subjet'" in str(refused.value)
