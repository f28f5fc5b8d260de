"""The Chinese working-day calendar.

Weekends and statutory holidays are off, adjusted working weekends (调休) are on.
The schedule comes from the `holidays` package's CN data; the admin's
`CalendarOverride` rows win over it, and `CalendarYear` rows confirm years the
package does not know yet. A result that passes through a year whose schedule
is not confirmed is *provisional*: we compute it on plain weekends and say so,
never silently.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache

import holidays

ONE_DAY = dt.timedelta(days=1)


@lru_cache(maxsize=1)
def _library_years() -> frozenset[int]:
    """Years whose State Council schedule the library carries (its special days)."""
    return frozenset(holidays.China(years=2000).special_public_holidays.keys())


@lru_cache(maxsize=64)
def _library_year(year: int) -> tuple[frozenset[dt.date], frozenset[dt.date]]:
    cn = holidays.China(years=year)
    off = frozenset(cn.keys())
    on = frozenset(d for d in cn.weekend_workdays if d.year == year)
    return off, on


@dataclass(frozen=True)
class WorkdayResult:
    date: dt.date
    provisional: bool
    unconfirmed_years: tuple[int, ...] = ()

    def __str__(self) -> str:
        return self.date.isoformat()


class WorkingCalendar:
    """A snapshot of the calendar: build it once per request or job, then ask it
    as often as needed without touching the database again."""

    def __init__(self, overrides: dict[dt.date, bool] | None = None, confirmed_years: set[int] | None = None):
        # overrides: date -> True (working) / False (off)
        self.overrides = overrides or {}
        self.confirmed_years = set(_library_years()) | set(confirmed_years or ())

    @classmethod
    def load(cls) -> WorkingCalendar:
        from .models import CalendarOverride, CalendarYear

        overrides = {
            row.date: row.kind == CalendarOverride.Kind.WORKDAY
            for row in CalendarOverride.objects.only("date", "kind")
        }
        confirmed = set(CalendarYear.objects.values_list("year", flat=True))
        return cls(overrides, confirmed)

    def is_confirmed_year(self, year: int) -> bool:
        return year in self.confirmed_years

    def is_working_day(self, day: dt.date) -> bool:
        if day in self.overrides:
            return self.overrides[day]
        off, on = _library_year(day.year)
        if day in on:
            return True
        if day in off:
            return False
        return day.weekday() < 5

    def add(self, start: dt.date, n: int) -> WorkdayResult:
        """The date `n` working days after `start` (before it, for negative n).
        The start day itself is not counted."""
        step = ONE_DAY if n >= 0 else -ONE_DAY
        remaining = abs(n)
        day = start
        years = {start.year}
        while remaining:
            day += step
            years.add(day.year)
            if self.is_working_day(day):
                remaining -= 1
        unconfirmed = tuple(sorted(y for y in years if not self.is_confirmed_year(y)))
        return WorkdayResult(day, bool(unconfirmed), unconfirmed)

    def subtract(self, start: dt.date, n: int) -> WorkdayResult:
        return self.add(start, -n)

    def between(self, start: dt.date, end: dt.date) -> tuple[int, bool]:
        """Working days after `start` up to and including `end` (negative if end < start),
        and whether the count is provisional."""
        sign = 1
        if end < start:
            start, end, sign = end, start, -1
        count = 0
        day = start
        while day < end:
            day += ONE_DAY
            if self.is_working_day(day):
                count += 1
        provisional = any(not self.is_confirmed_year(y) for y in range(start.year, end.year + 1))
        return sign * count, provisional


def working_calendar() -> WorkingCalendar:
    return WorkingCalendar.load()


def add_working_days(start: dt.date, n: int) -> WorkdayResult:
    return working_calendar().add(start, n)


def working_days_between(start: dt.date, end: dt.date) -> tuple[int, bool]:
    return working_calendar().between(start, end)


def add_calendar_days(start: dt.date, n: int) -> WorkdayResult:
    """Calendar-day periods (the Bengbu publicity of 7 days) share the result type."""
    return WorkdayResult(start + dt.timedelta(days=n), False)
