"""Live pages and tolls that rise (crawler.stories.events.toll_rises, terms.toll_rose), and the
same news in two cities (crawler.stories.grouping._cities_apart): the decisions one by one. The
live pages of tests/fixtures/story_lookalikes/live.yaml (a flood, a fire, an election count, a
match, a bus accident, each beside the same kind of news elsewhere) are stored through the
importer in tests/test_story_lookalikes.py."""

from __future__ import annotations

import pytest

from crawler.core.normalize import normalize
from crawler.stories import events
from crawler.stories.grouping import (
    _bridge_terms,
    _bridged,
    _cities_apart,
    _counted_later,
    _may_update,
    _Member,
)
from crawler.stories.terms import figures_agree, names_conflict, story_terms, toll_rose

RISING = [
    ("Inondations à Tétouan : le bilan s'alourdit à 9 morts", "Selon un nouveau bilan."),
    ("Séisme : le bilan passe à 27 morts", "Les secours poursuivent les recherches."),
    ("Tetouan floods: death toll rises to 14", "Local authorities said on Tuesday."),
    ("Séisme à Al Hoceima : le bilan atteint 15 morts", "Selon le ministère de l'Intérieur."),
    ("Al Hoceima earthquake death toll reaches 22", "The Interior Ministry said."),
    ("ارتفاع حصيلة ضحايا فيضانات تطوان إلى 9 قتلى", "حسب السلطات المحلية."),
    ("Asciende a 16 el número de muertos", "El balance del accidente asciende a 16 muertos."),
    # Counts other than deaths.
    ("Incendie de Tazekka : la superficie brûlée passe à 900 hectares", "Selon l'ANEF."),
    ("Nador : le nombre de personnes évacuées passe à 3.400", "Selon la Protection civile."),
    ("Tanger : 95.000 foyers sans électricité", "Le nombre de foyers privés a atteint 95.000."),
    ("ارتفاع عدد الأشخاص الذين تم إجلاؤهم بالناظور إلى 3400 شخص", "حسب الوقاية المدنية."),
    ("Number of people evacuated in Nador rises to 3,400", "Civil Protection said."),
]
NOT_RISING = [
    ("Inondations à Tétouan : au moins 4 morts", "Quatre personnes ont trouvé la mort."),
    ("Le chômage passe à 12,8 %", "Selon le HCP, le taux de chômage passe à 12,8 %."),
    ("Bilan de la saison touristique", "Les arrivées ont reculé de 3 % sur un an."),
    # A turnout is no count: two strikes of one day each report theirs.
    ("Grève des enseignants : le taux de participation atteint 81 %", "Selon les syndicats."),
    ("نسبة المشاركة في إضراب الأساتذة تبلغ 81 في المائة", "حسب النقابات."),
]


@pytest.mark.parametrize(("title", "lead"), RISING)
def test_a_toll_that_rose_is_said(title, lead):
    assert events.toll_rises(normalize(f"{title} {lead}").split())


@pytest.mark.parametrize(("title", "lead"), NOT_RISING)
def test_no_toll_rose(title, lead):
    assert not events.toll_rises(normalize(f"{title} {lead}").split())


def test_a_later_higher_toll_agrees_with_the_earlier_report():
    first = story_terms(
        "Azilal : 11 morts dans le renversement d'un autocar", "11 morts et 23 blessés, lundi."
    )
    later = story_terms("Azilal : le bilan s'alourdit à 16 morts", "Selon un nouveau bilan.")
    assert not figures_agree(later, first)  # 16 against 11 and 23: two events, as figures go
    assert toll_rose(later, first)
    # Not the other way round, not a lower figure, not without saying the toll rose.
    assert not toll_rose(first, later)
    lower = story_terms("Azilal : le bilan s'alourdit à 9 morts", "Selon un nouveau bilan.")
    assert not toll_rose(lower, first)
    plain = story_terms("Azilal : 16 morts dans un accident", "Un autocar s'est renversé.")
    assert not toll_rose(plain, first)


def _member(article_id: int, title: str, lead: str) -> _Member:
    return _Member(article_id, 1, f"outlet{article_id}", 0, story_terms(title, lead), lead)


