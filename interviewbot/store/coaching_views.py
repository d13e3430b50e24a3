"""Read-only queries behind the coaching pages: a coach's caseload, the searchable list of the
linked candidates' sessions, score tables for exports, and the lists an admin manages links from.

Access is decided inside each query with the same rule as :mod:`.coaching` (an active link and
the coach role), so a session of a candidate who is not linked never leaves the database. Scores
are the effective ones: a coach's override in place of the rater's score where there is one.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, func, or_, select
from sqlalchemy.orm import aliased

from .coaching import _linked_coach, candidates_of, effective_summaries
from .db import Database
from .models import BankQuestion, CoachLink, InterviewSession, ScoreOverride, Turn, TurnComment, User

RECENT_SESSIONS = 40  # a candidate's average and weakest area are judged on this many
MAX_TERMS = 6
MAX_TERM_CHARS = 100
SNIPPET_CHARS = 220


# -- the caseload -------------------------------------------------------------------------------
@dataclass(frozen=True)
class CandidateSummary:
    link_id: int
    candidate_id: int
    email: str
    linked_at: datetime
    sessions: int
    finished: int
    last_activity: datetime | None
    average: int | None  # mean overall score of the recent finished sessions
    weakest: str | None  # area with the lowest mean score over them
    areas: dict[str, int] = field(default_factory=dict)  # area -> mean score


def caseload(db: Database, coach_id: int, recent: int = RECENT_SESSIONS) -> list[CandidateSummary]:
    """The coach's linked candidates with their activity and scores, in a fixed number of
    queries however many candidates and sessions there are.

    Only the overall and area scores of the recent sessions leave the database, not their whole
    summaries; a session with a coach's override is scored with it (:func:`effective_summaries`),
    one without is scored as the rater's summary says.
    """
    links = candidates_of(db, coach_id)
    ids = [link.candidate_id for link in links]
    if not ids:
        return []
    with db.session() as s:
        activity = {row.owner_id: row for row in s.execute(
            select(InterviewSession.owner_id, func.count().label("sessions"),
                   func.count().filter(InterviewSession.status == "finished").label("finished"),
                   func.max(InterviewSession.updated_at).label("last"))
            .where(InterviewSession.owner_id.in_(ids))
            .group_by(InterviewSession.owner_id))}
        rank = func.row_number().over(partition_by=InterviewSession.owner_id,
                                      order_by=(InterviewSession.created_at.desc(),
                                                InterviewSession.id)).label("rank")
        ranked = (select(InterviewSession.id, InterviewSession.owner_id, rank)
                  .where(InterviewSession.owner_id.in_(ids), InterviewSession.status == "finished",
                         InterviewSession.summary.is_not(None))
                  .subquery())
        overridden = exists(select(ScoreOverride.id).where(ScoreOverride.session_id == ranked.c.id))
        recent_rows = s.execute(
            select(ranked.c.id, ranked.c.owner_id,
                   InterviewSession.summary["score"].as_integer().label("score"),
                   InterviewSession.summary["areas"].label("areas"), overridden.label("overridden"))
            .select_from(ranked).join(InterviewSession, InterviewSession.id == ranked.c.id)
            .where(ranked.c.rank <= recent)).all()
    summaries = effective_summaries(db, [row.id for row in recent_rows if row.overridden])
    by_owner: dict[int, list[dict[str, Any]]] = {}
    for row in recent_rows:
        scored = summaries.get(row.id) if row.overridden else {"score": row.score, "areas": row.areas}
        if scored is not None and scored["score"] is not None:
            by_owner.setdefault(row.owner_id, []).append(scored)
    result = []
    for link in links:
        stats = activity.get(link.candidate_id)
        scored = by_owner.get(link.candidate_id, [])
        areas = _area_means(scored)
        result.append(CandidateSummary(
            link_id=link.id, candidate_id=link.candidate_id, email=link.candidate.email,
            linked_at=link.created_at, sessions=stats.sessions if stats else 0,
            finished=stats.finished if stats else 0, last_activity=stats.last if stats else None,
            average=round(sum(sm["score"] for sm in scored) / len(scored)) if scored else None,
            weakest=min(sorted(areas), key=lambda a: areas[a]) if areas else None, areas=areas))
    return result


def _area_means(summaries: Sequence[dict[str, Any]]) -> dict[str, int]:
    scores: dict[str, list[int]] = {}
    for summary in summaries:
        for area, score in (summary.get("areas") or {}).items():
            scores.setdefault(area, []).append(score)
    return {area: round(sum(v) / len(v)) for area, v in scores.items()}


# -- the session list ---------------------------------------------------------------------------
@dataclass(frozen=True)
class SessionFilters:
    candidate_id: int | None = None
    area: str | None = None
    mode: str | None = None
    status: str | None = None  # active | finished
    date_from: date | None = None
    date_to: date | None = None  # inclusive
    score_min: int | None = None
    score_max: int | None = None
    text: str = ""

    @property
    def terms(self) -> list[str]:
        """The search words: each must appear in one of the session's answers (any case)."""
        words = [w[:MAX_TERM_CHARS] for w in self.text.split() if w.strip()]
        return list(dict.fromkeys(w.lower() for w in words))[:MAX_TERMS]

    @property
    def scored(self) -> bool:
        return self.score_min is not None or self.score_max is not None


