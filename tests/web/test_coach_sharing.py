"""Sharing and exporting a coached transcript: the public share link (expiry, revocation, the view
log, what it shows), the coach's Markdown and JSON exports, the print page, and the score tables
as CSV, with nobody else's data in any of them.
"""
from __future__ import annotations

import csv
import io
import itertools
import json
import re
from datetime import datetime, timedelta, timezone
from html import unescape

import pytest
from argon2 import PasswordHasher
from sqlalchemy import func, select

import interviewbot.store.accounts
from interviewbot.engine.protocol import parse_client_message
from interviewbot.store import ShareView, Turn, User
from interviewbot.store.accounts import create_user
from interviewbot.store.coaching import add_comment, create_share_link, link, override_area, override_turn
from interviewbot.store.interviews import InterviewService

PASSWORD = "a long enough password"
A_ANSWER = "Candidate A's own words: I agreed a 4% saving with finance and kept CSAT at 88."
B_ANSWER = "Candidate B's own words: I apologised and fixed the billing fault within a day."
_ids = itertools.count(1)


def message(type_: str, **fields):
    return parse_client_message(json.dumps({"type": type_, "id": f"s{next(_ids)}", **fields}))


@pytest.fixture(autouse=True)
def quick_hashing(monkeypatch):
    monkeypatch.setattr(interviewbot.store.accounts, "_hasher",
                        PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


@pytest.fixture
def app(make_app):
    return make_app(WTF_CSRF_ENABLED=False, LOGIN_RATE_LIMIT="1000 per minute", SHARE_RATE_LIMIT="1000 per minute")


@pytest.fixture
def db(app):
    return app.extensions["db"]


@pytest.fixture
def user(db):
    numbers = itertools.count(1)
    return lambda role="candidate": create_user(db, f"{role}{next(numbers)}@example.com", PASSWORD, role)


@pytest.fixture
def signed_in(app):
    def sign_in(person: User):
        client = app.test_client()
        assert client.post("/signin", data={"email": person.email, "password": PASSWORD}).status_code == 302
        return client
    return sign_in


@pytest.fixture
def interview(app):
    def run(owner: User, answer: str, mode: str = "practice", finish: bool = True, areas=("budgeting",),
            count: int = 1) -> str:
        service = InterviewService(app.extensions["db"], app.extensions["bank"])
        started = service.start(owner.id, message("start", areas=list(areas), count=count, mode=mode))
        frames = started.frames
        while finish and frames[-1]["type"] in ("question", "follow_up"):
            frames = service.handle(started.session_id, message("answer", text=answer))
        return started.session_id
    return run


@pytest.fixture
def coached(db, user, interview):
    """Candidate A's session with a coach's comment, turn override and area override; and
    candidate B's session, coached by another coach."""
    admin, coach, a = user("admin"), user("coach"), user()
    other_coach, b = user("coach"), user()
    link(db, coach.id, a.id, admin.id)
    link(db, other_coach.id, b.id, admin.id)
    session = interview(a, A_ANSWER)
    b_session = interview(b, B_ANSWER)
    with db.session() as s:
        turn = s.scalar(select(Turn).where(Turn.session_id == session, Turn.kind == "question"))
        b_turn = s.scalar(select(Turn).where(Turn.session_id == b_session, Turn.kind == "question"))
    add_comment(db, turn.id, coach, "Lead with the **number**.")
    override_turn(db, turn.id, coach, 81, "The saving was agreed, not hoped for.")
    override_area(db, session, "budgeting", coach, 77, "Solid on finance.")
    add_comment(db, b_turn.id, other_coach, "B's private coaching note")
    return {"coach": coach, "a": a, "b": b, "session": session, "turn": turn, "b_session": b_session}


def text_of(response) -> str:
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))))


def views(db) -> int:
    with db.session() as s:
        return s.scalar(select(func.count()).select_from(ShareView))


def assert_nothing_of_b(body: str, c) -> None:
    for secret in (B_ANSWER, c["b_session"], c["b"].email, "B's private coaching note"):
        assert secret not in body


# -- share links --------------------------------------------------------------------------------
def test_a_share_link_opens_the_transcript_read_only_without_an_account(app, coached, signed_in):
    page = signed_in(coached["a"]).post(f"/sessions/{coached['session']}/share").get_data(as_text=True)
    url = re.search(r'id="share-link" href="http://localhost(/share/[\w-]+)"', page).group(1)

    response = app.test_client().get(url)

    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "I agreed a 4% saving with finance and kept CSAT at 88." in text_of(response)
    assert "<form" not in body.split("<main", 1)[1]  # nothing to change on the shared page
    assert_nothing_of_b(body, coached)


