"""Showing a slot in someone's own time zone, in English whatever the machine's locale."""
from __future__ import annotations

from datetime import datetime

from .availability import load_zone
from .slots import Slot

_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def to_zone(slot: Slot, zone: str) -> tuple[datetime, datetime]:
    """The slot's start and end as aware datetimes in `zone` (ScheduleError for an unknown zone)."""
    tz = load_zone(zone)
    return slot.start_utc.astimezone(tz), slot.end_utc.astimezone(tz)


def format_slot(slot: Slot, zone: str) -> str:
    """Like "Tue 14 Apr 2026, 09:00–09:45 (Europe/London)".

    A slot that ends on the next local day names that day too; one that spans a change of UTC
    offset (the repeated hour in autumn) shows both abbreviations, as "01:30 EDT–01:30 EST".
    """
    start, end = to_zone(slot, zone)
    begins, ends = _clock(start), _clock(end)
    if start.utcoffset() != end.utcoffset():
        begins, ends = f"{begins} {start.tzname()}", f"{ends} {end.tzname()}"
    if end.date() != start.date():
        ends = f"{_day(end)} {ends}"
    return f"{_day(start)}, {begins}–{ends} ({zone})"


def _day(moment: datetime) -> str:
    return f"{_DAYS[moment.weekday()]} {moment.day} {_MONTHS[moment.month - 1]} {moment.year}"


def _clock(moment: datetime) -> str:
    return f"{moment.hour:02d}:{moment.minute:02d}"
