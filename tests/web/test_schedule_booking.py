"""Booking through the pages: racing candidates against a live server, and bad input — each a
clear error with nothing changed."""
from __future__ import annotations

import re
import threading
import urllib.error
import urllib.parse
import urllib.request
from datetime import datetime, time, timedelta, timezone
from http.cookiejar import CookieJar

import pytest
from argon2 import PasswordHasher
from sqlalchemy import func, select

import interviewbot.store.accounts

from interviewbot.schedule import Availability, WeeklyWindow
from interviewbot.store import Booking, CoachAvailability, CoachLink, User, utcnow
from interviewbot.store import scheduling
from interviewbot.store.accounts import create_user

PASSWORD = "a long enough password"
HOURS = Availability("Europe/London", tuple(WeeklyWindow(d, time(9), time(12)) for d in range(7)),
                     slot_minutes=45, buffer_minutes=15)
RACERS = 8


@pytest.fixture(autouse=True)
def quick_hashing(monkeypatch):
    """Accounts are made by the dozen here: hashing at full cost would take most of the time."""
    monkeypatch.setattr(interviewbot.store.accounts, "_hasher",
                        PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


def iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def count(app, model, **where) -> int:
    with app.extensions["db"].session() as s:
        query = select(func.count()).select_from(model)
        for name, value in where.items():
            query = query.where(getattr(model, name) == value)
        return s.scalar(query)


def link(app, coach: User, candidate: User) -> None:
    with app.extensions["db"].session() as s:
        s.add(CoachLink(coach_id=coach.id, candidate_id=candidate.id, created_at=utcnow()))


def first_slot(app, coach: User, candidate: User) -> datetime:
    now = utcnow()
    return scheduling.coach_slots(app.extensions["db"], coach.id, candidate.id, now,
                                  now + timedelta(days=8), now)[0].start_utc


# -- racing candidates, real HTTP ------------------------------------------------------------------
class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """A person's cookies and CSRF token, speaking plain HTTP to the live server."""

    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()), NoRedirect)

    def request(self, path: str, data: dict | None = None) -> tuple[int, str]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        try:
            with self.opener.open(self.base + path, body, timeout=30) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def csrf(self, path: str) -> str:
        status, page = self.request(path)
        assert status == 200, page[:300]
        return re.search(r'<meta name="csrf-token" content="([^"]+)"', page)[1]

    def sign_in(self, email: str) -> None:
        token = self.csrf("/signin")
        status, page = self.request("/signin", {"csrf_token": token, "email": email, "password": PASSWORD})
        assert status == 302, page[:300]


def test_racing_candidates_get_exactly_one_booking(start_server):
    server = start_server(LOGIN_RATE_LIMIT="1000 per minute")
    app, db = server.app, server.app.extensions["db"]
    coach = create_user(db, "coach@example.com", PASSWORD, "coach")
    scheduling.save_availability(db, coach.id, HOURS, utcnow())
    racers = []
    for n in range(RACERS):
        candidate = create_user(db, f"racer{n}@example.com", PASSWORD)
        link(app, coach, candidate)
        browser = Browser(server.url)
        browser.sign_in(candidate.email)
        racers.append((browser, browser.csrf(f"/schedule?coach={coach.id}")))
    start = first_slot(app, coach, candidate)
    barrier = threading.Barrier(RACERS)
    results: list[tuple[int, str]] = []

    def book(browser: Browser, token: str) -> None:
        barrier.wait()
        results.append(browser.request("/schedule/book", {"csrf_token": token, "coach_id": coach.id,
                                                          "start": iso(start)}))

    threads = [threading.Thread(target=book, args=racer) for racer in racers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)

    statuses = sorted(status for status, _ in results)
    assert statuses == [302] + [409] * (RACERS - 1)
    assert all("that slot was just taken" in page for status, page in results if status == 409)
    assert count(app, Booking) == 1


# -- bad input: a clear error, nothing changed -------------------------------------------------------
@pytest.fixture
def world(make_app):
    app = make_app(WTF_CSRF_ENABLED=False, LOGIN_RATE_LIMIT="1000 per minute")
    db = app.extensions["db"]
    people = {"coach": create_user(db, "coach@example.com", PASSWORD, "coach"),
              "a": create_user(db, "a@example.com", PASSWORD),
              "b": create_user(db, "b@example.com", PASSWORD)}
    link(app, people["coach"], people["a"])
    scheduling.save_availability(db, people["coach"].id, HOURS, utcnow())
    clients = {}
    for who, person in people.items():
        clients[who] = app.test_client()
        assert clients[who].post("/signin", data={"email": person.email, "password": PASSWORD}).status_code == 302
    return app, people, clients


