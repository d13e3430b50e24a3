"""Availability validation: each rule has its own error code and names the window at fault."""
from datetime import date, time

import pytest

from interviewbot.schedule import (
    Availability,
    DayOff,
    ExtraWindow,
    ScheduleError,
    WeeklyWindow,
    validate_availability,
)

TUESDAY = 1


def availability(windows=(WeeklyWindow(TUESDAY, time(9), time(12)),), exceptions=(), **kwargs):
    return Availability(zone=kwargs.pop("zone", "Europe/London"), windows=windows, exceptions=exceptions, **kwargs)


def error_for(a: Availability) -> ScheduleError:
    with pytest.raises(ScheduleError) as caught:
        validate_availability(a)
    return caught.value


def test_a_sensible_availability_is_returned_unchanged():
    a = availability(exceptions=[DayOff(date(2026, 4, 14)), ExtraWindow(date(2026, 4, 15), time(13), time(15))],
                     slot_minutes=45, buffer_minutes=15)
    assert validate_availability(a) is a


def test_lists_are_frozen_into_tuples():
    a = availability(windows=[WeeklyWindow(TUESDAY, time(9), time(12))], exceptions=[DayOff(date(2026, 4, 14))])
    assert isinstance(a.windows, tuple) and isinstance(a.exceptions, tuple)
    assert hash(a) == hash(availability(exceptions=(DayOff(date(2026, 4, 14)),)))


@pytest.mark.parametrize("zone", ["Mars/Olympus_Mons", "Europe/Londn", "", "../etc/passwd"])
def test_unknown_zone(zone):
    assert error_for(availability(zone=zone)).code == "unknown_zone"


def test_window_ending_before_its_start_is_named():
    bad = WeeklyWindow(TUESDAY, time(12), time(9))
    err = error_for(availability(windows=[bad]))
    assert err.code == "window_order"
    assert "Tuesday window 12:00–09:00" in err.message and err.window == bad


def test_window_ending_at_its_start():
    assert error_for(availability(windows=[WeeklyWindow(TUESDAY, time(9), time(9))])).code == "window_order"


def test_extra_window_ending_before_its_start_is_named_by_date():
    err = error_for(availability(exceptions=[ExtraWindow(date(2026, 4, 15), time(15), time(13))]))
    assert err.code == "window_order" and "2026-04-15 15:00–13:00" in err.message


def test_overlapping_weekly_windows_on_the_same_weekday():
    err = error_for(availability(windows=[WeeklyWindow(TUESDAY, time(9), time(12)),
                                          WeeklyWindow(TUESDAY, time(11), time(13))]))
    assert err.code == "window_overlap"
    assert "Tuesday window 11:00–13:00 overlaps Tuesday window 09:00–12:00" in err.message


def test_touching_windows_and_same_hours_on_other_days_are_fine():
    validate_availability(availability(windows=[WeeklyWindow(TUESDAY, time(9), time(12)),
                                                WeeklyWindow(TUESDAY, time(12), time(14)),
                                                WeeklyWindow(TUESDAY + 1, time(9), time(12))]))


def test_overlapping_extra_windows_on_the_same_date():
    day = date(2026, 4, 15)
    extras = [ExtraWindow(day, time(13), time(15)), ExtraWindow(day, time(14), time(16))]
    err = error_for(availability(exceptions=extras))
    assert err.code == "window_overlap" and "2026-04-15 14:00–16:00" in err.message


def test_extra_window_overlapping_that_dates_weekly_window():
    tuesday = date(2026, 4, 14)
    err = error_for(availability(exceptions=[ExtraWindow(tuesday, time(11), time(13))]))
    assert err.code == "window_overlap" and "Tuesday window 09:00–12:00" in err.message


def test_extra_window_may_replace_the_weekly_hours_of_a_day_off():
    tuesday = date(2026, 4, 14)
    validate_availability(availability(exceptions=[DayOff(tuesday), ExtraWindow(tuesday, time(11), time(13))]))


@pytest.mark.parametrize("minutes", [0, 15, 50, 90, 45.0, True])
def test_slot_length_must_be_30_45_or_60(minutes):
    assert error_for(availability(slot_minutes=minutes)).code == "slot_length"


@pytest.mark.parametrize("minutes", [-1, 121, 7.5])
def test_buffer_must_be_0_to_120(minutes):
    assert error_for(availability(buffer_minutes=minutes)).code == "buffer"


@pytest.mark.parametrize("minutes", [0, 120])
def test_buffer_limits_are_inclusive(minutes):
    validate_availability(availability(buffer_minutes=minutes))


def test_window_shorter_than_one_slot_is_named():
    err = error_for(availability(windows=[WeeklyWindow(TUESDAY, time(9), time(9, 30))], slot_minutes=45))
    assert err.code == "window_short" and "Tuesday window 09:00–09:30" in err.message


def test_window_exactly_one_slot_long_is_fine():
    validate_availability(availability(windows=[WeeklyWindow(TUESDAY, time(9), time(9, 45))], slot_minutes=45))


def test_negative_notice():
    assert error_for(availability(notice_minutes=-5)).code == "notice"


def test_weekday_out_of_range():
    assert error_for(availability(windows=[WeeklyWindow(7, time(9), time(12))])).code == "weekday"