def test_a_share_link_shows_the_coachs_score_but_not_the_comments_or_who_wrote_them(app, db, coached):
    token = create_share_link(db, coached["session"], coached["a"].id)

    page = text_of(app.test_client().get(f"/share/{token}"))

    assert "Coach's score: 81" in page
    assert "Lead with the" not in page and coached["coach"].email not in page
    assert "The saving was agreed" not in page


def test_every_opening_of_a_share_link_is_logged_and_counted_for_the_owner(app, db, coached, signed_in):
    token = create_share_link(db, coached["session"], coached["a"].id)
    visitor = app.test_client()

    for _ in range(3):
        visitor.get(f"/share/{token}", headers={"User-Agent": "Mentor's browser"})

    assert views(db) == 3
    with db.session() as s:
        assert s.scalar(select(ShareView.user_agent)) == "Mentor's browser"
    assert "3 times" in text_of(signed_in(coached["a"]).get(f"/sessions/{coached['session']}/share"))


def test_a_revoked_share_link_no_longer_opens(app, db, coached, signed_in):
    token = create_share_link(db, coached["session"], coached["a"].id)
    owner = signed_in(coached["a"])
    listing = owner.get(f"/sessions/{coached['session']}/share").get_data(as_text=True)
    link_id = re.search(r"/share/(\d+)/revoke", listing).group(1)

    owner.post(f"/sessions/{coached['session']}/share/{link_id}/revoke")

    assert app.test_client().get(f"/share/{token}").status_code == 404
    assert views(db) == 0


def test_an_expired_share_link_no_longer_opens(app, db, coached):
    token = create_share_link(db, coached["session"], coached["a"].id,
                              now=datetime.now(timezone.utc) - timedelta(days=15))

    assert app.test_client().get(f"/share/{token}").status_code == 404


def test_the_share_link_is_shown_once(db, coached, signed_in):
    owner = signed_in(coached["a"])
    token_page = owner.post(f"/sessions/{coached['session']}/share").get_data(as_text=True)
    token = re.search(r"/share/([\w-]{20,})", token_page).group(1)

    assert token not in owner.get(f"/sessions/{coached['session']}/share").get_data(as_text=True)


def test_the_shared_page_is_not_cached_indexed_or_leaked_by_referrer(app, db, coached):
    token = create_share_link(db, coached["session"], coached["a"].id)

    response = app.test_client().get(f"/share/{token}")

    assert response.headers["Cache-Control"] == "private, no-store"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert "noindex" in response.headers["X-Robots-Tag"]


def test_an_unfinished_mock_interview_is_shared_without_ratings(app, db, user, interview):
    owner = user()
    session = interview(owner, A_ANSWER, mode="mock", finish=False, count=2)
    service = InterviewService(db, app.extensions["bank"])
    service.handle(session, message("answer", text=A_ANSWER))
    token = create_share_link(db, session, owner.id)

    page = app.test_client().get(f"/share/{token}").get_data(as_text=True)

    assert "band-" not in page.split("<main", 1)[1]


# -- the coach's exports ------------------------------------------------------------------------
def test_the_coachs_markdown_export_ends_with_the_coachs_notes(coached, signed_in):
    response = signed_in(coached["coach"]).get(f"/coach/sessions/{coached['session']}.md")

    body = response.get_data(as_text=True)
    assert response.headers["Content-Disposition"].startswith("attachment;")
    notes = body[body.index("## Coach's notes"):]
    assert "coach's score 77 (auto" in notes and "Solid on finance." in notes
    assert re.search(r"Coach's score: 81 \(auto \d+\) — The saving was agreed, not hoped for\.", notes)
    assert "> Lead with the **number**." in notes
    assert_nothing_of_b(body, coached)


def test_the_coachs_json_export_has_comments_overrides_and_both_scorecards(coached, signed_in, db):
    data = signed_in(coached["coach"]).get(f"/coach/sessions/{coached['session']}.json").get_json()

    main = next(t for t in data["turns"] if t["kind"] == "question")
    assert main["override"]["score"] == 81 and main["override"]["auto_score"] == coached["turn"].rating["score"]
    assert main["comments"][0]["body"] == "Lead with the **number**."
    assert data["summary"]["areas"]["budgeting"] == 77
    assert data["auto_summary"]["areas"]["budgeting"] != 77 or data["summary"]["overridden"]
    assert data["area_overrides"]["budgeting"]["reason"] == "Solid on finance."
    assert_nothing_of_b(json.dumps(data), coached)


def test_the_coachs_print_page_has_the_comments_and_scores_and_a_print_button(coached, signed_in):
    page = signed_in(coached["coach"]).get(f"/coach/sessions/{coached['session']}/print").get_data(as_text=True)

    assert 'id="print-button"' in page and "js/coach-print.js" in page
    assert "<strong>number</strong>" in page
    assert "Coach's score: 81" in unescape(page)
    assert "<nav" not in page  # a page for paper: no site navigation


