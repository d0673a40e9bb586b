"""crawler.stories.templates: a templated dispatch with other names is not a copy.

The texts are written for this test (the wire's templates, as tests/fixtures/story_lookalikes):
two of one template with another country, person or province are told apart; a copy cut, with
an intro added, a name spelled another way, or a rewrite naming an institution otherwise, is
not."""

from __future__ import annotations

import pytest

from crawler.stories.templates import names_substituted

MESSAGE = (
    "Sa Majesté le Roi Mohammed VI a adressé un message de félicitations au président de la "
    "République {country}, M. {name}, à l'occasion de la fête nationale de son pays. Dans ce "
    "message, le Souverain exprime au président {last} ses sincères félicitations et ses "
    "meilleurs vœux de santé et de bien-être."
)
PERU = MESSAGE.format(country="du Pérou", name="José Jerí", last="Jerí")
GABON = MESSAGE.format(country="gabonaise", name="Brice Clotaire Oligui Nguema", last="Oligui")
TAZIA = (
    "بعث صاحب الجلالة الملك محمد السادس برقية تعزية ومواساة إلى أفراد أسرة المرحوم {name}، "
    "{role}. ومما جاء في هذه البرقية: « وبهذه المناسبة الأليمة، نعرب لكم، ومن خلالكم لكافة "
    "أهلكم وذويكم، عن أحر تعازينا وأصدق مواساتنا »."
)


def test_one_template_with_another_country_and_leader_is_another_event():
    assert names_substituted(PERU, GABON)
    assert names_substituted(GABON, PERU)


def test_a_copy_cut_or_with_an_intro_keeps_its_names():
    cut = PERU[: PERU.index(" Dans ce message")]
    assert not names_substituted(PERU, cut)
    assert not names_substituted(cut, PERU)
    intro = "Rabat - La fête nationale du Pérou a donné lieu à un message royal. " + PERU
    assert not names_substituted(PERU, intro)
    # Each outlet its own dateline.
    assert not names_substituted("Casablanca – " + PERU, "Rabat (MAP) – " + PERU)


def test_a_lead_cut_at_a_length_is_not_read_as_a_name_changed():
    """Leads are compared as read, cut at 400 characters: the word cut in two at the end of
    one is not another name."""
    assert len(GABON) > 300
    longer = GABON.replace("Sa Majesté", "Rabat, 18 sept. (MAP) - Sa Majesté")
    assert not names_substituted(GABON[:300], longer[:300], 300)


def test_a_name_spelled_another_way_is_the_same_name():
    other = PERU.replace("Jerí", "Jeri").replace("Pérou", "Perou")
    khatchatourian = MESSAGE.format(
        country="d'Arménie", name="Vahagn Khatchatourian", last="Khatchatourian"
    )
    khachaturian = khatchatourian.replace("Khatchatourian", "Khachaturian")
    assert not names_substituted(PERU, other)
    assert not names_substituted(khatchatourian, khachaturian)


def test_a_rewrite_naming_an_institution_otherwise_is_no_template():
    """Two outlets' words for one recall: they share under TEMPLATE_SHARE of their words."""
    a = (
        "L'ONSSA a ordonné jeudi le retrait d'un lot de biscuits importés. Les consommateurs "
        "qui en possèdent sont invités à ne pas les consommer."
    )
    b = (
        "L'Office a ordonné le retrait des rayons d'un lot de biscuits importés, soupçonnés "
        "de contenir des traces d'arachide non déclarées."
    )
    assert not names_substituted(a, b)


def test_arabic_condolences_to_two_families():
    """Arabic has no capitals: the names after an honorific (« المرحوم ») tell them apart."""
    first = TAZIA.format(name="أحمد بنسودة", role="الفنان المسرحي")
    second = TAZIA.format(name="عبد الرحيم الوزاني", role="الوزير السابق")
    assert names_substituted(first, second)
    assert not names_substituted(first, first[: first.index("ومما")])


def test_english_copies_and_template():
    text = (
        "His Majesty King Mohammed VI has sent a message of congratulations to the President "
        "of {country}, {name}, on the occasion of the country's national day. In the message, "
        "the Sovereign extends his sincere congratulations and best wishes."
    )
    peru = text.format(country="Peru", name="José Jerí")
    gabon = text.format(country="the Gabonese Republic", name="Brice Oligui Nguema")
    assert names_substituted(peru, gabon)
    assert not names_substituted(peru, peru.replace(" In the message,", " In it,"))


def test_a_copy_naming_the_king_otherwise_is_the_same_text():
    """Outlets running one wire dispatch write the King their own way (« Sa Majesté le Roi »,
    « SM le Roi », « le Souverain »; « His Majesty », « HM the King », « the Sovereign »): the
    same person, not another name in the template's place."""
    dated = "Rabat – " + PERU
    sm = dated.replace("Sa Majesté le Roi", "SM le Roi").replace("le Souverain", "SM le Roi")
    assert not names_substituted(dated, sm)
    assert not names_substituted(sm, dated)
    english = (
        "Rabat - His Majesty King Mohammed VI has sent a message of congratulations to the "
        "President of Peru, José Jerí, on the occasion of the country's national day. In the "
        "message, the Sovereign extends his sincere congratulations and best wishes."
    )
    hm = english.replace("His Majesty King", "HM King").replace("the Sovereign", "HM the King")
    assert not names_substituted(english, hm)
    # Another country and leader is still another event, however the King is written.
    assert names_substituted(sm, "Rabat – " + GABON)


