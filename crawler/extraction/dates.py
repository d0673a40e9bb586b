"""Publication dates with their precision and origin, and which one to believe.

A monitor that takes a wrong date for an article treats a fresh story as old and never alerts on
it, so a date here is never just a string: it says how precise it is (a time of day, a day, or
only a year, which is what date guessers return when they found "2025" somewhere) and where it
came from (the page's markup, the page's text, the feed or sitemap that listed the article).
`choose_published` then keeps the most trustworthy one: a precise feed or sitemap date is not
overridden by a vague or distant page date.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Literal, Protocol
from zoneinfo import ZoneInfo

from crawler.core.times import STORED_MOMENT

Precision = Literal["time", "day", "year"]

# Where a date came from, most trusted first when two disagree.
PAGE_PROFILE = "site profile"  # where the source's profile says its pages show the date
PAGE_MARKUP = "page markup"  # article:published_time, datePublished, <time datetime>
PAGE_METADATA = "page metadata"  # htmldate on the page's markup and URL
PAGE_BYLINE = "page byline"  # an aggregator's "Publié dans X le 23 - 07 - 2025"
PAGE_TEXT = "page text"  # htmldate's search of the whole text: a guess
FEED = "feed"  # the feed or news sitemap entry that listed the article
# « il y a 3 heures » where the profile says the date is, counted back from the fetch
PAGE_RELATIVE = "page date counted back from the fetch"

# A page date further than this from the feed's is about something else (an event, a launch).
AGREEMENT = timedelta(days=2)

# A publication date more than this after the page was fetched is a typo or a template's
# (« 2062 » for « 2026 », a placeholder), not the article's: kept, it would hold the article at
# the top of every newest-first list for years. A site that writes its local time as UTC is an
# hour ahead, a date known to the day up to a day: a day's margin keeps those.
FUTURE_MARGIN = timedelta(days=1)


@dataclass(frozen=True)
class FoundDate:
    """A date as found: ISO 8601 value, how precise it is, where it came from."""

    value: str
    precision: Precision
    origin: str
    # The site's time zone the value's time of day was read in, when the page gave none
    # (`on_site_clock`): `value` then carries that zone's offset, which the page did not write.
    clock: str | None = None

    @property
    def when(self) -> datetime | None:
        return parse_date(self.value)


def parse_date(value: str | None) -> datetime | None:
    """An ISO 8601 date or timestamp as an aware datetime (naive ones are taken as UTC)."""
    if not value:
        return None
    text = value.strip().replace("Z", "+00:00")
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        text += "T00:00:00"
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def precision_of(value: str) -> Precision:
    """How precise a date is as a page, a feed or a date guesser writes it (see stored_precision
    for a stored date): a time of day at midnight, on the writer's clock, is how a day alone is
    written, and date guessers return midnight on 1 January, without a zone, when they only
    found a year, so that is read as a year. A date that gives its zone (« Z », « +01:00 ») is
    no guess: a feed's or a page's midnight on 1 January is that day."""
    when = parse_date(value)
    if when is None:
        return "year"
    has_time = bool(_TIME_OF_DAY.search(value)) and (when.hour, when.minute) != (0, 0)
    if has_time:
        return "time"
    if (when.month, when.day) == (1, 1) and not _ZONE.search(value.strip()):
        return "year"
    return "day"


# A time of day after the date, « T » or a space before it, as crawler.core.times.stored_date
# reads it (it stores « 2026-11-20 10:00 » as a moment).
_TIME_OF_DAY = re.compile(r"\d[T ]\d{2}:\d{2}")
# A zone written after a time of day: « Z », « +01:00 », « -0500 ».
_ZONE = re.compile(r"\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(?:Z|[+-]\d{2}:?\d{2})$")


def gives_zone(value: str) -> bool:
    """Whether a date written with a time of day says its zone (« Z », « +01:00 »): one that
    does not (« 2026-11-12T10:30:00 », a byline's « 10:30 ») is read on the site's clock
    (`on_site_clock`)."""
    return bool(_ZONE.search(value.strip()))


def on_site_clock(date: FoundDate | None, timezone: str) -> FoundDate | None:
    """A page's time of day written without its zone, read on the site's own clock: a Moroccan
    byline's « 15:10 » or a meta tag's « 2026-11-19T15:10:00 » is 15:10 in Casablanca, 14:10 UTC
    (13:10 UTC would be wrong too, and 15:10 UTC, how it was read before, stored the article an
    hour late, after articles published after it, and in the next day near midnight). A day
    alone, or a value that gives its zone, is kept as it is."""
    if date is None or date.precision != "time" or gives_zone(date.value):
        return date
    when = parse_date(date.value)
    if when is None:
        return date
    local = when.replace(tzinfo=ZoneInfo(timezone))
    return replace(date, value=local.isoformat(timespec="seconds"), clock=timezone)


# The offsets a clock can have from UTC (Pacific/Kiritimati +14:00 to Etc/GMT+12 -12:00), in
# quarters of an hour (Nepal's +05:45).
_OFFSETS = (timedelta(hours=-12), timedelta(hours=14))
_QUARTER = timedelta(minutes=15)


def _same_moment(shown: datetime, declared: datetime) -> bool:
    """Whether a zoneless time (`shown`, read as UTC) is the declared moment on some clock:
    the two differ by a whole quarter of an hour within the offsets clocks have."""
    difference = shown.replace(second=0, microsecond=0) - declared.replace(
        second=0, microsecond=0
    ).astimezone(UTC)
    return _OFFSETS[0] <= difference <= _OFFSETS[1] and difference % _QUARTER == timedelta(0)


class DeclaredTime(Protocol):
    """A publication time a page declares with its zone (crawler.extraction.declared_zones)."""

    @property
    def value(self) -> str: ...

    @property
    def structured(self) -> bool: ...


def with_declared_zone(
    date: FoundDate | None, declared: Callable[[], Iterable[DeclaredTime]]
) -> FoundDate | None:
    """A zoneless time of day replaced by the one the page declares with its zone, where it
    declares one of that day: wired.com's JSON-LD « 2020-01-21T07:00:00.000 » (New York's
    clock), read on the site's clock, was stored hours off beside its own « 12:00:00.000Z ».
    First a declared time that is the same moment on some clock (any declaration of the
    publication, a script's publication data too: never a `<time>` of the text, whose event
    may fall a whole number of hours from it), then one of the same day written in the places
    made to declare it (JSON-LD, meta tags, the header's or byline's `<time datetime>`): those
    say the moment, where the zoneless one only says the site's clock. Only where none exists is the time read on the site's clock
    (`on_site_clock`). `declared` is read only when the date is a zoneless time."""
    if date is None or date.precision != "time" or gives_zone(date.value):
        return date
    shown = parse_date(date.value)
    if shown is None:
        return date
    same_day: str | None = None
    for candidate in declared():
        when = parse_date(candidate.value)
        if when is None or precision_of(candidate.value) != "time":
            continue
        if _same_moment(shown, when):
            return _declared(date, candidate.value)
        if same_day is None and candidate.structured and candidate.value[:10] == date.value[:10]:
            same_day = candidate.value
    return date if same_day is None else _declared(date, same_day)


def _declared(date: FoundDate, value: str) -> FoundDate:
    # The site's profile keeps its origin (it says where the site shows its day); any other
    # zoneless time gives way to the markup that declared its moment.
    origin = date.origin if date.origin == PAGE_PROFILE else PAGE_MARKUP
    return FoundDate(value.strip(), "time", origin)


# The two spellings of a stored date (crawler.core.times.stored_date): a moment in UTC, a day.
_STORED_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def stored_precision(value: str) -> Precision:
    """How precise a stored date is, read from the spelling storing gives every date
    (crawler.core.times.stored_date): a moment in UTC (« 2023-11-01T00:00:00Z ») is a time,
    whatever hour it reads, since storing writes a time of day only for a moment; a day alone
    (« 2026-01-01 ») is a day, 1 January too. precision_of reads dates as they are written,
    where midnight is a day and midnight on 1 January a year: on a stored date, an article
    written at 01:00 in Casablanca (« 2023-11-01T01:00:00+01:00 ») read as a day, and one of
    1 January as a year alone. No stored date is a year: choose_published keeps none, and a
    guesser's year stored by an import is its 1 January. Any other spelling (a value not
    stored, not a date) is read as written, by precision_of; the other timestamps veille
    writes (a fetch, a match) are moments in the stored spelling."""
    text = value.strip()
    if parse_date(text) is not None:
        if STORED_MOMENT.fullmatch(text):
            return "time"
        if _STORED_DAY.fullmatch(text):
            return "day"
    return precision_of(text)


# Origins read from a day and month the page shows (parse_shown_date, parse_day_first: « le
# 01 - 01 - 2026 », « 1 janvier 2026 »): their 1 January is that day, never a guesser's year.
SHOWN_DAYS = frozenset({PAGE_PROFILE, PAGE_BYLINE})


def found(value: str | None, origin: str) -> FoundDate | None:
    """A FoundDate for `value`, or None when there is no readable date."""
    if not value or parse_date(value) is None:
        return None
    precision = precision_of(value)
    if precision == "year" and origin in SHOWN_DAYS:
        precision = "day"
    return FoundDate(value.strip(), precision, origin)


# "23 - 07 - 2025", "23/07/2025", "23.07.2025": the day-first dates of Moroccan bylines. Not
# "28.09.1912:44", a two-digit year run into a time of day ("28.09.19 12:44").
_DAY_FIRST = re.compile(r"(?<!\d)(\d{1,2})\s*[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{4})(?![\d:])")


def parse_day_first(text: str) -> str | None:
    """The first day-first date in `text` as YYYY-MM-DD, if it is a real calendar date."""
    for day, month, year in _DAY_FIRST.findall(text):
        try:
            return datetime(int(year), int(month), int(day)).strftime("%Y-%m-%d")
        except ValueError:
            continue
    return None


_ISO_START = re.compile(
    r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2})?(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?)?"
)


# Month names of Arabic pages that date parsers do not know, by region: Moroccan (« 12 نونبر
# 2026 », « 23 غشت 2025 »), Algerian and Tunisian (« 8 فيفري 2019 »), Levantine and Iraqi
# (« 4 تشرين الثاني 2026 »), Egyptian (« 7 أغسطس 2026 », « يونيه »), with the standard ones they
# share. Written as _fold_arabic leaves them: alef without hamza or madda.
_ARABIC_MONTHS = {
    "يناير": 1,
    "جانفي": 1,
    "كانون الثاني": 1,
    "فبراير": 2,
    "فيفري": 2,
    "شباط": 2,
    "مارس": 3,
    "اذار": 3,
    "ابريل": 4,
    "افريل": 4,
    "نيسان": 4,
    "ماي": 5,
    "مايو": 5,
    "ايار": 5,
    "يونيو": 6,
    "يونيه": 6,
    "جوان": 6,
    "حزيران": 6,
    "يوليوز": 7,
    "يوليو": 7,
    "يوليه": 7,
    "جويلية": 7,
    "تموز": 7,
    "غشت": 8,
    "اغسطس": 8,
    "اوت": 8,
    "اب": 8,
    "شتنبر": 9,
    "سبتمبر": 9,
    "ايلول": 9,
    "اكتوبر": 10,
    "تشرين الاول": 10,
    "نونبر": 11,
    "نوفمبر": 11,
    "تشرين الثاني": 11,
    "دجنبر": 12,
    "ديسمبر": 12,
    "كانون الاول": 12,
}
# French, Spanish and English month names, for bylines htmldate does not read (« 12 de noviembre
# de 2026 »), accents as _fold_latin leaves them.
_LATIN_MONTHS = {
    **dict.fromkeys(["janvier", "enero", "january", "jan"], 1),
    **dict.fromkeys(["fevrier", "febrero", "february", "feb", "fev"], 2),
    **dict.fromkeys(["mars", "marzo", "march", "mar"], 3),
    **dict.fromkeys(["avril", "abril", "april", "apr", "avr"], 4),
    **dict.fromkeys(["mai", "mayo", "may"], 5),
    **dict.fromkeys(["juin", "junio", "june", "jun"], 6),
    **dict.fromkeys(["juillet", "julio", "july", "jul", "juil"], 7),
    **dict.fromkeys(["aout", "agosto", "august", "aug"], 8),
    **dict.fromkeys(["septembre", "septiembre", "setiembre", "september", "sep", "sept"], 9),
    **dict.fromkeys(["octobre", "octubre", "october", "oct"], 10),
    **dict.fromkeys(["novembre", "noviembre", "november", "nov"], 11),
    **dict.fromkeys(["decembre", "diciembre", "december", "dec"], 12),
}


def _alternation(names: dict[str, int]) -> str:
    # Longest first, so that « ابريل » is not read as « اب » nor « septembre » as « sept ».
    return "|".join(re.escape(name) for name in sorted(names, key=len, reverse=True))


_AR_MONTH = f"(?:{_alternation(_ARABIC_MONTHS)})"
# « 12 نونبر 2026 », « 4 تشرين الثاني/نوفمبر 2026 », « 7 نوفمبر (تشرين الثاني) 2026 »: a second
# name of the same month after a slash or in brackets.
_ARABIC_DAY_MONTH_YEAR = re.compile(
    rf"(?<!\d)(\d{{1,2}})\s+({_AR_MONTH})(?![\u0621-\u064a])"
    rf"(?:\s*[/(]\s*{_AR_MONTH}\s*\)?)?\s*،?\s*(\d{{4}})(?!\d)"
)
_LT_MONTH = f"(?:{_alternation(_LATIN_MONTHS)})"
# « 12 novembre 2026 », « 1er décembre 2026 », « 12 de noviembre de 2026 », « 12 Nov. 2026 »,
# « November 12, 2026 ».
_LATIN_DAY_MONTH_YEAR = re.compile(
    rf"(?<![\d\w])(\d{{1,2}})(?:er|º)?\s+(?:de\s+)?({_LT_MONTH})\.?(?![a-z])\s*,?\s+(?:de\s+)?(\d{{4}})(?!\d)"
)
_LATIN_MONTH_DAY_YEAR = re.compile(
    rf"(?<![a-z])({_LT_MONTH})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?\s*,?\s+(\d{{4}})(?!\d)"
)
_EASTERN_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "0123456789" * 2)
_ALEFS = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ـ": None})
_LATIN_ACCENTS = str.maketrans("éèêûôàç", "eeeuoac")
# A time of day, and after it the mark of the afternoon or of the morning (Egyptian pages write
# « 09:15 م » for 21:15); « 9:38 pmPosted: … » runs the mark into the next word.
_CLOCK = re.compile(
    r"(?<!\d)([01]?\d|2[0-3])[:h](\d{2})(?!\d)(?::\d{2}(?!\d))?"
    r"(?:\s*(?P<pm>م(?![\u0621-\u064a])|مساء|(?-i:(?:pm|PM|Pm)(?![a-z]))|p\.m\.)"
    r"|\s*(?P<am>ص(?![\u0621-\u064a])|صباحا|(?-i:(?:am|AM|Am)(?![a-z]))|a\.m\.))?",
    re.IGNORECASE,
)


def _named_month_day(text: str) -> str | None:
    """The first date written with a month's name in `text` (Arabic of every region, French,
    Spanish, English), as YYYY-MM-DD, if it is a real calendar date."""
    folded = text.translate(_ALEFS)
    arabic = _ARABIC_DAY_MONTH_YEAR.search(folded)
    if arabic:
        with contextlib.suppress(ValueError):
            return f"{datetime(int(arabic[3]), _ARABIC_MONTHS[arabic[2]], int(arabic[1])):%Y-%m-%d}"
    latin = text.casefold().translate(_LATIN_ACCENTS)
    for pattern, day_group, month_group in (
        (_LATIN_DAY_MONTH_YEAR, 1, 2),
        (_LATIN_MONTH_DAY_YEAR, 2, 1),
    ):
        hit = pattern.search(latin)
        if hit:
            with contextlib.suppress(ValueError):
                month = _LATIN_MONTHS[hit[month_group]]
                return f"{datetime(int(hit[3]), month, int(hit[day_group])):%Y-%m-%d}"
    return None


# A zone written after the time of day (« 11:34 PM EST », « 10:30 GMT+1 »), as minutes from UTC.
# Not « CST », which is China's as often as the United States' central time.
_ZONE_MINUTES = {
    "utc": 0,
    "gmt": 0,
    "wet": 0,
    "west": 60,
    "bst": 60,
    "cet": 60,
    "cest": 120,
    "est": -300,
    "edt": -240,
    "pst": -480,
    "pdt": -420,
}
_SHOWN_ZONE = re.compile(
    r"\s*\(?(" + "|".join(_ZONE_MINUTES) + r")(?![a-z])(?:\s*([+-])\s*(\d{1,2})(?::?(\d{2}))?)?",
    re.IGNORECASE,
)


def _clock(text: str) -> str | None:
    """The first time of day in `text` as HH:MM:SS, twelve hours on after an afternoon mark,
    with the zone written after it as an offset (« -05:00 ») where there is one."""
    hit = _CLOCK.search(text)
    if hit is None:
        return None
    hour = int(hit[1])
    if hit["pm"] and hour < 12:
        hour += 12
    elif hit["am"] and hour == 12:
        hour = 0
    clock = f"{hour:02d}:{hit[2]}:00"
    zone = _SHOWN_ZONE.match(text, hit.end())
    if zone is None:
        return clock
    minutes = _ZONE_MINUTES[zone[1].lower()]
    if zone[3]:
        minutes += (-1 if zone[2] == "-" else 1) * (int(zone[3]) * 60 + int(zone[4] or 0))
    sign = "-" if minutes < 0 else "+"
    return f"{clock}{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


# The words a byline puts before an update's date, and before the publication's (« Mis à jour
# le 13/11/2026 à 09:00 | Publié le 12/11/2026 à 10:30 », « Updated: 18 Nov 2019 9:38
# pmPosted: 18 Nov 2019 8:11 pm », « آخر تحديث … نشر في … »). Arabic is matched without its
# short vowels (« نُشر »).
_UPDATE_WORDS = re.compile(
    r"mise?\s+[àa]\s+jour|(?<![a-z])maj(?![a-z])|actualis[ée]|modifi[ée]\s+le|updated"
    r"|last\s+modified|actualizad[oa]|actualizaci[óo]n"
    r"|(?<![\u0621-\u064a])(?:اخر\s+تحديث|تم\s+التحديث|تحديث|محدث)(?![\u0621-\u064a])",
    re.IGNORECASE,
)
_PUBLICATION_WORDS = re.compile(
    r"publi[ée]|post[ée]|mis\s+en\s+ligne|posted|published|publicad[oa]"
    r"|(?<![\u0621-\u064a])(?:نشر|النشر)(?![\u0621-\u064a])",
    re.IGNORECASE,
)
_ARABIC_VOWELS = re.compile(r"[\u064b-\u0652]")
_DIGIT = re.compile(r"\d")


def publication_part(text: str) -> str:
    """The part of a byline that gives the publication's date, where it also gives an update's:
    from its publication word (« Publié », « Posted », « Publicado », « نشر ») to the update's
    word after it, if any. A theme that writes the update first (« Mis à jour le … Publié le
    … ») made the update's date the article's, and one that writes it after, with the
    publication's day alone, gave that day the update's time, named (« Publié le ») or not
    (« 12/11/2026 - Mis à jour … à 09:00 »). A byline naming no update, or starting with it and
    naming no publication, is kept whole."""
    text = _ARABIC_VOWELS.sub("", text).translate(_ALEFS)
    update = _UPDATE_WORDS.search(text)
    publication = _PUBLICATION_WORDS.search(text)
    if update is None:
        return text
    if publication is None:  # a date before the update's words is the publication's
        return text[: update.start()] if _DIGIT.search(text, 0, update.start()) else text
    if update.start() < publication.start():
        text = text[publication.start() :]
        later = _UPDATE_WORDS.search(text)
        return text if later is None else text[: later.start()]
    return text[: update.start()]


def update_part(text: str) -> str | None:
    """The part of a byline that gives an update's date (« Mis à jour le 13/11/2026 à 09h05 »),
    up to the publication's word after it, if any; None where it names no update."""
    text = _ARABIC_VOWELS.sub("", text).translate(_ALEFS)
    update = _UPDATE_WORDS.search(text)
    if update is None:
        return None
    publication = _PUBLICATION_WORDS.search(text, update.end())
    return text[update.start() : publication.start() if publication else None]


