"""The scheduling tables: built by migration 0003 as the models describe them, with the database
itself refusing a second booking of a person's time, a second active calendar feed and a
booking that ends before it starts."""
from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone

import pytest
from alembic import command
from dbutil import fresh_database
from sqlalchemy import Engine, func, inspect, select
from sqlalchemy.exc import IntegrityError

from interviewbot.store import (
    Booking,
    BookingCell,
    CalendarFeed,
    alembic_config,
    make_engine,
    upgrade,
)

SCHEDULING_TABLES = {"coach_availability", "bookings", "booking_cells", "calendar_feeds"}
START = datetime(2026, 4, 14, 8, tzinfo=timezone.utc)


@pytest.fixture
def empty_url(database_kind: str) -> Iterator[str]:
    with fresh_database(database_kind, migrate=False) as url:
        yield url


@pytest.fixture
def engine(empty_url: str) -> Iterator[Engine]:
    engine = make_engine(empty_url)
    yield engine
    engine.dispose()


@pytest.fixture
def pair(create_user):
    return create_user(role="coach"), create_user(role="candidate")


@pytest.fixture
def add_booking(database, pair):
    coach, candidate = pair

    def add(**changes) -> Booking:
        values = {"id": f"b{START.timestamp()}-{len(changes)}", "coach_id": coach.id,
                  "candidate_id": candidate.id, "start_utc": START,
                  "end_utc": START + timedelta(minutes=45), "zone": "Europe/London", "areas": [],
                  "status": "booked", "sequence": 0}
        values.update(changes)
        values.setdefault("uid", f"booking-{values['id']}@interviewbot")
        row = Booking(**values)
        with database.session() as s:
            s.add(row)
        return row

    return add


def count(database, model) -> int:
    with database.session() as s:
        return s.scalar(select(func.count()).select_from(model))


def test_upgrade_creates_the_scheduling_tables_and_the_time_zone_column(empty_url, engine):
    upgrade(empty_url)
    assert SCHEDULING_TABLES <= set(inspect(engine).get_table_names())
    assert "timezone" in {c["name"] for c in inspect(engine).get_columns("users")}


def test_downgrade_to_0002_removes_only_the_scheduling_schema(empty_url, engine):
    upgrade(empty_url)
    command.downgrade(alembic_config(empty_url), "0002")
    inspector = inspect(engine)
    assert not set(inspector.get_table_names()) & SCHEDULING_TABLES
    assert {"users", "coach_links", "interview_sessions"} <= set(inspector.get_table_names())
    assert "timezone" not in {c["name"] for c in inspector.get_columns("users")}


def test_upgrade_after_downgrade_restores_the_scheduling_tables(empty_url, engine):
    upgrade(empty_url)
    command.downgrade(alembic_config(empty_url), "0002")
    upgrade(empty_url)
    assert SCHEDULING_TABLES <= set(inspect(engine).get_table_names())


def test_a_persons_cell_of_time_is_held_once(database, pair, add_booking):
    coach, _ = pair
    first, second = add_booking(id="first"), add_booking(id="second")
    with database.session() as s:
        s.add(BookingCell(user_id=coach.id, cell_start_utc=START, booking_id=first.id))
    with pytest.raises(IntegrityError):
        with database.session() as s:
            s.add(BookingCell(user_id=coach.id, cell_start_utc=START, booking_id=second.id))
    assert count(database, BookingCell) == 1


def test_the_same_cell_is_free_for_another_person(database, pair, add_booking):
    coach, candidate = pair
    booking = add_booking(id="first")
    with database.session() as s:
        s.add_all([BookingCell(user_id=coach.id, cell_start_utc=START, booking_id=booking.id),
                   BookingCell(user_id=candidate.id, cell_start_utc=START, booking_id=booking.id)])
    assert count(database, BookingCell) == 2


def test_a_booking_must_end_after_it_starts(database, add_booking):
    with pytest.raises(IntegrityError):
        add_booking(id="backwards", end_utc=START - timedelta(minutes=45))


def test_a_booking_status_must_be_known(database, add_booking):
    with pytest.raises(IntegrityError):
        add_booking(id="odd", status="maybe")


def test_booking_uids_are_unique(database, add_booking):
    add_booking(id="one", uid="same@interviewbot")
    with pytest.raises(IntegrityError):
        add_booking(id="two", uid="same@interviewbot")


def test_one_active_calendar_feed_per_person(database, pair):
    _, candidate = pair
    with database.session() as s:
        s.add(CalendarFeed(user_id=candidate.id, token_hash="a" * 64))
    with pytest.raises(IntegrityError):
        with database.session() as s:
            s.add(CalendarFeed(user_id=candidate.id, token_hash="b" * 64))


def test_a_revoked_feed_leaves_room_for_a_new_one(database, pair):
    _, candidate = pair
    with database.session() as s:
        s.add(CalendarFeed(user_id=candidate.id, token_hash="a" * 64, revoked_at=START))
        s.add(CalendarFeed(user_id=candidate.id, token_hash="b" * 64))
    assert count(database, CalendarFeed) == 2


def test_deleting_a_booking_releases_its_cells(database, pair, add_booking):
    coach, _ = pair
    booking = add_booking(id="gone")
    with database.session() as s:
        s.add(BookingCell(user_id=coach.id, cell_start_utc=START, booking_id=booking.id))
    with database.session() as s:
        s.delete(s.get(Booking, booking.id))
    assert count(database, BookingCell) == 0