@dataclass(frozen=True)
class SessionRow:
    session: InterviewSession
    candidate_id: int
    email: str
    summary: dict[str, Any] | None  # effective (overrides applied)
    snippet: str | None  # where the search words were found


@dataclass(frozen=True)
class SessionListing:
    rows: list[SessionRow]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def coach_session_page(db: Database, coach_id: int, filters: SessionFilters, page: int = 1,
                       per_page: int = 25) -> SessionListing:
    """One page of the linked candidates' sessions, newest first, filtered in the database.

    The filters are applied once, in one query that also counts the matches and loads the page's
    rows: a fixed number of queries whatever the page and however many sessions match.

    The score filter uses effective scores: a session without overrides is compared by its stored
    score in SQL; the few sessions with overrides are scored with them first.
    """
    page = max(1, page)
    with db.session() as s:
        # The area's questions first: each session's turns are then looked up by (session_id,
        # question_id) in one index, without a join per turn.
        area_questions = (list(s.scalars(select(BankQuestion.id).where(BankQuestion.area == filters.area)))
                          if filters.area else [])
        where = _filters(coach_id, filters, db.engine.dialect.name, area_questions)
        if filters.scored:
            overridden = list(s.scalars(select(InterviewSession.id).where(
                InterviewSession.id.in_(select(ScoreOverride.session_id)), *where,
                InterviewSession.summary.is_not(None))))
            effective = effective_summaries(db, overridden)
            in_range = [sid for sid, sm in effective.items() if _in_range(sm["score"], filters)]
            auto = InterviewSession.summary["score"].as_integer()
            auto_in_range = [InterviewSession.summary.is_not(None), ~_has_overrides()]
            if filters.score_min is not None:
                auto_in_range.append(auto >= filters.score_min)
            if filters.score_max is not None:
                auto_in_range.append(auto <= filters.score_max)
            where.append(or_(and_(*auto_in_range), InterviewSession.id.in_(in_range)))
        # The matching sessions are found once (a CTE the database materialises), then counted
        # and cut to the page: no LIMIT tempts PostgreSQL into a plan that is only quick when
        # matches are many, and the search's trigram index can be used when they are few.
        matching = (select(InterviewSession.id, InterviewSession.created_at).where(*where)
                    .cte("matching").prefix_with("MATERIALIZED", dialect="postgresql"))
        page_ids = (select(matching.c.id, matching.c.created_at)
                    .order_by(matching.c.created_at.desc(), matching.c.id)
                    .offset((page - 1) * per_page).limit(per_page).subquery("page"))
        total = select(func.count()).select_from(matching).scalar_subquery()
        rows = s.execute(
            select(InterviewSession, User.id, User.email, total.label("total"))
            .join(page_ids, page_ids.c.id == InterviewSession.id)
            .join(User, User.id == InterviewSession.owner_id)
            .order_by(page_ids.c.created_at.desc(), page_ids.c.id)).all()
        if rows:
            total = rows[0].total
        elif page == 1:
            total = 0
        else:  # past the last page: count, so the caller can tell how many pages there are
            total = s.scalar(select(func.count()).select_from(InterviewSession).where(*where)) or 0
        snippets = _snippets(s, [r[0].id for r in rows], filters.terms, db.engine.dialect.name)
    summaries = effective_summaries(db, [r[0].id for r in rows if r[0].summary])
    return SessionListing(
        [SessionRow(row, owner_id, email, summaries.get(row.id), snippets.get(row.id))
         for row, owner_id, email, _ in rows], page, per_page, total)


