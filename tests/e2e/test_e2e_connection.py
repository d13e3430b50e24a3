"""Losing the connection: the chat says so, reconnects, and nothing typed is lost or doubled."""
from __future__ import annotations

import time

from playwright.sync_api import expect

ANSWER = ("When a complaint escalated to me I called the customer the same day, apologised, "
          "found the root cause with the product team and followed up a week later.")


def test_a_dropped_connection_shows_a_notice_and_an_answer_sent_offline_arrives_once(page, server, relay, chat_on):
    chat = chat_on(page, server, relay.url).start("escalation", 2)
    turn, _, _ = chat.open_turn()

    relay.cut()
    notice = page.locator("#connection")
    expect(notice).to_have_text("Connection lost — reconnecting…")
    chat.type(ANSWER)
    page.locator("#answer").press("Enter")
    expect(chat.item("answer", turn).locator(".delivery")).to_contain_text("Not sent yet")

    relay.restore()
    expect(chat.item("feedback", turn)).to_be_visible(timeout=15_000)
    expect(notice).not_to_have_text("Connection lost — reconnecting…")
    expect(chat.item("answer", turn).locator(".delivery")).to_be_hidden()
    expect(page.locator("li[data-role=answer]")).to_have_count(1)
    assert [t.answer_text for t in server.turns(chat.session_id) if t.answer_text] == [ANSWER]


def test_an_answer_whose_reply_was_lost_is_sent_again_and_stored_once(page, server, relay, chat_on):
    chat = chat_on(page, server, relay.url).start("escalation", 2)
    turn, _, _ = chat.open_turn()
    chat.type(ANSWER)

    relay.mute()  # the server gets the answer; its reply never reaches the browser
    page.locator("#answer").press("Enter")
    expect(chat.item("answer", turn).locator(".delivery")).to_have_text("Sending…")
    assert until(lambda: server.count_turns(session_id=chat.session_id, status="answered") == 1), \
        "the server never stored the answer"
    relay.cut()
    relay.restore()

    expect(chat.item("feedback", turn)).to_be_visible(timeout=15_000)
    answers = [m for m in chat.sent if m["type"] == "answer"]
    assert len(answers) == 2 and answers[0]["id"] == answers[1]["id"]  # the same message, sent again
    expect(page.locator("li[data-role=answer]")).to_have_count(1)
    expect(page.locator("li[data-role=feedback]")).to_have_count(1)
    assert server.count_turns(session_id=chat.session_id, status="answered") == 1
    assert [t.client_msg_id for t in server.turns(chat.session_id) if t.answer_text] == [answers[0]["id"]]


def test_after_the_server_closes_an_idle_connection_the_next_answer_goes_through(page, start_server, chat_on):
    # Long enough that a slow start under load is not itself taken for a quiet spell.
    server = start_server(WS_IDLE_TIMEOUT=4)
    chat = chat_on(page, server).start("vision", 1)
    turn, _, _ = chat.open_turn()
    expect(page.locator("#connection")).to_contain_text("Connection paused")

    chat.type(ANSWER)  # typing is the sign the person is back: it reconnects
    page.locator("#answer").press("Enter")
    expect(chat.item("feedback", turn)).to_be_visible()
    expect(page.locator("li[data-role=answer]")).to_have_count(1)


def test_an_answer_refused_by_the_server_is_explained_and_the_page_carries_on(chat, new_page):
    chat.start("collaboration", 2)
    turn, qid, _ = chat.open_turn()
    other = new_page(context=chat.page.context)  # a second tab on the same interview
    other.goto(chat.page.url)
    expect(other.locator("#answer")).to_be_focused()
    other.locator("#answer").fill(chat.example(qid))
    other.locator("#answer").press("Enter")
    expect(other.locator(f"#feedback-{turn}")).to_be_visible()

    chat.type("My own answer, typed in the first tab.")
    chat.page.locator("#answer").press("Enter")  # that question was answered in the other tab

    notice = chat.page.locator("#conversation .notice.error")
    expect(notice).to_contain_text("stale_turn")
    expect(chat.page.locator("#answer")).to_have_value("My own answer, typed in the first tab.")
    expect(chat.item("feedback", turn)).to_be_visible()  # caught up with the other tab
    chat.finish()


def test_an_answer_waiting_to_be_sent_survives_a_reload_and_is_sent_once(page, server, relay, chat_on):
    chat = chat_on(page, server, relay.url).start("escalation", 2)
    turn, _, _ = chat.open_turn()
    relay.cut()
    chat.type(ANSWER)
    page.locator("#answer").press("Enter")
    expect(chat.item("answer", turn).locator(".delivery")).to_contain_text("Not sent yet")
    waiting = page.evaluate(f"JSON.parse(localStorage.getItem('interviewbot:outbox:{chat.session_id}'))")
    assert [m["wire"]["text"] for m in waiting] == [ANSWER]

    relay.restore()
    relay.refuse_websockets()  # the page reloads, but stays offline for now
    page.reload()
    expect(page.locator("#connection")).to_have_text("Connection lost — reconnecting…")
    expect(chat.item("answer", turn).locator(".answer-text")).to_have_text(ANSWER)
    expect(chat.item("answer", turn).locator(".delivery")).to_contain_text("Not sent yet")

    relay.restore()
    expect(chat.item("feedback", turn)).to_be_visible(timeout=15_000)
    expect(page.locator("li[data-role=answer]")).to_have_count(1)
    assert [m["id"] for m in chat.sent if m["type"] == "answer"] == [waiting[0]["id"]]
    assert server.count_turns(session_id=chat.session_id, status="answered") == 1


def until(condition, seconds: float = 10) -> bool:
    """Poll `condition` (a check on the server's side) until it holds or time runs out."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if condition():
            return True
        time.sleep(0.05)
    return False