def names_an_update(text: str) -> bool:
    """Whether a byline gives an update's date and no publication's (« Mis à jour le … »)."""
    folded = _ARABIC_VOWELS.sub("", text).translate(_ALEFS)
    return bool(_UPDATE_WORDS.search(folded)) and not _PUBLICATION_WORDS.search(folded)


def ends_naming_an_update(text: str) -> bool:
    """Whether the last date word of `text` is an update's (« Publié le 12/11 · Mis à jour : »):
    what comes before a date that is the update's, not the publication's."""
    folded = _ARABIC_VOWELS.sub("", text).translate(_ALEFS)
    updates = [m.start() for m in _UPDATE_WORDS.finditer(folded)]
    publications = [m.start() for m in _PUBLICATION_WORDS.finditer(folded)]
    return bool(updates) and (not publications or updates[-1] > publications[-1])


def read_update_day(text: str) -> str | None:
    """The update's date a byline shows (`update_part`), as read_shown_day reads it, or None."""
    part = update_part(" ".join(text.split())[:200].translate(_EASTERN_DIGITS))
    return None if part is None else read_shown_day(part)


def read_shown_day(text: str) -> str | None:
    """A day as a page shows it in a byline, without guessing: an ISO date, a day-first numeric
    date (« 23/07/2025 - 10:45 »), or a day with a month's name (« الخميس 12 نونبر 2026 - 10:30 »,
    « ١٢ مايو ٢٠٢٦ », « 12 de noviembre de 2026 »), with the time of day shown, as ISO 8601, with
    the zone written after the time (« 11:34 PM EST », « 10:30 GMT+1 ») or none, or None. Of a
    byline giving an update's date and the publication's, the publication's
    (`publication_part`)."""
    text = publication_part(" ".join(text.split())[:200].translate(_EASTERN_DIGITS))
    iso = _ISO_START.search(text)
    if iso and parse_date(iso.group(0).replace(" ", "T")) is not None:
        return iso.group(0).replace(" ", "T")
    day = parse_day_first(text) or _named_month_day(text)
    if day is None:
        return None
    clock = _clock(text)
    return f"{day}T{clock}" if clock else day


