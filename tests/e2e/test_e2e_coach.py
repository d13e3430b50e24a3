"""The coach's workspace in Debian's chromium: reviewing a linked candidate's transcript,
commenting, changing a score, and watching a session live while the candidate practises."""
from __future__ import annotations

import itertools
import json
import re

import pytest
from playwright.sync_api import Page, expect

from interviewbot.engine.protocol import parse_client_message
from interviewbot.store.accounts import create_user
from interviewbot.store.coaching import create_share_link, link

PASSWORD = "coach's own password"
WEAK = ("At my last job we had some problems with customers and I worked hard with everyone to "
        "sort things out. We talked a lot and people were happier afterwards and it went well.")
_ids = itertools.count(1)


def message(type_: str, **fields):
    return parse_client_message(json.dumps({"type": type_, "id": f"e{next(_ids)}", **fields}))


@pytest.fixture
def people(server):
    """A candidate and their coach, linked by an admin."""
    db = server.app.extensions["db"]
    candidate = create_user(db, "alex.morgan@example.com", PASSWORD)
    coach = create_user(db, "jordan.coach@example.com", PASSWORD, "coach")
    admin = create_user(db, "admin@example.com", PASSWORD, "admin")
    link(db, coach.id, candidate.id, admin.id)
    return {"candidate": candidate, "coach": coach}


@pytest.fixture
def session_of(server, people):
    """A finished practice session of the candidate, answered with `answer` (default: weak)."""
    def run(answer: str = WEAK) -> str:
        service = server.app.extensions["interviews"]
        started = service.start(people["candidate"].id, message("start", areas=["budgeting"], count=1))
        frames = started.frames
        while frames[-1]["type"] in ("question", "follow_up"):
            q = frames[-1]
            text = answer if q["type"] == "question" else "We measured CSAT weekly."
            frames = service.handle(started.session_id, message("answer", text=text))
        return started.session_id
    return run


def sign_in_as(page: Page, base_url: str, email: str) -> None:
    page.goto(f"{base_url}/signin")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name=re.compile("Sign out"))).to_be_visible()


@pytest.fixture
def coach_page(page, server, people):
    sign_in_as(page, server.url, people["coach"].email)
    return page


def open_review(page: Page, server, session_id: str) -> None:
    page.goto(f"{server.url}/coach")
    page.get_by_role("link", name="alex.morgan@example.com").click()
    page.locator(f'a[href="/coach/sessions/{session_id}"]').click()
    expect(page.get_by_role("heading", name=re.compile("Practice session of"))).to_be_visible()


def test_the_coach_finds_a_candidates_session_and_sees_the_evidence_highlighted(coach_page, server, session_of):
    example = server.bank.questions
    session_id = session_of(answer=next(q for q in example.values() if q.area == "budgeting").example_answer)

    open_review(coach_page, server, session_id)

    turn = coach_page.locator(".coach-turn").first
    expect(turn.locator("mark.hit").first).to_be_visible()
    expect(turn.get_by_role("heading", name="Covered")).to_be_visible()


def test_the_coach_comments_on_an_answer_in_markdown(coach_page, server, session_of):
    session_id = session_of()
    open_review(coach_page, server, session_id)

    turn = coach_page.locator(".coach-turn").first
    turn.get_by_text("Comment on this answer").click()
    turn.get_by_label("Comment (Markdown)").fill("Start with the **result**, then the steps.")
    turn.get_by_role("button", name="Add comment").click()

    comment = coach_page.locator(".coach-comment").first
    expect(comment.locator(".comment-body strong")).to_have_text("result")
    expect(comment).to_contain_text("jordan.coach@example.com")
    expect(coach_page.locator(".flash")).to_have_text("Comment added.")


def test_the_coach_changes_a_score_with_a_reason_and_the_raters_score_stays_beside_it(coach_page, server, session_of):
    session_id = session_of()
    auto = server.turns(session_id)[0].rating["score"]
    open_review(coach_page, server, session_id)

    turn = coach_page.locator(".coach-turn").first
    turn.get_by_text(re.compile("Change the score")).click()
    turn.get_by_label("Your score (0–100)").fill("64")
    turn.get_by_label("Why").fill("The steps were right; the rubric missed them.")
    turn.get_by_role("button", name="Save score").click()

    expect(coach_page.locator(".coach-turn").first.locator(".coach-score")).to_contain_text(
        f"Coach's score: 64 (auto {auto}) — The steps were right; the rubric missed them.")
    expect(coach_page.locator(".synonyms").first).to_contain_text("Words the rubric did not match")


