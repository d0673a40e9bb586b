"""A region that names a firm is not the region (crawler.stories.events.firms_named, as story
terms read places): « Atlas Wiring Solutions » opens a plant, snow falls on the Atlas. Texts
written for this test."""

from __future__ import annotations

import pytest

from crawler.stories.terms import story_terms


@pytest.mark.parametrize(
    ("title", "lead", "places"),
    [
        ("Atlas Wiring Solutions inaugure une usine à Kénitra", "", {"kenitra"}),
        ("Gaz : l'ONEE signe avec Sahara Group", "", {"onee"}),
        ("Rif Automobiles ouvre une concession à Nador", "", {"nador"}),
        ("Souss Primeurs vise 18.000 tonnes à l'export", "", set()),
        ("شركة أطلس وايرينغ تفتتح مصنعا", "", set()),
        # An English headline in Title Case says nothing; its lead does.
        (
            "Atlas Wiring Solutions Opens Plant In Kenitra",
            "The supplier Atlas Wiring Solutions opened a plant.",
            {"kenitra"},
        ),
    ],
)
def test_a_firm_named_after_a_region_is_no_place(title, lead, places):
    assert set(story_terms(title, lead).places) == places


@pytest.mark.parametrize(
    ("title", "lead", "place"),
    [
        ("Neige sur le Moyen Atlas et le Rif", "", "atlas"),
        ("Neige sur le Moyen Atlas et le Rif", "", "rif"),
        ("Le Sahara Occidental à l'ONU", "", "sahara"),
        ("Snow on the High Atlas Mountains", "", "atlas"),
        ("Storm Hits Rif Region", "", "rif"),
        ("Sécheresse dans le Souss", "", "souss-massa"),
        ("زخات رعدية بالأطلس المتوسط", "", "atlas"),
        ("ندوة حول الصحراء المغربية", "", "sahara"),
        # The firm and the region in one text: the region is there.
        ("Atlas Wiring Solutions s'installe au pied de l'Atlas", "", "atlas"),
        ("تساقطات بالأطلس وشركة أطلس وايرينغ", "", "atlas"),
    ],
)
def test_the_region_itself_is_a_place(title, lead, place):
    assert place in story_terms(title, lead).places


@pytest.mark.parametrize(
    ("lead", "place"),
    [
        ("Rains flooded the Rif Region, authorities said.", "rif"),
        ("Rains flooded the Souss-Massa Region on Monday.", "souss-massa"),
        ("The Sahara Desert advances on the oases, farmers say.", "sahara"),
        ("Heavy rains hit the Rif Tuesday, cutting roads.", "rif"),
        ("Snow fell across the Atlas Monday as temperatures dropped.", "atlas"),
        ("Harvests in the Souss January were the lowest in years.", "souss-massa"),
    ],
)
def test_a_region_followed_by_a_capitalised_common_word_is_the_region(lead, place):
    """English writes the region's own nouns with a capital (« the Rif Region », « the Sahara
    Desert ») and a day or month after it without « on » (« hit the Rif Tuesday »): neither is
    the word of a firm's name, and the region is the report's place."""
    assert place in story_terms("Weather and harvests", lead).places
