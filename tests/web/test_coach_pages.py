"""The coach's workspace through real requests: the dashboard, the filtered and searchable list of
sessions, transcript review with comments and score overrides, invites and links, the admin's
links, rater agreement and calibration.

Interviews are run through the real interview operations; accounts sign in through the form.
"""
from __future__ import annotations

import itertools
import json
import re
from datetime import datetime, timedelta, timezone
from html import unescape

import pytest
from argon2 import PasswordHasher
from sqlalchemy import event, func, select

import interviewbot.store.accounts
from interviewbot.engine.protocol import parse_client_message
from interviewbot.store import CalibrationRating, CoachLink, ScoreOverride, Turn, TurnComment, User
from interviewbot.store.accounts import create_user
from interviewbot.store.interviews import InterviewService
from interviewbot.store.coaching import (add_comment, create_invite, effective_session_scores, end_link, link,
                                         override_turn, synonym_suggestions)

PASSWORD = "a long enough password"
WEAK = ("At my last job we had some problems with customers and I worked hard with everyone to "
        "sort things out. We talked a lot and people were happier afterwards and it went well.")
DAY = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
_ids = itertools.count(1)


def message(type_: str, **fields):
    return parse_client_message(json.dumps({"type": type_, "id": f"m{next(_ids)}", **fields}))


@pytest.fixture(autouse=True)
def quick_hashing(monkeypatch):
    """Sign-ins here are about pages, not password hashing (tests/store covers that)."""
    monkeypatch.setattr(interviewbot.store.accounts, "_hasher",
                        PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


@pytest.fixture
def app(make_app):
    return make_app(WTF_CSRF_ENABLED=False, LOGIN_RATE_LIMIT="1000 per minute")


@pytest.fixture
def db(app):
    return app.extensions["db"]


@pytest.fixture
def bank(app):
    return app.extensions["bank"]


@pytest.fixture
def user(db):
    numbers = itertools.count(1)

    def make(role: str = "candidate", email: str | None = None) -> User:
        return create_user(db, email or f"{role}{next(numbers)}@example.com", PASSWORD, role)

    return make


@pytest.fixture
def admin(user):
    return user("admin")


@pytest.fixture
def linked(db, admin):
    """linked(coach, candidate): an admin links them; returns the link."""
    return lambda coach, candidate: link(db, coach.id, candidate.id, admin.id)


@pytest.fixture
def signed_in(app):
    def sign_in(person: User):
        client = app.test_client()
        response = client.post("/signin", data={"email": person.email, "password": PASSWORD})
        assert response.status_code == 302, response.get_data(as_text=True)
        return client

    return sign_in


@pytest.fixture
def interview(app, bank):
    """Factory: run a real interview; returns the session id. `answer` is a text or a function
    of the question frame (None: the bank's example answer); `finish=False` leaves the first
    question open; `at` is when it starts (the clock then moves a second per reading)."""

    def run(owner: User, areas=("budgeting",), count: int = 1, answer=None, mode: str = "practice",
            finish: bool = True, at: datetime | None = None) -> str:
        ticks = itertools.count()
        clock = (lambda: at + timedelta(seconds=next(ticks))) if at else (lambda: datetime.now(timezone.utc))
        service = InterviewService(app.extensions["db"], bank, clock=clock)
        started = service.start(owner.id, message("start", areas=list(areas), count=count, mode=mode))
        frames = started.frames
        while finish and frames[-1]["type"] in ("question", "follow_up"):
            q = frames[-1]
            text = answer(q) if callable(answer) else answer
            if text is None:
                text = bank.questions[q["question_id"]].example_answer
            frames = service.handle(started.session_id, message("answer", text=text))
        return started.session_id

    return run


def turns_of(db, session_id: str) -> list[Turn]:
    with db.session() as s:
        return list(s.scalars(select(Turn).where(Turn.session_id == session_id).order_by(Turn.position)))


def main_turn(db, session_id: str) -> Turn:
    return next(t for t in turns_of(db, session_id) if t.kind == "question")


def count(db, model, **where) -> int:
    with db.session() as s:
        q = select(func.count()).select_from(model)
        for name, value in where.items():
            q = q.where(getattr(model, name) == value)
        return s.scalar(q)


def text_of(response) -> str:
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))))


