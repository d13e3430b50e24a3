"""A mock interview: timed, no feedback until the end."""
from __future__ import annotations

import re

from playwright.sync_api import expect


def test_mock_interview_shows_a_timer_and_feedback_only_at_the_end(chat):
    chat.start("leadership", 2, mode="mock")
    timer = chat.page.locator("#timer")
    expect(timer).to_have_text(re.compile(r"^Time left [23]:\d\d$"))
    first = timer.inner_text()
    expect(timer).not_to_have_text(first)  # counting down
    expect(chat.page.get_by_role("button", name="Hint")).to_be_hidden()

    turn = chat.answer(chat.example(chat.open_turn()[1]))
    expect(chat.item("question", turn + 1)).to_be_visible()
    expect(chat.page.locator("li[data-role=feedback]")).to_have_count(0)
    expect(chat.page.locator("#progress")).to_have_text("Question 2 of 2")

    chat.answer(chat.example(chat.open_turn()[1]))
    expect(chat.page.locator("#scorecard-title")).to_be_visible()
    expect(timer).to_be_hidden()
    expect(chat.page.locator("li[data-role=feedback]")).to_have_count(2)
    expect(chat.item("answer", 0).locator("mark.hit").first).to_be_visible()
    expect(chat.page.locator(".question-results li")).to_have_count(2)
