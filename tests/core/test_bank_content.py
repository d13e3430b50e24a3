"""The shipped question bank: coverage of the role, and rubrics that separate strong from off-topic."""
from collections import Counter

import pytest

from interviewbot.bank import load_bank
from interviewbot.cli import bank_path
from interviewbot.rating import rate

AREAS = {"vision", "budgeting", "escalation", "leadership", "metrics", "policy",
         "collaboration", "technology", "feedback", "change"}
BANK = load_bank(bank_path())  # INTERVIEWBOT_BANK may point elsewhere

# Well-told answers about something else entirely: structure and numbers, no customer service.
OFF_TOPIC = [
    "At my previous flat I decided to learn to cook properly. My goal was to make fresh pasta every "
    "Sunday for friends. I started with a simple recipe, bought a pasta machine and practised the "
    "dough until it was smooth. Then I tried ravioli with spinach and ricotta, and later a slow "
    "ragu that simmered for four hours. As a result, within six months I could feed eight people "
    "without stress, and my sourdough improved too. I learned that patience and good flour matter "
    "more than fancy tools, and that tasting as you go saves most dishes.",
    "Last summer we went hiking in the Alps for two weeks. The situation was that the weather turned "
    "on the third day and the trail we had planned was closed. I led the group down to the valley, "
    "found a guesthouse and we rebuilt the route around lakes and lower passes. We walked 140 "
    "kilometres in the end, saw ibex and marmots, and ate far too much cheese. The result was the "
    "best holiday I have had, and I learned to always carry a paper map and a spare pair of socks.",
    "I coach an under-twelves football side on Saturday mornings. When I took over, the kids lost "
    "most matches and, honestly, looked bored at practice. I introduced small-sided games, gave "
    "every child a turn in goal, and we practised passing in triangles. By the end of the season "
    "we had won nine of fourteen games, but more importantly twenty children turned up every week "
    "and the parents started bringing oranges and flasks of tea for the touchline.",
]


def test_bank_covers_the_ten_areas_with_enough_questions():
    assert set(BANK.areas) == AREAS
    per_area = Counter(q.area for q in BANK.questions.values())
    assert sum(per_area.values()) >= 80
    for area in ("vision", "budgeting", "escalation"):
        assert per_area[area] >= 10, area
    for area in AREAS:
        assert per_area[area] >= 6, area


@pytest.mark.parametrize("area", sorted(AREAS))
def test_every_area_has_both_kinds_and_three_difficulties(area):
    questions = BANK.in_area(area)
    assert {q.kind for q in questions} == {"behavioural", "situational"}
    assert {q.difficulty for q in questions} == {1, 2, 3}


@pytest.mark.parametrize("area", sorted(AREAS))
def test_every_area_describes_all_five_bands(area):
    bars = BANK.areas[area].bars
    assert len(bars) == 5 and len(set(bars)) == 5 and all(len(b) > 15 for b in bars)


@pytest.mark.parametrize("qid", sorted(BANK.questions))
def test_question_has_follow_ups_and_a_strong_answer_outline(qid):
    q = BANK.questions[qid]
    assert q.follow_ups, "no follow-up prompts"
    assert q.strong_answer
    assert len(q.example_answer.split()) >= 120


@pytest.mark.parametrize("qid", sorted(BANK.questions))
def test_example_answer_scores_band_4_or_5_on_its_own_question(qid):
    q = BANK.questions[qid]
    rating = rate(q, q.example_answer)
    missed = [c.id for c in rating.missed]
    assert rating.band >= 4, f"{qid}: score {rating.score}, missed {missed}, caps {rating.caps}"


@pytest.mark.parametrize("qid", sorted(BANK.questions))
def test_off_topic_answers_score_band_1_or_2(qid):
    q = BANK.questions[qid]
    for answer in OFF_TOPIC:
        rating = rate(q, answer)
        hits = {c.id: [s.text for s in c.evidence] for c in rating.hit}
        assert rating.band <= 2, f"{qid}: score {rating.score} for off-topic text, hits {hits}"


@pytest.mark.parametrize("qid", sorted(BANK.questions))
def test_rubric_prefers_its_own_answer_to_answers_about_other_areas(qid):
    # Director answers overlap (a budgeting story mentions CSAT), but a rubric must still tell an
    # answer to its question from a strong answer to a question about another area.
    q = BANK.questions[qid]
    own = rate(q, q.example_answer).score
    others = sorted(rate(q, o.example_answer).score for o in BANK.questions.values() if o.area != q.area)
    median = others[len(others) // 2]
    assert own - median >= 20, f"{qid}: own example {own}, median of other areas' examples {median}"
