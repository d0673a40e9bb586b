"""Watchlists changed by a program (monitors.service.editing): the file keeps its comments and
layout, a stale form is refused, an invalid change is never written, every change is kept
(backup) and logged (who, when, diff)."""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from monitors.rules.matcher import ArticleText, Matcher
from monitors.service.editing import (
    Change,
    EditRefused,
    StaleFile,
    WatchlistFields,
    backup_path,
    changes_path,
    check_change,
    edited_text,
    file_token,
    recent_changes,
    save_change,
    watchlist_fields,
)
from monitors.service.watchlists import load_watchlists
from seeds import BUNDLED_WATCHLISTS

SEED = BUNDLED_WATCHLISTS
GITEX = WatchlistFields(
    "gitex", "Gitex Africa", query='"Gitex Africa" OR gitex*', languages=("fr", "ar")
)


@pytest.fixture
def watchlists(tmp_path) -> Path:
    path = tmp_path / "watchlists.yaml"
    shutil.copy(SEED, path)
    return path


def comments(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.lstrip().startswith("#") or "  # " in line]


def test_an_unchanged_watchlist_writes_the_file_back_byte_for_byte():
    text = SEED.read_text(encoding="utf-8")
    for name in ("souverainete-numerique", "ia-souverainete", "dell-maroc"):
        fields = watchlist_fields(text, name)
        assert fields is not None
        assert edited_text(text, Change("update", name, fields)) == text


def test_other_layouts_and_line_ends_are_kept():
    flush = "# flush lists\nwatchlists:\n- name: a  # the first\n  terms: [x]\n"
    assert edited_text(flush, Change("pause", "a")) == flush.replace(
        "terms: [x]\n", "terms: [x]\n  paused: true\n"
    )
    windows = "watchlists:\r\n  - name: a\r\n    terms: [x]\r\n"
    assert edited_text(windows, Change("pause", "a")) == windows + "    paused: true\r\n"
    arabic = edited_text(
        flush, Change("update", "a", WatchlistFields("a", query='"السيادة الرقمية"', terms=("x",)))
    )
    assert "  query: '\"السيادة الرقمية\"'\n" in arabic  # written as is, not \u-escaped


def test_a_created_watchlist_keeps_every_comment_and_only_adds_its_lines(watchlists):
    before = watchlists.read_text(encoding="utf-8")
    assert len(comments(before)) > 10
    saved = save_change(watchlists, file_token(watchlists), Change("create", "gitex", GITEX), "ali")
    after = watchlists.read_text(encoding="utf-8")
    assert comments(after) == comments(before)
    assert after.startswith(before)  # appended, nothing else moved
    assert after[len(before) :] == (
        "\n  - name: gitex\n    title: Gitex Africa\n"
        "    query: '\"Gitex Africa\" OR gitex*'\n    languages: [fr, ar]\n"
    )
    rules = load_watchlists(watchlists).rules
    assert rules.by_name("gitex").query_text == '"Gitex Africa" OR gitex*'
    assert saved.token == file_token(watchlists)


def test_an_edit_changes_only_the_lines_of_that_watchlist(watchlists):
    text = watchlists.read_text(encoding="utf-8")
    fields = watchlist_fields(text, "souverainete-numerique")
    assert fields is not None
    longer = replace(fields, title="Souveraineté", query=fields.query + " OR souverain")
    saved = save_change(
        watchlists,
        file_token(watchlists),
        Change("update", "souverainete-numerique", longer),
        "ali",
    )
    changed = [
        line for line in saved.diff.splitlines() if re.match(r"[+-](?![+-])", line)
    ]  # the title and the folded query, nothing else
    assert all(("title:" in line) or line.startswith(("-      ", "+      ")) for line in changed)
    after = watchlists.read_text(encoding="utf-8")
    assert comments(after) == comments(text)
    assert "    query: >-\n" in after  # still folded over lines of reasonable length
    assert max(len(line) for line in after.splitlines()) <= max(
        len(line) for line in text.splitlines()
    )
    rule = load_watchlists(watchlists).rules.by_name("souverainete-numerique")
    assert rule.query_text is not None
    assert " ".join(rule.query_text.split()) == longer.query
    assert rule.title == "Souveraineté"


