"""Mock-interview scheduling pages: a coach's availability, a candidate's free slots and bookings,
a booking's page (cancel, move, areas, no-show, join), .ics invites and private calendar feeds.

A thin adapter over :mod:`interviewbot.store.scheduling`: parse the form, call the operation,
show the outcome. A booking that is not yours answers 404, the same as one that does not exist.
Times are shown in the viewer's own time zone (saved on their account; the page detects it in
the browser when none is saved yet).
"""
from __future__ import annotations

import re
import zoneinfo
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from flask import (Blueprint, Response, abort, current_app, flash, g, jsonify, redirect,
                   render_template, request, url_for)

from ..schedule import Availability, DayOff, ExtraWindow, Slot, WeeklyWindow, format_slot, to_zone
from ..schedule.availability import DAY_NAMES, MAX_BUFFER_MINUTES, SLOT_LENGTHS
from ..store import scheduling
from ..store.coaching import coaches_of
from ..store.models import Booking
from ..store.scheduling import JOIN_EARLY, SchedulingError
from .auth import login_required, role_required

bp = Blueprint("schedule", __name__)

SLOT_DAYS = 7  # one page of free slots
MAX_WEEKS = 12  # how far ahead a candidate can page
MOVE_DAYS = 14  # how far ahead a booking can be moved from its page
MAX_WINDOWS_PER_DAY = 8
MAX_EXCEPTIONS = 60
MAX_NOTICE_MINUTES = 60 * 24 * 30
STATUS = {"not_found": 404, "forbidden": 403, "slot_taken": 409, "candidate_busy": 409,
          "same_slot": 409}
ZONES = sorted(z for z in zoneinfo.available_timezones() if "/" in z or z == "UTC")
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December")  # English whatever the machine's locale


def _db():
    return current_app.extensions["db"]


def _bank():
    return current_app.extensions["bank"]


def _now() -> datetime:
    return datetime.now(timezone.utc)


def viewer_zone() -> str:
    """The zone the signed-in person's times are shown in (UTC until they choose one)."""
    return g.user.timezone or "UTC"


def _status(exc: SchedulingError) -> int:
    return STATUS.get(exc.code, 400)


def _not_found_on(exc: SchedulingError) -> None:
    if exc.code == "not_found":
        abort(404)


# -- what templates use -----------------------------------------------------------------------------
@bp.app_context_processor
def scheduling_helpers() -> dict[str, Any]:
    return {"slot_text": slot_text, "clock_text": clock_text, "iso": iso,
            "countdown_text": countdown_text, "session_link": session_link}


def upcoming_for_dashboard(limit: int = 5) -> dict[str, Any]:
    """The signed-in person's next bookings, for dashboards (home, coach): what the shared
    `upcoming_table` macro needs."""
    now = _now()
    agenda = scheduling.agenda_of(_db(), g.user.id, now)
    return {"upcoming": agenda.upcoming[:limit], "zone": viewer_zone(), "now": now, "join_early": JOIN_EARLY}


def countdown_text(start: datetime, end: datetime, now: datetime) -> str:
    """How long until a booking starts, as the page shows it before its script takes over."""
    if now >= end:
        return "ended"
    if now >= start:
        return "in progress"
    minutes = int((start - now).total_seconds() // 60)
    days, hours, minutes = minutes // (24 * 60), minutes // 60 % 24, minutes % 60
    if days:
        return f"in {days} d {hours} h"
    if hours:
        return f"in {hours} h {minutes:02d} min"
    return f"in {minutes} min" if minutes else "in under a minute"


def session_link(booking: Booking, now: datetime) -> str | None:
    """The booking's interview for the signed-in person (see :func:`session_url`)."""
    role = "candidate" if g.user.id == booking.candidate_id else "coach" if g.user.id == booking.coach_id else "admin"
    return session_url(booking, role, now)


def slot_text(start: datetime, end: datetime, zone: str) -> str:
    """Like "Tue 14 Apr 2026, 09:00–09:45 (Europe/London)"."""
    return format_slot(Slot(start, end), zone)


def clock_text(start: datetime, end: datetime, zone: str) -> str:
    """Just the times, "09:00–09:45", for a slot listed under its day."""
    begins, ends = to_zone(Slot(start, end), zone)
    text = f"{begins:%H:%M}–{ends:%H:%M}"
    return text if begins.utcoffset() == ends.utcoffset() else f"{begins:%H:%M %Z}–{ends:%H:%M %Z}"


def iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


@dataclass
class Day:
    label: str
    slots: list[Slot] = field(default_factory=list)


def by_day(slots: list[Slot], zone: str) -> list[Day]:
    """Slots grouped under their local day in ``zone``, in order."""
    days: dict[date, Day] = {}
    for slot in slots:
        start, _ = to_zone(slot, zone)
        day = start.date()
        if day not in days:
            days[day] = Day(f"{DAY_NAMES[day.weekday()]} {day.day} {MONTHS[day.month - 1]} {day.year}")
        days[day].slots.append(slot)
    return list(days.values())


def local_midnight(day: date, zone: str) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zoneinfo.ZoneInfo(zone)).astimezone(timezone.utc)