def test_an_out_of_range_score_is_refused_next_to_the_field(coach_page, server, session_of):
    session_id = session_of()
    open_review(coach_page, server, session_id)

    turn = coach_page.locator(".coach-turn").first
    turn.get_by_text(re.compile("Change the score")).click()
    turn.get_by_label("Your score (0–100)").fill("140")
    turn.get_by_label("Why").fill("Too generous on purpose.")
    turn.get_by_role("button", name="Save score").click()

    field = coach_page.locator(".coach-turn").first.locator(".override-form .field.has-error")
    expect(field.locator(".error")).to_have_text("A score is a whole number from 0 to 100.")
    expect(field.locator("input")).to_have_value("140")
    assert server.turns(session_id)[0].rating["score"] != 140


def test_the_coach_watches_the_candidate_answer_live(new_page, server, people, chat_on):
    candidate_page = new_page()
    sign_in_as(candidate_page, server.url, people["candidate"].email)
    chat = chat_on(candidate_page, server)
    chat.start(["budgeting"], 2)
    turn, qid, _ = chat.open_turn()
    coach = new_page()
    sign_in_as(coach, server.url, people["coach"].email)

    coach.goto(f"{server.url}/coach/sessions/{chat.session_id}/live")
    expect(coach.locator("#live-state")).to_have_text("Live")
    expect(coach.locator(f"#live-turn-{turn} .question-text")).to_have_text(
        server.bank.questions[qid].text.strip())
    chat.answer(chat.example(qid))

    item = coach.locator(f"#live-turn-{turn}")
    expect(item.locator("[data-role=answer] .answer-text")).to_contain_text(chat.example(qid)[:60])
    expect(item.locator("[data-role=feedback] .band")).to_be_visible()
    expect(item.locator("[data-role=answer] mark.hit").first).to_be_visible()
    expect(coach.locator(f"#live-turn-{turn + 1}")).to_be_attached()
    assert {"type": "watching", "observers": 1} in chat.frames
    expect(candidate_page.locator("#watching")).to_have_text("A coach is watching")


def test_the_live_view_tells_a_coach_who_may_not_watch(new_page, server, people, session_of):
    other = create_user(server.app.extensions["db"], "other.coach@example.com", PASSWORD, "coach")
    session_id = session_of()
    page = new_page()
    sign_in_as(page, server.url, other.email)

    response = page.goto(f"{server.url}/coach/sessions/{session_id}/live")

    assert response.status == 404


def test_the_candidate_reads_the_coachs_comment_and_score_in_their_transcript(new_page, server, people, session_of):
    session_id = session_of()
    coach = new_page()
    sign_in_as(coach, server.url, people["coach"].email)
    open_review(coach, server, session_id)
    turn = coach.locator(".coach-turn").first
    turn.get_by_text("Comment on this answer").click()
    turn.get_by_label("Comment (Markdown)").fill("Say **what you measured**.")
    turn.get_by_role("button", name="Add comment").click()
    expect(coach.locator(".flash")).to_have_text("Comment added.")
    turn = coach.locator(".coach-turn").first
    turn.get_by_text(re.compile("Change the score")).click()
    turn.get_by_label("Your score (0–100)").fill("58")
    turn.get_by_label("Why").fill("Better than it reads.")
    turn.get_by_role("button", name="Save score").click()
    expect(coach.locator(".flash")).to_contain_text("Score changed")

    candidate = new_page()
    sign_in_as(candidate, server.url, people["candidate"].email)
    candidate.goto(f"{server.url}/sessions/{session_id}")

    first = candidate.locator("#question-1")
    expect(first.locator(".coach-comment .comment-body strong")).to_have_text("what you measured")
    expect(first.locator(".coach-score").first).to_contain_text("Coach's score: 58")
    expect(first.locator(".coach-score").first).to_contain_text("Better than it reads.")


def test_every_coaching_page_loads_without_script_errors_or_policy_violations(new_page, server, people, session_of):
    """The page fixture fails the test on any script error or Content-Security-Policy report."""
    session_id = session_of()
    db = server.app.extensions["db"]
    question = server.turns(session_id)[0].question_id
    token = create_share_link(db, session_id, people["candidate"].id)
    pages = {
        "coach": ["/coach", "/coach/sessions", "/coach/sessions?q=customers&score_min=0", f"/coach/sessions/{session_id}",
                  f"/coach/sessions/{session_id}/print", "/coach/agreement", "/coach/calibrate",
                  f"/coach/calibrate/{question}", "/coach/invites/accept"],
        "candidate": ["/coaching", f"/sessions/{session_id}/share", f"/sessions/{session_id}/print",
                      f"/sessions/{session_id}", "/sessions"],
        "admin": ["/admin"],
    }
    emails = {"coach": people["coach"].email, "candidate": people["candidate"].email, "admin": "admin@example.com"}
    for who, paths in pages.items():
        page = new_page()
        sign_in_as(page, server.url, emails[who])
        for path in paths:
            response = page.goto(f"{server.url}{path}")
            assert response.status == 200, path
            expect(page.locator("h1").first).to_be_visible()
    anonymous = new_page()
    assert anonymous.goto(f"{server.url}/share/{token}").status == 200
    expect(anonymous.get_by_role("heading", name=re.compile("Practice session of"))).to_be_visible()
