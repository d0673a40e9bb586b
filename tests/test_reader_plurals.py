"""The reader counts in each language's plural and writes Arabic punctuation on Arabic pages:
« نتيجة واحدة », « مقالان », « 3 نتائج », never « 1 نتيجة » or « 1 résultat(s) »; lists joined
with « ، » and « : » without the French space before it. The stories list, a story page, the
search page and an article page, on SQLite and PostgreSQL, over articles imported as a user
would (`veille import`)."""

from __future__ import annotations

import html
import re
import urllib.parse
import urllib.request

import pytest
from click.testing import CliRunner

from monitors.alerts.plurals import counted
from monitors.cli import cli
from monitors.web.app import ReaderConfig, create_app

from .conftest import database_from
from .reader_client import WATCHLISTS, running
from .story_corpus2 import labelled_articles, write_import_file

pytestmark = pytest.mark.slow  # end-to-end: real processes (README, "Development")

DECREE = "smig-decret"  # one communiqué reported in French by one outlet and in Arabic by four


def arabic(n: int, one: str, two: str, few: str, many: str) -> str:
    """How Arabic counts `n` of a thing, written out here rather than taken from the code."""
    if n == 1:
        return one
    if n == 2:
        return two
    return f"{n} {few}" if 3 <= n % 100 <= 10 else f"{n} {many}"


@pytest.fixture(scope="module")
def reader(tmp_path_factory, engine, request):
    """The reader over the decree's reports and two more stories; yields its base URL and the
    imported records."""
    records = labelled_articles()
    by_story: dict[str, list[dict]] = {}
    for record in records:
        by_story.setdefault(record["story"], []).append(record)
    two = next(s for s, members in by_story.items() if len(members) == 2)
    chosen = [r for r in records if r["story"] in (DECREE, two)]
    folder = tmp_path_factory.mktemp("plurals")
    path = write_import_file(folder / "week.jsonl", chosen)
    result = CliRunner().invoke(cli, ["--db", str(folder / "veille.db"), "import", str(path)])
    assert result.exit_code == 0, result.output
    location = database_from(request, engine, folder / "veille.db")
    config = ReaderConfig(db=location, watchlists=WATCHLISTS, raw_data=False)
    with running(create_app(config)) as base:
        yield base, chosen


def _get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=60) as answer:
        return answer.read().decode()


def _cards(listing: str) -> list[str]:
    return listing.split('<div class="card">')[1:]


def _meta(card: str) -> str:
    return re.search(r'<(?:div|p) class="meta">(.*?)</(?:div|p)>', card, re.S)[1]


def test_the_stories_list_and_a_story_count_in_arabic_and_list_with_an_arabic_comma(reader):
    base, records = reader
    sizes = set()
    for card in _cards(_get(f"{base}/stories/?all=1&lang=ar")):
        story_id = re.search(r'href="/stories/(\d+)"', card)[1]
        meta = _meta(card)
        page = _get(f"{base}/stories/{story_id}?lang=ar")
        members = len(re.findall(r'<a href="/articles/\d+"', page.split("</h1>", 1)[1]))
        outlets = re.search(r"<bdi>(.*?)</bdi>", meta)[1].split("، ")
        sizes.add(members)
        said = arabic(members, "مقال واحد", "مقالان", "مقالات", "مقالا")
        assert f"<span>{said}</span>" in meta, meta
        assert ", " not in re.search(r"<bdi>(.*?)</bdi>", meta)[1], meta
        head = re.search(r'<p class="meta">(.*?)</p>', page, re.S)[1]
        assert f"<span>{said}</span>" in head, head
        told = arabic(len(outlets), "مصدر واحد", "مصدران", "مصادر", "مصدرا")
        assert f"<span>{told}</span>" in head, head
        # French and English keep their plural
        french = _meta(
            next(
                c
                for c in _cards(_get(f"{base}/stories/?all=1&lang=fr"))
                if f'href="/stories/{story_id}"' in c
            )
        )
        assert f"<span>{members} articles</span>" in french, french
    assert 2 in sizes and 5 in sizes, sizes  # the dual and a few, on main « 2 مقالات »


def test_the_search_page_counts_its_results_in_each_language(reader):
    base, records = reader
    record = next(r for r in records if r["language"] == "fr")
    query = urllib.parse.quote(f'"{record["title"]}"')
    for lang, expected in (
        ("ar", lambda n: arabic(n, "نتيجة واحدة", "نتيجتان", "نتائج", "نتيجة")),
        ("fr", lambda n: f"{n} résultat" + ("s" if n > 1 else "")),
        ("en", lambda n: f"{n} result" + ("s" if n != 1 else "")),
    ):
        page = _get(f"{base}/search?q={query}&lang={lang}")
        n = page.count('<li class="card">')
        assert n >= 1, page
        count = re.search(r'<p class="meta" id="count">(.*?) · <a', page, re.S)[1]
        assert count == expected(n), count


