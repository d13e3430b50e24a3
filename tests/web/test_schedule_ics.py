"""The .ics invite of a booking and a person's private feed, fetched from a live server and parsed
back with icalendar: a stable UID, a SEQUENCE that goes up, STATUS:CANCELLED, organizer and
attendee, the link to join, the agenda; a feed that can be revoked and replaced."""
from __future__ import annotations

import re
import urllib.error
import urllib.request
from datetime import time, timedelta

import pytest
from icalendar import Calendar

from interviewbot.schedule import Availability, WeeklyWindow
from interviewbot.store import CoachLink, utcnow
from interviewbot.store import scheduling
from interviewbot.store.accounts import create_user

PASSWORD = "a long enough password"
HOURS = Availability("Europe/London", tuple(WeeklyWindow(d, time(9), time(12)) for d in range(7)),
                     slot_minutes=45, buffer_minutes=15)


@pytest.fixture
def world(start_server):
    server = start_server(WTF_CSRF_ENABLED=False, LOGIN_RATE_LIMIT="1000 per minute")
    db, bank = server.app.extensions["db"], server.app.extensions["bank"]
    coach = create_user(db, "dana.coach@example.com", PASSWORD, "coach")
    candidate = create_user(db, "alex@example.com", PASSWORD)
    with db.session() as s:
        s.add(CoachLink(coach_id=coach.id, candidate_id=candidate.id, created_at=utcnow()))
    scheduling.save_availability(db, coach.id, HOURS, utcnow())
    now = utcnow()
    slots = scheduling.coach_slots(db, coach.id, candidate.id, now, now + timedelta(days=8), now)
    booking = scheduling.book(db, bank, candidate.id, coach.id, slots[0].start_utc, now)
    clients = {}
    for who, person in (("coach", coach), ("candidate", candidate)):
        clients[who] = server.app.test_client()
        clients[who].post("/signin", data={"email": person.email, "password": PASSWORD})
    return server, coach, candidate, booking, slots, clients