def listed(response) -> list[str]:
    """The session ids linked from the coach's session list, in order."""
    return re.findall(r'href="/coach/sessions/([\w-]+)"', response.get_data(as_text=True))


@pytest.fixture
def coach_with(user, linked, signed_in):
    """A coach linked to a new candidate: (coach, candidate, the coach's client)."""
    def make():
        coach, candidate = user("coach"), user()
        linked(coach, candidate)
        return coach, candidate, signed_in(coach)
    return make


# -- the dashboard ------------------------------------------------------------------------------
def test_dashboard_lists_linked_candidates_with_activity_sessions_average_and_weakest_area(
        coach_with, interview, db, bank):
    coach, candidate, client = coach_with()
    first = interview(candidate, areas=["budgeting"], at=DAY)
    second = interview(candidate, areas=["escalation"], answer=WEAK, at=DAY + timedelta(days=2))
    interview(candidate, finish=False, at=DAY + timedelta(days=3))
    scores = [effective_session_scores(db, s)["score"] for s in (first, second)]

    page = text_of(client.get("/coach"))

    assert candidate.email in page
    assert "3 (2 finished)" in page
    assert f"{round(sum(scores) / 2)}" in page
    assert f"{bank.areas['escalation'].title} (" in page  # the weak answer's area is the weakest
    assert "05 Mar 2026" in page  # last activity: the unfinished session


def test_dashboard_leaves_out_other_coaches_candidates_and_ended_links(coach_with, user, linked, db):
    coach, candidate, client = coach_with()
    stranger = user()
    linked(user("coach"), stranger)
    former = user()
    end_link(db, linked(coach, former).id, coach.id)

    page = text_of(client.get("/coach"))

    assert candidate.email in page
    assert stranger.email not in page and former.email not in page


def test_dashboard_average_uses_the_coachs_overrides(coach_with, interview, db):
    coach, candidate, client = coach_with()
    session = interview(candidate, answer=WEAK)
    override_turn(db, main_turn(db, session).id, coach, 97, "Much better than the rater saw.")

    page = client.get("/coach").get_data(as_text=True)

    assert re.search(r'class="band band-5">97<', page)


def test_dashboard_offers_to_watch_sessions_in_progress(coach_with, interview):
    coach, candidate, client = coach_with()
    live = interview(candidate, finish=False)

    page = client.get("/coach").get_data(as_text=True)

    assert f'href="/coach/sessions/{live}/live"' in page


# -- the session list ---------------------------------------------------------------------------
def test_session_list_filters_by_candidate(coach_with, user, linked, interview):
    coach, one, client = coach_with()
    two = user()
    linked(coach, two)
    mine, theirs = interview(one), interview(two)

    assert set(listed(client.get("/coach/sessions"))) == {mine, theirs}
    assert listed(client.get(f"/coach/sessions?candidate={one.id}")) == [mine]


def test_session_list_filters_by_area_and_mode(coach_with, interview):
    coach, candidate, client = coach_with()
    budget = interview(candidate, areas=["budgeting"])
    escalation = interview(candidate, areas=["escalation"])
    mock = interview(candidate, areas=["escalation"], mode="mock")

    assert set(listed(client.get("/coach/sessions?area=escalation"))) == {escalation, mock}
    assert listed(client.get("/coach/sessions?area=escalation&mode=practice")) == [escalation]
    assert budget not in listed(client.get("/coach/sessions?mode=mock"))


def test_session_list_filters_by_status(coach_with, interview):
    coach, candidate, client = coach_with()
    done, open_ = interview(candidate), interview(candidate, finish=False)

    assert listed(client.get("/coach/sessions?status=active")) == [open_]
    assert listed(client.get("/coach/sessions?status=finished")) == [done]


