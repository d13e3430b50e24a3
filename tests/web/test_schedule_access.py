"""Who may do what on the scheduling pages: every route, for an anonymous visitor, candidate A
(linked to coach C), candidate B (not linked), coach C, coach D (not linked) and an admin.

A booking that is not yours answers 404, the same as one that does not exist; a refused request
changes nothing. One app and set of accounts per database, shared by the module; every request
that could change a booking gets a booking of its own.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
from dbutil import database_urls, fresh_database
from sqlalchemy import delete

from interviewbot.schedule import Availability, ExtraWindow, WeeklyWindow
from interviewbot.store import Booking, CoachLink, InterviewSession, User, utcnow
from interviewbot.store import scheduling
from interviewbot.store.accounts import create_user
from interviewbot.web import create_app

PASSWORD = "a long enough password"
WHO = ("anonymous", "a", "b", "coach", "other_coach", "admin")
SIGN_IN = "sign-in"
SLOT = timedelta(minutes=30)


def zone_near_noon(now: datetime) -> str:
    """A fixed-offset zone where it is now between 12:00 and 13:00, so that a window around now
    lies inside one local day whenever the tests run."""
    offset = 12 - now.hour
    return "UTC" if offset == 0 else f"Etc/GMT{'-' if offset > 0 else '+'}{abs(offset)}"


def hours_around_now(now: datetime) -> tuple[Availability, datetime]:
    """Every day but today, all day; today, one hour from just before now. Returns the
    availability and the start of the slot in progress now."""
    zone = zone_near_noon(now)
    local = now.astimezone(ZoneInfo(zone))
    opens = local.replace(minute=local.minute - local.minute % 5, second=0, microsecond=0) - timedelta(minutes=5)
    windows = tuple(WeeklyWindow(d, time(0), time(23, 30)) for d in range(7) if d != local.weekday())
    extra = (ExtraWindow(local.date(), opens.time(), (opens + timedelta(hours=1)).time()),)
    return (Availability(zone, windows, extra, slot_minutes=30, buffer_minutes=0),
            opens.astimezone(timezone.utc))


def form_data(a: Availability) -> dict[str, str]:
    data = {"zone": a.zone, "slot_minutes": str(a.slot_minutes), "buffer_minutes": str(a.buffer_minutes),
            "notice_minutes": str(a.notice_minutes)}
    for i, w in enumerate(a.windows):
        data[f"w{w.weekday}-{i}-start"], data[f"w{w.weekday}-{i}-end"] = f"{w.start:%H:%M}", f"{w.end:%H:%M}"
    for i, x in enumerate(a.exceptions):
        data[f"x-{i}-date"], data[f"x-{i}-kind"] = x.date.isoformat(), "extra"
        data[f"x-{i}-start"], data[f"x-{i}-end"] = f"{x.start:%H:%M}", f"{x.end:%H:%M}"
    return data


def iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


@dataclass
class World:
    app: object
    people: dict[str, User]
    clients: dict[str, object]
    hours: Availability
    running_start: datetime  # the start of a slot that is in progress now

    @property
    def db(self):
        return self.app.extensions["db"]

    @property
    def bank(self):
        return self.app.extensions["bank"]

    def free_slot(self, after: datetime | None = None) -> datetime:
        now = utcnow()
        slots = scheduling.coach_slots(self.db, self.people["coach"].id, self.people["a"].id,
                                       max(now, after or now), now + timedelta(days=8), now)
        return slots[0].start_utc

    def future_booking(self) -> Booking:
        """A's booking with C, in the future."""
        return scheduling.book(self.db, self.bank, self.people["a"].id, self.people["coach"].id,
                               self.free_slot(), utcnow())

    def running_booking(self) -> Booking:
        """A's booking with C that started a few minutes ago, booked an hour before its start
        (an earlier test's booking of that slot is removed first)."""
        with self.db.session() as s:
            s.execute(delete(Booking).where(Booking.start_utc == self.running_start))
        return scheduling.book(self.db, self.bank, self.people["a"].id, self.people["coach"].id,
                               self.running_start, self.running_start - timedelta(hours=1))

    def feed_token(self) -> str:
        """A new calendar feed address for coach C."""
        return scheduling.create_feed(self.db, self.people["coach"].id, b"test-secret", utcnow())

    def snapshot(self, booking_id: str) -> tuple:
        with self.db.session() as s:
            b = s.get(Booking, booking_id)
            return (b.status, b.start_utc, b.sequence, b.areas, b.session_id, b.no_show_of)


