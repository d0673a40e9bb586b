"""The reader shows the languages a story is told in, on the stories list and the story page:
the languages `veille stories --json` gives (crawler.stories.store.story_languages), as badges,
with the title's own language and direction. On SQLite and PostgreSQL."""

from __future__ import annotations

import re
import urllib.request
from urllib.parse import unquote

import pytest
from click.testing import CliRunner

from monitors.cli import cli
from monitors.web.app import ReaderConfig, create_app

from .conftest import database_from
from .reader_client import WATCHLISTS, running
from .story_corpus2 import labelled_articles, write_import_file

pytestmark = pytest.mark.slow  # end-to-end: real processes (README, "Development")

DECREE = "smig-decret"  # one communiqué reported in French by one outlet and in Arabic by four


def _one_language_story(records: list[dict]) -> str:
    """A story of the set told in one language by at least two outlets."""
    by_story: dict[str, list[dict]] = {}
    for record in records:
        by_story.setdefault(record["story"], []).append(record)
    return next(
        story
        for story, members in by_story.items()
        if len({m["language"] for m in members}) == 1 and len({m["source"] for m in members}) >= 2
    )


@pytest.fixture(scope="module")
def reader(tmp_path_factory, engine, request):
    """The reader over the decree's reports and one single-language story, imported as a user
    would (`veille import`); yields its base URL and the imported records."""
    records = labelled_articles()
    single = _one_language_story(records)
    chosen = [r for r in records if r["story"] in (DECREE, single)]
    folder = tmp_path_factory.mktemp("story-languages")
    path = write_import_file(folder / "week.jsonl", chosen)
    result = CliRunner().invoke(cli, ["--db", str(folder / "veille.db"), "import", str(path)])
    assert result.exit_code == 0, result.output
    location = database_from(request, engine, folder / "veille.db")
    config = ReaderConfig(db=location, watchlists=WATCHLISTS, raw_data=False)
    with running(create_app(config)) as base:
        yield base, chosen, single


def _get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=60) as answer:
        return answer.read().decode()


def _badges(fragment: str) -> list[str]:
    """The language badges of a page fragment, as shown ("AR", "FR")."""
    (span,) = re.findall(r'<span class="story-languages"[^>]*>(.*?)</span>', fragment)
    return re.findall(r'data-language="\w+"[^>]*>(\w+)</abbr>', span)


def _cards(listing: str) -> dict[int, str]:
    """The stories list's cards by story id."""
    cards = listing.split('<div class="card">')[1:]
    return {int(re.search(r'href="/stories/(\d+)"', card)[1]): card for card in cards}


def _story_of(base: str, url: str) -> int:
    """The story holding an article, found through its story page links."""
    for story_id in _cards(_get(f"{base}/stories/?all=1")):
        page = _get(f"{base}/stories/{story_id}")
        if f'href="{url}"' in unquote(page) or f'href="{url}"' in page:
            return story_id
    raise AssertionError(f"no story lists {url}")


def test_a_story_told_in_french_and_arabic_shows_both_languages(reader):
    base, records, _ = reader
    decree = [r for r in records if r["story"] == DECREE]
    assert {r["language"] for r in decree} == {"fr", "ar"}
    story_id = _story_of(base, decree[0]["url"])
    card = _cards(_get(f"{base}/stories/"))[story_id]  # five outlets: on the default list
    assert _badges(card) == ["AR", "FR"], card
    page = _get(f"{base}/stories/{story_id}")
    assert _badges(page) == ["AR", "FR"]
    # The badges name the languages in the interface's language, Arabic too.
    assert 'title="arabe"' in page and 'title="français"' in page
    arabic = _get(f"{base}/stories/{story_id}?lang=ar")
    assert 'title="العربية"' in arabic and 'title="الفرنسية"' in arabic
    # The title keeps its own language and direction (a French title on an Arabic page too).
    (h1,) = re.findall(r"<h1[^>]*>", arabic)
    assert 'dir="ltr"' in h1 and 'lang="fr"' in h1, h1


def test_a_story_told_in_one_language_shows_one(reader):
    base, records, single = reader
    members = [r for r in records if r["story"] == single]
    (language,) = {r["language"] for r in members}
    story_id = _story_of(base, members[0]["url"])
    card = _cards(_get(f"{base}/stories/?all=1"))[story_id]
    assert _badges(card) == [language.upper()], card
    assert _badges(_get(f"{base}/stories/{story_id}")) == [language.upper()]
