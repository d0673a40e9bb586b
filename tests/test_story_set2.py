"""Stories on the second labelled set (tests/fixtures/stories2, issue 25): events, not topics.

How the set was built. A week of Moroccan news (Sunday 13 to Tuesday 22 September 2026) in
French, Arabic and English, written from what real coverage was seen to do (issue 25's facts)
and not from the first set (tests/fixtures/stories), so that grouping tuned on one is measured
on the other. Each article was written for its outlet in its own words and labelled by hand
with the event it reports (`story`) and the topic that event belongs to (`topic`); the fixture
files are compact data that tests/story_corpus2.py turns into `veille import` records. What
each class of case is for:

- Events covered by 3 to 8 outlets in their own words, most in one language and some in two or
  three (the French, Arabic and English reports of one statistics release, one earthquake toll,
  one joint communiqué): recall on real rewrites, and stories that hold across languages. Pairs
  in two languages are about a third of the true pairs, so the overall recall target is not a
  cross-language target in disguise.
- Topics with 2 to 5 events of the same days (a match's press conference, where to watch,
  line-up, result and post-match conference; a fuel price rise, the unions' demand and the
  government's answer; a decree, the reaction, the denial; a launch and the minister's
  interview): they share the team, the coach, the product, the minister, and must stay apart,
  or one alert swallows the others.
- Short feed-style texts (a title and one sentence, under 200 characters) for well over a third
  of the articles, as feeds deliver them.
- Same-outlet updates a few hours later (a toll raised, the other side's denial added): one
  story with the first report.
- Spelling variants (El Fallah / El Fellah / Al Fallah, Bourita / Burita, Abdellatif /
  Abdelatif Jouahri, Fouzi Lekjaa / Faouzi Lekjâa, an Arabic phrase with and without its
  article) and figures rounded each outlet's way (2,7 milliards / plus de 2,6 milliards;
  1.187 / près de 1.200 / plus de 1.100).
- Rubrics over seven days (heat bulletins, currency rates, Bourse sessions, dam levels), one
  event a day: their days share most words and must never be one story.
- Single-outlet events on the topics of the covered ones (another squad, the butane price, a
  small tremor, the minister's next visit): stories of their own.

The set is stored through the real path (`veille import`, which stores in publication order as
a crawl would meet the articles) and scored pairwise against the labels, overall and on pairs
of articles in two languages. The targets of issue 25 are asserted in their own tests.
"""

from __future__ import annotations

import io
import itertools
import json
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import unquote

import pytest
from click.testing import CliRunner

from crawler.core.canonical import url_key
from crawler.storage import store
from monitors.alerts.delivery import Sender
from monitors.alerts.outbox import match_pending
from monitors.cli import cli
from monitors.service.watchlists import load_watchlists

from .conftest import REPORT
from .story_corpus2 import RUBRIC_FILE, event_files, labelled_articles, write_import_file

pytestmark = pytest.mark.slow  # end-to-end: real processes (README, "Development")

SHORT = 200  # characters: a feed summary, a title and one sentence
FOOTBALL = "lionnes-ghana"
FOOTBALL_PHASES = {"conference-avant", "ou-regarder", "composition", "resultat", "conference-apres"}


# -- what the set holds ------------------------------------------------------------------------


def _by_story(records: list[dict]) -> dict[str, list[dict]]:
    stories: dict[str, list[dict]] = defaultdict(list)
    for record in records:
        stories[record["story"]].append(record)
    return stories


def _when(record: dict) -> datetime:
    return datetime.fromisoformat(record["published"])


def _covered_events(records: list[dict]) -> list[list[dict]]:
    """Events (rubric days aside) that 3 to 8 outlets reported."""
    return [
        members
        for members in _by_story(records).values()
        if members[0]["rubric"] is None and 3 <= len({m["source"] for m in members}) <= 8
    ]


def _phased_topics(records: list[dict]) -> dict[str, set[str]]:
    """Topics with 2 to 5 events, all published within four days of each other."""
    events: dict[str, set[str]] = defaultdict(set)
    times: dict[str, list[datetime]] = defaultdict(list)
    for record in records:
        if record["rubric"] is None:
            events[record["topic"]].add(record["story"])
            times[record["topic"]].append(_when(record))
    return {
        topic: stories
        for topic, stories in events.items()
        if 2 <= len(stories) <= 5 and max(times[topic]) - min(times[topic]) <= timedelta(days=4)
    }


