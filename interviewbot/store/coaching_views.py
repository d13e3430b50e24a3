"""Read-only queries behind the coaching pages: a coach's caseload, the searchable list of the
linked candidates' sessions, score tables for exports, and the lists an admin manages links from.

Access is decided inside each query with the same rule as :mod:`.coaching` (an active link and
the coach role), so a session of a candidate who is not linked never leaves the database. Scores
are the effective ones: a coach's override in place of the rater's score where there is one.
"""
from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from sqlalchemy import (ColumnElement, Integer, String, Text, and_, any_, bindparam, case, cast, exists,
                        func, literal, null, or_, select, true, union_all)
from sqlalchemy.orm import aliased

from .coaching import _linked_coach, summaries_with_overrides
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
    """The coach's linked candidates with their activity and scores, in two queries (one without
    overrides) however many candidates and sessions there are.

    The database adds up the scores of the recent sessions without overrides (per candidate, and
    per candidate and area) and sends the sums, not a row per session; the few sessions with a
    coach's override are scored with it (:func:`.coaching.summaries_with_overrides`) and added
    here.
    """
    links: list[Any] = []
    activity: dict[int, Any] = {}
    totals: dict[int, list[int]] = {}  # candidate -> [sessions scored, sum of their scores]
    area_totals: dict[int, dict[str, list[int]]] = {}  # candidate -> area -> [count, sum]
    overridden: dict[str, tuple[int, Any]] = {}  # session -> (candidate, stored summary)
    with db.session() as s:
        for row in s.execute(_caseload_statement(db.engine.dialect.name),
                             {"coach_id": coach_id, "recent": recent}).all():
            if row.kind == "link":
                links.append(row)
            elif row.kind == "activity":
                activity[row.owner_id] = row
            elif row.kind == "score":
                totals[row.owner_id] = [row.n, row.total]
            elif row.kind == "area":
                area_totals.setdefault(row.owner_id, {})[row.key] = [row.n, row.total]
            else:
                overridden[row.key] = (row.owner_id, row.summary)
        summaries = summaries_with_overrides(s, list(overridden),
                                             {sid: summary for sid, (_, summary) in overridden.items()})
    for sid, (owner_id, _) in overridden.items():
        summary = summaries.get(sid)
        if summary is None or summary["score"] is None:
            continue
        _add(totals.setdefault(owner_id, [0, 0]), summary["score"])
        for area, score in (summary.get("areas") or {}).items():
            _add(area_totals.setdefault(owner_id, {}).setdefault(area, [0, 0]), score)
    result = []
    for link in sorted(links, key=lambda link: (link.last, link.n)):  # as candidates_of orders them
        stats = activity.get(link.owner_id)
        n, total = totals.get(link.owner_id, (0, 0))
        areas = {area: round(t / c) for area, (c, t) in area_totals.get(link.owner_id, {}).items()}
        result.append(CandidateSummary(
            link_id=link.n, candidate_id=link.owner_id, email=link.key, linked_at=link.last,
            sessions=stats.n if stats else 0, finished=stats.total if stats else 0,
            last_activity=stats.last if stats else None, average=round(total / n) if n else None,
            weakest=min(sorted(areas), key=lambda a: areas[a]) if areas else None, areas=areas))
    return result


def _add(count_and_sum: list[int], score: int) -> None:
    count_and_sum[0] += 1
    count_and_sum[1] += score