def test_session_list_filters_by_date_range_with_both_ends_included(coach_with, interview):
    coach, candidate, client = coach_with()
    days = [interview(candidate, at=DAY + timedelta(days=n, hours=10)) for n in range(4)]

    found = listed(client.get("/coach/sessions?date_from=2026-03-03&date_to=2026-03-04"))

    assert found == [days[2], days[1]]


def test_score_filter_uses_the_coachs_score_where_there_is_one(coach_with, interview, db):
    coach, candidate, client = coach_with()
    weak, other = interview(candidate, answer=WEAK), interview(candidate, answer=WEAK)
    assert effective_session_scores(db, weak)["score"] < 50
    override_turn(db, main_turn(db, weak).id, coach, 90, "Strong in the call itself.")

    high = listed(client.get("/coach/sessions?score_min=80"))
    low = listed(client.get("/coach/sessions?score_max=50"))

    assert high == [weak]
    assert weak not in low and other in low


def test_search_finds_sessions_whose_answers_hold_every_word_and_shows_where(coach_with, interview):
    coach, candidate, client = coach_with()
    hit = interview(candidate, answer="We moved the IVR budget to chat and CSAT rose to 88 within a quarter.")
    interview(candidate, answer="We moved the budget to the phone team.")

    response = client.get("/coach/sessions?q=ivr+csat")

    assert listed(response) == [hit]
    assert "IVR budget to chat" in text_of(response)


def test_search_takes_percent_and_underscore_literally(coach_with, interview):
    coach, candidate, client = coach_with()
    percent = interview(candidate, answer="Costs fell 12% after the change to the rota and the budget.")
    interview(candidate, answer="Costs fell 12 points after the change to the rota and the budget.")

    assert listed(client.get("/coach/sessions?q=12%25")) == [percent]
    assert listed(client.get("/coach/sessions?q=_")) == []


def test_session_list_is_paginated(coach_with, interview):
    coach, candidate, client = coach_with()
    sessions = [interview(candidate, finish=False, at=DAY + timedelta(minutes=n)) for n in range(27)]

    first, second = client.get("/coach/sessions"), client.get("/coach/sessions?page=2")

    assert listed(first) == sessions[::-1][:25]
    assert listed(second) == sessions[::-1][25:]
    assert client.get("/coach/sessions?page=3").status_code == 404


@pytest.fixture
def count_queries(db):
    """count_queries(fn): how many SQL statements fn() runs."""
    statements: list[str] = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)

    def run(fn) -> int:
        statements.clear()
        fn()
        return len(statements)

    yield run
    event.remove(db.engine, "before_cursor_execute", record)


def test_session_list_runs_as_many_queries_for_many_sessions_as_for_few(coach_with, interview, db, count_queries):
    coach, candidate, client = coach_with()
    other = interview(candidate)
    override_turn(db, main_turn(db, other).id, coach, 50, "Fair")
    interview(candidate)
    url = "/coach/sessions?score_min=0&q=the"

    few = count_queries(lambda: client.get(url))
    for _ in range(12):
        override_turn(db, main_turn(db, interview(candidate)).id, coach, 50, "Fair")
    many = count_queries(lambda: client.get(url))

    assert many == few


def test_dashboard_runs_as_many_queries_for_many_candidates_as_for_one(coach_with, user, linked, interview,
                                                                      count_queries):
    coach, candidate, client = coach_with()
    interview(candidate)

    one = count_queries(lambda: client.get("/coach"))
    for _ in range(5):
        more = user()
        linked(coach, more)
        interview(more)
    six = count_queries(lambda: client.get("/coach"))

    assert six == one


def test_invalid_filters_are_refused_with_messages(coach_with):
    coach, candidate, client = coach_with()

    response = client.get("/coach/sessions?score_min=80&score_max=20&date_from=2026-05-01&date_to=2026-04-01")

    assert response.status_code == 400
    page = text_of(response)
    assert "The lowest score must not be above the highest." in page
    assert "The start must not come after the end." in page


