"""iCalendar (RFC 5545) files for bookings: an invitation or cancellation per booking, and a
subscribable feed of a person's bookings. Times are written in UTC (the trailing "Z" form).

An update to a booking keeps its UID and raises SEQUENCE; a cancellation is the same UID with
STATUS:CANCELLED, sent with METHOD:CANCEL.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from icalendar import Calendar, Event, vCalAddress, vText

from .localtime import as_utc

PRODID = "-//interviewbot//Mock interviews//EN"
STATUSES = ("CONFIRMED", "CANCELLED")
PARTSTATS = ("NEEDS-ACTION", "ACCEPTED", "DECLINED", "TENTATIVE")

_EMAIL = re.compile(r"[^@\s<>\"(),;:\\]+@[^@\s<>\"(),;:\\]+")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


@dataclass(frozen=True)
class CalendarEvent:
    """One booking as a calendar event. `dtstamp` is when the booking last changed."""

    uid: str
    start_utc: datetime
    end_utc: datetime
    summary: str
    dtstamp: datetime
    description: str = ""
    join_url: str | None = None
    sequence: int = 0
    status: str = "CONFIRMED"
    organizer_email: str | None = None
    attendee_email: str | None = None
    organizer_name: str | None = None
    attendee_name: str | None = None
    attendee_partstat: str = "ACCEPTED"


def booking_invite(
    uid: str,
    sequence: int,
    start_utc: datetime,
    end_utc: datetime,
    summary: str,
    description: str,
    organizer_email: str,
    attendee_email: str,
    join_url: str | None,
    status: str,
    dtstamp: datetime,
    *,
    organizer_name: str | None = None,
    attendee_name: str | None = None,
    attendee_partstat: str = "ACCEPTED",
) -> bytes:
    """A VCALENDAR with one VEVENT: METHOD:REQUEST, or METHOD:CANCEL when `status` is CANCELLED.

    The organizer is the coach and the attendee the candidate, who chose the slot and so has
    accepted it unless `attendee_partstat` says otherwise.
    """
    event = CalendarEvent(
        uid=uid, start_utc=start_utc, end_utc=end_utc, summary=summary, dtstamp=dtstamp,
        description=description, join_url=join_url, sequence=sequence, status=status,
        organizer_email=organizer_email, attendee_email=attendee_email,
        organizer_name=organizer_name, attendee_name=attendee_name, attendee_partstat=attendee_partstat,
    )
    vevent = _vevent(event)
    calendar = _calendar("CANCEL" if event.status == "CANCELLED" else "REQUEST")
    calendar.add_component(vevent)
    return calendar.to_ical()


def calendar_feed(name: str, events: Iterable[CalendarEvent]) -> bytes:
    """A METHOD:PUBLISH calendar named `name` (X-WR-CALNAME) holding every event, in order."""
    calendar = _calendar("PUBLISH")
    calendar.add("x-wr-calname", _text(name))
    for event in events:
        calendar.add_component(_vevent(event))
    return calendar.to_ical()


def _calendar(method: str) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", method)
    return calendar


def _vevent(e: CalendarEvent) -> Event:
    start, end = as_utc(e.start_utc, "start_utc"), as_utc(e.end_utc, "end_utc")
    if end <= start:
        raise ValueError("end_utc must be after start_utc")
    if e.status not in STATUSES:
        raise ValueError(f"status must be one of {STATUSES}, not {e.status!r}")
    if not isinstance(e.sequence, int) or isinstance(e.sequence, bool) or e.sequence < 0:
        raise ValueError(f"sequence must be a whole number, 0 or more, not {e.sequence!r}")
    if not e.uid or _CONTROL.search(e.uid) or any(c.isspace() for c in e.uid):
        raise ValueError(f"uid must be non-empty without spaces or control characters: {e.uid!r}")
    event = Event()
    event.add("uid", e.uid)
    event.add("dtstamp", as_utc(e.dtstamp, "dtstamp"))
    event.add("dtstart", start)
    event.add("dtend", end)
    event.add("summary", _text(e.summary))
    if e.description:
        event.add("description", _text(e.description))
    if e.join_url:
        event.add("url", _url(e.join_url))
    if e.organizer_email:
        event.add("organizer", _address(e.organizer_email, e.organizer_name))
    if e.attendee_email:
        attendee = _address(e.attendee_email, e.attendee_name)
        attendee.params["ROLE"] = "REQ-PARTICIPANT"
        attendee.params["PARTSTAT"] = _partstat(e.attendee_partstat)
        event.add("attendee", attendee)
    event.add("sequence", e.sequence)
    event.add("status", e.status)
    return event


def _address(email: str, name: str | None) -> vCalAddress:
    email = email.strip()
    if not _EMAIL.fullmatch(email):
        raise ValueError(f"not an email address: {email!r}")
    address = vCalAddress(f"mailto:{email}")
    if name:
        address.params["CN"] = _text(name).replace("\n", " ")
    return address


def _partstat(value: str) -> str:
    if value not in PARTSTATS:
        raise ValueError(f"attendee_partstat must be one of {PARTSTATS}, not {value!r}")
    return value


def _url(url: str) -> str:
    url = url.strip()
    if not re.fullmatch(r"https?://[^\s\x00-\x1f\x7f]+", url):
        raise ValueError(f"join_url must be an http(s) URL: {url!r}")
    return url


def _text(value: str) -> vText:
    """Text with line endings made \\n and other control characters dropped."""
    return vText(_CONTROL.sub("", value.replace("\r\n", "\n").replace("\r", "\n")))