def _parse_start(value: str | None) -> datetime | None:
    """A slot's start as sent by the page (ISO 8601 with an offset, e.g. 2026-04-14T08:00:00Z)."""
    if not value or len(value) > 40:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        return None
    return moment.astimezone(timezone.utc)


# -- the schedule page ------------------------------------------------------------------------------
@bp.get("/schedule")
@login_required
def index():
    if g.user.role == "candidate":
        return candidate_page()
    return people_page()


def candidate_page(error: SchedulingError | None = None, coach_id: int | None = None):
    """Linked coaches, the chosen coach's free slots this week, upcoming and past bookings."""
    now, zone = _now(), viewer_zone()
    links = coaches_of(_db(), g.user.id)
    coaches = [link.coach for link in links if link.coach.role == "coach"]
    wanted = coach_id if coach_id is not None else request.args.get("coach", type=int)
    coach = next((c for c in coaches if c.id == wanted), None) if wanted is not None else \
        (coaches[0] if coaches else None)
    if wanted is not None and coach is None:
        abort(404)
    week = request.args.get("week", 0, type=int)
    if not 0 <= week <= MAX_WEEKS:
        abort(404)
    today = now.astimezone(zoneinfo.ZoneInfo(zone)).date() + timedelta(days=SLOT_DAYS * week)
    start, end = local_midnight(today, zone), local_midnight(today + timedelta(days=SLOT_DAYS), zone)
    days, published = [], False
    if coach is not None:
        published = scheduling.get_availability(_db(), coach.id) is not None
        try:
            days = by_day(scheduling.coach_slots(_db(), coach.id, g.user.id, max(start, now), end, now), zone)
        except SchedulingError as exc:
            _not_found_on(exc)
    agenda = scheduling.agenda_of(_db(), g.user.id, now)
    return render_template(
        "schedule/candidate.html", coaches=coaches, coach=coach, days=days, published=published,
        week=week, max_weeks=MAX_WEEKS, first_day=today, zone=zone, zones=ZONES, agenda=agenda,
        now=now, error=error, join_early=JOIN_EARLY, has_coaching="coaching.index" in current_app.view_functions,
    ), _status(error) if error else 200


def people_page():
    """A coach's or an admin's bookings (an admin also sees everyone's upcoming ones)."""
    now = _now()
    agenda = scheduling.agenda_of(_db(), g.user.id, now)
    everyone = scheduling.all_upcoming(_db(), now) if g.user.role == "admin" else []
    published = g.user.role == "coach" and scheduling.get_availability(_db(), g.user.id) is not None
    return render_template("schedule/people.html", agenda=agenda, everyone=everyone, zone=viewer_zone(),
                           zones=ZONES, now=now, published=published, join_early=JOIN_EARLY)