# -- review -------------------------------------------------------------------------------------
def test_review_shows_the_answers_with_evidence_highlighted_and_the_ratings(coach_with, interview, db):
    coach, candidate, client = coach_with()
    session = interview(candidate)
    turn = main_turn(db, session)
    evidence = [e["text"] for c in turn.rating["concepts"] if c["hit"] for e in c["evidence"]]

    page = client.get(f"/coach/sessions/{session}").get_data(as_text=True)

    marked = re.findall(r'<mark class="hit"[^>]*>([^<]+)</mark>', page)
    assert evidence and all(any(e in m for m in marked) for e in evidence)
    assert f"band {turn.rating['band']} of 5" in page
    assert "Covered" in page and "Missed" in page


def test_a_comment_is_stored_and_shown_as_sanitised_markdown(coach_with, interview, db):
    coach, candidate, client = coach_with()
    session = interview(candidate)
    turn = main_turn(db, session)

    response = client.post(f"/coach/sessions/{session}/turns/{turn.id}/comments",
                           data={f"c{turn.id}-body": "**Name the metric** <script>alert(1)</script>"})
    page = client.get(f"/coach/sessions/{session}").get_data(as_text=True)

    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/coach/sessions/{session}#turn-{turn.id}")
    assert "<strong>Name the metric</strong>" in page
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)" in page
    assert count(db, TurnComment, turn_id=turn.id, author_id=coach.id) == 1


def test_an_empty_comment_is_refused_with_a_message(coach_with, interview, db):
    coach, candidate, client = coach_with()
    session = interview(candidate)
    turn = main_turn(db, session)

    response = client.post(f"/coach/sessions/{session}/turns/{turn.id}/comments", data={f"c{turn.id}-body": "   "})

    assert response.status_code == 400
    assert "Write the comment first." in text_of(response)
    assert count(db, TurnComment) == 0


def test_an_override_keeps_the_automatic_score_beside_the_coachs(coach_with, interview, db):
    coach, candidate, client = coach_with()
    session = interview(candidate, answer=WEAK)
    turn = main_turn(db, session)
    auto = turn.rating["score"]

    client.post(f"/coach/sessions/{session}/turns/{turn.id}/override",
                data={f"o{turn.id}-score": "72", f"o{turn.id}-reason": "The numbers were in the call notes."})

    with db.session() as s:
        saved = s.scalar(select(ScoreOverride).where(ScoreOverride.turn_id == turn.id))
    assert (saved.score, saved.auto_score, saved.author_id) == (72, auto, coach.id)
    assert main_turn(db, session).rating["score"] == auto  # the rating itself is untouched
    page = text_of(client.get(f"/coach/sessions/{session}"))
    assert f"Coach's score: 72 (auto {auto}) — The numbers were in the call notes." in page


@pytest.mark.parametrize("score, reason, error", [
    ("101", "Too high", "A score is a whole number from 0 to 100."),
    ("-1", "Too low", "A score is a whole number from 0 to 100."),
    ("", "No score", "Give a score from 0 to 100."),
    ("60", "", "Say why the score should be different."),
])
def test_an_invalid_override_is_refused_with_a_message_and_nothing_is_stored(coach_with, interview, db,
                                                                             score, reason, error):
    coach, candidate, client = coach_with()
    session = interview(candidate)
    turn = main_turn(db, session)

    response = client.post(f"/coach/sessions/{session}/turns/{turn.id}/override",
                           data={f"o{turn.id}-score": score, f"o{turn.id}-reason": reason})

    assert response.status_code == 400
    assert error in text_of(response)
    assert count(db, ScoreOverride) == 0


