"""The coach's workspace: linked candidates, their sessions, transcript review with comments and
score overrides, rater agreement, calibration, invites, exports and the live view page.

Every route is for signed-in coaches. A session or candidate the coach is not actively linked to
answers 404, the same as one that does not exist; the check is made again on every request, so
ending a link closes the door at once.
"""
from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask import (Blueprint, Response, abort, current_app, flash, g, redirect, render_template,
                   request, url_for)
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from .schedule import upcoming_for_dashboard
from ..exports import ratings_visible, transcript_data, transcript_markdown
from ..rating import rate
from ..store.coaching import (
    MAX_COMMENT_CHARS,
    MAX_REASON_CHARS,
    CoachingError,
    accept_invite,
    add_comment,
    answers_from_linked_candidates,
    calibration_for,
    calibration_samples,
    can_view_session,
    candidates_of,
    comments_for_session,
    delete_comment,
    edit_comment,
    effective_session_scores,
    end_link,
    is_linked,
    override_area,
    override_history,
    override_turn,
    rater_agreement,
    save_calibration,
    synonym_suggestions,
)
from ..store.accounts import get_user
from ..store.coaching_views import (SessionFilters, TurnScore, caseload, coach_session_page, comment_counts,
                                     turn_scores)
from ..store.models import InterviewSession, ScoreOverride, Turn, TurnComment, User
from .auth import role_required
from .forms import ConfirmForm
from .history import area_titles, transcript_blocks

bp = Blueprint("coach", __name__)

PER_PAGE = 25
DISAGREE = 15  # a calibration score this far from the rater's is a disagreement worth a look
coach_required = role_required("coach")


def _db():
    return current_app.extensions["db"]


def _bank():
    return current_app.extensions["bank"]


# -- forms --------------------------------------------------------------------------------------
class CommentForm(FlaskForm):
    body = TextAreaField("Comment (Markdown)", validators=[
        DataRequired("Write the comment first."),
        Length(max=MAX_COMMENT_CHARS, message=f"A comment can be at most {MAX_COMMENT_CHARS:,} characters.")])


class OverrideForm(FlaskForm):
    score = IntegerField("Your score (0–100)", validators=[
        InputRequired("Give a score from 0 to 100."),
        NumberRange(0, 100, "A score is a whole number from 0 to 100.")])
    reason = TextAreaField("Why", validators=[
        DataRequired("Say why the score should be different."),
        Length(max=MAX_REASON_CHARS, message=f"A reason can be at most {MAX_REASON_CHARS:,} characters.")])


class InviteForm(FlaskForm):
    code = StringField("Invite code", validators=[DataRequired("Paste the code the candidate gave you."),
                                                  Length(max=100, message="That is not an invite code.")])


class CalibrationForm(FlaskForm):
    """One sample's score; the sample's key travels beside it, unprefixed, as ``key``."""

    score = IntegerField("Your score (0–100)", validators=[
        InputRequired("Give a score from 0 to 100."),
        NumberRange(0, 100, "A score is a whole number from 0 to 100.")])


def _not_after(other: str):
    def check(form: FlaskForm, f: Any) -> None:
        later = getattr(form, other).data
        if f.data is not None and later is not None and f.data > later:
            raise ValidationError("The start must not come after the end.")
    return check


class SessionFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET form: it only filters a list

    candidate = SelectField("Candidate", default="", validators=[Optional()])
    area = SelectField("Area", default="", validators=[Optional()])
    mode = SelectField("Mode", default="", validators=[Optional()],
                       choices=[SelectChoice("", "Any"), SelectChoice("practice", "Practice"),
                                SelectChoice("mock", "Mock interview")])
    status = SelectField("Status", default="", validators=[Optional()],
                         choices=[SelectChoice("", "Any"), SelectChoice("active", "In progress"),
                                  SelectChoice("finished", "Finished")])
    date_from = DateField("From", validators=[Optional(), _not_after("date_to")])
    date_to = DateField("To", validators=[Optional()])
    score_min = IntegerField("Score from", validators=[Optional(), NumberRange(0, 100, "Use 0 to 100.")])
    score_max = IntegerField("Score to", validators=[Optional(), NumberRange(0, 100, "Use 0 to 100.")])
    q = StringField("Words in the answers",
                    validators=[Optional(), Length(max=200, message="Use at most 200 characters.")])

    def validate_score_max(self, f: Any) -> None:
        if f.data is not None and self.score_min.data is not None and self.score_min.data > f.data:
            raise ValidationError("The lowest score must not be above the highest.")