@bp.post("/schedule/timezone")
@login_required
def save_timezone():
    """Save the zone times are shown in: from the form, or detected by the page's script."""
    wants_json = request.accept_mimetypes.best == "application/json"
    try:
        zone = scheduling.set_timezone(_db(), g.user.id, request.form.get("timezone", ""))
    except SchedulingError as exc:
        if wants_json:
            return jsonify(error=exc.code, message=exc.message), 400
        flash(exc.message, "error")
        return redirect(url_for("schedule.index")), 303
    if wants_json:
        return jsonify(timezone=zone)
    flash(f"Times are now shown in {zone}.", "success")
    return redirect(url_for("schedule.index"))


@bp.post("/schedule/book")
@role_required("candidate")
def book():
    coach_id = request.form.get("coach_id", type=int)
    start = _parse_start(request.form.get("start"))
    if coach_id is None:
        abort(404)
    if start is None:
        return candidate_page(SchedulingError("bad_start", "Choose one of the listed slots."), coach_id)
    try:
        booking = scheduling.book(_db(), _bank(), g.user.id, coach_id, start, _now())
    except SchedulingError as exc:
        _not_found_on(exc)
        return candidate_page(exc, coach_id)
    flash(f"Booked: {slot_text(booking.start_utc, booking.end_utc, viewer_zone())}.", "success")
    return redirect(url_for("schedule.booking", booking_id=booking.id))


# -- a booking --------------------------------------------------------------------------------------
def _booking(booking_id: str) -> Booking:
    try:
        return scheduling.booking_for(_db(), booking_id, g.user.id)
    except SchedulingError:
        abort(404)


def booking_page(booking: Booking, error: SchedulingError | None = None):
    now = _now()
    role = "candidate" if g.user.id == booking.candidate_id else "coach" if g.user.id == booking.coach_id else "admin"
    zone = g.user.timezone or (booking.zone if role == "coach" else "UTC")
    changeable = booking.status == "booked" and booking.start_utc > now
    move_days: list[Day] = []
    if changeable and role != "admin":
        try:
            slots = scheduling.coach_slots(_db(), booking.coach_id, booking.candidate_id, now,
                                           now + timedelta(days=MOVE_DAYS), now, except_id=booking.id)
            move_days = by_day([s for s in slots if s.start_utc != booking.start_utc], zone)
        except SchedulingError:
            move_days = []  # the link has ended: the booking can still be cancelled
    return render_template(
        "schedule/booking.html", b=booking, role=role, zone=zone, now=now, changeable=changeable,
        move_days=move_days, areas=_bank().areas, error=error, join_early=JOIN_EARLY,
        no_show_open=booking.status == "booked" and booking.start_utc <= now,
        session_url=session_url(booking, role, now),
    ), _status(error) if error else 200


def session_url(booking: Booking, role: str, now: datetime) -> str | None:
    """Where the booking's interview is seen: the candidate's chat or transcript, the coach's
    live view while it runs, their review afterwards."""
    if booking.session_id is None:
        return None
    views = current_app.view_functions
    if role == "candidate":
        if booking.end_utc > now and booking.status == "booked":
            return url_for("pages.interview", session_id=booking.session_id)
        return url_for("history.transcript", session_id=booking.session_id)
    if role == "coach":
        running = booking.end_utc > now and booking.status == "booked"
        endpoint = "coach.live" if running and "coach.live" in views else "coach.review"
        if endpoint in views:
            return url_for(endpoint, session_id=booking.session_id)
    return None


@bp.get("/bookings/<booking_id>")
@login_required
def booking(booking_id: str):
    found = _booking(booking_id)
    if found.status == "booked" and found.end_utc <= _now():  # ended since anyone last looked
        scheduling.settle(_db(), found.candidate_id, _now())
        found = _booking(booking_id)
    return booking_page(found)


def _refused(booking_id: str, exc: SchedulingError):
    _not_found_on(exc)
    return booking_page(_booking(booking_id), exc)


@bp.post("/bookings/<booking_id>/cancel")
@login_required
def cancel(booking_id: str):
    try:
        scheduling.cancel(_db(), booking_id, g.user.id, _now())
    except SchedulingError as exc:
        return _refused(booking_id, exc)
    flash("The booking is cancelled. The calendar invite now says so.", "success")
    return redirect(url_for("schedule.booking", booking_id=booking_id))


