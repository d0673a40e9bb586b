"""Stories across languages do not depend on which page was stored first (issue 25).

One event told by two French outlets, one Arabic and one English outlet, and a look-alike of
the same topic (the same minister, the same city, the next day's event), stored in every order
on both engines: the four reports are one story and the look-alike one of its own, whatever
came first. The Arabic and English reports come out a day after the first French one: 25 hours
after it (more than the day within which two languages are linked,
crawler.stories.grouping.TRANSLATION_HOURS) and 22 after the second. Before, when the first
French report was stored alone and the Arabic one came next, the Arabic one opened a story of
its own and stayed alone once the second French report joined the first; `veille demo` showed
its cloud story with or without its Arabic report depending on the crawl.
"""

from __future__ import annotations

import html
import itertools
import urllib.request
from datetime import datetime, timedelta

import pytest

from crawler.core.normalize import content_hash
from crawler.storage import store
from crawler.storage.importer import ImportRecord, import_records
from crawler.stories.store import story_count
from monitors.alerts.outbox import match_pending
from monitors.alerts.store import story_outlets
from monitors.service.watchlists import load_watchlists
from monitors.web import store as web_store
from monitors.web.app import ReaderConfig, create_app

from .reader_client import WATCHLISTS, running
from .story_corpus2 import LABELS, labelled_articles

pytestmark = pytest.mark.slow  # real databases on both engines (README, "Development")

SOURCES = ["lequotidien", "mediaseco", "alkhabar", "moroccoworld", "hespress-fr"]

# (source, hours after the first report, title, text): the event, then the look-alike.
EVENT = [
    (
        "lequotidien",
        0.0,
        "Souveraineté numérique : le Maroc accélère sur le cloud national",
        "Le ministère de la Transition numérique présente sa feuille de route pour héberger les "
        "données publiques au Maroc.\nRabat – La ministre déléguée chargée de la Transition "
        "numérique et de la Réforme de l'administration, Amal El Fallah Seghrouchni, a présenté "
        "mercredi à Rabat la feuille de route du gouvernement en matière de souveraineté "
        "numérique, devant un parterre d'opérateurs, de start-up et de représentants des "
        "collectivités territoriales.\nAu cœur du dispositif, un cloud national destiné à "
        "héberger les données sensibles de l'administration sur le territoire marocain.",
    ),
    (
        "mediaseco",
        2.5,
        "Cloud national : la feuille de route de la souveraineté numérique dévoilée à Rabat",
        "Rabat – La ministre déléguée chargée de la Transition numérique et de la Réforme de "
        "l'administration, Amal El Fallah Seghrouchni, a présenté mercredi à Rabat la feuille de "
        "route du gouvernement en matière de souveraineté numérique, devant des opérateurs, des "
        "start-up et des représentants des collectivités territoriales.\nAu cœur du dispositif, "
        "un cloud national destiné à héberger les données sensibles de l'administration.",
    ),
    (
        "alkhabar",
        24.75,
        "السيادة الرقمية: المغرب يسرّع مشروع الحوسبة السحابية الوطنية",
        "كشفت الوزيرة المنتدبة المكلفة بالانتقال الرقمي وإصلاح الإدارة، أمل الفلاح السغروشني، "
        "يوم الأربعاء بالرباط، عن خارطة طريق الحكومة في مجال السيادة الرقمية، أمام عدد من "
        "الفاعلين في القطاع والشركات الناشئة وممثلي الجماعات الترابية.\nويرتكز المشروع على "
        "سحابة وطنية لإيواء المعطيات الحساسة للإدارة داخل التراب المغربي.",
    ),
    (
        "moroccoworld",
        25.5,
        "Morocco fast-tracks a national cloud to keep public data at home",
        "Rabat – Minister Delegate for Digital Transition and Administrative Reform Amal El "
        "Fallah Seghrouchni on Wednesday presented in Rabat the government's roadmap for "
        "digital sovereignty to operators, start-ups and representatives of local authorities."
        "\nAt its heart is a national cloud that will host the administration's sensitive data "
        "on Moroccan soil.",
    ),
]
LOOK_ALIKE = (
    "hespress-fr",
    26.0,
    "Transition numérique : Amal El Fallah Seghrouchni lance un hackathon de l'administration",
    "Rabat – La ministre déléguée chargée de la Transition numérique et de la Réforme de "
    "l'administration, Amal El Fallah Seghrouchni, a donné jeudi à Rabat le coup d'envoi d'un "
    "hackathon de trois jours réunissant des développeurs, des start-up et des agents publics "
    "autour de services administratifs en ligne.",
)
ARTICLES = [*EVENT, LOOK_ALIKE]
# The expected grouping, by index in ARTICLES: the four reports, and the look-alike alone.
EXPECTED = {frozenset({0, 1, 2, 3}), frozenset({4})}

