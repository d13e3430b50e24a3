"""Coaching operations: links between coaches and candidates, who may see a transcript,
comments, score overrides, rater agreement, share links and calibration.

Every function opens its own transaction on the ``Database`` it is given. Refusals raise
:class:`CoachingError` with a stable ``code`` for the web layer to map to a status and a
message. Where asking would tell a stranger that something exists, "not yours" and "no such
thing" are the same refusal (``not_found``).

Access rule, in one place (:func:`_linked_coach`): a coach sees a candidate's sessions while an
active link joins them and the coach still has the coach role. Admins manage links but do not
read transcripts.
"""
from __future__ import annotations

import hashlib
import math
import re
import secrets
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, exists, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased, joinedload

from ..bank import Bank, Question
from ..rating.suggest import suggest_synonyms
from .db import Database
from .models import (
    BankQuestion,
    CalibrationRating,
    CoachInvite,
    CoachLink,
    InterviewSession,
    ScoreOverride,
    ShareLink,
    ShareView,
    Turn,
    TurnComment,
    User,
    utcnow,
)

INVITE_TTL = timedelta(days=7)
SHARE_TTL = timedelta(days=14)
MAX_COMMENT_CHARS = 10_000
MAX_REASON_CHARS = 10_000
IP_CHARS = 64
USER_AGENT_CHARS = 300
REAL_SAMPLES = 5
TOP_CONCEPTS = 5
VAGUE_ANSWER = (
    "I always put the customer first and make sure everyone is aligned. Communication is key, "
    "so I would talk to the team and the stakeholders, look at the data and take the "
    "appropriate action. In the end it all worked out well and everyone was happy."
)


class CoachingError(ValueError):
    """A refused coaching operation; ``code`` is stable, ``message`` is for people."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def hash_secret(value: str) -> str:
    """How invite codes and share tokens are stored: SHA-256, hex."""
    return hashlib.sha256(value.encode()).hexdigest()


# -- access -------------------------------------------------------------------------------------
def _linked_coach(coach_id: Any, candidate_id: Any) -> ColumnElement[bool]:
    """True where an active link joins the two and the coach still has the coach role.

    ``candidate_id`` may be a column (``InterviewSession.owner_id``): the test then correlates
    with the enclosing query, so access is decided in the same statement that loads the row.
    """
    coach = aliased(User)  # never correlated with a users table in the enclosing query
    return exists(
        select(CoachLink.id).join(coach, coach.id == CoachLink.coach_id).where(
            CoachLink.coach_id == coach_id,
            CoachLink.candidate_id == candidate_id,
            CoachLink.ended_at.is_(None),
            coach.role == "coach",
        )
    )


def _visible_to(user_id: int) -> ColumnElement[bool]:
    return or_(InterviewSession.owner_id == user_id,
               _linked_coach(user_id, InterviewSession.owner_id))


def can_view_session(db: Database, user: User | None, session_id: str,
                     with_turns: bool = True) -> InterviewSession | None:
    """The session if ``user`` may read its transcript: its owner, or a coach actively linked to
    the owner. Admins are not let in by their role. One query (turns joined in)."""
    if user is None or user.id is None or not isinstance(session_id, str):
        return None
    stmt = select(InterviewSession).where(InterviewSession.id == session_id, _visible_to(user.id))
    if with_turns:
        stmt = stmt.options(joinedload(InterviewSession.turns))
    with db.session() as s:
        return s.execute(stmt).unique().scalar_one_or_none()


# -- invites and links --------------------------------------------------------------------------
def create_invite(db: Database, candidate_id: int, ttl: timedelta = INVITE_TTL,
                  now: datetime | None = None) -> str:
    """A one-time code for the candidate to give a coach; only its hash is stored."""
    now = now or utcnow()
    if ttl <= timedelta(0):
        raise CoachingError("invalid_ttl", "an invite must stay valid for some time")
    code = secrets.token_urlsafe(12)
    with db.session(for_update=True) as s:
        _user(s, candidate_id)
        s.add(CoachInvite(candidate_id=candidate_id, code_hash=hash_secret(code), created_at=now,
                          expires_at=now + ttl))
    return code


def accept_invite(db: Database, code: str, coach_id: int, now: datetime | None = None) -> CoachLink:
    """Link the coach to the candidate who made the invite. An unknown, expired, revoked or
    already used code is refused alike. If the two are already linked, that link is returned
    (and the invite is used up); the same coach sending the same code again gets the same link."""
    now = now or utcnow()
    with db.session(for_update=True) as s:
        _require_coach(s, coach_id)
        invite = s.scalar(select(CoachInvite).where(
            CoachInvite.code_hash == hash_secret(code or "")).with_for_update())
        if invite is None or invite.revoked_at is not None or invite.expires_at <= now:
            raise _invalid_invite()
        if invite.accepted_at is not None:
            if invite.accepted_by == coach_id:
                link = _active_link(s, coach_id, invite.candidate_id)
                if link is not None:
                    return link
            raise _invalid_invite()
        if invite.candidate_id == coach_id:
            raise CoachingError("self_link", "you cannot coach yourself")
        invite.accepted_by, invite.accepted_at = coach_id, now
        return _link(s, coach_id, invite.candidate_id, coach_id, now)


def revoke_invite(db: Database, invite_id: int, by_id: int, now: datetime | None = None) -> CoachInvite:
    """Withdraw an unused invite (its candidate or an admin). Revoking twice changes nothing."""
    now = now or utcnow()
    with db.session(for_update=True) as s:
        invite = s.get(CoachInvite, invite_id, with_for_update=True)
        if invite is None or (invite.candidate_id != by_id and not _is_admin(s, by_id)):
            raise CoachingError("not_found", "no such invite")
        if invite.revoked_at is None and invite.accepted_at is None:
            invite.revoked_at = now
        return invite


def pending_invites(db: Database, candidate_id: int, now: datetime | None = None) -> list[CoachInvite]:
    """The candidate's invites that can still be accepted, newest first."""
    now = now or utcnow()
    with db.session() as s:
        return list(s.scalars(select(CoachInvite).where(
            CoachInvite.candidate_id == candidate_id, CoachInvite.accepted_at.is_(None),
            CoachInvite.revoked_at.is_(None), CoachInvite.expires_at > now,
        ).order_by(CoachInvite.created_at.desc(), CoachInvite.id.desc())))


