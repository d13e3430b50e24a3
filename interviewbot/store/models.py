"""The tables: accounts, the question bank as loaded, interview sessions, their turns, and
the replies sent to each client message (so a retried message is answered again, not redone).

Every timestamp is a timezone-aware UTC datetime, on SQLite as on PostgreSQL. JSON columns are
stored whole: assign a new value rather than changing the loaded one in place, which the
session would not notice.
"""
from __future__ import annotations

import secrets
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Computed,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    literal_column,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeEngine

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

ROLES = ("candidate", "coach", "admin")
MODES = ("practice", "mock")
SESSION_STATUSES = ("active", "finished")
ACTIVE_SESSION = "status = 'active'"
TURN_KINDS = ("question", "follow_up")
TURN_STATUSES = ("asked", "answered", "skipped", "timed_out")


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def new_session_id() -> str:
    """Random and unguessable (128 bits): the id appears in URLs, websocket messages and CSV
    exports. Hex, so it never starts with "-" or "=", which spreadsheets would take for a formula."""
    return secrets.token_hex(16)


class UTCDateTime(TypeDecorator[datetime]):
    """``DateTime(timezone=True)`` that always hands back aware UTC datetimes.

    SQLite keeps no offset, so values are converted to UTC on the way in and marked UTC on the
    way out. Naive datetimes are refused: their meaning depends on the machine's clock.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value!r}: give a timezone-aware one")
        return value.astimezone(timezone.utc)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


def json_type() -> TypeEngine[Any]:
    """JSON on SQLite, JSONB on PostgreSQL; Python ``None`` is stored as SQL NULL."""
    return JSON(none_as_null=True).with_variant(JSONB(none_as_null=True), "postgresql")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16), default="candidate", server_default="candidate")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    timezone: Mapped[str | None] = mapped_column(String(64))  # IANA name, for showing times

    sessions: Mapped[list[InterviewSession]] = relationship(
        back_populates="owner", cascade="all, delete-orphan", passive_deletes=True
    )

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email} {self.role}>"


class BankQuestion(Base):
    """A question as loaded from the bank, with the version of the bank it came from."""

    __tablename__ = "bank_questions"

    id: Mapped[str] = mapped_column(String(120), primary_key=True)
    bank_version: Mapped[str] = mapped_column(String(32))
    area: Mapped[str] = mapped_column(String(40), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    difficulty: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = mapped_column(json_type(), default=dict)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    def __repr__(self) -> str:
        return f"<BankQuestion {self.id} {self.bank_version}>"


class InterviewSession(Base):
    __tablename__ = "interview_sessions"
    __table_args__ = (
        Index("ix_interview_sessions_owner_id_created_at", "owner_id", "created_at"),
        # The few sessions in progress, by owner: the coach's dashboard lists them on every visit.
        Index("ix_interview_sessions_owner_id_active", "owner_id",
              sqlite_where=text(ACTIVE_SESSION), postgresql_where=text(ACTIVE_SESSION)),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_session_id)
    owner_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    is_guest: Mapped[bool] = mapped_column(Boolean, default=False)
    mode: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="active")
    plan: Mapped[dict[str, Any]] = mapped_column(json_type())
    question_ids: Mapped[list[str]] = mapped_column(json_type())
    bank_version: Mapped[str] = mapped_column(String(32))
    resume_token_hash: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    summary: Mapped[dict[str, Any] | None] = mapped_column(json_type())
    # The summary's overall score (as text, cast when read) and area scores, kept by the database
    # for pages that read them for many sessions (the coach's caseload), which would otherwise
    # unpack (PostgreSQL stores summaries compressed) or parse (SQLite) every whole summary.
    summary_score: Mapped[str | None] = mapped_column(
        Text, Computed("summary ->> 'score'", persisted=True), deferred=True)
    summary_areas: Mapped[dict[str, int] | None] = mapped_column(
        json_type(), Computed("summary -> 'areas'", persisted=True), deferred=True)

    owner: Mapped[User | None] = relationship(back_populates="sessions")
    turns: Mapped[list[Turn]] = relationship(
        back_populates="session",
        order_by="Turn.position",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )
    client_messages: Mapped[list[ClientMessage]] = relationship(
        back_populates="session", cascade="all, delete-orphan", passive_deletes=True
    )

    def __repr__(self) -> str:
        return f"<InterviewSession {self.id} {self.mode} {self.status}>"


class Turn(Base):
    """One question or follow-up asked in a session, and what became of it."""

    __tablename__ = "turns"
    __table_args__ = (
        UniqueConstraint("session_id", "position"),
        UniqueConstraint("session_id", "client_msg_id"),
        Index("ix_turns_session_id_question_id", "session_id", "question_id"),
        # Searching answers (the coach's session list): a trigram index on PostgreSQL answers
        # ``answer_lower LIKE '%word%'``; SQLite has no such index. Migration 0005 names the
        # operator class with the schema pg_trgm is in. The column is given as an expression so
        # that Alembic's comparison skips the index on SQLite, where it does not exist.
        Index("ix_turns_answer_lower_trgm", literal_column("answer_lower"), postgresql_using="gin",
              postgresql_ops={"answer_lower": "gin_trgm_ops"}).ddl_if(dialect="postgresql"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[str] = mapped_column(
        ForeignKey("interview_sessions.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    question_id: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(16), default="question")
    parent_position: Mapped[int | None] = mapped_column(Integer)
    concept: Mapped[str | None] = mapped_column(String(80))
    prompt: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="asked")
    answer_text: Mapped[str | None] = mapped_column(Text)
    rating: Mapped[dict[str, Any] | None] = mapped_column(json_type())
    client_msg_id: Mapped[str | None] = mapped_column(String(80))
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deadline: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The answer in lower case, for searching (see the index above), kept by the database: stored
    # on PostgreSQL, where lower() on every answer at each search cost more than the search
    # itself; virtual on SQLite (migration 0005), which searches answer_text with its case-blind
    # LIKE.
    answer_lower: Mapped[str | None] = mapped_column(
        Text, Computed("lower(answer_text)", persisted=True), deferred=True)

    session: Mapped[InterviewSession] = relationship(back_populates="turns")

    def __repr__(self) -> str:
        return f"<Turn {self.session_id}#{self.position} {self.kind} {self.status}>"


class ClientMessage(Base):
    """A client message already handled, with the frames sent in reply to it."""

    __tablename__ = "client_messages"
    __table_args__ = (UniqueConstraint("session_id", "client_msg_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[str] = mapped_column(ForeignKey("interview_sessions.id", ondelete="CASCADE"))
    client_msg_id: Mapped[str] = mapped_column(String(80))
    type: Mapped[str] = mapped_column(String(16))
    replies: Mapped[list[dict[str, Any]]] = mapped_column(json_type(), default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    session: Mapped[InterviewSession] = relationship(back_populates="client_messages")

    def __repr__(self) -> str:
        return f"<ClientMessage {self.session_id} {self.client_msg_id} {self.type}>"


# -- coaching ---------------------------------------------------------------------------------
# Coaches linked to candidates, their comments and score overrides, shared read-only links to a
# session, and coaches' calibration ratings. Secrets (invite codes, share tokens) are stored only
# as SHA-256 hex digests: the plain value is shown once, when it is made.

ACTIVE_LINK = "ended_at IS NULL"


class CoachLink(Base):
    """A coach may see a candidate's sessions while the link is active (``ended_at`` is NULL).

    Ending a link keeps the row, so who was linked when stays on record; the partial unique index
    allows one active link per pair and any number of ended ones.
    """

    __tablename__ = "coach_links"
    __table_args__ = (
        Index("ix_coach_links_active_pair", "coach_id", "candidate_id", unique=True,
              sqlite_where=text(ACTIVE_LINK), postgresql_where=text(ACTIVE_LINK)),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    coach_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    coach: Mapped[User] = relationship(foreign_keys=[coach_id])
    candidate: Mapped[User] = relationship(foreign_keys=[candidate_id])

    @property
    def active(self) -> bool:
        return self.ended_at is None

    def __repr__(self) -> str:
        state = "active" if self.ended_at is None else "ended"
        return f"<CoachLink {self.id} coach={self.coach_id} candidate={self.candidate_id} {state}>"


class CoachInvite(Base):
    """A one-time code a candidate hands to a coach; accepting it links the two."""

    __tablename__ = "coach_invites"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    accepted_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def __repr__(self) -> str:
        return f"<CoachInvite {self.id} candidate={self.candidate_id}>"


class TurnComment(Base):
    """A comment on one turn of a transcript (Markdown, shown sanitised)."""

    __tablename__ = "turn_comments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    turn_id: Mapped[int] = mapped_column(ForeignKey("turns.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    author: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<TurnComment {self.id} turn={self.turn_id} author={self.author_id}>"


class ScoreOverride(Base):
    """A coach's score in place of the automatic one, for one turn or for one area of a session.

    Rows are never updated: the latest one per turn, or per (session, area), is in force and the
    earlier ones are its history.
    """

    __tablename__ = "score_overrides"
    __table_args__ = (
        CheckConstraint("(turn_id IS NULL AND area IS NOT NULL) OR (turn_id IS NOT NULL AND area IS NULL)",
                        name="one_target"),
        CheckConstraint("score >= 0 AND score <= 100", name="score_range"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[str] = mapped_column(
        ForeignKey("interview_sessions.id", ondelete="CASCADE"), index=True
    )
    turn_id: Mapped[int | None] = mapped_column(ForeignKey("turns.id", ondelete="CASCADE"), index=True)
    area: Mapped[str | None] = mapped_column(String(40))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    auto_score: Mapped[int] = mapped_column(Integer)
    score: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    author: Mapped[User] = relationship()

    def __repr__(self) -> str:
        target = f"turn={self.turn_id}" if self.turn_id is not None else f"area={self.area}"
        return f"<ScoreOverride {self.id} {self.session_id} {target} {self.auto_score}->{self.score}>"


class ShareLink(Base):
    """A read-only link to one session, for someone without an account."""

    __tablename__ = "share_links"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[str] = mapped_column(
        ForeignKey("interview_sessions.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def __repr__(self) -> str:
        return f"<ShareLink {self.id} {self.session_id}>"


class ShareView(Base):
    """One opening of a share link."""

    __tablename__ = "share_views"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    share_link_id: Mapped[int] = mapped_column(
        ForeignKey("share_links.id", ondelete="CASCADE"), index=True
    )
    viewed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ip: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str] = mapped_column(String(300), default="")

    def __repr__(self) -> str:
        return f"<ShareView {self.id} link={self.share_link_id}>"


class CalibrationRating(Base):
    """A coach's own score for a sample answer, next to the automatic one; re-rating replaces it."""

    __tablename__ = "calibration_ratings"
    __table_args__ = (
        UniqueConstraint("coach_id", "question_id", "sample_key"),
        CheckConstraint("coach_score >= 0 AND coach_score <= 100", name="coach_score_range"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    coach_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    question_id: Mapped[str] = mapped_column(String(120))
    sample_key: Mapped[str] = mapped_column(String(80))
    sample_text: Mapped[str] = mapped_column(Text)
    coach_score: Mapped[int] = mapped_column(Integer)
    auto_score: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<CalibrationRating {self.coach_id} {self.question_id} {self.sample_key}>"


# -- scheduling -------------------------------------------------------------------------------
# A coach's weekly availability, the mock interviews booked in it, and private calendar feeds.
# Overlapping bookings are refused by the database itself: every booking holds one row per
# 5-minute cell of time it occupies, for its coach (the slot and the buffer after it) and for its
# candidate (the slot), and a cell can be held once per person (``booking_cells`` is unique on
# person and cell). Two transactions racing for the same time cannot both commit.

BOOKING_STATUSES = ("booked", "cancelled", "completed", "no_show")
NO_SHOW_OF = ("candidate", "coach")
CELL_MINUTES = 5
ACTIVE_FEED = "revoked_at IS NULL"


def new_booking_id() -> str:
    """Random and unguessable (128 bits): the id appears in URLs and calendar files."""
    return secrets.token_hex(16)


class CoachAvailability(Base):
    """What a coach offers, in the coach's own IANA zone (one row per coach).

    ``windows`` is a list of ``{"weekday": 0-6, "start": "HH:MM", "end": "HH:MM"}`` (Monday is
    0); ``exceptions`` a list of ``{"date": "YYYY-MM-DD"}`` (a day off) or ``{"date", "start",
    "end"}`` (an extra window that day). Slots are cut from them in local wall-clock time and
    compared in UTC, so a 09:00 window stays 09:00 local across daylight-saving changes.
    """

    __tablename__ = "coach_availability"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    coach_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    zone: Mapped[str] = mapped_column(String(64))
    slot_minutes: Mapped[int] = mapped_column(Integer, default=60)
    buffer_minutes: Mapped[int] = mapped_column(Integer, default=0)
    notice_minutes: Mapped[int] = mapped_column(Integer, default=0)
    windows: Mapped[list[dict[str, Any]]] = mapped_column(json_type(), default=list)
    exceptions: Mapped[list[dict[str, Any]]] = mapped_column(json_type(), default=list)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<CoachAvailability coach={self.coach_id} {self.zone}>"


class Booking(Base):
    """A mock interview a candidate booked with a linked coach.

    ``uid`` and ``sequence`` are the calendar event's identity and version: the UID never
    changes, the sequence goes up with every reschedule or cancellation. ``session_id`` is the
    mock interview held in it (the transcript), made when the candidate joins.
    """

    __tablename__ = "bookings"
    __table_args__ = (
        CheckConstraint("end_utc > start_utc", name="ends_after_start"),
        CheckConstraint("status IN ('booked', 'cancelled', 'completed', 'no_show')", name="status"),
        CheckConstraint("no_show_of IS NULL OR no_show_of IN ('candidate', 'coach')", name="no_show_of"),
        Index("ix_bookings_coach_id_start_utc", "coach_id", "start_utc"),
        Index("ix_bookings_candidate_id_start_utc", "candidate_id", "start_utc"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_booking_id)
    coach_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    candidate_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    start_utc: Mapped[datetime] = mapped_column(UTCDateTime)
    end_utc: Mapped[datetime] = mapped_column(UTCDateTime)
    zone: Mapped[str] = mapped_column(String(64))
    areas: Mapped[list[str]] = mapped_column(json_type(), default=list)
    status: Mapped[str] = mapped_column(String(16), default="booked")
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    uid: Mapped[str] = mapped_column(String(120), unique=True)
    session_id: Mapped[str | None] = mapped_column(
        ForeignKey("interview_sessions.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    candidate_joined_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    coach_joined_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    no_show_of: Mapped[str | None] = mapped_column(String(16))

    coach: Mapped[User] = relationship(foreign_keys=[coach_id])
    candidate: Mapped[User] = relationship(foreign_keys=[candidate_id])

    def __repr__(self) -> str:
        return f"<Booking {self.id} coach={self.coach_id} candidate={self.candidate_id} {self.status}>"


class BookingCell(Base):
    """One 5-minute cell of time a booking holds for one of its two people (see above)."""

    __tablename__ = "booking_cells"
    __table_args__ = (UniqueConstraint("user_id", "cell_start_utc"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    cell_start_utc: Mapped[datetime] = mapped_column(UTCDateTime)
    booking_id: Mapped[str] = mapped_column(ForeignKey("bookings.id", ondelete="CASCADE"), index=True)

    def __repr__(self) -> str:
        return f"<BookingCell user={self.user_id} {self.cell_start_utc.isoformat()} {self.booking_id}>"


class CalendarFeed(Base):
    """A private calendar address a person's calendar app subscribes to. Only the token's
    SHA-256 is stored; one active feed per person (revoking keeps the row)."""

    __tablename__ = "calendar_feeds"
    __table_args__ = (
        Index("ix_calendar_feeds_active_user", "user_id", unique=True,
              sqlite_where=text(ACTIVE_FEED), postgresql_where=text(ACTIVE_FEED)),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def __repr__(self) -> str:
        state = "active" if self.revoked_at is None else "revoked"
        return f"<CalendarFeed {self.id} user={self.user_id} {state}>"
