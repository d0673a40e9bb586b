"""Look-alikes that are other events (templated dispatches, firms named after regions, results
round-ups beside their matches) and live pages, names spelled apart and the wire's briefs that
are one.

tests/fixtures/story_lookalikes holds, in the labelled sets' format (tests/story_corpus2.py),
what the held-out third set (tests/fixtures/stories3) found merged, written anew for the whole
class and not taken from that set, which stays held out:

- templates.yaml: the wire's templated dispatches, each run word for word or cut by other
  outlets in French, Arabic and English: five messages of congratulations on national days
  over a week (two on the same morning), two messages of condolences, two governors installed
  on consecutive days, two wind alerts on consecutive days. Only the country, the person, the
  province change: every pair of two of them is two events, however alike their words.
- places.yaml: firms named after a region (« Atlas », « Sahara », « Rif », « Souss »),
  reported the same day as news of that region in another language sharing a city with it: a
  firm's name is not the region, and one place-like word with a city does not make two
  languages one event.
- roundups.yaml: results round-ups (a matchday's, a night of qualifiers', the national clubs'
  week in the African cups) in Arabic, French, English and Spanish beside the reports of the
  matches they list, in four languages, and two matches of one evening: a round-up is not the
  story of one of its matches, and « 1-1 » is not « 2-1 ».
- live.yaml: live pages whose title follows the toll, the count or the score (a flood, a forest
  fire, a by-election count, a match, a bus accident), with other outlets' reports in French,
  Arabic, English and Spanish of the figure of their hour, each beside the same kind of news
  in another city: a toll that rises is one event, the same toll word elsewhere another.
- spellings.yaml: ministers' and officials' names transliterated each outlet's way (Ouahbi /
  Wahbi / وهبي, Akhannouch / Akhanouch / أخنوش, Mezzour / مزور, Seddiki / Sadiki / صديقي, Talbi
  Alami / Talbi El Alami / الطالبي العلمي, Ouazzani / الوزاني) in reports of one event in two to
  three languages, and the same minister's other event of the week.
- wire.yaml: MAP dispatches in French and Arabic beside an outlet's copy under its own
  headline, other outlets' rewrites and briefs of one or two sentences, in French, Arabic and
  English (the Office des changes' two releases of one morning, the dams' filling, the ONCF's
  timetable, a fuel price cut, and the previous week's rise of another fuel).
- holders.yaml: wire dispatches naming an office (« le Chef du gouvernement », « le ministre de
  l'Industrie », « le wali de la région », « رئيس الحكومة ») or an institution by its full name,
  and copies naming the office's holder or the institution by its acronym (« l'OMS »,
  « l'UM6P », « la CNDP », « ONEE », « ANRT », « أونسا »), in French, Arabic and English, beside
  the same committee's meeting of the next week in the same words: an office is not another
  person, nor an acronym another body.
- datelines.yaml: dispatches datelined where the wire or a ministry writes (« Rabat – »,
  « الرباط – ») about an event in another city their lead does not name (a hospital opened in
  Casablanca, a port extended at Agadir), beside rewrites naming that city alone, in French,
  Arabic and English; and floods in Safi and in Tétouan the same morning, each datelined where
  it happened: a dateline locates the dispatch, a city named in the report the event.
- updates.yaml: live and updated coverage in units other than deaths: a forest fire's hectares
  republished « Mis à jour » the same evening and the next morning, people evacuated from
  floods, households without power after a storm, a strike's turnout, a trial's hearing
  adjourned, an earthquake's live page (« EN DIRECT », « LIVE », « مباشر ») whose timestamped
  entries grow, with other outlets' reports of the figure of their hour in French, Arabic,
  English and Spanish. Beside them, what a reader expects as another story: a fire in another
  province, floods in another city, another sector's strike the same day, the trial's next
  hearing, the Bourse's live page of the next session (a rubric: each session its alert), an
  aftershock a week later.
- bulletins.yaml: daily bulletins filled in from one template per outlet, three days running,
  in French, Arabic, English and Spanish: the price of gasoil at the pump, an epidemic's new
  and active cases, the Bourse's close, Bank Al-Maghrib's reference rates, the dams' filling, a
  weather alert renewed for other provinces, a flu vaccination's running count, the wholesale
  market's prices. Outlets restate the day before's figure, keep a fixed one (« Covid-19 »,
  « les dernières 24 heures »), some run a series on one day only, first of the day: each day
  of a series is its own event, its outlets' reports one story.
- versions.yaml: an outlet's later version of its report whose words do not say the figure
  rose (a fire's hectares, a by-election's turnout at 17 heures after noon's, a doctors'
  strike's afternoon turnout, roads cut), and other outlets' reports of the later figure in
  French, Arabic, English and Spanish, beside the same kind of news the same day elsewhere.

Each file is imported through the importer a crawl's articles take (publication order), into a
new database on each engine, and scored pairwise: no wrong pair is allowed; the recall asserted
is what the grouping measured when these fixtures were written (see `RECALL_FLOORS`).
"""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from crawler.core.canonical import url_key
from crawler.storage import store
from crawler.storage.importer import ImportRecord, import_records