def link(db: Database, coach_id: int, candidate_id: int, by_id: int,
         now: datetime | None = None) -> CoachLink:
    """An admin links a coach to a candidate; an existing active link is returned as it is."""
    now = now or utcnow()
    with db.session(for_update=True) as s:
        if not _is_admin(s, by_id):
            raise CoachingError("forbidden", "only an admin can link a coach to a candidate")
        _require_coach(s, coach_id)
        _user(s, candidate_id)
        if coach_id == candidate_id:
            raise CoachingError("self_link", "a coach cannot be linked to themselves")
        return _link(s, coach_id, candidate_id, by_id, now)


def end_link(db: Database, link_id: int, by_id: int, now: datetime | None = None) -> CoachLink:
    """End a link (its coach, its candidate or an admin). The row stays, marked ended."""
    now = now or utcnow()
    with db.session(for_update=True) as s:
        row = s.get(CoachLink, link_id, with_for_update=True)
        if row is None or (by_id not in (row.coach_id, row.candidate_id) and not _is_admin(s, by_id)):
            raise CoachingError("not_found", "no such link")
        if row.ended_at is None:
            row.ended_at, row.ended_by = now, by_id
        return row


def coaches_of(db: Database, candidate_id: int) -> list[CoachLink]:
    """The candidate's active links, oldest first, each with ``.coach`` loaded."""
    with db.session() as s:
        return list(s.scalars(select(CoachLink).options(joinedload(CoachLink.coach)).where(
            CoachLink.candidate_id == candidate_id, CoachLink.ended_at.is_(None),
        ).order_by(CoachLink.created_at, CoachLink.id)))


def candidates_of(db: Database, coach_id: int) -> list[CoachLink]:
    """The coach's active links, oldest first, each with ``.candidate`` loaded."""
    with db.session() as s:
        return list(s.scalars(select(CoachLink).options(joinedload(CoachLink.candidate)).where(
            CoachLink.coach_id == coach_id, CoachLink.ended_at.is_(None),
        ).order_by(CoachLink.created_at, CoachLink.id)))


def is_linked(db: Database, coach_id: int, candidate_id: int) -> bool:
    with db.session() as s:
        return bool(s.scalar(select(_linked_coach(coach_id, candidate_id))))


