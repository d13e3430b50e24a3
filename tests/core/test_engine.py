"""The session engine: plans, question choice, practice and mock flows, summaries."""
import random
from collections import Counter
from datetime import datetime, timedelta, timezone

import pytest

from interviewbot.bank import load_bank
from interviewbot.cli import DEFAULT_BANK
from interviewbot.engine import (Ask, Feedback, Hint, Interview, PlanError, Refusal, SessionState,
                                 Summary, choose_questions, make_plan)

BANK = load_bank(DEFAULT_BANK)
T0 = datetime(2026, 11, 22, 9, 0, tzinfo=timezone.utc)
WEAK = ("At my last job we had some problems with customers and I worked hard with everyone "
        "to sort things out. We talked a lot, people were happier afterwards and it went well. "
        "I think communication is the most important thing in any job, and I always try to be "
        "positive and keep a good attitude so that everybody feels involved in what we do.")


def new_interview(areas=("budgeting",), count=2, mode="practice", seed=1, **kw):
    plan = make_plan(BANK, list(areas), count, mode, **kw)
    ids = choose_questions(BANK, plan, seen=(), rng=random.Random(seed))
    return Interview(BANK, SessionState(plan, ids))


def kinds(step):
    return [type(a).__name__ for a in step.actions]


@pytest.mark.parametrize("args, code", [
    ((["cooking"], 3), "unknown_area"),
    (([], 3), "invalid_plan"),
    ((["budgeting"], 0), "invalid_plan"),
    ((["budgeting"], 21), "invalid_plan"),
    ((["budgeting"], 3, "exam"), "invalid_plan"),
    ((["budgeting"], 12), "invalid_plan"),  # more than the area has
])
def test_bad_plans_are_refused_with_a_code(args, code):
    with pytest.raises(PlanError) as info:
        make_plan(BANK, *args)
    assert info.value.code == code


def test_all_areas_plan():
    assert make_plan(BANK, "all", 10).areas == tuple(BANK.areas)


def test_questions_are_balanced_across_areas_without_repeats():
    plan = make_plan(BANK, ["vision", "budgeting", "escalation"], 9)
    ids = choose_questions(BANK, plan, (), random.Random(3))
    assert len(ids) == len(set(ids)) == 9
    assert Counter(BANK.questions[i].area for i in ids) == {"vision": 3, "budgeting": 3, "escalation": 3}


def test_unseen_questions_come_first():
    plan = make_plan(BANK, ["budgeting"], 3)
    seen = [q.id for q in BANK.in_area("budgeting")][:8]
    ids = choose_questions(BANK, plan, seen, random.Random(5))
    assert not set(ids) & set(seen)


def test_requested_difficulty_comes_first_then_others_fill_in():
    plan = make_plan(BANK, ["budgeting"], 5, difficulty=1)
    ids = choose_questions(BANK, plan, (), random.Random(2))
    level_1 = sum(1 for q in BANK.in_area("budgeting") if q.difficulty == 1)
    assert [BANK.questions[i].difficulty for i in ids[:level_1]] == [1] * level_1
    assert len(ids) == 5


def test_same_seed_same_questions():
    plan = make_plan(BANK, "all", 10)
    assert choose_questions(BANK, plan, (), random.Random(9)) == choose_questions(BANK, plan, (), random.Random(9))


def test_practice_asks_a_follow_up_for_a_missed_concept_once():
    iv = new_interview()
    first = iv.begin(T0).actions[0]
    assert isinstance(first, Ask) and (first.index, first.total) == (1, 2)
    step = iv.answer(WEAK, T0 + timedelta(minutes=1))
    assert kinds(step) == ["Feedback", "Ask"]
    follow = step.actions[1]
    assert follow.turn.kind == "follow_up" and follow.turn.parent_position == 0 and follow.index == 1
    question = BANK.questions[first.turn.question_id]
    assert follow.turn.prompt == question.follow_up_for(follow.turn.concept).text
    step = iv.answer(WEAK, T0 + timedelta(minutes=2))
    assert kinds(step) == ["Feedback", "Ask"]
    assert step.actions[1].turn.kind == "question" and step.actions[1].index == 2


def test_strong_answer_gets_no_follow_up():
    iv = new_interview()
    q = BANK.questions[iv.begin(T0).actions[0].turn.question_id]
    step = iv.answer(q.example_answer, T0)
    assert kinds(step) == ["Feedback", "Ask"] and step.actions[1].turn.kind == "question"


def test_feedback_carries_the_rating():
    iv = new_interview()
    q = BANK.questions[iv.begin(T0).actions[0].turn.question_id]
    fb = iv.answer(q.example_answer, T0).actions[0]
    assert isinstance(fb, Feedback) and fb.rating["band"] >= 4 and fb.rating["concepts"]


def test_mock_has_deadlines_no_feedback_and_no_follow_ups():
    iv = new_interview(mode="mock", time_limit=120)
    ask = iv.begin(T0).actions[0]
    assert ask.turn.deadline == T0 + timedelta(seconds=120)
    step = iv.answer(WEAK, T0 + timedelta(seconds=30))
    assert kinds(step) == ["Ask"] and step.actions[0].turn.kind == "question"
    assert iv.state.turns[0].rating["score"] >= 0  # rated, shown only at the end


