"""`veille import` holds or says: a file with a line storing would refuse stores nothing, the
crawl's text cap applies, the file is read one line at a time, and a database that fails
part-way is reported with exactly what was stored."""

from __future__ import annotations

import json
import random
import sqlite3
import tracemalloc

import pytest
from click.testing import CliRunner

from crawler.core.limits import MAX_TEXT_CHARACTERS
from crawler.storage import store
from crawler.storage.importer import ImportFileError, ImportStopped, import_file
from monitors.cli import cli

from .conftest import REPORT


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


def _count(db_path) -> int:
    with sqlite3.connect(db_path) as conn:
        return conn.execute("SELECT count(*) FROM articles").fetchone()[0]


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


@pytest.mark.parametrize("case", sorted(LINE_1001))
def test_an_import_failing_on_line_1001_stores_nothing_and_names_the_line(tmp_path, case):
    bad, words = LINE_1001[case]
    path = _write(tmp_path / "a.jsonl", [_record(n) for n in range(1000)], last=bad)
    db_path = tmp_path / "v.db"
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


def test_an_ipv6_literal_address_is_imported(tmp_path):
    path = _write(tmp_path / "a.jsonl", [_record(1, url="http://[2001:db8::1]:8080/a?b=2&a=1")])
    db = store.open_database(tmp_path / "v.db")
    assert import_file(db, path).new == 1
    (url,) = db.execute("SELECT url FROM articles").fetchone()
    assert url == "http://[2001:db8::1]:8080/a?a=1&b=2"
    assert import_file(db, path).duplicates == 1


def test_a_text_over_the_crawl_cap_is_cut_and_said(tmp_path):
    paragraph = "Le conseil régional de Fès-Meknès a voté le budget des projets numériques.\n"
    long_text = paragraph * (MAX_TEXT_CHARACTERS // len(paragraph) + 2000)
    path = _write(tmp_path / "a.jsonl", [_record(1), _record(2, text=long_text)])
    db_path = tmp_path / "v.db"
    result = CliRunner().invoke(cli, ["--db", str(db_path), "import", str(path)])
    assert result.exit_code == 0, result.output
    assert f"cut line 2: text of {len(long_text.strip()):,} characters" in result.output
    with sqlite3.connect(db_path) as conn:
        lengths = [row[0] for row in conn.execute("SELECT length(text) FROM articles")]
    assert len(lengths) == 2 and max(lengths) <= MAX_TEXT_CHARACTERS


def test_a_line_too_long_for_a_record_is_refused_before_it_is_read(tmp_path):
    """The 23 MB line that once stored 22 M characters at 5.4 GB: refused, read in chunks."""
    huge = json.dumps(_record(2, text="x " * 12_000_000))
    path = _write(tmp_path / "a.jsonl", [_record(1)], last=huge)
    db = store.open_database(tmp_path / "v.db")
    tracemalloc.start()
    try:
        with pytest.raises(ImportFileError) as caught:
            import_file(db, path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert "line 2: 24.0 MB, over the 8 MB one record may take" in str(caught.value)
    assert peak < 20e6  # the line (24 MB) is never held whole
    assert _count(tmp_path / "v.db") == 0


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
    times the lines, the same peak."""
    db = store.open_database(tmp_path / "v.db")
    _check_peak(tmp_path, db, 20)  # imports and caches warmed up
    small, small_size = _check_peak(tmp_path, db, 150)
    large, large_size = _check_peak(tmp_path, db, 600)
    REPORT.append(
        f"veille import check: peak Python memory {small / 1e6:.2f} MB for a "
        f"{small_size / 1e6:.1f} MB file, {large / 1e6:.2f} MB for {large_size / 1e6:.1f} MB"
    )
    assert large - small < 0.3 * (large_size - small_size), (small, large)


def test_a_database_failing_part_way_reports_exactly_what_was_stored(tmp_path):
    """A disk that fills up during the import (SQLite's page limit): the error says how many
    lines were stored, the database holds exactly those, and running the import again once
    there is room stores the rest, none twice."""
    filler = "Une phrase de plus sur le numérique au Maroc et ses acteurs publics. " * 30
    records = [_record(n, text=f"{n} {filler} {n * 31}") for n in range(1100)]
    path = _write(tmp_path / "a.jsonl", records)
    db_path = tmp_path / "v.db"
    db = store.open_database(db_path)
    pages = db.execute("PRAGMA page_count").fetchone()[0]
    db.execute(f"PRAGMA max_page_count = {pages + 600}")
    with pytest.raises(ImportStopped) as caught:
        import_file(db, path)
    message = str(caught.value)
    stored = _count(db_path)
    assert 0 < stored < 1100
    assert "import stopped at line" in message and "disk is full" in message
    assert f"{stored} of the 1100 valid line(s) were done before it ({stored} stored" in message
    assert "run the same import again" in message

    db.execute("PRAGMA max_page_count = 1073741823")
    report = import_file(db, path)
    assert (report.new, report.duplicates) == (1100 - stored, stored)
    assert _count(db_path) == 1100