def _updates(records: list[dict]) -> list[tuple[dict, dict]]:
    """An outlet's report and its own update of the same event, 1 to 8 hours later."""
    pairs = []
    for members in _by_story(records).values():
        for a, b in itertools.combinations(members, 2):
            apart = abs(_when(b) - _when(a))
            if a["source"] == b["source"] and timedelta(hours=1) <= apart <= timedelta(hours=8):
                pairs.append((a, b))
    return pairs


_FR_DAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
_AR_DAYS = ("الاثنين", "الثلاثاء", "الأربعاء", "الخميس", "الجمعة", "السبت", "الأحد")
_FR_TODAY = re.compile(r"\bce (" + "|".join(_FR_DAYS) + r")\b")
_AR_TODAY = re.compile(r"اليوم (" + "|".join(_AR_DAYS) + r")")


def test_the_second_set_has_the_shape_issue_25_asks_for():
    """The set holds every class of case in the numbers the issue asks, so no target below is
    met vacuously; and its facts are consistent (an article saying "ce mardi" is dated a
    Tuesday)."""
    records = labelled_articles()
    assert len(records) >= 250
    assert Counter(r["language"] for r in records).keys() == {"fr", "ar", "en"}
    assert len({r["url"] for r in records}) == len(records)
    assert len({r["text"] for r in records}) == len(records), "every text is its own"
    for record in records:
        head = record["title"] + record["text"]
        arabic = sum("\u0600" <= c <= "\u06ff" for c in head) / len(head)
        assert (arabic > 0.3) == (record["language"] == "ar"), record["url"]
        weekday = _when(record).weekday()
        for found in _FR_TODAY.findall(head):
            assert _FR_DAYS.index(found) == weekday, (record["story"], record["source"])
        for found in _AR_TODAY.findall(head):
            assert _AR_DAYS.index(found) == weekday, (record["story"], record["source"])
    assert {r["file"] for r in records} == {p.name for p in event_files()} | {RUBRIC_FILE}

    covered = _covered_events(records)
    assert len(covered) >= 20
    languages = [len({m["language"] for m in members}) for members in covered]
    assert sum(n >= 2 for n in languages) >= 10 and sum(n == 3 for n in languages) >= 5

    phased = _phased_topics(records)
    assert sum(2 <= len(events) <= 4 for events in phased.values()) >= 10, phased
    assert {s.removeprefix(FOOTBALL + "-") for s in phased[FOOTBALL]} == FOOTBALL_PHASES

    short = [r for r in records if len(r["text"]) < SHORT]
    assert len(short) >= len(records) / 3
    assert len(_updates(records)) >= 5

    by_story = _by_story(records)
    launch = " ".join(r["title"] + r["text"] for r in by_story["ia-lancement-plan"])
    for spelling in ("El Fallah", "El Fellah", "Al Fallah", "الذكاء الاصطناعي", "ذكاء اصطناعي"):
        assert spelling in launch, spelling
    kenya = " ".join(r["title"] + r["text"] for r in by_story["maroc-kenya-commission-mixte"])
    assert "Bourita" in kenya and "Burita" in kenya

    rubric_days: dict[str, set[str]] = defaultdict(set)
    for record in records:
        if record["rubric"]:
            rubric_days[record["rubric"]].add(record["story"])
    assert len(rubric_days) >= 3 and all(len(days) == 7 for days in rubric_days.values())
    span = max(map(_when, records)) - min(map(_when, records))
    assert timedelta(days=6) <= span <= timedelta(days=10)

    # Most events are covered in one language, as in the press: pairs in two languages are a
    # minority of the true pairs, so the overall recall target is not a cross-language one.
    true_pairs = [(a, b) for a, b in itertools.combinations(records, 2) if a["story"] == b["story"]]
    cross = sum(a["language"] != b["language"] for a, b in true_pairs)
    assert len(true_pairs) >= 500 and 0.2 <= cross / len(true_pairs) <= 0.35


# -- grouping, measured ------------------------------------------------------------------------


@dataclass(frozen=True)
class Score:
    precision: float
    recall: float
    true_pairs: int
    found: int
    wrong: int

    def __str__(self) -> str:
        return (
            f"precision {self.precision:.3f}, recall {self.recall:.3f} "
            f"({self.found} of {self.true_pairs} true pairs found, {self.wrong} wrong)"
        )


