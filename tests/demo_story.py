"""What `veille demo` must show of its story told by several outlets, whatever the order its
crawls stored the pages in (tests/test_cli.py runs the demo in process, tests/test_installed.py
from a wheel)."""

from __future__ import annotations


def assert_one_alert_for_the_story_of_several_outlets(output: str) -> None:
    """The demo's cloud story, told by two French outlets in their own words (and in Arabic by a
    third, which joins it or not depending on which page the crawl stored first: the story then
    has three outlets and one alert, or two and the Arabic report alerts on its own): one alert
    for it, led by whichever version arrived first, listing the others under "Aussi dans"."""
    messages = [m.split("\nTermes trouvés")[0] for m in output.split("\n=== [veille] ")[1:]]
    cloud = [m for m in messages if "/cloud-national-feuille-de-route/" in m]  # Médias Éco's
    assert len(cloud) == 1, messages
    assert "Médias Éco" not in "".join(m for m in messages if m not in cloud)
    assert "Aussi dans :\n- " in cloud[0]
    assert "/souverainete-numerique-maroc-cloud-national/" in cloud[0]  # Le Quotidien's
    told = [line for line in output.splitlines() if line.startswith("A story told by ")]
    assert len(told) == 1 and told[0].startswith(("A story told by 2", "A story told by 3"))
    assert "Le Quotidien Numérique" in told[0] and "Médias Éco" in told[0]
