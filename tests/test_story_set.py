"""Stories on real-news-like coverage (tests/fixtures/stories): outlets that rewrite rather than
copy, recurring rubrics, same-topic look-alikes and updates, stored through `veille import`."""

from __future__ import annotations

import io
import itertools
import json
import random
from collections import Counter, defaultdict

import pytest
from click.testing import CliRunner

from crawler.core.canonical import url_key
from crawler.core.normalize import content_hash
from crawler.storage import store
from crawler.storage.importer import ImportFileError, ImportRecord, import_file, import_records
from monitors.alerts.delivery import Sender
from monitors.alerts.outbox import match_pending
from monitors.cli import cli
from monitors.service.watchlists import load_watchlists
from monitors.web.search import search

from .conftest import REPORT
from .story_corpus import labelled_articles, write_import_file

pytestmark = pytest.mark.slow  # end-to-end: real processes (README, "Development")

RUBRICS = {"meteo", "bourse", "devises", "priere", "alerte-pluie"}


@pytest.fixture
def at(engine, tmp_path, request):
    """Where a test's database goes, on each engine: a file in tmp_path, or a fresh PostgreSQL
    database (the same assertions on both)."""

    def location(name: str = "v.db") -> str:
        if engine == "sqlite":
            return str(tmp_path / name)
        return request.getfixturevalue("postgres_cluster").new_database()

    return location


def _pairs(records: list[dict], story_of: dict[str, int]) -> tuple[float, float, int, int]:
    tp = fp = fn = 0
    for a, b in itertools.combinations(records, 2):
        truth = a["story"] == b["story"]
        predicted = story_of[a["url"]] == story_of[b["url"]]
        tp += truth and predicted
        fp += predicted and not truth
        fn += truth and not predicted
    return tp / max(1, tp + fp), tp / max(1, tp + fn), tp, fp


def _stories(db) -> dict[str, int]:
    """Story of every URL an article was stored under (as given, before canonicalisation)."""
    keys = dict(
        db.execute(
            "SELECT u.url_key, a.story_id FROM article_urls u JOIN articles a ON a.id = u.article_id"
        ).fetchall()
    )
    return _ByUrl(keys)


class _ByUrl(dict):
    def __missing__(self, url: str) -> int:
        return self[url_key(url)]


def _rubric_days_merged(records: list[dict], story_of: dict[str, int]) -> list[set[str]]:
    """Stories holding two days of one rubric."""
    days: dict[int, set[str]] = defaultdict(set)
    for record in records:
        rubric = record["story"].rsplit("-", 1)[0]
        if rubric in RUBRICS:
            days[story_of[record["url"]]].add(record["story"])
    return [labels for labels in days.values() if len(labels) > 1]


def test_the_labelled_set_is_what_real_coverage_looks_like():
    records = labelled_articles()
    assert len(records) >= 150
    assert Counter(r["language"] for r in records).keys() == {"fr", "ar"}
    by_story: dict[str, list[dict]] = defaultdict(list)
    for record in records:
        by_story[record["story"]].append(record)
    events = [
        s
        for s, members in by_story.items()
        if len({m["source"] for m in members}) == len(members) >= 3
    ]
    assert len(events) >= 12
    assert all(len(by_story[e]) <= 8 for e in events)
    rubric_days = Counter(s.rsplit("-", 1)[0] for s in by_story if s.rsplit("-", 1)[0] in RUBRICS)
    assert len(rubric_days) >= 5 and min(rubric_days.values()) >= 7
    outlets_per_rubric = {
        rubric: {r["source"] for r in records if r["story"].startswith(rubric + "-")}
        for rubric in RUBRICS
    }
    assert all(2 <= len(o) <= 3 for o in outlets_per_rubric.values())
    updates = [s for s, m in by_story.items() if len(m) == 2 and len({x["source"] for x in m}) == 1]
    singles = [s for s, m in by_story.items() if len(m) == 1]
    assert len(updates) >= 3 and len(singles) >= 8


