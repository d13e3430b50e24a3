"""Mock-interview scheduling: availability, slots in the coach's own time zone, bookings and
their calendar files. Pure functions: the current time is always passed in."""
from .agenda import agenda_for
from .availability import (
    Availability,
    DayOff,
    ExtraWindow,
    ScheduleError,
    WeeklyWindow,
    load_zone,
    validate_availability,
)
from .calendar import CalendarEvent, booking_invite, calendar_feed
from .display import format_slot, to_zone
from .slots import Slot, check_booking, free_slots, offered_slots

__all__ = [
    "Availability",
    "CalendarEvent",
    "DayOff",
    "ExtraWindow",
    "ScheduleError",
    "Slot",
    "WeeklyWindow",
    "agenda_for",
    "booking_invite",
    "calendar_feed",
    "check_booking",
    "format_slot",
    "free_slots",
    "load_zone",
    "offered_slots",
    "to_zone",
    "validate_availability",
]
