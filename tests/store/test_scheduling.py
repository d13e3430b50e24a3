"""Scheduling operations on a real database: availability, slots, booking, cancelling,
rescheduling, no-shows, joining, lists, calendar files and feeds."""
from __future__ import annotations

import threading
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from sqlalchemy import func, select

from interviewbot.bank import load_bank
from interviewbot.cli import DEFAULT_BANK
from interviewbot.schedule import Availability, DayOff, ExtraWindow, WeeklyWindow
from interviewbot.store import Booking, BookingCell, CoachAvailability, CoachLink, InterviewSession, User
from interviewbot.store import scheduling
from interviewbot.store.interviews import InterviewService
from interviewbot.store.scheduling import SchedulingError

BANK = load_bank(DEFAULT_BANK)
LONDON = ZoneInfo("Europe/London")
# Monday 23 March 2026, 07:00 UTC; clocks in London go forward on Sunday 29 March.
NOW = datetime(2026, 3, 23, 7, 0, tzinfo=timezone.utc)
WEEKDAYS = tuple(WeeklyWindow(day, time(9), time(12)) for day in range(5))
HOURS = Availability("Europe/London", WEEKDAYS, slot_minutes=45, buffer_minutes=15)


def local(day: int, hour: int, minute: int = 0) -> datetime:
    """A London wall-clock time in March 2026, as UTC."""
    return datetime(2026, 3, day, hour, minute, tzinfo=LONDON).astimezone(timezone.utc)


@pytest.fixture
def people(database, create_user):
    """Coach C linked to candidate A; candidate B and coach D unlinked; an admin."""
    found = {"coach": create_user(role="coach"), "a": create_user(role="candidate"),
             "b": create_user(role="candidate"), "other_coach": create_user(role="coach"),
             "admin": create_user(role="admin")}
    with database.session() as s:
        s.add(CoachLink(coach_id=found["coach"].id, candidate_id=found["a"].id, created_at=NOW))
    return found


@pytest.fixture
def link(database):
    def add(coach: User, candidate: User) -> None:
        with database.session() as s:
            s.add(CoachLink(coach_id=coach.id, candidate_id=candidate.id, created_at=NOW))
    return add


@pytest.fixture
def published(database, people):
    scheduling.save_availability(database, people["coach"].id, HOURS, NOW)
    return HOURS


@pytest.fixture
def booked(database, people, published) -> Booking:
    """Candidate A's booking: Tuesday 24 March, 09:00–09:45 London (GMT)."""
    return scheduling.book(database, BANK, people["a"].id, people["coach"].id, local(24, 9), NOW)


def count(database, model, **where) -> int:
    with database.session() as s:
        query = select(func.count()).select_from(model)
        for name, value in where.items():
            query = query.where(getattr(model, name) == value)
        return s.scalar(query)


def stored_booking(database, booking_id: str) -> Booking:
    with database.session() as s:
        return s.get(Booking, booking_id)


def refused(code: str, call, *args, **kwargs) -> SchedulingError:
    with pytest.raises(SchedulingError) as caught:
        call(*args, **kwargs)
    assert caught.value.code == code, caught.value.message
    return caught.value


# -- availability -----------------------------------------------------------------------------------
def test_saved_availability_reads_back_the_same(database, people):
    hours = Availability("America/New_York", (WeeklyWindow(1, time(9), time(12)),),
                         (DayOff(date(2026, 4, 7)), ExtraWindow(date(2026, 4, 7), time(14), time(16))),
                         slot_minutes=30, buffer_minutes=10, notice_minutes=120)
    scheduling.save_availability(database, people["coach"].id, hours, NOW)
    assert scheduling.get_availability(database, people["coach"].id) == hours


def test_saving_again_replaces_the_availability(database, people, published):
    later = Availability("Europe/Paris", (WeeklyWindow(2, time(14), time(15)),), slot_minutes=60)
    scheduling.save_availability(database, people["coach"].id, later, NOW)
    assert scheduling.get_availability(database, people["coach"].id) == later
    assert count(database, CoachAvailability) == 1


def test_only_a_coach_publishes_availability(database, people):
    refused("forbidden", scheduling.save_availability, database, people["a"].id, HOURS, NOW)
    assert count(database, CoachAvailability) == 0


