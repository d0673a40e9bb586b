"""crawler.stories.templates: a templated dispatch with other names is not a copy.

The texts are written for this test (the wire's templates, as tests/fixtures/story_lookalikes):
two of one template with another country, person or province are told apart; a copy cut, with
an intro added, a name spelled another way, or a rewrite naming an institution otherwise, is
not."""

from __future__ import annotations

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
