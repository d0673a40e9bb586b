"""Dates and numbers as each language writes them (Babel, CLDR data), in the configured time
zone: "21 nov. 2026, 11:15" in French, "21 Nov 2026, 11:15" in English, "21 نونبر 2026" with
Moroccan month names in Arabic, and 1 234 / 1,234 / 1.234. Used by alerts and the reader.

Moroccan locales where CLDR has them (fr_MA, ar_MA: the months and digits people read in
Morocco), British English for day-first dates and a 24-hour clock. A stored date is shown as
precisely as it is known: a date without a time is shown as a date, not as midnight.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale
from babel.dates import format_date, format_time
from babel.numbers import format_decimal

from crawler.extraction.dates import parse_date, stored_precision
from monitors.alerts.policy import DEFAULT_TIMEZONE

LOCALES = {"fr": "fr_MA", "en": "en_GB", "ar": "ar_MA"}
# Arabic's medium date is all digits and slashes (21/11/2026 with bidi marks): the long one
# names the month, as the Moroccan press writes dates.
_DATE_LENGTH = {"ar_MA": "long"}


@lru_cache(maxsize=16)
def _locale(lang: str | None) -> Locale:
    return Locale.parse(LOCALES.get((lang or "fr").split("-")[0].lower(), "fr_MA"))


@lru_cache(maxsize=16)
def _zone(name: str) -> tzinfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(DEFAULT_TIMEZONE)


def format_when(
    value: str | None, lang: str | None, timezone: str = DEFAULT_TIMEZONE
) -> str | None:
    """A stored date (crawler.core.times.stored_date) as `lang` writes it in `timezone`: a
    moment in that zone, a day as its day (None when empty; the value itself when it is not a
    date). Its precision is the stored spelling's (stored_precision): « 2023-11-01T00:00:00Z »
    is 01:00 in Casablanca, not the day."""
    if not value:
        return None
    when = parse_date(value)
    if when is None:
        return value
    locale = _locale(lang)
    precision = stored_precision(value)
    if precision == "year":
        return format_date(when.date(), "y", locale=locale)
    if precision == "day":
        return format_date(when.date(), _length(locale), locale=locale)
    local = _in_zone(when, timezone)
    day = format_date(local.date(), _length(locale), locale=locale)
    time = format_time(local, "HH:mm", locale=locale)
    pattern = locale.datetime_formats.get("medium", "{1} {0}")
    return str(pattern).replace("{1}", day).replace("{0}", time)


def format_day(value: str | None, lang: str | None, timezone: str = DEFAULT_TIMEZONE) -> str | None:
    """The day only (list pages), in `timezone` when the value has a time."""
    if not value:
        return None
    when = parse_date(value)
    if when is None:
        return value
    if stored_precision(value) == "time":
        when = _in_zone(when, timezone)
    locale = _locale(lang)
    return format_date(when.date(), _length(locale), locale=locale)


def _in_zone(when: datetime, timezone: str) -> datetime:
    """`when` in `timezone`; as it was written when that is past the calendar there (a date of
    9999-12-31 late in UTC, east of UTC, an import's placeholder): the page showing it, or the
    alert naming it, would otherwise fail with OverflowError."""
    try:
        return when.astimezone(_zone(timezone))
    except OverflowError:
        return when


def _length(locale: Locale) -> str:
    return _DATE_LENGTH.get(str(locale), "medium")


def format_number(n: int | float, lang: str | None) -> str:
    return format_decimal(n, locale=_locale(lang))