@bp.post("/bookings/<booking_id>/reschedule")
@login_required
def reschedule(booking_id: str):
    start = _parse_start(request.form.get("start"))
    if start is None:
        _booking(booking_id)  # a stranger learns nothing, not even that the time was bad
        return _refused(booking_id, SchedulingError("bad_start", "Choose one of the listed slots."))
    try:
        moved = scheduling.reschedule(_db(), booking_id, g.user.id, start, _now())
    except SchedulingError as exc:
        return _refused(booking_id, exc)
    flash(f"Moved to {slot_text(moved.start_utc, moved.end_utc, g.user.timezone or moved.zone)}. "
          f"Download the invite again to update your calendar.", "success")
    return redirect(url_for("schedule.booking", booking_id=booking_id))


@bp.post("/bookings/<booking_id>/areas")
@login_required
def areas(booking_id: str):
    try:
        scheduling.set_areas(_db(), _bank(), booking_id, g.user.id, request.form.getlist("areas"), _now())
    except SchedulingError as exc:
        return _refused(booking_id, exc)
    flash("The areas for this interview are saved.", "success")
    return redirect(url_for("schedule.booking", booking_id=booking_id))


@bp.post("/bookings/<booking_id>/no-show")
@login_required
def no_show(booking_id: str):
    try:
        scheduling.mark_no_show(_db(), booking_id, g.user.id, request.form.get("who", ""), _now())
    except SchedulingError as exc:
        return _refused(booking_id, exc)
    flash("The no-show is recorded.", "success")
    return redirect(url_for("schedule.booking", booking_id=booking_id))


@bp.post("/bookings/<booking_id>/join")
@login_required
def join(booking_id: str):
    try:
        joined = scheduling.join(_db(), current_app.extensions["interviews"], booking_id, g.user.id, _now())
    except SchedulingError as exc:
        return _refused(booking_id, exc)
    if joined.role == "candidate":
        return redirect(url_for("pages.interview", session_id=joined.session_id))
    url = session_url(joined.booking, "coach", _now()) if joined.session_id else None
    if url is None:
        flash("The candidate has not joined yet. Join again once they have, to watch live.", "info")
        return redirect(url_for("schedule.booking", booking_id=booking_id))
    return redirect(url)


def _join_link(booking: Booking) -> str:
    return url_for("schedule.booking", booking_id=booking.id, _external=True)


def _calendar_response(body: bytes, filename: str | None = None) -> Response:
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    if filename:
        response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@bp.get("/bookings/<booking_id>.ics")
@login_required
def invite(booking_id: str):
    try:
        body = scheduling.invite_bytes(_db(), _bank(), booking_id, g.user.id, _join_link)
    except SchedulingError:
        abort(404)
    return _calendar_response(body, f"mock-interview-{booking_id[:8]}.ics")


# -- calendar feed ----------------------------------------------------------------------------------
@bp.get("/calendar/<token>.ics")
def feed(token: str):
    """A person's private feed, for calendar apps: the token in the address is the only key."""
    body = scheduling.feed_bytes(_db(), _bank(), token, _join_link, _now())
    if body is None:
        abort(404)
    return _calendar_response(body)


def _secret() -> bytes:
    return str(current_app.secret_key).encode()


@bp.get("/schedule/calendar")
@login_required
def calendar_settings():
    token = scheduling.feed_token(_db(), g.user.id, _secret())
    url = url_for("schedule.feed", token=token, _external=True) if token else None
    return render_template("schedule/calendar.html", feed_url=url,
                           webcal_url=re.sub(r"^https?://", "webcal://", url) if url else None,
                           orphaned=url is None and scheduling.has_feed(_db(), g.user.id))


@bp.post("/schedule/calendar")
@login_required
def calendar_create():
    had = scheduling.has_feed(_db(), g.user.id)
    scheduling.create_feed(_db(), g.user.id, _secret(), _now())
    flash("A new calendar address is ready." + (" The old one no longer works." if had else ""), "success")
    return redirect(url_for("schedule.calendar_settings"))


@bp.post("/schedule/calendar/revoke")
@login_required
def calendar_revoke():
    if scheduling.revoke_feed(_db(), g.user.id, _now()):
        flash("The calendar address no longer works. Calendar apps subscribed to it stop updating.", "success")
    return redirect(url_for("schedule.calendar_settings"))


