"""Results round-ups and scores (crawler.stories.events.roundup, scores): a round-up lists one
match among many and is not that match's story; two matches of one evening share the figures
of their scores, not their scores. The look-alikes of tests/fixtures/story_lookalikes/
roundups.yaml are stored through the importer in tests/test_story_lookalikes.py; here, the
decisions one by one, in the four languages of the press."""

from __future__ import annotations

import pytest

from crawler.stories import events
from crawler.stories.terms import figures_agree, phase_conflict, story_terms

ROUNDUPS = [
    # A matchday's results in a list, in French, Arabic, English and Spanish.
    (
        "Botola Pro D1 : les résultats de la 4e journée",
        "Voici les résultats : Raja - FUS 2-1, Wydad - MAS 1-1, AS FAR - CODM 3-0, RSB - IRT 2-0.",
    ),
    (
        "نتائج مباريات الجولة الرابعة من البطولة الاحترافية",
        "جاءت النتائج كالتالي: الرجاء 2-1 الفتح، الوداد 1-1 المغرب الفاسي، الجيش 3-0 شباب المحمدية.",
    ),
    (
        "CAF Champions League: first-leg results",
        "Wydad 1-0 Simba, AS FAR 3-1 Al Hilal, RS Berkane 2-2 ASEC Mimosas, Raja 0-1 Pyramids.",
    ),
    (
        "Resultados de la jornada de clasificación africana",
        "Marruecos 2-0 Zambia, Congo 1-1 Tanzania, Egipto 1-0 Etiopía, Senegal 3-1 Togo.",
    ),
    # Said in words, with no list of scores in the lead: the title says what it is.
    (
        "نتائج مباريات الدوري الإنجليزي الممتاز",
        "فاز ليفربول على أرسنال بهدفين لهدف، وتعادل مانشستر سيتي مع تشيلسي، وخسر توتنهام 1-0.",
    ),
    # Eastern Arabic digits.
    (
        "حصيلة الجولة الخامسة",
        "الرجاء ٢-١ الفتح، الوداد ١-١ المغرب الفاسي، الجيش ٣-٠ شباب المحمدية، بركان ٢-٠ طنجة.",
    ),
]

NOT_ROUNDUPS = [
    # One match, its score in the title and the lead, and the other game of its group.
    (
        "Qualifications : le Maroc bat la Zambie (2-0) à Agadir",
        "Les Lions de l'Atlas ont battu la Zambie (2-0) mardi lors de la 6e journée. Dans l'autre "
        "match du groupe, le Congo et la Tanzanie se sont neutralisés (1-1).",
    ),
    (
        "Raja Casablanca edge FUS Rabat 2-1 in Botola Pro",
        "Raja Casablanca beat FUS Rabat 2-1 on Saturday in the third round of the Botola Pro.",
    ),
    # Results that are no matches': a round of talks, a bank's half-year, an exam, dates.
    (
        "نتائج الجولة الثانية من الحوار الاجتماعي",
        "أعلنت الحكومة والنقابات نتائج الجولة الثانية من الحوار الاجتماعي، ومنها زيادة في الأجور.",
    ),
    (
        "Attijariwafa bank : des résultats semestriels en hausse de 12 %",
        "Le groupe a publié mardi ses résultats du premier semestre 2026, en hausse de 12 %.",
    ),
    (
        "Résultats du baccalauréat : un taux de réussite de 68 %",
        "Le ministère a annoncé les résultats de la session 2025-2026 du baccalauréat, le 12-07.",
    ),
    (
        "Journée d'étude sur l'eau à Rabat : les résultats d'une enquête",
        "Une journée d'étude a présenté les résultats d'une enquête menée auprès de 15-20 % des "
        "ménages de la région, entre 2019-2024.",
    ),
]


@pytest.mark.parametrize(("title", "lead"), ROUNDUPS)
def test_a_list_of_results_is_a_roundup(title, lead):
    assert events.roundup(title, lead)
    assert story_terms(title, lead).phase == events.ROUNDUP


