"""Practising in the browser: questions, answers, feedback with the candidate's words marked."""
from __future__ import annotations

import re

from playwright.sync_api import expect

PARTIAL = ("Last year our budget was cut, so I sat down with finance to look at cost per contact. "
           "We moved simple questions to self-service and protected CSAT while we did it.")


def test_practising_three_questions_shows_feedback_with_my_words_highlighted(chat, signed_in):
    chat.start("budgeting", 3)
    expect(chat.page.locator("#progress")).to_have_text("Question 1 of 3")
    turn = 0
    for n in range(3):
        turn, qid, kind = chat.open_turn()
        if n == 0:
            chat.answer(PARTIAL)
        else:
            chat.answer(chat.example(qid))
        while chat.questions.last.get_attribute("data-kind") == "follow_up" \
                and not chat.page.locator("#scorecard-title").count():
            chat.answer("We tracked it on a monthly dashboard against the baseline.")

    feedback = next(f for f in chat.frames if f["type"] == "feedback" and f["turn"] == 0)
    said = {e["text"] for c in feedback["concepts"] if c["hit"] for e in c["evidence"]}
    assert {"finance", "cost per contact", "self-service", "CSAT"} <= said
    marks = chat.item("answer", 0).locator("mark.hit")
    assert set(marks.all_inner_texts()) == said
    expect(chat.item("answer", 0)).to_have_text(re.compile(re.escape(PARTIAL)))
    card = chat.item("feedback", 0)
    expect(card.locator(".band")).to_have_text(f"Band {feedback['band']} of 5")
    expect(card.locator(".score")).to_have_text(f"Score {feedback['score']}/100")
    expect(card.locator(".fb-missed li")).to_have_count(len(feedback["missed"]))
    expect(card.locator(".star li")).to_have_count(4)
    expect(card.locator(".chat-tips li")).to_have_count(min(2, len(feedback["feedback"])))
    expect(chat.page.locator("li[data-role=feedback]")).to_have_count(
        sum(1 for f in chat.frames if f["type"] == "feedback"))
    expect(chat.page.locator("#scorecard-title")).to_be_visible()


def test_enter_sends_and_shift_enter_starts_a_new_line(chat):
    chat.start("metrics", 1)
    turn, _, _ = chat.open_turn()
    box = chat.page.locator("#answer")
    box.press_sequentially("I report CSAT weekly.")
    box.press("Shift+Enter")
    box.press_sequentially("And NPS monthly.")
    expect(box).to_have_value("I report CSAT weekly.\nAnd NPS monthly.")
    box.press("Enter")

    expect(chat.item("answer", turn).locator(".answer-text")).to_have_text("I report CSAT weekly.\nAnd NPS monthly.")
    expect(box).to_have_value("")


def test_a_hint_lists_what_a_strong_answer_covers(chat):
    chat.start("change", 2)
    turn, qid, _ = chat.open_turn()
    chat.page.get_by_role("button", name="Hint").click()

    hint = chat.item("hint", turn)
    labels = [c.label for c in chat.server.bank.questions[qid].rubric.concepts]
    expect(hint.locator("li").first).to_have_text(labels[0])
    expect(hint).to_contain_text("A strong answer covers")
    expect(chat.page.locator("#answer")).to_be_enabled()


def test_skipping_moves_on_to_the_next_question(chat):
    chat.start("technology", 2)
    turn, _, _ = chat.open_turn()
    chat.page.get_by_role("button", name="Skip").click()

    expect(chat.item("answer", turn).locator(".answer-text")).to_have_text("Skipped")
    expect(chat.page.locator("#progress")).to_have_text("Question 2 of 2")
    expect(chat.page.locator("#answer")).to_be_focused()


def test_highlights_stay_on_the_right_words_after_an_emoji(chat):
    chat.start("budgeting", 1)
    turn = chat.answer("🙂🙂 We cut cost per contact and protected CSAT 👍 with the CFO.")

    expect(chat.item("answer", turn).locator("mark.hit")).to_have_text(["cost per contact", "CSAT", "CFO"])


def test_retrying_a_question_asks_exactly_that_question(chat, signed_in):
    chat.start(["policy", "vision"], 2)
    _, qid, _ = chat.open_turn()

    chat.page.goto(f"{chat.base_url}/retry/{qid}")

    expect(chat.page.locator("#progress")).to_have_text("Question 1 of 1")
    expect(chat.item("question", 0)).to_have_attribute("data-question-id", qid)
    area = chat.server.bank.areas[chat.area(qid)]
    expect(chat.item("question", 0).locator(".who")).to_contain_text(area.title)  # titles from the page