def test_the_same_news_in_another_city_is_another_event():
    tetouan = [
        _member(1, "Inondations à Tétouan : 4 morts", "Des crues de l'oued Martil à Tétouan."),
        _member(2, "Tetouan floods: toll rises to 14", "The floods that hit Tetouan."),
    ]
    safi = story_terms("Safi : deux morts dans des inondations", "Deux personnes ont péri à Safi.")
    assert _cities_apart(safi, tetouan, tetouan[0])
    # The same city named, or no city at all, says nothing.
    again = story_terms("Inondations : 9 morts", "Le bilan des crues de Tétouan s'alourdit.")
    assert not _cities_apart(again, tetouan, tetouan[0])
    nowhere = story_terms("Inondations : le bilan s'alourdit", "Les secours sont mobilisés.")
    assert not _cities_apart(nowhere, tetouan, tetouan[0])
    # A story whose first article names no city is not told apart by one.
    unplaced = [_member(3, "Inondations : 4 morts", "Des crues dans le nord du pays.")]
    assert not _cities_apart(safi, unplaced, unplaced[0])


@pytest.mark.parametrize(
    ("labelled", "names"),
    [
        ("EN DIRECT – Séisme de magnitude 6,2 dans la région de Taroudant", {"taroudant"}),
        ("LIVE: Taroudant earthquake death toll rises to 31", set()),
        ("Live - Taroudant earthquake death toll rises to 31", set()),
        ("Mis à jour : Incendie de Tazekka, 420 hectares ravagés", {"tazekka"}),
        ("UPDATE | Storm leaves 95,000 households without power in Tangier", {"tangier"}),
    ],
)
def test_a_live_or_update_label_is_no_name(labelled, names):
    """« EN DIRECT », « LIVE » in capitals before a title read as names no other outlet's title
    of the event names, and kept the live page's reports in another language apart."""
    assert set(story_terms(labelled, "").names) == names


def test_a_live_page_and_a_report_of_its_event_name_no_one_apart():
    live = story_terms(
        "EN DIRECT – Séisme de magnitude 6,2 dans la région de Taroudant",
        "13h20 – Un séisme de magnitude 6,2 a frappé lundi la province de Taroudant.",
    )
    report = story_terms(
        "LIVE: Taroudant earthquake death toll rises to 31",
        "The death toll from the magnitude 6.2 earthquake that struck Taroudant has risen to 31.",
    )
    assert not names_conflict(report, [live], live)
    # A name is still a name after the label (« Chari » against « DabaDoc »).
    chari = story_terms("EN DIRECT – Fintech : Chari lève 12 millions", "La fintech Chari lève.")
    dabadoc = story_terms("Santé : DabaDoc lève 12 millions", "La start-up DabaDoc lève.")
    assert names_conflict(dabadoc, [chari], chari)


@pytest.mark.parametrize(
    ("title", "lead", "updated"),
    [
        (
            "EN DIRECT – Séisme de Taroudant : le bilan passe à 19 morts",
            "Selon le ministère.",
            True,
        ),
        ("Séisme de Taroudant", "17h05 – Le bilan passe à 19 morts et 64 blessés.", True),
        ("زلزال تارودانت", "17:30 – ارتفعت حصيلة ضحايا الزلزال إلى 19 قتيلا.", True),
        ("Incendie de Tazekka : 420 hectares", "Mis à jour à 21h40. L'incendie a ravagé.", True),
        ("Tangier storm", "Updated: some 95,000 households are without power.", True),
        ("حريق تازكة", "آخر تحديث: أتى الحريق على 900 هكتار.", True),
        ("Incendie de Tazekka : 150 hectares ravagés", "Un incendie s'est déclaré jeudi.", False),
        ("تحديث الإدارة: الحكومة تصادق على مرسوم", "صادق مجلس الحكومة على مرسوم.", False),
        ("Bourse : séance à 13h30", "Le MASI a gagné 0,4 % à 13h30.", False),
        ("Live Nation annonce trois concerts à Rabat", "Le groupe américain.", False),
    ],
)
def test_an_update_or_a_live_page_says_so(title, lead, updated):
    assert story_terms(title, lead).updated is updated


