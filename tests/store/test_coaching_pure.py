"""The coaching functions that need no database: effective scores from a summary, Pearson's r,
synonym suggestions and calibration samples."""
from __future__ import annotations

import math
import random
from datetime import datetime, timezone

import pytest

from interviewbot.bank import load_bank
from interviewbot.cli import DEFAULT_BANK
from interviewbot.engine import Interview, SessionState, choose_questions, make_plan
from interviewbot.rating import rate
from interviewbot.rating.suggest import suggest_synonyms
from interviewbot.store.coaching import VAGUE_ANSWER, apply_overrides, calibration_samples, pearson

BANK = load_bank(DEFAULT_BANK)
T0 = datetime(2026, 11, 22, 9, 0, tzinfo=timezone.utc)
VAGUE = ("At my last job we had some problems with customers and I worked hard with everyone "
         "to sort things out. We talked a lot, people were happier afterwards and it went well.")

# A summary as the engine writes it: escalation has two questions, budgeting one.
SUMMARY = {
    "score": 50, "band": 3, "areas": {"escalation": 45, "budgeting": 60},
    "strongest": "budgeting", "weakest": "escalation", "answered": 3, "asked": 3, "planned": 3,
    "questions": [
        {"turn": 0, "question_id": "e1", "area": "escalation", "status": "answered", "score": 40,
         "missed": ["finds the root cause"]},
        {"turn": 2, "question_id": "e2", "area": "escalation", "status": "answered", "score": 50,
         "missed": ["finds the root cause", "recovers the relationship"]},
        {"turn": 3, "question_id": "b1", "area": "budgeting", "status": "answered", "score": 60,
         "missed": ["argues return on investment"]},
    ],
    "next": {"areas": ["escalation"], "focus": ["finds the root cause", "recovers the relationship"],
             "plan": {"areas": ["escalation"], "count": 3, "mode": "practice"}},
}


def turn_override(position: int, score: int, kind: str = "question", auto: int = 0) -> dict:
    return {"position": position, "kind": kind, "auto_score": auto, "score": score}


# -- effective scores ---------------------------------------------------------------------------
def test_without_overrides_the_engine_summary_is_unchanged():
    plan = make_plan(BANK, ["budgeting", "escalation"], 3, "practice")
    state = SessionState(plan, choose_questions(BANK, plan, set(), random.Random(3)))
    interview = Interview(BANK, state)
    interview.begin(T0)
    while state.current is not None:
        turn = state.current
        text = BANK.questions[turn.question_id].example_answer if turn.position % 2 else VAGUE
        interview.answer(text, T0)
    summary = state.summary

    effective = apply_overrides(summary, {}, {})

    for key in ("score", "band", "areas", "strongest", "weakest", "next"):
        assert effective[key] == summary[key], key
    assert effective["overridden"] is False


def test_a_turn_override_replaces_the_question_score_and_its_area_mean():
    effective = apply_overrides(SUMMARY, {7: turn_override(0, 80, auto=40)}, {})

    assert [q["score"] for q in effective["questions"]] == [80, 50, 60]
    assert effective["questions"][0]["auto_score"] == 40
    assert effective["questions"][0]["overridden"] is True
    assert effective["areas"] == {"escalation": 65, "budgeting": 60}  # (80 + 50) / 2
    assert effective["score"] == 63  # (80 + 50 + 60) / 3 = 63.3


def test_a_better_area_changes_strongest_weakest_and_the_next_plan():
    effective = apply_overrides(SUMMARY, {7: turn_override(0, 80)}, {})

    assert (effective["strongest"], effective["weakest"]) == ("escalation", "budgeting")
    assert effective["next"]["areas"] == ["budgeting"]
    assert effective["next"]["focus"] == ["argues return on investment"]


def test_an_area_override_replaces_the_area_and_counts_once_per_question():
    effective = apply_overrides(SUMMARY, {}, {"escalation": 90})

    assert effective["areas"]["escalation"] == 90
    assert effective["score"] == 80  # (90 * 2 questions + 60) / 3
    assert effective["overridden_areas"] == ["escalation"]
    assert effective["auto"] == {"score": 50, "areas": {"escalation": 45, "budgeting": 60}}


def test_an_area_override_wins_over_turn_overrides_in_that_area():
    effective = apply_overrides(SUMMARY, {7: turn_override(0, 100)}, {"escalation": 30})

    assert effective["areas"]["escalation"] == 30
    assert effective["questions"][0]["score"] == 100
    assert effective["score"] == 40  # (30 * 2 + 60) / 3


def test_a_follow_up_override_is_listed_but_leaves_the_question_score():
    effective = apply_overrides(SUMMARY, {9: turn_override(1, 95, kind="follow_up", auto=20)}, {})

    assert [q["score"] for q in effective["questions"]] == [40, 50, 60]
    assert effective["turns"][9]["score"] == 95
    assert effective["overridden"] is True