def _score(pairs: list[tuple[bool, bool]]) -> Score:
    """Pairwise scores of (labelled together, grouped together) pairs."""
    tp = sum(truth and predicted for truth, predicted in pairs)
    fp = sum(predicted and not truth for truth, predicted in pairs)
    fn = sum(truth and not predicted for truth, predicted in pairs)
    return Score(tp / max(1, tp + fp), tp / max(1, tp + fn), tp + fn, tp, fp)


@dataclass(frozen=True)
class Measured:
    records: list[dict]
    story_of: dict[str, int]

    def pairs(self, keep=lambda a, b: True) -> list[tuple[bool, bool]]:
        return [
            (a["story"] == b["story"], self.story_of[a["url"]] == self.story_of[b["url"]])
            for a, b in itertools.combinations(self.records, 2)
            if keep(a, b)
        ]


@pytest.fixture(scope="module")
def measured(tmp_path_factory) -> Measured:
    """The set stored with `veille import` into a new database, and each article's story."""
    return imported(tmp_path_factory.mktemp("stories2"), labelled_articles())


def imported(folder, records: list[dict]) -> Measured:
    """`records` stored with `veille import` into a new database in `folder`, and each
    article's story (the labelled sets 2 and 3)."""
    path = write_import_file(folder / "week.jsonl", records)
    db_path = folder / "v.db"
    result = CliRunner().invoke(cli, ["--db", str(db_path), "import", str(path)])
    assert result.exit_code == 0, result.output
    assert f"{len(records)} read, {len(records)} new" in result.output
    db = store.open_database(db_path)
    stored = dict(
        db.execute(
            "SELECT u.url_key, a.story_id FROM article_urls u JOIN articles a ON a.id = u.article_id"
        ).fetchall()
    )
    story_of = {r["url"]: stored[url_key(r["url"])] for r in records}
    assert all(story is not None for story in story_of.values())
    return Measured(records, story_of)


def _cross(a: dict, b: dict) -> bool:
    return a["language"] != b["language"]


def test_the_second_set_figures(measured):
    """Reports how today's grouping does on the set, overall and by class of case; the
    targets are asserted in the tests below."""
    m = measured
    overall, cross = _score(m.pairs()), _score(m.pairs(_cross))
    same_topic = _score(m.pairs(lambda a, b: a["topic"] == b["topic"] and a["rubric"] is None))
    rubric = _score(m.pairs(lambda a, b: a["rubric"] is not None and a["rubric"] == b["rubric"]))

    def recall(keep) -> str:
        score = _score([p for p in m.pairs(keep) if p[0]])
        return f"{score.recall:.2f} of {score.true_pairs}"

    short = recall(lambda a, b: min(len(a["text"]), len(b["text"])) < SHORT)
    same_outlet = recall(lambda a, b: a["source"] == b["source"])
    cases = {
        case: recall(lambda a, b, case=case: case in a["cases"])
        for case in ("spelling", "rounding", "rewording")
    }
    stories = len(set(m.story_of.values()))
    REPORT.extend(
        [
            f"stories set 2 ({len(m.records)} articles, {len(_by_story(m.records))} events, "
            f"publication order): {stories} stories; pairwise {overall}",
            f"stories set 2, pairs in two languages: {cross}",
            f"stories set 2, wrong merges within a topic: {same_topic.wrong} pairs; between "
            f"days of a rubric: {rubric.wrong} pairs",
            f"stories set 2, recall by case: short texts {short}, same-outlet updates "
            f"{same_outlet}, " + ", ".join(f"{case} {value}" for case, value in cases.items()),
        ]
    )
    assert stories < len(m.records), "stored articles are grouped at all"


# Issue 25's targets: pairwise precision at least 0.98 and recall at least 0.85, and pairs in
# two languages recall at least 0.6 at precision at least 0.95.
def test_pairwise_precision_on_the_second_set(measured):
    assert _score(measured.pairs()).precision >= 0.98


def test_pairwise_recall_on_the_second_set(measured):
    assert _score(measured.pairs()).recall >= 0.85


def test_stories_hold_across_languages_on_the_second_set(measured):
    cross = _score(measured.pairs(_cross))
    assert cross.recall >= 0.6 and cross.precision >= 0.95


# -- through the alert path --------------------------------------------------------------------


def _stored_set(folder) -> tuple:
    """The whole set imported (alerts on) into a new SQLite database: its path and records."""
    records = labelled_articles()
    path = write_import_file(folder / "week.jsonl", records)
    db_path = folder / "alerts.db"
    result = CliRunner().invoke(cli, ["--db", str(db_path), "import", str(path)])
    assert result.exit_code == 0, result.output
    return store.open_database(db_path), records