def test_an_upward_override_offers_the_unmatched_words_as_synonyms_without_changing_the_bank(
        coach_with, interview, db, bank):
    coach, candidate, client = coach_with()
    session = interview(candidate, answer="I rebuilt the rota around footfall forecasts and cut overtime sharply.")
    turn = main_turn(db, session)
    phrases = {c.id: c.phrases for c in bank.questions[turn.question_id].rubric.concepts}

    client.post(f"/coach/sessions/{session}/turns/{turn.id}/override",
                data={f"o{turn.id}-score": "90", f"o{turn.id}-reason": "Forecast-led rota is exactly right."})
    page = client.get(f"/coach/sessions/{session}").get_data(as_text=True)

    box = page[page.index('class="synonyms"'):]
    box = box[:box.index("</div>")]
    unmatched = synonym_suggestions(main_turn(db, session))
    assert unmatched
    assert re.findall(r"<code>([^<]+)</code>", box) == unmatched
    assert {c.id: c.phrases for c in bank.questions[turn.question_id].rubric.concepts} == phrases


def test_a_downward_override_offers_no_synonyms(coach_with, interview, db):
    coach, candidate, client = coach_with()
    session = interview(candidate)
    turn = main_turn(db, session)

    client.post(f"/coach/sessions/{session}/turns/{turn.id}/override",
                data={f"o{turn.id}-score": "5", f"o{turn.id}-reason": "Read from a script."})

    assert 'class="synonyms"' not in client.get(f"/coach/sessions/{session}").get_data(as_text=True)


def test_an_area_override_replaces_the_areas_score_on_the_scorecard(coach_with, interview, db):
    coach, candidate, client = coach_with()
    session = interview(candidate, areas=["budgeting"])
    auto = effective_session_scores(db, session)["areas"]["budgeting"]

    response = client.post(f"/coach/sessions/{session}/areas/budgeting/override",
                           data={"a-budgeting-score": "33", "a-budgeting-reason": "Never mentioned finance."})

    assert response.status_code == 302
    assert effective_session_scores(db, session)["areas"]["budgeting"] == 33
    row = client.get(f"/coach/sessions/{session}").get_data(as_text=True)
    row = row[row.index('id="area-budgeting"'):]
    assert ">33<" in row[:400] and f"<td data-label=\"Rater\">{auto}</td>" in row[:700]


def test_an_area_the_session_did_not_cover_is_not_found(coach_with, interview):
    coach, candidate, client = coach_with()
    session = interview(candidate, areas=["budgeting"])

    response = client.post(f"/coach/sessions/{session}/areas/vision/override",
                           data={"a-vision-score": "50", "a-vision-reason": "x"})

    assert response.status_code == 404


def test_a_coach_edits_and_deletes_own_comments(coach_with, interview, db):
    coach, candidate, client = coach_with()
    session = interview(candidate)
    comment = add_comment(db, main_turn(db, session).id, coach, "First thought")

    client.post(f"/coach/sessions/{session}/comments/{comment.id}/edit", data={f"e{comment.id}-body": "Second thought"})
    assert "Second thought" in text_of(client.get(f"/coach/sessions/{session}"))
    client.post(f"/coach/sessions/{session}/comments/{comment.id}/delete")
    assert count(db, TurnComment) == 0


def test_a_coach_cannot_change_another_coachs_comment(coach_with, user, linked, signed_in, interview, db):
    coach, candidate, client = coach_with()
    colleague = user("coach")
    linked(colleague, candidate)
    session = interview(candidate)
    theirs = add_comment(db, main_turn(db, session).id, colleague, "Colleague's note")

    edit = client.post(f"/coach/sessions/{session}/comments/{theirs.id}/edit", data={f"e{theirs.id}-body": "Mine now"})
    delete = client.post(f"/coach/sessions/{session}/comments/{theirs.id}/delete")

    assert (edit.status_code, delete.status_code) == (404, 404)
    with db.session() as s:
        assert s.get(TurnComment, theirs.id).body == "Colleague's note"


