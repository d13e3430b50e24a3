"""Pictures of the main pages, for people to look at: docs/screenshots/*.png.

They are written to docs/screenshots when one is missing or when UPDATE_SCREENSHOTS=1 is set
(`UPDATE_SCREENSHOTS=1 .venv/bin/python -m pytest tests/e2e -k screenshots`), and otherwise to a
temporary folder, so an ordinary test run leaves the repository as it was.
"""
from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
NAMES = ("home", "practice-setup", "chat-feedback", "scorecard", "chat-phone")
PHONE = {"viewport": {"width": 375, "height": 812}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}


@pytest.fixture
def folder(tmp_path, db_url) -> Path:
    if not db_url.startswith("sqlite"):
        pytest.skip("one set of pictures is enough")
    if os.environ.get("UPDATE_SCREENSHOTS") or not all((DOCS / f"{n}.png").exists() for n in NAMES):
        DOCS.mkdir(parents=True, exist_ok=True)
        return DOCS
    return tmp_path


def first_sentences(text: str, n: int) -> str:
    """A decent but incomplete answer: the start of the bank's example."""
    return " ".join(re.split(r"(?<=[.!?])\s+", text.strip())[:n])


def test_screenshots_of_the_main_pages(folder, page, chat, server, browser, chat_on, make_user, sign_in):
    sign_in(page, server.url, make_user("alex.morgan@example.com"))
    page.goto(server.url)
    page.screenshot(path=str(folder / "home.png"), full_page=True)

    page.goto(f"{server.url}/practice")
    page.get_by_label("Budget and resource allocation").check()
    page.get_by_label("Escalations and complaint resolution").check()
    page.get_by_label("Number of questions").fill("3")
    page.get_by_label("Number of questions").blur()
    page.screenshot(path=str(folder / "practice-setup.png"), full_page=True)

    page.get_by_role("button", name="Start the interview").click()
    turn, qid, _ = chat.open_turn()
    chat.answer(first_sentences(chat.example(qid), 4))
    expect(chat.item("feedback", turn)).to_be_visible()
    page.set_viewport_size({"width": 1100, "height": 1300})  # the whole feedback in one picture
    chat.item("question", turn).evaluate("q => q.scrollIntoView({block: 'start'})")
    page.screenshot(path=str(folder / "chat-feedback.png"))

    chat.finish(lambda q, kind: chat.example(q) if kind == "question" else "We measured it weekly.")
    expect(page.locator("#scorecard-title")).to_be_focused()
    page.screenshot(path=str(folder / "scorecard.png"))

    phone = browser.new_context(**PHONE)
    try:
        small = chat_on(phone.new_page(), server).start("escalation", 3)
        turn, qid, _ = small.open_turn()
        small.answer(first_sentences(small.example(qid), 3))
        expect(small.item("feedback", turn)).to_be_visible()
        small.item("question", turn).evaluate("q => q.scrollIntoView({block: 'start'})")
        width = small.page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, f"the chat is {width}px wide on a 375px phone"
        small.page.screenshot(path=str(folder / "chat-phone.png"))
    finally:
        phone.close()

    for name in NAMES:
        assert (folder / f"{name}.png").stat().st_size > 10_000, name