@pytest.mark.parametrize("bad, code", [
    (Availability("Mars/Olympus", WEEKDAYS), "unknown_zone"),
    (Availability("Europe/London", (WeeklyWindow(1, time(12), time(9)),)), "window_order"),
    (Availability("Europe/London", (WeeklyWindow(1, time(9), time(11)), WeeklyWindow(1, time(10), time(12)))),
     "window_overlap"),
    (Availability("Europe/London", WEEKDAYS, slot_minutes=50), "slot_length"),
    (Availability("Europe/London", (WeeklyWindow(1, time(9, 7), time(12)),)), "grid"),
    (Availability("Europe/London", WEEKDAYS, buffer_minutes=7), "grid"),
], ids=["unknown-zone", "ends-before-start", "overlap", "slot-length", "off-grid-time", "off-grid-buffer"])
def test_invalid_availability_is_refused_and_the_old_one_kept(database, people, published, bad, code):
    refused(code, scheduling.save_availability, database, people["coach"].id, bad, NOW)
    assert scheduling.get_availability(database, people["coach"].id) == published


# -- slots ------------------------------------------------------------------------------------------
def test_slots_are_cut_from_the_window_with_the_buffer(database, people, published):
    slots = scheduling.coach_slots(database, people["coach"].id, people["a"].id,
                                   local(24, 0), local(24, 23), NOW)
    assert [s.start_utc for s in slots] == [local(24, 9), local(24, 10), local(24, 11)]
    assert all(s.end_utc - s.start_utc == timedelta(minutes=45) for s in slots)


def test_a_nine_oclock_window_stays_nine_oclock_local_after_the_clocks_change(database, people, published):
    before = scheduling.coach_slots(database, people["coach"].id, people["a"].id,
                                    local(27, 0), local(27, 23), NOW)
    after = scheduling.coach_slots(database, people["coach"].id, people["a"].id,
                                   local(30, 0), local(30, 23), NOW)
    assert before[0].start_utc == datetime(2026, 3, 27, 9, tzinfo=timezone.utc)  # GMT
    assert after[0].start_utc == datetime(2026, 3, 30, 8, tzinfo=timezone.utc)  # BST


def test_a_candidate_who_is_not_linked_sees_no_slots(database, people, published):
    refused("not_found", scheduling.coach_slots, database, people["coach"].id, people["b"].id,
            local(24, 0), local(24, 23), NOW)


def test_a_booked_slot_is_no_longer_offered_to_others(database, people, link, booked):
    link(people["coach"], people["b"])
    slots = scheduling.coach_slots(database, people["coach"].id, people["b"].id,
                                   local(24, 0), local(24, 23), NOW)
    assert [s.start_utc for s in slots] == [local(24, 10), local(24, 11)]


def test_a_candidate_is_not_offered_times_they_already_booked_with_another_coach(
        database, people, link, booked):
    link(people["other_coach"], people["a"])
    scheduling.save_availability(database, people["other_coach"].id, HOURS, NOW)
    slots = scheduling.coach_slots(database, people["other_coach"].id, people["a"].id,
                                   local(24, 0), local(24, 23), NOW)
    assert local(24, 9) not in [s.start_utc for s in slots]


# -- booking ----------------------------------------------------------------------------------------
def test_a_booking_is_stored_with_a_stable_uid_and_sequence_zero(database, people, booked):
    row = stored_booking(database, booked.id)
    assert (row.start_utc, row.end_utc) == (local(24, 9), local(24, 9, 45))
    assert (row.status, row.sequence, row.zone) == ("booked", 0, "Europe/London")
    assert row.uid == f"booking-{row.id}@interviewbot"
    assert len(row.id) >= 20


def test_a_booking_holds_the_coachs_time_with_the_buffer_and_the_candidates_without(database, people, booked):
    # 45 minutes + 15 buffer for the coach, 45 for the candidate, in 5-minute cells.
    assert count(database, BookingCell, user_id=people["coach"].id) == 12
    assert count(database, BookingCell, user_id=people["a"].id) == 9


def test_a_booking_covers_the_candidates_weakest_areas_by_default(database, people, published, create_session):
    create_session(people["a"], status="finished",
                   summary={"areas": {"budgeting": 30, "escalation": 80, "metrics": 55}})
    booking = scheduling.book(database, BANK, people["a"].id, people["coach"].id, local(24, 9), NOW)
    assert booking.areas == ["budgeting", "metrics", "escalation"]