# A byline's publication word at its start, and what follows it before the date (« Publié le »,
# « Posted: », « نشر في »): dateparser reads « il y a 3 heures », not « Publié il y a 3 heures ».
_LEADING_WORD = re.compile(
    rf"^(?:{_PUBLICATION_WORDS.pattern})\s*(?:[:,-]|\b(?:le|el|on|في|يوم)\b)?\s*",
    re.IGNORECASE,
)


def _dateparser_read(text: str, base: datetime) -> datetime | None:
    """dateparser's reading of a shown date, a relative one (« il y a 3 heures ») counted from
    `base`, a naive time on the site's clock."""
    import dateparser  # loaded on first use: only sources with a date_xpath need it

    text = _LEADING_WORD.sub("", text) or text

    # A day, a month and a year, or no date: a month and year alone (« Janvier 2026 », a
    # magazine's issue) or a year alone is no day, where dateparser fills in the 1st and the
    # current month, and that 1st is a day here (SHOWN_DAYS).
    return dateparser.parse(
        text,
        settings={
            "DATE_ORDER": "DMY",
            "REQUIRE_PARTS": ["day", "month", "year"],
            "RELATIVE_BASE": base,
        },
    )


# Two moments to count a shown date from: a date read the same from both is written whole; one
# read differently (« il y a 3 heures », « hier à 10h30 », « hace 2 horas », « منذ 3 ساعات ») is
# relative to when the page is read, and whether its time of day moved says if it shows one.
_PROBES = (datetime(2001, 1, 10, 12, 0), datetime(2001, 1, 20, 15, 7))