def fetch(url: str) -> tuple[int, str, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.headers["Content-Type"], response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers["Content-Type"], error.read()


def invite(client, booking_id: str):
    response = client.get(f"/bookings/{booking_id}.ics")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    calendar = Calendar.from_ical(response.data)
    [event] = calendar.walk("VEVENT")
    return calendar, event


def test_the_invite_is_a_request_for_the_booked_time(world):
    _, coach, candidate, booking, _, clients = world
    calendar, event = invite(clients["candidate"], booking.id)
    assert (str(calendar["VERSION"]), str(calendar["METHOD"])) == ("2.0", "REQUEST")
    assert str(event["UID"]) == booking.uid
    assert (event["DTSTART"].dt, event["DTEND"].dt) == (booking.start_utc, booking.end_utc)
    assert event["DTSTAMP"].dt.utcoffset() == timedelta(0)
    assert (event["SEQUENCE"], str(event["STATUS"])) == (0, "CONFIRMED")


def test_the_invite_names_the_coach_as_organizer_and_the_candidate_as_attendee(world):
    _, coach, candidate, booking, _, clients = world
    _, event = invite(clients["coach"], booking.id)
    assert str(event["ORGANIZER"]) == f"mailto:{coach.email}"
    assert str(event["ATTENDEE"]) == f"mailto:{candidate.email}"
    assert event["ATTENDEE"].params["PARTSTAT"] == "ACCEPTED"


def test_the_invite_links_to_the_booking_page_with_the_join_button(world):
    _, _, _, booking, _, clients = world
    _, event = invite(clients["candidate"], booking.id)
    assert str(event["URL"]) == f"http://localhost/bookings/{booking.id}"  # absolute: it leaves the site
    page = clients["candidate"].get(f"/bookings/{booking.id}").get_data(as_text=True)
    assert "Join the interview" in page


def test_the_agenda_names_the_areas_and_the_coach_also_gets_a_pre_read(world):
    server, _, _, booking, _, clients = world
    first_area = server.app.extensions["bank"].areas[booking.areas[0]].title
    _, for_candidate = invite(clients["candidate"], booking.id)
    _, for_coach = invite(clients["coach"], booking.id)
    assert "Mock interview agenda" in str(for_candidate["DESCRIPTION"])
    assert first_area in str(for_candidate["DESCRIPTION"])
    assert "Pre-read for the coach" in str(for_coach["DESCRIPTION"])
    assert "Pre-read" not in str(for_candidate["DESCRIPTION"])


def test_moving_the_booking_keeps_the_uid_and_raises_the_sequence(world):
    _, _, _, booking, slots, clients = world
    moved_to = slots[1].start_utc
    response = clients["candidate"].post(f"/bookings/{booking.id}/reschedule",
                                         data={"start": moved_to.isoformat()})
    assert response.status_code == 302
    _, event = invite(clients["candidate"], booking.id)
    assert str(event["UID"]) == booking.uid
    assert (event["SEQUENCE"], event["DTSTART"].dt) == (1, moved_to)


def test_a_cancelled_booking_gives_a_cancel_with_the_same_uid(world):
    _, _, _, booking, _, clients = world
    assert clients["coach"].post(f"/bookings/{booking.id}/cancel").status_code == 302
    calendar, event = invite(clients["candidate"], booking.id)
    assert (str(calendar["METHOD"]), str(event["STATUS"])) == ("CANCEL", "CANCELLED")
    assert (str(event["UID"]), event["SEQUENCE"]) == (booking.uid, 1)


def feed_url(client) -> str:
    page = client.get("/schedule/calendar").get_data(as_text=True)
    found = re.search(r'id="feed-url" type="text" readonly value="([^"]+)"', page)
    return found[1] if found else ""


def test_a_calendar_app_reads_the_feed_without_signing_in(world):
    server, _, _, booking, _, clients = world
    assert clients["candidate"].post("/schedule/calendar").status_code == 302
    url = feed_url(clients["candidate"]).replace("http://localhost", server.url)
    status, kind, body = fetch(url)
    assert (status, kind) == (200, "text/calendar; charset=utf-8")
    calendar = Calendar.from_ical(body)
    assert str(calendar["METHOD"]) == "PUBLISH"
    assert [str(e["UID"]) for e in calendar.walk("VEVENT")] == [booking.uid]


def test_the_feed_shows_cancelled_bookings_as_cancelled(world):
    server, _, _, booking, _, clients = world
    clients["coach"].post("/schedule/calendar")
    clients["candidate"].post(f"/bookings/{booking.id}/cancel")
    _, _, body = fetch(feed_url(clients["coach"]).replace("http://localhost", server.url))
    [event] = Calendar.from_ical(body).walk("VEVENT")
    assert (str(event["UID"]), str(event["STATUS"]), event["SEQUENCE"]) == (booking.uid, "CANCELLED", 1)


def test_the_feed_address_is_shown_again_on_the_settings_page(world):
    _, _, _, _, _, clients = world
    clients["candidate"].post("/schedule/calendar")
    assert feed_url(clients["candidate"]) == feed_url(clients["candidate"]) != ""


def test_a_revoked_feed_stops_working(world):
    server, _, _, _, _, clients = world
    clients["candidate"].post("/schedule/calendar")
    url = feed_url(clients["candidate"]).replace("http://localhost", server.url)
    assert clients["candidate"].post("/schedule/calendar/revoke").status_code == 302
    assert fetch(url)[0] == 404
    assert feed_url(clients["candidate"]) == ""


def test_a_new_feed_address_replaces_the_old_one(world):
    server, _, _, _, _, clients = world
    clients["candidate"].post("/schedule/calendar")
    old = feed_url(clients["candidate"]).replace("http://localhost", server.url)
    clients["candidate"].post("/schedule/calendar")
    new = feed_url(clients["candidate"]).replace("http://localhost", server.url)
    assert new != old
    assert (fetch(old)[0], fetch(new)[0]) == (404, 200)