def test_import_groups_rewritten_coverage_and_keeps_rubric_days_apart(at, tmp_path):
    records = labelled_articles()
    path = write_import_file(tmp_path / "week.jsonl", records)
    db_path = at()
    result = CliRunner().invoke(cli, ["--db", str(db_path), "import", str(path)])
    assert result.exit_code == 0, result.output
    assert f"{len(records)} read, {len(records)} new" in result.output
    db = store.open_database(db_path)
    story_of = _stories(db)
    precision, recall, tp, fp = _pairs(records, story_of)
    REPORT.append(
        f"stories on the labelled set ({len(records)} articles, publication order): "
        f"pairwise precision {precision:.3f}, recall {recall:.3f} ({tp} true pairs found, {fp} false)"
    )
    assert precision >= 0.98 and recall >= 0.80
    assert _rubric_days_merged(records, story_of) == []
    # Look-alikes stay alone; updates are one story.
    for label in ("far-fus", "hcp-inflation", "loi-cybersecurite", "seisme-taounate"):
        (url,) = [r["url"] for r in records if r["story"] == label]
        assert sum(1 for r in records if story_of[r["url"]] == story_of[url]) == 1, label
    for label in ("panne-iam", "coupure-electricite", "greve-aeroport", "bouchons-casa"):
        assert len({story_of[r["url"]] for r in records if r["story"] == label}) == 1, label

    listing = CliRunner().invoke(
        cli, ["--db", str(db_path), "stories", "--json", "--min-sources", "5", "--limit", "50"]
    )
    groups = json.loads(listing.stdout)
    derby = next(g for g in groups if "Wydad" in (g["title"] or ""))
    assert len(derby["members"]) == 5 and derby["languages"] == ["fr"]
    assert {m["url"] for m in derby["members"]} == {
        r["url"] for r in records if r["story"] == "derby-wydad-raja"
    }


def test_arrival_order_does_not_make_or_break_stories(at, tmp_path):
    """A crawl meets articles in no set order: shuffled, the set still holds."""
    records = labelled_articles()
    random.Random(1).shuffle(records)
    db = store.open_database(at())
    for record in records:  # one by one, as they come: no sorting by date
        import_records(db, [_record(record)])
    story_of = _stories(db)
    precision, recall, _, _ = _pairs(records, story_of)
    REPORT.append(f"stories, shuffled arrival: precision {precision:.3f}, recall {recall:.3f}")
    assert precision >= 0.98 and recall >= 0.80
    assert _rubric_days_merged(records, story_of) == []


def _record(record: dict, line: int = 1) -> ImportRecord:
    return ImportRecord(
        line=line,
        **{k: v for k, v in record.items() if k not in {"story", "language"}},
        language=record["language"],
    )


def test_an_event_in_four_outlets_alerts_once_listing_the_other_three_with_links(at, tmp_path):
    records = [r for r in labelled_articles() if r["story"] == "chomage-t3"][:4]
    db = store.open_database(at())
    import_records(db, [_record(r) for r in records])
    assert db.execute("SELECT count(DISTINCT story_id) FROM articles").fetchone()[0] == 1
    rules_path = tmp_path / "watchlists.yaml"
    rules_path.write_text(
        "watchlists:\n  - name: emploi\n    title: Emploi\n    query: 'chômage'\n"
        "    notify: [console]\n",
        encoding="utf-8",
    )
    rules = load_watchlists(rules_path)
    assert match_pending(db, *rules, max_age=None).alerts == 1
    out = io.StringIO()
    assert Sender(db, rules.delivery, out, min_interval=0).deliver_pending().messages == 1
    text = out.getvalue()
    first, *others = records
    assert first["url"] in text
    for other in others:
        assert f"- {other['source']} : {other['url']}" in text, text


def test_a_day_of_a_rubric_alerts_every_day(at, tmp_path):
    """Seven days of one outlet's rain bulletin: seven stories, seven alerts."""
    records = [
        r
        for r in labelled_articles()
        if r["story"].startswith("alerte-pluie-") and r["source"] == "hespress"
    ]
    assert len(records) == 7
    db = store.open_database(at())
    import_records(db, [_record(r) for r in records])
    rules_path = tmp_path / "watchlists.yaml"
    rules_path.write_text(
        "watchlists:\n  - name: pluie\n    title: Pluie\n    query: 'نشرة إنذارية'\n",
        encoding="utf-8",
    )
    assert match_pending(db, *load_watchlists(rules_path), max_age=None).alerts == 7


# -- the import file ---------------------------------------------------------------------------


def _line(**fields) -> str:
    base = {
        "url": "https://fr.le360.ma/economie/x_1/",
        "title": "Titre",
        "text": "Un texte d'article assez long pour être stocké tel quel. " * 3,
        "published": "2026-11-20T10:00:00+01:00",
        "source": "le360",
        "language": "fr",
    }
    base.update(fields)
    return json.dumps({k: v for k, v in base.items() if v is not ...}, ensure_ascii=False)


