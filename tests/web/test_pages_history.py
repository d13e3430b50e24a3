"""A candidate's own data through real requests: history, progress chart, transcripts, exports,
example answers, retries, deletion, the account page and the removal of old guest sessions.

Sessions are made by running real interviews through the interview operations.
"""
from __future__ import annotations

import itertools
import json
import re
from datetime import datetime, timedelta, timezone
from html import unescape

import pytest
from click.testing import CliRunner
from sqlalchemy import event, func, select

from interviewbot.cli import main as cli
from interviewbot.engine.protocol import parse_client_message
from interviewbot.store import ClientMessage, InterviewSession, Turn, User
from interviewbot.store.accounts import create_user
from interviewbot.store.interviews import InterviewService
from interviewbot.store.sessions import purge_guest_sessions

PASSWORD = "a long enough password"
WEAK = ("At my last job we had some problems with customers and I worked hard with everyone to "
        "sort things out. We talked a lot and people were happier afterwards and it went well.")
DAY = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
_ids = itertools.count(1)


def message(type_: str, **fields):
    return parse_client_message(json.dumps({"type": type_, "id": f"m{next(_ids)}", **fields}))


@pytest.fixture
def app(make_app):
    return make_app(WTF_CSRF_ENABLED=False)


@pytest.fixture
def db(app):
    return app.extensions["db"]


@pytest.fixture
def bank(app):
    return app.extensions["bank"]


@pytest.fixture
def user(app):
    numbers = itertools.count(1)

    def make(email: str | None = None, role: str = "candidate") -> User:
        return create_user(app.extensions["db"], email or f"person{next(numbers)}@example.com", PASSWORD, role)

    return make


@pytest.fixture
def signed_in(app):
    """Factory: a test client signed in as `person` through the sign-in form."""

    def sign_in(person: User):
        client = app.test_client()
        response = client.post("/signin", data={"email": person.email, "password": PASSWORD})
        assert response.status_code == 302, response.get_data(as_text=True)
        return client

    return sign_in


@pytest.fixture
def interview(app):
    """Factory: run a real interview; returns the session id.

    `answer` is a text or a function of the question frame (None skips); `answers` stops after
    that many answers, leaving the session unfinished; `at` is when it starts.
    """

    def run(owner: User | None, areas=("budgeting",), count: int = 1, mode: str = "practice",
            answer=WEAK, answers: int | None = None, at: datetime | None = None,
            questions: list[str] | None = None) -> str:
        ticks = itertools.count()  # a clock that moves: a second per reading, from `at`
        clock = (lambda: at + timedelta(seconds=next(ticks))) if at else (lambda: datetime.now(timezone.utc))
        service = InterviewService(app.extensions["db"], app.extensions["bank"], clock=clock)
        fields = {"areas": list(areas), "count": count, "mode": mode}
        if questions:
            fields["questions"] = questions
        started = service.start(owner.id if owner else None, message("start", **fields))
        frames, given = started.frames, 0
        while frames[-1]["type"] in ("question", "follow_up") and (answers is None or given < answers):
            text = answer(frames[-1]) if callable(answer) else answer
            frames = service.handle(started.session_id, message("answer", text=text) if text else message("skip"))
            given += 1
        return started.session_id

    return run


def example_of(bank):
    return lambda frame: bank.questions[frame["question_id"]].example_answer


def rows(db, model, **where) -> int:
    with db.session() as s:
        query = select(func.count()).select_from(model)
        for name, value in where.items():
            query = query.where(getattr(model, name) == value)
        return s.scalar(query)


def turns_of(db, session_id):
    with db.session() as s:
        return list(s.scalars(select(Turn).where(Turn.session_id == session_id).order_by(Turn.position)))


def text_of(response) -> str:
    return response.get_data(as_text=True)


