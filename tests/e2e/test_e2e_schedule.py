"""A mock interview booked and held in the browser: the coach publishes an hour that starts in a
few minutes, the candidate books it and joins, answers in a timed mock interview, and the coach
joins the same interview and watches the answers arrive."""
from __future__ import annotations

import os
import re
from datetime import datetime, time, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from interviewbot.schedule import Availability, WeeklyWindow
from interviewbot.store import Booking, CoachLink, InterviewSession, utcnow
from interviewbot.store import scheduling
from interviewbot.store.accounts import create_user

DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
CANDIDATE_ZONE = "America/New_York"
PASSWORD = "correct horse battery"  # what the sign_in fixture types


def zone_near_noon(now: datetime) -> str:
    """A fixed-offset zone where it is now between 12:00 and 13:00 (a window starting in a few
    minutes then lies within one local day, whenever the test runs)."""
    offset = 12 - now.hour
    return "UTC" if offset == 0 else f"Etc/GMT{'-' if offset > 0 else '+'}{abs(offset)}"


@pytest.fixture
def people(server):
    db = server.app.extensions["db"]
    coach = create_user(db, "dana.coach@example.com", PASSWORD, "coach")
    candidate = create_user(db, "alex.morgan@example.com", PASSWORD)
    with db.session() as s:
        s.add(CoachLink(coach_id=coach.id, candidate_id=candidate.id, created_at=utcnow()))
    return coach, candidate


@pytest.fixture
def zoned_page(browser, new_page):
    """A page whose browser reports ``CANDIDATE_ZONE`` as its time zone."""
    context = browser.new_context(viewport={"width": 1100, "height": 900}, timezone_id=CANDIDATE_ZONE)
    context.set_default_timeout(10_000)
    yield new_page(context)
    context.close()


def publish_an_hour_starting_soon(page, base_url: str) -> datetime:
    """Through the availability editor: one extra window today, from the next 5-minute mark."""
    now = utcnow()
    zone = zone_near_noon(now)
    local = now.astimezone(ZoneInfo(zone)) + timedelta(minutes=1)
    opens = (local + timedelta(minutes=-local.minute % 5)).replace(second=0, microsecond=0)
    page.goto(f"{base_url}/schedule")
    page.get_by_role("link", name="Publish your availability").click()
    page.get_by_label("Time zone").select_option(zone)
    page.get_by_label("Slot length").select_option("30")
    page.locator("#x-0-date").fill(opens.date().isoformat())
    page.locator("#x-0-kind").select_option("extra")
    page.locator("#x-0-start").fill(f"{opens:%H:%M}")
    page.locator("#x-0-end").fill(f"{opens + timedelta(hours=1):%H:%M}")
    page.get_by_role("button", name="Publish availability").click()
    expect(page.get_by_text("Your availability is published.")).to_be_visible()
    return opens.astimezone(timezone.utc)


def test_book_join_answer_and_the_coach_watches(server, page, zoned_page, new_page, people, sign_in, chat_on):
    coach, candidate = people
    sign_in(page, server.url, coach.email)
    start = publish_an_hour_starting_soon(page, server.url)

    # The candidate books: times in the zone their browser reports.
    sign_in(zoned_page, server.url, candidate.email)
    zoned_page.get_by_role("link", name="Schedule", exact=True).click()
    expect(zoned_page.get_by_label("Your time zone")).to_have_value(CANDIDATE_ZONE)
    expect(zoned_page.get_by_text(f"times in {CANDIDATE_ZONE}")).to_be_visible()
    shown = start.astimezone(ZoneInfo(CANDIDATE_ZONE))
    zoned_page.get_by_role("button", name=re.compile(rf"^Book .*{shown:%H:%M}–")).first.click()
    expect(zoned_page.get_by_text(re.compile(r"^Booked: "))).to_be_visible()
    with server.app.extensions["db"].session() as s:
        booking = s.scalar(select(Booking))
    assert booking.start_utc == start and booking.status == "booked"

    # It starts within ten minutes, so Join is on; the candidate's join opens a mock interview.
    chat = chat_on(zoned_page, server)
    zoned_page.get_by_role("button", name="Join the interview").click()
    expect(zoned_page).to_have_url(re.compile(r"/interview/[\w-]+$"))
    expect(zoned_page.locator("#timer")).to_have_text(re.compile(r"^Time left \d:\d\d$"))
    turn, question_id, _ = chat.open_turn()
    with server.app.extensions["db"].session() as s:
        interview = s.get(InterviewSession, chat.session_id)
    assert (interview.mode, interview.plan["areas"]) == ("mock", booking.areas)

    # The coach joins from their schedule and watches the same interview live.
    page.get_by_role("link", name="Schedule", exact=True).click()
    row = page.locator(f"tr[data-booking='{booking.id}']")
    expect(row).to_contain_text(candidate.email)
    row.get_by_role("button", name="Join").click()
    expect(page).to_have_url(f"{server.url}/coach/sessions/{chat.session_id}/live")
    live = page.locator("#live-conversation")
    expect(live.locator("[data-role=question]").first).to_be_visible()

    answer = chat.example(question_id)
    chat.answer(answer)
    expect(live.get_by_text(answer[:60])).to_be_visible()
    expect(zoned_page.locator("li[data-role=feedback]")).to_have_count(0)  # mock: feedback at the end

    chat.finish()
    expect(page.locator("#live-summary")).to_be_visible()
    with server.app.extensions["db"].session() as s:
        stored = s.get(Booking, booking.id)
    assert stored.session_id == chat.session_id
    assert stored.candidate_joined_at is not None and stored.coach_joined_at is not None