def test_a_bad_line_stores_nothing_and_names_each_line(at, tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text(
        "\n".join(
            [
                _line(),
                "{not json",
                _line(url="ftp://x.ma/1"),
                _line(text=""),
                _line(published="le 20 du mois"),
                _line(source="Le 360!"),
                _line(body="x"),
                "[1, 2]",
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    location = at()
    db = store.open_database(location)
    with pytest.raises(ImportFileError) as caught:
        import_file(db, path)
    message = str(caught.value)
    for number, words in [
        (2, "not valid JSON"),
        (3, "not an http(s) address"),
        (4, "'text' is missing or empty"),
        (5, "is not a date"),
        (6, "is not a source name"),
        (7, "unknown key 'body'"),
        (8, "expected a JSON object"),
    ]:
        assert f"line {number}: " in message and words in message, (number, message)
    assert "--skip-invalid" in message and "nothing was stored" in message
    assert db.execute("SELECT count(*) FROM articles").fetchone()[0] == 0

    result = CliRunner().invoke(cli, ["--db", location, "import", str(path)])
    assert result.exit_code == 2 and "line 3:" in result.output
    result = CliRunner().invoke(cli, ["--db", location, "import", "--skip-invalid", str(path)])
    assert result.exit_code == 0 and "1 new" in result.output
    assert "skipped line 2: not valid JSON" in result.output


def test_reimporting_is_idempotent_and_a_changed_text_is_a_revision(at, tmp_path):
    records = labelled_articles()[:10]
    path = write_import_file(tmp_path / "a.jsonl", records)
    db = store.open_database(at())
    first = import_file(db, path)
    assert (first.new, first.duplicates) == (10, 0)
    again = import_file(db, path)
    assert (again.new, again.duplicates, again.updated) == (0, 10, 0)
    changed = [dict(records[0], text=records[0]["text"] + "\nMise à jour : précisions du HCP.")]
    revised = import_file(db, write_import_file(tmp_path / "b.jsonl", changed))
    assert revised.updated == 1
    (revision,) = db.execute(
        "SELECT revision FROM articles WHERE url = ?", (records[0]["url"],)
    ).fetchone()
    assert revision == 1


def test_no_alerts_import_is_searchable_but_never_alerts(at, tmp_path):
    records = [r for r in labelled_articles() if r["story"] == "chomage-t3"]
    path = write_import_file(tmp_path / "a.jsonl", records)
    db = store.open_database(at())
    report = import_file(db, path, alerts=False)
    assert report.new == len(records) and report.sources_created
    rules_path = tmp_path / "watchlists.yaml"
    rules_path.write_text(
        "watchlists:\n  - name: emploi\n    title: Emploi\n    query: 'chômage'\n",
        encoding="utf-8",
    )
    assert match_pending(db, *load_watchlists(rules_path), max_age=None).alerts == 0
    assert len(search(db, "chomage", limit=100)) == len(records)  # searchable, accents or not


def test_the_story_window_is_configurable_and_checked(at, tmp_path, monkeypatch):
    """Two outlets' write-ups two days apart: one story within 72 hours, two within 24. The
    window is passed in to the store (grouping never reads the environment); `veille import`
    passes VEILLE_STORY_WINDOW_HOURS, read with the rest of the configuration."""
    chomage = [r for r in labelled_articles() if r["story"] == "chomage-t3"][:2]
    later = dict(chomage[1], published="2026-11-19T10:40:00+01:00")
    monkeypatch.delenv("VEILLE_STORY_WINDOW_HOURS", raising=False)
    for hours, stories in ((72, 1), (24, 2)):
        db = store.open_database(at(f"w{hours}.db"))
        import_records(db, [_record(chomage[0]), _record(later, 2)], window_hours=hours)
        assert db.execute("SELECT count(DISTINCT story_id) FROM articles").fetchone()[0] == stories
    path = write_import_file(tmp_path / "pair.jsonl", [chomage[0], later])
    for hours, stories in (("24", 2), ("", 1)):  # unset: the default, 72
        monkeypatch.setenv("VEILLE_STORY_WINDOW_HOURS", hours)
        db_path = tmp_path / f"env{hours}.db"
        result = CliRunner().invoke(cli, ["--db", str(db_path), "import", str(path)])
        assert result.exit_code == 0, result.output
        db = store.open_database(db_path)
        assert db.execute("SELECT count(DISTINCT story_id) FROM articles").fetchone()[0] == stories
    monkeypatch.setenv("VEILLE_STORY_WINDOW_HOURS", "trois jours")
    result = CliRunner().invoke(cli, ["--db", str(tmp_path / "x.db"), "status"])
    assert result.exit_code == 2
    assert "VEILLE_STORY_WINDOW_HOURS='trois jours': give a whole number of hours" in result.output


def test_an_unreadable_date_still_gets_a_story_hour(at, tmp_path):
    """A site's unreadable date: the article is placed by when it was fetched, so it takes part
    in rewrite matching and no backfill looks at it again."""
    db = store.open_database(at())
    store.add_sources(db, ["x"])
    text = "Le taux de chômage recule à 12,8% au troisième trimestre selon le HCP. " * 3
    store.store_articles(
        db,
        [
            store.StoredArticle(
                "x", "https://x.ma/1", "Chômage", None, "le 32 brumaire", "fr", None, None,
                text, content_hash(text),
            )
        ],
    )  # fmt: skip
    assert db.execute("SELECT count(*) FROM articles WHERE story_hour IS NULL").fetchone()[0] == 0
