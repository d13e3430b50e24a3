"""What a candidate types is shown as text and never runs."""
from __future__ import annotations

from playwright.sync_api import expect

SCRIPT = '<script>window.pwned=1</script><img src=x onerror="window.pwned=2"> **not bold**'


def test_an_answer_with_markup_is_shown_as_text_and_never_runs(chat):
    chat.start("policy", 1)
    turn = chat.answer(SCRIPT)

    answer = chat.item("answer", turn)
    expect(answer.locator(".answer-text")).to_have_text(SCRIPT)
    expect(answer.locator("script, img")).to_have_count(0)
    expect(chat.item("feedback", turn)).to_be_visible()
    chat.page.reload()  # shown again from the stored transcript: still text
    expect(chat.page.locator("#answer-0 .answer-text")).to_have_text(SCRIPT)
    assert chat.page.evaluate("typeof window.pwned") == "undefined"
