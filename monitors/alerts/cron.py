"""Crontab expressions read as cron reads them, turned into APScheduler triggers.

APScheduler 3's `CronTrigger.from_crontab` numbers weekdays from 0 = Monday, so the
`'0 8 * * 1-5'` people copy from cron ("weekdays at 08:00") fires Tuesday to Saturday, and it
cannot change in 3.x (agronholm/apscheduler #286, #455). This module parses the five fields
itself with cron's meaning (0 and 7 = Sunday, names `sun`…`sat` and `jan`…`dec`, ranges, lists,
steps; a day of month and a day of week both restricted fire when either matches) and hands
APScheduler explicit values and weekday names, which it cannot misread. Parsing is pure; an
invalid expression raises CrontabError with the offending field's position and a fix.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # parsing needs no scheduler; only crontab_trigger loads it
    from apscheduler.triggers.base import BaseTrigger

WEEKDAY_NAMES = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
MONTH_NAMES = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
MACROS = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}
EXAMPLE = "e.g. '0 8 * * 1-5' for 08:00 Monday to Friday (fields: minute hour day month weekday)"
_DAYS_IN_MONTH = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)  # February as in a leap year
_ITEM = re.compile(
    r"^(?:(?P<star>\*)|(?P<first>[0-9a-z]+)(?:-(?P<last>[0-9a-z]+))?)(?:/(?P<step>[0-9a-z]+))?$"
)


class CrontabError(ValueError):
    """An expression cron would not run as written: what is wrong, where, and how to fix it.
    `position` is the offset of the offending field in the expression (0 for the whole)."""

    def __init__(self, problem: str, fix: str = EXAMPLE, position: int = 0) -> None:
        super().__init__(f"{problem} (fix: {fix})")
        self.problem = problem
        self.fix = fix
        self.position = position


@dataclass(frozen=True)
class _Field:
    label: str
    low: int
    high: int
    names: tuple[str, ...] = ()
    name_base: int = 0  # the number of names[0]


_FIELDS = (
    _Field("minute", 0, 59),
    _Field("hour", 0, 23),
    _Field("day of month", 1, 31),
    _Field("month", 1, 12, MONTH_NAMES, 1),
    _Field("day of week", 0, 7, WEEKDAY_NAMES, 0),
)


@dataclass(frozen=True)
class Crontab:
    """A parsed expression: the values each field allows. `weekdays` are numbered as in cron
    (0 = Sunday … 6 = Saturday; 7 is folded into 0). `day_or_weekday` is cron's rule for a
    day of month and a day of week both restricted (neither starting with `*`): either fires."""

    expression: str
    minutes: frozenset[int]
    hours: frozenset[int]
    days: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]
    day_or_weekday: bool


@lru_cache(maxsize=256)
def parse_crontab(expression: str) -> Crontab:
    """The five fields of `expression` (or a macro such as `@daily`) with cron's meaning;
    raises CrontabError for anything cron would refuse or that never happens."""
    text = expression.strip()
    lead = len(expression) - len(expression.lstrip())
    if text.startswith("@"):
        if text.lower() not in MACROS:
            raise CrontabError(
                f"unknown macro {text!r}", f"use one of {', '.join(MACROS)}, or five fields"
            )
        text, lead = MACROS[text.lower()], -1
    fields = [(m.group(), m.start()) for m in re.finditer(r"\S+", text)]
    if len(fields) != 5:
        raise CrontabError(f"has {len(fields)} field(s), a crontab has 5")
    # Where each field starts in `expression` (0 for a macro), to point at the faulty one.
    starts = [0 if lead < 0 else lead + offset for _, offset in fields]
    values = [
        _parse_field(raw, spec, start)
        for (raw, _), spec, start in zip(fields, _FIELDS, starts, strict=True)
    ]
    minutes, hours, days, months, weekdays = values
    weekdays = frozenset(d % 7 for d in weekdays)
    day_or_weekday = not fields[2][0].startswith("*") and not fields[4][0].startswith("*")
    if not day_or_weekday and not any(d <= _DAYS_IN_MONTH[m - 1] for d in days for m in months):
        raise CrontabError(
            f"day of month {fields[2][0]} never falls in month {fields[3][0]}",
            "choose a day that exists in one of those months",
            starts[2],
        )
    return Crontab(expression, minutes, hours, days, months, weekdays, day_or_weekday)


def _parse_field(raw: str, spec: _Field, position: int) -> frozenset[int]:
    """The values of one field: a comma-separated list of `*`, `N`, `N-M`, each with an
    optional `/STEP`; names for months and weekdays."""
    values: set[int] = set()
    for item in raw.split(","):
        match = _ITEM.match(item.lower())
        if not match:
            raise CrontabError(
                f"{spec.label} {raw!r}: {item!r} is not a value, a range or a step",
                EXAMPLE,
                position,
            )
        step = _step(match["step"], raw, spec, position)
        if match["star"]:
            first, last = spec.low, spec.high
        else:
            first = _value(match["first"], raw, spec, position)
            if match["last"] is not None:
                last = _value(match["last"], raw, spec, position)
                if match["last"] == "sun" and first > 0:
                    last = 7  # `fri-sun` means Friday to Sunday, the end of cron's week
            elif match["step"] is not None:
                if spec.names is WEEKDAY_NAMES:  # 7 is Sunday again: `1/2` would include it
                    raise CrontabError(
                        f"{spec.label} {raw!r}: a step needs a range here",
                        f"write the days as a range or a list, e.g. {first}-6/{step} or 1,3,5",
                        position,
                    )
                last = spec.high
            else:
                last = first
            if first > last:
                raise CrontabError(
                    f"{spec.label} {raw!r}: the range {item} runs backwards",
                    _split_range_fix(first, last, spec),
                    position,
                )
        values.update(range(first, last + 1, step))
    return frozenset(values)


def _step(text: str | None, raw: str, spec: _Field, position: int) -> int:
    if text is None:
        return 1
    if not text.isdigit() or int(text) == 0:
        raise CrontabError(
            f"{spec.label} {raw!r}: the step {text!r} is not a whole number above 0",
            "e.g. */15 in the minute field for every quarter of an hour",
            position,
        )
    return int(text)


def _value(text: str, raw: str, spec: _Field, position: int) -> int:
    if text.isdigit():
        number = int(text)
        if not spec.low <= number <= spec.high:
            raise CrontabError(
                f"{spec.label} {raw!r}: {number} is out of range ({spec.low}-{spec.high})",
                _range_fix(spec),
                position,
            )
        return number
    if text in spec.names:
        return spec.names.index(text) + spec.name_base
    raise CrontabError(
        f"{spec.label} {raw!r}: {text!r} is not a {spec.label}", _range_fix(spec), position
    )


def _range_fix(spec: _Field) -> str:
    if spec.names is WEEKDAY_NAMES:
        return "days of week are 0-7 (0 and 7 are Sunday, 1 is Monday) or sun, mon … sat"
    if spec.names:
        return f"{spec.label}s are {spec.low}-{spec.high} or jan, feb … dec"
    return f"the {spec.label} goes from {spec.low} to {spec.high}"


def _split_range_fix(first: int, last: int, spec: _Field) -> str:
    if spec.names is WEEKDAY_NAMES:
        days = [*range(first, 8), *range(1, last + 1)]
        numbers = (f"{first}-7" if first < 7 else "0") + (
            f",1-{last}" if last > 1 else ",1" if last == 1 else ""
        )
        names = ",".join(WEEKDAY_NAMES[d % 7] for d in days)
        return f"split it at the end of the week: {numbers} (or {names})"
    numbers = f"{first}-{spec.high}," + (f"{spec.low}-{last}" if last > spec.low else f"{last}")
    return f"split it where the {spec.label} wraps: {numbers}"


def _listed(values: frozenset[int], every: range) -> str:
    return "*" if values >= set(every) else ",".join(str(v) for v in sorted(values))


@lru_cache(maxsize=256)
def crontab_trigger(expression: str, timezone: str) -> BaseTrigger:
    """An APScheduler trigger firing when cron would, in `timezone` (an IANA name)."""
    from apscheduler.triggers.combining import OrTrigger
    from apscheduler.triggers.cron import CronTrigger

    tab = parse_crontab(expression)
    common = {
        "second": "0",
        "minute": _listed(tab.minutes, range(60)),
        "hour": _listed(tab.hours, range(24)),
        "month": _listed(tab.months, range(1, 13)),
        "timezone": timezone,
    }
    days = _listed(tab.days, range(1, 32))
    # Weekday names, never numbers: APScheduler 3 would read 0 as Monday.
    weekdays = (
        "*" if len(tab.weekdays) == 7 else ",".join(WEEKDAY_NAMES[d] for d in sorted(tab.weekdays))
    )
    if tab.day_or_weekday:
        return OrTrigger(
            [
                CronTrigger(day=days, day_of_week="*", **common),
                CronTrigger(day="*", day_of_week=weekdays, **common),
            ]
        )
    return CronTrigger(day=days, day_of_week=weekdays, **common)


def next_fire_time(expression: str, timezone: str, after: datetime) -> datetime:
    """The first time strictly after `after` (an aware datetime) when `expression` fires in
    `timezone`, in that time zone."""
    # APScheduler rounds a start with microseconds up to the next second, which would skip a
    # fire time at that second: start from the next whole second instead.
    start = after.replace(microsecond=0) + timedelta(seconds=1)
    fire = crontab_trigger(expression, timezone).get_next_fire_time(None, start)
    if fire is None:  # parse_crontab refuses schedules that never happen
        raise CrontabError(f"{expression!r} never fires after {after.isoformat()}")
    return fire