def _filters(coach_id: int, f: SessionFilters, dialect: str,
             area_questions: list[str]) -> list[ColumnElement[bool]]:
    # The linked candidates first, then their sessions through the (owner_id, created_at) index:
    # the access rule is the one of :func:`.coaching._linked_coach`, applied to the candidates.
    candidate = aliased(User)
    linked = select(candidate.id).where(_linked_coach(coach_id, candidate.id))
    where: list[ColumnElement[bool]] = [InterviewSession.owner_id.is_not(None),
                                        InterviewSession.owner_id.in_(linked)]
    if f.candidate_id is not None:
        where.append(InterviewSession.owner_id == f.candidate_id)
    if f.mode:
        where.append(InterviewSession.mode == f.mode)
    if f.status:
        where.append(InterviewSession.status == f.status)
    if f.date_from:
        where.append(InterviewSession.created_at >= _start_of(f.date_from))
    if f.date_to:
        where.append(InterviewSession.created_at < _start_of(f.date_to + timedelta(days=1)))
    if f.area:
        where.append(exists(select(Turn.id).where(Turn.session_id == InterviewSession.id,
                                                  Turn.question_id.in_(area_questions))))
    for term in f.terms:
        where.append(exists(select(Turn.id).where(Turn.session_id == InterviewSession.id,
                                                  _contains(Turn.answer_text, term, dialect))))
    return where


def _has_overrides() -> ColumnElement[bool]:
    return exists(select(ScoreOverride.id).where(ScoreOverride.session_id == InterviewSession.id))


def _in_range(score: int, f: SessionFilters) -> bool:
    return (f.score_min is None or score >= f.score_min) and (f.score_max is None or score <= f.score_max)


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=timezone.utc)


def _contains(column: Any, term: str, dialect: str) -> ColumnElement[bool]:
    """Case-insensitive substring match; ``%`` and ``_`` in the term are literal; ``term`` is
    lower case already.

    On PostgreSQL ``lower(answer_text) LIKE`` is what the trigram index on ``lower(answer_text)``
    answers. SQLite's ``lower()`` and its ``LIKE`` both fold the case of ASCII letters only, so
    there ``LIKE`` alone gives the same matches without copying every answer first.
    """
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    if dialect == "sqlite":
        return column.like(f"%{escaped}%", escape="\\")
    return func.lower(column).like(f"%{escaped}%", escape="\\")


def _snippets(s: Any, session_ids: list[str], terms: list[str], dialect: str) -> dict[str, str]:
    if not terms or not session_ids:
        return {}
    rows = s.execute(select(Turn.session_id, Turn.answer_text)
                     .where(Turn.session_id.in_(session_ids), _contains(Turn.answer_text, terms[0], dialect))
                     .order_by(Turn.session_id, Turn.position)).all()
    found: dict[str, str] = {}
    for session_id, text in rows:
        if session_id not in found and text:
            found[session_id] = snippet(text, terms[0])
    return found