def _relative_readings(text: str) -> tuple[datetime, datetime] | None:
    """The shown date read from both probes, where it is relative to when it is read."""
    first, second = (_dateparser_read(text, base) for base in _PROBES)
    if first is None or second is None or first == second:
        return None
    return first, second


def parse_shown_date(text: str) -> str | None:
    """A date as a page shows it ("2025-07-23T10:45:00+01:00", "23/07/2025 - 10:45", "Mercredi
    23 juillet 2025", "23 يوليو 2025") as ISO 8601, or None. Numeric dates are read day first,
    as Moroccan sites write them; what read_shown_day does not read is left to dateparser. A
    date relative to when it is read (« il y a 3 heures ») is None here: it was counted from the
    moment of the extraction (a saved page's, a rerun's, the test's), and is counted from the
    fetch by `counted_from_fetch` instead."""
    shown = read_shown_day(text)
    if shown is not None:
        return shown
    text = publication_part(" ".join(text.split())[:200])
    when = _dateparser_read(text, _PROBES[0])
    if when is None or when != _dateparser_read(text, _PROBES[1]):
        return None
    if (when.hour, when.minute) == (0, 0):
        return when.strftime("%Y-%m-%d")
    return when.strftime("%Y-%m-%dT%H:%M:%S")


def is_relative(text: str) -> bool:
    """Whether a shown date is relative to when the page is read (« il y a 3 heures », « hier à
    10h30 »), which only the fetch's moment can date."""
    if read_shown_day(text) is not None:
        return False
    return _relative_readings(publication_part(" ".join(text.split())[:200])) is not None