# -- CSV ----------------------------------------------------------------------------------------
def rows_of(response) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def test_the_coach_gets_a_candidates_scores_one_row_per_turn_with_auto_and_override(coached, signed_in, db):
    response = signed_in(coached["coach"]).get(f"/coach/candidates/{coached['a'].id}/scores.csv")

    rows = rows_of(response)
    with db.session() as s:
        turns = s.scalar(select(func.count()).select_from(Turn).where(Turn.session_id == coached["session"]))
    assert response.mimetype == "text/csv"
    assert len(rows) == turns
    main = next(r for r in rows if r["kind"] == "question")
    assert (main["auto_score"], main["override_score"], main["score"]) == (
        str(coached["turn"].rating["score"]), "81", "81")
    assert main["override_reason"] == "The saving was agreed, not hoped for."
    assert all(r["session_id"] == coached["session"] for r in rows)


def test_a_candidate_downloads_their_own_scores_and_nobody_elses(coached, signed_in):
    response = signed_in(coached["a"]).get("/sessions/scores.csv")

    assert {r["session_id"] for r in rows_of(response)} == {coached["session"]}
    assert_nothing_of_b(response.get_data(as_text=True), coached)


def test_csv_cells_that_a_spreadsheet_would_run_are_defused(coached, signed_in, db):
    override_turn(db, coached["turn"].id, coached["coach"], 60, "=HYPERLINK(\"http://x\")")

    rows = rows_of(signed_in(coached["a"]).get("/sessions/scores.csv"))

    assert next(r for r in rows if r["kind"] == "question")["override_reason"] == "'=HYPERLINK(\"http://x\")"


def test_scores_of_an_unfinished_mock_interview_are_left_out_of_the_candidates_csv(app, db, user, interview, signed_in):
    owner = user()
    session = interview(owner, A_ANSWER, mode="mock", finish=False, count=2)
    InterviewService(db, app.extensions["bank"]).handle(session, message("answer", text=A_ANSWER))

    rows = rows_of(signed_in(owner).get("/sessions/scores.csv"))

    answered = [r for r in rows if r["status"] == "answered"]
    assert answered and all(r["auto_score"] == "" and r["score"] == "" for r in answered)


# -- the candidate's own transcript, printed ----------------------------------------------------
def test_the_candidates_print_page_shows_the_coachs_comments_and_scores(coached, signed_in):
    page = signed_in(coached["a"]).get(f"/sessions/{coached['session']}/print").get_data(as_text=True)

    assert "<strong>number</strong>" in page
    assert re.search(r"Coach's score: 81</strong> <span class=\"muted\">\(auto \d+\)</span> — The saving was agreed",
                     unescape(page))
    assert_nothing_of_b(page, coached)


# -- the candidate's transcript and history -----------------------------------------------------
def test_the_candidate_sees_the_coachs_comment_and_score_in_their_transcript(coached, signed_in):
    page = signed_in(coached["a"]).get(f"/sessions/{coached['session']}").get_data(as_text=True)

    assert "Lead with the <strong>number</strong>." in page
    assert re.search(r"Coach's score: 81 \(auto \d+\) — The saving was agreed, not hoped for\.", text_of_html(page))
    assert "With your coach's scores; the automatic score was" in text_of_html(page)


def test_the_candidates_history_shows_the_score_with_the_coachs_overrides(coached, signed_in, db):
    from interviewbot.store.coaching import effective_session_scores

    effective = effective_session_scores(db, coached["session"])["score"]
    page = signed_in(coached["a"]).get("/sessions").get_data(as_text=True)

    row = page[page.index(f'/sessions/{coached["session"]}"'):]
    assert re.search(rf'class="band band-\d">{effective}</span> <span class="muted">coach\'s score \(auto \d+\)', row)


def test_the_candidates_progress_uses_the_coachs_area_score(coached, signed_in, db):
    from interviewbot.store import InterviewSession

    with db.session() as s:
        assert s.get(InterviewSession, coached["session"]).summary["areas"]["budgeting"] != 77
    page = signed_in(coached["a"]).get("/sessions").get_data(as_text=True)

    table = page[page.index('class="chart-data"'):]
    assert re.search(r"<td[^>]*>77</td>", table[:table.index("</table>")])


def text_of_html(html: str) -> str:
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))


def test_opening_share_links_is_rate_limited(make_app, db_url):
    app = make_app(SHARE_RATE_LIMIT="3 per minute", RATELIMIT_ENABLED=True)
    client = app.test_client()

    statuses = [client.get(f"/share/guess-{n}").status_code for n in range(4)]

    assert statuses == [404, 404, 404, 429]