def test_an_arabic_article_page_writes_its_colons_the_arabic_way(reader):
    base, records = reader
    listing = _get(f"{base}/stories/?all=1&lang=ar")
    story_id = re.search(r'href="/stories/(\d+)"', listing)[1]
    story = _get(f"{base}/stories/{story_id}?lang=ar")
    article_id = re.search(r'href="/articles/(\d+)"', story.split("</h1>", 1)[1])[1]
    page = _get(f"{base}/articles/{article_id}?lang=ar")
    assert "المصدر: <bdi>" in page, page
    assert " : " not in re.sub(r"<(script|style)\b.*?</\1>", "", page, flags=re.S), page
    french = _get(f"{base}/articles/{article_id}?lang=fr")
    assert "Source : <bdi>" in french


def test_the_plurals_the_reader_counts_in_come_from_the_alerts_module():
    """One function counts for the alerts and the reader: its forms for the reader's words."""
    assert counted(1, "result", "ar") == "نتيجة واحدة"
    assert counted(11, "outlet", "ar") == "11 مصدرا"
    assert counted(20, "result", "fr", more=True) == "20+ résultats"
    assert counted(1, "result", "fr", more=True) == "1+ résultats"
    assert counted(2, "spelling", "ar", more=True) == "2+ صيغ"


def test_a_watchlist_page_counts_its_spellings_and_articles_in_arabic(reader):
    base, _ = reader
    page = _get(f"{base}/watchlists/um6p-supercalculateur?lang=ar")
    (h1,) = re.findall(r"<h1>(.*?)</h1>", page)
    assert h1.startswith("الرصد: "), h1
    assert " : " not in re.sub(r"<(script|style)\b.*?</\1>", "", page, flags=re.S), page
    entities = re.findall(r"<li><strong>@.*?</li>", page)
    assert entities, page
    for entity in entities:
        aliases = entity.count('<span dir="auto">')
        said = arabic(aliases, "صيغة واحدة", "صيغتان", "صيغ", "صيغة")
        assert f"({said}): " in entity, entity
    total = re.search(r'<p class="meta"><span><code>[^<]*</code></span><span>(.*?)</span>', page)
    assert total[1] == "0 مقال" or re.fullmatch(r"\d+ مقال(ات|ا)?|مقال واحد|مقالان", total[1])
    french = _get(f"{base}/watchlists/um6p-supercalculateur?lang=fr")
    assert "<h1>Veille : " in french


@pytest.mark.parametrize("links", [1, 2, 11])
def test_the_sources_page_counts_the_links_not_taken_in_each_language(
    engine, tmp_path, request, links
):
    import json

    from crawler.discovery.links import NOT_AN_ARTICLE, VIDEO
    from crawler.storage import store

    from .reader_client import FormClient, serving

    path = tmp_path / "v.db"
    db = store.open_database(path)
    db.execute("INSERT INTO sources(name) VALUES ('exemple')")
    reasons = {f"{NOT_AN_ARTICLE}{VIDEO}": links}
    db.execute(
        "UPDATE sources SET links_not_taken = ? WHERE name = 'exemple'", (json.dumps(reasons),)
    )
    db.commit()
    db.close()
    said = {
        "ar": arabic(
            links,
            "رابط واحد من آخر جلب ليس مقالا",
            "رابطان من آخر جلب ليسا مقالين",
            "روابط من آخر جلب ليست مقالات",
            "رابطا من آخر جلب ليست مقالات",
        ),
        "fr": "1 lien de la dernière exploration qui n'est pas un article"
        if links == 1
        else f"{links} liens de la dernière exploration qui ne sont pas des articles",
        "en": "1 link of the last crawl that is not an article"
        if links == 1
        else f"{links} links of the last crawl that are not articles",
    }
    with serving(database_from(request, engine, path)) as base:
        for lang, words in said.items():
            status, page = FormClient().get(f"{base}/sources?lang={lang}")
            assert status == 200
            text = html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))
            assert f" {words} (" in text, (lang, words, text[-1500:])


def test_why_an_article_matched_counts_its_times_and_lists_in_the_pages_language():
    from monitors.web.i18n import LABELS
    from monitors.web.marking import TermPlace, why_sentence

    places = [TermPlace("UM6P", 1, 2), TermPlace("supercalculateur", 0, 11)]
    assert why_sentence(places, LABELS["ar"]) == (
        "« UM6P » (مرة واحدة في العنوان، مرتان في النص) و « supercalculateur » (11 مرة في النص)"
    )
    assert why_sentence(places, LABELS["en"]) == (
        "« UM6P » (1 time in the title, 2 times in the text) and "
        "« supercalculateur » (11 times in the text)"
    )
    assert why_sentence(places[:1], LABELS["fr"]) == (
        "« UM6P » (1 fois dans le titre, 2 fois dans le texte)"
    )


def test_the_home_pages_new_count_keeps_its_number_in_bold_and_counts_in_arabic():
    from monitors.web.app import _environment

    template = _environment().from_string('{{ n|counted("new", strong=true) }}')
    assert template.render(n=3, lang="ar") == "<strong>3</strong> مقالات جديدة"
    assert template.render(n=1, lang="ar") == "مقال جديد واحد"
    assert template.render(n=12, lang="ar") == "<strong>12</strong> مقالا جديدا"
    assert template.render(n=1, lang="fr") == "<strong>1</strong> nouveau"
    assert template.render(n=2, lang="fr") == "<strong>2</strong> nouveaux"