# -- the history list ------------------------------------------------------------------------------
def test_history_lists_each_session_with_date_mode_areas_score_and_status(user, signed_in, interview, bank, db):
    me = user()
    finished = interview(me, areas=["budgeting", "escalation"], count=2, at=DAY)
    unfinished = interview(me, areas=["metrics"], count=2, mode="mock", answers=1, at=DAY + timedelta(days=1))
    page = text_of(signed_in(me).get("/sessions"))

    rows_html = re.findall(r"<tr>(.*?)</tr>", page.split("All sessions")[1].split("<tbody>")[1], re.S)
    assert len(rows_html) == 2
    newest, oldest = rows_html
    assert unfinished in newest and "03 Mar 2026" in newest and "Mock interview" in newest
    assert bank.areas["metrics"].title in newest and "—" in newest and "In progress" in newest
    assert finished in oldest and "02 Mar 2026" in oldest and "Practice" in oldest and "Finished" in oldest
    assert bank.areas["budgeting"].title in oldest and bank.areas["escalation"].title in oldest
    score = re.search(r'class="band band-\d">(\d+)<', oldest).group(1)
    with db.session() as s:
        assert int(score) == s.get(InterviewSession, finished).summary["score"]


def test_history_is_paginated_twenty_five_to_a_page(user, signed_in, interview):
    me = user()
    ids = [interview(me, answers=0, at=DAY + timedelta(hours=i)) for i in range(27)]
    client = signed_in(me)
    first, second = text_of(client.get("/sessions")), text_of(client.get("/sessions?page=2"))
    assert sum(i in first for i in ids) == 25 and "Page 1 of 2" in first and "page=2" in first
    assert [i for i in ids if i in second] == ids[:2]  # the oldest two, on the last page
    assert client.get("/sessions?page=3").status_code == 404


def test_history_does_not_query_once_per_session(app, db, user, signed_in, interview):
    me = user()
    client = signed_in(me)
    statements = []
    event.listen(db.engine, "before_cursor_execute", lambda *args: statements.append(args[2]))

    def queries_for_history() -> int:
        statements.clear()
        assert client.get("/sessions").status_code == 200
        return len(statements)

    for i in range(2):
        interview(me, areas=["budgeting", "escalation"], count=2, at=DAY + timedelta(days=i))
    few = queries_for_history()
    for i in range(2, 14):
        interview(me, areas=["budgeting", "escalation"], count=2, at=DAY + timedelta(days=i))
    many = queries_for_history()
    assert many == few and few <= 11, statements  # three of them for coaches' scores


# -- progress ------------------------------------------------------------------------------------
def test_progress_chart_has_a_line_per_area_axes_legend_title_desc_and_a_table(user, signed_in, interview, bank):
    me = user()
    for i in range(3):
        interview(me, areas=["budgeting", "escalation"], count=2, at=DAY + timedelta(days=7 * i))
    page = text_of(signed_in(me).get("/sessions"))
    svg = re.search(r"<svg viewBox=\"0 0 720 300\".*?</svg>", page, re.S).group(0)

    assert 'role="img"' in svg and 'aria-labelledby="chart-title chart-desc"' in svg
    assert re.search(r"<title id=\"chart-title\">[^<]+</title>", svg)
    assert "over your last 3 finished session(s)" in unescape(re.search(r"<desc id=\"chart-desc\">(.*?)</desc>", svg, re.S).group(1))
    lines = re.findall(r'<polyline points="([^"]+)"', svg)
    assert len(lines) == 2 and all(len(line.split()) == 3 for line in lines)
    assert [int(v) for v in re.findall(r'class="tick y-tick"[^>]*>(\d+)<', svg)] == [0, 25, 50, 75, 100]
    assert re.findall(r'class="tick x-tick"[^>]*>([^<]+)<', svg) == ["02 Mar", "09 Mar", "16 Mar"]
    legend = page.split('class="legend"')[1].split("</ul>")[0]
    assert bank.areas["budgeting"].title in legend and bank.areas["escalation"].title in legend
    table = page.split('class="chart-data"')[1].split("</details>")[0]
    assert len(re.findall(r'<th scope="row">', table)) == 3


