"""History: after practising, the progress chart shows each area's scores and names the weakest."""
from __future__ import annotations

import re

from playwright.sync_api import expect

WEAK = ("At my last job we had some problems and I worked hard with everyone to sort things out. "
        "We talked a lot and people were happier afterwards.")


def test_progress_chart_shows_each_practised_area_and_the_weakest(chat, signed_in, server):
    for _ in range(2):  # two sessions, so each area has a line of two points
        chat.start(["budgeting", "escalation"], 2)
        _, first, _ = chat.open_turn()
        strong = chat.area(first)
        chat.finish(lambda qid, kind: chat.example(qid) if kind == "question" and chat.area(qid) == strong else WEAK)

    page = chat.page
    page.goto(f"{server.url}/sessions")
    chart = page.locator("figure.progress-chart svg[role=img]")
    expect(chart).to_be_visible()
    expect(chart.locator("polyline")).to_have_count(2)
    expect(page.locator(".legend li")).to_have_count(2)
    expect(page.locator("table tbody tr")).not_to_have_count(0)
    weakest = page.get_by_role("link", name="Practise it")
    expect(weakest).to_have_attribute("href", re.compile(r"/practice\?areas=(budgeting|escalation)&count=3&mode=practice"))
