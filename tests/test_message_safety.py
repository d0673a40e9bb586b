"""What a hostile page or a careless template can do to a message: nothing. Watchlist templates
run sandboxed and are rendered against a sample alert by `rules check`; a template that still
fails at send time fails its delivery, not the loop; page text cannot ping a Slack channel."""

from __future__ import annotations

import io
from dataclasses import replace

import pytest
from apprise.plugins.slack import NotifySlack

from crawler.core.errors import ConfigError
from crawler.storage import store
from crawler.storage.importer import ImportRecord, import_records
from monitors.alerts.delivery import Sender
from monitors.alerts.messages import SAMPLE_ALERT, render_alert, render_digest
from monitors.alerts.outbox import match_pending
from monitors.service.watchlists import load_watchlists

RULES = """watchlists:
  - name: cloud
    title: Cloud
    terms: [cloud]
    notify: [console]
{templates}  - name: souverainete
    title: Souveraineté
    terms: [souveraineté]
    notify: [console]
"""


def _rules(tmp_path, templates: str = ""):
    path = tmp_path / "watchlists.yaml"
    path.write_text(RULES.format(templates=templates), encoding="utf-8")
    return load_watchlists(path)


@pytest.mark.parametrize(
    "template, words",
    [
        ("{{ ''.__class__.__mro__[1].__subclasses__() }}", "unsafe"),
        ("{{ cycler.__init__.__globals__.os.popen('id').read() }}", "unsafe"),
        ("{{ article.auteur }}", "has no attribute 'auteur'"),
        ("{{ article.title ", "unexpected end of template"),
    ],
)
def test_rules_check_refuses_a_template_that_is_unsafe_or_fails_on_a_sample(
    tmp_path, template, words
):
    block = f'    templates:\n      text: "{template}"\n'
    with pytest.raises(ConfigError) as caught:
        _rules(tmp_path, block)
    message = str(caught.value)
    assert "template 'text' cannot be used" in message and words in message, message
    assert caught.value.line == 7


def test_a_template_failing_at_send_time_fails_its_delivery_only(tmp_path):
    """A template that renders the sample but not a real alert (here: bypassing the check, as an
    old file or a reload would): that delivery fails with the reason and is retried; the other
    watchlist's alert is sent in the same pass; nothing stays 'sending'."""
    rules = _rules(tmp_path)
    cloud = replace(
        rules.delivery.route("cloud"), templates=(("text", "{{ 1 / (snippet|length * 0) }}"),)
    )
    rules.delivery.routes["cloud"] = cloud
    db = store.open_database(tmp_path / "v.db")
    texts = {
        "https://medias24.com/2026/11/17/cloud/": "Le cloud national ouvre ses portes aux "
        "administrations marocaines, annonce le ministère dans un communiqué publié mardi.",
        "https://le360.ma/souverainete/": "La souveraineté des données est au cœur du nouveau "
        "projet de loi présenté mardi en conseil de gouvernement à Rabat.",
    }
    records = [
        ImportRecord(line=i, url=url, text=text, source="medias24", title=text[:40])
        for i, (url, text) in enumerate(texts.items())
    ]
    import_records(db, records)
    assert match_pending(db, *rules, max_age=None).alerts == 2
    console = io.StringIO()
    report = Sender(db, rules.delivery, console, min_interval=0).deliver_pending()
    assert report.messages == 1 and report.retrying == 1
    states = dict(
        db.execute(
            "SELECT a.watchlist, d.state || ': ' || coalesce(d.last_error, '') "
            "FROM deliveries d JOIN alerts a ON a.id = d.alert_id"
        ).fetchall()
    )
    assert states["souverainete"] == "sent: "
    assert states["cloud"].startswith("pending: the watchlist's 'text' template failed")
    assert "ZeroDivisionError" in states["cloud"] and "rules check" in states["cloud"]


class _Watchlist:
    name = "cloud"
    title = "Cloud"
    language = "fr"
    templates = ()


HOSTILE = dict(
    SAMPLE_ALERT,
    title="Offre cloud <!channel> [gagnez](https://evil.example/a)",
    snippet="cliquez <https://evil.example/b|ici> puis <!here> & <@U024BE7LH>",
    source_title="Site <script>",
    also_in=[{"outlet": "Autre <!everyone>", "url": "https://autre.ma/x|<!channel>"}],
)


@pytest.mark.parametrize("render", ["alert", "digest"])
def test_page_text_cannot_mention_or_link_in_slack(render):
    message = (
        render_alert(HOSTILE, _Watchlist(), "slack")
        if render == "alert"
        else render_digest([HOSTILE, HOSTILE], _Watchlist(), "slack")
    )
    sent = NotifySlack._commonmark_to_slack(message.body)  # what apprise posts to Slack
    for hostile in ("<!channel>", "<!here>", "<!everyone>", "<@U024BE7LH>", "<https://evil"):
        assert hostile not in sent, sent
    assert "evil.example" not in sent.replace("&lt;https://evil.example", "").replace(
        "(https://evil.example/a)", ""
    )
    assert "&lt;!channel&gt;" in sent and "&amp;" in sent
    # Our own link still works: the article's address as a Slack anchor.
    assert f"<{SAMPLE_ALERT['url']}|" in sent


@pytest.mark.parametrize("password", ["p@ss/w0rd", "pa/ss", "a@b"])
def test_a_secret_that_would_move_the_host_is_refused_without_showing_it(
    tmp_path, monkeypatch, password
):
    monkeypatch.setenv("SMTP_PASSWORD", password)
    path = tmp_path / "watchlists.yaml"
    path.write_text(
        "channels:\n"
        "  email:\n"
        '    url: "mailtos://veille:${SMTP_PASSWORD}@smtp.example.ma:587?to=a@example.ma"\n'
        "watchlists:\n  - name: x\n    terms: [a]\n    notify: [email]\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as caught:
        load_watchlists(path)
    message = str(caught.value)
    assert caught.value.line == 2  # the channel's line, as for every channel error
    assert "SMTP_PASSWORD is substituted the URL's host is no longer 'smtp.example.ma'" in message
    assert "%40" in message and password not in message


def test_a_percent_encoded_secret_and_a_variable_host_are_accepted(tmp_path, monkeypatch):
    monkeypatch.setenv("SMTP_PASSWORD", "p%40ss%2Fw0rd")
    monkeypatch.setenv("SLACK_WEBHOOK", "T000A/B000B/XXXXXXXXXXXXXXXXXXXXXXXX")
    path = tmp_path / "watchlists.yaml"
    path.write_text(
        "channels:\n"
        "  email:\n"
        '    url: "mailtos://veille:${SMTP_PASSWORD}@smtp.example.ma:587?to=a@example.ma"\n'
        '  slack: "slack://${SLACK_WEBHOOK}"\n'
        "watchlists:\n  - name: x\n    terms: [a]\n    notify: [email, slack]\n",
        encoding="utf-8",
    )
    delivery = load_watchlists(path).delivery
    assert delivery.channels["email"].url and delivery.channels["slack"].url
