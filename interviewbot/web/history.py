"""A candidate's own data: past sessions, progress, transcripts, exports, deletion.

Every route is for the signed-in owner only. A session id that is not theirs answers 404, the same
as one that does not exist, so ids cannot be probed.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from flask import (Blueprint, Response, abort, current_app, flash, g, redirect, render_template,
                   request, session, url_for)
from markupsafe import Markup, escape

from ..exports import account_data, iso, ratings_visible, transcript_data, transcript_markdown
from ..store.accounts import authenticate, delete_user
from ..store.models import InterviewSession
from ..store.sessions import (ProgressPoint, all_transcripts, answered_in_practice, attempts,
                              delete_session, progress_points, session_page, stored_counts,
                              transcript_for_owner, was_asked)
from .auth import login_required
from .forms import ConfirmForm, DeleteAccountForm

bp = Blueprint("history", __name__)

PER_PAGE = 25
RECENT_FOR_WEAKEST = 3  # an area's weakness is judged on its latest few scores


def _db():
    return current_app.extensions["db"]


def _bank():
    return current_app.extensions["bank"]


def area_titles() -> dict[str, str]:
    return {a.id: a.title for a in _bank().areas.values()}


# -- the history page -----------------------------------------------------------------------------
@bp.get("/sessions")
@login_required
def sessions():
    page = request.args.get("page", 1, type=int)
    if page < 1:
        abort(404)
    listing = session_page(_db(), g.user.id, page, PER_PAGE)
    if page > listing.pages:
        abort(404)
    from .coaching_candidate import with_coaches_scores

    points, scores = with_coaches_scores(progress_points(_db(), g.user.id), listing.sessions)
    titles = area_titles()
    return render_template("sessions/list.html", listing=listing, sessions=listing.sessions,
                           titles=titles, chart=progress_chart(points, titles),
                           weakest=weakest_area(points), scores=scores)


def weakest_area(points: list[ProgressPoint], recent: int = RECENT_FOR_WEAKEST) -> str | None:
    """The area with the lowest average over its latest `recent` scores (ties: by id)."""
    scores: dict[str, list[int]] = {}
    for point in points:
        for area, score in point.areas.items():
            scores.setdefault(area, []).append(score)
    if not scores:
        return None
    averages = {a: sum(s[-recent:]) / len(s[-recent:]) for a, s in scores.items()}
    return min(sorted(averages), key=lambda a: averages[a])


@dataclass
class Series:
    area: str
    title: str
    css: str  # class giving the line its colour and dash pattern
    points: list[dict[str, Any]] = field(default_factory=list)

    @property
    def polyline(self) -> str:
        return " ".join(f"{p['x']:.1f},{p['y']:.1f}" for p in self.points)

    @property
    def latest(self) -> int:
        return self.points[-1]["score"]


@dataclass
class Chart:
    width: int
    height: int
    left: int
    right: int
    top: int
    bottom: int
    series: list[Series]
    x_labels: list[dict[str, Any]]
    y_ticks: list[dict[str, Any]]
    rows: list[dict[str, Any]]  # the data table: one row per session
    description: str


CHART_SIZE = (720, 300)
CHART_MARGIN = {"left": 48, "right": 32, "top": 16, "bottom": 48}
MAX_X_LABELS = 10


def progress_chart(points: list[ProgressPoint], titles: dict[str, str]) -> Chart | None:
    """Geometry for the progress chart: one line per area over the sessions in date order."""
    if not points:
        return None
    width, height = CHART_SIZE
    m = CHART_MARGIN
    plot_w, plot_h = width - m["left"] - m["right"], height - m["top"] - m["bottom"]
    n = len(points)

    def x(i: int) -> float:
        return m["left"] + (plot_w / 2 if n == 1 else i * plot_w / (n - 1))

    def y(score: int) -> float:
        return m["top"] + plot_h * (1 - max(0, min(100, score)) / 100)

    areas = sorted({a for p in points for a in p.areas}, key=lambda a: titles.get(a, a))
    series = {a: Series(a, titles.get(a, a), f"series-{i % 10}") for i, a in enumerate(areas)}
    for i, point in enumerate(points):
        for area, score in point.areas.items():
            series[area].points.append({"x": x(i), "y": y(score), "score": score,
                                        "date": point.created_at, "session": point.session_id})
    step = math.ceil(n / MAX_X_LABELS)
    x_labels = [{"x": x(i), "text": p.created_at.strftime("%d %b"), "number": i + 1}
                for i, p in enumerate(points) if i % step == 0 or i == n - 1]
    if len(x_labels) > 1 and x_labels[-1]["number"] - x_labels[-2]["number"] < step:
        x_labels.pop(-2)  # keep the latest session's label, drop the one crowding it
    y_ticks = [{"y": y(v), "value": v} for v in (0, 25, 50, 75, 100)]
    rows = [{"date": p.created_at, "session": p.session_id,
             "scores": [p.areas.get(a) for a in areas]} for p in points]
    latest = "; ".join(f"{s.title} {s.latest}" for s in series.values())
    description = (f"Scores from 0 to 100 in {len(areas)} area(s) over your last {n} finished "
                   f"session(s), from {points[0].created_at:%d %b %Y} to {points[-1].created_at:%d %b %Y}. "
                   f"Latest scores: {latest}.")
    return Chart(width, height, m["left"], m["right"], m["top"], m["bottom"], list(series.values()),
                 x_labels, y_ticks, rows, description)


# -- one session --------------------------------------------------------------------------------
def _owned_transcript(session_id: str) -> InterviewSession:
    row = transcript_for_owner(_db(), session_id, g.user.id)
    if row is None:
        abort(404)
    return row


@bp.get("/sessions/<session_id>")
@login_required
def transcript(session_id: str):
    from .coaching_candidate import transcript_notes

    row = _owned_transcript(session_id)
    question_ids = list(dict.fromkeys(t.question_id for t in row.turns if t.kind == "question"))
    return render_template(
        "sessions/transcript.html", s=row, titles=area_titles(), bank=_bank(),
        blocks=transcript_blocks(row), show_ratings=ratings_visible(row),
        attempts=attempts(_db(), g.user.id, question_ids), delete_form=ConfirmForm(),
        coaching=transcript_notes(row))


def transcript_blocks(row: InterviewSession) -> list[dict[str, Any]]:
    """Main questions in order, each with its follow-ups and what to show for every turn."""
    results = {r.get("turn"): r for r in (row.summary or {}).get("questions", [])}
    blocks: list[dict[str, Any]] = []
    by_position: dict[int, dict[str, Any]] = {}
    for turn in row.turns:
        view = {"turn": turn, "answer_html": highlight_answer(turn.answer_text, turn.rating),
                "rating": rating_view(turn.rating)}
        if turn.kind == "question" or turn.parent_position not in by_position:
            block = {"number": len(blocks) + 1, "main": view, "follow_ups": [],
                     "question_id": turn.question_id, "result": results.get(turn.position),
                     "answered": turn.status == "answered"}
            blocks.append(block)
            by_position[turn.position] = block
        else:
            block = by_position[turn.parent_position]
            block["follow_ups"].append(view)
            block["answered"] = block["answered"] or turn.status == "answered"
    return blocks


def rating_view(rating: dict[str, Any] | None) -> dict[str, Any] | None:
    if not rating:
        return None
    concepts = rating.get("concepts") or []
    return {
        "score": rating.get("score"), "band": rating.get("band"), "meaning": rating.get("meaning"),
        "hit": [{"label": c["label"], "words": list(dict.fromkeys(e["text"] for e in c.get("evidence", [])))}
                for c in concepts if c.get("hit")],
        "missed": [c["label"] for c in concepts if not c.get("hit")],
        "star": rating.get("star") or {},
        "feedback": rating.get("feedback") or [],
        "words": rating.get("words"),
        "filler": (rating.get("filler") or {}).get("count", 0),
        "late": rating.get("late", False),
    }


def highlight_answer(text: str | None, rating: dict[str, Any] | None) -> Markup:
    """The answer as escaped text with the evidence of every hit concept in ``<mark class="hit">``.

    Spans come from the stored rating as character offsets into the answer; one that does not fit
    the text (or does not match what it claims to cover) is ignored, and overlapping spans merge.
    """
    if not text:
        return Markup("")
    spans: list[tuple[int, int, set[str]]] = []
    for concept in (rating or {}).get("concepts") or []:
        if not concept.get("hit"):
            continue
        for ev in concept.get("evidence") or []:
            start, end = ev.get("start"), ev.get("end")
            if (isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text)
                    and text[start:end] == ev.get("text", text[start:end])):
                spans.append((start, end, {concept.get("label", "")}))
    merged: list[tuple[int, int, set[str]]] = []
    for start, end, labels in sorted(spans, key=lambda s: (s[0], -s[1])):
        if merged and start < merged[-1][1]:
            prev = merged[-1]
            merged[-1] = (prev[0], max(prev[1], end), prev[2] | labels)
        else:
            merged.append((start, end, set(labels)))
    out, cursor = [], 0
    for start, end, labels in merged:
        out.append(escape(text[cursor:start]))
        title = escape("; ".join(sorted(label for label in labels if label)))
        out.append(Markup('<mark class="hit" title="%s">%s</mark>') % (title, text[start:end]))
        cursor = end
    out.append(escape(text[cursor:]))
    return Markup("").join(out)


def _download(body: str, mimetype: str, filename: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _filename(row: InterviewSession, ext: str) -> str:
    return f"interview-{row.created_at:%Y-%m-%d}-{row.id[:8]}.{ext}"


@bp.get("/sessions/<session_id>.json")
@login_required
def export_json(session_id: str):
    row = _owned_transcript(session_id)
    body = json.dumps(transcript_data(row, row.turns), indent=2, ensure_ascii=False)
    return _download(body, "application/json", _filename(row, "json"))


@bp.get("/sessions/<session_id>.md")
@login_required
def export_markdown(session_id: str):
    row = _owned_transcript(session_id)
    body = transcript_markdown(transcript_data(row, row.turns), area_titles())
    return _download(body, "text/markdown", _filename(row, "md"))


@bp.post("/sessions/<session_id>/delete")
@login_required
def delete(session_id: str):
    ConfirmForm().validate_on_submit()  # the CSRF token is checked for every POST
    if not delete_session(_db(), session_id, g.user.id):
        abort(404)
    flash("The session and its answers have been deleted.", "info")
    return redirect(url_for("history.sessions"))


# -- one question -------------------------------------------------------------------------------
@bp.get("/questions/<question_id>/example")
@login_required
def example(question_id: str):
    """A question's example strong answer, for someone who answered it in their own practice."""
    session_id = request.args.get("session", "")
    question = _bank().questions.get(question_id)
    if question is None or not answered_in_practice(_db(), g.user.id, session_id, question_id):
        abort(404)
    return render_template("sessions/example.html", question=question, session_id=session_id,
                           titles=area_titles())


