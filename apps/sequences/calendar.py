"""A sequence's sending calendar: the daily window on its sending days, in its time zone, without
Korean public holidays (the ``holidays`` library's KR calendar) when asked; and business days."""

from __future__ import annotations

import dataclasses
import functools
import zoneinfo
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import holidays


@functools.lru_cache(maxsize=16)
def _korean_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("KR", years=year))


@dataclass(frozen=True)
class SendingCalendar:
    timezone: zoneinfo.ZoneInfo
    start: time
    end: time
    days: frozenset[int]
    skip_holidays: bool

    @classmethod
    def of(cls, sequence) -> SendingCalendar:
        return cls(
            timezone=zoneinfo.ZoneInfo(sequence.timezone),
            start=sequence.window_start,
            end=sequence.window_end,
            days=frozenset(sequence.window_days),
            skip_holidays=sequence.skip_holidays,
        )

    def in_zone(self, zone: str) -> SendingCalendar:
        """The same window and days in another time zone (a lead's)."""
        return dataclasses.replace(self, timezone=zoneinfo.ZoneInfo(zone))

    def holidays_around(self, moment: datetime) -> list[date]:
        """The Korean public holidays of the years around ``moment`` (none when they are not skipped):
        what SQL compares a lead's local date with, whatever its zone."""
        if not self.skip_holidays:
            return []
        year = moment.year
        return sorted(_korean_holidays(year - 1) | _korean_holidays(year) | _korean_holidays(year + 1))

    def is_business_day(self, day: date) -> bool:
        if day.weekday() not in self.days:
            return False
        return not (self.skip_holidays and day in _korean_holidays(day.year))

    def is_open(self, moment: datetime) -> bool:
        """Inside the window, on a sending day (the window is within one local day)."""
        local = moment.astimezone(self.timezone)
        return self.is_business_day(local.date()) and self.start <= local.time() < self.end

    def next_open(self, moment: datetime) -> datetime:
        """The first instant at or after ``moment`` inside the window."""
        if self.is_open(moment):
            return moment
        local = moment.astimezone(self.timezone)
        day = local.date() if local.time() < self.start else local.date() + timedelta(days=1)
        for _ in range(400):
            if self.is_business_day(day):
                return datetime.combine(day, self.start, tzinfo=self.timezone)
            day += timedelta(days=1)
        raise ValueError("The sending calendar has no sending day in the next 400 days.")

    def window_end(self, moment: datetime) -> datetime:
        """When the window that ``moment`` is in closes."""
        local = moment.astimezone(self.timezone)
        return datetime.combine(local.date(), self.end, tzinfo=self.timezone)

    def add_business_days(self, moment: datetime, days: int) -> datetime:
        """``days`` sending days after ``moment``'s local day, at the window's start (0: now)."""
        if days <= 0:
            return moment
        day = moment.astimezone(self.timezone).date()
        counted = 0
        while counted < days:
            day += timedelta(days=1)
            if self.is_business_day(day):
                counted += 1
        return datetime.combine(day, self.start, tzinfo=self.timezone)
