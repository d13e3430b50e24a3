"""The candidate's side of coaching: invite a coach, see and end links, share one transcript
read-only, the public page behind a share link, and the candidate's own score table and
print-friendly transcript.

Only the owner of a session may share it or print it here; a session that is not theirs answers
404. The public share page needs no account: its token is the key, it expires, it can be
revoked, and every opening is logged.
"""
from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, url_for

from ..exports import ratings_visible
from ..store.coaching import (
    CoachingError,
    coaches_of,
    create_invite,
    create_share_link,
    effective_session_scores,
    effective_summaries,
    end_link,
    open_share_link,
    pending_invites,
    revoke_invite,
    revoke_share_link,
    share_links_for,
)
from ..store.coaching_views import turn_scores
from ..store.models import InterviewSession
from ..store.sessions import ProgressPoint, transcript_for_owner
from .auth import login_required
from .coach import area_overrides, coaching_notes, download, print_page, scores_csv
from .forms import ConfirmForm
from .history import area_titles, transcript_blocks
from .security import limiter

bp = Blueprint("coaching", __name__)


def _db():
    return current_app.extensions["db"]


# -- invites and links --------------------------------------------------------------------------
def _coaching_page(new_code: str | None = None, status: int = 200):
    return render_template("coaching/index.html", links=coaches_of(_db(), g.user.id),
                           invites=pending_invites(_db(), g.user.id), new_code=new_code,
                           form=ConfirmForm(formdata=None)), status


@bp.get("/coaching")
@login_required
def index():
    return _coaching_page()


@bp.post("/coaching/invites")
@login_required
def invite():
    ConfirmForm().validate_on_submit()  # the CSRF token is checked for every POST
    code = create_invite(_db(), g.user.id)
    return _coaching_page(new_code=code, status=201)


@bp.post("/coaching/invites/<int:invite_id>/revoke")
@login_required
def revoke(invite_id: int):
    ConfirmForm().validate_on_submit()
    if not any(i.id == invite_id for i in pending_invites(_db(), g.user.id)):
        abort(404)
    try:
        revoke_invite(_db(), invite_id, g.user.id)
    except CoachingError:
        abort(404)
    flash("The invite was withdrawn; its code no longer works.", "info")
    return redirect(url_for("coaching.index"))


@bp.post("/coaching/links/<int:link_id>/end")
@login_required
def end(link_id: int):
    ConfirmForm().validate_on_submit()
    if not any(link.id == link_id for link in coaches_of(_db(), g.user.id)):
        abort(404)
    try:
        end_link(_db(), link_id, g.user.id)
    except CoachingError:
        abort(404)
    flash("The coach no longer sees your sessions.", "info")
    return redirect(url_for("coaching.index"))


# -- share links --------------------------------------------------------------------------------
def _owned(session_id: str) -> InterviewSession:
    row = transcript_for_owner(_db(), session_id, g.user.id)
    if row is None:
        abort(404)
    return row


def _share_page(row: InterviewSession, new_token: str | None = None, status: int = 200):
    return render_template("coaching/share.html", s=row, titles=area_titles(),
                           links=share_links_for(_db(), row.id), new_token=new_token,
                           form=ConfirmForm(formdata=None)), status


@bp.get("/sessions/<session_id>/share")
@login_required
def shares(session_id: str):
    return _share_page(_owned(session_id))


@bp.post("/sessions/<session_id>/share")
@login_required
def share(session_id: str):
    row = _owned(session_id)
    ConfirmForm().validate_on_submit()
    try:
        token = create_share_link(_db(), row.id, g.user.id)
    except CoachingError:
        abort(404)
    return _share_page(row, new_token=token, status=201)


@bp.post("/sessions/<session_id>/share/<int:link_id>/revoke")
@login_required
def unshare(session_id: str, link_id: int):
    row = _owned(session_id)
    ConfirmForm().validate_on_submit()
    if not any(link["id"] == link_id for link in share_links_for(_db(), row.id)):
        abort(404)
    revoke_share_link(_db(), link_id, g.user.id)
    flash("The link no longer opens this session.", "info")
    return redirect(url_for("coaching.shares", session_id=row.id))


@bp.get("/share/<token>")
@limiter.limit(lambda: current_app.config.get("SHARE_RATE_LIMIT", "60 per minute"))
def shared(token: str):
    """The read-only transcript behind a share link, for anyone who has the link."""
    row = open_share_link(_db(), token, request.remote_addr, request.headers.get("User-Agent"))
    if row is None:
        abort(404)
    show = ratings_visible(row)
    response = current_app.make_response(render_template(
        "share/transcript.html", s=row, titles=area_titles(), bank=current_app.extensions["bank"],
        blocks=transcript_blocks(row), show_ratings=show,
        summary=effective_session_scores(_db(), row.id) if show else None,
        notes=coaching_notes(row)))
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Referrer-Policy"] = "no-referrer"  # the token must not leak to linked sites
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


# -- the candidate's own exports ----------------------------------------------------------------
@bp.get("/sessions/scores.csv")
@login_required
def scores():
    body = scores_csv(turn_scores(_db(), g.user.id), hide_unfinished_mock=True)
    return download(body, "text/csv", f"my-scores-{date.today():%Y-%m-%d}.csv")


@bp.get("/sessions/<session_id>/print")
@login_required
def print_view(session_id: str):
    row = _owned(session_id)
    return print_page(row, url_for("history.transcript", session_id=row.id))


# -- for the candidate's history and transcript pages -------------------------------------------
def with_coaches_scores(points: list[ProgressPoint], sessions: list[InterviewSession]
                        ) -> tuple[list[ProgressPoint], dict[str, dict]]:
    """Progress points and a page of sessions' scorecards with coaches' overrides in force, in
    one look-up. Scorecards are by session id; hidden ratings (an unfinished mock) stay hidden."""
    shown = [s.id for s in sessions if s.summary and ratings_visible(s)]
    summaries = effective_summaries(_db(), [p.session_id for p in points] + shown)
    result = []
    for p in points:
        areas = (summaries.get(p.session_id) or {}).get("areas")
        result.append(ProgressPoint(p.session_id, p.created_at, dict(areas)) if areas else p)
    return result, {sid: summaries[sid] for sid in shown if sid in summaries}


def transcript_notes(row: InterviewSession) -> dict:
    """What the candidate's transcript shows of coaching: notes per turn, area overrides and
    the effective scorecard (None while ratings are hidden)."""
    show = ratings_visible(row)
    return {"notes": coaching_notes(row), "areas": area_overrides(row.id) if show else {},
            "summary": effective_session_scores(_db(), row.id) if show else None, "show": show}
