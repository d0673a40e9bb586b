from crawler.core.normalize import content_hash, normalize, normalize_with_offsets


def test_case_and_accents_fold():
    assert normalize("La Souveraineté NUMÉRIQUE") == "la souverainete numerique"


def test_french_elisions_and_apostrophe_variants():
    assert normalize("l’État et d'autres, qu'il") == "etat et autres il"


def test_arabic_diacritics_tatweel_and_letter_variants():
    assert normalize("السِّيَادَةُ الرَّقْمِيَّة") == normalize("السيادة الرقميه")
    assert normalize("إدارة") == normalize("ادارة")
    assert normalize("الرقمـــية") == normalize("الرقمية")


def test_punctuation_dashes_and_nbsp_become_single_spaces():
    assert normalize("Fallah-Seghrouchni\u00a0:  «cloud»") == "fallah seghrouchni cloud"


def test_offsets_point_back_into_the_original():
    text = "Le cloud de l’État marocain"
    folded, offsets = normalize_with_offsets(text)
    assert len(folded) == len(offsets)
    start = folded.index("etat")
    assert text[offsets[start] : offsets[start + 3] + 1] == "État"


def test_content_hash_ignores_case_and_spacing_only():
    assert content_hash("Un texte.\n\nSur deux lignes") == content_hash(
        "un texte sur   deux lignes"
    )
    assert content_hash("Un texte") != content_hash("Un autre texte")
