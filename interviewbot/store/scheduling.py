"""Scheduling operations: a coach's availability, the slots a linked candidate may book, bookings
(book, cancel, reschedule, no-show, join), the lists behind the pages, calendar files and feeds.

The rules themselves are the pure core in :mod:`interviewbot.schedule`; this module loads what
they need, applies them, and stores the outcome. Every function opens its own transaction on the
``Database`` it is given and takes ``now`` from its caller.

Refusals raise :class:`SchedulingError` with a stable ``code`` (the web layer maps codes to a
status) and a ``message`` for people. A booking that is not yours and one that does not exist
are the same refusal (``not_found``).

Double booking is refused by the database, not only by the checks here: a booking holds one
``booking_cells`` row per 5-minute cell of its coach's time (the slot and the buffer after it)
and of its candidate's time (the slot), and the table is unique on person and cell. Of two
transactions racing for overlapping time, the second to insert fails with an IntegrityError,
reported as ``slot_taken``.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from sqlalchemy import delete, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload

from ..bank import Bank
from ..engine.protocol import ClientMessage as Message
from ..schedule import (
    Availability,
    CalendarEvent,
    DayOff,
    ExtraWindow,
    ScheduleError,
    Slot,
    WeeklyWindow,
    agenda_for,
    booking_invite,
    calendar_feed,
    check_booking,
    free_slots,
    load_zone,
    validate_availability,
)
from .coaching import is_linked
from .db import Database
from .models import (
    CELL_MINUTES,
    Booking,
    BookingCell,
    CalendarFeed,
    CoachAvailability,
    InterviewSession,
    User,
    new_booking_id,
)
from .sessions import progress_points

JOIN_EARLY = timedelta(minutes=10)  # the Join button works from this long before the start
RECENT_SCORES = 3  # an area's standing is the average of its latest few session scores
DEFAULT_AREAS = 3  # areas a booking covers unless the coach chooses others
FEED_PAST = timedelta(days=60)  # how far back a calendar feed reaches
QUESTIONS_FOR_MINUTES = {30: 3, 45: 4, 60: 5}
UID_DOMAIN = "interviewbot"
_CELL = timedelta(minutes=CELL_MINUTES)


class SchedulingError(ValueError):
    """A refused scheduling operation; ``code`` is stable, ``message`` is for people.

    ``field`` names the form field at fault when there is one; ``window`` is the offending
    window or exception of an availability (as the core reports it).
    """

    def __init__(self, code: str, message: str, field: str | None = None,
                 window: object | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field
        self.window = window


def _not_found() -> SchedulingError:
    return SchedulingError("not_found", "No such booking.")


def _slot_taken() -> SchedulingError:
    return SchedulingError("slot_taken", "Sorry, that slot was just taken by someone else. "
                                         "Pick another one.")


# -- availability -------------------------------------------------------------------------------
def availability_from_row(row: CoachAvailability) -> Availability:
    """The stored JSON as the core's value object."""
    windows = [WeeklyWindow(w["weekday"], _time(w["start"]), _time(w["end"])) for w in row.windows]
    exceptions: list[DayOff | ExtraWindow] = []
    for x in row.exceptions:
        day = date.fromisoformat(x["date"])
        if x.get("start"):
            exceptions.append(ExtraWindow(day, _time(x["start"]), _time(x["end"])))
        else:
            exceptions.append(DayOff(day))
    return Availability(zone=row.zone, windows=tuple(windows), exceptions=tuple(exceptions),
                        slot_minutes=row.slot_minutes, buffer_minutes=row.buffer_minutes,
                        notice_minutes=row.notice_minutes)


def _windows_json(a: Availability) -> list[dict[str, Any]]:
    return [{"weekday": w.weekday, "start": _hhmm(w.start), "end": _hhmm(w.end)}
            for w in sorted(a.windows, key=lambda w: (w.weekday, w.start))]


def _exceptions_json(a: Availability) -> list[dict[str, Any]]:
    found = []
    for x in sorted(a.exceptions, key=lambda x: (x.date, getattr(x, "start", time.min))):
        if isinstance(x, ExtraWindow):
            found.append({"date": x.date.isoformat(), "start": _hhmm(x.start), "end": _hhmm(x.end)})
        else:
            found.append({"date": x.date.isoformat()})
    return found


