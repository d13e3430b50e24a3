"""Wall-clock times in an IANA zone turned into UTC instants, across daylight-saving changes.

Two kinds of local time need a decision:

* Nonexistent times, in the gap when clocks go forward (02:30 on the spring-forward Sunday in
  New York). A window that starts in the gap starts at the first valid instant after it (the
  moment of the change, 03:00 local); a window that ends in the gap ends at that same moment.
* Ambiguous times, in the hour that repeats when clocks go back (01:30 on the fall-back Sunday in
  New York happens twice). The first occurrence is used (PEP 495 ``fold=0``), so the repeated
  hour is offered once, not twice.
"""
from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

_SECOND = timedelta(seconds=1)


def as_utc(value: datetime, name: str = "datetime") -> datetime:
    """An aware datetime moved to UTC; a naive one is refused rather than guessed."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got naive {value.isoformat()}")
    return value.astimezone(UTC)


def wall(instant: datetime, zone: ZoneInfo) -> datetime:
    """The naive local reading of a clock in `zone` at `instant`."""
    return instant.astimezone(zone).replace(tzinfo=None)


def exact_instant(local: datetime, zone: ZoneInfo) -> datetime | None:
    """The UTC instant a naive local time names, or None when it falls in a gap.

    Ambiguous times give their first occurrence (fold=0).
    """
    instant = local.replace(tzinfo=zone, fold=0).astimezone(UTC)
    return instant if wall(instant, zone) == local else None


def instant_at(day: date, t: time, zone: ZoneInfo) -> datetime:
    """The UTC instant of wall-clock `t` on `day`: the first valid instant when `t` is in a gap."""
    local = datetime.combine(day, t.replace(tzinfo=None))
    found = exact_instant(local, zone)
    return found if found is not None else _end_of_gap(local, zone)


def _end_of_gap(local: datetime, zone: ZoneInfo) -> datetime:
    """The moment the clocks jumped over `local`, found by bisection on whole seconds.

    For a time in a gap, fold=1 reads it with the offset after the change (an instant before
    the change) and fold=0 with the offset before it (an instant after the change).
    """
    before = local.replace(tzinfo=zone, fold=1).astimezone(UTC)
    after = local.replace(tzinfo=zone, fold=0).astimezone(UTC)
    offset_before = before.astimezone(zone).utcoffset()
    while after - before > _SECOND:
        middle = before + ((after - before) // 2 // _SECOND) * _SECOND
        if middle.astimezone(zone).utcoffset() == offset_before:
            before = middle
        else:
            after = middle
    return after


def clocks_go_forward_within(start: datetime, end: datetime, zone: ZoneInfo) -> bool:
    """Whether the UTC offset increases somewhere in [start, end).

    Offsets only change on whole seconds, so comparing the first and the last second is enough
    for the short spans (at most an hour) that slots cover.
    """
    last = max(start, end - _SECOND)
    return last.astimezone(zone).utcoffset() > start.astimezone(zone).utcoffset()
