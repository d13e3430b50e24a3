"""Free slots and booking checks: slot cutting, buffers, exceptions, bookings and DST changes."""
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from interviewbot.schedule import (
    Availability,
    DayOff,
    ExtraWindow,
    ScheduleError,
    Slot,
    WeeklyWindow,
    check_booking,
    format_slot,
    free_slots,
    to_zone,
)

MONDAY, TUESDAY, SUNDAY = 0, 1, 6
LONG_AGO = datetime(2000, 1, 1, tzinfo=UTC)
LONDON, NEW_YORK = "Europe/London", "America/New_York"


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def weekly(zone, weekday, start, end, slot=60, buffer=0, exceptions=(), notice=0) -> Availability:
    return Availability(zone, (WeeklyWindow(weekday, start, end),), exceptions, slot, buffer, notice)


def starts_on(a: Availability, day: date, booked=(), now=LONG_AGO) -> list[datetime]:
    """UTC starts of the free slots of the local day `day`, looked up with a day's margin."""
    zone = ZoneInfo(a.zone)
    begin = datetime.combine(day, time(), zone).astimezone(UTC) - timedelta(hours=1)
    slots = free_slots(a, begin, begin + timedelta(hours=26), list(booked), now)
    return [s.start_utc for s in slots if s.start_utc.astimezone(zone).date() == day]


def local_clock(instant: datetime, zone: str) -> str:
    return instant.astimezone(ZoneInfo(zone)).strftime("%H:%M %Z")


# --- the wall-clock window keeps its local time across daylight-saving changes ---------------

@pytest.mark.parametrize("zone, before, after, utc_before, utc_after", [
    (LONDON, date(2026, 3, 24), date(2026, 3, 31), 9, 8),       # BST starts Sun 29 Mar
    (LONDON, date(2026, 10, 20), date(2026, 10, 27), 8, 9),     # BST ends Sun 25 Oct
    (NEW_YORK, date(2026, 3, 3), date(2026, 3, 10), 14, 13),    # EDT starts Sun 8 Mar
    (NEW_YORK, date(2026, 10, 27), date(2026, 11, 3), 13, 14),  # EDT ends Sun 1 Nov
])
def test_tuesday_0900_window_stays_0900_local_while_its_utc_time_shifts(zone, before, after, utc_before, utc_after):
    a = weekly(zone, TUESDAY, time(9), time(10))
    (first,), (second,) = starts_on(a, before), starts_on(a, after)
    assert (first.hour, second.hour) == (utc_before, utc_after)
    assert to_zone(Slot(first, first + timedelta(hours=1)), zone)[0].time() == time(9)
    assert to_zone(Slot(second, second + timedelta(hours=1)), zone)[0].time() == time(9)


# --- spring forward: the gap -----------------------------------------------------------------

SPRING_NY = date(2026, 3, 8)   # 02:00 EST -> 03:00 EDT, i.e. 07:00 UTC


def test_window_across_the_new_york_gap_skips_the_slot_that_would_start_in_it():
    a = weekly(NEW_YORK, SUNDAY, time(1), time(4), slot=45, buffer=15)
    assert len(starts_on(a, date(2026, 3, 1))) == 3
    starts = starts_on(a, SPRING_NY)
    assert starts == [utc(2026, 3, 8, 6), utc(2026, 3, 8, 7)]
    assert [local_clock(s, NEW_YORK) for s in starts] == ["01:00 EST", "03:00 EDT"]


def test_no_slot_starts_in_or_spans_the_gap():
    a = weekly(NEW_YORK, SUNDAY, time(1), time(4), slot=30)
    starts = starts_on(a, SPRING_NY)
    assert [local_clock(s, NEW_YORK) for s in starts] == ["01:00 EST", "01:30 EST", "03:00 EDT", "03:30 EDT"]
    assert starts[1] + timedelta(minutes=30) == utc(2026, 3, 8, 7), "a slot ending at the change is kept"


def test_slot_during_which_the_clocks_go_forward_is_skipped():
    a = weekly(NEW_YORK, SUNDAY, time(1), time(4), slot=45)
    starts = starts_on(a, SPRING_NY)
    assert [local_clock(s, NEW_YORK) for s in starts] == ["01:00 EST", "03:15 EDT"]
    slots = [Slot(s, s + timedelta(minutes=45)) for s in starts]
    assert slots[0].end_utc <= slots[1].start_utc