def test_chart_points_sit_at_each_session_score(user, signed_in, interview, db):
    me = user()
    ids = [interview(me, areas=["budgeting"], count=1, at=DAY + timedelta(days=i),
                     answer=(WEAK if i == 0 else lambda f: None)) for i in range(2)]
    page = text_of(signed_in(me).get("/sessions"))
    with db.session() as s:
        scores = [s.get(InterviewSession, i).summary["areas"]["budgeting"] for i in ids]
    ys = [float(y) for y in re.findall(r'<circle cx="[\d.]+" cy="([\d.]+)" r="4">', page)]
    top, height = 16, 300 - 16 - 48  # the chart's margins: y = top + height * (1 - score / 100)
    assert ys == [pytest.approx(top + height * (1 - score / 100), abs=0.05) for score in scores]


def test_weakest_area_is_named_with_a_button_to_practise_it(user, signed_in, interview, bank):
    me = user()
    strong_on_budgeting = lambda f: bank.questions[f["question_id"]].example_answer if f["area"] == "budgeting" else WEAK
    interview(me, areas=["budgeting", "escalation"], count=2, answer=strong_on_budgeting, at=DAY)
    page = text_of(signed_in(me).get("/sessions"))
    weakest = re.search(r"Your weakest area: <strong>(.*?)</strong>\s*<a class=\"button small\" href=\"([^\"]+)\"", page)
    assert weakest.group(1) == bank.areas["escalation"].title
    assert unescape(weakest.group(2)) == "/practice?areas=escalation&count=3&mode=practice"


def test_history_without_sessions_invites_to_practise(user, signed_in):
    page = text_of(signed_in(user()).get("/sessions"))
    assert "No sessions yet" in page and "<svg" not in page


# -- one transcript ------------------------------------------------------------------------------
def test_transcript_shows_questions_answers_ratings_and_the_scorecard(user, signed_in, interview, db, bank):
    me = user()
    sid = interview(me, areas=["budgeting", "escalation"], count=2, at=DAY)
    page = unescape(text_of(signed_in(me).get(f"/sessions/{sid}")))
    turns = turns_of(db, sid)
    with db.session() as s:
        summary = s.get(InterviewSession, sid).summary

    assert "Scorecard" in page and f">{summary['score']}</span><span class=\"muted\">/100" in page
    assert f"Weakest: <strong>{bank.areas[summary['weakest']].title}</strong>" in page
    assert f"/practice?areas={summary['weakest']}&count=3&mode=practice" in page
    for t in turns:
        question = bank.questions[t.question_id]
        assert t.rating["meaning"] in page and f"band {t.rating['band']} of 5" in page
        for concept in t.rating["concepts"]:
            assert concept["label"] in page
        for tip in t.rating["feedback"]:
            assert tip in page
        for element, found in t.rating["star"].items():
            assert f"{element.capitalize()}: {'yes' if found['present'] else 'no'}" in page
        assert question.text.strip()[:60] in page or t.kind == "follow_up"
    assert "Follow-up" in page


def test_answer_evidence_is_highlighted_with_mark_elements_from_the_stored_spans(user, signed_in, interview, db, bank):
    me = user()
    sid = interview(me, areas=["metrics"], count=1, answer=example_of(bank), at=DAY)
    (turn,) = [t for t in turns_of(db, sid) if t.kind == "question"]
    page = text_of(signed_in(me).get(f"/sessions/{sid}"))
    answer_html = re.search(r'<blockquote class="answer">(.*?)</blockquote>', page, re.S).group(1)

    marked = [unescape(m) for m in re.findall(r'<mark class="hit" title="[^"]*">(.*?)</mark>', answer_html, re.S)]
    spans = sorted({(e["start"], e["end"]) for c in turn.rating["concepts"] if c["hit"] for e in c["evidence"]})
    assert marked and marked == [turn.answer_text[a:b] for a, b in _merged(spans)]
    assert unescape(re.sub(r"<[^>]+>", "", answer_html)) == turn.answer_text