@pytest.fixture(scope="module", params=database_urls())
def world(request):
    with fresh_database(request.param) as url:
        app = create_app({"TESTING": True, "SECRET_KEY": "test-secret", "DATABASE_URL": url,
                          "WTF_CSRF_ENABLED": False, "LOGIN_RATE_LIMIT": "1000 per minute"})
        db = app.extensions["db"]
        people = {"a": create_user(db, "a@example.com", PASSWORD),
                  "b": create_user(db, "b@example.com", PASSWORD),
                  "coach": create_user(db, "coach@example.com", PASSWORD, "coach"),
                  "other_coach": create_user(db, "other-coach@example.com", PASSWORD, "coach"),
                  "admin": create_user(db, "admin@example.com", PASSWORD, "admin")}
        with db.session() as s:
            s.add(CoachLink(coach_id=people["coach"].id, candidate_id=people["a"].id, created_at=utcnow()))
        hours, running_start = hours_around_now(utcnow())
        scheduling.save_availability(db, people["coach"].id, hours, utcnow())
        scheduling.save_availability(db, people["other_coach"].id, hours, utcnow())
        clients = {"anonymous": app.test_client()}
        for who, person in people.items():
            client = app.test_client()
            response = client.post("/signin", data={"email": person.email, "password": PASSWORD})
            assert response.status_code == 302
            clients[who] = client
        yield World(app, people, clients, hours, running_start)
        db.dispose()


# route -> (method, path, expected for: anonymous, A, B, coach C, coach D, admin)
ROUTES = {
    "schedule": ("GET", "/schedule", (SIGN_IN, 200, 200, 200, 200, 200)),
    "schedule-coach": ("GET", "/schedule?coach={coach}", (SIGN_IN, 200, 404, 200, 200, 200)),
    "timezone": ("POST", "/schedule/timezone", (SIGN_IN, 302, 302, 302, 302, 302)),
    "availability": ("GET", "/schedule/availability", (SIGN_IN, 403, 403, 200, 200, 403)),
    "availability-save": ("POST", "/schedule/availability", (SIGN_IN, 403, 403, 302, 302, 403)),
    "book": ("POST", "/schedule/book", (SIGN_IN, 302, 404, 403, 403, 403)),
    "booking": ("GET", "/bookings/{booking}", (SIGN_IN, 200, 404, 200, 404, 200)),
    "invite": ("GET", "/bookings/{booking}.ics", (SIGN_IN, 200, 404, 200, 404, 200)),
    "cancel": ("POST", "/bookings/{booking}/cancel", (SIGN_IN, 302, 404, 302, 404, 302)),
    "reschedule": ("POST", "/bookings/{booking}/reschedule", (SIGN_IN, 302, 404, 302, 404, 403)),
    "areas": ("POST", "/bookings/{booking}/areas", (SIGN_IN, 403, 404, 302, 404, 403)),
    "no-show": ("POST", "/bookings/{running}/no-show", (SIGN_IN, 302, 404, 302, 404, 302)),
    "join": ("POST", "/bookings/{running}/join", (SIGN_IN, 302, 404, 302, 404, 403)),
    "unknown-booking": ("GET", "/bookings/no-such-booking-000", (SIGN_IN, 404, 404, 404, 404, 404)),
    "cancel-get": ("GET", "/bookings/{booking}/cancel", (405, 405, 405, 405, 405, 405)),
    "feed": ("GET", "/calendar/{token}.ics", (200, 200, 200, 200, 200, 200)),
    "feed-unknown": ("GET", "/calendar/not-a-token.ics", (404, 404, 404, 404, 404, 404)),
    "feed-settings": ("GET", "/schedule/calendar", (SIGN_IN, 200, 200, 200, 200, 200)),
    "feed-create": ("POST", "/schedule/calendar", (SIGN_IN, 302, 302, 302, 302, 302)),
    "feed-revoke": ("POST", "/schedule/calendar/revoke", (SIGN_IN, 302, 302, 302, 302, 302)),
}


def request_data(world: World, route: str, who: str, booking: Booking | None) -> dict[str, str]:
    people = world.people
    return {
        "timezone": {"timezone": "Europe/London"},
        "availability-save": form_data(world.hours),
        "book": {"coach_id": str(people["coach"].id), "start": iso(world.free_slot()) if route == "book" else ""},
        "reschedule": {"start": iso(world.free_slot(booking.start_utc + SLOT)) if booking else ""},
        "areas": {"areas": ["escalation", "metrics"]},
        "no-show": {"who": "coach" if who == "a" else "candidate"},
    }.get(route, {})


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize("route", ROUTES)
def test_access(world, route, who):
    method, template, expected = ROUTES[route]
    expected = expected[WHO.index(who)]
    booking = None
    if "{booking}" in template:
        booking = world.future_booking()
    elif "{running}" in template:
        booking = world.running_booking()
    path = template.format(booking=booking.id if booking else "", running=booking.id if booking else "",
                           coach=world.people["coach"].id,
                           token=world.feed_token() if "{token}" in template else "")
    before = world.snapshot(booking.id) if booking else None

    response = world.clients[who].open(path, method=method, data=request_data(world, route, who, booking))
    body = response.get_data(as_text=True)

    if expected == SIGN_IN:
        assert response.status_code == 302
        location = urlsplit(response.headers["Location"])
        assert location.path == "/signin" and not location.netloc
    else:
        assert response.status_code == expected, body[:800]
    if booking is not None and not 200 <= response.status_code < 400:
        assert world.snapshot(booking.id) == before  # a refusal changes nothing
    if booking is not None and who in ("b", "other_coach"):
        assert booking.id not in body.replace(path, "")


