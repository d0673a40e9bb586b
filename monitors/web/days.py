"""The reader's days as bounds of a search, an export or a chart: a stored date is a moment
(« 2026-03-01T05:00:00Z ») or a day alone (« 2026-03-01 », 10 characters), and the two do not
sort as the days they stand for.

A day of the reader begins at midnight in the team's time zone (VEILLE_WEB_TIMEZONE): a moment
is compared with that start, a day alone with the day itself. Compared with the start alone, a
day given alone fell in the day before wherever the day begins at or after 00:00 UTC (UTC and
every zone west of it): « 2026-03-01 » sorts before « 2026-03-01T05:00:00Z », the 1st's start
in New York, so since the 1st left it out and before the 2nd took in the 2nd.

Each bound is one range on the date (the lower of the day and its start, or the higher), which
an index on the date reads, and a check of the rows in it by their kind.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DayBound:
    """A reader's day: `day` as stored alone (YYYY-MM-DD) and `begins`, the moment it begins in
    the team's time zone as the stored UTC text (monitors.service.lookback.reader_day)."""

    day: str
    begins: str

    @property
    def lowest(self) -> str:
        """The lower of the two as text: every date on or after the day is at or above it."""
        return min(self.day, self.begins)

    @property
    def highest(self) -> str:
        """The higher of the two as text: every date before the day is below it."""
        return max(self.day, self.begins)


def on_or_after(when: str, bound: DayBound, name: str, params: dict[str, object]) -> str:
    """SQL true where the stored date `when` (an expression) is on `bound`'s day or later: a day
    alone from the day on, a moment from the day's start on; its parameters added to `params`
    under `name`."""
    params |= {f"{name}_low": bound.lowest, f"{name}_day": bound.day, name: bound.begins}
    return (
        f"({when} >= :{name}_low AND CASE WHEN length({when}) = 10 "
        f"THEN {when} >= :{name}_day ELSE {when} >= :{name} END)"
    )


def before(when: str, bound: DayBound, name: str, params: dict[str, object]) -> str:
    """SQL true where the stored date `when` is before `bound`'s day: a day alone before the
    day, a moment before the day's start; its parameters added to `params` under `name`."""
    params |= {f"{name}_high": bound.highest, f"{name}_day": bound.day, name: bound.begins}
    return (
        f"({when} < :{name}_high AND CASE WHEN length({when}) = 10 "
        f"THEN {when} < :{name}_day ELSE {when} < :{name} END)"
    )
