"""The second labelled stories set (tests/fixtures/stories2): a week of Moroccan news in French,
Arabic and English, each article with the event (story) it reports and the topic that event
belongs to, as `veille import` records.

Kept apart from the first set (tests/story_corpus.py) so that neither is tuned on the other:
this one was written from what real coverage was seen to do (issue 25), not from the first set.

The fixture files are compact data: an event is its id, its topic and its articles, each
article `[outlet, "DD HH:MM", title, text]` (September 2026, Moroccan time, UTC+1); a rubric is
one template per outlet filled in for each of its days. The outlet gives the language.
"""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

import yaml

STORIES2_ROOT = Path(__file__).parent / "fixtures" / "stories2"
RUBRIC_FILE = "rubrics.yaml"
MONTH = "2026-09"
OFFSET = "+01:00"
# The labels a record carries besides what `veille import` reads.
LABELS = ("story", "topic", "rubric", "cases", "file")

# Each outlet's language and how its article addresses look. Outlets publish in one language
# each (the Arabic, French and English editions of Hespress are three outlets, as in
# /work/shared/sources).
OUTLETS: dict[str, tuple[str, str]] = {
    "hespress": ("ar", "https://www.hespress.com/{slug}-{n}.html"),
    "hespress-fr": ("fr", "https://fr.hespress.com/{n}-{slug}.html"),
    "hespress-en": ("en", "https://en.hespress.com/{n}-{slug}.html"),
    "le360": ("fr", "https://fr.le360.ma/{section}/{slug}_{n}/"),
    "medias24": ("fr", "https://medias24.com/2026/09/{day}/{slug}/"),
    "telquel": ("fr", "https://telquel.ma/2026/09/{day}/{slug}_{n}"),
    "leconomiste": ("fr", "https://www.leconomiste.com/article/{n}-{slug}"),
    "lematin": ("fr", "https://lematin.ma/{section}/{slug}/{n}"),
    "h24info": ("fr", "https://www.h24info.ma/{section}/{slug}/"),
    "ledesk": ("fr", "https://ledesk.ma/{section}/{slug}/"),
    "lesiteinfo": ("fr", "https://www.lesiteinfo.com/maroc/{n}-{slug}.html"),
    "al3omk": ("ar", "https://al3omk.com/{n}.html"),
    "alyaoum24": ("ar", "https://alyaoum24.com/{n}.html"),
    "barlamane": ("ar", "https://www.barlamane.com/{slug}/"),
    "snrtnews": ("ar", "https://snrtnews.com/article/{n}"),
    "hibapress": ("ar", "https://ar.hibapress.com/details-{n}.html"),
    "mwn": ("en", "https://www.moroccoworldnews.com/2026/09/{n}/{slug}/"),
    "northafricapost": ("en", "https://northafricapost.com/{n}-{slug}.html"),
    # Outlets the third set (tests/fixtures/stories3) adds: the national wire in its French,
    # Arabic and Spanish services, Spanish editions, and more outlets that run its dispatches.
    "map-fr": ("fr", "https://www.mapnews.ma/fr/actualites/{section}/{slug}"),
    "map-ar": ("ar", "https://www.mapnews.ma/ar/{section}/{slug}"),
    "map-es": ("es", "https://www.mapnews.ma/es/actualidad/{section}/{slug}"),
    "hespress-es": ("es", "https://es.hespress.com/{n}-{slug}.html"),
    "walaw-es": ("es", "https://es.walaw.press/articulo/{n}/{slug}/"),
    "lavieeco": ("fr", "https://www.lavieeco.com/{section}/{slug}/"),
    "aujourdhui": ("fr", "https://aujourdhui.ma/{section}/{slug}"),
    "lopinion": ("fr", "https://www.lopinion.ma/{slug}_a{n}.html"),
    "yabiladi": ("fr", "https://www.yabiladi.com/articles/details/{n}/{slug}.html"),
    "akhbarona": ("ar", "https://www.akhbarona.com/{section}/{n}.html"),
    "goud": ("ar", "https://www.goud.ma/{slug}-{n}/"),
}