def get_availability(db: Database, coach_id: int) -> Availability | None:
    with db.session() as s:
        row = s.scalar(select(CoachAvailability).where(CoachAvailability.coach_id == coach_id))
        return availability_from_row(row) if row is not None else None


def check_availability(availability: Availability) -> Availability:
    """The core's rules, plus one of storage: times and buffers on 5-minute steps, so that
    adjacent slots never share a cell of ``booking_cells`` (see the module docstring)."""
    try:
        validate_availability(availability)
    except ScheduleError as exc:
        message = exc.message[:1].upper() + exc.message[1:]  # "extra window on ..." opens a sentence
        raise SchedulingError(exc.code, message, window=exc.window) from None
    if availability.buffer_minutes % CELL_MINUTES:
        raise SchedulingError("grid", f"The buffer must be a multiple of {CELL_MINUTES} minutes.")
    for w in (*availability.windows, *availability.extra_windows):
        if w.start.minute % CELL_MINUTES or w.end.minute % CELL_MINUTES or w.start.second or w.end.second:
            raise SchedulingError("grid", f"{w.describe()}: start and end on {CELL_MINUTES}-minute steps "
                                          f"(like 09:00 or 09:05).", window=w)
    return availability


def save_availability(db: Database, coach_id: int, availability: Availability,
                      now: datetime) -> Availability:
    """Publish a coach's availability (replacing the earlier one). Bookings already made stay."""
    check_availability(availability)
    values = {"zone": availability.zone, "slot_minutes": availability.slot_minutes,
              "buffer_minutes": availability.buffer_minutes,
              "notice_minutes": availability.notice_minutes,
              "windows": _windows_json(availability), "exceptions": _exceptions_json(availability),
              "updated_at": now}
    for attempt in range(2):
        try:
            with db.session(for_update=True) as s:
                _require_role(s, coach_id, "coach")
                row = s.scalar(select(CoachAvailability).where(CoachAvailability.coach_id == coach_id)
                               .with_for_update())
                if row is None:
                    row = CoachAvailability(coach_id=coach_id)
                    s.add(row)
                for name, value in values.items():
                    setattr(row, name, value)
            return availability
        except IntegrityError:  # a first save raced another: the row exists now, update it
            if attempt:
                raise
    return availability


# -- slots ----------------------------------------------------------------------------------------
def coach_slots(db: Database, coach_id: int, candidate_id: int, start_utc: datetime,
                end_utc: datetime, now: datetime, except_id: str | None = None) -> list[Slot]:
    """The coach's free slots in [start_utc, end_utc] that a linked candidate may book: none
    taken by another booking (with the coach's buffer) nor clashing with the candidate's own.
    ``except_id`` leaves one booking out (the one being moved)."""
    if not is_linked(db, coach_id, candidate_id):
        raise SchedulingError("not_found", "That coach is not one of your coaches.")
    with db.session() as s:
        row = s.scalar(select(CoachAvailability).where(CoachAvailability.coach_id == coach_id))
        if row is None:
            return []
        availability = availability_from_row(row)
        margin = timedelta(minutes=availability.buffer_minutes + availability.slot_minutes)
        coach_busy = _busy(s, coach_id, start_utc - margin, end_utc + margin, except_id)
        own_busy = _busy(s, candidate_id, start_utc - margin, end_utc + margin, except_id)
    slots = free_slots(availability, start_utc, end_utc, coach_busy, now)
    return [slot for slot in slots if not _overlaps(slot, own_busy)]


def open_slots(db: Database, coach_id: int, start_utc: datetime, end_utc: datetime,
               now: datetime) -> list[Slot]:
    """The coach's own view: the slots in [start_utc, end_utc] nobody has booked yet."""
    with db.session() as s:
        row = s.scalar(select(CoachAvailability).where(CoachAvailability.coach_id == coach_id))
        if row is None:
            return []
        availability = availability_from_row(row)
        margin = timedelta(minutes=availability.buffer_minutes + availability.slot_minutes)
        busy = _busy(s, coach_id, start_utc - margin, end_utc + margin)
    return free_slots(availability, start_utc, end_utc, busy, now)


def _busy(s: Session, user_id: int, start: datetime, end: datetime,
          except_id: str | None = None) -> list[tuple[datetime, datetime]]:
    """The booked intervals of a person (as coach or candidate) that touch [start, end]."""
    query = select(Booking.start_utc, Booking.end_utc).where(
        or_(Booking.coach_id == user_id, Booking.candidate_id == user_id),
        Booking.status == "booked", Booking.start_utc < end, Booking.end_utc > start)
    if except_id is not None:
        query = query.where(Booking.id != except_id)
    return [(b_start, b_end) for b_start, b_end in s.execute(query)]


