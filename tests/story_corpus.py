"""The labelled stories set (tests/fixtures/stories): real-news-like articles in French and
Arabic, each with the story it belongs to, as `veille import` records."""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

import yaml

STORIES_ROOT = Path(__file__).parent / "fixtures" / "stories"

# Each outlet's domain, as the real sites spell their article addresses.
DOMAINS = {
    "le360": "https://fr.le360.ma/{section}/{slug}_{n}/",
    "medias24": "https://medias24.com/2026/11/{day}/{slug}/",
    "hespress-fr": "https://fr.hespress.com/{n}-{slug}.html",
    "lematin": "https://lematin.ma/{section}/{slug}/{n}",
    "leseco": "https://leseco.ma/{section}/{slug}.html",
    "h24info": "https://www.h24info.ma/{section}/{slug}/",
    "telquel": "https://telquel.ma/2026/11/{day}/{slug}_{n}",
    "challenge": "https://www.challenge.ma/{slug}-{n}/",
    "lesinfos": "https://lesinfos.ma/article/{n}-{slug}.html",
    "hespress": "https://www.hespress.com/{slug}-{n}.html",
    "alyaoum24": "https://alyaoum24.com/{n}.html",
    "hibapress": "https://ar.hibapress.com/details-{n}.html",
    "akhbarona": "https://www.akhbarona.com/news/{n}.html",
    "alayam24": "https://www.alayam24.com/articles-{n}.html",
    "febrayer": "https://www.febrayer.com/{n}.html",
}


def _slug(title: str) -> str:
    folded = unicodedata.normalize("NFKD", title.lower())
    folded = "".join(c for c in folded if not unicodedata.combining(c))
    return re.sub(r"[^\w]+", "-", folded).strip("-")[:80]


def _url(source: str, title: str, published: str, number: int, slug: str | None = None) -> str:
    return DOMAINS[source].format(
        section="actualite", slug=slug or _slug(title), n=104_000 + number, day=published[8:10]
    )


def _language(text: str) -> str:
    arabic = sum(1 for c in text if "\u0600" <= c <= "\u06ff")
    return "ar" if arabic > len(text) / 4 else "fr"


def labelled_articles() -> list[dict]:
    """Every article of the set as an import record plus its `story` label."""
    records: list[dict] = []

    def add(source, published, title, text, story, url=None, slug=None):
        record = {
            "url": url or _url(source, title, published, len(records), slug),
            "title": title,
            "text": text.strip(),
            "published": published,
            "source": source,
            "language": _language(text),
            "story": story,
        }
        records.append(record)

    for name in ("events-fr.yaml", "events-ar.yaml", "look-alikes.yaml"):
        for event in yaml.safe_load((STORIES_ROOT / name).read_text(encoding="utf-8"))["events"]:
            for article in event["articles"]:
                add(
                    article["source"],
                    article["published"],
                    article["title"],
                    article["text"],
                    event["id"],
                    url=article.get("url"),
                )
    rubrics = yaml.safe_load((STORIES_ROOT / "rubrics.yaml").read_text(encoding="utf-8"))
    for rubric in rubrics["rubrics"]:
        for day in rubric["days"]:
            for outlet in rubric["outlets"]:
                published = f"2026-11-{day['date']:02d}T{outlet['time']}:00+01:00"
                add(
                    outlet["source"],
                    published,
                    outlet["title"].format(**day),
                    outlet["text"].format(**day),
                    f"{rubric['id']}-{day['date']}",
                    slug=_slug(outlet["slug"].format(**day)),
                )
    return records


def write_import_file(path: Path, records: list[dict]) -> Path:
    """The records as a `veille import` file: one JSON object per line, labels left out."""
    with path.open("w", encoding="utf-8") as out:
        for record in records:
            out.write(
                json.dumps({k: v for k, v in record.items() if k != "story"}, ensure_ascii=False)
                + "\n"
            )
    return path


def prepared_week(limit: int | None = None) -> list:
    """The labelled week in publication order (its first `limit` articles), each made into the
    article `veille import` would store (crawler.storage.importer.prepare)."""
    return prepared_in_order(labelled_articles())[:limit]


def prepared_in_order(records: list[dict]) -> list:
    """Labelled records in publication order, each made into the article `veille import`
    would store (crawler.storage.importer.prepare)."""
    from crawler.storage.importer import ImportRecord, prepare

    ordered = sorted(records, key=lambda r: r["published"])
    fields = ImportRecord.__dataclass_fields__
    return [
        prepare(ImportRecord(line=i + 1, **{k: r[k] for k in fields if k in r})).article
        for i, r in enumerate(ordered)
    ]


def stored_in_batches(path, articles: list, size: int = 25):
    """A new database at `path` holding `articles` (copies of them), stored `size` at a time as
    an import stores them."""
    from dataclasses import replace

    from crawler.storage import store

    db = store.open_database(path)
    store.add_sources(db, sorted({a.source for a in articles}))
    for start in range(0, len(articles), size):
        store.store_articles(db, [replace(a) for a in articles[start : start + size]])
    return db


def story_tables(db) -> list[list[tuple]]:
    """The rows the story step writes (story terms, hours, stories), in a comparable order."""
    return [
        db.execute(query).fetchall()
        for query in (
            "SELECT * FROM story_index ORDER BY article_id",
            "SELECT * FROM story_hours ORDER BY hour",
            "SELECT id, canonical_article_id, title FROM stories ORDER BY id",
        )
    ]


def story_partition(db) -> list[list[str]]:
    """The stored articles' URLs grouped by story, in a comparable order."""
    groups: dict[int, set[str]] = {}
    for url, story in db.execute("SELECT url, story_id FROM articles").fetchall():
        groups.setdefault(story, set()).add(url)
    return sorted(sorted(group) for group in groups.values())
