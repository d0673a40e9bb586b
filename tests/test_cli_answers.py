"""Commands that never hide a failure: a mistyped database, date, source or watchlist is an
error, not '0 results'; a cycle or a check where every source failed exits non-zero; why
matches did not alert is said."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from crawler.storage import store
from crawler.storage.importer import ImportRecord, import_records
from monitors.alerts.outbox import match_pending
from monitors.cli import cli
from monitors.service.watchlists import load_watchlists

LOOPBACK = {"VEILLE_CRAWL_SETTINGS": json.dumps({"VEILLE_ALLOWED_NETWORKS": ["127.0.0.0/8"]})}


def run(*args, env=None):
    return CliRunner().invoke(cli, list(args), env=env)


@pytest.mark.parametrize(
    "command",
    [
        ["status"],
        ["stories"],
        ["search", "cloud"],
        ["export"],
        ["alerts", "list"],
        ["alerts", "show", "1"],
        ["alerts", "retry", "--failed"],
        ["users", "list"],
        ["users", "remove", "amina"],
        ["users", "set", "amina", "--email", "amina@example.ma"],
    ],
)
def test_a_mistyped_database_is_an_error_not_an_empty_answer(tmp_path, command):
    missing = tmp_path / "veile.db"
    result = run("--db", str(missing), *command)
    assert result.exit_code == 2, result.output
    assert f"no database at {missing}" in result.output
    assert not missing.exists()


def test_the_default_database_is_said_where_it_was_looked_for(tmp_path, monkeypatch):
    """The default database, data/veille.db, is the working folder's: run from another folder,
    a reading command says which file it looked for, and `veille users add` (the one that may
    come before the first crawl) says it made a new one, where."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("VEILLE_DB", raising=False)
    result = run("users", "list")
    assert result.exit_code == 2, result.output
    assert (
        f"no database at data/veille.db ({tmp_path}/data/veille.db, under the working folder)"
        in result.output
    )
    assert not (tmp_path / "data").exists()
    added = run("users", "add", "karim@example.ma", "--no-password")
    assert added.exit_code == 0, added.output
    assert f"new database {tmp_path}/data/veille.db" in added.stderr
    assert run("users", "list").exit_code == 0