@functools.cache
def _caseload_statement(dialect: str) -> Any:
    """The caseload's one statement, built once (parameters ``coach_id`` and ``recent``): rows
    ``(kind, owner_id, key, n, total, last, summary)``, by kind:

    - ``link``: the coach's active link to candidate ``owner_id``: ``key`` the email, ``n`` the
      link's id, ``last`` when it was made;
    - ``activity``: the candidate's ``n`` sessions, ``total`` finished, ``last`` activity;
    - ``score``: over the ``recent`` latest finished sessions without overrides, ``n`` with a
      score and the ``total`` of their scores;
    - ``area``: the same per area (``key``);
    - ``overridden``: a recent session (``key``) with overrides, and its stored ``summary``.
    """
    sessions = InterviewSession
    links = (select(CoachLink.id, CoachLink.candidate_id, CoachLink.created_at, User.email)
             .join(User, User.id == CoachLink.candidate_id)
             .where(CoachLink.coach_id == bindparam("coach_id"), CoachLink.ended_at.is_(None))
             .cte("links"))
    candidate_ids = select(links.c.candidate_id)
    if dialect == "postgresql":  # an array, so that their sessions come through the owner_id index
        mine = sessions.owner_id == any_(func.array(candidate_ids.scalar_subquery()))
    else:
        mine = sessions.owner_id.in_(candidate_ids)
    # Every session of the candidates, read once; the finished ones with a summary are numbered
    # newest first, apart from the others. Their scores come from the columns derived from the
    # summaries (``summary_score``, ``summary_areas``), not from the summaries themselves.
    scored = and_(sessions.status == "finished", sessions.summary.is_not(None))
    rank = func.row_number().over(partition_by=(sessions.owner_id, scored),
                                  order_by=(sessions.created_at.desc(), sessions.id))
    theirs = (select(sessions.id, sessions.owner_id, sessions.status, sessions.updated_at,
                     sessions.summary_score, sessions.summary_areas, scored.label("scored"),
                     rank.label("rank"))
              .where(mine).cte("theirs").prefix_with("MATERIALIZED", dialect="postgresql"))
    has_overrides = exists(select(ScoreOverride.id).where(ScoreOverride.session_id == theirs.c.id))
    latest = (select(theirs.c.id, theirs.c.owner_id,
                     cast(theirs.c.summary_score, Integer).label("score"),
                     theirs.c.summary_areas.label("areas"), has_overrides.label("overridden"))
              .where(theirs.c.scored, theirs.c.rank <= bindparam("recent"))
              .cte("latest").prefix_with("MATERIALIZED", dialect="postgresql"))
    if dialect == "postgresql":
        each = func.jsonb_each_text(case((func.jsonb_typeof(latest.c.areas) == "object", latest.c.areas)))
    else:
        each = func.json_each(case((func.json_type(latest.c.areas) == "object", latest.c.areas)))
    area = each.table_valued("key", "value").alias("area")
    plain = and_(~latest.c.overridden, latest.c.score.is_not(None))
    nothing = null()
    return union_all(
        select(literal("link").label("kind"), links.c.candidate_id.label("owner_id"),
               cast(links.c.email, String).label("key"), links.c.id.label("n"),
               cast(nothing, Integer).label("total"), links.c.created_at.label("last"),
               cast(nothing, InterviewSession.summary.type).label("summary")),
        select(literal("activity"), theirs.c.owner_id, nothing, func.count(),
               func.count().filter(theirs.c.status == "finished"), func.max(theirs.c.updated_at), nothing)
        .group_by(theirs.c.owner_id),
        select(literal("score"), latest.c.owner_id, nothing, func.count(), func.sum(latest.c.score),
               nothing, nothing)
        .where(plain).group_by(latest.c.owner_id),
        select(literal("area"), latest.c.owner_id, area.c.key, func.count(),
               func.sum(cast(area.c.value, Integer)), nothing, nothing)
        .select_from(latest).join(area, true()).where(plain).group_by(latest.c.owner_id, area.c.key),
        select(literal("overridden"), latest.c.owner_id, latest.c.id, nothing, nothing, nothing,
               sessions.summary)
        .select_from(latest).join(sessions, sessions.id == latest.c.id).where(latest.c.overridden))


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
            effective = summaries_with_overrides(s, overridden)
            in_range = [sid for sid, sm in effective.items() if _in_range(sm["score"], filters)]
            auto = cast(InterviewSession.summary_score, Integer)  # not unpacking each summary
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
        summaries = summaries_with_overrides(s, [r[0].id for r in rows if r[0].summary],
                                             {r[0].id: r[0].summary for r in rows})
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
                                                  _answer_contains(term, dialect))))
    return where


def _has_overrides() -> ColumnElement[bool]:
    return exists(select(ScoreOverride.id).where(ScoreOverride.session_id == InterviewSession.id))


def _in_range(score: int, f: SessionFilters) -> bool:
    return (f.score_min is None or score >= f.score_min) and (f.score_max is None or score <= f.score_max)


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=timezone.utc)


def _answer_contains(term: str, dialect: str) -> ColumnElement[bool]:
    """The turn's answer holds ``term`` in any case; ``%`` and ``_`` in it are literal; ``term``
    is lower case already.

    PostgreSQL compares the stored lower-case answer (``answer_lower``), which its trigram index
    answers, instead of lower-casing every answer searched. The pattern is written into the
    statement rather than bound: a prepared statement's generic plan, made without it, could use
    the index for a word found in almost every answer and read every turn of every candidate
    (seconds), where the plan made for the word reads only the coach's sessions.

    SQLite's ``lower()`` and its ``LIKE`` both fold the case of ASCII letters only, so there
    ``LIKE`` on the answer gives the same matches without copying every answer first. Its
    ``LIKE '%word%'`` stops to compare at every place the word's first letter appears (at every
    character, when that letter is not ASCII), so an answer is first tested for the end of the
    word from its rarest letter on (``'%bandoned%'`` before ``'%abandoned%'``): a word found
    only where its end is, the same matches, with far fewer stops.
    """
    if dialect == "sqlite":
        contains = Turn.answer_text.like(f"%{_like_escape(term)}%", escape="\\")
        start = _rarest_start(term)
        if start == 0:
            return contains
        return and_(Turn.answer_text.like(f"%{_like_escape(term[start:])}%", escape="\\"), contains)
    return Turn.answer_lower.like(literal(f"%{_like_escape(term)}%", Text, literal_execute=True),
                                  escape="\\")


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


# ASCII letters by how often they appear in English text, the most frequent first; digits after.
_BY_FREQUENCY = "etaoinshrdlcumwfgypbvkjxqz0123456789"


def _rarest_start(term: str) -> int:
    """Where the part of ``term`` from its rarest ASCII letter or digit on starts (0: none)."""
    ranked = [(_BY_FREQUENCY.index(ch), -i) for i, ch in enumerate(term) if ch in _BY_FREQUENCY]
    return -max(ranked)[1] if ranked else 0


def _snippets(s: Any, session_ids: list[str], terms: list[str], dialect: str) -> dict[str, str]:
    if not terms or not session_ids:
        return {}
    rows = s.execute(select(Turn.session_id, Turn.answer_text)
                     .where(Turn.session_id.in_(session_ids), _answer_contains(terms[0], dialect))
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