FIRST_REPORT = datetime.fromisoformat("2026-11-18T09:30:00+01:00")  # a Wednesday
# Each order is stored a month after the previous one: its stories' windows (72 hours) never
# meet, so one database holds every order and each order is grouped as in a database alone.
APART = timedelta(days=30)


def _article(index: int, order_number: int, entry: tuple | None = None) -> store.StoredArticle:
    source, hours, title, text = entry or ARTICLES[index]
    published = FIRST_REPORT + order_number * APART + timedelta(hours=hours)
    return store.StoredArticle(
        source,
        f"https://{source}.ma/{order_number}/{index}",
        title,
        None,
        published.isoformat(),
        None,
        None,
        None,
        text,
        # The same text a month later is another article here (the body hash is what finds a
        # text stored before, whatever its address).
        content_hash(f"{order_number}\n{text}"),
    )


def test_one_event_in_three_languages_is_one_story_in_every_order(db_location):
    """120 orders of five articles, each alone in its own month of one database: the same
    grouping every time."""
    db = store.open_database(db_location)
    store.add_sources(db, SOURCES)
    orders = list(itertools.permutations(range(len(ARTICLES))))
    grouped: dict[frozenset[frozenset[int]], list[tuple[int, ...]]] = {}
    for number, order in enumerate(orders):
        ids = {}
        # One store batch per order, its articles grouped one after the other in this order
        # (as one by one: tests/test_stories.py), in one transaction: cheaper on PostgreSQL.
        stored = store.store_articles(db, [_article(index, number) for index in order])
        for (article_id, is_new), index in zip(stored, order, strict=True):
            assert is_new
            ids[article_id] = index
        marks = ",".join("?" * len(ids))
        stories: dict[int, set[int]] = {}
        for article_id, story_id in db.execute(
            f"SELECT id, story_id FROM articles WHERE id IN ({marks})", list(ids)
        ).fetchall():
            stories.setdefault(story_id, set()).add(ids[article_id])
        grouping = frozenset(frozenset(members) for members in stories.values())
        grouped.setdefault(grouping, []).append(order)
    assert set(grouped) == {frozenset(EXPECTED)}, {
        tuple(sorted(tuple(sorted(m)) for m in g)): (len(o), o[:3]) for g, o in grouped.items()
    }
    # Each order's story is counted once: a story emptied into another is no story.
    assert story_count(db) == 2 * len(orders)


# A second Arabic report of the event, a rewrite of the first, an hour after it.
SECOND_ARABIC = (
    "hespress-ar",
    25.75,
    "الفلاح السغروشني تكشف خارطة طريق السيادة الرقمية والحوسبة السحابية الوطنية",
    "قدمت الوزيرة المنتدبة المكلفة بالانتقال الرقمي وإصلاح الإدارة أمل الفلاح السغروشني، يوم "
    "الأربعاء بالرباط، خارطة طريق الحكومة في مجال السيادة الرقمية، التي ترتكز على سحابة وطنية "
    "لإيواء المعطيات الحساسة للإدارة داخل التراب المغربي.",
)