def _slug(title: str) -> str:
    folded = unicodedata.normalize("NFKD", title.lower())
    folded = "".join(c for c in folded if not unicodedata.combining(c))
    return re.sub(r"[^\w]+", "-", folded).strip("-")[:80]


def _url(source: str, title: str, published: str, number: int, section: str) -> str:
    return OUTLETS[source][1].format(
        section=section, slug=_slug(title), n=281_000 + 7 * number, day=published[8:10]
    )


def _published(when: str) -> str:
    """A compact "16 07:40" (day of September 2026, Moroccan time) as an ISO 8601 date."""
    day, time = when.split()
    return f"{MONTH}-{int(day):02d}T{time}:00{OFFSET}"


def event_files(root: Path = STORIES2_ROOT) -> list[Path]:
    """Every fixture file of events (all but the rubrics) under `root`, in name order."""
    return sorted(p for p in root.glob("*.yaml") if p.name != RUBRIC_FILE)


def labelled_articles(root: Path = STORIES2_ROOT) -> list[dict]:
    """Every article of the set as an import record plus its labels: `story` (the event it
    reports), `topic` (events of one topic share vocabulary but are different events),
    `rubric` (the recurring rubric it is one day of, or None), `cases` (what the event is
    there to test: spelling, rounding, rewording) and `file` (the fixture file). `root` is the
    set's folder: the third set (tests/fixtures/stories3) is written in this one's format."""
    records: list[dict] = []
    urls: set[str] = set()

    def add(
        source: str,
        when: str,
        title: str,
        text: str,
        *,
        story: str,
        topic: str,
        rubric: str | None,
        cases: list[str],
        file: str,
        section: str,
    ) -> None:
        if source not in OUTLETS:
            raise ValueError(f"{file}: unknown outlet {source!r} in {story}: add it to OUTLETS")
        published = _published(when)
        url = _url(source, title, published, len(records), section)
        if url in urls:
            raise ValueError(f"{file}: two articles at {url}")
        urls.add(url)
        records.append(
            {
                "url": url,
                "title": " ".join(title.split()),
                "text": text.strip(),
                "published": published,
                "source": source,
                "language": OUTLETS[source][0],
                "story": story,
                "topic": topic,
                "rubric": rubric,
                "cases": cases,
                "file": file,
            }
        )

    for path in event_files(root):
        for event in yaml.safe_load(path.read_text(encoding="utf-8"))["events"]:
            for source, when, title, text in event["articles"]:
                add(
                    source,
                    when,
                    title,
                    text,
                    story=event["id"],
                    topic=event.get("topic", event["id"]),
                    rubric=None,
                    cases=event.get("cases", []),
                    file=path.name,
                    section=event.get("section", "actualite"),
                )
    rubrics = yaml.safe_load((root / RUBRIC_FILE).read_text(encoding="utf-8"))
    for rubric in rubrics["rubrics"]:
        for day in rubric["days"]:
            for outlet in rubric["outlets"]:
                add(
                    outlet["source"],
                    f"{day['date']} {outlet['time']}",
                    outlet["title"].format(**day),
                    outlet["text"].format(**day),
                    story=f"{rubric['id']}-{day['date']}",
                    topic=rubric["id"],
                    rubric=rubric["id"],
                    cases=["rubric"],
                    file=RUBRIC_FILE,
                    section=rubric.get("section", "actualite"),
                )
    records.sort(key=lambda r: r["published"])
    return records


def write_import_file(path: Path, records: list[dict]) -> Path:
    """The records as a `veille import` file: one JSON object per line, labels left out."""
    with path.open("w", encoding="utf-8") as out:
        for record in records:
            line = {k: v for k, v in record.items() if k not in LABELS}
            out.write(json.dumps(line, ensure_ascii=False) + "\n")
    return path