# -- a coach's availability -------------------------------------------------------------------------
@dataclass
class Row:
    start: str = ""
    end: str = ""
    date: str = ""
    kind: str = "off"


@dataclass
class AvailabilityForm:
    """The editor's values as typed, and what is wrong with them (field name -> message)."""

    zone: str = "UTC"
    slot_minutes: str = "60"
    buffer_minutes: str = "0"
    notice_minutes: str = "0"
    days: list[list[Row]] = field(default_factory=lambda: [[] for _ in range(7)])
    exceptions: list[Row] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)
    summary: list[str] = field(default_factory=list)

    def fail(self, name: str, message: str) -> None:
        self.errors.setdefault(name, message)
        self.summary.append(message)

    @classmethod
    def of(cls, a: Availability | None, zone: str) -> AvailabilityForm:
        if a is None:
            return cls(zone=zone)
        form = cls(zone=a.zone, slot_minutes=str(a.slot_minutes), buffer_minutes=str(a.buffer_minutes),
                   notice_minutes=str(a.notice_minutes))
        for w in sorted(a.windows, key=lambda w: (w.weekday, w.start)):
            form.days[w.weekday].append(Row(f"{w.start:%H:%M}", f"{w.end:%H:%M}"))
        for x in a.exceptions:
            if isinstance(x, ExtraWindow):
                form.exceptions.append(Row(f"{x.start:%H:%M}", f"{x.end:%H:%M}", x.date.isoformat(), "extra"))
            else:
                form.exceptions.append(Row(date=x.date.isoformat(), kind="off"))
        form.exceptions.sort(key=lambda r: (r.date, r.kind, r.start))
        return form

    def with_blanks(self) -> AvailabilityForm:
        """One empty row more per day and for exceptions, to add to."""
        for rows in self.days:
            if len(rows) < MAX_WINDOWS_PER_DAY:
                rows.append(Row())
        if len(self.exceptions) < MAX_EXCEPTIONS:
            self.exceptions.append(Row())
        return self


_WINDOW_FIELD = re.compile(r"^w([0-6])-(\d{1,2})-(start|end)$")
_EXCEPTION_FIELD = re.compile(r"^x-(\d{1,3})-(date|kind|start|end|remove)$")


def parse_availability(data: Any) -> tuple[AvailabilityForm, Availability | None]:
    """The submitted editor as typed, and the availability it describes if every field parses."""
    form = AvailabilityForm(zone=data.get("zone", "").strip(), slot_minutes=data.get("slot_minutes", "").strip(),
                            buffer_minutes=data.get("buffer_minutes", "0").strip() or "0",
                            notice_minutes=data.get("notice_minutes", "0").strip() or "0")
    windows: dict[tuple[int, int], Row] = {}
    exceptions: dict[int, dict[str, str]] = {}
    for name in data:
        if m := _WINDOW_FIELD.match(name):
            row = windows.setdefault((int(m[1]), int(m[2])), Row())
            setattr(row, m[3], data.get(name, "").strip())
        elif m := _EXCEPTION_FIELD.match(name):
            exceptions.setdefault(int(m[1]), {})[m[2]] = data.get(name, "").strip()
    numbers = {}
    for name, label, low, high in (("slot_minutes", "Slot length", 0, 24 * 60),
                                   ("buffer_minutes", "Buffer", 0, MAX_BUFFER_MINUTES),
                                   ("notice_minutes", "Minimum notice", 0, MAX_NOTICE_MINUTES)):
        value = getattr(form, name)
        if not value.isdigit() or not low <= int(value) <= high:
            form.fail(name, f"{label}: enter a whole number of minutes from {low} to {high}.")
        else:
            numbers[name] = int(value)
    if not form.zone:
        form.fail("zone", "Choose your time zone.")
    weekly = []
    for (weekday, _), row in sorted(windows.items()):
        if not (row.start or row.end) or len(form.days[weekday]) >= MAX_WINDOWS_PER_DAY:
            continue
        position = len(form.days[weekday])  # rows are shown again in this order, blanks dropped
        form.days[weekday].append(row)
        window = _window(form, f"w{weekday}-{position}", row, f"{DAY_NAMES[weekday]} window")
        if window is not None:
            weekly.append(WeeklyWindow(weekday, *window))
    extra: list[DayOff | ExtraWindow] = []
    for index, values in sorted(exceptions.items())[:MAX_EXCEPTIONS]:
        row = Row(values.get("start", ""), values.get("end", ""), values.get("date", ""),
                  values.get("kind", "off") if values.get("kind") in ("off", "extra") else "off")
        if values.get("remove") or not (row.date or row.start or row.end):
            continue
        position = len(form.exceptions)
        form.exceptions.append(row)
        prefix = f"x-{position}"
        try:
            day = date.fromisoformat(row.date)
        except ValueError:
            form.fail(f"{prefix}-date", "Exception: enter a date like 2026-04-14.")
            continue
        if row.kind == "off":
            extra.append(DayOff(day))
            continue
        window = _window(form, prefix, row, f"Extra window on {day.isoformat()}")
        if window is not None:
            extra.append(ExtraWindow(day, *window))
    if form.errors:
        return form, None
    return form, Availability(form.zone, tuple(weekly), tuple(extra), numbers["slot_minutes"],
                              numbers["buffer_minutes"], numbers["notice_minutes"])