def test_a_story_folded_into_another_keeps_its_alert(db_location, tmp_path):
    """The Arabic report alerts a watchlist written in Arabic while it is alone (the first
    French report was too early to join); the second French report then folds it into the
    French story. A second Arabic report joining that story later does not alert the watchlist
    again: one alert per story across languages, whichever story the alert was raised on. The
    alert names the outlets of the story it is in now."""
    db = store.open_database(db_location)
    store.add_sources(db, [*SOURCES, SECOND_ARABIC[0]])
    path = tmp_path / "watchlists.yaml"
    path.write_text(
        "watchlists:\n  - name: sahaba\n    title: Sahaba\n    query: 'السحابية'\n"
        "    notify: [console]\n",
        encoding="utf-8",
    )
    rules = load_watchlists(path)

    def stored(index: int, entry: tuple | None = None) -> int:
        article_id, _ = store.store_article(db, _article(index, 0, entry))
        return article_id

    first, arabic = stored(0), stored(2)
    story = dict(db.execute("SELECT id, story_id FROM articles").fetchall())
    assert story[first] != story[arabic]  # 25 hours apart: two stories, for now
    assert match_pending(db, *rules, max_age=None).alerts == 1  # the Arabic report's

    second = stored(1)  # the second French report, 22 hours before the Arabic one: one story
    late = stored(len(ARTICLES), SECOND_ARABIC)
    story = dict(db.execute("SELECT id, story_id FROM articles").fetchall())
    assert len({story[first], story[arabic], story[second], story[late]}) == 1, story
    assert match_pending(db, *rules, max_age=None).alerts == 0
    alerts = db.execute("SELECT article_id, watchlist FROM alerts").fetchall()
    assert [tuple(row) for row in alerts] == [(arabic, "sahaba")]
    (alert_id,) = db.execute("SELECT id FROM alerts").fetchone()
    # The story page lists the alert raised on the story folded into it.
    assert web_store.story_alerts(db, story[first]) == [("sahaba", alert_id)]
    assert {name for name, _, _ in story_outlets(db, arabic)} == {
        "lequotidien",
        "mediaseco",
        "alkhabar",
        "hespress-ar",
    }


def test_a_lone_report_is_folded_in_only_when_the_link_holds_both_ways(db_location):
    """From the second labelled set (tests/fixtures/stories2), in an order a shuffled crawl met
    them: the Arabic joint communiqué of Morocco and Kenya (a direct Casablanca-Nairobi air
    link) alone, then two French reports of Attijariwafa bank's half-year results. The second
    French report shares Casablanca and a figure with the communiqué; the communiqué shares
    nothing much with the first. One article's coincidence does not fold a lone report into
    another event's story: the link must hold from the lone report's side too."""
    wanted = [
        ("maroc-kenya-commission-mixte", "snrtnews"),
        ("attijariwafa-semestriels", "leconomiste"),
        ("attijariwafa-semestriels", "lematin"),
    ]
    records = {(r["story"], r["source"]): r for r in labelled_articles()}
    db = store.open_database(db_location)
    ids = []
    for line, key in enumerate(wanted, 1):
        fields = {k: v for k, v in records[key].items() if k not in LABELS}
        import_records(db, [ImportRecord(line=line, **fields)], alerts=False)
        ids.append(db.execute("SELECT max(id) FROM articles").fetchone()[0])
    story = dict(db.execute("SELECT id, story_id FROM articles").fetchall())
    communique, results, second = (story[i] for i in ids)
    assert results == second, "the two French reports of the results are one story"
    assert communique != results, "the communiqué stays alone"


def test_a_folded_story_s_page_leads_to_the_story_it_joined(tmp_path):
    """The reader's page of a story folded into another (/stories/ID, from a feed or a
    bookmark) leads to that story's page, which lists every report in its languages."""
    location = tmp_path / "veille.db"
    db = store.open_database(location)
    store.add_sources(db, SOURCES)
    for index in (0, 2, 1):  # the first French report, the Arabic one alone, the second French
        store.store_article(db, _article(index, 0))
    stories = [row[0] for row in db.execute("SELECT id FROM stories ORDER BY id").fetchall()]
    kept = db.execute("SELECT DISTINCT story_id FROM articles").fetchall()
    assert len(stories) == 2 and len(kept) == 1
    (folded,) = set(stories) - {kept[0][0]}
    db.close()
    config = ReaderConfig(db=str(location), watchlists=WATCHLISTS, raw_data=False)
    with running(create_app(config)) as base:
        answer = urllib.request.urlopen(f"{base}/stories/{folded}", timeout=60)
        page = html.unescape(answer.read().decode())
        answer.close()
        assert answer.geturl() == f"{base}/stories/{kept[0][0]}"
    for index in (0, 1, 2):
        assert ARTICLES[index][2] in page, ARTICLES[index][2]
