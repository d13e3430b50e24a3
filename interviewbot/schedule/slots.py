"""Cutting availability into bookable slots, and checking a booking against them.

Slots are cut in the coach's wall-clock time: a 09:00–12:00 window with 45-minute slots and a
15-minute buffer offers 09:00, 10:00 and 11:00 local on every such day, and each is converted to
UTC on its own date, so its UTC time moves by an hour when daylight saving starts or ends.

Around a daylight-saving change (see `localtime` for the general rule):

* A window starting in the spring-forward gap starts at the first valid instant after the gap,
  and slots are cut from there.
* A slot whose start falls in the gap, or during which the clocks go forward, is skipped: its
  wall-clock span would fall partly in the gap. Slots that end exactly at the change are kept.
* Ambiguous starts (the repeated hour when clocks go back) use the first occurrence. Every slot
  lasts exactly `slot_minutes` of real time, so a slot may end on the second pass of the
  repeated hour (01:30 EDT to 01:30 EST), and the next slot on the wall-clock grid never
  overlaps it.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from .availability import Availability, ScheduleError, load_zone, validate_availability
from .localtime import as_utc, clocks_go_forward_within, exact_instant, instant_at, wall


@dataclass(frozen=True, order=True)
class Slot:
    """A bookable interval, as aware UTC datetimes; `end_utc` is exclusive."""

    start_utc: datetime
    end_utc: datetime

    def __iter__(self):
        yield self.start_utc
        yield self.end_utc


Interval = tuple[datetime, datetime] | Slot


def free_slots(
    availability: Availability,
    start_utc: datetime,
    end_utc: datetime,
    booked: Iterable[Interval],
    now: datetime,
) -> list[Slot]:
    """The slots a candidate can book that lie entirely within [start_utc, end_utc].

    Excluded: slots starting at or before `now` or less than `notice_minutes` after it, and
    slots overlapping a booked interval widened by the buffer on both sides. Day-offs remove
    the weekly windows of their date; extra windows add slots. Sorted by start, no duplicates.
    """
    validate_availability(availability)
    start, end = as_utc(start_utc, "start_utc"), as_utc(end_utc, "end_utc")
    if end < start:
        raise ValueError("end_utc must not be before start_utc")
    busy = _intervals(booked)
    earliest = _earliest_start(availability, as_utc(now, "now"))
    return [
        s for s in offered_slots(availability, start, end)
        if s.start_utc >= earliest and not _blocked(s, busy, availability.buffer_minutes)
    ]


def check_booking(
    availability: Availability,
    slot_start_utc: datetime,
    booked: Iterable[Interval],
    now: datetime,
) -> Slot:
    """The slot starting at `slot_start_utc`, if a candidate may book it now.

    Raises ScheduleError with code "in_past" (starts at or before `now`), "too_soon" (inside
    the coach's minimum notice), "not_offered" (no offered slot starts at exactly that instant)
    or "overlap" (it, or its buffer, overlaps another booking).
    """
    validate_availability(availability)
    start, moment = as_utc(slot_start_utc, "slot_start_utc"), as_utc(now, "now")
    if start <= moment:
        raise ScheduleError("in_past", "That slot has already started.")
    if start < _earliest_start(availability, moment):
        raise ScheduleError(
            "too_soon", f"This coach needs at least {availability.notice_minutes} minutes' notice.")
    day = timedelta(days=1)
    slot = next((s for s in offered_slots(availability, start - day, start + day) if s.start_utc == start), None)
    if slot is None:
        raise ScheduleError("not_offered", "The coach does not offer a slot starting at that time.")
    if _blocked(slot, _intervals(booked), availability.buffer_minutes):
        raise ScheduleError("overlap", "That slot overlaps another booking.")
    return slot


def offered_slots(availability: Availability, start_utc: datetime, end_utc: datetime) -> list[Slot]:
    """Every slot the availability offers within [start_utc, end_utc], booked or not, past or not."""
    zone = load_zone(availability.zone)
    first, last = wall(start_utc, zone).date(), wall(end_utc, zone).date()
    found: set[Slot] = set()
    for day in _dates(first - timedelta(days=1), last + timedelta(days=1)):
        for window_start, window_end in availability.windows_on(day):
            found.update(
                s for s in _cut_window(day, window_start, window_end, zone, availability)
                if start_utc <= s.start_utc and s.end_utc <= end_utc
            )
    return sorted(found)


def _cut_window(day: date, window_start: time, window_end: time, zone: ZoneInfo, a: Availability) -> Iterable[Slot]:
    """The slots of one window on one local date (see the module docstring for DST rules)."""
    length = timedelta(minutes=a.slot_minutes)
    step = length + timedelta(minutes=a.buffer_minutes)
    opens = instant_at(day, window_start, zone)
    closes = instant_at(day, window_end, zone)
    local = wall(opens, zone)
    local_end = datetime.combine(day, window_end.replace(tzinfo=None))
    while local + length <= local_end:
        begins = exact_instant(local, zone)
        if begins is not None and begins + length <= closes and not clocks_go_forward_within(
                begins, begins + length, zone):
            yield Slot(begins, begins + length)
        local += step


def _earliest_start(a: Availability, now: datetime) -> datetime:
    """Slots must start after `now` and at least the notice later; returned inclusive."""
    return max(now + timedelta(microseconds=1), now + timedelta(minutes=a.notice_minutes))


def _blocked(slot: Slot, busy: Sequence[tuple[datetime, datetime]], buffer_minutes: int) -> bool:
    """Whether the slot overlaps a booking once the booking is widened by the buffer."""
    pad = timedelta(minutes=buffer_minutes)
    return any(slot.start_utc < b_end + pad and b_start - pad < slot.end_utc for b_start, b_end in busy)


def _intervals(booked: Iterable[Interval]) -> list[tuple[datetime, datetime]]:
    return [(as_utc(b_start, "booked start"), as_utc(b_end, "booked end")) for b_start, b_end in booked]


def _dates(first: date, last: date) -> Iterable[date]:
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)
