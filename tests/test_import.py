"""`veille import` holds or says: a file with a line storing would refuse stores nothing, the
crawl's text cap applies, the file is read one line at a time, and a database that fails
part-way is reported with exactly what was stored, the PostgreSQL password never shown. On both
engines (the `db_location` fixture), with the same assertions."""

from __future__ import annotations

import contextlib
import json
import random
import tracemalloc

import pytest
from click.testing import CliRunner

from crawler.core.limits import MAX_TEXT_CHARACTERS
from crawler.storage import store
from crawler.storage.importer import ImportFileError, ImportStopped, import_file
from monitors.cli import cli

from .conftest import REPORT

pytestmark = pytest.mark.slow  # end-to-end: real processes (README, "Development")


def _record(number: int, **fields) -> dict:
    record = {
        "url": f"https://www.example.ma/actualite/{number}-article",
        "title": f"Article {number}",
        "text": f"Article numéro {number} : la commune de Fès annonce {number * 7} projets.",
        "source": "example",
        "published": f"2026-11-{1 + number % 28:02d}T10:{number % 60:02d}:00+01:00",
    }
    record.update(fields)
    return record


def _write(path, records: list[dict], last: str | None = None):
    with path.open("w", encoding="utf-8") as out:
        for record in records:
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
        if last is not None:
            out.write(last + "\n")
    return path


def _count(location) -> int:
    db = store.open_database(location)
    try:
        return db.execute("SELECT count(*) FROM articles").fetchone()[0]
    finally:
        db.close()


# Lines the old check accepted and storing then refused, each after 1,000 good lines.
LINE_1001 = {
    "port above 65535": (
        '{"url": "https://www.example.ma:99999/a", "text": "Un texte.", "source": "example"}',
        "port",
    ),
    "broken IPv6 literal": (
        '{"url": "https://[2001:db8::1/a", "text": "Un texte.", "source": "example"}',
        "IPv6",
    ),
    "lone surrogate": (
        '{"url": "https://www.example.ma/s", "text": "Un \\ud800 texte.", "source": "example"}',
        "unpaired UTF-16 surrogate",
    ),
    "number too long for a record": ('{"url": ' + "1" * 5000 + "}", "not a record"),
    "nested too deep": ("[" * 100_000 + "]" * 100_000, "not a record"),
}


# Every case on SQLite; on PostgreSQL one (the check refuses the line before anything is stored:
# what the engine adds is storing nothing, then the 1,000 good lines, which one case shows).
@pytest.mark.parametrize(
    ("engine", "case"),
    [*(("sqlite", case) for case in sorted(LINE_1001)), ("postgresql", "lone surrogate")],
)
def test_an_import_failing_on_line_1001_stores_nothing_and_names_the_line(
    db_location, tmp_path, case
):
    bad, words = LINE_1001[case]
    path = _write(tmp_path / "a.jsonl", [_record(n) for n in range(1000)], last=bad)
    db_path = db_location
    result = CliRunner().invoke(cli, ["--db", str(db_path), "import", str(path)])
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    assert "line 1001: " in result.output and words in result.output, result.output
    assert "nothing was stored" in result.output
    assert _count(db_path) == 0

    skipped = CliRunner().invoke(cli, ["--db", str(db_path), "import", "--skip-invalid", str(path)])
    assert skipped.exit_code == 0, skipped.output
    assert "1000 read, 1000 new" in skipped.output and "skipped line 1001: " in skipped.output
    assert _count(db_path) == 1000


def test_an_ipv6_literal_address_is_imported(db_location, tmp_path):
    path = _write(tmp_path / "a.jsonl", [_record(1, url="http://[2001:db8::1]:8080/a?b=2&a=1")])
    db = store.open_database(db_location)
    assert import_file(db, path).new == 1
    (url,) = db.execute("SELECT url FROM articles").fetchone()
    assert url == "http://[2001:db8::1]:8080/a?a=1&b=2"
    assert import_file(db, path).duplicates == 1