def test_a_paused_watchlist_stays_in_the_file_and_matches_nothing(watchlists):
    saved = save_change(watchlists, file_token(watchlists), Change("pause", "dell-maroc"), "ali")
    rules = load_watchlists(watchlists).rules
    assert rules.by_name("dell-maroc").paused
    article = ArticleText("Dell Technologies ouvre un bureau à Casablanca", "Dell Maroc.", None)
    assert [r.watchlist for r in Matcher(rules.watchlists, rules.entities).match(article)]
    assert not Matcher.for_rules(rules).match(article)  # what the daemon alerts with
    save_change(watchlists, saved.token, Change("resume", "dell-maroc"), "ali")
    assert watchlists.read_text(encoding="utf-8") == SEED.read_text(encoding="utf-8")


def test_a_deleted_watchlist_leaves_the_others_and_their_comments(watchlists):
    before = watchlists.read_text(encoding="utf-8")
    save_change(watchlists, file_token(watchlists), Change("delete", "ia-souverainete"), "ali")
    after = watchlists.read_text(encoding="utf-8")
    assert "ia-souverainete" not in after and comments(after) == comments(before)
    assert [w.name for w in load_watchlists(watchlists).rules.watchlists] == [
        w.name for w in load_watchlists(SEED).rules.watchlists if w.name != "ia-souverainete"
    ]


def test_a_file_changed_since_the_form_was_opened_is_never_overwritten(watchlists):
    token = file_token(watchlists)
    by_hand = watchlists.read_text(encoding="utf-8") + "# a note added by hand\n"
    watchlists.write_text(by_hand, encoding="utf-8")
    with pytest.raises(StaleFile, match="changed on disk since this form was opened"):
        save_change(watchlists, token, Change("create", "gitex", GITEX), "ali")
    assert watchlists.read_text(encoding="utf-8") == by_hand
    assert not backup_path(watchlists).exists() and not changes_path(watchlists).exists()


def test_an_invalid_change_is_refused_with_the_loaders_message_and_nothing_written(
    watchlists, tmp_path
):
    before = watchlists.read_text(encoding="utf-8")
    broken = replace(GITEX, query='"Gitex Africa" OR (')
    with pytest.raises(EditRefused) as refused:
        save_change(watchlists, file_token(watchlists), Change("create", "gitex", broken), "ali")
    message = str(refused.value)
    assert f"{watchlists}:" in message and "query:" in message  # the real file, not a temp
    assert ".edit" not in message
    unknown = replace(GITEX, sources=("nulle-part",))
    with pytest.raises(EditRefused, match="unknown source 'nulle-part'"):
        save_change(
            watchlists,
            file_token(watchlists),
            Change("create", "gitex", unknown),
            "ali",
            source_names={"hespress-fr"},
        )
    with pytest.raises(EditRefused, match="already exists"):
        edited_text(before, Change("create", "dell-maroc", replace(GITEX, name="dell-maroc")))
    assert watchlists.read_text(encoding="utf-8") == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        ".watchlists.yaml.lock",
        "watchlists.yaml",
    ]  # no temporary file left behind


