"""Calendar arithmetic the services' rules count in: months held, terms, windows, working days. Pure."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, timedelta


def months_between(start: date, end: date) -> int:
    """Whole calendar months from start to end (a month counts once its day is reached)."""
    months = (end.year - start.year) * 12 + end.month - start.month
    return months - 1 if end.day < start.day else months


def years_after(start: date, years: int) -> date:
    """The same day `years` later (28 February for a 29 February start in a common year)."""
    try:
        return start.replace(year=start.year + years)
    except ValueError:
        return start.replace(year=start.year + years, day=28)


def is_working_day(day: date, holidays: Collection[date] = ()) -> bool:
    return day.weekday() < 5 and day not in holidays


def add_working_days(start: date, days: int, holidays: Collection[date] = ()) -> date:
    """The date `days` working days after `start` (Monday to Friday, holidays excepted)."""
    current, left = start, days
    while left > 0:
        current += timedelta(days=1)
        if is_working_day(current, holidays):
            left -= 1
    return current


def working_days_between(start: date, end: date, holidays: Collection[date] = ()) -> int:
    """Working days from `start` up to and including `end` (start counts when it is one)."""
    return sum(
        1
        for offset in range((end - start).days + 1)
        if is_working_day(start + timedelta(days=offset), holidays)
    )
