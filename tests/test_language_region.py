"""A watchlist limited to languages takes an article by its language's primary subtag: `veille
import` stores a language with its region as given (« fr-MA », « ar-MA »), and a watchlist
limited to [fr] never matched such an article, alerted or backtested, where `veille search
--language fr-MA` found it. Imported through `veille import`, matched by the match step and
backtested by `veille rules backtest`, on both engines. A watchlist asking one alert per
language counts a region as its language too."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from crawler.storage import store
from monitors.alerts.outbox import match_pending
from monitors.cli import cli
from monitors.service.watchlists import load_watchlists

RULES = """\
watchlists:
  - name: cloud-fr
    title: Cloud (French)
    terms: [cloud souverain]
    languages: [fr]
  - name: cloud-ar
    title: Cloud (Arabic)
    terms: [السحابة السيادية]
    languages: [ar]
  - name: cloud-en
    title: Cloud (English)
    terms: [cloud souverain]
    languages: [en]
"""

FRENCH = "Le cloud souverain marocain accueillera les données des administrations publiques."
ARABIC = "ستحتضن السحابة السيادية المغربية معطيات الإدارات العمومية حسب بلاغ للوزارة."
# url's last part -> (language as imported, text)
ARTICLES = {
    "fr-region": ("fr-MA", FRENCH + " Annonce de Rabat."),
    "fr-france": ("fr-FR", FRENCH + " Annonce de Paris."),
    "fr-plain": ("fr", FRENCH + " Annonce du ministère."),
    "ar-region": ("ar-MA", ARABIC + " من الرباط."),
}
EXPECTED = {
    "cloud-fr": {"fr-region", "fr-france", "fr-plain"},
    "cloud-ar": {"ar-region"},
    "cloud-en": set(),
}


def _imported(db_location: str, folder: Path) -> None:
    lines = [
        json.dumps(
            {
                "url": f"https://example.ma/{name}",
                "title": f"Article {i}",
                "text": text,
                "source": "exemple",
                "language": language,
                "published": f"2026-12-0{i + 1}T10:00:00Z",
            },
            ensure_ascii=False,
        )
        for i, (name, (language, text)) in enumerate(ARTICLES.items())
    ]
    path = folder / "articles.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    done = CliRunner().invoke(cli, ["--db", db_location, "import", str(path)])
    assert done.exit_code == 0, done.output


def test_a_watchlist_limited_to_a_language_takes_its_regions(db_location, tmp_path):
    _imported(db_location, tmp_path)
    rules = tmp_path / "watchlists.yaml"
    rules.write_text(RULES, encoding="utf-8")
    db = store.open_database(db_location)
    match_pending(db, *load_watchlists(rules), max_age=None)
    rows = db.execute(
        "SELECT m.watchlist, a.url FROM matches m JOIN articles a ON a.id = m.article_id"
    ).fetchall()
    db.close()
    matched = {name: set() for name in EXPECTED}
    for watchlist, url in rows:
        matched[watchlist].add(url.rsplit("/", 1)[1])
    assert matched == EXPECTED
    for watchlist, expected in EXPECTED.items():
        backtest = CliRunner().invoke(
            cli,
            ["--db", db_location, "--watchlists", str(rules)]
            + ["rules", "backtest", watchlist, "--json"],
        )
        assert backtest.exit_code in (0, 1), backtest.output
        found = {hit["url"].rsplit("/", 1)[1] for hit in json.loads(backtest.stdout)["matches"]}
        assert found == expected, watchlist


def test_a_search_limited_to_a_language_takes_its_regions(db_location, tmp_path):
    """`veille search --language fr` finds the articles imported as « fr-MA » and « fr-FR », as
    the watchlists limited to [fr] take them; --language fr-MA those alone."""
    _imported(db_location, tmp_path)

    def found(*language: str) -> set[str]:
        options = [item for code in language for item in ("--language", code)]
        done = CliRunner().invoke(
            cli, ["--db", db_location, "search", "cloud OR السحابة", *options, "--json"]
        )
        assert done.exit_code == 0, done.output
        return {hit["url"].rsplit("/", 1)[1] for hit in json.loads(done.stdout)}

    assert found("fr") == EXPECTED["cloud-fr"]
    assert found("ar") == EXPECTED["cloud-ar"]
    assert found("fr-MA") == {"fr-region"}
    assert found("fr-MA", "ar") == {"fr-region", "ar-region"}


LONG_FRENCH = (
    "Le ministère de la Transition numérique a présenté mardi à Rabat la feuille de route du "
    "cloud souverain marocain, qui accueillera dès l'an prochain les données des administrations "
    "publiques et des établissements de santé. Trois centres de données seront ouverts d'ici "
    "2028, dont un à Benguerir en partenariat avec l'UM6P, pour un investissement de 1,2 milliard "
    "de dirhams, selon le communiqué publié à l'issue de la réunion."
)


def test_one_alert_per_language_counts_a_region_as_its_language(db_location, tmp_path):
    """alert_per_language: true gives one alert per story and language: the same dispatch run by
    three outlets, imported as « fr-MA », « fr-FR » and « fr », is French, one alert, not three."""
    lines = [
        json.dumps(
            {
                "url": f"https://{outlet}.ma/cloud-souverain-{i}",
                "title": "Le cloud souverain marocain ouvrira trois centres de données",
                "text": f"{intro} {LONG_FRENCH}",
                "source": outlet,
                "language": language,
                "published": f"2026-12-01T1{i}:00:00Z",
            },
            ensure_ascii=False,
        )
        for i, (outlet, language, intro) in enumerate(
            [
                ("lematin", "fr-MA", "RABAT (MAP)."),
                ("medias24", "fr-FR", "C'est officiel, selon nos confrères de la MAP."),
                ("le360", "fr", "Une annonce attendue depuis des mois par les opérateurs."),
            ]
        )
    ]
    path = tmp_path / "dispatch.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    done = CliRunner().invoke(cli, ["--db", db_location, "import", str(path)])
    assert done.exit_code == 0, done.output
    rules = tmp_path / "watchlists.yaml"
    rules.write_text(
        "watchlists:\n  - name: cloud\n    terms: [cloud souverain]\n"
        "    alert_per_language: true\n",
        encoding="utf-8",
    )
    db = store.open_database(db_location)
    try:
        stories = {story for (story,) in db.execute("SELECT story_id FROM articles").fetchall()}
        assert len(stories) == 1  # one story: the same dispatch, three articles
        assert db.execute("SELECT count(*) FROM articles").fetchone()[0] == 3
        assert match_pending(db, *load_watchlists(rules), max_age=None).alerts == 1
        languages = db.execute("SELECT story_language FROM alerts").fetchall()
        assert [tuple(row) for row in languages] == [("fr",)]
    finally:
        db.close()


def test_an_alert_stored_with_its_region_still_holds_its_story(db_location, tmp_path):
    """An alert raised before the primary subtag was taken stored the article's language as
    imported (« fr-MA »): a copy of its story arriving after the upgrade, in the same language,
    joins that alert instead of alerting the story again."""
    rules = tmp_path / "watchlists.yaml"
    rules.write_text(
        "watchlists:\n  - name: cloud\n    terms: [cloud souverain]\n"
        "    alert_per_language: true\n",
        encoding="utf-8",
    )

    def imported(outlet: str, hour: int, intro: str) -> None:
        path = tmp_path / f"{outlet}.jsonl"
        record = {
            "url": f"https://{outlet}.ma/cloud-souverain",
            "title": "Le cloud souverain marocain ouvrira trois centres de données",
            "text": f"{intro} {LONG_FRENCH}",
            "source": outlet,
            "language": "fr-MA",
            "published": f"2026-12-01T{hour}:00:00Z",
        }
        path.write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")
        done = CliRunner().invoke(cli, ["--db", db_location, "import", str(path)])
        assert done.exit_code == 0, done.output

    imported("lematin", 10, "RABAT (MAP).")
    db = store.open_database(db_location)
    try:
        assert match_pending(db, *load_watchlists(rules), max_age=None).alerts == 1
        with db.transaction():  # as the version before the primary subtag stored it
            db.execute("UPDATE alerts SET story_language = 'fr-MA'")
    finally:
        db.close()
    imported("medias24", 11, "C'est officiel, selon nos confrères de la MAP.")
    db = store.open_database(db_location)
    try:
        stories = {story for (story,) in db.execute("SELECT story_id FROM articles").fetchall()}
        assert len(stories) == 1  # the copy joined the story alerted
        assert match_pending(db, *load_watchlists(rules), max_age=None).alerts == 0
        assert db.execute("SELECT count(*) FROM alerts").fetchone()[0] == 1
    finally:
        db.close()


# url's last part -> (language as imported, title, text): each article with a region beside the
# same one without it.
STEMMED = {
    "fr-plain": ("fr", "Conseil de gouvernement", "Le ministre de l'Industrie a présenté le plan."),
    "fr-region": ("fr-MA", "Conseil à Rabat", "Le ministre de l'Industrie a présenté le plan."),
    "en-plain": ("en", "Cabinet meeting", "The minister of Industry presented the plan."),
    "en-region": ("en-GB", "Cabinet in Rabat", "The minister of Industry presented the plan."),
    "es-plain": ("es", "Consejo de gobierno", "El ministro de Industria presentó el plan."),
    "es-region": ("es-MA", "Consejo en Rabat", "El ministro de Industria presentó el plan."),
}


def test_a_search_stems_a_region_as_its_language(db_location, tmp_path, engine):
    """An article stored as « fr-MA » or « en-GB » is searched as French or English: on
    PostgreSQL its vector and the query's were built with `simple` (the configuration was
    chosen by the whole code), so « ministres » did not find « ministre » in it as in a « fr »
    one, nor « ministers » « minister » in an « en-GB » one. Spanish is searched with `simple`
    with or without a region. SQLite stems no language: the region and its language are
    found alike there too."""
    lines = [
        json.dumps(
            {
                "url": f"https://example.ma/{name}",
                "title": title,
                "text": f"{text} ({name}, {i})",  # not one text stored once
                "source": "exemple",
                "language": language,
                "published": f"2026-12-0{i + 1}T10:00:00Z",
            },
            ensure_ascii=False,
        )
        for i, (name, (language, title, text)) in enumerate(STEMMED.items())
    ]
    path = tmp_path / "articles.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    done = CliRunner().invoke(cli, ["--db", db_location, "import", str(path)])
    assert done.exit_code == 0, done.output

    def found(query: str) -> dict[str, str]:
        done = CliRunner().invoke(cli, ["--db", db_location, "search", query, "--json"])
        assert done.exit_code == 0, done.output
        return {hit["url"].rsplit("/", 1)[1]: hit["snippet"] for hit in json.loads(done.stdout)}

    stemmed = {"ministres": "fr", "ministers": "en", "ministros": "es"}
    for query, language in stemmed.items():
        hits = found(query)
        assert (f"{language}-plain" in hits) == (f"{language}-region" in hits), (query, hits)
        if engine == "postgresql" and language != "es":  # Spanish is not stemmed
            assert set(hits) == {f"{language}-plain", f"{language}-region"}, (query, hits)
            assert "**minist" in hits[f"{language}-region"], hits
    assert set(found("ministro")) == {"es-plain", "es-region"}
    assert set(found("ministre")) == {"fr-plain", "fr-region"}
