"""Interview operations: load a session, apply one event with the engine, save, reply.

Every client message is handled in one transaction that locks the session row, so a message is
applied once even when a retry races the original on another connection or process; its
replies are stored with it and sent again, unchanged, for any retry.
"""
from __future__ import annotations

import hashlib
import hmac
import logging
import random
import secrets
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable

from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..bank import Bank
from ..engine import Interview, Plan, PlanError, SessionState, Step, Turn, choose_questions, make_plan
from ..engine.protocol import ClientMessage as Message
from ..engine.protocol import error_frame, feedback_frame, frames_for
from .db import Database
from .models import BankQuestion, ClientMessage, InterviewSession, new_session_id
from .models import Turn as TurnRow

Frame = dict[str, Any]
log = logging.getLogger(__name__)


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
        with self.db.session(for_update=True) as s:
            seen = self._seen_questions(s, owner_id)
            question_ids = choose_questions(self.bank, plan, seen, self.rng())
            row = InterviewSession(
                id=new_session_id(), owner_id=owner_id, is_guest=owner_id is None,
                mode=plan.mode, status="active", plan=plan.to_dict(), question_ids=question_ids,
                bank_version=self.bank.version, resume_token_hash=hash_token(token),
                created_at=now, updated_at=now,
            )
            s.add(row)
            s.flush()
            state = SessionState(plan, list(question_ids))
            step = Interview(self.bank, state).begin(now)
            frames = [{"type": "session", "session": row.id, "token": token, "mode": plan.mode,
                       "plan": plan.to_dict(), "reply_to": msg.id}]
            frames += self._frames(state, step, msg.id)
            self._save(s, row, state, step, None)
            s.add(ClientMessage(session_id=row.id, client_msg_id=msg.id, type=msg.type,
                                replies=frames, created_at=now))
        self._announce(row.id, step, frames[1:])  # never the token
        return Started(row.id, token, frames)

    def resume(self, session_id: str, token: str | None, owner_id: int | None, msg: Message) -> list[Frame]:
        """Check the caller may continue `session_id`; reply with where it stands."""
        now = self.clock()
        with self.db.session(for_update=True) as s:
            row = self._authorised(s, session_id, token, owner_id, lock=True)
            state = self._state(s, row)
            step = Interview(self.bank, state).pending(now)
            self._save(s, row, state, step, None)
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
                stored = self._stored_replies(s, session_id, msg)
            if stored is None:
                raise
            return stored

    def tick(self, session_id: str) -> list[Frame]:
        """Apply a mock-mode deadline that has passed (no client message involved)."""
        now = self.clock()
        with self.db.session(for_update=True) as s:
            row = s.get(InterviewSession, session_id, with_for_update=True)
            if row is None or row.status != "active":
                return []
            state = self._state(s, row)
            step = Interview(self.bank, state).timeout(now)
            if not step.changed:
                return []
            self._save(s, row, state, step, None)
            frames = self._frames(state, step, None)
        self._announce(session_id, step, frames)
        return frames

    def deadline(self, session_id: str) -> datetime | None:
        with self.db.session() as s:
            return s.scalar(select(TurnRow.deadline).where(
                TurnRow.session_id == session_id, TurnRow.status == "asked"))

    def _handle(self, session_id: str, msg: Message) -> list[Frame]:
        now = self.clock()
        with self.db.session(for_update=True) as s:
            row = s.get(InterviewSession, session_id, with_for_update=True)
            if row is None:
                raise NotFound(session_id)
            stored = self._stored_replies(s, session_id, msg)
            if stored is not None:
                return stored  # a retry: already announced the first time
            state = self._state(s, row)
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
            self._save(s, row, state, step, msg)
            s.add(ClientMessage(session_id=row.id, client_msg_id=msg.id, type=msg.type,
                                replies=frames, created_at=now))
        if step.changed:
            self._announce(session_id, step, frames)
        return frames

    # -- helpers -----------------------------------------------------------------------------
    def _authorised(self, s: Session, session_id: str, token: str | None, owner_id: int | None,
                    lock: bool = False) -> InterviewSession:
        row = s.get(InterviewSession, session_id, with_for_update=lock) if isinstance(session_id, str) else None
        if row is None:
            raise NotFound(session_id)
        if row.owner_id is not None and row.owner_id == owner_id:
            return row
        if row.owner_id is None and token and hmac.compare_digest(row.resume_token_hash, hash_token(token)):
            return row
        raise NotFound(session_id)

    def _stored_replies(self, s: Session, session_id: str, msg: Message) -> list[Frame] | None:
        """The replies to an earlier message with this id; refuses an id reused for another type."""
        stored = s.execute(select(ClientMessage.type, ClientMessage.replies).where(
            ClientMessage.session_id == session_id, ClientMessage.client_msg_id == msg.id)).first()
        if stored is None:
            return None
        if stored.type != msg.type:
            return [error_frame("duplicate_id", f"id '{msg.id}' was already used for a "
                                                f"'{stored.type}' message; use a new id", msg.id)]
        return stored.replies

    def _seen_questions(self, s: Session, owner_id: int | None) -> set[str]:
        if owner_id is None:
            return set()
        return set(s.scalars(
            select(TurnRow.question_id).join(InterviewSession)
            .where(InterviewSession.owner_id == owner_id).distinct()))

    def _state(self, s: Session, row: InterviewSession) -> SessionState:
        rows = s.scalars(select(TurnRow).where(TurnRow.session_id == row.id).order_by(TurnRow.position))
        turns = [Turn(position=t.position, question_id=t.question_id, kind=t.kind, prompt=t.prompt,
                      asked_at=t.asked_at, status=t.status, parent_position=t.parent_position,
                      concept=t.concept, answer=t.answer_text, rating=t.rating,
                      answered_at=t.answered_at, deadline=t.deadline) for t in rows]
        return SessionState(Plan.from_dict(row.plan), list(row.question_ids), turns, row.status, row.summary)

    def _save(self, s: Session, row: InterviewSession, state: SessionState, step: Step,
              msg: Message | None) -> None:
        existing = {t.position: t for t in s.scalars(
            select(TurnRow).where(TurnRow.session_id == row.id,
                                  TurnRow.position.in_([t.position for t in step.changed])))}
        for turn in step.changed:
            r = existing.get(turn.position)
            if r is None:
                r = TurnRow(session_id=row.id, position=turn.position)
                s.add(r)
            r.question_id, r.kind, r.prompt, r.status = turn.question_id, turn.kind, turn.prompt, turn.status
            r.parent_position, r.concept, r.answer_text = turn.parent_position, turn.concept, turn.answer
            r.rating, r.asked_at, r.answered_at, r.deadline = turn.rating, turn.asked_at, turn.answered_at, turn.deadline
            if msg is not None and msg.type == "answer" and turn.answer is not None and r.client_msg_id is None:
                r.client_msg_id = msg.id
        row.status = state.status
        row.summary = state.summary
        row.updated_at = self.clock()
        if state.status == "finished" and row.finished_at is None:
            row.finished_at = row.updated_at

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