def test_mock_timeout_moves_on_only_after_the_deadline():
    iv = new_interview(mode="mock", time_limit=60)
    iv.begin(T0)
    assert iv.timeout(T0 + timedelta(seconds=69)).actions == []  # within the grace after 60 s
    step = iv.timeout(T0 + timedelta(seconds=70))
    assert iv.state.turns[0].status == "timed_out" and kinds(step) == ["Ask"]


def test_late_mock_answer_is_kept_and_marked_late():
    iv = new_interview(mode="mock", time_limit=60)
    iv.begin(T0)
    iv.answer(WEAK, T0 + timedelta(seconds=200))
    assert iv.state.turns[0].answer == WEAK and iv.state.turns[0].rating["late"] is True


def test_hint_in_practice_lists_concepts_and_is_refused_in_mock():
    iv = new_interview()
    q = BANK.questions[iv.begin(T0).actions[0].turn.question_id]
    (hint,) = iv.hint().actions
    assert isinstance(hint, Hint) and hint.concepts == [c.label for c in q.rubric.concepts]
    mock = new_interview(mode="mock")
    mock.begin(T0)
    (refusal,) = mock.hint().actions
    assert isinstance(refusal, Refusal) and refusal.code == "not_in_mock"


def test_skip_then_finish_gives_a_summary():
    iv = new_interview(count=2)
    iv.begin(T0)
    iv.skip(T0)
    q2 = BANK.questions[iv.state.current.question_id]
    step = iv.answer(q2.example_answer, T0)
    assert kinds(step) == ["Feedback", "Summary"]
    summary = step.actions[-1].summary
    assert summary["asked"] == 2 and summary["answered"] == 1
    assert [r["status"] for r in summary["questions"]] == ["skipped", "answered"]
    assert iv.state.status == "finished"


def test_end_early_skips_the_open_turn_and_summarises():
    iv = new_interview(count=2)
    iv.begin(T0)
    step = iv.end(T0)
    assert kinds(step) == ["Summary"] and iv.state.turns[0].status == "skipped"
    assert kinds(iv.answer("late", T0)) == ["Refusal"]
    assert iv.answer("late", T0).actions[0].code == "session_finished"


def test_summary_names_strongest_weakest_and_what_to_practise():
    iv = new_interview(areas=("budgeting", "escalation"), count=2, seed=4)
    iv.begin(T0)
    first_area = BANK.questions[iv.state.current.question_id].area
    q = BANK.questions[iv.state.current.question_id]
    iv.answer(q.example_answer, T0)
    iv.skip(T0)  # the second question, in the other area
    summary = iv.state.summary
    other = ({"budgeting", "escalation"} - {first_area}).pop()
    assert summary["strongest"] == first_area and summary["weakest"] == other
    assert summary["areas"][other] == 0
    assert summary["next"]["plan"] == {"areas": [other], "count": 3, "mode": "practice"}
    assert summary["next"]["focus"]


def test_a_follow_up_answer_counts_toward_its_question():
    iv = new_interview(count=1)
    iv.begin(T0)
    q = BANK.questions[iv.state.current.question_id]
    iv.answer(WEAK, T0)
    assert iv.state.current.kind == "follow_up"
    iv.answer(q.example_answer, T0)
    (result,) = iv.state.summary["questions"]
    assert result["score"] > iv.state.turns[0].rating["score"]


def test_pending_re_sends_the_open_question_and_the_summary_when_done():
    iv = new_interview(count=1)
    ask = iv.begin(T0).actions[0]
    again = iv.pending(T0).actions[0]
    assert again.turn is ask.turn and again.index == 1
    iv.end(T0)
    assert isinstance(iv.pending(T0).actions[0], Summary)


def test_begin_twice_does_not_add_turns():
    iv = new_interview()
    iv.begin(T0)
    iv.begin(T0)
    assert len(iv.state.turns) == 1


def test_stale_turn_answer_is_refused():
    iv = new_interview()
    iv.begin(T0)
    (refusal,) = iv.answer(WEAK, T0, turn_position=5).actions
    assert refusal.code == "stale_turn" and iv.state.turns[0].status == "asked"


def test_a_plan_can_name_its_questions_to_retry_one():
    qid = sorted(BANK.questions)[5]
    plan = make_plan(BANK, ["vision"], 3, questions=[qid])
    assert (plan.areas, plan.count) == ((BANK.questions[qid].area,), 1)
    assert choose_questions(BANK, plan, seen=[qid], rng=random.Random(1)) == [qid]
    with pytest.raises(PlanError) as info:
        make_plan(BANK, ["vision"], 1, questions=["no-such-question"])
    assert info.value.code == "unknown_question"


def test_follow_up_feedback_shows_the_progress_made_with_both_answers():
    iv = new_interview(count=1)
    iv.begin(T0)
    q = BANK.questions[iv.state.current.question_id]
    iv.answer(WEAK, T0)
    probed = iv.state.current.concept
    step = iv.answer(q.example_answer, T0)
    combined = step.actions[0].rating["combined"]
    label = next(c.label for c in q.rubric.concepts if c.id == probed)
    assert label in combined["now_covered"] and label not in combined["missed"]
    assert combined["score"] >= iv.state.turns[0].rating["score"]