def _link(s: Session, coach_id: int, candidate_id: int, by_id: int | None, now: datetime) -> CoachLink:
    existing = _active_link(s, coach_id, candidate_id)
    if existing is not None:
        return existing
    row = CoachLink(coach_id=coach_id, candidate_id=candidate_id, created_at=now, created_by=by_id)
    try:
        with s.begin_nested():
            s.add(row)
    except IntegrityError:
        # Linked by another transaction in the meantime: the partial unique index said no.
        existing = _active_link(s, coach_id, candidate_id)
        if existing is None:
            raise
        return existing
    return row


def _active_link(s: Session, coach_id: int, candidate_id: int) -> CoachLink | None:
    return s.scalar(select(CoachLink).where(CoachLink.coach_id == coach_id,
                                            CoachLink.candidate_id == candidate_id,
                                            CoachLink.ended_at.is_(None)))


def _invalid_invite() -> CoachingError:
    return CoachingError("invalid_invite", "this invite code is unknown, expired or already used")


def _user(s: Session, user_id: int) -> User:
    user = s.get(User, user_id)
    if user is None:
        raise CoachingError("not_found", "no such user")
    return user


def _require_coach(s: Session, user_id: int) -> User:
    user = s.get(User, user_id)
    if user is None or user.role != "coach":
        raise CoachingError("not_a_coach", "only a coach can do this")
    return user


def _is_admin(s: Session, user_id: int) -> bool:
    return s.scalar(select(User.role).where(User.id == user_id)) == "admin"


# -- comments -----------------------------------------------------------------------------------
def add_comment(db: Database, turn_id: int, author: User, body: str,
                now: datetime | None = None) -> TurnComment:
    """Comment on a turn of a session the author may read (its owner or a linked coach)."""
    now = now or utcnow()
    body = _comment_body(body)
    with db.session(for_update=True) as s:
        visible = s.scalar(select(Turn.id).join(InterviewSession).where(
            Turn.id == turn_id, _visible_to(author.id)))
        if visible is None:
            raise CoachingError("not_found", "no such turn")
        comment = TurnComment(turn_id=turn_id, author_id=author.id, body=body, created_at=now,
                              updated_at=now)
        s.add(comment)
        s.flush()
        comment.author = s.get(User, author.id)
        return comment


def edit_comment(db: Database, comment_id: int, author: User, body: str,
                 now: datetime | None = None) -> TurnComment:
    """Change one's own comment, while one may still read the session."""
    now = now or utcnow()
    body = _comment_body(body)
    with db.session(for_update=True) as s:
        comment = _own_comment(s, comment_id, author)
        comment.body, comment.updated_at = body, now
        return comment


def delete_comment(db: Database, comment_id: int, author: User) -> None:
    with db.session(for_update=True) as s:
        s.delete(_own_comment(s, comment_id, author))


def comments_for_session(db: Database, session_id: str) -> dict[int, list[TurnComment]]:
    """Comments by turn id, oldest first, each with ``.author`` loaded. Check access first."""
    with db.session() as s:
        rows = s.scalars(select(TurnComment).join(Turn).options(joinedload(TurnComment.author))
                         .where(Turn.session_id == session_id)
                         .order_by(TurnComment.created_at, TurnComment.id))
        grouped: dict[int, list[TurnComment]] = {}
        for comment in rows:
            grouped.setdefault(comment.turn_id, []).append(comment)
        return grouped


def _comment_body(body: str) -> str:
    body = (body or "").strip()
    if not body:
        raise CoachingError("empty_comment", "write something first")
    if len(body) > MAX_COMMENT_CHARS:
        raise CoachingError("comment_too_long",
                            f"a comment can be at most {MAX_COMMENT_CHARS:,} characters")
    return body


def _own_comment(s: Session, comment_id: int, author: User) -> TurnComment:
    comment = s.scalar(select(TurnComment).join(Turn).join(InterviewSession)
                       .options(joinedload(TurnComment.author))
                       .where(TurnComment.id == comment_id, TurnComment.author_id == author.id,
                              _visible_to(author.id)))
    if comment is None:
        raise CoachingError("not_found", "no such comment")
    return comment