def test_a_channel_is_tried_without_making_a_database(tmp_path, monkeypatch):
    """`veille notify test`, the first command of a set-up, made data/veille.db in the working
    folder: an empty database no later command run elsewhere would find."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("VEILLE_DB", raising=False)
    result = run("notify", "test", "console")
    assert result.exit_code == 0, result.output
    assert "console: test message sent" in result.output
    assert not (tmp_path / "data").exists()


def _with_articles(location: str) -> str:
    """One imported article stored in the database at `location`: its location."""
    db = store.open_database(location)
    text = (
        "Le cloud souverain marocain accueillera les données des administrations, "
        "annonce le ministère de la Transition numérique dans un communiqué."
    )
    import_records(
        db,
        [
            ImportRecord(
                1,
                "https://fr.le360.ma/tech/cloud-souverain_1/",
                text,
                "le360",
                "Cloud souverain",
                "2020-01-15T10:00:00Z",
                "fr",
            )
        ],
    )
    db.close()
    return location


@pytest.fixture
def db_with_articles(db_location):
    """A database holding one imported article, on each engine, for a test that writes to it:
    its location."""
    return _with_articles(db_location)


@pytest.fixture(scope="module")
def read_db(engine, tmp_path_factory, request):
    """The same database, filled once per engine for the tests that only read it (a reading
    command, a filter refused, an answer that cannot be written), where each filled one of its
    own."""
    if engine == "sqlite":
        return _with_articles(str(tmp_path_factory.mktemp("answers") / "veille.db"))
    return _with_articles(request.getfixturevalue("postgres_cluster").new_database())


@pytest.mark.parametrize(
    "args, words",
    [
        (["search", "cloud", "--since", "hier"], "'hier' is not a date"),
        (["search", "cloud", "--until", "2026-13-01"], "is not a date"),
        (["search", "cloud", "--source", "le36O"], "unknown source 'le36O' (known: le360)"),
        (["search", "cloud", "--watchlist", "clou"], "unknown watchlist 'clou'"),
        (["export", "--since", "17/11/2026"], "is not a date"),
        (["export", "--watchlist", "nope"], "unknown watchlist 'nope'"),
        (["alerts", "list", "--watchlist", "nope"], "unknown watchlist 'nope'"),
        (["search", "cloud", "--language", "FR"], "'FR' is not a code articles carry (write 'fr'"),
        (["search", "cloud", "--language", "fe"], "'fe' is no language code (ISO 639-1)"),
        (["search", "cloud", "--language", "ar-MA"], "(write 'ar', without the region"),
        (["rules", "test", "--text", "cloud", "--language", "Fr"], "'Fr' is not a code articles"),
    ],
)
def test_a_mistyped_filter_is_an_error(read_db, args, words):
    result = run("--db", str(read_db), *args)
    assert result.exit_code == 2, result.output
    assert words in result.output


@pytest.mark.parametrize("fmt", ["csv", "atom"])
@pytest.mark.parametrize("where", ["missing folder", "under a file", "full disk"])
def test_an_export_file_that_cannot_be_written_is_an_error(read_db, tmp_path, fmt, where):
    """`veille export -o` into a folder that does not exist, under a file, or onto a full disk
    (/dev/full) raised a traceback (FileNotFoundError, NotADirectoryError, OSError: No space
    left on device) instead of naming the file and what to do."""
    if where == "under a file":
        (tmp_path / "report").write_text("", encoding="utf-8")
    output = Path("/dev/full") if where == "full disk" else tmp_path / "report" / "matches.out"
    args = ["export", "--format", fmt, "--watchlist", "cloud", "-o", str(output)]
    rules = tmp_path / "watchlists.yaml"
    rules.write_text("watchlists:\n  - name: cloud\n    terms: [cloud]\n", encoding="utf-8")
    result = run("--db", str(read_db), "--watchlists", str(rules), *args)
    assert result.exit_code == 2, result.output
    line = result.output.strip().splitlines()[-1]
    assert line.startswith("error: ") and str(output) in line and "cannot be written" in line, line
    assert (
        "Traceback" not in result.output
        and result.exception is None
        or isinstance(result.exception, SystemExit)
    )


@pytest.mark.parametrize("command", [["status"], ["search", "cloud"], ["export"]])
def test_an_answer_written_to_a_full_disk_is_an_error(read_db, command):
    """An answer sent to a full disk (`veille export > matches.csv`, here /dev/full) raised a
    traceback ending in OSError: No space left on device, instead of one line saying so."""
    import subprocess
    import sys

    with open("/dev/full", "w") as full:  # noqa: PTH123
        done = subprocess.run(
            [sys.executable, "-m", "monitors.cli", "--db", str(read_db), *command],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
        )
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr, done.stderr
    line = done.stderr.strip().splitlines()[-1]
    assert line.startswith("error: ") and "No space left on device" in line, line


def test_good_filters_still_answer(read_db):
    result = run("--db", str(read_db), "search", "cloud", "--since", "2020-01-01")
    assert result.exit_code == 0 and "1 result(s)" in result.output


def test_matches_not_alerted_are_counted_with_their_reason(db_with_articles, tmp_path):
    rules_path = tmp_path / "watchlists.yaml"
    rules_path.write_text("watchlists:\n  - name: cloud\n    terms: [cloud]\n", encoding="utf-8")
    db = store.open_database(db_with_articles)
    report = match_pending(db, *load_watchlists(rules_path), max_age=timedelta(days=7))
    assert (report.matches, report.alerts, report.too_old) == (1, 0, 1)
    assert "1 of articles older than the alert age limit" in report.not_alerted()
    status = run("--db", str(db_with_articles), "status")
    assert "matches not alerted in the last 7 days: 1 (article older than the alert age limit)" in (
        status.output
    )


def test_rules_test_text_can_say_its_language(tmp_path):
    rules_path = tmp_path / "watchlists.yaml"
    rules_path.write_text(
        "watchlists:\n  - name: cloud-fr\n    terms: [cloud]\n    languages: [fr]\n",
        encoding="utf-8",
    )
    base = ["--watchlists", str(rules_path), "rules", "test", "--text", "Le cloud national."]
    without = run(*base)
    assert without.exit_code == 1
    assert "cloud-fr only match articles in some languages; give --language" in without.output
    assert run(*base, "--language", "fr").exit_code == 0


@pytest.mark.slow
def test_a_cycle_or_check_where_every_source_failed_exits_non_zero(tmp_path):
    sources = tmp_path / "sources.yaml"
    sources.write_text(
        "sources:\n"
        "  - name: eteint\n    homepage: http://127.0.0.1:9/\n    feeds: [http://127.0.0.1:9/feed]\n"
        "  - name: eteint2\n    homepage: http://127.0.0.1:9/\n    feeds: [http://127.0.0.1:9/rss]\n",
        encoding="utf-8",
    )
    rules_path = tmp_path / "watchlists.yaml"
    rules_path.write_text("watchlists:\n  - name: x\n    terms: [x]\n", encoding="utf-8")
    base = ["--db", str(tmp_path / "v.db"), "--sources", str(sources)]
    checked = run(*base, "sources", "check", "--timeout", "3", env=LOOPBACK)
    assert checked.exit_code == 1 and "no source answered" in checked.output
    once = run(*base, "--watchlists", str(rules_path), "run", "--once", env=LOOPBACK)
    assert once.exit_code == 1, once.output
    assert "every source failed (eteint, eteint2)" in once.output


def test_status_shows_the_actionable_end_of_an_error(db_with_articles):
    db = store.open_database(db_with_articles)
    message = (
        "refused: le360.example resolves to 10.0.0.8, an internal address (allow it, or its "
        'network, with VEILLE_CRAWL_SETTINGS=\'{"VEILLE_ALLOWED_NETWORKS": ["10.0.0.8"]}\')'
    )
    store.record_error(db, None, "le360", "https://le360.example/feed", "blocked-address", message)
    result = run("--db", str(db_with_articles), "status")
    assert 'VEILLE_CRAWL_SETTINGS=\'{"VEILLE_ALLOWED_NETWORKS": ["10.0.0.8"]}\'' in result.output


def test_backtest_says_which_matches_would_be_too_old_to_alert(db_with_articles, tmp_path):
    rules_path = tmp_path / "watchlists.yaml"
    rules_path.write_text("watchlists:\n  - name: cloud\n    terms: [cloud]\n", encoding="utf-8")
    result = run(
        "--db", str(db_with_articles), "--watchlists", str(rules_path), "rules", "backtest", "cloud",
        env={"VEILLE_ALERT_MAX_AGE_DAYS": "7"},
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "(too old to alert today)" in result.output
    assert "1 of them are older than 7 days" in result.output


def test_a_language_imported_articles_carry_is_searched(db_location):
    """veille import stores a language with its region as given (« fr-MA »), and veille search
    --language fr-MA found those articles; checked only against the codes crawled articles
    carry, it was refused ('articles carry none'); --language fr finds them too, by the
    primary subtag (tests/test_language_region.py). A code no stored article carries is refused
    as before."""
    db = store.open_database(db_location)
    text = (
        "Le cloud souverain marocain accueillera les données des administrations, "
        "annonce le ministère de la Transition numérique dans un communiqué."
    )
    import_records(
        db,
        [
            ImportRecord(
                1,
                "https://fr.le360.ma/tech/cloud-souverain_1/",
                text,
                "le360",
                "Cloud souverain",
                "2020-01-15T10:00:00Z",
                "fr-MA",
            )
        ],
    )
    db.close()
    found = run("--db", str(db_location), "search", "cloud", "--language", "fr-MA", "--json")
    assert found.exit_code == 0, found.output
    assert [hit["language"] for hit in json.loads(found.stdout)] == ["fr-MA"]
    refused = run("--db", str(db_location), "search", "cloud", "--language", "ar-MA")
    assert refused.exit_code == 2, refused.output
    assert "(write 'ar', without the region" in refused.output


def test_an_export_the_disk_cuts_off_is_said_to_be_incomplete(read_db, tmp_path):
    """A disk that fills as `veille export -o` writes left part of the export, rows cut off,
    and the error said only that the file could not be written: the file was there, looking
    like an export. A file size limit (RLIMIT_FSIZE) stands for the full disk."""
    import resource
    import signal

    rules = tmp_path / "watchlists.yaml"
    rules.write_text("watchlists:\n  - name: cloud\n    terms: [cloud]\n", encoding="utf-8")
    output = tmp_path / "matches.csv"
    whole = run("--db", str(read_db), "--watchlists", str(rules), "export", "-o", str(output))
    assert whole.exit_code == 0 and output.stat().st_size > 100, whole.output  # its header
    limits = resource.getrlimit(resource.RLIMIT_FSIZE)
    previous = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # the write fails, no signal
    resource.setrlimit(resource.RLIMIT_FSIZE, (100, limits[1]))
    try:
        result = run("--db", str(read_db), "--watchlists", str(rules), "export", "-o", str(output))
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, limits)
        signal.signal(signal.SIGXFSZ, previous)
    assert result.exit_code == 2, result.output
    assert 0 < output.stat().st_size <= 100
    assert f"--output {output}: the file cannot be written (File too large): what it holds is " in (
        result.output
    )
    assert "an incomplete export, delete it" in result.output


def test_an_export_file_that_cannot_be_opened_is_not_said_to_be_incomplete(read_db, tmp_path):
    """An existing export veille may not open for writing (another user's, read-only) is left
    as it was: the error must not call it an incomplete export to delete, which 4ccaf15 said of
    any file of some size. A program running from the path (« Text file busy ») stands for the
    file veille may not open, as the tests run as root, whom permissions do not stop."""
    import shutil
    import subprocess

    rules = tmp_path / "watchlists.yaml"
    rules.write_text("watchlists:\n  - name: cloud\n    terms: [cloud]\n", encoding="utf-8")
    output = tmp_path / "matches.csv"
    shutil.copyfile("/bin/sleep", output)
    output.chmod(0o755)
    before = output.read_bytes()
    busy = subprocess.Popen([str(output), "60"])
    try:
        result = run("--db", str(read_db), "--watchlists", str(rules), "export", "-o", str(output))
    finally:
        busy.kill()
        busy.wait()
    assert result.exit_code == 2, result.output
    assert f"--output {output}: the file cannot be written (Text file busy)" in result.output
    assert "incomplete export" not in result.output
    assert output.read_bytes() == before


def test_a_storys_outlets_are_told_apart_in_its_line(tmp_path):
    """`veille stories` joined a story's outlets with a bare comma (« Le Quotidien Numérique,
    الخبر التقني,Médias Éco »), an Arabic name run into the Latin ones around it; its JSON
    gives them as a list."""
    path = tmp_path / "v.db"
    text = (
        "Le ministère a présenté la stratégie nationale du cloud souverain, qui prévoit trois "
        "centres de données à Benguérir, Rabat et Tanger d'ici 2027, "
    ) * 6
    db = store.open_database(path)
    import_records(
        db,
        [
            ImportRecord(1, "https://a.ma/cloud", text, "medias", "Cloud souverain"),
            ImportRecord(2, "https://b.ma/cloud", text + "Lire aussi.", "quotidien", "Cloud"),
        ],
    )
    db.close()
    result = run("--db", str(path), "stories")
    assert result.exit_code == 0, result.output
    assert "medias, quotidien" in result.output or "quotidien, medias" in result.output
    listed = json.loads(run("--db", str(path), "stories", "--json").output)
    assert sorted(listed[0]["outlets"]) == ["medias", "quotidien"]