def _merged(spans):
    out = []
    for start, end in spans:
        if out and start < out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def test_script_in_an_answer_is_shown_as_text_in_the_transcript(user, signed_in, interview):
    me = user()
    attack = '<script>alert("x")</script> I cut the budget & kept CSAT at 90% <img src=x onerror=alert(1)>'
    # a question whose rubric the answer's "budget" and "CSAT" hit, so there is something to mark
    sid = interview(me, answer=attack, at=DAY, questions=["budgeting-cut-ten-percent"])
    page = text_of(signed_in(me).get(f"/sessions/{sid}"))
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page
    assert '<mark class="hit"' in page  # highlighting still works around the escaped text


def test_markdown_download_is_a_readable_plain_text_attachment(user, signed_in, interview, db, bank):
    me = user()
    sid = interview(me, areas=["budgeting"], count=1, answer="<script>alert(1)</script> our budget and CSAT", at=DAY)
    response = signed_in(me).get(f"/sessions/{sid}.md")
    body = text_of(response)

    assert response.status_code == 200
    assert response.mimetype == "text/markdown"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert body.startswith("# Interview practice — 02 March 2026")
    assert "> <script>alert(1)</script> our budget and CSAT" in body  # the answer, as typed
    assert "&lt;" not in body and "<mark" not in body
    (first,) = [t for t in turns_of(db, sid) if t.kind == "question"]
    assert f"**Score {first.rating['score']}/100**" in body and "## Scorecard" in body


def test_json_download_holds_plan_summary_and_turns_with_ratings(user, signed_in, interview, db):
    me = user()
    sid = interview(me, areas=["budgeting"], count=2, at=DAY)
    client = signed_in(me)
    response = client.get(f"/sessions/{sid}.json")
    data = response.get_json()

    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert data["session"]["id"] == sid and data["plan"]["areas"] == ["budgeting"]
    with db.session() as s:
        assert data["summary"] == s.get(InterviewSession, sid).summary
    stored = turns_of(db, sid)
    assert [t["position"] for t in data["turns"]] == [t.position for t in stored]
    assert [t["rating"] for t in data["turns"]] == [t.rating for t in stored]
    assert [t["answer"] for t in data["turns"]] == [t.answer_text for t in stored]
    assert client.get(f"/api/sessions/{sid}").get_json() == data


def test_unfinished_mock_interview_shows_no_ratings_yet(user, signed_in, interview, db):
    me = user()
    sid = interview(me, areas=["budgeting"], count=2, mode="mock", answers=1, at=DAY)
    client = signed_in(me)
    (answered,) = [t for t in turns_of(db, sid) if t.status == "answered"]
    page = unescape(text_of(client.get(f"/sessions/{sid}")))
    assert answered.answer_text in page and answered.rating["meaning"] not in page
    assert "its ratings appear here when it ends" in page
    assert all(t["rating"] is None for t in client.get(f"/sessions/{sid}.json").get_json()["turns"])
    assert "Score" not in text_of(client.get(f"/sessions/{sid}.md"))


# -- example answers, retries and attempts ---------------------------------------------------------
def test_example_answer_opens_after_answering_in_own_practice(user, signed_in, interview, db, bank):
    me = user()
    sid = interview(me, at=DAY)
    qid = turns_of(db, sid)[0].question_id
    client = signed_in(me)
    transcript = unescape(text_of(client.get(f"/sessions/{sid}")))
    example = bank.questions[qid].example_answer
    assert "See an example strong answer" in transcript and example.split(".")[0] in transcript

    response = client.get(f"/questions/{qid}/example?session={sid}")
    assert response.status_code == 200 and example.split(".")[0] in unescape(text_of(response))