# -- score overrides ----------------------------------------------------------------------------
def override_turn(db: Database, turn_id: int, author: User, score: int, reason: str,
                  now: datetime | None = None) -> ScoreOverride:
    """A linked coach's score for one rated turn, next to the rater's score at that moment.

    Each call adds a row; the latest one is in force. An override of a main question's turn
    replaces that question's score in the session's effective scores.
    """
    now = now or utcnow()
    score, reason = _score(score), _reason(reason)
    with db.session(for_update=True) as s:
        found = s.execute(select(Turn, InterviewSession.owner_id).join(InterviewSession)
                          .where(Turn.id == turn_id)).one_or_none()
        if found is None:
            raise CoachingError("not_found", "no such turn")
        turn, owner_id = found
        _require_linked_coach(s, author, owner_id)
        if turn.rating is None or turn.status != "answered":
            raise CoachingError("not_rated", "only a rated answer can be given another score")
        row = ScoreOverride(session_id=turn.session_id, turn_id=turn.id, author_id=author.id,
                            auto_score=int(turn.rating["score"]), score=score, reason=reason,
                            created_at=now)
        s.add(row)
        return row


def override_area(db: Database, session_id: str, area: str, author: User, score: int, reason: str,
                  now: datetime | None = None) -> ScoreOverride:
    """A linked coach's score for one area of a finished session, in place of the mean."""
    now = now or utcnow()
    score, reason = _score(score), _reason(reason)
    with db.session(for_update=True) as s:
        session = s.get(InterviewSession, session_id) if isinstance(session_id, str) else None
        if session is None:
            raise CoachingError("not_found", "no such session")
        _require_linked_coach(s, author, session.owner_id)
        areas = (session.summary or {}).get("areas") or {}
        if area not in areas:
            raise CoachingError("unknown_area", f"this session has no score for area {area!r}")
        row = ScoreOverride(session_id=session_id, area=area, author_id=author.id,
                            auto_score=int(areas[area]), score=score, reason=reason, created_at=now)
        s.add(row)
        return row


def overrides_for_session(db: Database, session_id: str) -> dict[str, dict[Any, ScoreOverride]]:
    """The overrides in force: ``{"turns": {turn_id: latest}, "areas": {area: latest}}``, each
    with ``.author`` loaded."""
    with db.session() as s:
        rows = s.scalars(select(ScoreOverride).options(joinedload(ScoreOverride.author))
                         .where(ScoreOverride.session_id == session_id)
                         .order_by(ScoreOverride.created_at, ScoreOverride.id))
        latest: dict[str, dict[Any, ScoreOverride]] = {"turns": {}, "areas": {}}
        for row in rows:
            if row.turn_id is not None:
                latest["turns"][row.turn_id] = row
            else:
                latest["areas"][row.area] = row
        return latest


def override_history(db: Database, session_id: str) -> list[ScoreOverride]:
    """Every override of the session, oldest first, with ``.author`` loaded."""
    with db.session() as s:
        return list(s.scalars(select(ScoreOverride).options(joinedload(ScoreOverride.author))
                              .where(ScoreOverride.session_id == session_id)
                              .order_by(ScoreOverride.created_at, ScoreOverride.id)))


def effective_session_scores(db: Database, session_id: str) -> dict[str, Any] | None:
    """The session's summary with the overrides in force applied (None before it finishes).

    See :func:`apply_overrides` for what changes and what is added.
    """
    return effective_summaries(db, [session_id]).get(session_id)


