"""Stories on the third labelled set (tests/fixtures/stories3): a held-out week, measured.

Why a third set. The first two sets were partly tuned on (their figures are the targets the
grouping was changed to meet), and a measurement on a real week of Moroccan news once gave a
precision of 0.82 where they gave 0.98 and more. This set was written without reading the
grouping code (crawler/stories/), from the outlets' real languages, address shapes and ways of
writing (/work/shared/sources), and labelled by hand, each article with the event a desk editor
would call its story, BEFORE the grouping was ever run on it. Nothing in it was changed after
measuring: the floors below are what main did on it the first time (see `FLOORS`).

What it holds that the other sets may not (the fixture files say more):

- wire.yaml: one MAP dispatch run by six outlets and MAP's Arabic service, each headline its
  own and each text cut at its own length (the whole dispatch down to its first sentence); the
  government council's communiqué and, at the same briefing, the spokesman on fuel prices; the
  King's messages of congratulations written from one template, one country and day each.
- follow-ups.yaml: a tender declared unsuccessful and, the next day, launched again (the
  second round is another story); a minister's visit and his statement a week later; an
  article whose last paragraph recalls another story.
- same-day.yaml: two events on one day with one minister in one city, twice.
- languages.yaml: French, Arabic, English and Spanish reports of one event with the names
  transliterated each outlet's way (Regragui / Ragragui / الركراكي, Abdelhak Chraïbi /
  Abdelhaq Chraibi / عبد الحق الشرايبي); a live text updated through a match.
- live-and-briefs.yaml: a live page updated four times as a storm's toll rose; briefs of two
  sentences; events one outlet alone reported.
- rubrics.yaml: weather, prayer times, exchange rates and football results, every day: two
  days of a rubric are never one story.

The set is stored as set 2 is (`veille import`, publication order) and scored the same way,
pairwise, overall and on pairs of articles in two languages.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter, defaultdict
from datetime import datetime
from pathlib import Path

import pytest

from .conftest import REPORT
from .story_corpus2 import RUBRIC_FILE, event_files, labelled_articles
from .test_story_set2 import Measured, _cross, _score, imported

pytestmark = pytest.mark.slow  # end-to-end through veille import, as the other two sets

STORIES3_ROOT = Path(__file__).parent / "fixtures" / "stories3"

# What main did on the set, rounded down: a change that groups worse fails here. Raise them
# when the grouping does better; never lower them to pass. First run (5aec6c4): 0.941, 0.717,
# 0.950, 0.689. Measured again after templated dispatches (crawler.stories.templates) and
# firms named after regions (crawler.stories.events.firms_named) were told apart, each written
# on fixtures of its own (tests/fixtures/story_lookalikes), not on this set; then again after
# results round-ups and scores were told apart (crawler.stories.events.roundup, scores): the
# match and the Arabic round-up of the night's results, 7 wrong pairs, are two stories now;
# then after the gazetteer named the fuels and the dams' filling that briefs name; then after
# a live page's label (« EN DIRECT », « LIVE ») was no name; then after a Spanish report was
# read as Spanish, not French; then after an outlet's later version of its report stood for it
# (crawler.stories.grouping._first_updated).
FLOORS = {
    "precision": 1.0,  # 1.000: 250 of 250 grouped pairs right (0.971 before round-ups)
    "recall": 0.80,  # 0.809: 254 of 314 true pairs (0.755, 0.758, 0.768, 0.771, then 0.796)
    "cross precision": 1.0,  # 1.000: 173 of 173 (0.964)
    "cross recall": 0.79,  # 0.797: 177 of 222 (0.734, 0.739, 0.752, then 0.779)
}
# Wrong pairs measured in the classes a desk editor never merges; no change may add one.
CEILINGS = {
    "rubric days": 0,
    "follow-ups": 0,
    "same day": 0,
    "template": 0,  # 4 at first: the messages to Uzbekistan (1st) and Vietnam (2nd)
}


def _records() -> list[dict]:
    return labelled_articles(STORIES3_ROOT)


def _by_story(records: list[dict]) -> dict[str, list[dict]]:
    stories: dict[str, list[dict]] = defaultdict(list)
    for record in records:
        stories[record["story"]].append(record)
    return stories


def _when(record: dict) -> datetime:
    return datetime.fromisoformat(record["published"])


def _sentences(text: str) -> int:
    return len([s for s in re.split(r"(?<=[.!?؟])\s+", text.strip()) if s])


_DAYS = {
    "fr": ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"),
    "ar": ("الاثنين", "الثلاثاء", "الأربعاء", "الخميس", "الجمعة", "السبت", "الأحد"),
    "es": ("lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"),
}
_TODAY = {
    "fr": re.compile(r"\bce (" + "|".join(_DAYS["fr"]) + r")\b"),
    "ar": re.compile(r"اليوم (" + "|".join(_DAYS["ar"]) + r")"),
    "es": re.compile(r"\beste (" + "|".join(_DAYS["es"]) + r")\b"),
}


def _with_case(records: list[dict], case: str) -> dict[str, list[dict]]:
    return {s: m for s, m in _by_story(records).items() if case in m[0]["cases"]}


def test_the_third_set_holds_what_real_coverage_does():
    """Every class of case the set is for is there, in numbers that keep its figures from
    being met vacuously, and its facts agree with its dates (« ce mardi » on a Tuesday)."""
    records = _records()
    assert len(records) >= 120
    assert set(Counter(r["language"] for r in records)) == {"fr", "ar", "en", "es"}
    assert len({r["url"] for r in records}) == len(records)
    assert len({r["text"] for r in records}) == len(records), "every text is its own"
    assert {r["file"] for r in records} == {p.name for p in event_files(STORIES3_ROOT)} | {
        RUBRIC_FILE
    }
    for record in records:
        head = record["title"] + record["text"]
        arabic = sum("\u0600" <= c <= "\u06ff" for c in head) / len(head)
        assert (arabic > 0.3) == (record["language"] == "ar"), record["url"]
        language = record["language"]
        for found in _TODAY[language].findall(head) if language in _TODAY else []:
            assert _DAYS[language].index(found) == _when(record).weekday(), record["story"]

    stories = _by_story(records)
    events = {s: m for s, m in stories.items() if m[0]["rubric"] is None}
    assert len(events) >= 25
    # One wire dispatch run by five outlets or more besides the wire, cut at other lengths.
    wire = stories["commerce-exterieur-juillet"]
    assert len({m["source"] for m in wire if not m["source"].startswith("map-")}) >= 5
    assert len({len(m["text"]) for m in wire}) == len(wire)
    # Follow-ups: two stories of one topic on different days.
    follow = _with_case(records, "follow-up")
    topics = Counter(m[0]["topic"] for m in follow.values())
    assert sum(n >= 2 for n in topics.values()) >= 2
    # Two events with one minister, one city, one day, twice.
    same_day = _with_case(records, "same-day")
    days = Counter((m[0]["topic"], m[0]["published"][:10]) for m in same_day.values())
    assert sum(n == 2 for n in days.values()) == 2
    # Rubrics on every day of the week, four of them.
    rubric_days: dict[str, set[str]] = defaultdict(set)
    for record in records:
        if record["rubric"]:
            rubric_days[record["rubric"]].add(record["story"])
    assert len(rubric_days) >= 4 and all(len(d) >= 5 for d in rubric_days.values())
    # Names written three ways in one story.
    chraibi = " ".join(r["title"] + r["text"] for r in stories["proces-oued-zem-detournement"])
    for spelling in ("Abdelhak Chraïbi", "Abdelhaq Chraibi", "عبد الحق الشرايبي"):
        assert spelling in chraibi
    lists = " ".join(r["title"] + r["text"] for r in stories["regragui-liste-lesotho"])
    for spelling in ("Regragui", "Ragragui", "الركراكي", "Achraf Hakimi", "Ashraf Hakimi"):
        assert spelling in lists
    # A live page: one outlet's story updated three times or more the same day.
    live = _with_case(records, "live")
    assert any(max(Counter(r["source"] for r in m).values()) >= 3 for m in live.values())
    # Briefs of two sentences, and articles recalling another story in their last paragraph.
    assert sum(_sentences(r["text"]) <= 2 for r in records if r["rubric"] is None) >= 20
    assert len(_with_case(records, "quoting")) >= 2
    # Spanish in several stories. Pairs in two languages are most of the true pairs (about
    # 70%, against a third in set 2): the week's events are national ones, which the Arabic and
    # French outlets both run, and the rubrics run in two or three languages every day. Overall
    # recall here leans on recall across languages more than set 2's does.
    assert len({r["story"] for r in records if r["language"] == "es"}) >= 5
    true_pairs = [(a, b) for a, b in itertools.combinations(records, 2) if a["story"] == b["story"]]
    cross = sum(a["language"] != b["language"] for a, b in true_pairs)
    assert len(true_pairs) >= 250 and 0.5 <= cross / len(true_pairs) <= 0.8


@pytest.fixture(scope="module")
def measured(tmp_path_factory) -> Measured:
    """The set stored with `veille import` into a new database, and each article's story."""
    return imported(tmp_path_factory.mktemp("stories3"), _records())