# How far back a date shown relative to the fetch is counted: « il y a 3 semaines », « hace 2
# meses » say a week or a month, not a day, and a page kept in a cache shows them long after.
MAX_COUNTED_BACK = timedelta(days=7)


def counted_from_fetch(text: str, fetched: datetime, timezone: str) -> tuple[FoundDate | None, str]:
    """A date a page shows relative to when it is read (« il y a 3 heures », « hace 2 horas »,
    « منذ 3 ساعات », « hier à 10h30 »), counted back from `fetched` (an aware moment) on the
    site's clock, and what was done, to be said: a time of day where the page shows one or
    where it counts in hours or minutes, a day where it counts in days, and nothing (said why)
    for a date after the fetch or more than MAX_COUNTED_BACK before it. Its origin,
    PAGE_RELATIVE, never overrides a feed's date (choose_published)."""
    squashed = publication_part(" ".join(text.split())[:200])
    readings = _relative_readings(squashed)
    if readings is None:
        return None, f"« {squashed} » is not a date relative to the fetch"
    zone = ZoneInfo(timezone)
    local = fetched.astimezone(zone).replace(tzinfo=None, microsecond=0)
    when = _dateparser_read(squashed, local)
    if when is None:
        return None, f"« {squashed} » could not be counted back from the fetch"
    back = local - when
    if back < timedelta(0) or back > MAX_COUNTED_BACK:
        return None, (
            f"« {squashed} » counted back from the fetch ({fetched:%Y-%m-%dT%H:%M:%SZ}) is "
            f"{when:%Y-%m-%d %H:%M} on the site's clock, "
            + ("after the fetch" if back < timedelta(0) else "more than 7 days before it")
            + ": not kept as the publication date"
        )
    first, second = readings
    if first.time() == second.time():  # the page shows its time of day (« hier à 10h30 »)
        value = when.strftime("%Y-%m-%dT%H:%M:%S")
    elif (first - _PROBES[0]) % timedelta(days=1):  # « il y a 3 heures »: to the minute
        value = when.strftime("%Y-%m-%dT%H:%M:00")
    else:  # « il y a 2 jours », « hier », « aujourd'hui » (not the fetch's time): the day
        value = when.strftime("%Y-%m-%d")
    date = on_site_clock(found(value, PAGE_RELATIVE), timezone)
    return date, (
        f"« {squashed} » counted back from the fetch ({fetched:%Y-%m-%dT%H:%M:%SZ}): "
        f"{date.value if date else value}"
    )


