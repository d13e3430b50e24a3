"""JSON for other clients: a signed-in person's own sessions and transcripts.

Anonymous requests get 401 (JSON, no redirect); a session that is not the caller's gets 404.
"""
from __future__ import annotations

from functools import wraps
from typing import Any, Callable

from flask import Blueprint, abort, current_app, g, jsonify, request, url_for

from ..exports import iso, transcript_data
from ..store.sessions import session_page, transcript_for_owner

bp = Blueprint("api", __name__, url_prefix="/api")

PER_PAGE = 25


def api_login_required(view: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if g.user is None:
            return jsonify(error="Sign in required",
                           message="Sign in to see your sessions."), 401
        return view(*args, **kwargs)
    return wrapped


@bp.get("/sessions")
@api_login_required
def sessions():
    page = request.args.get("page", 1, type=int)
    if page < 1:
        abort(404)
    listing = session_page(current_app.extensions["db"], g.user.id, page, PER_PAGE)
    if page > listing.pages:
        abort(404)
    return jsonify(
        page=listing.page, per_page=listing.per_page, total=listing.total, pages=listing.pages,
        sessions=[{
            "id": s.id, "created_at": iso(s.created_at), "finished_at": iso(s.finished_at),
            "mode": s.mode, "status": s.status, "areas": list(s.plan.get("areas", [])),
            "score": (s.summary or {}).get("score"),
            "url": url_for("api.session", session_id=s.id),
        } for s in listing.sessions])


@bp.get("/sessions/<session_id>")
@api_login_required
def session(session_id: str):
    row = transcript_for_owner(current_app.extensions["db"], session_id, g.user.id)
    if row is None:
        abort(404)
    return jsonify(transcript_data(row, row.turns))