def _wrong(m: Measured, keep) -> int:
    return _score(m.pairs(keep)).wrong


def _classes(m: Measured) -> dict[str, int]:
    """Wrong pairs in each class of pairs that must stay apart."""

    def topic_apart(case: str):
        return lambda a, b: (
            a["topic"] == b["topic"] and a["story"] != b["story"] and case in a["cases"]
        )

    return {
        "rubric days": _wrong(
            m, lambda a, b: a["rubric"] is not None and a["rubric"] == b["rubric"]
        ),
        "follow-ups": _wrong(m, topic_apart("follow-up")),
        "same day": _wrong(m, topic_apart("same-day")),
        "template": _wrong(m, topic_apart("template")),
    }


def test_the_third_set_figures(measured):
    """Reports how today's grouping does on the held-out set, overall, across languages and by
    class of case; the floors are asserted below."""
    m = measured
    overall, cross = _score(m.pairs()), _score(m.pairs(_cross))

    def recall(keep) -> str:
        score = _score([p for p in m.pairs(keep) if p[0]])
        return f"{score.recall:.2f} of {score.true_pairs}"

    cases = {
        case: recall(lambda a, b, case=case: case in a["cases"])
        for case in ("wire", "live", "spelling", "brief", "follow-up", "same-day")
    }
    with_spanish = recall(lambda a, b: "es" in (a["language"], b["language"]))
    stories = len(set(m.story_of.values()))
    REPORT.extend(
        [
            f"stories set 3, held out ({len(m.records)} articles, {len(_by_story(m.records))} "
            f"events, publication order): {stories} stories; pairwise {overall}",
            f"stories set 3, pairs in two languages: {cross}",
            "stories set 3, wrong pairs: "
            + ", ".join(f"{name} {n}" for name, n in _classes(m).items()),
            "stories set 3, recall by case: "
            + ", ".join(f"{case} {value}" for case, value in cases.items())
            + f", pairs with Spanish {with_spanish}",
        ]
    )
    assert stories < len(m.records), "stored articles are grouped at all"


def test_pairwise_precision_and_recall_on_the_third_set(measured):
    score = _score(measured.pairs())
    assert score.precision >= FLOORS["precision"], score
    assert score.recall >= FLOORS["recall"], score


def test_stories_across_languages_on_the_third_set(measured):
    cross = _score(measured.pairs(_cross))
    assert cross.precision >= FLOORS["cross precision"], cross
    assert cross.recall >= FLOORS["cross recall"], cross


def test_what_must_stay_apart_on_the_third_set(measured):
    """Rubric days, follow-ups, one minister's two events of a day and the King's messages
    merge no more pairs than they did when the set was first measured."""
    classes = _classes(measured)
    assert all(classes[name] <= CEILINGS[name] for name in CEILINGS), classes