@pytest.mark.parametrize("case", ["skipped", "mock", "other question", "no session", "unknown question"])
def test_example_answer_is_not_found_unless_answered_in_that_practice(user, signed_in, interview, db, bank, case):
    me = user()
    if case == "skipped":
        sid = interview(me, answer=lambda f: None, at=DAY)
    elif case == "mock":
        sid = interview(me, mode="mock", at=DAY)
    else:
        sid = interview(me, at=DAY)
    asked = turns_of(db, sid)[0].question_id
    qid = {"other question": next(q for q in bank.questions if q != asked),
           "unknown question": "no-such-question"}.get(case, asked)
    url = f"/questions/{qid}/example" + ("" if case == "no session" else f"?session={sid}")
    client = signed_in(me)
    assert client.get(url).status_code == 404
    if case in ("skipped", "mock"):
        assert "See an example strong answer" not in text_of(client.get(f"/sessions/{sid}"))


def test_retry_opens_an_interview_that_asks_exactly_that_question(app, user, signed_in, interview, db):
    me = user()
    sid = interview(me, areas=["escalation"], at=DAY)
    qid = turns_of(db, sid)[0].question_id
    client = signed_in(me)
    assert f'href="/retry/{qid}"' in text_of(client.get(f"/sessions/{sid}"))

    response = client.get(f"/retry/{qid}")
    plan = json.loads(unescape(re.search(r'data-plan="([^"]+)"', text_of(response)).group(1)))
    assert response.status_code == 200 and plan["questions"] == [qid] and plan["mode"] == "practice"
    started = app.extensions["interviews"].start(me.id, message("start", **{k: v for k, v in plan.items() if v is not None}))
    question = next(f for f in started.frames if f["type"] == "question")
    assert question["question_id"] == qid and question["total"] == 1


def test_attempts_at_the_same_question_are_shown_side_by_side(user, signed_in, interview, db, bank):
    me = user()
    first = interview(me, areas=["budgeting"], at=DAY)
    qid = turns_of(db, first)[0].question_id
    second = interview(me, questions=[qid], answer=example_of(bank), at=DAY + timedelta(days=5))
    other = interview(user(), questions=[qid], at=DAY + timedelta(days=6))  # someone else's attempt
    page = text_of(signed_in(me).get(f"/sessions/{second}"))
    attempts = page.split("Your 2 attempts at this question")[1].split("</section>")[0]

    with db.session() as s:
        scores = [s.get(InterviewSession, i).summary["questions"][0]["score"] for i in (first, second)]
    cards = re.findall(r'<li class="attempt[^"]*">(.*?)</li>', attempts, re.S)
    assert len(cards) == 2
    for card, sid, score, day in zip(cards, (first, second), scores, ("02 Mar 2026", "07 Mar 2026")):
        assert f"/sessions/{sid}" in card and f">{score}</span>" in card and day in card
    assert other not in page and "(this one)" in cards[1]


# -- deleting --------------------------------------------------------------------------------------
def test_deleting_a_session_removes_it_with_its_turns_and_messages(user, signed_in, interview, db):
    me = user()
    doomed, kept = interview(me, count=2, at=DAY), interview(me, at=DAY)
    response = signed_in(me).post(f"/sessions/{doomed}/delete")
    assert response.status_code == 302 and response.headers["Location"] == "/sessions"
    assert rows(db, InterviewSession, id=doomed) == 0
    assert rows(db, Turn, session_id=doomed) == 0 and rows(db, ClientMessage, session_id=doomed) == 0
    assert rows(db, Turn, session_id=kept) > 0


def test_deleting_a_session_needs_a_post(user, signed_in, interview, db):
    me = user()
    sid = interview(me, at=DAY)
    assert signed_in(me).get(f"/sessions/{sid}/delete").status_code == 405
    assert rows(db, InterviewSession, id=sid) == 1


# -- my data ----------------------------------------------------------------------------------------
def test_account_page_lists_what_is_stored(user, signed_in, interview, db):
    me = user()
    interview(me, count=2, at=DAY)
    interview(me, count=2, answers=1, at=DAY)
    page = text_of(signed_in(me).get("/account"))
    answers = rows(db, Turn, answer_text=None)  # unanswered turns, to count the others below
    with db.session() as s:
        total = s.scalar(select(func.count()).select_from(Turn))
    assert me.email in page and "2 sessions (1 finished)" in page
    assert f"{total - answers} answers as you typed them, out of {total} questions and follow-ups" in page
    assert 'href="/account/export.json"' in page


