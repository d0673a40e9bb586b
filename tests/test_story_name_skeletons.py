"""Names of too few consonants to compare (crawler.stories.events._name_sound, _skeleton):
« Ouahbi », « Wahbi » and « وهبي » give one consonant, « b », and were no name at all, so the
Arabic report of the minister's bill found no name in common with the French and English
ones. They are compared by their skeleton, with the w, h and y they write, when it holds a w;
« Mohammed » and « محمد » stay no name. tests/fixtures/story_lookalikes/spellings.yaml stores
such reports through the importer (tests/test_story_lookalikes.py)."""

from __future__ import annotations

import pytest

from crawler.stories.events import _name_sound, name_sounds, tokens
from crawler.stories.terms import STOPWORDS


def _sound(word: str) -> str | None:
    return _name_sound(tokens(word)[0], frozenset())


@pytest.mark.parametrize(
    "spellings",
    [("Ouahbi", "Wahbi", "وهبي"), ("Ouazzani", "الوزاني")],
)
def test_a_short_name_is_one_name_in_every_spelling(spellings):
    found = {_sound(word) for word in spellings}
    assert len(found) == 1 and None not in found, found


@pytest.mark.parametrize("word", ["Mohammed", "محمد", "Ahmed", "أحمد", "Hassan", "حسن", "وزير"])
def test_common_names_and_words_of_few_consonants_stay_no_name(word):
    assert _sound(word) is None


def test_names_of_enough_consonants_are_compared_as_before():
    assert _sound("Bourita") == _sound("بوريطة") == "brt"
    assert _sound("Akhannouch") == _sound("أخنوش") == "knc"


def test_the_reports_in_two_scripts_share_the_name():
    french = name_sounds(
        "Réforme du Code pénal",
        "Le ministre de la Justice, Abdellatif Ouahbi, a présenté",
        STOPWORDS,
    )
    arabic = name_sounds("وهبي يقدم مشروع إصلاح القانون الجنائي", "قدم وزير العدل", STOPWORDS)
    assert "~whby" in french & arabic
