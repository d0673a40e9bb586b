"""What keeps two look-alike articles apart: the figures and days in their titles and leads.

Recurring rubrics (a daily weather forecast, currency rates, the Bourse's session report, heat-wave
bulletins) share 70-75 % of their word shingles from one day to the next: only the date and the
figures change. Grouped into one story, they would alert once and then never again, since alerts
go once per (watchlist, story). Copies of one story, on the other hand, carry the same figures.
So two articles whose titles and leads each give a figure or day the other lacks are different
stories however similar their words. Pure functions, no I/O.
"""

from __future__ import annotations

import functools
import re

LEAD_CHARACTERS = 400

_ARABIC_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
# A number as written in French and Arabic news: "13 245", "9,5", "1.200", "46".
# Each branch opens with its first digit and looks behind it ("(?<![\w.,]\d)": nothing of a
# word or number before that digit) rather than opening with the look-behind, so that the search
# skips to the digits instead of trying every character (the same matches, a third of the time).
_NUMBER = re.compile(
    r"\d(?<![\w.,]\d)\d{0,2}(?:[  .]\d{3})+(?:,\d+)?(?![\w])|\d(?<![\w.,]\d)\d*(?:[.,]\d+)?(?!\w)"
)
# A thousands separator inside a number ("13 245", "1.200"), taken out.
_THOUSANDS = re.compile(r"[  .](?=\d{3}\b)")
_YEAR = re.compile(r"^(?:19|20)\d{2}$")
# A time of day ("06:22", "13h30"): one figure, not two numbers.
_CLOCK = re.compile(r"(?<![\d:])([0-2]?\d)[:h]([0-5]\d)(?![\d:])")
# What every time of day holds: most texts have none, and are not searched for one.
_CLOCK_HINT = re.compile(r"\d[:h][0-5]\d")
_WEEKDAYS = {
    "lundi": "mon",
    "mardi": "tue",
    "mercredi": "wed",
    "jeudi": "thu",
    "vendredi": "fri",
    "samedi": "sat",
    "dimanche": "sun",
    "الاثنين": "mon",
    "الإثنين": "mon",
    "الثلاثاء": "tue",
    "الأربعاء": "wed",
    "الاربعاء": "wed",
    "الخميس": "thu",
    "الجمعة": "fri",
    "السبت": "sat",
    "الأحد": "sun",
    "الاحد": "sun",
    "monday": "mon",
    "tuesday": "tue",
    "wednesday": "wed",
    "thursday": "thu",
    "friday": "fri",
    "saturday": "sat",
    "sunday": "sun",
}
_WORD = re.compile(r"[^\W\d_]+")
# A word naming a weekday holds one of these names (after و and ال are taken off, it is one).
_WEEKDAY_HINT = re.compile("|".join(map(re.escape, _WEEKDAYS)))


def _weekday(word: str) -> str | None:
    return _WEEKDAYS.get(word) or _WEEKDAYS.get(word.removeprefix("و").removeprefix("ال"))


# Every word `_weekday` names a day for: a name, with و, ال or both before it (so a text's words
# are looked up in one set operation, not one by one).
_DAY_WORDS = {
    word: day
    for name in _WEEKDAYS
    for word in (name, f"و{name}", f"ال{name}", f"وال{name}")
    if (day := _weekday(word))
}
_EASTERN_DIGIT = re.compile("[\u0660-\u0669\u06f0-\u06f9]")  # what _ARABIC_DIGITS translates
# Numbers that are no figure of the event: one that is part of a name, joined to a word by a
# hyphen (« Covid-19 », « كوفيد-19 », « F-16 »: as « A320 », which the number's pattern never
# reads), and the period a bulletin counts over (« au cours des dernières 24 heures », « in the
# past 24 hours », « en las últimas 24 horas », « خلال 24 ساعة الماضية »). Every day's bulletin
# states them alike: shared, they made the next day's bulletin agree with the day before's.
_NAME_NUMBER = re.compile(r"[-‐‑](?<=[^\W\d_][-‐‑])\d+(?![\d.,]\d)")  # opens with the hyphen
_PERIOD = re.compile(
    r"\b(?:[Dd]erni[eè]res|[Pp]ast|[Ll]ast|[UuÚú]ltimas)\s+\d+\s+(?:heures|hours|horas)\b"
)
_ARABIC_PERIOD = re.compile(r"\d+\s+ساعة\s+(?:الماضية|الأخيرة)")


def _without_non_figures(head: str) -> str:
    """The head with a name's numbers and a bulletin's period taken out (see above). Most
    heads hold neither a hyphen before a digit nor an hour's word: looked for first."""
    if "-" in head or "‐" in head or "‑" in head:
        head = _NAME_NUMBER.sub(" ", head)
    if "eures" in head or "hours" in head or "horas" in head:
        head = _PERIOD.sub(" ", head)
    if "ساعة" in head:
        head = _ARABIC_PERIOD.sub(" ", head)
    return head


def markers(title: str | None, text: str | None) -> frozenset[str]:
    """The figures (years left out: every article of a year shares it) and weekdays of a title
    and the start of a text (the last few thousand are cached: a story's first article is
    compared with every newcomer that resembles it)."""
    return _markers(title or "", (text or "")[:LEAD_CHARACTERS])


@functools.lru_cache(maxsize=4096)
def _markers(title: str, lead: str) -> frozenset[str]:
    head = f"{title} \n {lead}"
    if _EASTERN_DIGIT.search(head):  # translate() looks every character up: only when needed
        head = head.translate(_ARABIC_DIGITS)
    head = _without_non_figures(head)
    found: set[str] = set()

    def clock(match: re.Match[str]) -> str:
        found.add(f"{int(match.group(1))}:{match.group(2)}")
        return " "

    if _CLOCK_HINT.search(head):
        head = _CLOCK.sub(clock, head)  # each time of day kept and taken out in one pass
    for number in _NUMBER.findall(head):
        value = (_THOUSANDS.sub("", number) if len(number) > 4 else number).replace(",", ".")
        if not _YEAR.match(value):
            found.add(value.rstrip("0").rstrip(".") if "." in value else value.lstrip("0") or "0")
    lowered = head.lower()
    if not _WEEKDAY_HINT.search(lowered):
        return frozenset(found)  # no weekday's name anywhere: none in any word either
    for word in _DAY_WORDS.keys() & set(_WORD.findall(lowered)):
        found.add(f"day:{_DAY_WORDS[word]}")
    return frozenset(found)


def conflicting(a: frozenset[str], b: frozenset[str]) -> bool:
    """Two articles each stating a figure or day the other does not are about different events
    or different days of one rubric (whose fixed figures, "de 11 h à 19 h", they may share).
    A copy that cuts or adds a passage keeps a subset or a superset of the original's."""
    return bool(a - b) and bool(b - a)