def test_a_count_that_rose_is_told_by_its_figures_not_its_times():
    evening = story_terms(
        "Incendie de Tazekka : le feu a ravagé 420 hectares",
        "Mis à jour à 21h40. L'incendie a ravagé 420 hectares selon un nouveau bilan.",
    )
    morning = story_terms(
        "Incendie de Tazekka : la superficie brûlée passe à 900 hectares, 300 habitants évacués",
        "Mis à jour vendredi à 11h30. La superficie ravagée est passée à 900 hectares.",
    )
    # 21h40 and 11h30 are no counts; 900 hectares is more than 420, though 300 people are not.
    assert toll_rose(morning, evening)
    lower = story_terms("Incendie : la superficie brûlée passe à 300 hectares", "Mis à jour.")
    assert not toll_rose(lower, evening)


def _at(article_id: int, source: str, hour: int, title: str, lead: str) -> _Member:
    return _Member(article_id, 1, source, hour, story_terms(title, lead), lead)


def test_an_update_that_says_so_and_counts_more_may_come_the_next_day():
    first = _at(
        1,
        "le360",
        0,
        "Incendie dans le parc national de Tazekka : 150 hectares ravagés",
        "Un incendie s'est déclaré jeudi dans le parc national de Tazekka et a ravagé 150 hectares.",
    )
    morning = (
        "Incendie de Tazekka : la superficie brûlée passe à 900 hectares",
        "Mis à jour vendredi à 11h30. La superficie ravagée par l'incendie du parc national de "
        "Tazekka est passée à 900 hectares.",
    )
    assert _may_update(story_terms(*morning), 20, first)
    assert not _may_update(story_terms(*morning), 40, first)  # past LATER_UPDATE_HOURS
    # Without saying it is an update, or without a count that rose, the next day is another.
    unsaid = ("Incendie de Tazekka : la superficie brûlée passe à 900 hectares", morning[1][28:])
    assert not _may_update(story_terms(*unsaid), 20, first)
    bourse = _at(
        2,
        "lematin",
        0,
        "EN DIRECT – Bourse de Casablanca : le MASI clôture en hausse de 0,9 %",
        "15h35 – La Bourse de Casablanca a terminé la séance de ce lundi en hausse, le MASI "
        "gagnant 0,9 % à 13.418 points.",
    )
    next_session = story_terms(
        "EN DIRECT – Bourse de Casablanca : le MASI ouvre en hausse de 1,2 %",
        "10h20 – La Bourse de Casablanca a ouvert la séance de ce mardi en hausse, le MASI "
        "gagnant 1,2 % à 13.580 points.",
    )
    assert not _may_update(next_session, 19, bourse)


def test_a_report_of_the_count_an_update_raised_agrees_with_the_first_report():
    first = _at(
        1,
        "medias24",
        0,
        "Tempête à Tanger : 40.000 foyers privés d'électricité",
        "Quelque 40.000 foyers étaient privés d'électricité lundi matin à Tanger.",
    )
    update = _at(
        2,
        "medias24",
        6,
        "Tempête à Tanger : 95.000 foyers sans électricité",
        "Mis à jour à 13h45. Le nombre de foyers privés d'électricité à Tanger a atteint 95.000.",
    )
    report = story_terms(
        "Storm leaves 95,000 households without power in Tangier",
        "Some 95,000 households in Tangier were without electricity on Monday.",
    )
    assert not figures_agree(report, first.terms)
    assert _counted_later(report, 7, [first, update], first)
    # Not before the update, not another figure, not when another outlet's member does not
    # say its count rose.
    assert not _counted_later(report, 5, [first, update], first)
    other = story_terms("Storm leaves 60,000 households without power", "On Monday.")
    assert not _counted_later(other, 7, [first, update], first)
    unrisen = _at(3, "le360", 6, "Tanger : 95.000 foyers sans électricité", "Lundi à midi.")
    assert not _counted_later(report, 7, [first, unrisen], first)
    # The first report's own outlet's later version stands for it, whether or not its words
    # say the count rose: it joined the story as that report's update.
    version = _at(3, "medias24", 6, "Tanger : 95.000 foyers sans électricité", "Lundi à midi.")
    assert _counted_later(report, 7, [first, version], first)
    assert not _counted_later(report, 5, [first, version], first)