def availability_form(**changes: str) -> dict[str, str]:
    data = {"zone": "Europe/London", "slot_minutes": "45", "buffer_minutes": "15", "notice_minutes": "0",
            "w1-0-start": "09:00", "w1-0-end": "12:00"}
    data.update(changes)
    return data


def stored_hours(app, coach: User) -> Availability:
    return scheduling.get_availability(app.extensions["db"], coach.id)


@pytest.mark.parametrize("changes, message", [
    ({"zone": "Mars/Olympus"}, "Unknown time zone &#39;Mars/Olympus&#39;."),
    ({"w1-0-start": "12:00", "w1-0-end": "09:00"}, "Tuesday window 12:00–09:00: the end must be after the start."),
    ({"w1-1-start": "11:00", "w1-1-end": "13:00"}, "Tuesday window 11:00–13:00 overlaps Tuesday window 09:00–12:00."),
    ({"w1-0-start": "nine"}, "Tuesday window: enter the start as a time like 09:00."),
    ({"w1-0-start": "09:07"}, "Tuesday window 09:07–12:00: start and end on 5-minute steps"),
    ({"slot_minutes": "50"}, "Slot length must be one of 30, 45, 60 minutes, not 50."),
    ({"buffer_minutes": "-5"}, "Buffer: enter a whole number of minutes from 0 to 120."),
    ({"x-0-date": "2026-13-40", "x-0-kind": "off"}, "Exception: enter a date like 2026-04-14."),
    ({"x-0-date": "2026-04-14", "x-0-kind": "extra", "x-0-start": "10:00", "x-0-end": "09:00"},
     "Extra window on 2026-04-14 10:00–09:00: the end must be after the start."),
], ids=["unknown-zone", "ends-before-start", "overlap", "not-a-time", "off-grid", "slot-length",
        "negative-buffer", "bad-date", "extra-ends-before-start"])
def test_bad_availability_is_refused_with_a_clear_message_and_nothing_saved(world, changes, message):
    app, people, clients = world
    response = clients["coach"].post("/schedule/availability", data=availability_form(**changes))
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Nothing was saved." in body and message in body
    assert stored_hours(app, people["coach"]) == HOURS


def test_a_bad_availability_keeps_what_was_typed(world):
    _, _, clients = world
    body = clients["coach"].post("/schedule/availability", data=availability_form(
        **{"w1-0-start": "12:00", "w1-0-end": "09:00", "w3-0-start": "14:00", "w3-0-end": "16:00"})).get_data(as_text=True)
    assert 'name="w3-0-start" value="14:00"' in body
    assert re.search(r'name="w1-0-start" value="12:00" aria-invalid="true"', body)


def test_a_good_availability_is_published(world):
    app, people, clients = world
    response = clients["coach"].post("/schedule/availability", data=availability_form(
        **{"x-0-date": "2026-04-14", "x-0-kind": "off"}))
    assert response.status_code == 302
    saved = stored_hours(app, people["coach"])
    assert saved.windows == (WeeklyWindow(1, time(9), time(12)),) and len(saved.exceptions) == 1


@pytest.mark.parametrize("start, status, message", [
    ("not a time", 400, "Choose one of the listed slots."),
    (iso(datetime(2020, 1, 7, 9, tzinfo=timezone.utc)), 400, "That slot has already started."),
    ("next-slot+7min", 400, "The coach does not offer a slot starting at that time."),
    ("next-slot@14:00", 400, "The coach does not offer a slot starting at that time."),
], ids=["garbage", "past", "off-the-grid", "outside-the-window"])
def test_a_slot_that_is_not_offered_is_refused(world, start, status, message):
    app, people, clients = world
    slot = first_slot(app, people["coach"], people["a"])
    if start == "next-slot+7min":
        start = iso(slot + timedelta(minutes=7))
    elif start == "next-slot@14:00":
        start = iso(slot.replace(hour=14) if slot.hour < 14 else slot + timedelta(hours=4))
    response = clients["a"].post("/schedule/book", data={"coach_id": people["coach"].id, "start": start})
    assert response.status_code == status
    assert message in response.get_data(as_text=True)
    assert count(app, Booking) == 0


def test_a_coach_who_is_not_linked_cannot_be_booked(world):
    app, people, clients = world
    slot = first_slot(app, people["coach"], people["a"])
    response = clients["b"].post("/schedule/book", data={"coach_id": people["coach"].id, "start": iso(slot)})
    assert response.status_code == 404
    assert count(app, Booking) == 0


def test_an_unknown_coach_id_is_not_found(world):
    app, people, clients = world
    response = clients["a"].post("/schedule/book", data={"coach_id": "999999", "start": iso(utcnow())})
    assert response.status_code == 404
    assert count(app, Booking) == 0