def test_each_save_keeps_the_previous_version_and_logs_who_when_and_the_diff(watchlists):
    first = watchlists.read_text(encoding="utf-8")
    inode = watchlists.stat().st_ino
    clock = lambda: datetime(2026, 12, 4, 21, 30, tzinfo=UTC)  # noqa: E731
    saved = save_change(
        watchlists, file_token(watchlists), Change("create", "gitex", GITEX), "ali", now=clock
    )
    assert watchlists.stat().st_ino != inode  # replaced whole, never written in place
    assert backup_path(watchlists).read_text(encoding="utf-8") == first
    second = watchlists.read_text(encoding="utf-8")
    save_change(watchlists, saved.token, Change("pause", "gitex"), "samira", now=clock)
    assert backup_path(watchlists).read_text(encoding="utf-8") == second
    lines = changes_path(watchlists).read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["who"] for line in lines] == ["ali", "samira"]
    newest = recent_changes(watchlists)
    assert [(c["change"], c["watchlist"], c["at"]) for c in newest] == [
        ("pause", "gitex", "2026-12-04T21:30:00+00:00"),
        ("create", "gitex", "2026-12-04T21:30:00+00:00"),
    ]
    assert "+    paused: true" in newest[0]["diff"]


def test_the_preview_validates_and_lints_without_writing(watchlists):
    before = watchlists.read_text(encoding="utf-8")
    slip = replace(GITEX, query="gitex or maroc")
    checked = check_change(watchlists, Change("create", "gitex", slip))
    assert "+  - name: gitex" in checked.diff
    assert any("'or'" in w.message or "or" in w.message for w in checked.warnings)
    assert all(w.path == str(watchlists) for w in checked.warnings)
    assert checked.rules.by_name("gitex").languages == ("fr", "ar")
    assert watchlists.read_text(encoding="utf-8") == before


def test_the_loader_refuses_a_paused_value_that_is_not_true_or_false(tmp_path):
    path = tmp_path / "w.yaml"
    path.write_text("watchlists:\n  - name: a\n    terms: [x]\n    paused: 'yes'\n")
    with pytest.raises(Exception, match="paused must be true or false"):
        load_watchlists(path)


def test_rules_check_says_which_watchlists_are_paused(watchlists):
    from .test_cli import invoke

    save_change(watchlists, file_token(watchlists), Change("pause", "dell-maroc"), "ali")
    text = invoke("--watchlists", str(watchlists), "rules", "check")
    assert text.exit_code == 0, text.output
    assert "dell-maroc: entities dell → console (paused: matches nothing new)" in text.output
    listed = invoke("--watchlists", str(watchlists), "rules", "check", "--json")
    paused = {w["name"]: w["paused"] for w in json.loads(listed.stdout)["watchlists"]}
    assert paused["dell-maroc"] and not paused["ia-souverainete"]


def test_a_file_saved_with_a_byte_order_mark_keeps_its_first_lines(tmp_path):
    """A watchlists file saved by Windows' Notepad begins with a byte order mark, and is read
    (8fc8069): a change saved in the reader lost the comments above its first key, the mark
    hiding where they end. They are kept, the mark with them, and the file still reads."""
    path = tmp_path / "watchlists.yaml"
    text = "\ufeff# les veilles de l'équipe\n\nwatchlists:\n  - name: a\n    terms: [x]\n"
    path.write_text(text, encoding="utf-8")
    save_change(path, file_token(path), Change("pause", "a"), "ali")
    assert path.read_text(encoding="utf-8") == text + "    paused: true\n"
    assert load_watchlists(path).rules.by_name("a").paused


@pytest.mark.parametrize(
    "preamble",
    ["\n", "\n\n# les veilles de l'équipe\n", "---\n", "%YAML 1.2\n---\n# veille\n\n", "  \n# x\n"],
    ids=["a blank line", "blank lines and a comment", "a document start", "a directive", "spaces"],
)
def test_the_lines_before_the_first_key_are_kept(preamble):
    """A change written back kept every comment but dropped the file's first blank line and a
    `---` document start: the YAML round trip does not keep them."""
    body = "watchlists:\n  - name: a\n    terms: [x]\n"
    assert edited_text(preamble + body, Change("pause", "a")) == (
        preamble + body + "    paused: true\n"
    )
    windows = (preamble + body).replace("\n", "\r\n")
    assert edited_text(windows, Change("pause", "a")) == windows + "    paused: true\r\n"
