"""Interview operations: load a session, apply one event with the engine, save, reply.

Every client message is handled in one transaction that locks the session row, so a message is
applied once even when a retry races the original on another connection or process; its
replies are stored with it and sent again, unchanged, for any retry.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import logging
import random
import secrets
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable

from sqlalchemy import Connection, Row, Text, bindparam, cast, func, insert, select, text, update
from sqlalchemy.exc import IntegrityError

from ..bank import Bank
from ..engine import Interview, Plan, PlanError, SessionState, Step, Turn, choose_questions, make_plan
from ..engine.session import ratings_read
from ..engine.protocol import ClientMessage as Message
from ..engine.protocol import error_frame, feedback_frame, frames_for
from .db import Database
from .models import BankQuestion, ClientMessage, InterviewSession, new_session_id
from .models import Turn as TurnRow

Frame = dict[str, Any]
log = logging.getLogger(__name__)

# The statements of a turn, built once: plain SQL on the tables rather than ORM objects, since a
# turn reads and writes a handful of columns, and building statements and loading and flushing
# objects cost more CPU than the rest of the turn.
_sessions = InterviewSession.__table__
_turns = TurnRow.__table__
_messages = ClientMessage.__table__
_session_row = (select(*[_sessions.c[name] for name in (
    "id", "owner_id", "mode", "status", "plan", "question_ids", "summary", "resume_token_hash")])
    .where(_sessions.c.id == bindparam("session_id")))
_LOCK_SESSION = _session_row.with_for_update(of=_sessions)
# With the replies stored for a message id (stored_type None: none). On PostgreSQL a retry that
# waited for the lock while the original committed reads the row's new version but not the new
# replies; it then fails on the unique message id, and `handle` replies from storage.
_LOCK_SESSION_AND_REPLIES = (
    _session_row
    .add_columns(_messages.c.type.label("stored_type"), _messages.c.replies.label("stored_replies"))
    .outerjoin(_messages, (_messages.c.session_id == _sessions.c.id)
               & (_messages.c.client_msg_id == bindparam("msg_id")))
    .with_for_update(of=_sessions))
_STORED_REPLIES = select(_messages.c.type, _messages.c.replies).where(
    _messages.c.session_id == bindparam("session_id"), _messages.c.client_msg_id == bindparam("msg_id"))
# Ratings as text: decoded only when needed (see `_state`).
_TURNS = (select(*[_turns.c[name] for name in (
    "position", "question_id", "kind", "prompt", "asked_at", "status", "parent_position", "concept",
    "answer_text", "answered_at", "deadline")], cast(_turns.c.rating, Text).label("rating"))
    .where(_turns.c.session_id == bindparam("session_id")).order_by(_turns.c.position))
_INSERT_SESSION = insert(_sessions)
_INSERT_TURNS = insert(_turns)
_INSERT_REPLIES = insert(_messages)
# A turn's client_msg_id is set once, by the message that answered it.
_UPDATE_TURN = (update(_turns).where(_turns.c.session_id == bindparam("key_session_id"),
                                     _turns.c.position == bindparam("key_position"))
                .values(status=bindparam("status"), answer_text=bindparam("answer_text"),
                        rating=bindparam("rating"), answered_at=bindparam("answered_at"),
                        client_msg_id=func.coalesce(_turns.c.client_msg_id, bindparam(
                            "client_msg_id", type_=_turns.c.client_msg_id.type))))
# finished_at: the first time the session is saved as finished (the parameter is NULL before).
_UPDATE_SESSION = (update(_sessions).where(_sessions.c.id == bindparam("key_id"))
                   .values(status=bindparam("status"), summary=bindparam("summary"),
                           updated_at=bindparam("updated_at"),
                           finished_at=func.coalesce(_sessions.c.finished_at, bindparam(
                               "finished_at", type_=_sessions.c.finished_at.type))))


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class NotFound(LookupError):
    """No such session for this person: unknown, foreign or wrong token look the same."""


@dataclass
class Started:
    session_id: str
    token: str
    frames: list[Frame]


class InterviewService:
    def __init__(self, db: Database, bank: Bank, clock: Callable[[], datetime] = utcnow,
                 rng: Callable[[], random.Random] = lambda: random.Random(secrets.randbits(64)),
                 publish: Callable[[str, dict[str, Any]], None] | None = None):
        self.db = db
        self.bank = bank
        self.clock = clock
        self.rng = rng
        self._publish = publish  # live fan-out to watchers (a coach); called after commit

    def _announce(self, session_id: str, step: Step, frames: list[Frame]) -> None:
        """Tell watchers what just happened: the turns that changed and the frames sent."""
        if self._publish is None:
            return
        turns = [{"turn": t.position, "kind": t.kind, "question_id": t.question_id, "text": t.prompt,
                  "status": t.status, "answer": t.answer} for t in step.changed]
        try:
            self._publish(f"session:{session_id}", {"type": "update", "session": session_id,
                                                    "turns": turns, "frames": frames})
        except Exception:  # watchers are best effort; the candidate's answer is already stored
            log.exception("could not publish a live update for session %s", session_id)

    # -- start and resume ------------------------------------------------------------------
    def start(self, owner_id: int | None, msg: Message) -> Started:
        f = msg.fields
        plan = make_plan(self.bank, f["areas"], f["count"], f.get("mode", "practice"),
                         f.get("difficulty"), f.get("time_limit", 180), f.get("questions", ()))
        now = self.clock()
        token = secrets.token_urlsafe(24)
        session_id = new_session_id()
        with self.db.session(for_update=True) as s:
            conn = s.connection()
            seen = self._seen_questions(conn, owner_id)
            question_ids = choose_questions(self.bank, plan, seen, self.rng())
            state = SessionState(plan, list(question_ids))
            step = Interview(self.bank, state).begin(now)
            conn.execute(_INSERT_SESSION, {
                "id": session_id, "owner_id": owner_id, "is_guest": owner_id is None, "mode": plan.mode,
                "status": state.status, "plan": plan.to_dict(), "question_ids": question_ids,
                "summary": state.summary, "bank_version": self.bank.version,
                "resume_token_hash": hash_token(token), "created_at": now, "updated_at": now})
            frames = [{"type": "session", "session": session_id, "token": token, "mode": plan.mode,
                       "plan": plan.to_dict(), "reply_to": msg.id}]
            frames += self._frames(state, step, msg.id)
            self._save_turns(conn, session_id, step, 0, None)
            self._store_replies(conn, session_id, msg, frames, now)
        self._announce(session_id, step, frames[1:])  # never the token
        return Started(session_id, token, frames)

    def resume(self, session_id: str, token: str | None, owner_id: int | None, msg: Message) -> list[Frame]:
        """Check the caller may continue `session_id`; reply with where it stands."""
        now = self.clock()
        with self.db.session(for_update=True) as s:
            conn = s.connection()
            row = self._authorised(conn, session_id, token, owner_id)
            state, stored = self._state(conn, row, "pending")
            step = Interview(self.bank, state).pending(now)
            self._save(conn, row, state, step, stored, None)
            frames = [{"type": "session", "session": row.id, "mode": row.mode, "plan": row.plan,
                       "resumed": True, "reply_to": msg.id}]
            frames += self._transcript_frames(state, msg.id)
            frames += self._frames(state, step, msg.id)
        return frames

    # -- events on a bound session ---------------------------------------------------------
    def handle(self, session_id: str, msg: Message) -> list[Frame]:
        try:
            return self._handle(session_id, msg)
        except IntegrityError:
            # A retry of the same message committed first on another connection: reply as it did.
            with self.db.session() as s:
                stored = s.execute(_STORED_REPLIES, {"session_id": session_id, "msg_id": msg.id}).first()
            if stored is None:
                raise
            return _replay(msg, stored.type, stored.replies)

    def tick(self, session_id: str) -> list[Frame]:
        """Apply a mock-mode deadline that has passed (no client message involved)."""
        now = self.clock()
        with self.db.session(for_update=True) as s:
            conn = s.connection()
            row = conn.execute(_LOCK_SESSION, {"session_id": session_id}).first()
            if row is None or row.status != "active":
                return []
            state, stored = self._state(conn, row, "timeout")
            step = Interview(self.bank, state).timeout(now)
            if not step.changed:
                return []
            self._save(conn, row, state, step, stored, None)
            frames = self._frames(state, step, None)
        self._announce(session_id, step, frames)
        return frames

    def deadline(self, session_id: str) -> datetime | None:
        with self.db.session() as s:
            return s.scalar(select(_turns.c.deadline).where(
                _turns.c.session_id == session_id, _turns.c.status == "asked"))

    def _handle(self, session_id: str, msg: Message) -> list[Frame]:
        now = self.clock()
        with self.db.session(for_update=True) as s:
            conn = s.connection()
            # The row lock, and the replies if this message id was handled before.
            row = conn.execute(_LOCK_SESSION_AND_REPLIES,
                               {"session_id": session_id, "msg_id": msg.id}).first()
            if row is None:
                raise NotFound(session_id)
            if row.stored_type is not None:
                return _replay(msg, row.stored_type, row.stored_replies)  # announced the first time
            state, stored = self._state(conn, row, msg.type)
            interview = Interview(self.bank, state)
            if msg.type == "answer":
                step = interview.answer(msg.fields["text"], now, msg.fields.get("turn"))
            elif msg.type == "skip":
                step = interview.skip(now)
            elif msg.type == "hint":
                step = interview.hint()
            elif msg.type == "end":
                step = interview.end(now)
            else:
                raise ValueError(f"not a session event: {msg.type}")
            frames = self._frames(state, step, msg.id)
            self._save(conn, row, state, step, stored, msg)
            self._store_replies(conn, session_id, msg, frames, now)
        if step.changed:
            self._announce(session_id, step, frames)
        return frames

    # -- helpers -----------------------------------------------------------------------------
    def _authorised(self, conn: Connection, session_id: str, token: str | None, owner_id: int | None) -> Row:
        row = None
        if isinstance(session_id, str):
            row = conn.execute(_LOCK_SESSION, {"session_id": session_id}).first()
        if row is None:
            raise NotFound(session_id)
        if row.owner_id is not None and row.owner_id == owner_id:
            return row
        if row.owner_id is None and token and hmac.compare_digest(row.resume_token_hash, hash_token(token)):
            return row
        raise NotFound(session_id)

    def _seen_questions(self, conn: Connection, owner_id: int | None) -> set[str]:
        if owner_id is None:
            return set()
        return set(conn.scalars(
            select(_turns.c.question_id).join(_sessions, _turns.c.session_id == _sessions.c.id)
            .where(_sessions.c.owner_id == owner_id).distinct()))

    def _state(self, conn: Connection, row: Row, event: str) -> tuple[SessionState, int]:
        """The session's state before `event`, and how many turns are stored (those `_save`
        updates). Of the closed turns' ratings (4–5 kB of JSON each) only those the event can
        read are decoded."""
        rows = conn.execute(_TURNS, {"session_id": row.id}).all()
        turns = [Turn(position=t.position, question_id=t.question_id, kind=t.kind, prompt=t.prompt,
                      asked_at=t.asked_at, status=t.status, parent_position=t.parent_position,
                      concept=t.concept, answer=t.answer_text, answered_at=t.answered_at,
                      deadline=t.deadline) for t in rows]
        state = SessionState(Plan.from_dict(row.plan), list(row.question_ids), turns, row.status, row.summary)
        needed = ratings_read(state, event)
        for turn, t in zip(turns, rows):
            if t.rating is not None and (needed is None or turn.position in needed):
                turn.rating = json.loads(t.rating)
        return state, len(turns)

    def _save(self, conn: Connection, row: Row, state: SessionState, step: Step, stored: int,
              msg: Message | None) -> None:
        self._save_turns(conn, row.id, step, stored, msg)
        now = self.clock()
        conn.execute(_UPDATE_SESSION, {"key_id": row.id, "status": state.status, "summary": state.summary,
                                       "updated_at": now,
                                       "finished_at": now if state.status == "finished" else None})

    def _save_turns(self, conn: Connection, session_id: str, step: Step, stored: int,
                    msg: Message | None) -> None:
        """Update the changed turns among the first `stored`, insert the new ones."""
        answer_id = msg.id if msg is not None and msg.type == "answer" else None
        new = []
        for turn in step.changed:
            if turn.position < stored:
                conn.execute(_UPDATE_TURN, {
                    "key_session_id": session_id, "key_position": turn.position, "status": turn.status,
                    "answer_text": turn.answer, "rating": turn.rating, "answered_at": turn.answered_at,
                    "client_msg_id": answer_id if turn.answer is not None else None})
            else:
                new.append({"session_id": session_id, "position": turn.position,
                            "question_id": turn.question_id, "kind": turn.kind, "prompt": turn.prompt,
                            "status": turn.status, "parent_position": turn.parent_position,
                            "concept": turn.concept, "answer_text": turn.answer, "rating": turn.rating,
                            "asked_at": turn.asked_at, "answered_at": turn.answered_at,
                            "deadline": turn.deadline})
        if new:
            conn.execute(_INSERT_TURNS, new)

    def _store_replies(self, conn: Connection, session_id: str, msg: Message, frames: list[Frame],
                       now: datetime) -> None:
        conn.execute(_INSERT_REPLIES, {"session_id": session_id, "client_msg_id": msg.id, "type": msg.type,
                                       "replies": frames, "created_at": now})

    def _frames(self, state: SessionState, step: Step, reply_to: str | None) -> list[Frame]:
        frames = frames_for(step.actions, reply_to)
        if state.plan.mode == "mock":
            # Mock interviews show feedback only at the end: with the summary, for every answer.
            for frame in frames:
                if frame["type"] == "summary":
                    frame["feedback"] = [feedback_frame(t.position, t.rating)
                                         for t in state.turns if t.rating is not None]
        return frames

    def _transcript_frames(self, state: SessionState, reply_to: str) -> list[Frame]:
        """The closed turns so far, for a client that lost its screen (reload, new device)."""
        frames = []
        for t in state.turns:
            if t.status == "asked":
                continue
            frames.append({"type": "transcript", "turn": t.position, "kind": t.kind,
                           "question_id": t.question_id, "text": t.prompt, "status": t.status,
                           "answer": t.answer, "reply_to": reply_to,
                           **({"feedback": feedback_frame(t.position, t.rating)}
                              if t.rating is not None and state.plan.mode == "practice" else {})})
        return frames


def _replay(msg: Message, stored_type: str, replies: list[Frame]) -> list[Frame]:
    """The replies stored for an earlier message with this id; refuses an id reused for another
    type of message."""
    if stored_type != msg.type:
        return [error_frame("duplicate_id", f"id '{msg.id}' was already used for a "
                                            f"'{stored_type}' message; use a new id", msg.id)]
    return replies


def sync_bank(db: Database, bank: Bank) -> None:
    """Store the questions as loaded (with the bank's version) so stored turns can be explained.

    Every process runs this on start, often several at once: one at a time (the write lock on
    SQLite, an advisory lock on PostgreSQL), so the later ones find the rows already there.
    """
    now = utcnow()
    with db.session(for_update=True) as s:
        if s.get_bind().dialect.name == "postgresql":
            s.execute(text("SELECT pg_advisory_xact_lock(hashtext('interviewbot-bank:' || current_schema()))"))
        rows = {r.id: r for r in s.scalars(select(BankQuestion))}
        for q in bank.questions.values():
            r = rows.get(q.id)
            if r is not None and r.bank_version == bank.version:
                continue
            if r is None:
                r = BankQuestion(id=q.id)
                s.add(r)
            r.bank_version, r.area, r.kind, r.difficulty, r.text = bank.version, q.area, q.kind, q.difficulty, q.text
            r.data = {"also": list(q.also), "concepts": [c.id for c in q.rubric.concepts],
                      "follow_ups": [{"concept": f.concept, "text": f.text} for f in q.follow_ups],
                      "source": q.source}
            r.updated_at = now


__all__ = ["InterviewService", "NotFound", "PlanError", "Started", "error_frame", "hash_token", "sync_bank"]
