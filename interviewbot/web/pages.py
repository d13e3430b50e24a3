"""Candidate pages: home, practice set-up and the interview chat."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, g, render_template, request
from wtforms import SelectChoice

from ..store.sessions import recent_sessions, session_for_owner
from .forms import PracticeForm
from .schedule import upcoming_for_dashboard

bp = Blueprint("pages", __name__)


def _bank():
    return current_app.extensions["bank"]


@bp.get("/")
def home():
    recent = recent_sessions(current_app.extensions["db"], g.user.id, limit=5) if g.user else []
    unfinished = next((s for s in recent if s.status == "active"), None)
    bookings = upcoming_for_dashboard() if g.user else None
    return render_template("index.html", areas=_bank().areas, recent=recent, unfinished=unfinished,
                           bookings=bookings)


@bp.get("/practice")
def practice():
    form = PracticeForm(request.args if request.args else None)
    form.areas.choices = [SelectChoice(a.id, a.title) for a in _bank().areas.values()]
    if request.args and form.validate():
        plan = {"areas": form.areas.data, "count": form.count.data, "mode": form.mode.data,
                "difficulty": int(form.difficulty.data) if form.difficulty.data else None}
        return render_template("practice/interview.html", plan=plan, session_id=None, areas=_bank().areas)
    recent = recent_sessions(current_app.extensions["db"], g.user.id, limit=5) if g.user else []
    unfinished = next((s for s in recent if s.status == "active"), None)
    return render_template("practice/setup.html", form=form, areas=_bank().areas, unfinished=unfinished), \
        400 if form.errors else 200


@bp.get("/interview/<session_id>")
def interview(session_id: str):
    """The chat for an existing session. Signed-in owners only; guests resume with their token
    (kept by their browser), which the websocket checks."""
    if g.user is not None:
        if session_for_owner(current_app.extensions["db"], session_id, g.user.id) is None:
            abort(404)
    return render_template("practice/interview.html", plan=None, session_id=session_id, areas=_bank().areas)