def effective_summaries(db: Database, session_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
    """:func:`effective_session_scores` for many sessions in two queries (progress pages)."""
    ids = list(dict.fromkeys(session_ids))
    if not ids:
        return {}
    with db.session() as s:
        return summaries_with_overrides(s, ids)


def summaries_with_overrides(s: Session, session_ids: Iterable[str],
                             summaries: Mapping[str, Any] | None = None) -> dict[str, dict[str, Any]]:
    """:func:`effective_summaries` inside a transaction of the caller's. ``summaries``: the
    sessions' stored summaries, when the caller has them already (one query fewer)."""
    ids = list(dict.fromkeys(session_ids))
    if not ids:
        return {}
    if summaries is None:
        summaries = dict(s.execute(select(InterviewSession.id, InterviewSession.summary)
                                   .where(InterviewSession.id.in_(ids),
                                          InterviewSession.summary.is_not(None))).all())
    else:
        summaries = {sid: summaries[sid] for sid in ids if summaries.get(sid) is not None}
    if not summaries:
        return {}
    rows = s.execute(select(ScoreOverride, Turn.position, Turn.kind)
                     .outerjoin(Turn, Turn.id == ScoreOverride.turn_id)
                     .where(ScoreOverride.session_id.in_(list(summaries)))
                     .order_by(ScoreOverride.created_at, ScoreOverride.id)).all()
    turn_overrides: dict[str, dict[int, dict[str, Any]]] = {}
    area_overrides: dict[str, dict[str, int]] = {}
    for row, position, kind in rows:
        if row.turn_id is not None:
            turn_overrides.setdefault(row.session_id, {})[row.turn_id] = {
                "position": position, "kind": kind, "auto_score": row.auto_score, "score": row.score}
        else:
            area_overrides.setdefault(row.session_id, {})[row.area] = row.score
    return {sid: apply_overrides(summary, turn_overrides.get(sid, {}), area_overrides.get(sid, {}))
            for sid, summary in summaries.items()}


def apply_overrides(summary: Mapping[str, Any], turns: Mapping[int, Mapping[str, Any]],
                    areas: Mapping[str, int]) -> dict[str, Any]:
    """A copy of an engine summary with coaches' scores in force (pure).

    ``turns``: turn id -> {"position", "kind", "auto_score", "score"}; ``areas``: area -> score.
    A main question's override replaces its score; an area's score is its override, else the
    mean of its questions' scores; the overall score is the mean over questions, where an
    overridden area counts as its override once per question. Added: per question
    ``auto_score`` and ``overridden``; ``turns`` (the turn overrides by turn id),
    ``overridden_areas``, ``auto`` (the rater's overall score and areas) and ``overridden``.
    """
    by_position = {o["position"]: o["score"] for o in turns.values() if o.get("kind") == "question"}
    questions = []
    for q in summary.get("questions") or []:
        q = dict(q)
        q["auto_score"] = q["score"]
        q["overridden"] = q.get("turn") in by_position
        if q["overridden"]:
            q["score"] = by_position[q["turn"]]
        questions.append(q)

    totals: dict[str, list[int]] = {}
    for q in questions:
        totals.setdefault(q["area"], []).append(q["score"])
    scores = {a: (areas[a] if a in areas else round(sum(v) / len(v))) for a, v in totals.items()}
    for a, score in areas.items():
        scores.setdefault(a, score)
    weighted = sum(areas[a] * len(v) if a in areas else sum(v) for a, v in totals.items())
    overall = round(weighted / len(questions)) if questions else summary.get("score", 0)

    ranked = sorted(scores, key=lambda a: (-scores[a], a))
    weakest = ranked[-1] if ranked else None
    missed = Counter(label for q in questions if q["area"] == weakest for label in q.get("missed", ()))
    focus = [label for label, _ in sorted(missed.items(), key=lambda kv: -kv[1])[:3]]
    result = dict(summary)
    result.update({
        "score": overall,
        "band": min(5, overall // 20 + 1),
        "areas": scores,
        "strongest": ranked[0] if ranked else None,
        "weakest": weakest,
        "questions": questions,
        "next": {
            "areas": [weakest] if weakest else [],
            "focus": focus,
            "plan": {"areas": [weakest], "count": 3, "mode": "practice"} if weakest else None,
        },
        "turns": {tid: dict(o) for tid, o in turns.items()},
        "overridden_areas": sorted(areas),
        "auto": {"score": summary.get("score"), "areas": dict(summary.get("areas") or {})},
        "overridden": bool(turns or areas),
    })
    return result


def _require_linked_coach(s: Session, author: User, owner_id: int | None) -> None:
    if owner_id is not None and s.scalar(select(_linked_coach(author.id, owner_id))):
        return
    if owner_id is not None and owner_id == author.id:
        raise CoachingError("forbidden", "only a linked coach can change a score")
    raise CoachingError("not_found", "no such session")


def _score(score: Any) -> int:
    if isinstance(score, bool) or not isinstance(score, int) or not 0 <= score <= 100:
        raise CoachingError("invalid_score", "a score is a whole number from 0 to 100")
    return score


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise CoachingError("reason_required", "say why the score should be different")
    if len(reason) > MAX_REASON_CHARS:
        raise CoachingError("reason_too_long",
                            f"a reason can be at most {MAX_REASON_CHARS:,} characters")
    return reason


# -- rater agreement ----------------------------------------------------------------------------
def rater_agreement(db: Database, coach_id: int) -> dict[str, dict[str, Any]]:
    """How the coach's turn scores compare with the rater's, per area.

    Over the coach's latest override of each turn in sessions of candidates the coach is
    actively linked to: ``count``, ``mean_abs_diff`` and ``mean_diff`` (coach minus rater),
    ``correlation`` (Pearson; None below three pairs or when either side does not vary),
    ``upward`` (how many went up) and ``concepts``: the concepts the rater missed in the turns
    the coach scored higher, most often first (``id``, ``label``, ``count``) — the first is the
    concept the coach keeps adding back, a hint that its phrases are too narrow.
    """
    with db.session() as s:
        rows = s.execute(
            select(ScoreOverride.turn_id, ScoreOverride.auto_score, ScoreOverride.score,
                   Turn.kind, Turn.position, Turn.parent_position, Turn.rating,
                   InterviewSession.summary, BankQuestion.area)
            .join(Turn, Turn.id == ScoreOverride.turn_id)
            .join(InterviewSession, InterviewSession.id == Turn.session_id)
            .outerjoin(BankQuestion, BankQuestion.id == Turn.question_id)
            .where(ScoreOverride.author_id == coach_id,
                   _linked_coach(coach_id, InterviewSession.owner_id))
            .order_by(ScoreOverride.created_at, ScoreOverride.id)).all()
    latest = {row.turn_id: row for row in rows}
    pairs: dict[str, list[tuple[int, int]]] = {}
    missed: dict[str, Counter[tuple[str, str]]] = {}
    for row in latest.values():
        area = _turn_area(row)
        if area is None:
            continue
        pairs.setdefault(area, []).append((row.auto_score, row.score))
        counts = missed.setdefault(area, Counter())
        if row.score > row.auto_score:
            counts.update((c["id"], c.get("label", c["id"]))
                          for c in (row.rating or {}).get("concepts", ()) if not c.get("hit"))
    return {area: _agreement(pairs[area], missed[area]) for area in sorted(pairs)}


def _turn_area(row: Any) -> str | None:
    """The area a turn counted towards: the session summary's, else the question's as stored."""
    position = row.position if row.kind == "question" else row.parent_position
    for q in (row.summary or {}).get("questions") or ():
        if q.get("turn") == position:
            return q.get("area")
    return row.area


def _agreement(pairs: Sequence[tuple[int, int]], missed: Counter[tuple[str, str]]) -> dict[str, Any]:
    diffs = [coach - auto for auto, coach in pairs]
    concepts = sorted(missed.items(), key=lambda kv: (-kv[1], kv[0][0]))[:TOP_CONCEPTS]
    return {
        "count": len(pairs),
        "mean_abs_diff": sum(abs(d) for d in diffs) / len(diffs),
        "mean_diff": sum(diffs) / len(diffs),
        "correlation": pearson([a for a, _ in pairs], [c for _, c in pairs]),
        "upward": sum(1 for d in diffs if d > 0),
        "concepts": [{"id": cid, "label": label, "count": n} for (cid, label), n in concepts],
    }


def pearson(xs: Sequence[float], ys: Sequence[float]) -> float | None:
    """Pearson's r; None for fewer than three pairs or when either side is constant."""
    n = len(xs)
    if n < 3 or n != len(ys):
        return None
    mx, my = sum(xs) / n, sum(ys) / n
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys))
    sxx = sum((x - mx) ** 2 for x in xs)
    syy = sum((y - my) ** 2 for y in ys)
    if sxx == 0 or syy == 0:
        return None
    return sxy / math.sqrt(sxx * syy)