def test_ending_the_link_closes_the_review_at_once(coach_with, signed_in, interview, db):
    coach, candidate, client = coach_with()
    session = interview(candidate)
    assert client.get(f"/coach/sessions/{session}").status_code == 200
    with db.session() as s:
        link_id = s.scalar(select(CoachLink.id).where(CoachLink.coach_id == coach.id))

    signed_in(candidate).post(f"/coaching/links/{link_id}/end")

    assert client.get(f"/coach/sessions/{session}").status_code == 404
    assert client.get(f"/coach/candidates/{candidate.id}/scores.csv").status_code == 404
    assert candidate.email not in client.get("/coach").get_data(as_text=True)


# -- invites, links, admin --------------------------------------------------------------------
def test_a_candidates_invite_code_links_the_coach(user, signed_in, db):
    candidate, coach = user(), user("coach")
    page = signed_in(candidate).post("/coaching/invites").get_data(as_text=True)
    code = re.search(r'<code id="invite-code">([^<]+)</code>', page).group(1)

    response = signed_in(coach).post("/coach/invites/accept", data={"code": code})

    assert response.status_code == 302
    assert count(db, CoachLink, coach_id=coach.id, candidate_id=candidate.id) == 1
    assert coach.email in signed_in(candidate).get("/coaching").get_data(as_text=True)


def test_the_invite_code_is_shown_only_when_it_is_made(user, signed_in):
    candidate = user()
    client = signed_in(candidate)
    made = client.post("/coaching/invites").get_data(as_text=True)
    code = re.search(r'<code id="invite-code">([^<]+)</code>', made).group(1)

    assert code not in client.get("/coaching").get_data(as_text=True)


def test_an_invite_link_fills_in_the_code(user, signed_in, db):
    code = create_invite(db, user().id)

    page = signed_in(user("coach")).get(f"/coach/invites/{code}").get_data(as_text=True)

    assert f'value="{code}"' in page


@pytest.mark.parametrize("case", ["unknown", "used", "revoked"])
def test_a_code_that_cannot_be_used_is_refused_with_a_message(user, signed_in, db, case):
    candidate = user()
    code = create_invite(db, candidate.id)
    if case == "unknown":
        code = "not-a-code"
    if case == "used":
        signed_in(user("coach")).post("/coach/invites/accept", data={"code": code})
    if case == "revoked":
        owner = signed_in(candidate)
        invite_id = re.search(r'/coaching/invites/(\d+)/revoke', owner.get("/coaching").get_data(as_text=True)).group(1)
        owner.post(f"/coaching/invites/{invite_id}/revoke")
    late = user("coach")

    response = signed_in(late).post("/coach/invites/accept", data={"code": code})

    assert response.status_code == 400
    assert "This invite code is unknown, expired or already used." in text_of(response)
    assert count(db, CoachLink, coach_id=late.id) == 0


def test_a_coach_ends_a_link_from_the_dashboard(coach_with, db):
    coach, candidate, client = coach_with()
    link_id = re.search(r'/coach/links/(\d+)/end', client.get("/coach").get_data(as_text=True)).group(1)

    client.post(f"/coach/links/{link_id}/end")

    with db.session() as s:
        assert s.get(CoachLink, int(link_id)).ended_by == coach.id


def test_an_admin_links_a_coach_and_a_candidate_and_ends_the_link(admin, user, signed_in, db):
    coach, candidate = user("coach"), user()
    client = signed_in(admin)

    client.post("/admin/links", data={"coach": coach.email.upper(), "candidate": candidate.email})
    page = client.get("/admin").get_data(as_text=True)
    link_id = re.search(r'/admin/links/(\d+)/end', page).group(1)
    client.post(f"/admin/links/{link_id}/end")

    with db.session() as s:
        made = s.get(CoachLink, int(link_id))
    assert (made.coach_id, made.candidate_id) == (coach.id, candidate.id)
    assert (made.created_by, made.ended_by) == (admin.id, admin.id)