# A dispatch naming an office or an institution, and a copy naming the office's holder or the
# institution by its acronym: one text (tests/fixtures/story_lookalikes/holders.yaml).
OFFICE_AND_HOLDER = [
    (
        "Kénitra – Le ministre de l'Industrie et du Commerce a inauguré mardi à Kénitra une usine "
        "de câblage automobile d'un investissement de 650 millions de dirhams.",
        "Kénitra – Ryad Mezzour a inauguré mardi à Kénitra une usine de câblage automobile d'un "
        "investissement de 650 millions de dirhams.",
    ),
    (
        "Rabat – Le Chef du gouvernement a présidé jeudi à Rabat la réunion de la Commission "
        "nationale de l'investissement, qui a approuvé 42 projets.",
        "Rabat – Aziz Akhannouch a présidé jeudi à Rabat la réunion de la Commission nationale "
        "de l'investissement, qui a approuvé 42 projets.",
    ),
    (
        "Oujda – Le wali de la région de l'Oriental a lancé lundi les travaux de la nouvelle "
        "station d'épuration de la ville, d'un coût de 480 millions de dirhams.",
        "Oujda – Khatib El Hebil a lancé lundi les travaux de la nouvelle station d'épuration de "
        "la ville, d'un coût de 480 millions de dirhams.",
    ),
    (
        "الرباط – ترأس رئيس الحكومة يوم الخميس بالرباط اجتماع اللجنة الوطنية للاستثمار التي "
        "صادقت على 42 مشروعا.",
        "الرباط – ترأس السيد عزيز أخنوش يوم الخميس بالرباط اجتماع اللجنة الوطنية للاستثمار التي "
        "صادقت على 42 مشروعا.",
    ),
    (
        "Rabat – The National Investment Committee, chaired by the Head of Government, approved "
        "42 projects.",
        "Rabat – The National Investment Committee, chaired by Aziz Akhannouch, approved 42 "
        "projects.",
    ),
]
ACRONYM_AND_NAME = [
    (
        "Rabat – L'Organisation mondiale de la santé a salué mercredi à Rabat la campagne "
        "nationale de vaccination contre la rougeole.",
        "Rabat – L'OMS a salué mercredi à Rabat la campagne nationale de vaccination contre la "
        "rougeole.",
    ),
    (
        "Benguerir – L'Université Mohammed VI Polytechnique a inauguré jeudi à Benguerir un "
        "centre de recherche sur l'hydrogène vert.",
        "Benguerir – L'UM6P a inauguré jeudi à Benguerir un centre de recherche sur l'hydrogène "
        "vert.",
    ),
    (
        "Rabat – La Commission nationale de contrôle de la protection des données à caractère "
        "personnel a infligé mardi une amende à un opérateur de téléphonie.",
        "Rabat – La CNDP a infligé mardi une amende à un opérateur de téléphonie.",
    ),
    (
        "Casablanca – L'Office chérifien des phosphates a annoncé jeudi à Casablanca un chiffre "
        "d'affaires de 68,4 milliards de dirhams au premier semestre, en hausse de 12 %.",
        "Casablanca – Le groupe OCP a annoncé jeudi à Casablanca un chiffre d'affaires de 68,4 "
        "milliards de dirhams au premier semestre, en hausse de 12 %.",
    ),
    (
        "الرباط – منحت الوكالة الوطنية لتقنين المواصلات يوم الثلاثاء أولى رخص الجيل الخامس لثلاثة "
        "متعهدين، بمبلغ إجمالي قدره 2,1 مليار درهم.",
        "الرباط – منحت ANRT يوم الثلاثاء أولى رخص الجيل الخامس لثلاثة متعهدين، بمبلغ إجمالي قدره "
        "2,1 مليار درهم.",
    ),
    (
        "الرباط – أمر المكتب الوطني للسلامة الصحية للمنتجات الغذائية يوم الجمعة بسحب حصة من "
        "الحليب المعلب من الأسواق، بعد رصد تلوث جرثومي.",
        "الرباط – أمر أونسا يوم الجمعة بسحب حصة من الحليب المعلب من الأسواق، بعد رصد تلوث جرثومي.",
    ),
]


@pytest.mark.parametrize(("office", "holder"), OFFICE_AND_HOLDER)
def test_an_office_and_the_person_holding_it_are_one_text(office, holder):
    """« Le Chef du gouvernement » and « Aziz Akhannouch » are one person, in either order."""
    assert not names_substituted(office, holder)
    assert not names_substituted(holder, office)


@pytest.mark.parametrize(("name", "acronym"), ACRONYM_AND_NAME)
def test_an_acronym_and_its_expansion_are_one_text(name, acronym):
    """« l'OMS » is « l'Organisation mondiale de la santé »; « أونسا » the ONSSA's Arabic name."""
    assert not names_substituted(name, acronym)
    assert not names_substituted(acronym, name)


def test_other_people_other_bodies_and_other_regions_are_still_templates():
    """A person is not another person, an acronym not another body whose initials it is not,
    one region's wali not another's, and a governor installed in another province is another
    installation."""
    _, holder = OFFICE_AND_HOLDER[0]
    assert names_substituted(holder, holder.replace("Ryad Mezzour", "Amine Tahraoui"))
    name, acronym = ACRONYM_AND_NAME[0]
    assert names_substituted(acronym, acronym.replace("L'OMS", "L'UNICEF"))
    assert names_substituted(name, name.replace("L'Organisation mondiale de la santé", "L'UNICEF"))
    wali = OFFICE_AND_HOLDER[2][0]
    assert names_substituted(wali, wali.replace("de l'Oriental", "Souss-Massa"))
    governor = (
        "Rabat – M. Ahmed Bennani a été installé lundi gouverneur de la province de Taza, "
        "en présence du wali de la région Fès-Meknès et des élus."
    )
    assert names_substituted(
        governor, governor.replace("Ahmed Bennani", "Karim Alami").replace("Taza", "Ifrane")
    )