def _mail_rules(folder, smtp, query: str, options: str = ""):
    path = folder / "watchlists.yaml"
    path.write_text(
        'channels:\n  mail:\n    url: "mailto://127.0.0.1:'
        f'{smtp.port}?from=veille@example.ma&to=equipe@example.ma&mode=insecure"\n'
        f"watchlists:\n  - name: suivi\n    title: Suivi\n    query: '{query}'\n"
        f"    notify: [mail]\n{options}",
        encoding="utf-8",
    )
    return load_watchlists(path)


def _links(smtp) -> list[list[str]]:
    """Each email's links (HTML part, decoded), in order: the alerted article's first."""
    return [
        [
            unquote(href)
            for href in re.findall(r'href="([^"]+)"', m.get_body(("html",)).get_content())
        ]
        for m in smtp.messages
    ]


def test_the_five_phases_of_one_match_give_five_alerts(tmp_path, smtp):
    """A watchlist on the team gets the line-up, where to watch, the pre-match conference, the
    result and the post-match conference: five events of one topic, five emails, each about
    one of them (the topic's vocabulary does not make them one story)."""
    db, records = _stored_set(tmp_path)
    rules = _mail_rules(tmp_path, smtp, "Ghana OR غانا")
    assert match_pending(db, *rules, max_age=None).alerts == 5
    assert Sender(db, rules.delivery, io.StringIO(), min_interval=0).deliver_pending().messages == 5
    phase_of = {r["url"]: r["story"] for r in records if r["topic"] == FOOTBALL}
    alerted = [phase_of[links[0]].removeprefix(FOOTBALL + "-") for links in _links(smtp)]
    assert sorted(alerted) == sorted(FOOTBALL_PHASES)


def test_the_french_and_arabic_reports_of_one_communique_give_one_alert_listing_both(
    tmp_path, smtp
):
    """The government council's decree, reported in French by one outlet and in Arabic by four:
    a watchlist written in both languages gets one email, naming the French and the Arabic
    reports."""
    db, records = _stored_set(tmp_path)
    reports = [r for r in records if r["story"] == "smig-decret"]
    assert {r["language"] for r in reports} == {"fr", "ar"}
    rules = _mail_rules(tmp_path, smtp, 'SMIG OR "الحد الأدنى"')
    assert match_pending(db, *rules, max_age=None).alerts == 1
    assert Sender(db, rules.delivery, io.StringIO(), min_interval=0).deliver_pending().messages == 1
    (links,) = _links(smtp)
    assert links[0] == reports[0]["url"]  # the first report, in French
    assert {r["url"] for r in reports} <= set(links), links  # the Arabic ones listed with it
    (message,) = smtp.messages
    text = message.get_body(("plain",)).get_content()
    assert "hespress" in text and "snrtnews" in text
    # One story with its languages in `veille stories`.
    listing = CliRunner().invoke(
        cli, ["--db", str(tmp_path / "alerts.db"), "stories", "--json", "--min-sources", "5"]
    )
    assert listing.exit_code == 0, listing.output
    (story,) = [
        g
        for g in json.loads(listing.stdout)
        if reports[0]["url"] in {unquote(m["url"]) for m in g["members"]}
    ]
    assert story["languages"] == ["ar", "fr"]
    assert {unquote(m["url"]) for m in story["members"]} == {r["url"] for r in reports}


def test_a_watchlist_asking_one_alert_per_language_gets_the_french_and_the_arabic_one(
    tmp_path, smtp
):
    """alert_per_language: true: the same decree gives one email for its French report and one
    for its first Arabic report (the other three Arabic reports join the Arabic one)."""
    db, records = _stored_set(tmp_path)
    reports = [r for r in records if r["story"] == "smig-decret"]
    rules = _mail_rules(tmp_path, smtp, 'SMIG OR "الحد الأدنى"', "    alert_per_language: true\n")
    assert match_pending(db, *rules, max_age=None).alerts == 2
    assert Sender(db, rules.delivery, io.StringIO(), min_interval=0).deliver_pending().messages == 2
    first_fr = next(r["url"] for r in reports if r["language"] == "fr")
    first_ar = next(r["url"] for r in reports if r["language"] == "ar")
    assert sorted(links[0] for links in _links(smtp)) == sorted([first_fr, first_ar])