from .story_corpus2 import LABELS, labelled_articles

pytestmark = pytest.mark.slow  # real databases on both engines (README, "Development")

ROOT = Path(__file__).parent / "fixtures" / "story_lookalikes"

# Pairs of one event found, measured when the fixtures were written (in publication order, on
# both engines alike); a change that groups worse fails here.
RECALL_FLOORS = {
    "templates.yaml": 0.91,  # 89 of 97
    "places.yaml": 1.0,  # 16 of 16
    "roundups.yaml": 1.0,  # 26 of 26
    "live.yaml": 0.91,  # 44 of 48 (42 before an outlet's version stood for its report)
    "spellings.yaml": 1.0,  # 14 of 14
    "wire.yaml": 1.0,  # 33 of 33
    "holders.yaml": 1.0,  # 33 of 33
    "datelines.yaml": 1.0,  # 11 of 11
    "updates.yaml": 1.0,  # 54 of 54 (52 before an outlet's version stood for its report)
    "bulletins.yaml": 1.0,  # 114 of 114
    "versions.yaml": 1.0,  # 36 of 36
}


def _stories(db_location: str, file: str) -> tuple[list[dict], dict[str, int]]:
    records = [r for r in labelled_articles(ROOT) if r["file"] == file]
    db = store.open_database(db_location)
    fields = [{k: v for k, v in r.items() if k not in LABELS} for r in records]
    import_records(db, [ImportRecord(line=n, **f) for n, f in enumerate(fields, 1)], alerts=False)
    stored = dict(
        db.execute(
            "SELECT u.url_key, a.story_id FROM article_urls u JOIN articles a ON a.id = u.article_id"
        ).fetchall()
    )
    db.close()
    return records, {r["url"]: stored[url_key(r["url"])] for r in records}


def _pairs(records: list[dict], story_of: dict[str, int]) -> tuple[list, int, int]:
    """(wrong pairs, true pairs found, true pairs)."""
    wrong, found, true = [], 0, 0
    for a, b in itertools.combinations(records, 2):
        together = story_of[a["url"]] == story_of[b["url"]]
        if a["story"] == b["story"]:
            true += 1
            found += together
        elif together:
            wrong.append((a["story"], a["source"], b["story"], b["source"]))
    return wrong, found, true


@pytest.mark.parametrize("file", sorted(RECALL_FLOORS))
def test_look_alikes_of_other_events_stay_apart(db_location, file):
    """No two events of a template, and no firm with the region it is named after, share a
    story; each event's copies and reports still find one another as measured."""
    records, story_of = _stories(db_location, file)
    wrong, found, true = _pairs(records, story_of)
    assert not wrong, wrong
    assert found / true >= RECALL_FLOORS[file], (found, true)