def _overlaps(slot: Slot, busy: Iterable[tuple[datetime, datetime]]) -> bool:
    return any(slot.start_utc < b_end and b_start < slot.end_utc for b_start, b_end in busy)


# -- booking --------------------------------------------------------------------------------------
def book(db: Database, bank: Bank, candidate_id: int, coach_id: int, start_utc: datetime,
         now: datetime) -> Booking:
    """Book the slot starting at ``start_utc`` with a linked coach, for the areas the candidate
    is weakest in (the coach may change them later)."""
    if not is_linked(db, coach_id, candidate_id):
        raise SchedulingError("not_found", "That coach is not one of your coaches.")
    areas = weakest_areas(db, bank, candidate_id)
    booking_id = new_booking_id()
    try:
        with db.session(for_update=True) as s:
            _require_role(s, candidate_id, "candidate")
            availability = _availability_of(s, coach_id)
            slot = _bookable(s, availability, coach_id, candidate_id, start_utc, now)
            booking = Booking(id=booking_id, coach_id=coach_id, candidate_id=candidate_id,
                              start_utc=slot.start_utc, end_utc=slot.end_utc, zone=availability.zone,
                              areas=areas, status="booked", sequence=0,
                              uid=f"booking-{booking_id}@{UID_DOMAIN}", created_at=now, updated_at=now)
            s.add(booking)
            s.flush()
            _hold_cells(s, booking, availability.buffer_minutes)
    except IntegrityError:
        raise _slot_taken() from None
    return booking_for(db, booking_id, candidate_id)


def _availability_of(s: Session, coach_id: int) -> Availability:
    row = s.scalar(select(CoachAvailability).where(CoachAvailability.coach_id == coach_id))
    if row is None:
        raise SchedulingError("not_offered", "This coach has not published any availability yet.")
    return availability_from_row(row)


def _bookable(s: Session, availability: Availability, coach_id: int, candidate_id: int,
              start_utc: datetime, now: datetime, except_id: str | None = None) -> Slot:
    """The slot, if the coach offers it and neither person is busy then (checked in code; the
    cells catch what these reads cannot see: a booking committed since)."""
    day = timedelta(days=1)
    coach_busy = _busy(s, coach_id, start_utc - day, start_utc + day, except_id)
    try:
        slot = check_booking(availability, start_utc, coach_busy, now)
    except ScheduleError as exc:
        if exc.code == "overlap":
            raise _slot_taken() from None
        raise SchedulingError(exc.code, exc.message) from None
    if _overlaps(slot, _busy(s, candidate_id, start_utc - day, start_utc + day, except_id)):
        raise SchedulingError("candidate_busy", "The candidate already has a booking at that time.")
    return slot