def test_booking_a_taken_slot_is_refused(database, people, link, booked):
    link(people["coach"], people["b"])
    error = refused("slot_taken", scheduling.book, database, BANK, people["b"].id, people["coach"].id,
                    local(24, 9), NOW)
    assert "just taken" in error.message
    assert count(database, Booking) == 1


def test_the_database_refuses_a_double_booking_the_code_did_not_see(database, people, link, booked, monkeypatch):
    link(people["coach"], people["b"])
    monkeypatch.setattr(scheduling, "_busy", lambda *args, **kwargs: [])  # the checks see nothing
    refused("slot_taken", scheduling.book, database, BANK, people["b"].id, people["coach"].id,
            local(24, 9), NOW)
    assert count(database, Booking) == 1


def test_the_database_refuses_a_booking_inside_the_coachs_buffer(database, people, link, booked, monkeypatch):
    link(people["coach"], people["b"])
    # The checks in code are switched off: they see no bookings and take any start as offered.
    monkeypatch.setattr(scheduling, "_busy", lambda *args, **kwargs: [])
    monkeypatch.setattr(scheduling, "check_booking",
                        lambda a, start, busy, now: scheduling.Slot(start, start + timedelta(minutes=45)))
    # The first booking ends at 09:45 and its 15-minute buffer runs to 10:00.
    refused("slot_taken", scheduling.book, database, BANK, people["b"].id, people["coach"].id,
            local(24, 9, 50), NOW)
    scheduling.book(database, BANK, people["b"].id, people["coach"].id, local(24, 10), NOW)
    assert count(database, Booking) == 2


def test_the_database_refuses_a_candidate_booked_twice_at_once(database, people, link, booked, monkeypatch):
    link(people["other_coach"], people["a"])
    scheduling.save_availability(database, people["other_coach"].id, HOURS, NOW)
    monkeypatch.setattr(scheduling, "_busy", lambda *args, **kwargs: [])
    refused("slot_taken", scheduling.book, database, BANK, people["a"].id, people["other_coach"].id,
            local(24, 9), NOW)


def test_a_candidate_already_booked_then_is_told_so(database, people, link, booked):
    link(people["other_coach"], people["a"])
    scheduling.save_availability(database, people["other_coach"].id, HOURS, NOW)
    refused("candidate_busy", scheduling.book, database, BANK, people["a"].id, people["other_coach"].id,
            local(24, 9), NOW)