# -- the dashboard ------------------------------------------------------------------------------
@bp.get("/coach")
@coach_required
def dashboard():
    people = caseload(_db(), g.user.id)
    live = coach_session_page(_db(), g.user.id, SessionFilters(status="active"), 1, 10).rows
    recent = coach_session_page(_db(), g.user.id, SessionFilters(), 1, 10).rows if people else []
    return render_template("coach/dashboard.html", people=people, live=live, recent=recent,
                           comments=comment_counts(_db(), [r.session.id for r in recent]),
                           titles=area_titles(), bookings=upcoming_for_dashboard())


# -- the session list -------------------------------------------------------------------------
@bp.get("/coach/sessions")
@coach_required
def sessions():
    people = candidates_of(_db(), g.user.id)  # the menu needs names only, not the caseload's scores
    form = SessionFilterForm(request.args)
    form.candidate.choices = [SelectChoice("", "Everyone")] + [SelectChoice(str(p.candidate_id), p.candidate.email)
                                                               for p in people]
    form.area.choices = [SelectChoice("", "Any")] + [SelectChoice(a.id, a.title) for a in _bank().areas.values()]
    page = request.args.get("page", 1, type=int)
    if page < 1:
        abort(404)
    wanted = request.args.get("candidate", "")
    if wanted and wanted not in {str(p.candidate_id) for p in people}:
        abort(404)  # not a candidate of this coach: the same answer as no such person
    if request.args and not form.validate():
        return render_template("coach/sessions.html", form=form, listing=None, titles=area_titles(),
                               query={}), 400
    filters = SessionFilters(
        candidate_id=int(form.candidate.data) if form.candidate.data else None,
        area=form.area.data or None, mode=form.mode.data or None, status=form.status.data or None,
        date_from=form.date_from.data, date_to=form.date_to.data, score_min=form.score_min.data,
        score_max=form.score_max.data, text=form.q.data or "")
    listing = coach_session_page(_db(), g.user.id, filters, page, PER_PAGE)
    if page > listing.pages:
        abort(404)
    query = {k: v for k, v in request.args.items() if k != "page" and v != ""}
    return render_template("coach/sessions.html", form=form, listing=listing, titles=area_titles(),
                           query=query, terms=filters.terms)


# -- one session --------------------------------------------------------------------------------
def _session(session_id: str, with_turns: bool = True) -> InterviewSession:
    """The session if the signed-in coach may read it, else 404 (unknown and foreign alike)."""
    row = can_view_session(_db(), g.user, session_id, with_turns=with_turns)
    if row is None:
        abort(404)
    return row


def _turn(row: InterviewSession, turn_id: int) -> Turn:
    turn = next((t for t in row.turns if t.id == turn_id), None)
    if turn is None:
        abort(404)
    return turn


@dataclass
class TurnNotes:
    """What coaches added to one turn: comments, the override in force and its history."""
    comments: list[TurnComment]
    override: ScoreOverride | None
    history: list[ScoreOverride]
    suggestions: list[str]


def coaching_notes(row: InterviewSession, with_suggestions: bool = False) -> dict[int, TurnNotes]:
    """Comments and overrides of every turn of the session (three queries)."""
    comments = comments_for_session(_db(), row.id)
    history: dict[int, list[ScoreOverride]] = {}
    for o in override_history(_db(), row.id):
        if o.turn_id is not None:
            history.setdefault(o.turn_id, []).append(o)
    notes = {}
    for turn in row.turns:
        past = history.get(turn.id, [])
        latest = past[-1] if past else None
        upward = latest is not None and latest.score > latest.auto_score
        notes[turn.id] = TurnNotes(comments.get(turn.id, []), latest, past,
                                   synonym_suggestions(turn) if with_suggestions and upward else [])
    return notes


