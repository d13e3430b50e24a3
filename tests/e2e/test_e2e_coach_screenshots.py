"""Pictures of the coach's workspace for people to look at: docs/screenshots/coach-*.png.

Written to docs/screenshots when one is missing or when UPDATE_SCREENSHOTS=1 is set, otherwise to
a temporary folder, so an ordinary test run leaves the repository as it was.
"""
from __future__ import annotations

import itertools
import json
import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from interviewbot.engine.protocol import parse_client_message
from interviewbot.store import Turn
from interviewbot.store.accounts import create_user
from interviewbot.store.coaching import add_comment, link, override_turn
from sqlalchemy import select

DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
NAMES = ("coach-dashboard", "coach-review", "coach-live")
PASSWORD = "coach's own password"
_ids = itertools.count(1)


def message(type_: str, **fields):
    return parse_client_message(json.dumps({"type": type_, "id": f"p{next(_ids)}", **fields}))


@pytest.fixture
def folder(tmp_path, db_url) -> Path:
    if not db_url.startswith("sqlite"):
        pytest.skip("one set of pictures is enough")
    if os.environ.get("UPDATE_SCREENSHOTS") or not all((DOCS / f"{n}.png").exists() for n in NAMES):
        DOCS.mkdir(parents=True, exist_ok=True)
        return DOCS
    return tmp_path


def first_sentences(text: str, n: int) -> str:
    return " ".join(re.split(r"(?<=[.!?])\s+", text.strip())[:n])


def practise(server, owner_id: int, areas: list[str], sentences: int) -> str:
    service, bank = server.app.extensions["interviews"], server.bank
    started = service.start(owner_id, message("start", areas=areas, count=len(areas)))
    frames = started.frames
    while frames[-1]["type"] in ("question", "follow_up"):
        q = frames[-1]
        follow_up = "We tracked CSAT and cost per contact every week and reported both to the board."
        text = first_sentences(bank.questions[q["question_id"]].example_answer, sentences) \
            if q["type"] == "question" else follow_up
        frames = service.handle(started.session_id, message("answer", text=text))
    return started.session_id


def sign_in_as(page, base_url: str, email: str) -> None:
    page.goto(f"{base_url}/signin")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name=re.compile("Sign out"))).to_be_visible()


def test_screenshots_of_the_coach_workspace(folder, server, new_page, chat_on):
    db = server.app.extensions["db"]
    alex = create_user(db, "alex.morgan@example.com", PASSWORD)
    sam = create_user(db, "sam.okafor@example.com", PASSWORD)
    coach = create_user(db, "jordan.reyes@example.com", PASSWORD, "coach")
    admin = create_user(db, "admin@example.com", PASSWORD, "admin")
    for person in (alex, sam):
        link(db, coach.id, person.id, admin.id)
    reviewed = practise(server, alex.id, ["budgeting", "escalation"], 3)
    practise(server, alex.id, ["metrics"], 5)
    practise(server, sam.id, ["leadership", "change"], 4)
    with db.session() as s:
        turn = s.scalar(select(Turn).where(Turn.session_id == reviewed, Turn.kind == "question")
                        .order_by(Turn.position))
    override_turn(db, turn.id, coach, min(100, turn.rating["score"] + 18),
                  "The plan names the finance partner and a payback date; the rubric missed both.")
    add_comment(db, turn.id, coach, "Strong opening. Next time **lead with the number** you moved:\n\n"
                                    "- CSAT before and after\n- cost per contact")

    page = new_page()
    sign_in_as(page, server.url, coach.email)
    page.goto(f"{server.url}/coach")
    page.screenshot(path=str(folder / "coach-dashboard.png"), full_page=True)

    page.goto(f"{server.url}/coach/sessions/{reviewed}")
    page.set_viewport_size({"width": 1100, "height": 1700})
    page.screenshot(path=str(folder / "coach-review.png"))

    candidate = new_page()
    sign_in_as(candidate, server.url, alex.email)
    chat = chat_on(candidate, server)
    chat.start(["escalation", "budgeting"], 2)
    _, qid, _ = chat.open_turn()
    watcher = new_page(viewport={"width": 1100, "height": 1300})
    sign_in_as(watcher, server.url, coach.email)
    watcher.goto(f"{server.url}/coach/sessions/{chat.session_id}/live")
    expect(watcher.locator("#live-state")).to_have_text("Live")
    chat.answer(first_sentences(chat.example(qid), 4))
    expect(watcher.locator("[data-role=feedback]").first).to_be_visible()
    expect(watcher.locator("#live-turn-1")).to_be_attached()
    watcher.screenshot(path=str(folder / "coach-live.png"))