def test_a_candidates_join_opens_their_mock_interview(world):
    booking = world.running_booking()
    response = world.clients["a"].post(f"/bookings/{booking.id}/join")
    session_id = world.snapshot(booking.id)[4]
    assert response.status_code == 302 and response.headers["Location"] == f"/interview/{session_id}"
    with world.db.session() as s:
        interview = s.get(InterviewSession, session_id)
        assert (interview.owner_id, interview.mode) == (world.people["a"].id, "mock")


def test_the_coachs_join_opens_the_live_view_once_the_candidate_is_in(world):
    booking = world.running_booking()
    world.clients["a"].post(f"/bookings/{booking.id}/join")
    response = world.clients["coach"].post(f"/bookings/{booking.id}/join")
    session_id = world.snapshot(booking.id)[4]
    assert response.status_code == 302
    assert response.headers["Location"] == f"/coach/sessions/{session_id}/live"


def test_a_coach_joining_before_the_candidate_is_told_to_wait(world):
    booking = world.running_booking()
    response = world.clients["coach"].post(f"/bookings/{booking.id}/join", follow_redirects=True)
    assert "has not joined yet" in response.get_data(as_text=True)
    assert world.snapshot(booking.id)[4] is None


def test_an_unlinked_candidate_sees_no_coach_and_no_slots(world):
    body = world.clients["b"].get("/schedule").get_data(as_text=True)
    assert "You have no coach yet" in body
    assert world.people["coach"].email not in body
    assert 'name="start"' not in body


def test_a_booking_is_listed_for_its_two_people_only(world):
    booking = world.future_booking()
    for who in ("a", "coach"):
        assert booking.id in world.clients[who].get("/schedule").get_data(as_text=True), who
    for who in ("b", "other_coach"):
        assert booking.id not in world.clients[who].get("/schedule").get_data(as_text=True), who


def test_an_admin_sees_everyones_upcoming_bookings(world):
    booking = world.future_booking()
    assert booking.id in world.clients["admin"].get("/schedule").get_data(as_text=True)


def test_a_foreign_booking_looks_the_same_as_none(world):
    booking = world.future_booking()
    client = world.clients["b"]
    foreign, unknown = client.get(f"/bookings/{booking.id}"), client.get("/bookings/no-such-booking-000")
    assert foreign.status_code == unknown.status_code == 404
    strip = lambda page: re.sub(rb'<meta name="csrf-token" content="[^"]*">', b"", page)  # noqa: E731
    assert strip(foreign.get_data()) == strip(unknown.get_data())


def test_the_feed_is_the_coachs_own(world):
    body = world.clients["anonymous"].get(f"/calendar/{world.feed_token()}.ics").get_data(as_text=True)
    assert "BEGIN:VCALENDAR" in body
    assert json.dumps(world.people["other_coach"].email)[1:-1] not in body


def test_every_schedule_route_is_in_the_matrix(world):
    """A new route must be added above, with who may use it."""
    ours = {r.rule for r in world.app.url_map.iter_rules() if r.endpoint.startswith("schedule.")}
    normalise = lambda text: re.sub(r"<[^>]+>|\{[a-z]+\}", "X", re.sub(r"\?.*", "", text))  # noqa: E731
    covered = {normalise(path) for _, path, _ in ROUTES.values()}
    assert {normalise(rule) for rule in ours} <= covered


@pytest.mark.parametrize("who", ["a", "coach", "admin"])
def test_schedule_pages_have_no_inline_script_style_or_event_handlers(world, who):
    booking = world.future_booking()
    paths = ["/schedule", f"/bookings/{booking.id}", "/schedule/calendar"]
    paths += ["/schedule/availability"] if who == "coach" else []
    for path in paths:
        response = world.clients[who].get(path)
        page = response.get_data(as_text=True)
        assert response.status_code == 200, path
        assert "script-src 'self'" in response.headers["Content-Security-Policy"], path
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page), path
        assert not re.search(r"<style\b|\sstyle=", page), path
        assert not re.search(r"\son[a-z]+=", page), path