def synonym_suggestions(turn: Turn, limit: int = 8) -> list[str]:
    """Words of a turn's answer the rubric did not match (shown after an upward override)."""
    if not turn.answer_text or not turn.rating:
        return []
    return suggest_synonyms(turn.answer_text, turn.rating, limit)


# -- share links --------------------------------------------------------------------------------
def create_share_link(db: Database, session_id: str, owner_id: int, ttl: timedelta = SHARE_TTL,
                      now: datetime | None = None) -> str:
    """A read-only link to the owner's session; the token is returned once, its hash kept."""
    now = now or utcnow()
    if ttl <= timedelta(0):
        raise CoachingError("invalid_ttl", "a share link must stay valid for some time")
    token = secrets.token_urlsafe(24)
    with db.session(for_update=True) as s:
        owner = s.scalar(select(InterviewSession.owner_id).where(InterviewSession.id == session_id))
        if owner is None or owner != owner_id:
            raise CoachingError("not_found", "no such session")
        s.add(ShareLink(session_id=session_id, token_hash=hash_secret(token), created_by=owner_id,
                        created_at=now, expires_at=now + ttl))
    return token


def open_share_link(db: Database, token: str, ip: str | None, user_agent: str | None,
                    now: datetime | None = None) -> InterviewSession | None:
    """The shared session (turns loaded) and a view logged; None for an unknown, expired or
    revoked token."""
    now = now or utcnow()
    if not token or not isinstance(token, str):
        return None
    with db.session(for_update=True) as s:
        share = s.scalar(select(ShareLink).where(ShareLink.token_hash == hash_secret(token)))
        if share is None or share.revoked_at is not None or share.expires_at <= now:
            return None
        s.add(ShareView(share_link_id=share.id, viewed_at=now,
                        ip=ip[:IP_CHARS] if ip is not None else None,
                        user_agent=(user_agent or "")[:USER_AGENT_CHARS]))
        return s.execute(select(InterviewSession).options(joinedload(InterviewSession.turns))
                         .where(InterviewSession.id == share.session_id)).unique().scalar_one()