@bp.get("/retry/<question_id>")
@login_required
def retry(question_id: str):
    """A new practice session asking exactly this question again (one the person was asked)."""
    question = _bank().questions.get(question_id)
    if question is None or not was_asked(_db(), g.user.id, question_id):
        abort(404)
    plan = {"areas": [question.area], "count": 1, "mode": "practice", "difficulty": None,
            "questions": [question.id]}
    return render_template("practice/interview.html", plan=plan, session_id=None, areas=_bank().areas)


# -- the account --------------------------------------------------------------------------------
@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    form = DeleteAccountForm()
    if form.validate_on_submit():
        db = _db()
        if authenticate(db, g.user.email, form.password.data) is None:
            form.password.errors.append("That password is not right.")
        else:
            delete_user(db, g.user.id)
            session.clear()
            flash("Your account and everything stored for it have been deleted.", "info")
            return redirect(url_for("pages.home"))
    return render_template("account/index.html", form=form, counts=stored_counts(_db(), g.user.id)), \
        400 if form.errors else 200


def account_document(user_id: int) -> dict[str, Any]:
    rows = all_transcripts(_db(), user_id)
    user = g.user
    return account_data({"email": user.email, "role": user.role, "created_at": iso(user.created_at)},
                        [transcript_data(r, r.turns) for r in rows])


@bp.get("/account/export.json")
@login_required
def account_export():
    body = json.dumps(account_document(g.user.id), indent=2, ensure_ascii=False)
    return _download(body, "application/json", f"interviewbot-my-data-{datetime.now(timezone.utc):%Y-%m-%d}.json")
