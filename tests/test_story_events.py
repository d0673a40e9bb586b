"""What survives rewriting and translation (crawler.stories.events, crawler.stories.terms): names
by their consonants, places of the gazetteer in three languages, an event's phase, the language
of an article, figures rounded or scaled. Pure functions; the sets they serve are measured in
tests/test_story_set2.py."""

from __future__ import annotations

import pytest

from crawler.stories.events import language, name_sounds, number_words, phase, places, sounds
from crawler.stories.events import tokens as words
from crawler.stories.markers import markers
from crawler.stories.terms import same_figure


@pytest.mark.parametrize(
    "spellings",
    [
        ("Bourita", "Burita", "بوريطة"),
        ("Mudavadi", "مودافادي"),
        ("Vilda", "فيلدا"),
        ("Seghrouchni", "السغروشني"),
        ("Benzina", "بنزينة"),
    ],
)
def test_a_name_sounds_alike_in_every_spelling(spellings):
    assert len({sounds(words(s)[0]) for s in spellings}) == 1, spellings


def test_names_are_capitalised_words_inside_a_sentence_only():
    found = name_sounds("Exclusif : Bourita reçoit Mudavadi", "Urgent - la visite.", frozenset())
    assert found == {sounds("bourita"), sounds("mudavadi")}


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("à Rabat", "rabat"),
        ("بالرباط", "rabat"),
        ("في الدار البيضاء", "casablanca"),
        ("the High Commission for Planning said", "hcp"),
        ("المندوبية السامية للتخطيط", "hcp"),
        ("Le port Tanger Med", "tanger-med"),
        ("ومنتخب غانا", "ghana"),
        # What a brief names when it names no one (tests/fixtures/story_lookalikes/wire.yaml).
        ("Le litre de gasoil coûtera 30 centimes de moins", "gasoil"),
        ("ينخفض سعر الغازوال في محطات الوقود", "gasoil"),
        ("le prix de l'essence", "essence"),
        ("سعر البنزين", "essence"),
        ("Le taux de remplissage des barrages s'établit à 31,2 %", "remplissage-barrages"),
        ("نسبة ملء السدود", "remplissage-barrages"),
        ("وزارة التجهيز والماء", "ministere-equipement-eau"),
        # Who strikes (tests/fixtures/story_lookalikes/updates.yaml).
        ("Grève des enseignants : 62 % de participation", "enseignants"),
        ("نسبة المشاركة في إضراب الأساتذة", "enseignants"),
        ("Teachers' strike", "enseignants"),
        ("Les infirmiers paralysent les hôpitaux", "infirmiers"),
        ("الممرضون يشلون المستشفيات العمومية", "infirmiers"),
    ],
)
def test_places_and_institutions_in_three_languages(text, key):
    assert key in places(words(text))[0]


def test_a_longer_name_wins_and_common_words_are_no_place():
    found, _ = places(words("Le port Tanger Med reçoit un navire"))
    assert found == {"tanger-med"}
    assert not places(words("ميزانية مالية جديدة"))[0]  # « مالي » (financial) is not Mali


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Maroc-Ghana : la composition des Lionnes", "lineup"),
        ("القنوات الناقلة لمباراة المنتخب", "broadcast"),
        ("Vilda après le nul : en conférence de presse", "press"),
        ("تعادل سلبي بين المنتخبين", "result"),
        ("Les transporteurs réclament une aide", "demand"),
        ("وزارة الصحة تنفي وجود خصاص", "denial"),
        ("Le Conseil adopte le décret", None),
    ],
)
def test_the_phase_of_an_event(text, expected):
    assert phase(words(text)) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Morocco's inflation slows to 0.9% in August, the commission said", "en"),
        ("L'inflation ralentit à 0,9% en août selon le HCP", "fr"),
        ("التضخم يتراجع إلى 0.9 في المائة", "ar"),
        # Spanish shares « la », « de », « en », « que » with French: weighed against the rest.
        ("El balance del terremoto asciende a 31 muertos, según el Ministerio del Interior", "es"),
        ("La inflación se ralentiza al 0,9 % en agosto, según el HCP", "es"),
        ("La Bourse de Casablanca a terminé la séance en hausse", "fr"),
        ("Al Hoceima : la réunion de la commission de la région", "fr"),
    ],
)
def test_the_language_of_an_article(text, expected):
    assert language(text) == expected


@pytest.mark.parametrize(
    ("title", "lead", "figures"),
    [
        ("Covid-19 : 214 nouveaux cas", "au cours des dernières 24 heures", {"214"}),
        ("كوفيد-19: تسجيل 214 إصابة جديدة", "خلال 24 ساعة الماضية", {"214"}),
        ("Morocco records 214 new COVID-19 cases", "in the past 24 hours", {"214"}),
        ("Marruecos registra 214 casos", "en las últimas 24 horas", {"214"}),
        ("Grève de 48 heures des enseignants", "à 62 %", {"48", "62"}),  # a strike's length
        ("Raja - FUS : 2-1", "loi 09-08", {"2", "1", "9", "8"}),
    ],
)
def test_a_name_s_number_and_a_bulletin_s_period_are_no_figures(title, lead, figures):
    """« Covid-19 » and « les dernières 24 heures » are in every day's bulletin: taken for
    figures, they made the next day's agree with the day before's."""
    assert markers(title, lead) == figures


def test_figures_written_in_words():
    assert number_words(words("neuf accords, nine agreements, تسع اتفاقيات")) == {"9"}
    assert not number_words(words("يوم الاثنين"))  # Monday, not two


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("2.7", "2.6", True),  # 2,7 milliards / plus de 2,6 milliards
        ("1187", "1200", True),  # 1.187 médicaments / près de 1.200
        ("6", "6000", True),  # "6,000" read in English / 6.000
        ("13.95", "14", True),
        ("12", "13", False),  # two counts
        ("1.1", "1.2", False),  # two amounts
        ("5", "5.34", False),
        ("6:22", "6:22", True),
        ("6:22", "6", False),
        # From 100 up, within the coarser figure's last significant digit: a daily bulletin's
        # count, index or running total the next day is another figure.
        ("1312", "1245", False),  # active cases, two days
        ("13468.12", "13412.35", False),  # the MASI's close, two sessions
        ("447850", "412300", False),  # people vaccinated, two days
        ("5487", "5461", False),  # the dams' reserves, two days
        ("1190", "1187", True),
        ("1100", "1200", True),  # « plus de 1.100 » and « près de 1.200 » médicaments: 1.187
        ("412", "413", False),  # two counts
        ("3000", "3245", True),  # « plus de 3.000 »
        ("1.2", "1187000", True),  # « 1,2 million »
    ],
)
def test_rounded_and_scaled_figures(a, b, same):
    assert same_figure(a, b) is same and same_figure(b, a) is same