def revoke_share_link(db: Database, link_id: int, owner_id: int,
                      now: datetime | None = None) -> ShareLink:
    """Stop a share link working (the session's owner). Revoking twice changes nothing."""
    now = now or utcnow()
    with db.session(for_update=True) as s:
        share = s.scalar(select(ShareLink).join(InterviewSession).where(
            ShareLink.id == link_id, InterviewSession.owner_id == owner_id).with_for_update())
        if share is None:
            raise CoachingError("not_found", "no such share link")
        if share.revoked_at is None:
            share.revoked_at = now
        return share


def share_links_for(db: Database, session_id: str, now: datetime | None = None) -> list[dict[str, Any]]:
    """The session's share links, newest first, with how often and when last each was opened.
    Check the caller owns the session first."""
    now = now or utcnow()
    with db.session() as s:
        rows = s.execute(
            select(ShareLink, func.count(ShareView.id), func.max(ShareView.viewed_at))
            .outerjoin(ShareView, ShareView.share_link_id == ShareLink.id)
            .where(ShareLink.session_id == session_id)
            .group_by(ShareLink.id)
            .order_by(ShareLink.created_at.desc(), ShareLink.id.desc())).all()
    return [{
        "id": share.id, "created_at": share.created_at, "expires_at": share.expires_at,
        "revoked_at": share.revoked_at,
        "active": share.revoked_at is None and share.expires_at > now,
        "views": views, "last_viewed_at": last,
    } for share, views, last in rows]


# -- calibration --------------------------------------------------------------------------------
def calibration_samples(question: Question, linked_answers: Iterable[str]) -> list[tuple[str, str]]:
    """Answers for a coach to score before trusting their own sense of the scale (pure):
    the example answer, its first third, a vague generic answer, and up to five real answers.

    Keys are stable (a real answer's key is a hash of its text), so rating again replaces.
    """
    samples: list[tuple[str, str]] = []
    example = (question.example_answer or "").strip()
    if example:
        samples.append(("example", example))
        third = _first_third(example)
        if third and third != example:
            samples.append(("example-first-third", third))
    samples.append(("vague", VAGUE_ANSWER))
    seen: set[str] = set()
    for answer in linked_answers:
        text = (answer or "").strip()
        if not text or text in seen or text == example:
            continue
        seen.add(text)
        samples.append((f"answer-{hash_secret(text)[:16]}", text))
        if len(seen) == REAL_SAMPLES:
            break
    return samples


def _first_third(text: str) -> str:
    words = list(re.finditer(r"\S+", text))
    if not words:
        return ""
    keep = max(1, math.ceil(len(words) / 3))
    return text[: words[keep - 1].end()]


def answers_from_linked_candidates(db: Database, coach_id: int, question_id: str,
                                   limit: int = REAL_SAMPLES) -> list[str]:
    """Recent answers to a question by candidates the coach is linked to, newest first."""
    with db.session() as s:
        return list(s.scalars(
            select(Turn.answer_text).join(InterviewSession)
            .where(Turn.question_id == question_id, Turn.kind == "question",
                   Turn.status == "answered", Turn.answer_text.is_not(None),
                   _linked_coach(coach_id, InterviewSession.owner_id))
            .order_by(Turn.answered_at.desc(), Turn.id.desc()).limit(limit)))