def test_a_taken_slot_gets_a_clear_conflict(world):
    app, people, clients = world
    slot = first_slot(app, people["coach"], people["a"])
    link(app, people["coach"], people["b"])
    assert clients["a"].post("/schedule/book", data={"coach_id": people["coach"].id, "start": iso(slot)}).status_code == 302
    response = clients["b"].post("/schedule/book", data={"coach_id": people["coach"].id, "start": iso(slot)})
    assert response.status_code == 409
    assert "Sorry, that slot was just taken by someone else. Pick another one." in response.get_data(as_text=True)
    assert count(app, Booking) == 1


def test_moving_onto_a_taken_slot_is_refused_and_the_booking_stays(world):
    app, people, clients = world
    db = app.extensions["db"]
    link(app, people["coach"], people["b"])
    slot = first_slot(app, people["coach"], people["a"])
    mine = scheduling.book(db, app.extensions["bank"], people["a"].id, people["coach"].id, slot, utcnow())
    other_slot = first_slot(app, people["coach"], people["b"])
    scheduling.book(db, app.extensions["bank"], people["b"].id, people["coach"].id, other_slot, utcnow())
    response = clients["a"].post(f"/bookings/{mine.id}/reschedule", data={"start": iso(other_slot)})
    assert response.status_code == 409 and "just taken" in response.get_data(as_text=True)
    assert scheduling.booking_for(db, mine.id, people["a"].id).start_utc == slot


def test_a_booking_cannot_be_cancelled_twice(world):
    app, people, clients = world
    slot = first_slot(app, people["coach"], people["a"])
    booking = scheduling.book(app.extensions["db"], app.extensions["bank"], people["a"].id, people["coach"].id,
                              slot, utcnow())
    assert clients["a"].post(f"/bookings/{booking.id}/cancel").status_code == 302
    response = clients["coach"].post(f"/bookings/{booking.id}/cancel")
    assert response.status_code == 400
    assert "This booking is cancelled; it can no longer be changed." in response.get_data(as_text=True)


def test_joining_too_early_says_when_it_opens(world):
    app, people, clients = world
    slot = first_slot(app, people["coach"], people["a"])
    booking = scheduling.book(app.extensions["db"], app.extensions["bank"], people["a"].id, people["coach"].id,
                              slot, utcnow())
    response = clients["a"].post(f"/bookings/{booking.id}/join")
    assert response.status_code == 400
    assert "You can join from 10 minutes before the start." in response.get_data(as_text=True)


def test_an_unknown_time_zone_is_refused(world):
    app, people, clients = world
    response = clients["a"].post("/schedule/timezone", data={"timezone": "Mars/Olympus"},
                                 headers={"Accept": "application/json"})
    assert response.status_code == 400
    assert response.get_json() == {"error": "unknown_zone", "message": "Unknown time zone 'Mars/Olympus'."}
    with app.extensions["db"].session() as s:
        assert s.get(User, people["a"].id).timezone is None


def test_the_saved_time_zone_is_used_for_the_slots(world):
    app, people, clients = world
    assert clients["a"].post("/schedule/timezone", data={"timezone": "America/New_York"},
                             headers={"Accept": "application/json"}).get_json() == {"timezone": "America/New_York"}
    body = clients["a"].get("/schedule").get_data(as_text=True)
    assert "times in America/New_York" in body
    assert "04:00–04:45" in body or "05:00–05:45" in body  # 09:00 London is 04:00 or 05:00 in New York


def test_a_booking_form_without_its_csrf_token_is_refused(make_app):
    app = make_app(LOGIN_RATE_LIMIT="1000 per minute")
    db = app.extensions["db"]
    coach, candidate = create_user(db, "c@example.com", PASSWORD, "coach"), create_user(db, "a@example.com", PASSWORD)
    link(app, coach, candidate)
    scheduling.save_availability(db, coach.id, HOURS, utcnow())
    client = app.test_client()
    page = client.get("/signin").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)[1]
    client.post("/signin", data={"csrf_token": token, "email": candidate.email, "password": PASSWORD})
    response = client.post("/schedule/book", data={"coach_id": coach.id, "start": iso(first_slot(app, coach, candidate))})
    assert response.status_code == 400
    assert count(app, Booking) == 0
    assert count(app, CoachAvailability) == 1


def test_dashboards_list_the_upcoming_booking_with_a_countdown(world):
    app, people, clients = world
    slot = first_slot(app, people["coach"], people["a"])
    assert clients["a"].post("/schedule/book", data={"coach_id": people["coach"].id, "start": iso(slot)}).status_code == 302
    home = clients["a"].get("/").get_data(as_text=True)
    dashboard = clients["coach"].get("/coach").get_data(as_text=True)
    for page, other in ((home, people["coach"].email), (dashboard, people["a"].email)):
        assert "Upcoming mock interviews" in page and other in page
        assert 'class="countdown"' in page and "schedule-countdown.js" in page
    assert "Upcoming mock interviews" not in clients["b"].get("/").get_data(as_text=True)