def test_a_days_count_is_not_the_count_of_the_day_before_raised():
    """A count that « atteint », « dépasse », « بلغ » is a day's or a month's figure of a report
    that says no update: the next day's report of a higher one is the next day's news, not this
    one's later count. Two outlets' daily counts of Marhaba travellers, a day apart, and the
    tourist arrivals at the end of May and of June were one story each."""
    for earlier, later in (
        (
            ("Aéroport Mohammed V : le nombre de passagers atteint 25.000", "Selon l'ONDA."),
            ("Aéroport Mohammed V : le nombre de passagers atteint 31.000", "Selon l'ONDA."),
        ),
        (
            ("Tourisme : le nombre d'arrivées dépasse 7 millions à fin mai", "Selon le ministère."),
            (
                "Tourisme : le nombre d'arrivées dépasse 8,9 millions à fin juin",
                "Selon le ministère.",
            ),
        ),
        (
            ("بلغ عدد المسافرين عبر مطار محمد الخامس 25 ألف مسافر", "حسب المكتب الوطني للمطارات."),
            ("بلغ عدد المسافرين عبر مطار محمد الخامس 31 ألف مسافر", "حسب المكتب الوطني للمطارات."),
        ),
    ):
        assert not toll_rose(story_terms(*later), story_terms(*earlier)), later
    # A count that « passe à » rose; one that « atteint » on an update or a live page too.
    first = story_terms("Nador : 1.200 personnes évacuées", "Selon la Protection civile.")
    for later in (
        ("Nador : le nombre de personnes évacuées passe à 3.400", "Selon la Protection civile."),
        ("Nador : le nombre de personnes évacuées atteint 3.400", "Mis à jour à 18h. Selon la PC."),
    ):
        assert toll_rose(story_terms(*later), first), later


def _rare(*members: _Member) -> dict[str, float]:
    """Every bridge term of these articles weighed as a rare one."""
    return {t: 5.0 for m in members for t in _bridge_terms(m.terms)}


def test_an_outlet_s_version_stands_for_its_report_across_languages_by_its_figures():
    """The Arabic report of the afternoon's turnout shares its bridges, the turnout among them,
    with the French update stating it, not with the morning's first report: the update stands
    for the first report. A report sharing only places and names with an update is no report
    of its figures: the English report of the fog at Casablanca's airport and its update are
    not the French report of a new Casablanca-Lisbon line that names Royal Air Maroc."""
    first = _at(
        1,
        "lesiteinfo",
        0,
        "Grève des enseignants : 62 % de participation selon les syndicats",
        "La grève nationale de 48 heures des enseignants, entamée mercredi, a été suivie à 62 % "
        "dans les établissements publics selon les syndicats.",
    )
    update = _at(
        2,
        "lesiteinfo",
        6,
        "Grève des enseignants : le taux de participation atteint 81 %, selon la coordination",
        "Mis à jour. Le taux de participation à la grève nationale des enseignants a atteint 81 % "
        "mercredi après-midi, selon la coordination des syndicats. Le ministère parle de 45 %.",
    )
    arabic = _at(
        3,
        "hibapress",
        7,
        "نسبة المشاركة في إضراب الأساتذة تبلغ 81 في المائة",
        "بلغت نسبة المشاركة في الإضراب الوطني للأساتذة 81 في المائة، حسب تنسيق النقابات "
        "التعليمية، فيما تحدثت الوزارة عن 45 في المائة.",
    )
    assert _bridged(arabic.terms, 7, [first, update], first, _rare(first, update, arabic), 72)

    fog = _at(
        1,
        "hespress-en",
        0,
        "Fog disrupts flights at Casablanca's Mohammed V airport",
        "Dense fog has delayed dozens of departures and diverted several arrivals to Marrakech "
        "and Rabat since early Saturday morning, passengers reported.",
    )
    fog_update = _at(
        2,
        "hespress-en",
        3,
        "Casablanca airport traffic returns to normal after morning fog",
        "Update: flights at Mohammed V airport are gradually resuming after the fog lifted late "
        "in the morning. Royal Air Maroc said some thirty flights had been delayed and six "
        "diverted, and advised passengers to check their flight status online.",
    )
    line = _at(
        3,
        "leconomiste",
        2,
        "RAM ouvre une ligne Casablanca-Lisbonne supplémentaire",
        "Royal Air Maroc ajoute à partir du 26 octobre une troisième fréquence quotidienne entre "
        "Casablanca et Lisbonne, opérée en Boeing 737 MAX.",
    )
    rare = _rare(fog, fog_update, line)
    assert not _bridged(line.terms, 2, [fog, fog_update], fog, rare, 72)