def test_the_countdown_and_join_button_come_alive_without_a_reload(server, zoned_page, people, sign_in):
    coach, candidate = people
    db, bank = server.app.extensions["db"], server.app.extensions["bank"]
    now = utcnow()
    zone = zone_near_noon(now)
    local = now.astimezone(ZoneInfo(zone))
    soon = local + timedelta(minutes=11)
    opens = (soon + timedelta(minutes=-soon.minute % 5)).replace(second=0, microsecond=0)  # 11–16 min away
    scheduling.save_availability(db, coach.id, Availability(
        zone, (WeeklyWindow(opens.weekday(), opens.time(), (opens + timedelta(minutes=30)).time()),),
        slot_minutes=30), now)
    booking = scheduling.book(db, bank, candidate.id, coach.id, opens.astimezone(timezone.utc), now)
    sign_in(zoned_page, server.url, candidate.email)
    zoned_page.goto(f"{server.url}/bookings/{booking.id}")
    join = zoned_page.get_by_role("button", name="Join the interview")
    expect(join).to_be_disabled()
    countdown = zoned_page.locator(".booking-facts .countdown")
    expect(countdown).to_have_text(re.compile(r"^in 1\d min$"))
    # The page's clock is set to half a minute before the join opens (it keeps running, so the
    # margin covers a slow reload), then moved on past it: the button wakes.
    zoned_page.clock.install(time=booking.start_utc - timedelta(minutes=10, seconds=30))
    zoned_page.reload()
    expect(join).to_be_disabled()
    expect(countdown).to_have_text("in 10 min")
    zoned_page.clock.run_for(31_000)
    expect(join).to_be_enabled()
    expect(countdown).to_have_text(re.compile(r"^in 9:5\d$"))


@pytest.fixture
def folder(tmp_path, db_url) -> Path:
    if not db_url.startswith("sqlite"):
        pytest.skip("one picture is enough")
    if os.environ.get("UPDATE_SCREENSHOTS") or not (DOCS / "schedule.png").exists():
        DOCS.mkdir(parents=True, exist_ok=True)
        return DOCS
    return tmp_path


def test_screenshot_of_the_schedule(folder, server, zoned_page, people, sign_in):
    coach, candidate = people
    db, bank = server.app.extensions["db"], server.app.extensions["bank"]
    now = utcnow()
    scheduling.save_availability(db, coach.id, Availability(
        "Europe/London", tuple(WeeklyWindow(d, time(9), time(12)) for d in range(5))
        + (WeeklyWindow(1, time(14), time(17)), WeeklyWindow(3, time(14), time(17))),
        slot_minutes=45, buffer_minutes=15), now)
    slots = scheduling.coach_slots(db, coach.id, candidate.id, now, now + timedelta(days=7), now)
    scheduling.book(db, bank, candidate.id, coach.id, slots[2].start_utc, now)
    sign_in(zoned_page, server.url, candidate.email)
    zoned_page.goto(f"{server.url}/schedule")
    expect(zoned_page.get_by_text(f"times in {CANDIDATE_ZONE}")).to_be_visible()
    zoned_page.screenshot(path=str(folder / "schedule.png"), full_page=True)