def test_a_line_changed_between_the_check_and_storing_is_checked_again(tmp_path, monkeypatch):
    """Storing reads each line again; a line that is no longer the one checked (its bytes'
    hash differs), even a valid one, stops the import rather than storing what was never part
    of the file's check. Lines read unchanged are not checked twice."""
    from crawler.storage import importer

    path = _write(tmp_path / "a.jsonl", [_record(n) for n in range(1, 6)])
    good = path.read_bytes()
    # Line 3's address made unusable, the line keeping its length (so every offset holds).
    changed = good.replace(
        b"https://www.example.ma/actualite/3-", b"https://www.example.ma:99999/act/3-"
    )
    assert len(changed) == len(good) and changed != good
    scan = importer._scan

    def scan_then_change(handle):
        found = scan(handle)
        path.write_bytes(changed)
        return found

    monkeypatch.setattr(importer, "_scan", scan_then_change)
    rechecked: list[int] = []
    check = importer.check_line

    def counted_check(number, raw, complete=True):
        if complete:
            rechecked.append(number)
        return check(number, raw, complete)

    monkeypatch.setattr(importer, "check_line", counted_check)
    db = store.open_database(tmp_path / "v.db")
    with pytest.raises(ImportStopped, match="changed since it was checked"):
        import_file(db, path)
    assert rechecked == []  # no line checked twice
    assert _count(tmp_path / "v.db") == 0  # lines 1 and 2 waited in its batch: not stored
    # A valid line in place of the one checked (its text edited, the same length) stops too.
    edited = good.replace(b'"Article 3"', b'"ARTICLE 3"')
    assert len(edited) == len(good) and edited != good
    changed = edited
    path.write_bytes(good)
    with pytest.raises(ImportStopped, match="line 3 is no longer the line checked"):
        import_file(store.open_database(tmp_path / "w.db"), path)
    assert _count(tmp_path / "w.db") == 0