def area_overrides(session_id: str) -> dict[str, list[ScoreOverride]]:
    found: dict[str, list[ScoreOverride]] = {}
    for o in override_history(_db(), session_id):
        if o.area is not None:
            found.setdefault(o.area, []).append(o)
    return found


def _review(row: InterviewSession, failed: dict[str, FlaskForm] | None = None, status: int = 200):
    failed = failed or {}

    def form(cls: type[FlaskForm], prefix: str) -> FlaskForm:
        return failed.get(prefix) or cls(formdata=None, prefix=prefix)

    summary = effective_session_scores(_db(), row.id)
    forms = {}
    for turn in row.turns:
        forms[f"c{turn.id}"] = form(CommentForm, f"c{turn.id}")
        if turn.status == "answered" and turn.rating is not None:
            forms[f"o{turn.id}"] = form(OverrideForm, f"o{turn.id}")
    for area in (summary or {}).get("areas") or {}:
        forms[f"a-{area}"] = form(OverrideForm, f"a-{area}")
    forms.update({prefix: f for prefix, f in failed.items() if prefix not in forms})  # an edited comment
    return render_template(
        "coach/review.html", s=row, owner=_owner(row), titles=area_titles(), bank=_bank(),
        blocks=transcript_blocks(row), notes=coaching_notes(row, with_suggestions=True),
        summary=summary, results={q.get("turn"): q for q in (summary or {}).get("questions") or ()},
        area_history=area_overrides(row.id), forms=forms,
        missed=_missed_concepts(row), failed=set(failed), delete_form=ConfirmForm(formdata=None),
        can_override=is_linked(_db(), g.user.id, row.owner_id) if row.owner_id else False), status


def _owner(row: InterviewSession) -> User | None:
    return get_user(_db(), row.owner_id) if row.owner_id is not None else None


def _missed_concepts(row: InterviewSession) -> dict[int, list[str]]:
    return {t.id: [c.get("label", c["id"]) for c in (t.rating or {}).get("concepts") or () if not c.get("hit")]
            for t in row.turns}


@bp.get("/coach/sessions/<session_id>")
@coach_required
def review(session_id: str):
    return _review(_session(session_id))


def _refused(exc: CoachingError, row: InterviewSession, prefix: str, form: FlaskForm, field: str):
    """Map a refusal from the operations to a response: 404, 403, or the form with a message."""
    if exc.code == "not_found":
        abort(404)
    if exc.code == "forbidden":
        abort(403)
    getattr(form, field).errors = [*getattr(form, field).errors, exc.message[:1].upper() + exc.message[1:] + "."]
    return _review(row, {prefix: form}, 400)


@bp.post("/coach/sessions/<session_id>/turns/<int:turn_id>/comments")
@coach_required
def comment(session_id: str, turn_id: int):
    row = _session(session_id)
    turn = _turn(row, turn_id)
    prefix = f"c{turn.id}"
    form = CommentForm(prefix=prefix)
    if not form.validate_on_submit():
        return _review(row, {prefix: form}, 400)
    try:
        add_comment(_db(), turn.id, g.user, form.body.data)
    except CoachingError as exc:
        return _refused(exc, row, prefix, form, "body")
    flash("Comment added.", "success")
    return redirect(url_for("coach.review", session_id=row.id, _anchor=f"turn-{turn.id}"))


@bp.post("/coach/sessions/<session_id>/turns/<int:turn_id>/override")
@coach_required
def override(session_id: str, turn_id: int):
    row = _session(session_id)
    turn = _turn(row, turn_id)
    prefix = f"o{turn.id}"
    form = OverrideForm(prefix=prefix)
    if not form.validate_on_submit():
        return _review(row, {prefix: form}, 400)
    try:
        saved = override_turn(_db(), turn.id, g.user, form.score.data, form.reason.data)
    except CoachingError as exc:
        return _refused(exc, row, prefix, form, "score")
    upward = saved.score > saved.auto_score
    flash(f"Score changed from {saved.auto_score} to {saved.score}." +
          (" The words the rubric did not match are listed as candidate synonyms." if upward else ""), "success")
    return redirect(url_for("coach.review", session_id=row.id, _anchor=f"turn-{turn.id}"))