def test_racing_candidates_get_one_booking(database, people, link, create_user, published):
    racers = [people["a"]] + [create_user(role="candidate") for _ in range(5)]
    for racer in racers[1:]:
        link(people["coach"], racer)
    barrier = threading.Barrier(len(racers))
    outcomes: list[str] = []

    def race(candidate: User) -> None:
        barrier.wait()
        try:
            scheduling.book(database, BANK, candidate.id, people["coach"].id, local(24, 9), NOW)
            outcomes.append("booked")
        except SchedulingError as exc:
            outcomes.append(exc.code)

    threads = [threading.Thread(target=race, args=(r,)) for r in racers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(outcomes) == ["booked"] + ["slot_taken"] * (len(racers) - 1)
    assert count(database, Booking) == 1


@pytest.mark.parametrize("start, code", [
    (local(23, 6), "in_past"),
    (local(24, 13), "not_offered"),
    (local(24, 9, 15), "not_offered"),
    (local(28, 9), "not_offered"),  # a Saturday
], ids=["past", "after-the-window", "between-slots", "saturday"])
def test_a_slot_that_is_not_offered_is_refused(database, people, published, start, code):
    refused(code, scheduling.book, database, BANK, people["a"].id, people["coach"].id, start, NOW)
    assert count(database, Booking) == 0


def test_a_slot_inside_the_coachs_notice_is_refused(database, people):
    scheduling.save_availability(database, people["coach"].id, Availability(
        "Europe/London", WEEKDAYS, slot_minutes=45, notice_minutes=24 * 60), NOW)
    refused("too_soon", scheduling.book, database, BANK, people["a"].id, people["coach"].id, local(23, 9), NOW)


def test_an_unlinked_candidate_cannot_book(database, people, published):
    refused("not_found", scheduling.book, database, BANK, people["b"].id, people["coach"].id, local(24, 9), NOW)
    assert count(database, Booking) == 0


def test_a_coach_without_availability_offers_nothing(database, people):
    refused("not_offered", scheduling.book, database, BANK, people["a"].id, people["coach"].id, local(24, 9), NOW)


# -- cancel and reschedule --------------------------------------------------------------------------
def test_cancelling_frees_the_time_and_raises_the_sequence(database, people, booked):
    scheduling.cancel(database, booked.id, people["coach"].id, NOW)
    row = stored_booking(database, booked.id)
    assert (row.status, row.sequence, row.cancelled_by) == ("cancelled", 1, people["coach"].id)
    assert count(database, BookingCell) == 0
    again = scheduling.book(database, BANK, people["a"].id, people["coach"].id, local(24, 9), NOW)
    assert again.id != booked.id


@pytest.mark.parametrize("who", ["a", "coach", "admin"])
def test_either_person_or_an_admin_may_cancel(database, people, booked, who):
    assert scheduling.cancel(database, booked.id, people[who].id, NOW).status == "cancelled"


@pytest.mark.parametrize("who", ["b", "other_coach"])
def test_a_stranger_cannot_cancel_and_nothing_changes(database, people, booked, who):
    refused("not_found", scheduling.cancel, database, booked.id, people[who].id, NOW)
    assert stored_booking(database, booked.id).status == "booked"


def test_an_unknown_booking_id_is_not_found(database, people, booked):
    refused("not_found", scheduling.cancel, database, "no-such-booking", people["a"].id, NOW)


def test_a_booking_that_has_started_cannot_be_cancelled(database, people, booked):
    refused("started", scheduling.cancel, database, booked.id, people["a"].id, local(24, 9, 1))


def test_rescheduling_moves_the_booking_and_keeps_its_uid(database, people, booked):
    moved = scheduling.reschedule(database, booked.id, people["a"].id, local(25, 10), NOW)
    assert (moved.id, moved.uid) == (booked.id, booked.uid)
    assert (moved.start_utc, moved.sequence) == (local(25, 10), 1)
    assert local(24, 9) in [s.start_utc for s in scheduling.coach_slots(
        database, people["coach"].id, people["a"].id, local(24, 0), local(24, 23), NOW)]


def test_rescheduling_to_a_neighbouring_slot_reuses_no_cells_wrongly(database, people, booked):
    moved = scheduling.reschedule(database, booked.id, people["coach"].id, local(24, 10), NOW)
    assert moved.start_utc == local(24, 10)
    assert count(database, BookingCell, booking_id=booked.id) == 12 + 9


def test_rescheduling_onto_a_taken_slot_is_refused(database, people, link, booked):
    link(people["coach"], people["b"])
    other = scheduling.book(database, BANK, people["b"].id, people["coach"].id, local(24, 10), NOW)
    refused("slot_taken", scheduling.reschedule, database, booked.id, people["a"].id, other.start_utc, NOW)
    assert stored_booking(database, booked.id).start_utc == local(24, 9)


def test_an_admin_cannot_reschedule(database, people, booked):
    refused("forbidden", scheduling.reschedule, database, booked.id, people["admin"].id, local(25, 10), NOW)


def test_a_cancelled_booking_cannot_be_rescheduled(database, people, booked):
    scheduling.cancel(database, booked.id, people["a"].id, NOW)
    refused("not_changeable", scheduling.reschedule, database, booked.id, people["a"].id, local(25, 10), NOW)


# -- areas, no-shows --------------------------------------------------------------------------------
def test_the_coach_chooses_the_areas(database, people, booked):
    scheduling.set_areas(database, BANK, booked.id, people["coach"].id, ["escalation", "metrics"], NOW)
    assert stored_booking(database, booked.id).areas == ["escalation", "metrics"]


def test_the_candidate_cannot_choose_the_areas(database, people, booked):
    refused("forbidden", scheduling.set_areas, database, BANK, booked.id, people["a"].id, ["metrics"], NOW)


def test_an_unknown_area_is_refused(database, people, booked):
    refused("unknown_area", scheduling.set_areas, database, BANK, booked.id, people["coach"].id, ["astrology"], NOW)
    assert stored_booking(database, booked.id).areas == booked.areas


def test_a_no_show_is_recorded_after_the_start(database, people, booked):
    scheduling.mark_no_show(database, booked.id, people["coach"].id, "candidate", local(24, 9, 20))
    row = stored_booking(database, booked.id)
    assert (row.status, row.no_show_of) == ("no_show", "candidate")


def test_a_no_show_cannot_be_recorded_before_the_start(database, people, booked):
    refused("not_started", scheduling.mark_no_show, database, booked.id, people["coach"].id, "candidate", NOW)


def test_nobody_reports_themselves_absent(database, people, booked):
    refused("invalid", scheduling.mark_no_show, database, booked.id, people["a"].id, "candidate", local(24, 9, 20))


# -- joining ----------------------------------------------------------------------------------------
@pytest.fixture
def service(database):
    return InterviewService(database, BANK, clock=lambda: local(24, 8, 55))


def test_joining_opens_ten_minutes_before_the_start(database, people, booked, service):
    refused("too_early", scheduling.join, database, service, booked.id, people["a"].id, local(24, 8, 49))


def test_joining_closes_at_the_end(database, people, booked, service):
    refused("over", scheduling.join, database, service, booked.id, people["a"].id, local(24, 9, 45))


def test_the_candidates_join_starts_a_mock_interview_on_the_booking_areas(database, people, booked, service):
    joined = scheduling.join(database, service, booked.id, people["a"].id, local(24, 8, 55))
    with database.session() as s:
        interview = s.get(InterviewSession, joined.session_id)
        assert (interview.owner_id, interview.mode) == (people["a"].id, "mock")
        assert interview.plan["areas"] == booked.areas
    assert stored_booking(database, booked.id).session_id == joined.session_id


def test_joining_again_returns_the_same_interview(database, people, booked, service):
    first = scheduling.join(database, service, booked.id, people["a"].id, local(24, 8, 55))
    second = scheduling.join(database, service, booked.id, people["a"].id, local(24, 9, 5))
    assert first.session_id == second.session_id
    assert count(database, InterviewSession) == 1


def test_the_coach_gets_the_candidates_interview(database, people, booked, service):
    started = scheduling.join(database, service, booked.id, people["a"].id, local(24, 8, 55))
    joined = scheduling.join(database, service, booked.id, people["coach"].id, local(24, 9))
    assert (joined.role, joined.session_id) == ("coach", started.session_id)


def test_a_coach_joining_first_waits_for_the_candidate(database, people, booked, service):
    joined = scheduling.join(database, service, booked.id, people["coach"].id, local(24, 8, 55))
    assert joined.session_id is None
    assert count(database, InterviewSession) == 0


@pytest.mark.parametrize("who, code", [("admin", "forbidden"), ("b", "not_found"), ("other_coach", "not_found")])
def test_only_the_two_people_can_join(database, people, booked, service, who, code):
    refused(code, scheduling.join, database, service, booked.id, people[who].id, local(24, 8, 55))


# -- lists ------------------------------------------------------------------------------------------
def test_upcoming_and_past_bookings_are_listed_for_both_people(database, people, booked):
    cancelled = scheduling.book(database, BANK, people["a"].id, people["coach"].id, local(25, 9), NOW)
    scheduling.cancel(database, cancelled.id, people["a"].id, NOW)
    for who in ("a", "coach"):
        agenda = scheduling.agenda_of(database, people[who].id, NOW)
        assert [b.id for b in agenda.upcoming] == [booked.id]
        assert [b.id for b in agenda.past] == [cancelled.id]
    assert scheduling.agenda_of(database, people["b"].id, NOW) == scheduling.Agenda([], [])


def test_an_ended_booking_nobody_joined_is_a_candidate_no_show(database, people, booked):
    agenda = scheduling.agenda_of(database, people["coach"].id, local(24, 10))
    assert [(b.status, b.no_show_of) for b in agenda.past] == [("no_show", "candidate")]


def test_an_ended_booking_both_joined_is_completed(database, people, booked, service):
    scheduling.join(database, service, booked.id, people["a"].id, local(24, 8, 55))
    scheduling.join(database, service, booked.id, people["coach"].id, local(24, 9))
    agenda = scheduling.agenda_of(database, people["a"].id, local(24, 10))
    assert [(b.status, b.session_id is not None) for b in agenda.past] == [("completed", True)]


# -- calendar files ---------------------------------------------------------------------------------
def join_link(booking: Booking) -> str:
    return f"https://interviewbot.example/bookings/{booking.id}"


def event_of(ics: bytes):
    calendar = Calendar.from_ical(ics)
    [event] = calendar.walk("VEVENT")
    return calendar, event


def test_the_invite_names_both_people_the_time_and_the_link(database, people, booked):
    calendar, event = event_of(scheduling.invite_bytes(database, BANK, booked.id, people["a"].id, join_link))
    assert str(calendar["METHOD"]) == "REQUEST"
    assert str(event["UID"]) == booked.uid and event["SEQUENCE"] == 0
    assert event["DTSTART"].dt == local(24, 9) and event["DTEND"].dt == local(24, 9, 45)
    assert str(event["ORGANIZER"]) == f"mailto:{people['coach'].email}"
    assert str(event["ATTENDEE"]) == f"mailto:{people['a'].email}"
    assert str(event["URL"]) == join_link(booked)
    assert event["DTSTAMP"].dt == booked.updated_at


def test_the_coachs_invite_carries_the_pre_read_and_the_candidates_does_not(database, people, booked):
    _, for_coach = event_of(scheduling.invite_bytes(database, BANK, booked.id, people["coach"].id, join_link))
    _, for_candidate = event_of(scheduling.invite_bytes(database, BANK, booked.id, people["a"].id, join_link))
    first_area = BANK.areas[booked.areas[0]].title
    assert first_area in str(for_candidate["DESCRIPTION"]) and first_area in str(for_coach["DESCRIPTION"])
    assert "Pre-read for the coach" in str(for_coach["DESCRIPTION"])
    assert "Pre-read" not in str(for_candidate["DESCRIPTION"])


def test_a_cancelled_invite_is_a_cancel_with_the_same_uid(database, people, booked):
    scheduling.cancel(database, booked.id, people["a"].id, NOW)
    calendar, event = event_of(scheduling.invite_bytes(database, BANK, booked.id, people["a"].id, join_link))
    assert (str(calendar["METHOD"]), str(event["STATUS"])) == ("CANCEL", "CANCELLED")
    assert (str(event["UID"]), event["SEQUENCE"]) == (booked.uid, 1)


def test_a_stranger_gets_no_invite(database, people, booked):
    refused("not_found", scheduling.invite_bytes, database, BANK, booked.id, people["b"].id, join_link)


SECRET = b"test-secret"


def test_a_feed_lists_the_persons_bookings(database, people, booked):
    token = scheduling.create_feed(database, people["coach"].id, SECRET, NOW)
    calendar = Calendar.from_ical(scheduling.feed_bytes(database, BANK, token, join_link, NOW))
    assert [str(e["UID"]) for e in calendar.walk("VEVENT")] == [booked.uid]


def test_the_feed_address_can_be_shown_again(database, people):
    token = scheduling.create_feed(database, people["a"].id, SECRET, NOW + timedelta(microseconds=123456))
    assert scheduling.feed_token(database, people["a"].id, SECRET) == token


def test_a_revoked_feed_shows_nothing(database, people, booked):
    token = scheduling.create_feed(database, people["a"].id, SECRET, NOW)
    assert scheduling.revoke_feed(database, people["a"].id, NOW)
    assert scheduling.feed_bytes(database, BANK, token, join_link, NOW) is None
    assert scheduling.feed_token(database, people["a"].id, SECRET) is None


def test_a_new_feed_address_retires_the_old_one(database, people, booked):
    old = scheduling.create_feed(database, people["a"].id, SECRET, NOW)
    new = scheduling.create_feed(database, people["a"].id, SECRET, NOW)
    assert new != old
    assert scheduling.feed_bytes(database, BANK, old, join_link, NOW) is None
    assert scheduling.feed_bytes(database, BANK, new, join_link, NOW) is not None


def test_an_unknown_feed_token_shows_nothing(database, people):
    assert scheduling.feed_bytes(database, BANK, "not-a-token", join_link, NOW) is None


# -- time zones -------------------------------------------------------------------------------------
def test_a_persons_time_zone_is_stored(database, people):
    scheduling.set_timezone(database, people["a"].id, "Asia/Kolkata")
    with database.session() as s:
        assert s.get(User, people["a"].id).timezone == "Asia/Kolkata"


def test_an_unknown_time_zone_is_refused(database, people):
    refused("unknown_zone", scheduling.set_timezone, database, people["a"].id, "Mars/Olympus")
    with database.session() as s:
        assert s.get(User, people["a"].id).timezone is None
