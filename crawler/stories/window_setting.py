"""The story window setting: how long a story stays open to new articles, from its first one.

Read where configuration is read (monitors.service.config for the service and the command line,
crawler.settings for a crawl run by Scrapy alone) and passed in to grouping
(crawler.stories.grouping), which never reads the environment itself. No heavy imports: the
configuration of every command checks it.
"""

from __future__ import annotations

# The same words a week later are another day's rubric or another event, and must be able to
# alert again: a story spans three days from its first article unless told otherwise.
DEFAULT_WINDOW_HOURS = 72
MAX_WINDOW_HOURS = 24 * 30
# The environment variable users set, and the Scrapy setting a crawl reads (the same name).
WINDOW_VARIABLE = "VEILLE_STORY_WINDOW_HOURS"


def parse_window_hours(value: str | int | None) -> int:
    """The story window in hours from a VEILLE_STORY_WINDOW_HOURS value: empty or None gives
    the default (72), anything but a whole number from 1 to 720 is refused, saying why."""
    text = "" if value is None else str(value).strip()
    if not text:
        return DEFAULT_WINDOW_HOURS
    if not text.isdigit() or not 1 <= int(text) <= MAX_WINDOW_HOURS:
        raise ValueError(
            f"{WINDOW_VARIABLE}={text!r}: give a whole number of hours between 1 and "
            f"{MAX_WINDOW_HOURS} (default {DEFAULT_WINDOW_HOURS}: a story spans three days from "
            "its first article)"
        )
    return int(text)
