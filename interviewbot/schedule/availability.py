"""A coach's published availability and the rules that make it valid.

Windows are wall-clock times in the coach's own IANA zone: a Tuesday 09:00–12:00 window is
09:00–12:00 local on every Tuesday, whatever the UTC offset is that week.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

SLOT_LENGTHS = (30, 45, 60)
MAX_BUFFER_MINUTES = 120
DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


class ScheduleError(Exception):
    """A scheduling rule was broken. `code` is stable for programs, `message` is for people.

    `window` is the offending window or exception when the error is about one.
    """

    def __init__(self, code: str, message: str, window: object | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.window = window


@dataclass(frozen=True)
class WeeklyWindow:
    """A window that repeats every week: weekday 0 is Monday, 6 is Sunday."""

    weekday: int
    start: time
    end: time

    def describe(self) -> str:
        day = DAY_NAMES[self.weekday] if 0 <= self.weekday <= 6 else f"weekday {self.weekday}"
        return f"{day} window {_hhmm(self.start)}–{_hhmm(self.end)}"


@dataclass(frozen=True)
class DayOff:
    """A date on which the weekly windows do not apply."""

    date: date


@dataclass(frozen=True)
class ExtraWindow:
    """A one-off window on a date, on top of (or, with a DayOff, instead of) the weekly ones."""

    date: date
    start: time
    end: time

    def describe(self) -> str:
        return f"extra window on {self.date.isoformat()} {_hhmm(self.start)}–{_hhmm(self.end)}"


@dataclass(frozen=True)
class Availability:
    """What a coach offers. `notice_minutes` is the minimum time between booking and start."""

    zone: str
    windows: tuple[WeeklyWindow, ...]
    exceptions: tuple[DayOff | ExtraWindow, ...] = ()
    slot_minutes: int = 60
    buffer_minutes: int = 0
    notice_minutes: int = 0

    def __post_init__(self) -> None:
        object.__setattr__(self, "windows", tuple(self.windows))
        object.__setattr__(self, "exceptions", tuple(self.exceptions))

    @property
    def day_offs(self) -> frozenset[date]:
        return frozenset(x.date for x in self.exceptions if isinstance(x, DayOff))

    @property
    def extra_windows(self) -> tuple[ExtraWindow, ...]:
        return tuple(x for x in self.exceptions if isinstance(x, ExtraWindow))

    def windows_on(self, day: date) -> list[tuple[time, time]]:
        """The (start, end) wall-clock windows offered on a local date.

        A DayOff removes the weekly windows of that date; extra windows on the same date still
        apply, so a coach can swap their usual hours for different ones on one day.
        """
        weekly = [] if day in self.day_offs else [
            (w.start, w.end) for w in self.windows if w.weekday == day.weekday()
        ]
        extra = [(x.start, x.end) for x in self.extra_windows if x.date == day]
        return sorted(weekly + extra)


def load_zone(name: str) -> ZoneInfo:
    """The IANA zone called `name`, or ScheduleError("unknown_zone")."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError, OSError):
        raise ScheduleError("unknown_zone", f"Unknown time zone {name!r}.") from None


def validate_availability(availability: Availability) -> Availability:
    """Return `availability` unchanged, or raise ScheduleError naming the first broken rule.

    Codes: unknown_zone, slot_length, buffer, notice, weekday, window_order, window_short,
    window_overlap. Windows lie within one local day (a window may not run past midnight).
    """
    load_zone(availability.zone)
    _check_numbers(availability)
    for w in availability.windows:
        if not (isinstance(w.weekday, int) and 0 <= w.weekday <= 6):
            raise ScheduleError("weekday", f"{w.describe()}: weekday must be 0 (Monday) to 6 (Sunday).", w)
    for w in (*availability.windows, *availability.extra_windows):
        _check_window(w, availability.slot_minutes)
    _check_overlaps(availability)
    return availability


def _check_numbers(a: Availability) -> None:
    if not _is_int(a.slot_minutes) or a.slot_minutes not in SLOT_LENGTHS:
        raise ScheduleError("slot_length", f"Slot length must be one of {', '.join(map(str, SLOT_LENGTHS))} minutes, "
                                           f"not {a.slot_minutes!r}.")
    if not _is_int(a.buffer_minutes) or not 0 <= a.buffer_minutes <= MAX_BUFFER_MINUTES:
        raise ScheduleError("buffer", f"Buffer must be 0 to {MAX_BUFFER_MINUTES} minutes, not {a.buffer_minutes!r}.")
    if not _is_int(a.notice_minutes) or a.notice_minutes < 0:
        raise ScheduleError("notice", f"Minimum notice must be 0 minutes or more, not {a.notice_minutes!r}.")


def _check_window(w: WeeklyWindow | ExtraWindow, slot_minutes: int) -> None:
    if w.end <= w.start:
        raise ScheduleError("window_order", f"{w.describe()}: the end must be after the start.", w)
    if _minutes(w.end) - _minutes(w.start) < slot_minutes:
        raise ScheduleError("window_short", f"{w.describe()}: shorter than one {slot_minutes}-minute slot.", w)


def _check_overlaps(a: Availability) -> None:
    by_weekday: dict[int, list[WeeklyWindow]] = defaultdict(list)
    for w in a.windows:
        by_weekday[w.weekday].append(w)
    for group in by_weekday.values():
        _first_overlap(group)
    by_date: dict[date, list[ExtraWindow]] = defaultdict(list)
    for x in a.extra_windows:
        by_date[x.date].append(x)
    day_offs = a.day_offs
    for day, extras in by_date.items():
        weekly = [] if day in day_offs else by_weekday.get(day.weekday(), [])
        _first_overlap([*weekly, *extras])


def _first_overlap(windows: list) -> None:
    ordered = sorted(windows, key=lambda w: (w.start, w.end))
    for before, after in zip(ordered, ordered[1:]):
        if after.start < before.end:
            raise ScheduleError("window_overlap", f"{after.describe()} overlaps {before.describe()}.", after)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _minutes(t: time) -> int:
    return t.hour * 60 + t.minute


def _hhmm(t: time) -> str:
    return t.strftime("%H:%M")