@bp.post("/coach/sessions/<session_id>/areas/<area>/override")
@coach_required
def override_area_score(session_id: str, area: str):
    row = _session(session_id)
    prefix = f"a-{area}"
    form = OverrideForm(prefix=prefix)
    if area not in ((row.summary or {}).get("areas") or {}):
        abort(404)
    if not form.validate_on_submit():
        return _review(row, {prefix: form}, 400)
    try:
        saved = override_area(_db(), row.id, area, g.user, form.score.data, form.reason.data)
    except CoachingError as exc:
        return _refused(exc, row, prefix, form, "score")
    flash(f"{area_titles().get(area, area)}: score changed from {saved.auto_score} to {saved.score}.", "success")
    return redirect(url_for("coach.review", session_id=row.id, _anchor="scorecard"))


def _own_comment(session_id: str, comment_id: int) -> tuple[InterviewSession, TurnComment]:
    """The session and the signed-in coach's own comment on it, or 404."""
    row = _session(session_id)
    comments = comments_for_session(_db(), row.id)
    found = next((c for cs in comments.values() for c in cs
                  if c.id == comment_id and c.author_id == g.user.id), None)
    if found is None:
        abort(404)
    return row, found


@bp.post("/coach/sessions/<session_id>/comments/<int:comment_id>/edit")
@coach_required
def comment_edit(session_id: str, comment_id: int):
    row, found = _own_comment(session_id, comment_id)
    prefix = f"e{comment_id}"
    form = CommentForm(prefix=prefix)
    if not form.validate_on_submit():
        return _review(row, {prefix: form}, 400)
    try:
        edit_comment(_db(), comment_id, g.user, form.body.data)
    except CoachingError as exc:
        return _refused(exc, row, prefix, form, "body")
    flash("Comment changed.", "success")
    return redirect(url_for("coach.review", session_id=row.id, _anchor=f"turn-{found.turn_id}"))


@bp.post("/coach/sessions/<session_id>/comments/<int:comment_id>/delete")
@coach_required
def comment_delete(session_id: str, comment_id: int):
    row, found = _own_comment(session_id, comment_id)
    ConfirmForm().validate_on_submit()  # the CSRF token is checked for every POST
    try:
        delete_comment(_db(), comment_id, g.user)
    except CoachingError:
        abort(404)
    flash("Comment deleted.", "info")
    return redirect(url_for("coach.review", session_id=row.id, _anchor=f"turn-{found.turn_id}"))


# -- exports of one session ---------------------------------------------------------------------
def coached_transcript(row: InterviewSession, notes: dict[int, TurnNotes],
                       area_history: dict[str, list[ScoreOverride]]) -> dict[str, Any]:
    """:func:`transcript_data` with what coaches added: per turn the comments and the override in
    force; the summary with the overrides applied, and the rater's next to it."""
    data = transcript_data(row, row.turns)
    show = ratings_visible(row)
    by_position = {t.position: t for t in row.turns}
    for item in data["turns"]:
        turn = by_position[item["position"]]
        n = notes.get(turn.id)
        item["comments"] = [{"author": c.author.email, "body": c.body, "created_at": _iso(c.created_at),
                             "updated_at": _iso(c.updated_at)} for c in (n.comments if n else [])]
        o = n.override if n and show else None
        item["override"] = ({"score": o.score, "auto_score": o.auto_score, "reason": o.reason,
                             "author": o.author.email, "created_at": _iso(o.created_at)} if o else None)
    if data["summary"] is not None and show:
        effective = effective_session_scores(_db(), row.id) or data["summary"]
        data["auto_summary"] = data["summary"]
        data["summary"] = {k: v for k, v in effective.items() if k != "turns"}
        data["area_overrides"] = {area: {"score": os[-1].score, "auto_score": os[-1].auto_score,
                                         "reason": os[-1].reason, "author": os[-1].author.email}
                                  for area, os in area_history.items()}
    return data