def test_a_text_over_the_crawl_cap_is_cut_and_said(db_location, tmp_path):
    paragraph = "Le conseil régional de Fès-Meknès a voté le budget des projets numériques.\n"
    long_text = paragraph * (MAX_TEXT_CHARACTERS // len(paragraph) + 2000)
    path = _write(tmp_path / "a.jsonl", [_record(1), _record(2, text=long_text)])
    result = CliRunner().invoke(cli, ["--db", db_location, "import", str(path)])
    assert result.exit_code == 0, result.output
    assert f"cut line 2: text of {len(long_text.strip()):,} characters" in result.output
    db = store.open_database(db_location)
    lengths = [row[0] for row in db.execute("SELECT length(text) FROM articles")]
    assert len(lengths) == 2 and max(lengths) <= MAX_TEXT_CHARACTERS


def test_a_line_too_long_for_a_record_is_refused_before_it_is_read(db_location, tmp_path):
    """The 23 MB line that once stored 22 M characters at 5.4 GB: refused, read in chunks."""
    huge = json.dumps(_record(2, text="x " * 12_000_000))
    path = _write(tmp_path / "a.jsonl", [_record(1)], last=huge)
    db = store.open_database(db_location)
    tracemalloc.start()
    try:
        with pytest.raises(ImportFileError) as caught:
            import_file(db, path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert "line 2: 24.0 MB, over the 8 MB one record may take" in str(caught.value)
    assert peak < 20e6  # the line (24 MB) is never held whole
    assert _count(db_location) == 0


def _check_peak(tmp_path, db, lines: int) -> tuple[int, int]:
    """Peak Python memory of checking a file of `lines` good lines and a bad last one (the
    check reads the whole file, then stores nothing), and the file's size."""
    rng = random.Random(lines)
    vocabulary = [f"mot{n}" for n in range(3000)]
    records = [
        _record(n, text=" ".join(rng.choice(vocabulary) for _ in range(500))) for n in range(lines)
    ]
    path = _write(tmp_path / f"{lines}.jsonl", records, last="{}")
    tracemalloc.start()
    try:
        with pytest.raises(ImportFileError):
            import_file(db, path)
        return tracemalloc.get_traced_memory()[1], path.stat().st_size
    finally:
        tracemalloc.stop()


def test_records_stream_memory_does_not_grow_with_the_file(tmp_path):
    """Only each good line's place is kept between the check and storing, never its text: four
    times the lines, the same peak. (The check reads the file before any storing: one engine.)"""
    db = store.open_database(tmp_path / "v.db")
    _check_peak(tmp_path, db, 20)  # imports and caches warmed up
    small, small_size = _check_peak(tmp_path, db, 150)
    large, large_size = _check_peak(tmp_path, db, 600)
    REPORT.append(
        f"veille import check: peak Python memory {small / 1e6:.2f} MB for a "
        f"{small_size / 1e6:.1f} MB file, {large / 1e6:.2f} MB for {large_size / 1e6:.1f} MB"
    )
    assert large - small < 0.3 * (large_size - small_size), (small, large)


@contextlib.contextmanager
def disk_filling_up(db, room: int):
    """The database's disk is full after `room` more pages (SQLite: the page limit of this
    connection) or articles (PostgreSQL: the error the server sends when it cannot extend a
    file, SQLSTATE 53100 disk_full, raised by a trigger past that count), until the block ends."""
    if db.engine == "sqlite":
        pages = db.execute("PRAGMA page_count").fetchone()[0]
        db.execute(f"PRAGMA max_page_count = {pages + room}")
        try:
            yield
        finally:
            db.execute("PRAGMA max_page_count = 1073741823")
        return
    limit = db.execute("SELECT count(*) FROM articles").fetchone()[0] + room
    db.execute(
        "CREATE FUNCTION disk_full() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        f"IF (SELECT count(*) FROM articles) >= {limit} THEN RAISE EXCEPTION "
        "'could not extend file \"base/1/2\": No space left on device' USING ERRCODE = "
        "'disk_full'; END IF; RETURN NEW; END $$"
    )
    db.execute(
        "CREATE TRIGGER disk_full BEFORE INSERT ON articles FOR EACH ROW EXECUTE FUNCTION disk_full()"
    )
    try:
        yield
    finally:
        db.execute("DROP TRIGGER disk_full ON articles")
        db.execute("DROP FUNCTION disk_full()")


def test_a_database_failing_part_way_reports_exactly_what_was_stored(db_location, tmp_path):
    """A disk that fills up during the import: the error says how many lines were stored, the
    database holds exactly those, and running the import again once there is room stores the
    rest, none twice."""
    db = store.open_database(db_location)
    # SQLite's page limit needs texts that fill pages; PostgreSQL's trigger counts articles.
    lines, room = (1100, 600) if db.engine == "sqlite" else (500, 300)
    filler = "Une phrase de plus sur le numérique au Maroc et ses acteurs publics. " * 30
    records = [_record(n, text=f"{n} {filler} {n * 31}") for n in range(lines)]
    path = _write(tmp_path / "a.jsonl", records)
    with disk_filling_up(db, room), pytest.raises(ImportStopped) as caught:
        import_file(db, path)
    message = str(caught.value)
    stored = _count(db_location)
    assert 0 < stored < lines
    assert "import stopped at line" in message and "disk is full" in message
    assert f"{stored} of the {lines} valid line(s) were done before it ({stored} stored" in message
    assert "run the same import again" in message

    report = import_file(db, path)
    assert (report.new, report.duplicates) == (lines - stored, stored)
    assert _count(db_location) == lines


def test_a_postgresql_failure_during_veille_import_is_said_without_its_password(
    postgres_url, tmp_path
):
    """A PostgreSQL error met while storing is one line saying what to do, with no traceback and
    no password: `veille import` mapped only SQLite's errors."""
    secret = "s3cret-Pass-word"
    location = postgres_url.replace("postgresql://postgres@", f"postgresql://postgres:{secret}@")
    path = _write(tmp_path / "a.jsonl", [_record(n) for n in range(5)])
    db = store.open_database(location)
    with disk_filling_up(db, 0):
        result = CliRunner().invoke(cli, ["--db", location, "import", str(path)])
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    assert "import stopped at line 1" in result.output and "disk is full" in result.output
    assert "free space on the server's disk" in result.output
    assert secret not in result.output and "postgres:***@" in result.output
    unreachable = location.replace(postgres_url.split("?")[0].rsplit("/", 1)[1], "no_such_db")
    result = CliRunner().invoke(cli, ["--db", unreachable, "import", str(path)])
    assert result.exit_code == 2 and "has no such database" in result.output, result.output
    assert secret not in result.output


def test_a_byte_order_mark_before_the_first_record_is_not_part_of_it(tmp_path):
    """Some editors and exports begin a UTF-8 file with a byte order mark: line 1 is read
    without it instead of being refused as invalid JSON."""
    path = _write(tmp_path / "a.jsonl", [_record(1), _record(2)])
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    db = store.open_database(tmp_path / "v.db")
    report = import_file(db, path)
    assert report.read == 2 and _count(tmp_path / "v.db") == 2