def _window(form: AvailabilityForm, prefix: str, row: Row, label: str) -> tuple[time, time] | None:
    times = []
    for part in ("start", "end"):
        text = getattr(row, part)
        try:
            times.append(time.fromisoformat(text) if re.fullmatch(r"\d{2}:\d{2}", text) else None)
        except ValueError:
            times.append(None)
        if times[-1] is None:
            form.fail(f"{prefix}-{part}", f"{label}: enter the {part} as a time like 09:00.")
    return (times[0], times[1]) if None not in times else None


def _mark_window(form: AvailabilityForm, window: object) -> None:
    """Point the error of a rule the core found at the row that broke it."""
    if isinstance(window, WeeklyWindow):
        for index, row in enumerate(form.days[window.weekday]):
            if (row.start, row.end) == (f"{window.start:%H:%M}", f"{window.end:%H:%M}"):
                form.errors.setdefault(f"w{window.weekday}-{index}-start", form.summary[-1])
    elif isinstance(window, ExtraWindow):
        for index, row in enumerate(form.exceptions):
            if (row.date, row.start, row.end) == (window.date.isoformat(), f"{window.start:%H:%M}",
                                                  f"{window.end:%H:%M}"):
                form.errors.setdefault(f"x-{index}-start", form.summary[-1])


_FIELD_OF_CODE = {"unknown_zone": "zone", "slot_length": "slot_minutes", "buffer": "buffer_minutes",
                  "notice": "notice_minutes"}


@bp.route("/schedule/availability", methods=["GET", "POST"])
@role_required("coach")
def availability():
    status = 200
    if request.method == "POST":
        form, parsed = parse_availability(request.form)
        if parsed is not None:
            try:
                scheduling.save_availability(_db(), g.user.id, parsed, _now())
            except SchedulingError as exc:
                form.summary.append(exc.message)
                if exc.code in _FIELD_OF_CODE:
                    form.errors.setdefault(_FIELD_OF_CODE[exc.code], exc.message)
                _mark_window(form, exc.window)
            else:
                flash("Your availability is published.", "success")
                return redirect(url_for("schedule.availability"))
        status = 400
    else:
        form = AvailabilityForm.of(scheduling.get_availability(_db(), g.user.id), g.user.timezone or "UTC")
    now = _now()
    preview = []
    if status == 200 and scheduling.get_availability(_db(), g.user.id) is not None:
        preview = by_day(scheduling.open_slots(_db(), g.user.id, now, now + timedelta(days=SLOT_DAYS), now),
                         form.zone)
    return render_template("schedule/availability.html", form=form.with_blanks(), zones=ZONES,
                           slot_lengths=SLOT_LENGTHS, day_names=DAY_NAMES,
                           preview=preview), status