def test_window_starting_in_the_gap_starts_at_the_first_valid_instant():
    a = weekly(NEW_YORK, SUNDAY, time(2, 30), time(5))
    assert starts_on(a, SPRING_NY) == [utc(2026, 3, 8, 7), utc(2026, 3, 8, 8)]


def test_window_ending_in_the_gap_ends_at_the_change():
    a = weekly(NEW_YORK, SUNDAY, time(0), time(2, 30))
    assert starts_on(a, SPRING_NY) == [utc(2026, 3, 8, 5), utc(2026, 3, 8, 6)]


def test_london_gap_at_0100_is_skipped_too():
    a = weekly(LONDON, SUNDAY, time(0), time(3))
    starts = starts_on(a, date(2026, 3, 29))
    assert [local_clock(s, LONDON) for s in starts] == ["00:00 GMT", "02:00 BST"]
    assert starts == [utc(2026, 3, 29, 0), utc(2026, 3, 29, 1)]


# --- fall back: the repeated hour -------------------------------------------------------------

def test_repeated_hour_in_new_york_uses_its_first_occurrence():
    a = weekly(NEW_YORK, SUNDAY, time(0), time(3))
    starts = starts_on(a, date(2026, 11, 1))
    assert starts == [utc(2026, 11, 1, 4), utc(2026, 11, 1, 5), utc(2026, 11, 1, 7)]
    assert [local_clock(s, NEW_YORK) for s in starts] == ["00:00 EDT", "01:00 EDT", "02:00 EST"]


def test_repeated_hour_in_london_uses_its_first_occurrence():
    a = weekly(LONDON, SUNDAY, time(1), time(2))
    assert starts_on(a, date(2026, 10, 25)) == [utc(2026, 10, 25, 0)]


def test_slot_ending_in_the_repeated_hour_lasts_its_real_length_and_overlaps_nothing():
    a = weekly(NEW_YORK, SUNDAY, time(1, 30), time(3), slot=30)
    starts = starts_on(a, date(2026, 11, 1))
    assert [local_clock(s, NEW_YORK) for s in starts] == ["01:30 EDT", "02:00 EST", "02:30 EST"]
    assert starts[1] - starts[0] == timedelta(minutes=90)


# --- cutting, exceptions and bookings ---------------------------------------------------------

APRIL_14 = date(2026, 4, 14)  # a Tuesday, BST (UTC+1)


def test_window_is_cut_into_slots_separated_by_the_buffer():
    a = weekly(LONDON, TUESDAY, time(9), time(12), slot=30, buffer=10)
    starts = starts_on(a, APRIL_14)
    assert [local_clock(s, LONDON) for s in starts] == ["09:00 BST", "09:40 BST", "10:20 BST", "11:00 BST"]


def test_slots_last_the_slot_length():
    a = weekly(LONDON, TUESDAY, time(9), time(12), slot=45, buffer=15)
    slots = free_slots(a, utc(2026, 4, 14), utc(2026, 4, 15), [], LONG_AGO)
    assert [(s.start_utc.hour, s.end_utc - s.start_utc) for s in slots] == [
        (8, timedelta(minutes=45)), (9, timedelta(minutes=45)), (10, timedelta(minutes=45))]


def test_day_off_removes_that_days_slots_only():
    a = weekly(LONDON, TUESDAY, time(9), time(10), exceptions=[DayOff(APRIL_14)])
    slots = free_slots(a, utc(2026, 4, 13), utc(2026, 4, 22), [], LONG_AGO)
    assert [s.start_utc for s in slots] == [utc(2026, 4, 21, 8)]


def test_extra_window_adds_slots_on_its_date():
    a = weekly(LONDON, TUESDAY, time(9), time(10), exceptions=[ExtraWindow(date(2026, 4, 15), time(13), time(15))])
    slots = free_slots(a, utc(2026, 4, 14), utc(2026, 4, 16), [], LONG_AGO)
    assert [s.start_utc for s in slots] == [utc(2026, 4, 14, 8), utc(2026, 4, 15, 12), utc(2026, 4, 15, 13)]


