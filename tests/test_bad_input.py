"""Careless input ends in a clear error, never a traceback: damaged databases, a full disk,
absurd queries, unreadable secrets files."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from crawler.core.errors import ConfigError, DatabaseError
from crawler.core.secrets import load_secrets_file
from crawler.storage import store
from crawler.storage.importer import ImportRecord, ImportStopped, import_records
from monitors.cli import cli
from monitors.service.watchlists import load_watchlists

from .story_corpus import labelled_articles


def run(*args):
    return CliRunner().invoke(cli, list(args))


def test_a_file_that_is_not_a_database_is_said_so(tmp_path):
    path = tmp_path / "veille.db"
    path.write_bytes(b"this is a spreadsheet, not a database\n" * 200)
    result = run("--db", str(path), "status")
    assert result.exit_code == 2
    assert f"database {path} is damaged or not a veille database" in result.output
    assert "Traceback" not in result.output


def _store_some(path):
    db = store.open_database(path)
    records = [
        ImportRecord(i, r["url"], r["text"], r["source"], r["title"], r["published"], r["language"])
        for i, r in enumerate(labelled_articles())
    ]
    import_records(db, records)
    db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.conn.close()


@pytest.mark.slow
def test_a_damaged_database_stops_a_cycle_before_it_runs(tmp_path):
    path = tmp_path / "veille.db"
    _store_some(path)
    data = bytearray(path.read_bytes())
    page = 4096
    for number in range(5, min(40, len(data) // page)):  # scribble over index and table pages
        data[number * page + 8 : number * page + 200] = b"\xff" * 192
    path.write_bytes(bytes(data))
    sources = tmp_path / "sources.yaml"
    sources.write_text(
        "sources:\n  - name: x\n    homepage: https://x.example.ma/\n"
        "    feeds: [https://x.example.ma/feed]\n",
        encoding="utf-8",
    )
    rules = tmp_path / "watchlists.yaml"
    rules.write_text("watchlists:\n  - name: x\n    terms: [x]\n", encoding="utf-8")
    result = run(
        "--db", str(path), "--sources", str(sources), "--watchlists", str(rules), "run", "--once"
    )
    assert result.exit_code == 2, result.output
    assert f"database {path}" in result.output and "damaged" in result.output
    assert ".recover" in result.output and "Traceback" not in result.output


def test_a_full_disk_is_named_with_what_to_do(tmp_path):
    path = tmp_path / "veille.db"
    db = store.open_database(path)
    pages = db.execute("PRAGMA page_count").fetchone()[0]
    db.conn.execute(f"PRAGMA max_page_count = {pages}")  # SQLite answers as on a full disk
    records = [
        ImportRecord(i, r["url"], r["text"], r["source"], r["title"], r["published"], r["language"])
        for i, r in enumerate(labelled_articles())
    ]
    with pytest.raises(ImportStopped) as caught:
        import_records(db, records)
    assert "the disk is full" in str(caught.value) and "free space" in str(caught.value)
    assert "nothing of the 154 valid line(s) was stored" in str(caught.value)
    assert db.execute("SELECT count(*) FROM articles").fetchone()[0] == 0  # nothing half-stored


def test_a_query_nested_400_deep_is_refused(tmp_path):
    store.open_database(tmp_path / "v.db").conn.close()
    query = "(" * 400 + "cloud" + ")" * 400
    result = run("--db", str(tmp_path / "v.db"), "search", query)
    assert result.exit_code == 2
    assert "nested more than 50 deep" in result.output


def test_an_unreadable_secrets_file_is_an_error_with_its_line(tmp_path):
    binary = tmp_path / "secrets.env"
    binary.write_bytes(b"SMTP_USER=veille\nSMTP_PASSWORD=\xff\xfe\n")
    with pytest.raises(ConfigError) as caught:
        load_secrets_file(binary)
    assert caught.value.line == 2 and "not UTF-8" in str(caught.value)
    assert "\\xff" not in str(caught.value)


def test_a_secrets_file_with_a_byte_order_mark_names_the_line_that_is_not_utf8(tmp_path):
    """The offset of a byte that is not UTF-8 is counted after the byte order mark, and its line
    was counted in as many bytes from the start of the file, mark included: a byte at the start
    of a line (a comment « # été » saved in Latin-1) was said to be on the line before."""
    binary = tmp_path / "secrets.env"
    binary.write_bytes("\ufeffSMTP_USER=veille\n".encode() + b"# \xe9t\xe9\nSMTP_PASSWORD=x\n")
    with pytest.raises(ConfigError) as caught:
        load_secrets_file(binary)
    assert caught.value.line == 2 and "not UTF-8" in str(caught.value)
    with pytest.raises(ConfigError, match="cannot be read"):
        load_secrets_file(tmp_path)  # a directory


def test_a_database_of_another_fingerprint_scheme_is_refused_with_what_to_do(tmp_path):
    path = tmp_path / "veille.db"
    db = store.open_database(path)
    with db.conn:
        db.conn.execute(
            "UPDATE meta SET value = 'datasketch-1.5/other' WHERE key = 'fingerprint_scheme'"
        )
    db.conn.close()
    result = run("--db", str(path), "status")
    assert result.exit_code == 2
    assert "'datasketch-1.5/other'" in result.output and "new database (--db)" in result.output
    assert "Traceback" not in result.output


def test_a_database_a_newer_veille_migrated_is_refused_before_anything_writes_to_it(tmp_path):
    # A newer version's step (a column renamed, a table split) on a table this version writes:
    # on main every command used the file as if it were its own, `veille import` stored into
    # it, and a step that changed a table this version writes would fail crawl after crawl.
    path = tmp_path / "veille.db"
    db = store.open_database(path)
    with db.conn:
        db.conn.execute(
            "INSERT INTO _sqlite_migrations (migration_set, name, applied_at) "
            "VALUES ('crawler.storage', '0099_articles_split', '2027-03-01T00:00:00Z')"
        )
    db.conn.close()
    with pytest.raises(DatabaseError) as caught:
        store.open_database(path)
    message = str(caught.value)
    assert "newer version of veille" in message and "crawler.storage 0099_articles_split" in message
    jsonl = tmp_path / "one.jsonl"
    jsonl.write_text(
        '{"url": "https://a.ma/1", "title": "Titre", "text": "Un texte.", "source": "a"}\n',
        encoding="utf-8",
    )
    commands = (["status"], ["import", str(jsonl)], ["run", "--once"], ["run"], ["serve"])
    for command in commands:
        result = run("--db", str(path), *command)
        assert result.exit_code == 2, result.output
        assert "newer version of veille" in result.output and "Traceback" not in result.output
    db = store.open_database(path, owners=())  # the file itself untouched: nothing imported
    try:
        assert db.execute("SELECT count(*) FROM articles").fetchone()[0] == 0
    finally:
        db.conn.close()


@pytest.mark.parametrize("once", [True, False], ids=["run --once", "run"])
def test_a_refused_start_leaves_nothing_behind(tmp_path, monkeypatch, once):
    """`veille run` made its crawl log, and the folders on its way, before it opened the
    database: a database a newer veille migrated, or a PostgreSQL location written wrong (its
    crawl log then in ./data), was refused with the log and its folders left behind."""
    path = tmp_path / "db" / "veille.db"
    path.parent.mkdir()
    db = store.open_database(path)
    with db.conn:
        db.conn.execute(
            "INSERT INTO _sqlite_migrations (migration_set, name, applied_at) "
            "VALUES ('crawler.storage', '0099_articles_split', '2027-03-01T00:00:00Z')"
        )
    db.conn.close()
    command = ["run", "--once"] if once else ["run"]
    logs = tmp_path / "logs" / "veille"
    result = CliRunner().invoke(
        cli, command, env={"VEILLE_DB": str(path), "VEILLE_CRAWL_LOG": str(logs / "crawl.log")}
    )
    assert result.exit_code == 2 and "newer version of veille" in result.output, result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["db"]
    assert sorted(p.name for p in path.parent.iterdir()) == ["veille.db"]
    monkeypatch.chdir(tmp_path / "db")
    result = CliRunner().invoke(cli, command, env={"VEILLE_DB": "postgresql://u:p%zz@/veille"})
    assert result.exit_code == 2 and "'%' as %25" in result.output, result.output
    assert sorted(p.name for p in path.parent.iterdir()) == ["veille.db"]


def test_a_health_port_taken_refuses_the_start_before_anything_is_made(tmp_path):
    """A --health-port another program holds was refused once the daemon's new database and
    crawl log were made (data/veille.db, data/crawl.log, an empty database left behind)."""
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = CliRunner().invoke(
            cli,
            ["run", "--health-port", str(port)],
            env={"VEILLE_DB": str(tmp_path / "data" / "veille.db")},
        )
    assert result.exit_code == 2, result.output
    assert f"--health-port {port}: cannot listen" in result.output
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("option", ["--sources", "--watchlists"])
def test_a_configuration_file_that_cannot_be_read_is_said_so(tmp_path, option):
    # A directory given for the file (a path completed one level short) raised
    # IsADirectoryError with a traceback on main; the same for a file the user cannot read.
    result = run(option, str(tmp_path), "--db", str(tmp_path / "v.db"), "rules", "check")
    assert result.exit_code == 2, result.output
    assert f"error: {tmp_path}: cannot be read (Is a directory)" in result.output
    assert "Traceback" not in result.output


def test_a_configuration_file_that_is_not_utf8_names_its_line(tmp_path):
    path = tmp_path / "watchlists.yaml"
    path.write_bytes(b"watchlists:\n  - name: x\n    terms: [caf\xe9]\n")  # saved as Latin-1
    with pytest.raises(ConfigError) as caught:
        load_watchlists(path)
    assert caught.value.line == 3 and "not UTF-8" in str(caught.value)


def test_a_secret_keeps_the_quotes_that_are_its_own(tmp_path):
    """Every quote at either end of a value was taken off: a password ending in a quote was
    read without it, and the channel's login failed with no word of why."""
    path = tmp_path / "secrets.env"
    path.write_text(
        'BARE=Sup3r"\nDOUBLE="pa ss"\nSINGLE=\'x"y"\'\nEXPORTED=export\nexport PLAIN=\'abc\'\n',
        encoding="utf-8",
    )
    assert load_secrets_file(path) == {
        "BARE": 'Sup3r"',
        "DOUBLE": "pa ss",
        "SINGLE": 'x"y"',
        "EXPORTED": "export",
        "PLAIN": "abc",
    }


@pytest.mark.parametrize("command", [["status"], ["import", "articles.jsonl"], ["users", "list"]])
def test_a_database_given_as_a_folder_or_under_a_file_is_said_so(tmp_path, command):
    """--db naming a folder was « cannot be opened (unable to open database file) » or « no
    database at … »; a --db under a file (data/veille.db where data is a file) was a traceback
    (FileExistsError) out of every command that may make the database."""
    (tmp_path / "articles.jsonl").write_text("", encoding="utf-8")
    result = CliRunner().invoke(cli, ["--db", str(tmp_path), *command])
    assert result.exit_code == 2, result.output
    assert f"database {tmp_path} is a folder: give a file" in result.output
    (tmp_path / "data").write_text("", encoding="utf-8")
    under_a_file = tmp_path / "data" / "veille.db"
    result = CliRunner().invoke(
        cli, ["--db", str(under_a_file), "import", str(tmp_path / "articles.jsonl")]
    )
    assert result.exit_code == 2, result.output
    assert f"database {under_a_file}: its folder cannot be made" in result.output


@pytest.mark.parametrize(("mode", "who"), [(0o644, "other users"), (0o640, "its group")])
def test_a_secrets_file_others_may_read_is_warned_of_with_the_chmod(tmp_path, mode, who):
    """A secrets file of mode 644 (a plain `cp`, an editor's default) gave its SMTP password
    and webhook token to every user of the machine without a word, where ssh, pgpass and
    netrc tools warn or refuse: `rules check` (and the daemon's start, which loads the same
    configuration) now says so with the path and the chmod to run; a file of mode 600 is
    not warned of."""
    sources = tmp_path / "sources.yaml"
    sources.write_text(
        "sources:\n  - name: exemple\n    homepage: https://www.exemple.ma/\n"
        "    feeds: [https://www.exemple.ma/feed]\n",
        encoding="utf-8",
    )
    watchlists = tmp_path / "watchlists.yaml"
    watchlists.write_text(
        "channels:\n  equipe:\n    url: json://127.0.0.1:9/hook?token=${HOOK}\n"
        "watchlists:\n  - name: x\n    terms: [maroc]\n    notify: [equipe]\n",
        encoding="utf-8",
    )
    secrets = tmp_path / f"secrets-{mode:o}.env"
    secrets.write_text("HOOK=Zq7wK2pLx9Vb4nRt\n", encoding="utf-8")
    command = ["--sources", str(sources), "--watchlists", str(watchlists)]
    command += ["--secrets", str(secrets), "rules", "check"]
    secrets.chmod(mode)
    result = CliRunner().invoke(cli, command)
    assert result.exit_code == 0, result.output
    assert (
        f"secrets file {secrets} is open to {who} (mode {mode:o}), who may read its passwords "
        f"and tokens: run `chmod 600 {secrets}`"
    ) in result.output
    assert "Zq7wK2pLx9Vb4nRt" not in result.output
    secrets.chmod(0o600)
    result = CliRunner().invoke(cli, command)
    assert result.exit_code == 0 and "secrets file" not in result.output, result.output


def test_a_secrets_file_saved_with_a_byte_order_mark_is_read(tmp_path):
    """A secrets file saved by Windows' Notepad begins with a byte order mark, which made its
    first line « expected KEY=VALUE » though it reads right; the sources and watchlists files
    were read with it already."""
    path = tmp_path / "secrets.env"
    path.write_bytes("\ufeffVEILLE_SMTP_PASSWORD=Sup3r\r\nHOOK=abc\r\n".encode())
    assert load_secrets_file(path) == {"VEILLE_SMTP_PASSWORD": "Sup3r", "HOOK": "abc"}


def test_a_secret_given_twice_is_warned_of_with_both_lines(tmp_path):
    """A line added at the top of `veille init`'s template (HOOK=…) left the template's empty
    line below, which won as a shell's last line does: the channel was off, said as « set
    HOOK » of a variable the file sets, with no word of the other line."""
    sources = tmp_path / "sources.yaml"
    sources.write_text(
        "sources:\n  - name: exemple\n    homepage: https://www.exemple.ma/\n"
        "    feeds: [https://www.exemple.ma/feed]\n",
        encoding="utf-8",
    )
    watchlists = tmp_path / "watchlists.yaml"
    watchlists.write_text(
        "channels:\n  equipe:\n    url: json://127.0.0.1:9/hook?token=${HOOK}\n"
        "watchlists:\n  - name: x\n    terms: [maroc]\n    notify: [equipe]\n",
        encoding="utf-8",
    )
    secrets = tmp_path / "secrets.env"
    secrets.write_text("HOOK=Zq7wK2pLx9Vb4nRt\n# the channel equipe\nHOOK=\n", encoding="utf-8")
    secrets.chmod(0o600)
    command = ["--sources", str(sources), "--watchlists", str(watchlists)]
    result = CliRunner().invoke(cli, [*command, "--secrets", str(secrets), "rules", "check"])
    assert result.exit_code == 0, result.output
    assert (
        f"secrets file {secrets}: HOOK is given on line 1 and again on line 3, whose value "
        "(empty) is the one taken: remove one of the two lines"
    ) in result.output
    assert "Zq7wK2pLx9Vb4nRt" not in result.output


def test_a_comment_after_a_secrets_value_is_warned_of_without_the_value(tmp_path):
    """« HOOK=Zq7wK2pLx9Vb4nRt  # the team's hook » is taken whole, comment included, as
    docker's --env-file takes it (a shell cuts the comment off): the channel then failed on a
    token with a comment in it, with no word of why. Warned of, with the line and without the
    value; a quoted value holding « #» is meant and says nothing."""
    from crawler.core.secrets import load_secrets_file

    secrets, result = _rules_check_with_secrets(
        tmp_path, "HOOK=Zq7wK2pLx9Vb4nRt  # the team's hook\nPASS='s3cr #t'\nPLAIN=Xb9#k\n"
    )
    values = load_secrets_file(secrets)
    assert values["HOOK"] == "Zq7wK2pLx9Vb4nRt  # the team's hook"  # as docker takes it
    assert result.exit_code == 0, result.output
    assert (
        f"secrets file {secrets}, line 1: the value of HOOK holds « #» after a space and is "
        "taken whole, comment included"
    ) in result.output
    assert "line 2" not in result.output and "line 3" not in result.output
    assert "Zq7wK2pLx9Vb4nRt" not in result.output
    # each file and line is warned of once a process: another file
    secrets, result = _rules_check_with_secrets(
        tmp_path, "HOOK=Zq7wK2pLx9Vb4nRt\t# the team's hook\n", "tabbed.env"
    )
    assert f"secrets file {secrets}, line 1: the value of HOOK holds" in result.output  # a tab
    assert "Zq7wK2pLx9Vb4nRt" not in result.output


def _rules_check_with_secrets(
    tmp_path: Path, text: str, name: str = "secrets.env", env: dict | None = None
):
    """`veille rules check` of a watchlists file whose channel takes ${HOOK}, with the secrets
    file `name` (mode 600) holding `text`: the file's path and the command's result."""
    secrets = tmp_path / name
    secrets.write_text(text, encoding="utf-8")
    secrets.chmod(0o600)
    watchlists = tmp_path / "watchlists.yaml"
    watchlists.write_text(
        "channels:\n  equipe:\n    url: json://127.0.0.1:9/hook?token=${HOOK}\n"
        "watchlists:\n  - name: x\n    terms: [maroc]\n    notify: [equipe]\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(
        cli,
        ["--watchlists", str(watchlists), "--secrets", str(secrets), "rules", "check"],
        env=env,
    )
    return secrets, result


def test_a_setting_written_in_the_secrets_file_is_said_not_to_be_read_there(tmp_path):
    """veille reads its settings from the environment: VEILLE_READER_URL or VEILLE_DB written
    in the secrets file, as an env-file holds them, were ignored without a word (alerts without
    the reader's links, a database other than the one meant). Warned of with the line, by the
    daemon and by the commands that read the file; VEILLE_PEOPLE_MAIL is read there, and a
    ${VAR} of the user's own is no setting."""
    secrets, result = _rules_check_with_secrets(
        tmp_path,
        "HOOK=Zq7wK2pLx9Vb4nRt\nVEILLE_READER_URL=https://veille.example.ma/\n"
        "VEILLE_PEOPLE_MAIL=mailtos://smtp.example.ma?from=veille@example.ma\n"
        "VEILLE_SMTP_HOST=smtp.example.ma\n"
        "VEILLE_DB=postgresql://veille:Kq8pw-Zx3@db.example.ma/veille\n",
    )
    assert result.exit_code == 0, result.output
    for line, name in ((2, "VEILLE_READER_URL"), (5, "VEILLE_DB")):
        assert (
            f"secrets file {secrets}, line {line}: {name} is a setting veille reads from the "
            "environment only"
        ) in result.output
    assert "VEILLE_PEOPLE_MAIL is a setting" not in result.output
    assert "VEILLE_SMTP_HOST is a setting" not in result.output
    assert "Kq8pw-Zx3" not in result.output


def test_a_setting_the_environment_holds_from_the_same_file_is_not_warned_of(tmp_path):
    """The Dockerfile's way: one secrets.env given to docker as --env-file and to veille as its
    secrets file. A setting written there (VEILLE_READER_URL) is then read, from the
    environment, with the file's value: no warning that it is not read and should be set in the
    environment, which it is. A file's value the environment does not hold is warned of."""
    secrets, result = _rules_check_with_secrets(
        tmp_path,
        "HOOK=Zq7wK2pLx9Vb4nRt\nVEILLE_READER_URL=https://veille.example.ma/\n"
        "VEILLE_WEB_TIMEZONE=Africa/Casablanca\n",
        env={"VEILLE_READER_URL": "https://veille.example.ma/", "VEILLE_WEB_TIMEZONE": "UTC"},
    )
    assert result.exit_code == 0, result.output
    assert "VEILLE_READER_URL is a setting" not in result.output
    assert (
        f"secrets file {secrets}, line 3: VEILLE_WEB_TIMEZONE is a setting veille reads from "
        "the environment only"
    ) in result.output