def snippet(text: str, term: str, width: int = SNIPPET_CHARS) -> str:
    """A stretch of ``text`` around the first occurrence of ``term`` (any case)."""
    at = text.lower().find(term.lower())
    if at < 0:
        return text[:width] + ("…" if len(text) > width else "")
    start = max(0, at - width // 3)
    end = min(len(text), start + width)
    return ("…" if start else "") + text[start:end] + ("…" if end < len(text) else "")


def comment_counts(db: Database, session_ids: Sequence[str]) -> dict[str, int]:
    """How many comments each session's turns have (one query)."""
    if not session_ids:
        return {}
    with db.session() as s:
        return dict(s.execute(select(Turn.session_id, func.count(TurnComment.id))
                              .join(TurnComment, TurnComment.turn_id == Turn.id)
                              .where(Turn.session_id.in_(list(session_ids)))
                              .group_by(Turn.session_id)).all())


# -- scores per turn (CSV) ----------------------------------------------------------------------
@dataclass(frozen=True)
class TurnScore:
    session_id: str
    session_date: datetime
    mode: str
    session_status: str
    question_number: int
    position: int
    kind: str
    question_id: str
    area: str | None
    status: str
    auto_score: int | None
    override_score: int | None
    override_reason: str | None

    @property
    def score(self) -> int | None:
        return self.override_score if self.override_score is not None else self.auto_score


def turn_scores(db: Database, owner_id: int) -> list[TurnScore]:
    """One row per turn of the person's sessions, oldest first: the rater's score and the coach's
    override in force (two queries)."""
    with db.session() as s:
        rows = s.execute(
            select(Turn.id, Turn.position, Turn.kind, Turn.question_id, Turn.status, Turn.rating,
                   Turn.parent_position, InterviewSession.id.label("sid"), InterviewSession.created_at,
                   InterviewSession.mode, InterviewSession.status.label("session_status"),
                   BankQuestion.area)
            .join(InterviewSession, InterviewSession.id == Turn.session_id)
            .outerjoin(BankQuestion, BankQuestion.id == Turn.question_id)
            .where(InterviewSession.owner_id == owner_id)
            .order_by(InterviewSession.created_at, InterviewSession.id, Turn.position)).all()
        overrides = s.execute(
            select(ScoreOverride.turn_id, ScoreOverride.score, ScoreOverride.reason)
            .join(InterviewSession, InterviewSession.id == ScoreOverride.session_id)
            .where(InterviewSession.owner_id == owner_id, ScoreOverride.turn_id.is_not(None))
            .order_by(ScoreOverride.created_at, ScoreOverride.id)).all()
    latest = {o.turn_id: o for o in overrides}
    result: list[TurnScore] = []
    numbers: dict[str, int] = {}
    for r in rows:
        if r.kind == "question":
            numbers[r.sid] = numbers.get(r.sid, 0) + 1
        override = latest.get(r.id)
        auto = (r.rating or {}).get("score") if r.status == "answered" else None
        result.append(TurnScore(
            r.sid, r.created_at, r.mode, r.session_status, numbers.get(r.sid, 0), r.position, r.kind,
            r.question_id, r.area, r.status, auto, override.score if override else None,
            override.reason if override else None))
    return result


# -- for admins ---------------------------------------------------------------------------------
def users_with_roles(db: Database, limit: int = 500) -> list[User]:
    """Accounts, coaches and admins first, then by email."""
    order = func.coalesce(func.nullif(User.role, "candidate"), "zzz")
    with db.session() as s:
        return list(s.scalars(select(User).order_by(order, User.email).limit(limit)))


def user_by_email(db: Database, email: str) -> User | None:
    with db.session() as s:
        return s.scalar(select(User).where(func.lower(User.email) == (email or "").strip().lower()))


@dataclass(frozen=True)
class LinkRow:
    id: int
    coach_email: str
    candidate_email: str
    created_at: datetime
    made_by_admin: bool


def active_links(db: Database) -> list[LinkRow]:
    """Every active link with both people's emails, newest first."""
    coach, candidate, maker = aliased(User), aliased(User), aliased(User)
    with db.session() as s:
        rows = s.execute(
            select(CoachLink.id, coach.email, candidate.email, CoachLink.created_at, maker.role)
            .join(coach, coach.id == CoachLink.coach_id)
            .join(candidate, candidate.id == CoachLink.candidate_id)
            .outerjoin(maker, maker.id == CoachLink.created_by)
            .where(CoachLink.ended_at.is_(None))
            .order_by(CoachLink.created_at.desc(), CoachLink.id.desc())).all()
    return [LinkRow(i, c, d, at, role == "admin") for i, c, d, at, role in rows]


__all__ = ["CandidateSummary", "LinkRow", "SessionFilters", "SessionListing", "SessionRow",
           "TurnScore", "active_links", "caseload", "coach_session_page", "comment_counts", "snippet",
           "turn_scores", "user_by_email", "users_with_roles"]
