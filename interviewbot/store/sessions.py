"""Queries about stored sessions, for pages and exports, and the removal of old guest sessions.

Every query that takes an ``owner_id`` only ever sees that person's sessions: a session that is
not theirs looks exactly like one that does not exist.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import selectinload

from .db import Database
from .models import InterviewSession, Turn


def recent_sessions(db: Database, owner_id: int, limit: int = 20) -> list[InterviewSession]:
    with db.session() as s:
        return list(s.scalars(select(InterviewSession).where(InterviewSession.owner_id == owner_id)
                              .order_by(InterviewSession.created_at.desc()).limit(limit)))


def session_for_owner(db: Database, session_id: str, owner_id: int) -> InterviewSession | None:
    with db.session() as s:
        return s.scalar(select(InterviewSession).where(InterviewSession.id == session_id,
                                                       InterviewSession.owner_id == owner_id))


# -- history ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SessionPage:
    sessions: list[InterviewSession]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def session_page(db: Database, owner_id: int, page: int = 1, per_page: int = 25) -> SessionPage:
    """One page of a person's sessions, newest first, in two queries whatever the page size."""
    page = max(1, page)
    with db.session() as s:
        total = s.scalar(select(func.count()).select_from(InterviewSession)
                         .where(InterviewSession.owner_id == owner_id)) or 0
        rows = list(s.scalars(
            select(InterviewSession).where(InterviewSession.owner_id == owner_id)
            .order_by(InterviewSession.created_at.desc(), InterviewSession.id)
            .offset((page - 1) * per_page).limit(per_page)))
    return SessionPage(rows, page, per_page, total)


@dataclass(frozen=True)
class ProgressPoint:
    session_id: str
    created_at: datetime
    areas: dict[str, int]  # area id -> the session's score in that area


def progress_points(db: Database, owner_id: int, limit: int = 40) -> list[ProgressPoint]:
    """Area scores of the person's latest finished sessions, oldest first (one query)."""
    with db.session() as s:
        rows = s.execute(
            select(InterviewSession.id, InterviewSession.created_at, InterviewSession.summary)
            .where(InterviewSession.owner_id == owner_id, InterviewSession.status == "finished",
                   InterviewSession.summary.is_not(None))
            .order_by(InterviewSession.created_at.desc(), InterviewSession.id).limit(limit)).all()
    points = []
    for session_id, created_at, summary in reversed(rows):
        areas = (summary or {}).get("areas") or {}
        scores = {a: int(v) for a, v in areas.items() if isinstance(v, (int, float))}
        if scores:
            points.append(ProgressPoint(session_id, created_at, scores))
    return points


# -- one session --------------------------------------------------------------------------------
def transcript_for_owner(db: Database, session_id: str, owner_id: int) -> InterviewSession | None:
    """The session with its turns loaded (two queries), or None when it is not this person's."""
    with db.session() as s:
        return s.scalar(select(InterviewSession).options(selectinload(InterviewSession.turns))
                        .where(InterviewSession.id == session_id,
                               InterviewSession.owner_id == owner_id))


@dataclass(frozen=True)
class Attempt:
    session_id: str
    session_mode: str
    session_status: str
    created_at: datetime
    question_id: str
    position: int
    status: str
    answer_text: str | None
    score: int | None  # the question's score: with its follow-up counted in once finished


def attempts(db: Database, owner_id: int, question_ids: list[str]) -> dict[str, list[Attempt]]:
    """Every time this person was asked each of `question_ids`, oldest first (one query).

    Of each rating and session summary only the scores leave the database, not the whole JSON."""
    if not question_ids:
        return {}
    with db.session() as s:
        rows = s.execute(
            select(Turn.question_id, Turn.position, Turn.status, Turn.answer_text,
                   Turn.rating["score"].as_integer(),
                   InterviewSession.id, InterviewSession.mode, InterviewSession.status,
                   InterviewSession.created_at, InterviewSession.summary["questions"])
            .join(InterviewSession, Turn.session_id == InterviewSession.id)
            .where(InterviewSession.owner_id == owner_id, Turn.kind == "question",
                   Turn.question_id.in_(question_ids))
            .order_by(InterviewSession.created_at, InterviewSession.id, Turn.position)).all()
    found: dict[str, list[Attempt]] = {}
    for qid, position, status, answer, rated, sid, mode, s_status, created_at, results in rows:
        found.setdefault(qid, []).append(Attempt(
            sid, mode, s_status, created_at, qid, position, status, answer,
            _question_score(position, status, rated, mode, s_status, results)))
    return found