def _cells(start: datetime, end: datetime) -> list[datetime]:
    """The 5-minute cells (on the UTC grid) that [start, end) touches."""
    epoch = datetime(2000, 1, 1, tzinfo=timezone.utc)
    first = epoch + ((start - epoch) // _CELL) * _CELL
    cells = []
    while first < end:
        cells.append(first)
        first += _CELL
    return cells


def _hold_cells(s: Session, booking: Booking, buffer_minutes: int) -> None:
    coach_until = booking.end_utc + timedelta(minutes=buffer_minutes)
    rows = [{"user_id": booking.coach_id, "cell_start_utc": cell, "booking_id": booking.id}
            for cell in _cells(booking.start_utc, coach_until)]
    rows += [{"user_id": booking.candidate_id, "cell_start_utc": cell, "booking_id": booking.id}
             for cell in _cells(booking.start_utc, booking.end_utc)]
    s.execute(BookingCell.__table__.insert(), rows)


def _release_cells(s: Session, booking_id: str) -> None:
    s.execute(delete(BookingCell).where(BookingCell.booking_id == booking_id))


def booking_for(db: Database, booking_id: str, user_id: int) -> Booking:
    """The booking, with both people loaded, if ``user_id`` is one of them or an admin."""
    with db.session() as s:
        return _visible_booking(s, booking_id, user_id)


def _visible_booking(s: Session, booking_id: Any, user_id: int, lock: bool = False) -> Booking:
    if not isinstance(booking_id, str) or not booking_id:
        raise _not_found()
    query = select(Booking).options(joinedload(Booking.coach), joinedload(Booking.candidate)) \
        .where(Booking.id == booking_id)
    if lock:
        query = query.with_for_update(of=Booking)
    booking = s.scalar(query)
    if booking is None:
        raise _not_found()
    if user_id not in (booking.coach_id, booking.candidate_id) and not _is_admin(s, user_id):
        raise _not_found()
    return booking


def _party_booking(s: Session, booking_id: Any, user_id: int) -> Booking:
    """The booking, locked, if ``user_id`` is its coach or candidate (admins: forbidden)."""
    booking = _visible_booking(s, booking_id, user_id, lock=True)
    if user_id not in (booking.coach_id, booking.candidate_id):
        raise SchedulingError("forbidden", "Only the candidate and the coach can do this.")
    return booking


def _require_changeable(booking: Booking, now: datetime) -> None:
    if booking.status != "booked":
        raise SchedulingError("not_changeable", f"This booking is {booking.status.replace('_', ' ')}; "
                                                f"it can no longer be changed.")
    if booking.start_utc <= now:
        raise SchedulingError("started", "This booking has already started; it can no longer be "
                                         "cancelled or moved.")


def cancel(db: Database, booking_id: str, user_id: int, now: datetime) -> Booking:
    """Cancel a booking before it starts (either of its people, or an admin). The calendar event
    keeps its UID, takes the next SEQUENCE and STATUS:CANCELLED; the time is free again."""
    with db.session(for_update=True) as s:
        booking = _visible_booking(s, booking_id, user_id, lock=True)
        _require_changeable(booking, now)
        booking.status, booking.cancelled_at, booking.cancelled_by = "cancelled", now, user_id
        booking.sequence += 1
        booking.updated_at = now
        _release_cells(s, booking.id)
    return booking


def reschedule(db: Database, booking_id: str, user_id: int, start_utc: datetime,
               now: datetime) -> Booking:
    """Move a booking to another free slot of the same coach before it starts (either of its
    people). Same booking, same UID, SEQUENCE + 1."""
    try:
        with db.session(for_update=True) as s:
            booking = _party_booking(s, booking_id, user_id)
            _require_changeable(booking, now)
            availability = _availability_of(s, booking.coach_id)
            slot = _bookable(s, availability, booking.coach_id, booking.candidate_id, start_utc, now,
                             except_id=booking.id)
            if slot.start_utc == booking.start_utc:
                raise SchedulingError("same_slot", "The booking is already at that time.")
            _release_cells(s, booking.id)
            booking.start_utc, booking.end_utc = slot.start_utc, slot.end_utc
            booking.zone = availability.zone
            booking.sequence += 1
            booking.updated_at = now
            s.flush()
            _hold_cells(s, booking, availability.buffer_minutes)
    except IntegrityError:
        raise _slot_taken() from None
    return booking_for(db, booking_id, user_id)


def set_areas(db: Database, bank: Bank, booking_id: str, user_id: int, areas: Sequence[str],
              now: datetime) -> Booking:
    """The coach chooses what the mock interview covers, until the candidate has joined."""
    chosen = list(dict.fromkeys(areas))
    if not chosen:
        raise SchedulingError("no_areas", "Choose at least one area.", "areas")
    unknown = [a for a in chosen if a not in bank.areas]
    if unknown:
        raise SchedulingError("unknown_area", f"Unknown area: {', '.join(unknown)[:200]}.", "areas")
    with db.session(for_update=True) as s:
        booking = _party_booking(s, booking_id, user_id)
        if user_id != booking.coach_id:
            raise SchedulingError("forbidden", "Only the coach chooses the areas.")
        if booking.status != "booked" or booking.session_id is not None:
            raise SchedulingError("not_changeable", "The interview has started or the booking is over; "
                                                    "its areas can no longer change.")
        booking.areas = chosen
        booking.updated_at = now
    return booking


def mark_no_show(db: Database, booking_id: str, user_id: int, who: str, now: datetime) -> Booking:
    """Record that the candidate or the coach did not come, once the booking has started.

    Each side reports the other; an admin may report either.
    """
    if who not in ("candidate", "coach"):
        raise SchedulingError("invalid", "Say who did not come: the candidate or the coach.")
    with db.session(for_update=True) as s:
        booking = _visible_booking(s, booking_id, user_id, lock=True)
        if user_id == (booking.candidate_id if who == "candidate" else booking.coach_id):
            raise SchedulingError("invalid", "You cannot report yourself as absent.")
        if booking.status != "booked":
            raise SchedulingError("not_changeable", f"This booking is {booking.status.replace('_', ' ')}.")
        if booking.start_utc > now:
            raise SchedulingError("not_started", "A no-show can be recorded once the booking has started.")
        booking.status, booking.no_show_of, booking.updated_at = "no_show", who, now
    return booking


@dataclass(frozen=True)
class Joined:
    booking: Booking
    role: str  # "candidate" or "coach"
    session_id: str | None  # None: the coach came first; the candidate has not joined yet


def join(db: Database, service: Any, booking_id: str, user_id: int, now: datetime) -> Joined:
    """Join a booked mock interview, from ``JOIN_EARLY`` before its start until its end.

    The candidate's first join starts the mock interview (timed answers, feedback at the end)
    on the booking's areas and links it to the booking; later joins return the same session.
    The coach gets that session's id once the candidate has joined.
    """
    with db.session(for_update=True) as s:
        booking = _party_booking(s, booking_id, user_id)
        _require_joinable(booking, now)
        role = "candidate" if user_id == booking.candidate_id else "coach"
        column = "candidate_joined_at" if role == "candidate" else "coach_joined_at"
        if getattr(booking, column) is None:
            setattr(booking, column, now)
        session_id = booking.session_id
    if role == "coach" or session_id is not None:
        return Joined(booking, role, session_id)
    started = service.start(booking.candidate_id, _start_message(service.bank, booking))
    with db.session(for_update=True) as s:
        s.execute(update(Booking).where(Booking.id == booking.id, Booking.session_id.is_(None))
                  .values(session_id=started.session_id))
        session_id = s.scalar(select(Booking.session_id).where(Booking.id == booking.id))
        if session_id != started.session_id:  # a second join raced this one and won: keep one
            s.execute(delete(InterviewSession).where(InterviewSession.id == started.session_id))
    booking.session_id = session_id
    return Joined(booking, role, session_id)


def _require_joinable(booking: Booking, now: datetime) -> None:
    if booking.status != "booked":
        raise SchedulingError("not_joinable", f"This booking is {booking.status.replace('_', ' ')}.")
    if now < booking.start_utc - JOIN_EARLY:
        minutes = int(JOIN_EARLY.total_seconds() // 60)
        raise SchedulingError("too_early", f"You can join from {minutes} minutes before the start.")
    if now >= booking.end_utc:
        raise SchedulingError("over", "This booking has ended.")


def _start_message(bank: Bank, booking: Booking) -> Message:
    areas = [a for a in booking.areas if a in bank.areas] or list(bank.areas)
    minutes = int((booking.end_utc - booking.start_utc).total_seconds() // 60)
    available = sum(1 for q in bank.questions.values() if q.area in areas)
    count = max(1, min(QUESTIONS_FOR_MINUTES.get(minutes, minutes // 12), available))
    return Message("start", f"booking-{booking.id}", {"areas": areas, "count": count, "mode": "mock"})


# -- lists ------------------------------------------------------------------------------------------
def settle(db: Database, user_id: int | None, now: datetime) -> int:
    """Close the person's (or, with None, everyone's) bookings that have ended: completed when
    both joined, else a no-show of the one who did not (the candidate first). Returns how many."""
    query = select(Booking).where(Booking.status == "booked", Booking.end_utc <= now)
    if user_id is not None:
        query = query.where(or_(Booking.coach_id == user_id, Booking.candidate_id == user_id))
    with db.session() as s:  # most page views find nothing to do: no write transaction then
        if s.scalar(query.with_only_columns(Booking.id).limit(1)) is None:
            return 0
    with db.session(for_update=True) as s:
        ended = list(s.scalars(query.with_for_update()))
        for booking in ended:
            if booking.candidate_joined_at is None:
                booking.status, booking.no_show_of = "no_show", "candidate"
            elif booking.coach_joined_at is None:
                booking.status, booking.no_show_of = "no_show", "coach"
            else:
                booking.status = "completed"
            booking.updated_at = now
        return len(ended)


@dataclass(frozen=True)
class Agenda:
    upcoming: list[Booking]  # booked and not yet ended, soonest first
    past: list[Booking]  # ended or cancelled, newest first


def agenda_of(db: Database, user_id: int, now: datetime, past_limit: int = 50) -> Agenda:
    """The person's bookings, as coach or candidate, with both people loaded (two queries)."""
    settle(db, user_id, now)
    mine = or_(Booking.coach_id == user_id, Booking.candidate_id == user_id)
    people = (joinedload(Booking.coach), joinedload(Booking.candidate))
    with db.session() as s:
        upcoming = list(s.scalars(select(Booking).options(*people).where(
            mine, Booking.status == "booked", Booking.end_utc > now).order_by(Booking.start_utc)))
        past = list(s.scalars(select(Booking).options(*people).where(
            mine, or_(Booking.status != "booked", Booking.end_utc <= now))
            .order_by(Booking.start_utc.desc()).limit(past_limit)))
    return Agenda(upcoming, past)


def all_upcoming(db: Database, now: datetime, limit: int = 200) -> list[Booking]:
    """Every booked interview not yet ended (for admins), soonest first."""
    with db.session() as s:
        return list(s.scalars(select(Booking).options(joinedload(Booking.coach), joinedload(Booking.candidate))
                              .where(Booking.status == "booked", Booking.end_utc > now)
                              .order_by(Booking.start_utc).limit(limit)))


# -- areas and agenda -------------------------------------------------------------------------------
def area_scores(db: Database, candidate_id: int) -> dict[str, float]:
    """Area id -> the average of the candidate's latest few session scores in it."""
    scores: dict[str, list[int]] = {}
    for point in progress_points(db, candidate_id):
        for area, score in point.areas.items():
            scores.setdefault(area, []).append(score)
    return {a: sum(s[-RECENT_SCORES:]) / len(s[-RECENT_SCORES:]) for a, s in scores.items()}


def weakest_areas(db: Database, bank: Bank, candidate_id: int, count: int = DEFAULT_AREAS) -> list[str]:
    """The candidate's weakest practised areas, then unpractised ones in bank order."""
    scores = area_scores(db, candidate_id)
    practised = sorted((a for a in scores if a in bank.areas), key=lambda a: (scores[a], a))
    unpractised = [a for a in bank.areas if a not in scores]
    return (practised + unpractised)[:count]


def agenda_text(bank: Bank, booking: Booking, scores: dict[str, float], for_coach: bool) -> str:
    """The invite's description: the agenda on the booking's areas, weakest first (``scores``
    from :func:`area_scores`), and for the coach a pre-read on what to probe in each."""
    areas = [(bank.areas[a].title if a in bank.areas else a, scores.get(a)) for a in booking.areas]
    return agenda_for(areas, for_coach=for_coach)


# -- calendar files ---------------------------------------------------------------------------------
def _event(bank: Bank, booking: Booking, scores: dict[str, float], for_coach: bool,
           join_url: str | None) -> CalendarEvent:
    return CalendarEvent(
        uid=booking.uid, start_utc=booking.start_utc, end_utc=booking.end_utc,
        summary=f"Mock interview: {booking.candidate.email} with {booking.coach.email}",
        dtstamp=booking.updated_at, description=agenda_text(bank, booking, scores, for_coach),
        join_url=join_url, sequence=booking.sequence,
        status="CANCELLED" if booking.status == "cancelled" else "CONFIRMED",
        organizer_email=booking.coach.email, attendee_email=booking.candidate.email,
    )


def invite_bytes(db: Database, bank: Bank, booking_id: str, user_id: int,
                 join_url: Callable[[Booking], str]) -> bytes:
    """The booking's .ics: METHOD:REQUEST, or METHOD:CANCEL once cancelled. The description
    carries the agenda, with the coach's pre-read for anyone but the candidate."""
    booking = booking_for(db, booking_id, user_id)
    event = _event(bank, booking, area_scores(db, booking.candidate_id), user_id != booking.candidate_id,
                   join_url(booking))
    return booking_invite(
        event.uid, event.sequence, event.start_utc, event.end_utc, event.summary, event.description,
        event.organizer_email, event.attendee_email, event.join_url, event.status, event.dtstamp)


def _feed_token(secret: bytes, feed: CalendarFeed) -> str:
    """A feed's token, derived from the app's secret and the feed row: the page can show the
    address again while the database holds only its hash. The creation time is in it so that a
    row id used again (after an account is deleted) never gives an old address back."""
    made = feed.created_at.astimezone(timezone.utc).isoformat(timespec="microseconds")
    digest = hmac.new(secret, f"calendar-feed:{feed.id}:{feed.user_id}:{made}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_feed(db: Database, user_id: int, secret: bytes, now: datetime) -> str:
    """A new private feed address for the person; any earlier one stops working."""
    for attempt in range(2):
        try:
            with db.session(for_update=True) as s:
                s.execute(update(CalendarFeed).where(CalendarFeed.user_id == user_id,
                                                     CalendarFeed.revoked_at.is_(None))
                          .values(revoked_at=now))
                feed = CalendarFeed(user_id=user_id, token_hash=secrets.token_hex(32), created_at=now)
                s.add(feed)
                s.flush()
                token = _feed_token(secret, feed)
                feed.token_hash = _token_hash(token)
            return token
        except IntegrityError:  # two regenerations at once: the other one's feed is the active one
            if attempt:
                raise
    raise AssertionError("unreachable")


def feed_token(db: Database, user_id: int, secret: bytes) -> str | None:
    """The person's active feed token, or None (no feed, or made under another secret key)."""
    with db.session() as s:
        feed = s.scalar(select(CalendarFeed).where(CalendarFeed.user_id == user_id,
                                                   CalendarFeed.revoked_at.is_(None)))
    if feed is None:
        return None
    token = _feed_token(secret, feed)
    return token if hmac.compare_digest(_token_hash(token), feed.token_hash) else None


def has_feed(db: Database, user_id: int) -> bool:
    with db.session() as s:
        return s.scalar(select(CalendarFeed.id).where(CalendarFeed.user_id == user_id,
                                                      CalendarFeed.revoked_at.is_(None))) is not None


def revoke_feed(db: Database, user_id: int, now: datetime) -> bool:
    """Stop the person's feed address working; False when there was none."""
    with db.session(for_update=True) as s:
        result = s.execute(update(CalendarFeed).where(CalendarFeed.user_id == user_id,
                                                      CalendarFeed.revoked_at.is_(None))
                           .values(revoked_at=now))
        return result.rowcount > 0


def feed_bytes(db: Database, bank: Bank, token: str, join_url: Callable[[Booking], str],
               now: datetime) -> bytes | None:
    """The calendar behind a feed token: the person's bookings from ``FEED_PAST`` ago on,
    cancelled ones included (as STATUS:CANCELLED). None for an unknown or revoked token."""
    if not isinstance(token, str) or not token or len(token) > 100:
        return None
    with db.session() as s:
        feed = s.scalar(select(CalendarFeed).where(CalendarFeed.token_hash == _token_hash(token),
                                                   CalendarFeed.revoked_at.is_(None)))
        if feed is None:
            return None
        user_id = feed.user_id
        bookings = list(s.scalars(
            select(Booking).options(joinedload(Booking.coach), joinedload(Booking.candidate))
            .where(or_(Booking.coach_id == user_id, Booking.candidate_id == user_id),
                   Booking.end_utc > now - FEED_PAST)
            .order_by(Booking.start_utc, Booking.id)))
    scores = {c: area_scores(db, c) for c in {b.candidate_id for b in bookings}}  # once per candidate
    events = [_event(bank, b, scores[b.candidate_id], user_id != b.candidate_id, join_url(b)) for b in bookings]
    return calendar_feed("Mock interviews", events)


# -- people -----------------------------------------------------------------------------------------
def set_timezone(db: Database, user_id: int, zone: str) -> str:
    """Remember the zone a person's times are shown in (an IANA name)."""
    if not isinstance(zone, str) or not zone.strip() or len(zone) > 64:
        raise SchedulingError("unknown_zone", "Choose a time zone.", "timezone")
    zone = zone.strip()
    try:
        load_zone(zone)
    except ScheduleError as exc:
        raise SchedulingError(exc.code, exc.message, "timezone") from None
    with db.session(for_update=True) as s:
        s.execute(update(User).where(User.id == user_id).values(timezone=zone))
    return zone


def _require_role(s: Session, user_id: int, role: str) -> User:
    user = s.get(User, user_id)
    if user is None or user.role != role:
        raise SchedulingError("forbidden", f"Only a {role} can do this.")
    return user


def _is_admin(s: Session, user_id: int) -> bool:
    return s.scalar(select(User.role).where(User.id == user_id)) == "admin"


def _time(value: str) -> time:
    return time.fromisoformat(value)


def _hhmm(t: time) -> str:
    return t.strftime("%H:%M")