def save_calibration(db: Database, coach_id: int, question_id: str, key: str, text: str,
                     coach_score: int, auto_score: int, now: datetime | None = None) -> CalibrationRating:
    """Record the coach's score for a sample; scoring the same sample again replaces it."""
    now = now or utcnow()
    coach_score = _score(coach_score)
    if not key or len(key) > 80 or not question_id or len(question_id) > 120:
        raise CoachingError("invalid_sample", "unknown calibration sample")
    with db.session(for_update=True) as s:
        _require_coach(s, coach_id)
        values = {"sample_text": text, "coach_score": coach_score, "auto_score": int(auto_score),
                  "created_at": now}
        return _upsert_calibration(s, coach_id, question_id, key, values)


def calibration_for(db: Database, coach_id: int, question_id: str) -> dict[str, CalibrationRating]:
    """The coach's ratings of a question's samples, by sample key."""
    with db.session() as s:
        rows = s.scalars(select(CalibrationRating).where(
            CalibrationRating.coach_id == coach_id, CalibrationRating.question_id == question_id))
        return {r.sample_key: r for r in rows}


def _upsert_calibration(s: Session, coach_id: int, question_id: str, key: str,
                        values: dict[str, Any]) -> CalibrationRating:
    where = (CalibrationRating.coach_id == coach_id, CalibrationRating.question_id == question_id,
             CalibrationRating.sample_key == key)
    row = s.scalar(select(CalibrationRating).where(*where).with_for_update())
    if row is None:
        row = CalibrationRating(coach_id=coach_id, question_id=question_id, sample_key=key, **values)
        try:
            with s.begin_nested():
                s.add(row)
            return row
        except IntegrityError:
            row = s.scalar(select(CalibrationRating).where(*where).with_for_update())
            if row is None:
                raise
    for name, value in values.items():
        setattr(row, name, value)
    return row


# -- authoring aid ------------------------------------------------------------------------------
def concept_hit_stats(db: Database, bank: Bank) -> dict[str, dict[str, Any]]:
    """For every question in the bank, over its stored rated answers (main questions only):
    how many there are, and the rubric concepts none of them hit and all of them hit.

    A concept no stored rating mentions (added to the bank since) is in neither list.
    """
    seen: dict[str, Counter[str]] = {qid: Counter() for qid in bank.questions}
    hits: dict[str, Counter[str]] = {qid: Counter() for qid in bank.questions}
    answers: Counter[str] = Counter()
    stmt = (select(Turn.question_id, Turn.rating)
            .where(Turn.kind == "question", Turn.status == "answered", Turn.rating.is_not(None))
            .execution_options(yield_per=500))
    with db.session() as s:
        for question_id, rating in s.execute(stmt):
            if question_id not in seen or not rating:
                continue
            answers[question_id] += 1
            for concept in rating.get("concepts") or ():
                seen[question_id][concept["id"]] += 1
                if concept.get("hit"):
                    hits[question_id][concept["id"]] += 1
    stats: dict[str, dict[str, Any]] = {}
    for qid, question in bank.questions.items():
        ids = [c.id for c in question.rubric.concepts if seen[qid][c.id]]
        stats[qid] = {
            "answers": answers[qid],
            "never_hit": [c for c in ids if hits[qid][c] == 0],
            "always_hit": [c for c in ids if hits[qid][c] == seen[qid][c]],
        }
    return stats


__all__ = [
    "CoachingError", "accept_invite", "add_comment", "answers_from_linked_candidates",
    "apply_overrides", "calibration_for", "calibration_samples", "can_view_session",
    "candidates_of", "coaches_of", "comments_for_session", "concept_hit_stats", "create_invite",
    "create_share_link", "delete_comment", "edit_comment", "effective_session_scores",
    "effective_summaries", "end_link", "hash_secret", "is_linked", "link", "open_share_link",
    "override_area", "override_history", "override_turn", "overrides_for_session", "pearson",
    "pending_invites", "rater_agreement", "revoke_invite", "revoke_share_link",
    "save_calibration", "share_links_for", "suggest_synonyms", "synonym_suggestions",
]