def test_the_admin_page_lists_accounts_with_their_roles(admin, user, signed_in):
    coach = user("coach", email="the.coach@example.com")

    page = text_of(signed_in(admin).get("/admin"))

    assert "the.coach@example.com coach" in page


@pytest.mark.parametrize("coach_email, error", [
    ("nobody@example.com", "There is no account with this email address."),
    ("candidate", "This account is not a coach."),
])
def test_an_admin_link_to_a_missing_or_non_coach_account_is_refused(admin, user, signed_in, db, coach_email, error):
    candidate = user()
    if coach_email == "candidate":
        coach_email = user().email

    response = signed_in(admin).post("/admin/links", data={"coach": coach_email, "candidate": candidate.email})

    assert response.status_code == 400
    assert error in text_of(response)
    assert count(db, CoachLink) == 0


# -- rater agreement and calibration --------------------------------------------------------------
def test_agreement_shows_count_differences_correlation_and_the_concept_coaches_add_back(
        coach_with, interview, db, bank):
    coach, candidate, client = coach_with()
    sessions = [interview(candidate, areas=["budgeting"], answer=WEAK) for _ in range(3)]
    pairs = []
    for session, coach_score in zip(sessions, (40, 60, 80)):
        turn = main_turn(db, session)
        override_turn(db, turn.id, coach, coach_score, "Better than rated")
        pairs.append((turn.rating["score"], coach_score))
    mad = sum(abs(c - a) for a, c in pairs) / 3

    page = text_of(client.get("/coach/agreement"))

    row = page[page.index(bank.areas["budgeting"].title):]
    assert row.startswith(f"{bank.areas['budgeting'].title} 3 (3 up) {mad:.1f}")
    missed = [c["label"] for c in main_turn(db, sessions[0]).rating["concepts"] if not c["hit"]]
    assert any(label in row for label in missed)


def test_calibration_shows_the_raters_score_beside_the_coachs_and_flags_a_disagreement(user, signed_in, bank, db):
    coach = user("coach")
    client = signed_in(coach)
    question = next(iter(bank.questions.values()))

    response = client.post(f"/coach/calibrate/{question.id}", data={"key": "vague", "s-vague-score": "95"})
    page = client.get(f"/coach/calibrate/{question.id}").get_data(as_text=True)

    assert response.status_code == 302
    with db.session() as s:
        saved = s.scalar(select(CalibrationRating).where(CalibrationRating.coach_id == coach.id))
    assert (saved.sample_key, saved.coach_score) == ("vague", 95)
    sample = page[page.index('id="sample-vague"'):]
    sample = sample[:sample.index("</li>")]
    assert f"You disagree by {95 - saved.auto_score} points." in text_of_html(sample)


def text_of_html(html: str) -> str:
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))


def test_calibration_refuses_an_invalid_score_and_an_unknown_sample(user, signed_in, bank, db):
    client = signed_in(user("coach"))
    question = next(iter(bank.questions.values()))

    bad = client.post(f"/coach/calibrate/{question.id}", data={"key": "vague", "s-vague-score": "300"})
    unknown = client.post(f"/coach/calibrate/{question.id}", data={"key": "made-up", "s-made-up-score": "30"})

    assert bad.status_code == 400 and "A score is a whole number from 0 to 100." in text_of(bad)
    assert unknown.status_code == 404
    assert count(db, CalibrationRating) == 0


def test_calibration_includes_answers_of_linked_candidates_only(coach_with, user, linked, interview, db):
    coach, candidate, client = coach_with()
    ours = "Our overtime bill doubled in the winter peak, so I moved two agents onto the evening shift."
    theirs = "Someone else's answer about the winter peak and the evening shift rota."
    question = main_turn(db, interview(candidate, answer=ours)).question_id
    stranger = user()
    linked(user("coach"), stranger)
    interview(stranger, answer=theirs)

    page = client.get(f"/coach/calibrate/{question}").get_data(as_text=True)

    assert ours in page and theirs not in page