def _question_score(position: int, status: str, rated: int | None, mode: str,
                    session_status: str, results: list[dict[str, Any]] | None) -> int | None:
    """``rated``: the turn's rating's score; ``results``: the session summary's questions."""
    if mode == "mock" and session_status != "finished":
        return None  # a mock interview shows its ratings only at the end
    for result in results or ():
        if result.get("turn") == position:
            return result.get("score")
    return rated if status == "answered" else None


def answered_in_practice(db: Database, owner_id: int, session_id: str, question_id: str) -> bool:
    """Did this person answer `question_id` in their practice session `session_id`?"""
    with db.session() as s:
        return s.scalar(
            select(func.count()).select_from(Turn)
            .join(InterviewSession, Turn.session_id == InterviewSession.id)
            .where(InterviewSession.id == session_id, InterviewSession.owner_id == owner_id,
                   InterviewSession.mode == "practice", Turn.question_id == question_id,
                   Turn.status == "answered")) > 0


def was_asked(db: Database, owner_id: int, question_id: str) -> bool:
    """Was this person ever asked `question_id`, in any of their sessions?"""
    with db.session() as s:
        return s.scalar(
            select(func.count()).select_from(Turn)
            .join(InterviewSession, Turn.session_id == InterviewSession.id)
            .where(InterviewSession.owner_id == owner_id, Turn.question_id == question_id)) > 0


def delete_session(db: Database, session_id: str, owner_id: int) -> bool:
    """Delete one of this person's sessions with its turns; False when there is no such session."""
    with db.session(for_update=True) as s:
        result = s.execute(delete(InterviewSession).where(InterviewSession.id == session_id,
                                                          InterviewSession.owner_id == owner_id))
        return result.rowcount > 0


# -- everything stored for a person -----------------------------------------------------------
def all_transcripts(db: Database, owner_id: int) -> list[InterviewSession]:
    """Every session of this person with its turns, oldest first (two queries)."""
    with db.session() as s:
        return list(s.scalars(select(InterviewSession).options(selectinload(InterviewSession.turns))
                              .where(InterviewSession.owner_id == owner_id)
                              .order_by(InterviewSession.created_at, InterviewSession.id)))


@dataclass(frozen=True)
class StoredCounts:
    sessions: int
    finished: int
    turns: int
    answers: int


def stored_counts(db: Database, owner_id: int) -> StoredCounts:
    with db.session() as s:
        sessions, finished = s.execute(
            select(func.count(), func.count().filter(InterviewSession.status == "finished"))
            .select_from(InterviewSession).where(InterviewSession.owner_id == owner_id)).one()
        turns, answers = s.execute(
            select(func.count(), func.count(Turn.answer_text))
            .select_from(Turn).join(InterviewSession, Turn.session_id == InterviewSession.id)
            .where(InterviewSession.owner_id == owner_id)).one()
    return StoredCounts(sessions, finished, turns, answers)


# -- retention ----------------------------------------------------------------------------------
def purge_guest_sessions(db: Database, older_than: datetime) -> int:
    """Delete guest sessions (no owner) last updated before `older_than`, with their turns and
    messages; returns how many sessions went."""
    with db.session(for_update=True) as s:
        result = s.execute(delete(InterviewSession).where(InterviewSession.owner_id.is_(None),
                                                          InterviewSession.updated_at < older_than))
        return result.rowcount


def purge_expired_guest_sessions(db: Database, retention_days: int,
                                 now: datetime | None = None) -> int:
    """:func:`purge_guest_sessions` for guest sessions idle longer than `retention_days`."""
    now = now or datetime.now(timezone.utc)
    return purge_guest_sessions(db, now - timedelta(days=retention_days))
