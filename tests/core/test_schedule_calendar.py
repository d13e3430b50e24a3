"""Booking invitations and the calendar feed, parsed back with icalendar."""
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from interviewbot.schedule import CalendarEvent, booking_invite, calendar_feed

START = datetime(2026, 4, 14, 8, tzinfo=UTC)
STAMP = datetime(2026, 4, 1, 10, 30, tzinfo=UTC)


def invite(**overrides) -> bytes:
    fields = dict(
        uid="booking-42@interviewbot", sequence=0, start_utc=START, end_utc=START + timedelta(minutes=45),
        summary="Mock interview with Dana", description="Agenda:\n1. Escalations; budgets, KPIs",
        organizer_email="coach@example.com", attendee_email="candidate@example.com",
        join_url="https://interviewbot.example/interview/abc", status="CONFIRMED", dtstamp=STAMP,
    )
    fields.update(overrides)
    return booking_invite(**fields)


def parsed(ics: bytes):
    calendar = Calendar.from_ical(ics)
    return calendar, calendar.walk("VEVENT")


def the_event(ics: bytes):
    calendar, events = parsed(ics)
    assert len(events) == 1
    return calendar, events[0]


def test_invite_is_a_request_with_one_confirmed_event():
    calendar, event = the_event(invite())
    assert (str(calendar["VERSION"]), str(calendar["METHOD"])) == ("2.0", "REQUEST")
    assert calendar["PRODID"]
    assert (str(event["UID"]), str(event["STATUS"]), event["SEQUENCE"]) == ("booking-42@interviewbot", "CONFIRMED", 0)


def test_invite_times_are_utc():
    ics = invite()
    _, event = the_event(ics)
    assert event["DTSTART"].dt == START and event["DTSTART"].dt.utcoffset() == timedelta(0)
    assert event["DTEND"].dt == START + timedelta(minutes=45)
    assert event["DTSTAMP"].dt == STAMP
    assert b"DTSTART:20260414T080000Z" in ics


def test_times_given_in_another_zone_are_written_in_utc():
    local = START.astimezone(ZoneInfo("America/New_York"))
    _, event = the_event(invite(start_utc=local, end_utc=local + timedelta(minutes=45)))
    assert event["DTSTART"].dt == START and event["DTSTART"].dt.utcoffset() == timedelta(0)


def test_invite_names_organizer_attendee_and_join_link():
    _, event = the_event(invite())
    assert str(event["ORGANIZER"]) == "mailto:coach@example.com"
    attendee = event["ATTENDEE"]
    assert str(attendee) == "mailto:candidate@example.com"
    assert (attendee.params["ROLE"], attendee.params["PARTSTAT"]) == ("REQ-PARTICIPANT", "ACCEPTED")
    assert str(event["URL"]) == "https://interviewbot.example/interview/abc"


def test_display_names_with_quotes_and_commas_round_trip():
    _, event = the_event(invite(organizer_name='Dana "The Coach" Reyes', attendee_name="Sam, Jr."))
    assert event["ORGANIZER"].params["CN"] == 'Dana "The Coach" Reyes'
    assert event["ATTENDEE"].params["CN"] == "Sam, Jr."


def test_description_and_summary_round_trip_with_special_characters():
    _, event = the_event(invite())
    assert str(event["SUMMARY"]) == "Mock interview with Dana"
    assert str(event["DESCRIPTION"]) == "Agenda:\n1. Escalations; budgets, KPIs"


def test_uid_is_stable_and_sequence_is_as_given():
    _, first = the_event(invite())
    later = START + timedelta(days=1)
    _, moved = the_event(invite(sequence=3, start_utc=later, end_utc=later + timedelta(minutes=45)))
    assert str(first["UID"]) == str(moved["UID"])
    assert moved["SEQUENCE"] == 3


def test_same_input_gives_the_same_bytes():
    assert invite() == invite()


def test_cancellation_uses_method_cancel_and_status_cancelled():
    calendar, event = the_event(invite(status="CANCELLED", sequence=1))
    assert str(calendar["METHOD"]) == "CANCEL"
    assert str(event["STATUS"]) == "CANCELLED" and event["SEQUENCE"] == 1
    assert str(event["UID"]) == "booking-42@interviewbot"


def test_a_line_break_in_a_text_field_cannot_add_properties():
    ics = invite(summary="Hello\r\nATTENDEE:mailto:intruder@example.com")
    _, event = the_event(ics)
    assert "intruder" not in str(event["ATTENDEE"])
    assert not isinstance(event["ATTENDEE"], list)


@pytest.mark.parametrize("overrides", [
    {"status": "TENTATIVE"},
    {"sequence": -1},
    {"uid": ""},
    {"uid": "two words"},
    {"attendee_email": "not-an-address"},
    {"organizer_email": "coach@example.com\r\nX-EVIL:1"},
    {"join_url": "javascript:alert(1)"},
    {"end_utc": START},
    {"start_utc": datetime(2026, 4, 14, 8)},
    {"dtstamp": datetime(2026, 4, 1)},
])
def test_bad_input_is_refused(overrides):
    with pytest.raises(ValueError):
        invite(**overrides)


def event(n: int, **overrides) -> CalendarEvent:
    fields = dict(uid=f"booking-{n}@interviewbot", start_utc=START + timedelta(days=n),
                  end_utc=START + timedelta(days=n, minutes=45), summary=f"Mock interview {n}", dtstamp=STAMP)
    fields.update(overrides)
    return CalendarEvent(**fields)


def test_feed_is_published_with_a_name_and_every_event():
    calendar, events = parsed(calendar_feed("Dana's mock interviews", [event(n) for n in range(3)]))
    assert str(calendar["METHOD"]) == "PUBLISH"
    assert str(calendar["X-WR-CALNAME"]) == "Dana's mock interviews"
    assert [str(e["UID"]) for e in events] == [f"booking-{n}@interviewbot" for n in range(3)]
    assert all(e["DTSTAMP"].dt == STAMP and e["DTSTART"].dt.utcoffset() == timedelta(0) for e in events)


def test_feed_keeps_cancelled_events_marked_as_such():
    _, events = parsed(calendar_feed("Bookings", [event(1), event(2, status="CANCELLED", sequence=2)]))
    assert [str(e["STATUS"]) for e in events] == ["CONFIRMED", "CANCELLED"]


def test_empty_feed_is_still_a_calendar():
    calendar, events = parsed(calendar_feed("Nothing yet", []))
    assert events == [] and str(calendar["VERSION"]) == "2.0"
