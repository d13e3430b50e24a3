"""Coming back to an interview: after a reload, or from another browser."""
from __future__ import annotations

from playwright.sync_api import expect

DRAFT = "First I would call the customer back myself,\nthen I would"


def test_reloading_mid_session_continues_where_i_was_with_my_draft(chat):
    chat.start("escalation", 2)
    chat.answer(chat.example(chat.open_turn()[1]))
    turn, qid, _ = chat.open_turn()
    chat.type(DRAFT)
    before = chat.conversation.locator(":scope > li").evaluate_all("items => items.map(i => i.id)")
    assert "feedback-0" in before and before[-1] == f"turn-{turn}"

    chat.page.reload()

    expect(chat.page).to_have_url(f"{chat.base_url}/interview/{chat.session_id}")
    assert chat.open_turn() == (turn, qid, chat.questions.last.get_attribute("data-kind"))
    expect(chat.page.locator("#answer")).to_have_value(DRAFT)
    expect(chat.item("feedback", 0)).to_be_visible()
    after = chat.conversation.locator(":scope > li").evaluate_all("items => items.map(i => i.id)")
    assert after == before
    expect(chat.item("answer", 0).locator("mark.hit").first).to_be_visible()


def test_a_signed_in_candidate_continues_from_another_browser(chat, server, make_user, new_page, sign_in):
    email = make_user()
    sign_in(chat.page, server.url, email)
    chat.start("metrics", 2)
    turn, qid, _ = chat.open_turn()
    url = f"{server.url}/interview/{chat.session_id}"

    other = new_page()  # a new context: no local storage, so no resume token — the account is enough
    sign_in(other, server.url, email)
    other.goto(url)
    expect(other.locator(f"#turn-{turn}")).to_have_attribute("data-question-id", qid)
    expect(other.locator("#answer")).to_be_focused()
    expect(other.locator("#progress")).to_have_text("Question 1 of 2")


def test_a_guest_cannot_open_someone_elses_interview(chat, new_page, server):
    chat.start("metrics", 1)
    chat.open_turn()

    stranger = new_page()
    stranger.goto(f"{server.url}/interview/{chat.session_id}")
    notice = stranger.locator("#conversation .notice.error")
    expect(notice).to_contain_text("We could not open this interview")
    expect(notice).to_contain_text("session_not_found")
    expect(stranger.locator("#answer-form")).to_be_hidden()
    notice.get_by_role("link", name="Set up a new practice").click()
    expect(stranger.get_by_role("heading", name="Set up a practice session")).to_be_visible()