def choose_published(page: FoundDate | None, listed: FoundDate | None) -> FoundDate | None:
    """The publication date to store, from what the page says and what its feed/sitemap said.

    - A year-only date is never a publication date (it is what a guesser makes of "2025").
    - A date guessed from the page's text, or counted back from the fetch (« il y a 3
      heures »), never overrides a listed date.
    - A listed date wins over a page date more than two days away from it: the page date is then
      an event's date, a launch year or a template's, not the article's.
    - Otherwise the more precise of the two wins (the page's own timestamp when it has one).
    """
    if page is not None and page.precision == "year":
        page = None
    if listed is not None and listed.precision == "year":
        listed = None
    if page is None or listed is None:
        return page or listed
    if page.origin == PAGE_PROFILE:
        return page  # read where the source's profile says its pages show their date
    if page.origin in (PAGE_TEXT, PAGE_RELATIVE):
        return listed
    page_when, listed_when = page.when, listed.when
    if page_when is None or listed_when is None:
        return listed if page_when is None else page
    if page.precision == "day":
        page_when = page_when.replace(hour=12)  # a day is within a day of any time of that day
    if abs(page_when - listed_when) > AGREEMENT:
        return listed
    rank = {"time": 2, "day": 1, "year": 0}
    return page if rank[page.precision] >= rank[listed.precision] else listed


def in_the_future(date: FoundDate, now: datetime) -> bool:
    """The date is more than FUTURE_MARGIN after `now` (the moment the page was fetched)."""
    when = date.when
    return when is not None and when > now + FUTURE_MARGIN
