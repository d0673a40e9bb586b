"""`veille notify test`: the built-in `console` is a channel it can test, and its help and its
answer to an unknown name say so, beside the watchlists file's channels."""

from __future__ import annotations

from click.testing import CliRunner

from monitors.cli import cli


def test_console_is_among_the_channels_notify_test_names(tmp_path):
    rules = tmp_path / "watchlists.yaml"
    rules.write_text(
        """channels:
  crochet:
    url: "json://127.0.0.1:9/hook"
watchlists:
  - {name: cloud, terms: [cloud souverain], notify: [crochet]}
""",
        encoding="utf-8",
    )
    env = {"VEILLE_WATCHLISTS": str(rules), "VEILLE_DB": str(tmp_path / "veille.db")}
    runner = CliRunner()
    unknown = runner.invoke(cli, ["notify", "test", "nope"], env=env)
    assert unknown.exit_code == 2
    assert "no channel named 'nope' (known: console, crochet)" in unknown.output
    helped = runner.invoke(cli, ["notify", "test", "--help"], env=env)
    assert "`console`" in helped.output
    printed = runner.invoke(cli, ["notify", "test", "console"], env=env)
    assert printed.exit_code == 0, printed.output
    assert "=== [veille] Message de test / test message" in printed.output
    assert "✔ console: test message sent" in printed.output