def test_applying_overrides_leaves_the_stored_summary_alone():
    before = repr(SUMMARY)
    apply_overrides(SUMMARY, {7: turn_override(0, 80)}, {"budgeting": 10})
    assert repr(SUMMARY) == before


# -- Pearson ------------------------------------------------------------------------------------
def test_pearson_matches_a_hand_computation():
    # x = 1, 2, 3 (mean 2), y = 2, 4, 5 (mean 11/3): sxy = 3, sxx = 2, syy = 14/3.
    assert pearson([1, 2, 3], [2, 4, 5]) == pytest.approx(3 / math.sqrt(2 * 14 / 3))


@pytest.mark.parametrize("xs, ys", [([1, 2], [1, 2]), ([1, 2, 3], [5, 5, 5]), ([4, 4, 4], [1, 2, 3])],
                         ids=["two pairs", "constant coach", "constant rater"])
def test_pearson_is_undefined_for_too_few_pairs_or_no_variance(xs, ys):
    assert pearson(xs, ys) is None


# -- synonym suggestions ------------------------------------------------------------------------
ANSWER = "I rang the client. The client was angry, so I rang again and apologised to the client."
#         0         1         2         3         4         5         6         7         8
#         0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567


def rating_with(*spans: tuple[int, int], star: tuple[int, int] | None = None) -> dict:
    evidence = [{"start": s, "end": e, "text": ANSWER[s:e]} for s, e in spans]
    return {
        "concepts": [{"id": "ownership", "hit": bool(evidence), "evidence": evidence, "negated": []}],
        "star": {"action": {"present": star is not None,
                            "evidence": [{"start": star[0], "end": star[1]}] if star else []}},
        "filler": {"count": 0, "evidence": []},
    }


def test_suggestions_are_unmatched_content_words_most_frequent_first():
    apologised = ANSWER.index("apologised")
    rating = rating_with((apologised, apologised + len("apologised")))

    assert suggest_synonyms(ANSWER, rating) == ["client", "rang", "angry"]


def test_words_inside_any_evidence_span_are_not_suggested():
    first_client = ANSWER.index("client")
    rating = rating_with((0, len("I rang")), star=(first_client, len(ANSWER)))

    assert suggest_synonyms(ANSWER, rating) == []


def test_suggestions_stop_at_the_limit():
    assert suggest_synonyms(ANSWER, rating_with(), limit=2) == ["client", "rang"]


def test_word_forms_sharing_a_stem_count_together():
    text = "Escalated twice, escalating once more, then the escalated case closed."
    assert suggest_synonyms(text, {"concepts": []})[0] == "escalated"


def test_suggestions_from_a_real_rating_avoid_its_evidence():
    question = BANK.questions[next(iter(BANK.questions))]
    answer = question.example_answer + " We rang the customer back and sorted the courier handover."
    rating = rate(question, answer).to_dict()
    spans = [(s["start"], s["end"]) for c in rating["concepts"] for s in c["evidence"]]
    words = suggest_synonyms(answer, rating, limit=50)

    assert words
    for word in words:
        at = [i for i in range(len(answer)) if answer.lower().startswith(word, i)]
        assert any(not any(s <= i < e for s, e in spans) for i in at), word


# -- calibration samples ------------------------------------------------------------------------
def test_calibration_offers_the_example_its_first_third_and_a_vague_answer():
    question = BANK.questions[next(iter(BANK.questions))]
    samples = dict(calibration_samples(question, []))
    words = question.example_answer.split()

    assert list(samples) == ["example", "example-first-third", "vague"]
    assert samples["example"] == question.example_answer.strip()
    assert samples["example-first-third"].split() == words[:math.ceil(len(words) / 3)]
    assert samples["vague"] == VAGUE_ANSWER


def test_calibration_adds_up_to_five_distinct_real_answers():
    question = BANK.questions[next(iter(BANK.questions))]
    answers = ["  A  ", "A", "", "B", "C", "D", "E", "F", "G"]
    samples = calibration_samples(question, answers)
    real = [(key, text) for key, text in samples if key.startswith("answer-")]

    assert [text for _, text in real] == ["A", "B", "C", "D", "E"]
    assert len({key for key, _ in real}) == 5


def test_a_real_answer_keeps_its_key_whatever_comes_before_it():
    question = BANK.questions[next(iter(BANK.questions))]
    alone = dict((t, k) for k, t in calibration_samples(question, ["B"]))
    after = dict((t, k) for k, t in calibration_samples(question, ["A", "B"]))
    assert alone["B"] == after["B"]
