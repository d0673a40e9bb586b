"""What `veille demo` must show of its story told by several outlets, whatever the order its
crawls stored the pages in (tests/test_cli.py runs the demo in process, tests/test_installed.py
from a wheel)."""

from __future__ import annotations

from urllib.parse import quote

# The demo's cloud story: two French outlets' own write-ups and an Arabic report of the next day
# (25 hours after the first French one, 22 after the second), by the slug of each page.
CLOUD_PAGES = (
    "/souverainete-numerique-maroc-cloud-national/",  # Le Quotidien Numérique
    "/cloud-national-feuille-de-route/",  # Médias Éco
    quote("/السيادة-الرقمية-المغرب-الحوسبة-السحابية/"),  # الخبر التقني, as messages print it
)
CLOUD_OUTLETS = ("Le Quotidien Numérique", "Médias Éco", "الخبر التقني")


def assert_one_alert_for_the_story_of_several_outlets(output: str) -> None:
    """The demo's cloud story, told by two French outlets in their own words and in Arabic by a
    third, is one story whichever page the crawl stored first (tests/test_story_order.py): one
    alert for it, led by whichever version arrived first, listing the other two under "Aussi
    dans", and one story told by three outlets."""
    messages = [m.split("\nTermes trouvés")[0] for m in output.split("\n=== [veille] ")[1:]]
    cloud = [m for m in messages if any(page in m for page in CLOUD_PAGES)]
    assert len(cloud) == 1, messages
    assert "Aussi dans :\n- " in cloud[0]
    for page in CLOUD_PAGES:
        assert page in cloud[0], (page, cloud[0])
    told = [line for line in output.splitlines() if line.startswith("A story told by ")]
    assert len(told) == 1 and told[0].startswith("A story told by 3 outlets"), told
    for outlet in CLOUD_OUTLETS:
        assert outlet in told[0], (outlet, told[0])
