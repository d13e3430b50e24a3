"""Properties of free slots over random availability, ranges and bookings, around DST changes."""
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import assume, event, given, settings
from hypothesis import strategies as st

from interviewbot.schedule import (
    Availability,
    DayOff,
    ExtraWindow,
    ScheduleError,
    WeeklyWindow,
    check_booking,
    free_slots,
    validate_availability,
)

ZONES = ["Europe/London", "America/New_York", "Australia/Lord_Howe", "America/Santiago", "Asia/Kolkata", "UTC"]
# Days with a clock change in at least one of ZONES, so ranges often cross one.
ANCHORS = [datetime(2026, m, d, tzinfo=UTC) for m, d in [(3, 8), (3, 29), (4, 5), (9, 6), (10, 4), (10, 25), (11, 1)]]

@st.composite
def spans(draw):
    """A wall-clock (start, end) on a quarter-hour grid, 30 minutes to 6 hours, within one day."""
    first = draw(st.integers(0, 93))
    last = first + draw(st.integers(2, min(24, 95 - first)))
    return time(first // 4, first % 4 * 15), time(last // 4, last % 4 * 15)


@st.composite
def availabilities(draw):
    base = draw(st.sampled_from(ANCHORS)).date()
    near = st.integers(-3, 10).map(lambda n: base + timedelta(days=n))
    weekly = [WeeklyWindow(day, *span) for day, span in
              draw(st.lists(st.tuples(st.integers(0, 6), spans()), min_size=1, max_size=4))]
    extra = [ExtraWindow(day, *span) for day, span in draw(st.lists(st.tuples(near, spans()), max_size=2))]
    offs = [DayOff(day) for day in draw(st.lists(near, max_size=2))]
    a = Availability(draw(st.sampled_from(ZONES)), weekly, [*extra, *offs],
                     draw(st.sampled_from([30, 45, 60])), draw(st.sampled_from([0, 5, 15, 30])),
                     draw(st.sampled_from([0, 60])))
    try:
        validate_availability(a)
    except ScheduleError:
        assume(False)
    return a, base


def window_bounds(day: date, start: time, end: time, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The widest UTC reading of a wall-clock window: either fold of each end."""
    def instants(t):
        return [datetime.combine(day, t, zone).replace(fold=f).astimezone(UTC) for f in (0, 1)]
    return min(instants(start)), max(instants(end))


def in_some_window(slot, a: Availability, zone: ZoneInfo) -> bool:
    local_day = slot.start_utc.astimezone(zone).date()
    for day in (local_day - timedelta(days=1), local_day):
        for start, end in a.windows_on(day):
            low, high = window_bounds(day, start, end, zone)
            if low <= slot.start_utc and slot.end_utc <= high:
                return True
    return False


def offset(instant: datetime, zone: ZoneInfo) -> timedelta:
    return instant.astimezone(zone).utcoffset()


@settings(max_examples=150, deadline=None)
@given(data=st.data(), drawn=availabilities())
def test_free_slots_are_sorted_disjoint_clear_of_bookings_and_inside_windows(data, drawn):
    a, base = drawn
    zone = ZoneInfo(a.zone)
    start = datetime.combine(base, time(), UTC) + timedelta(hours=data.draw(st.integers(-72, 72)))
    end = start + timedelta(hours=data.draw(st.integers(1, 10 * 24)))
    now = start + timedelta(minutes=data.draw(st.integers(-600, 6000)))
    bookings = data.draw(st.lists(st.tuples(st.integers(0, 10 * 24 * 4), st.integers(5, 120)), max_size=5))
    booked = [(start + timedelta(minutes=15 * q), start + timedelta(minutes=15 * q + minutes))
              for q, minutes in bookings]

    slots = free_slots(a, start, end, booked, now)
    event(f"free slots: {min(len(slots), 10)}{'+' if len(slots) >= 10 else ''}")

    length, pad = timedelta(minutes=a.slot_minutes), timedelta(minutes=a.buffer_minutes)
    assert all(earlier.end_utc <= later.start_utc for earlier, later in zip(slots, slots[1:]))
    for slot in slots:
        assert slot.end_utc - slot.start_utc == length
        assert start <= slot.start_utc and slot.end_utc <= end
        assert slot.start_utc > now and slot.start_utc >= now + timedelta(minutes=a.notice_minutes)
        assert all(slot.end_utc + pad <= b_start or b_end + pad <= slot.start_utc for b_start, b_end in booked)
        assert in_some_window(slot, a, zone), slot
        assert offset(slot.end_utc - timedelta(seconds=1), zone) <= offset(slot.start_utc, zone), "spans a gap"
        assert check_booking(a, slot.start_utc, booked, now) == slot