@pytest.mark.parametrize(("title", "lead"), NOT_ROUNDUPS)
def test_one_match_or_other_results_are_no_roundup(title, lead):
    assert not events.roundup(title, lead)
    assert story_terms(title, lead).phase != events.ROUNDUP


def test_a_roundup_is_in_conflict_with_any_report_and_not_with_another_roundup():
    roundup = story_terms(*ROUNDUPS[0])
    match_with_phase = story_terms(*NOT_ROUNDUPS[1])  # « beat »: a result
    match_without = story_terms("Raja - FUS : 2-1", "Le Raja a reçu le FUS samedi soir.")
    assert match_with_phase.phase == "result" and match_without.phase is None
    assert phase_conflict(roundup, match_with_phase) and phase_conflict(match_with_phase, roundup)
    assert phase_conflict(roundup, match_without) and phase_conflict(match_without, roundup)
    assert not phase_conflict(roundup, story_terms(*ROUNDUPS[1]))
    # Two reports of no phase, or of one, are as before.
    assert not phase_conflict(match_without, match_without)
    assert not phase_conflict(match_with_phase, match_without)


def test_scores_are_read_from_either_side():
    assert events.scores("Raja - FUS 2-1", "Le FUS s'incline 1 - 2.") == {"2-1"}
    assert events.scores("الرجاء ٢-١ الفتح", "") == {"2-1"}
    assert events.scores("Le bac 2025-2026", "le 12-07-2026, 15-20 % des élèves, 1,5-2,5") == set()


@pytest.mark.parametrize(
    "text",
    [
        "La CNDP rappelle les obligations de la loi 09-08 aux opérateurs",
        "Le projet de loi n° 43-20 relatif aux services de confiance",
        "Law 09-08 on personal data and the new decree No. 2-22",
        "القانون رقم 09-08 المتعلق بحماية المعطيات الشخصية",
        "Les lois 31-13, 43-20, 05-20 et 09-08 encadrent le numérique",
        "Des températures de 10-15 °C attendues à Ifrane, 8-12h de pluie",
    ],
)
def test_law_numbers_and_ranges_are_no_scores(text):
    """Moroccan tech news cites its laws by number as sport gives scores (« loi 09-08 »): read
    as scores, two reports of one event citing two laws never agreed, and four laws made an
    article a round-up of results, in a story of its own."""
    assert events.scores(text, "") == set()
    assert not events.roundup(text, text)


def test_a_score_beside_a_law_number_is_still_read():
    assert events.scores("Après la loi 09-08, le Raja bat le FUS 2-1", "") == {"2-1"}
    assert events.scores("Wydad - MAS : 0-0", "le WAC 10-0 en coupe") == {"0-0", "10-0"}


def test_two_reports_citing_other_laws_agree_by_their_figures():
    cndp = story_terms(
        "La CNDP met en demeure 12 opérateurs",
        "La CNDP a mis en demeure 12 opérateurs au titre de la loi 09-08.",
    )
    rewrite = story_terms(
        "Données personnelles : 12 opérateurs mis en demeure",
        "Douze opérateurs, dont 12 centres d'appels, visés ; la loi 05-20 citée aussi.",
    )
    assert not cndp.scores and not rewrite.scores
    assert figures_agree(cndp, rewrite)


def test_two_matches_of_one_evening_do_not_agree_on_their_figures():
    """« 1-1 » states the 1 of « 2-1 »: as figures they agree, as scores they do not."""
    raja = story_terms("Le Raja domine le FUS (2-1)", "Le Raja a battu le FUS (2-1) samedi.")
    wydad = story_terms("Le Wydad tenu en échec par le MAS (1-1)", "Le Wydad et le MAS (1-1).")
    copy = story_terms("Raja-FUS : 2-1", "Victoire du Raja face au FUS, 2-1, samedi.")
    assert raja.figures & wydad.figures  # what agreed before
    assert not figures_agree(raja, wydad) and not figures_agree(wydad, raja)
    assert figures_agree(raja, copy)
    # A report stating no score agrees as before (by its figures).
    words = story_terms("Le Raja s'impose face au FUS", "Deux buts à un pour le Raja, samedi.")
    assert figures_agree(raja, words)