def test_everything_can_be_downloaded_as_one_json_document(user, signed_in, interview):
    me = user()
    ids = [interview(me, at=DAY), interview(me, at=DAY + timedelta(days=1))]
    interview(user(), at=DAY)  # someone else's
    response = signed_in(me).get("/account/export.json")
    data = response.get_json()
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert data["account"]["email"] == me.email
    assert [s["session"]["id"] for s in data["sessions"]] == ids
    assert all(s["turns"] and s["turns"][0]["rating"] for s in data["sessions"])


def test_deleting_the_account_removes_its_sessions_and_turns(user, signed_in, interview, db):
    me, other = user(), user()
    mine = [interview(me, count=2, at=DAY), interview(me, at=DAY)]
    theirs = interview(other, at=DAY)
    before = rows(db, Turn, session_id=theirs)
    client = signed_in(me)

    response = client.post("/account", data={"password": PASSWORD, "confirm": "y"})
    assert response.status_code == 302
    assert rows(db, User, id=me.id) == 0 and rows(db, InterviewSession, owner_id=me.id) == 0
    assert sum(rows(db, Turn, session_id=s) + rows(db, ClientMessage, session_id=s) for s in mine) == 0
    assert rows(db, Turn, session_id=theirs) == before > 0
    assert client.get("/sessions").status_code == 302  # signed out


def test_deleting_the_account_needs_the_right_password(user, signed_in, interview, db):
    me = user()
    interview(me, at=DAY)
    response = signed_in(me).post("/account", data={"password": "not my password", "confirm": "y"})
    assert response.status_code == 400 and "That password is not right." in text_of(response)
    assert rows(db, InterviewSession, owner_id=me.id) == 1


# -- retention ----------------------------------------------------------------------------------
NOW = datetime(2026, 6, 1, 12, 0, tzinfo=timezone.utc)


def test_purge_removes_only_guest_sessions_idle_before_the_cutoff(user, interview, db):
    old_guest = interview(None, count=2, at=NOW - timedelta(days=31))
    new_guest = interview(None, at=NOW - timedelta(days=29))
    old_member = interview(user(), at=NOW - timedelta(days=400))
    assert purge_guest_sessions(db, NOW - timedelta(days=30)) == 1
    assert rows(db, InterviewSession, id=old_guest) == 0
    assert rows(db, Turn, session_id=old_guest) == 0 and rows(db, ClientMessage, session_id=old_guest) == 0
    assert rows(db, InterviewSession, id=new_guest) == 1 and rows(db, InterviewSession, id=old_member) == 1


def test_purge_command_removes_old_guest_sessions(interview, db, db_url, tmp_path, monkeypatch):
    old_guest = interview(None, at=datetime.now(timezone.utc) - timedelta(days=10))
    fresh_guest = interview(None)
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("INTERVIEWBOT_INSTANCE", str(tmp_path))
    result = CliRunner().invoke(cli, ["purge", "--days", "7"])
    assert result.exit_code == 0, result.output
    assert "removed 1 guest session(s) idle for more than 7 day(s)" in result.output
    assert rows(db, InterviewSession, id=old_guest) == 0 and rows(db, InterviewSession, id=fresh_guest) == 1


def test_app_start_removes_guest_sessions_older_than_the_retention(make_app, interview, db):
    expired = interview(None, at=datetime.now(timezone.utc) - timedelta(days=31))
    kept = interview(None, at=datetime.now(timezone.utc) - timedelta(days=29))
    make_app(GUEST_RETENTION_DAYS=30)
    assert rows(db, InterviewSession, id=expired) == 0 and rows(db, InterviewSession, id=kept) == 1