def test_extra_window_on_a_day_off_replaces_the_usual_hours():
    a = weekly(LONDON, TUESDAY, time(9), time(10),
               exceptions=[DayOff(APRIL_14), ExtraWindow(APRIL_14, time(15), time(16))])
    assert starts_on(a, APRIL_14) == [utc(2026, 4, 14, 14)]


def test_windows_of_one_day_come_out_sorted():
    a = Availability(LONDON, (WeeklyWindow(TUESDAY, time(14), time(15)), WeeklyWindow(TUESDAY, time(9), time(10))),
                     (ExtraWindow(APRIL_14, time(11), time(12)),))
    assert starts_on(a, APRIL_14) == [utc(2026, 4, 14, 8), utc(2026, 4, 14, 10), utc(2026, 4, 14, 13)]


def test_booked_slot_is_removed_and_its_neighbours_stay():
    a = weekly(LONDON, TUESDAY, time(9), time(12), slot=45, buffer=15)
    booked = [(utc(2026, 4, 14, 9), utc(2026, 4, 14, 9, 45))]
    assert starts_on(a, APRIL_14, booked) == [utc(2026, 4, 14, 8), utc(2026, 4, 14, 10)]


def test_booking_blocks_its_buffer_too():
    a = weekly(LONDON, TUESDAY, time(9), time(12), slot=45, buffer=15)
    booked = [(utc(2026, 4, 14, 8, 50), utc(2026, 4, 14, 8, 55))]
    assert starts_on(a, APRIL_14, booked) == [utc(2026, 4, 14, 10)]


def test_without_a_buffer_touching_a_booking_is_fine():
    a = weekly(LONDON, TUESDAY, time(9), time(12), slot=60)
    booked = [Slot(utc(2026, 4, 14, 9), utc(2026, 4, 14, 10))]
    assert starts_on(a, APRIL_14, booked) == [utc(2026, 4, 14, 8), utc(2026, 4, 14, 10)]


def test_slots_starting_at_or_before_now_are_left_out():
    a = weekly(LONDON, TUESDAY, time(9), time(12))
    assert starts_on(a, APRIL_14, now=utc(2026, 4, 14, 9)) == [utc(2026, 4, 14, 10)]


def test_minimum_notice_leaves_out_slots_starting_too_soon():
    a = weekly(LONDON, TUESDAY, time(9), time(12), notice=90)
    assert starts_on(a, APRIL_14, now=utc(2026, 4, 14, 7, 31)) == [utc(2026, 4, 14, 10)]
    assert starts_on(a, APRIL_14, now=utc(2026, 4, 14, 7, 30)) == [utc(2026, 4, 14, 9), utc(2026, 4, 14, 10)]


def test_only_slots_wholly_inside_the_range_are_returned():
    a = weekly(LONDON, TUESDAY, time(9), time(12))
    slots = free_slots(a, utc(2026, 4, 14, 8, 30), utc(2026, 4, 14, 10, 30), [], LONG_AGO)
    assert slots == [Slot(utc(2026, 4, 14, 9), utc(2026, 4, 14, 10))]


def test_naive_datetimes_are_refused():
    a = weekly(LONDON, TUESDAY, time(9), time(12))
    with pytest.raises(ValueError, match="timezone-aware"):
        free_slots(a, datetime(2026, 4, 14), utc(2026, 4, 15), [], LONG_AGO)


def test_invalid_availability_is_refused_before_cutting():
    a = weekly(LONDON, TUESDAY, time(9), time(12), slot=50)
    with pytest.raises(ScheduleError) as caught:
        free_slots(a, utc(2026, 4, 14), utc(2026, 4, 15), [], LONG_AGO)
    assert caught.value.code == "slot_length"


# --- check_booking ---------------------------------------------------------------------------

OFFERED = weekly(LONDON, TUESDAY, time(9), time(12), slot=45, buffer=15)
NOW = utc(2026, 4, 10, 12)


def booking_error(start, booked=(), now=NOW, a=OFFERED) -> str:
    with pytest.raises(ScheduleError) as caught:
        check_booking(a, start, list(booked), now)
    return caught.value.code


