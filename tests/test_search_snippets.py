"""A search's snippet is as long on PostgreSQL as on SQLite: a title found is shown whole (SQLite's
snippet takes 24 tokens, more than a headline has), a text found 24 words around the words
found. PostgreSQL gave an Arabic title found by a phrase its first five words, ending at the
phrase's first word (« بنك المغرب يبقي على **سعر** »), and an Arabic text twelve words ending at
the word found: the query it highlighted with held one word many times (each written form of
an Arabic word normalises to one lexeme), and ts_headline cut its fragment there. Both engines,
the articles imported by `veille import`."""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner

from monitors.cli import cli

TITLES = {
    "bank": "بنك المغرب يبقي على سعر الفائدة الرئيسي دون تغيير عند 2.25 في المائة",
    "final": "المغرب يفوز على السنغال في نهائي كأس إفريقيا للأمم ويتوج باللقب للمرة الثانية",
    "council": "Le Conseil de gouvernement adopte le projet de loi sur les startups à Rabat",
}
OTHER_TEXT = "نص عن موضوع آخر لا علاقة له بالعنوان، يتحدث عن الطقس والرياضة في نهاية الأسبوع."
LONG_TEXT = (
    "صادق مجلس الحكومة المنعقد يوم الخميس بالرباط برئاسة رئيس الحكومة على مشروع مرسوم يتعلق "
    "بالمقاولات الناشئة ودعمها في مختلف جهات المملكة بحسب بلاغ للناطق الرسمي باسم الحكومة الذي "
    "أوضح أن المشروع يهدف إلى تشجيع الاستثمار وخلق فرص الشغل لفائدة الشباب حاملي الشهادات في "
    "المدن والقرى على حد سواء، كما صادق المجلس على اتفاقيات دولية عدة تتعلق بالتعاون الاقتصادي."
)


@pytest.fixture
def location(db_location, tmp_path):
    records = [
        {"url": f"https://example.ma/{name}", "title": title, "text": f"{OTHER_TEXT} {i}"}
        for i, (name, title) in enumerate(TITLES.items())
    ]
    records.append({"url": "https://example.ma/long", "title": "مجلس", "text": LONG_TEXT})
    lines = [
        json.dumps(
            record
            | {
                "source": "exemple",
                "language": "fr" if record["title"].startswith("Le ") else "ar",
                "published": f"2026-12-0{i + 1}T10:00:00Z",
            },
            ensure_ascii=False,
        )
        for i, record in enumerate(records)
    ]
    path = tmp_path / "articles.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    done = CliRunner().invoke(cli, ["--db", db_location, "import", str(path)])
    assert done.exit_code == 0, done.output
    return db_location


def snippets(location: str, query: str) -> dict[str, str]:
    done = CliRunner().invoke(cli, ["--db", location, "search", query, "--json"])
    assert done.exit_code == 0, done.output
    return {hit["url"].rsplit("/", 1)[1]: hit["snippet"] for hit in json.loads(done.stdout)}


def words(snippet: str) -> list[str]:
    """The snippet's words, without its marks and the ellipsis that ends a cut text."""
    return snippet.replace("**", "").replace("…", " ").split()


@pytest.mark.parametrize(
    ("query", "name", "found"),
    [
        ('"سعر الفائدة"', "bank", ["سعر", "الفائدة"]),
        ("المغرب AND السنغال", "final", ["المغرب", "السنغال"]),
        ("الثانية", "final", ["الثانية"]),
        ('"projet de loi"', "council", ["projet", "loi"]),
    ],
)
def test_a_title_found_is_shown_whole(location, query, name, found):
    snippet = snippets(location, query)[name]
    assert words(snippet) == TITLES[name].split(), snippet
    marked = " ".join(re.findall(r"\*\*(.+?)\*\*", snippet)).split()
    assert all(word in marked for word in found), snippet


@pytest.mark.parametrize(("query", "found"), [("الناشئة", "الناشئة"), ('"فرص الشغل"', "الشغل")])
def test_a_text_found_is_shown_with_the_words_around_it(location, query, found):
    snippet = snippets(location, query)["long"]
    shown = words(snippet)
    assert 20 <= len(shown) <= 24, snippet
    assert f"**{found}" in snippet or f"{found}**" in snippet, snippet
    at = shown.index(found)
    assert at >= 5 and len(shown) - at > 5, snippet  # words on both sides of it