def coached_markdown(data: dict[str, Any], titles: dict[str, str]) -> str:
    """The transcript as Markdown, then a section with the coaches' scores and comments."""
    text = transcript_markdown(data, titles)
    lines = []
    for area, o in (data.get("area_overrides") or {}).items():
        lines += [f"- {titles.get(area, area)}: coach's score {o['score']} (auto {o['auto_score']}) — {o['reason']}"]
    number = 0
    for item in data["turns"]:
        if item["kind"] == "question":
            number += 1
        if not item["comments"] and not item["override"]:
            continue
        where = f"Question {number}" + (" (follow-up)" if item["kind"] != "question" else "")
        lines += ["", f"### {where}", ""]
        o = item["override"]
        if o:
            lines.append(f"Coach's score: {o['score']} (auto {o['auto_score']}) — {o['reason']}")
            lines.append("")
        for c in item["comments"]:
            quoted = [f"> {ln}" if ln.strip() else ">" for ln in c["body"].splitlines()]
            lines += [f"**{c['author']}** wrote:", "", *quoted, ""]
    if not lines:
        return text
    return text.rstrip() + "\n\n## Coach's notes\n\n" + "\n".join(lines).strip() + "\n"


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat().replace("+00:00", "Z") if moment else None


def download(body: str, mimetype: str, filename: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _filename(row: InterviewSession, ext: str) -> str:
    return f"interview-{row.created_at:%Y-%m-%d}-{row.id[:8]}.{ext}"


def _export(session_id: str) -> tuple[InterviewSession, dict[str, Any]]:
    row = _session(session_id)
    return row, coached_transcript(row, coaching_notes(row), area_overrides(row.id))


@bp.get("/coach/sessions/<session_id>.json")
@coach_required
def export_json(session_id: str):
    row, data = _export(session_id)
    return download(json.dumps(data, indent=2, ensure_ascii=False), "application/json", _filename(row, "json"))


@bp.get("/coach/sessions/<session_id>.md")
@coach_required
def export_markdown(session_id: str):
    row, data = _export(session_id)
    return download(coached_markdown(data, area_titles()), "text/markdown", _filename(row, "md"))


def print_page(row: InterviewSession, back: str):
    """The print-friendly transcript (shared with the candidate's own print page)."""
    show = ratings_visible(row)
    return render_template("coaching/print.html", s=row, owner=_owner(row), titles=area_titles(),
                           bank=_bank(), blocks=transcript_blocks(row), notes=coaching_notes(row),
                           summary=effective_session_scores(_db(), row.id) if show else None,
                           area_history=area_overrides(row.id), show_ratings=show, back=back)


@bp.get("/coach/sessions/<session_id>/print")
@coach_required
def print_view(session_id: str):
    row = _session(session_id)
    return print_page(row, url_for("coach.review", session_id=row.id))


# -- the live view ------------------------------------------------------------------------------
@bp.get("/coach/sessions/<session_id>/live")
@coach_required
def live(session_id: str):
    row = _session(session_id, with_turns=False)
    if row.owner_id == g.user.id:
        abort(404)  # watching is for coaches of the candidate, not for oneself
    return render_template("coach/live.html", s=row, owner=_owner(row), titles=area_titles())


# -- scores of one candidate (CSV) --------------------------------------------------------------
CSV_COLUMNS = ("session_id", "session_date", "mode", "session_status", "question", "turn", "kind",
               "question_id", "area", "status", "auto_score", "override_score", "score", "override_reason")


def scores_csv(rows: list[TurnScore], hide_unfinished_mock: bool) -> str:
    """One row per turn; cells that a spreadsheet would run as a formula are quoted with '."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for r in rows:
        hidden = hide_unfinished_mock and r.mode == "mock" and r.session_status != "finished"
        auto, override = (None, None) if hidden else (r.auto_score, r.override_score)
        score = override if override is not None else auto
        writer.writerow([_cell(v) for v in (
            r.session_id, _iso(r.session_date), r.mode, r.session_status, r.question_number, r.position,
            r.kind, r.question_id, r.area or "", r.status, auto, override, score,
            None if hidden else r.override_reason)])
    return out.getvalue()


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


@bp.get("/coach/candidates/<int:candidate_id>/scores.csv")
@coach_required
def candidate_scores(candidate_id: int):
    if not is_linked(_db(), g.user.id, candidate_id):
        abort(404)
    body = scores_csv(turn_scores(_db(), candidate_id), hide_unfinished_mock=False)
    return download(body, "text/csv", f"scores-candidate-{candidate_id}-{date.today():%Y-%m-%d}.csv")


# -- links ----------------------------------------------------------------------------------------
@bp.post("/coach/links/<int:link_id>/end")
@coach_required
def end(link_id: int):
    ConfirmForm().validate_on_submit()  # the CSRF token is checked for every POST
    if not any(link.id == link_id for link in candidates_of(_db(), g.user.id)):
        abort(404)
    try:
        end_link(_db(), link_id, g.user.id)
    except CoachingError:
        abort(404)
    flash("You are no longer linked with this candidate.", "info")
    return redirect(url_for("coach.dashboard"))


@bp.route("/coach/invites/accept", methods=["GET", "POST"])
@coach_required
def accept():
    form = InviteForm()
    if form.validate_on_submit():
        try:
            made = accept_invite(_db(), form.code.data.strip(), g.user.id)
        except CoachingError as exc:
            form.code.errors.append(exc.message[:1].upper() + exc.message[1:] + ".")
        else:
            candidate = get_user(_db(), made.candidate_id)
            flash(f"You are now coaching {candidate.email if candidate else 'this candidate'}.", "success")
            return redirect(url_for("coach.dashboard"))
    return render_template("coach/accept.html", form=form), 400 if form.errors else 200


@bp.get("/coach/invites/<code>")
@coach_required
def accept_link(code: str):
    form = InviteForm(formdata=None, code=code)
    return render_template("coach/accept.html", form=form)


# -- rater agreement ------------------------------------------------------------------------------
@bp.get("/coach/agreement")
@coach_required
def agreement():
    rows = rater_agreement(_db(), g.user.id)
    return render_template("coach/agreement.html", rows=rows, titles=area_titles())


# -- calibration ----------------------------------------------------------------------------------
@bp.get("/coach/calibrate")
@coach_required
def calibrate_index():
    return render_template("coach/calibrate_index.html", areas=_bank().areas,
                           questions=list(_bank().questions.values()))


@dataclass
class Sample:
    key: str
    text: str
    rating: Any
    mine: Any  # the coach's CalibrationRating, if any
    form: CalibrationForm

    @property
    def difference(self) -> int | None:
        return None if self.mine is None else self.mine.coach_score - self.rating.score

    @property
    def disagrees(self) -> bool:
        return self.difference is not None and abs(self.difference) >= DISAGREE


def _samples(question, failed: CalibrationForm | None = None) -> list[Sample]:
    answers = answers_from_linked_candidates(_db(), g.user.id, question.id)
    mine = calibration_for(_db(), g.user.id, question.id)
    result = []
    for key, text in calibration_samples(question, answers):
        form = failed if failed is not None and failed.sample_key == key else \
            CalibrationForm(formdata=None, prefix=f"s-{key}")
        result.append(Sample(key, text, rate(question, text), mine.get(key), form))
    return result


@bp.route("/coach/calibrate/<question_id>", methods=["GET", "POST"])
@coach_required
def calibrate(question_id: str):
    """Score sample answers to a question; the rater's score and reasons show beside each."""
    question = _bank().questions.get(question_id)
    if question is None:
        abort(404)
    failed = None
    if request.method == "POST":
        samples = dict(calibration_samples(
            question, answers_from_linked_candidates(_db(), g.user.id, question.id)))
        key = request.form.get("key", "")
        if key not in samples:
            abort(404)
        form = CalibrationForm(prefix=f"s-{key}")
        form.sample_key = key
        if form.validate_on_submit():
            text = samples[key]
            save_calibration(_db(), g.user.id, question.id, key, text, form.score.data,
                             rate(question, text).score)
            return redirect(url_for("coach.calibrate", question_id=question.id, _anchor=f"sample-{key}"))
        failed = form
    samples = _samples(question, failed)
    rated = [s for s in samples if s.mine is not None]
    mad = round(sum(abs(s.difference) for s in rated) / len(rated), 1) if rated else None
    return render_template("coach/calibrate.html", question=question, samples=samples, mad=mad,
                           rated=len(rated), titles=area_titles(), disagree=DISAGREE), 400 if failed else 200