def test_an_offered_free_slot_can_be_booked():
    assert check_booking(OFFERED, utc(2026, 4, 14, 9), [], NOW) == Slot(utc(2026, 4, 14, 9), utc(2026, 4, 14, 9, 45))


@pytest.mark.parametrize("now", [utc(2026, 4, 14, 9), utc(2026, 4, 14, 9, 1), utc(2026, 5, 1)])
def test_booking_a_slot_that_has_started_is_in_past(now):
    assert booking_error(utc(2026, 4, 14, 9), now=now) == "in_past"


def test_booking_inside_the_notice_is_too_soon():
    a = weekly(LONDON, TUESDAY, time(9), time(12), notice=24 * 60)
    assert booking_error(utc(2026, 4, 14, 9), now=utc(2026, 4, 13, 12), a=a) == "too_soon"


@pytest.mark.parametrize("start", [
    utc(2026, 4, 14, 9, 15),  # off the grid
    utc(2026, 4, 14, 11),     # 12:00 local: the window has ended
    utc(2026, 4, 15, 9),      # a Wednesday
])
def test_booking_a_time_the_coach_does_not_offer(start):
    assert booking_error(start) == "not_offered"


def test_booking_on_a_day_off_is_not_offered():
    a = weekly(LONDON, TUESDAY, time(9), time(12), exceptions=[DayOff(APRIL_14)])
    assert booking_error(utc(2026, 4, 14, 9), a=a) == "not_offered"


def test_booking_the_same_slot_twice_overlaps():
    assert booking_error(utc(2026, 4, 14, 9), booked=[(utc(2026, 4, 14, 9), utc(2026, 4, 14, 9, 45))]) == "overlap"


def test_booking_inside_another_bookings_buffer_overlaps():
    assert booking_error(utc(2026, 4, 14, 9), booked=[(utc(2026, 4, 14, 8, 50), utc(2026, 4, 14, 8, 55))]) == "overlap"


def test_booking_after_the_spring_forward_gap_in_new_york():
    a = weekly(NEW_YORK, SUNDAY, time(1), time(4), slot=45, buffer=15)
    assert check_booking(a, utc(2026, 3, 8, 7), [], NOW - timedelta(days=60)).end_utc == utc(2026, 3, 8, 7, 45)
    assert booking_error(utc(2026, 3, 8, 8), now=NOW - timedelta(days=60), a=a) == "not_offered"


# --- showing slots in another zone -------------------------------------------------------------

def test_coachs_0900_in_new_york_is_1300_in_london_while_only_the_us_has_changed():
    slot = Slot(utc(2026, 3, 10, 13), utc(2026, 3, 10, 13, 45))
    start, end = to_zone(slot, LONDON)
    assert (start.hour, end.hour, end.minute, start.tzname()) == (13, 13, 45, "GMT")
    assert to_zone(slot, NEW_YORK)[0].hour == 9


def test_to_zone_refuses_an_unknown_zone():
    with pytest.raises(ScheduleError) as caught:
        to_zone(Slot(utc(2026, 4, 14, 8), utc(2026, 4, 14, 9)), "Nowhere/Special")
    assert caught.value.code == "unknown_zone"


def test_format_slot_in_the_readers_zone():
    slot = Slot(utc(2026, 4, 14, 8), utc(2026, 4, 14, 8, 45))
    assert format_slot(slot, LONDON) == "Tue 14 Apr 2026, 09:00–09:45 (Europe/London)"
    assert format_slot(slot, "Asia/Tokyo") == "Tue 14 Apr 2026, 17:00–17:45 (Asia/Tokyo)"


def test_format_slot_that_ends_the_next_day_names_that_day():
    slot = Slot(utc(2026, 4, 14, 22, 30), utc(2026, 4, 14, 23, 15))
    assert format_slot(slot, LONDON) == "Tue 14 Apr 2026, 23:30–Wed 15 Apr 2026 00:15 (Europe/London)"


def test_format_slot_across_the_repeated_hour_shows_both_offsets():
    slot = Slot(utc(2026, 11, 1, 5, 30), utc(2026, 11, 1, 6, 30))
    assert format_slot(slot, NEW_YORK) == "Sun 1 Nov 2026, 01:30 EDT–01:30 EST (America/New_York)"
