"""The end of an interview: the scorecard and what to practise next."""
from __future__ import annotations

from playwright.sync_api import expect

WEAK = ("At my last job we had some problems and I worked hard with everyone to sort things out. "
        "We talked a lot and people were happier afterwards.")


def test_finishing_shows_the_scorecard_with_what_to_practise_next(chat, signed_in):
    chat.start(["budgeting", "escalation"], 2)
    _, first, _ = chat.open_turn()
    strong = chat.area(first)  # answer the first area's question well and the other's weakly
    chat.finish(lambda qid, kind: chat.example(qid) if kind == "question" and chat.area(qid) == strong else WEAK)
    weak = ({"budgeting", "escalation"} - {strong}).pop()

    card = chat.page.locator(".chat-scorecard")
    expect(card.locator(".extreme-strongest dd")).to_have_attribute("data-area", strong)
    expect(card.locator(".extreme-weakest dd")).to_have_attribute("data-area", weak)
    expect(card.locator(".verdict .score")).to_contain_text("Overall")
    expect(card.locator(".bars li")).to_have_count(2)
    expect(card.get_by_role("link", name="Read the full transcript")).to_have_attribute(
        "href", f"/sessions/{chat.session_id}")
    button = card.locator("#practise-next")
    expect(button).to_have_attribute("href", f"/practice?areas={weak}&count=3&mode=practice")
    expect(chat.page.locator("#answer-form")).to_be_hidden()

    finished = chat.session_id
    button.click()
    expect(chat.page.locator("#progress")).to_have_text("Question 1 of 3")
    assert chat.area(chat.open_turn()[1]) == weak
    assert chat.session_id != finished


def test_ending_early_scores_what_was_answered(chat):
    chat.start("feedback", 3)
    chat.answer(chat.example(chat.open_turn()[1]))
    chat.open_turn()
    chat.page.get_by_role("button", name="End", exact=True).click()
    chat.page.get_by_role("button", name="End the interview").click()

    expect(chat.page.locator("#scorecard-title")).to_be_focused()
    expect(chat.page.locator(".chat-scorecard .scorecard-answered")).to_contain_text("You answered 1 of")
    expect(chat.page.locator(".chat-scorecard")).to_contain_text("Sign up to keep your history")
    expect(chat.page.locator("#progress")).to_contain_text("Finished")
