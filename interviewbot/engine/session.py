"""An interview session as a state machine: events in, actions out.

The state is plain data that the storage layer saves after every step and loads before the
next, so any process can carry on a session. Nothing here reads a clock or draws a random number:
`now` and the chosen questions are passed in.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

from ..bank import Bank, Question
from ..rating import rate
from .plan import Plan

TurnKind = Literal["question", "follow_up"]
TurnStatus = Literal["asked", "answered", "skipped", "timed_out"]
# Network slack: an answer arriving this soon after the deadline still counts, on time; after it
# the turn times out (or, if the answer still gets in first, it is kept and marked late).
LATE_GRACE = timedelta(seconds=10)


@dataclass
class Turn:
    position: int
    question_id: str
    kind: TurnKind
    prompt: str
    asked_at: datetime
    status: TurnStatus = "asked"
    parent_position: int | None = None
    concept: str | None = None  # the concept a follow-up probes
    answer: str | None = None
    rating: dict[str, Any] | None = None
    answered_at: datetime | None = None
    deadline: datetime | None = None


@dataclass
class SessionState:
    plan: Plan
    question_ids: list[str]
    turns: list[Turn] = field(default_factory=list)
    status: Literal["active", "finished"] = "active"
    summary: dict[str, Any] | None = None

    @property
    def current(self) -> Turn | None:
        """The turn waiting for an answer, if any."""
        if self.status == "active" and self.turns and self.turns[-1].status == "asked":
            return self.turns[-1]
        return None


# Actions: what the session wants the outside world to send or show.
@dataclass(frozen=True)
class Ask:
    turn: Turn
    index: int  # 1-based number of the main question
    total: int
    question: Question


@dataclass(frozen=True)
class Feedback:
    turn: Turn
    rating: dict[str, Any]


@dataclass(frozen=True)
class Hint:
    turn: Turn
    concepts: list[str]
    strong_answer: list[str]


@dataclass(frozen=True)
class Summary:
    summary: dict[str, Any]


@dataclass(frozen=True)
class Refusal:
    """The event cannot be applied; nothing changed."""

    code: str
    message: str


Action = Ask | Feedback | Hint | Summary | Refusal


@dataclass
class Step:
    actions: list[Action]
    changed: list[Turn]  # turns created or updated by this step, to be saved


class Interview:
    """Applies events to a session's state. Create one per event; it mutates `state`."""

    def __init__(self, bank: Bank, state: SessionState):
        self.bank = bank
        self.state = state

    # -- events -------------------------------------------------------------------------
    def begin(self, now: datetime) -> Step:
        if self.state.turns:
            return self.pending(now)
        return self._next_question(now, [])

    def answer(self, text: str, now: datetime, turn_position: int | None = None) -> Step:
        turn = self.state.current
        if turn is None:
            return self._refuse_finished()
        if turn_position is not None and turn_position != turn.position:
            return Step([Refusal("stale_turn", f"turn {turn_position} is no longer open; "
                                               f"the open turn is {turn.position}")], [])
        question = self._question(turn.question_id)
        rating = rate(question, text).to_dict()
        if turn.kind == "follow_up":
            rating["combined"] = self._combined(turn, question, text)
        if self.state.plan.mode == "mock" and turn.deadline and now > turn.deadline + LATE_GRACE:
            rating["late"] = True
        turn.status, turn.answer, turn.rating, turn.answered_at = "answered", text, rating, now
        changed = [turn]
        actions: list[Action] = []
        if self.state.plan.mode == "practice":
            actions.append(Feedback(turn, rating))
            follow_up = self._follow_up_for(turn, question, rating, now)
            if follow_up is not None:
                changed.append(follow_up)
                actions.append(self._ask(follow_up))
                return Step(actions, changed)
        return self._next_question(now, changed, actions)

    def skip(self, now: datetime) -> Step:
        turn = self.state.current
        if turn is None:
            return self._refuse_finished()
        turn.status, turn.answered_at = "skipped", now
        return self._next_question(now, [turn])

    def timeout(self, now: datetime) -> Step:
        """The open turn's time ran out (mock mode): record it and move on."""
        turn = self.state.current
        if turn is None or turn.deadline is None or now < turn.deadline + LATE_GRACE:
            return Step([], [])
        turn.status, turn.answered_at = "timed_out", now
        return self._next_question(now, [turn])

    def hint(self) -> Step:
        turn = self.state.current
        if turn is None:
            return self._refuse_finished()
        if self.state.plan.mode == "mock":
            return Step([Refusal("not_in_mock", "hints are not available in a mock interview")], [])
        question = self._question(turn.question_id)
        concepts = [c.label for c in question.rubric.concepts]
        if turn.kind == "follow_up":
            concepts = [c.label for c in question.rubric.concepts if c.id == turn.concept]
        return Step([Hint(turn, concepts, list(question.strong_answer))], [])

    def end(self, now: datetime) -> Step:
        if self.state.status == "finished":
            return Step([Summary(self.state.summary or {})], [])
        changed = []
        turn = self.state.current
        if turn is not None:
            turn.status, turn.answered_at = "skipped", now
            changed.append(turn)
        return self._finish(changed, [])

    def pending(self, now: datetime) -> Step:
        """What to show someone (re)joining: the open question, or the summary."""
        if self.state.status == "finished":
            return Step([Summary(self.state.summary or {})], [])
        turn = self.state.current
        if turn is None:  # every planned turn is closed but the session was not finished
            return self._next_question(now, [])
        if self.state.plan.mode == "mock" and turn.deadline and now >= turn.deadline + LATE_GRACE:
            return self.timeout(now)
        return Step([self._ask(turn)], [])

    # -- helpers ------------------------------------------------------------------------
    def _question(self, question_id: str) -> Question:
        return self.bank.questions[question_id]

    def _refuse_finished(self) -> Step:
        return Step([Refusal("session_finished", "this session has finished")], [])

    def _asked_main_questions(self) -> int:
        return sum(1 for t in self.state.turns if t.kind == "question")

    def _ask(self, turn: Turn) -> Ask:
        index = sum(1 for t in self.state.turns[: turn.position + 1] if t.kind == "question")
        return Ask(turn, index, len(self.state.question_ids), self._question(turn.question_id))

    def _new_turn(self, question: Question, now: datetime, **kw: Any) -> Turn:
        deadline = None
        if self.state.plan.mode == "mock":
            deadline = now + timedelta(seconds=self.state.plan.time_limit)
        turn = Turn(position=len(self.state.turns), question_id=question.id, asked_at=now,
                    deadline=deadline, **kw)
        self.state.turns.append(turn)
        return turn

    def _combined(self, follow_up: Turn, question: Question, text: str) -> dict[str, Any]:
        """The question's rating with the follow-up added to the first answer: the progress made."""
        first = self.state.turns[follow_up.parent_position]
        both = rate(question, f"{first.answer or ''}\n\n{text}")
        before = {c["id"] for c in (first.rating or {}).get("concepts", []) if c["hit"]}
        return {"score": both.score, "band": both.band,
                "now_covered": [c.label for c in both.hit if c.id not in before],
                "missed": [c.label for c in both.missed]}

    def _follow_up_for(self, turn: Turn, question: Question, rating: dict[str, Any],
                       now: datetime) -> Turn | None:
        """A follow-up probing the heaviest missed concept, once per question, practice only."""
        if turn.kind != "question":
            return None
        missed = {c["id"]: c["weight"] for c in rating["concepts"] if not c["hit"]}
        probes = [f for f in question.follow_ups if f.concept in missed]
        if not probes:
            return None
        probe = max(probes, key=lambda f: missed[f.concept])  # first of the heaviest
        return self._new_turn(question, now, kind="follow_up", prompt=probe.text,
                              parent_position=turn.position, concept=probe.concept)

    def _next_question(self, now: datetime, changed: list[Turn],
                       actions: list[Action] | None = None) -> Step:
        actions = actions or []
        asked = self._asked_main_questions()
        if asked >= len(self.state.question_ids):
            return self._finish(changed, actions)
        question = self._question(self.state.question_ids[asked])
        turn = self._new_turn(question, now, kind="question", prompt=question.text)
        changed.append(turn)
        actions.append(self._ask(turn))
        return Step(actions, changed)

    def _finish(self, changed: list[Turn], actions: list[Action]) -> Step:
        self.state.status = "finished"
        self.state.summary = summarise(self.bank, self.state)
        actions.append(Summary(self.state.summary))
        return Step(actions, changed)


def ratings_read(state: SessionState, event: str) -> set[int] | None:
    """Positions of the closed turns whose ratings `event` can read (None: all of them), so
    that storage may leave the others out. `event` is an `Interview` method's name.

    The summary reads every rating, and can come with `end`, with `pending`, or once the last
    main question has been asked; otherwise only an answer to a follow-up reads one: its
    question's, to rate the two answers together.
    """
    turn = state.current
    if event in ("end", "pending") or turn is None:
        return None
    if sum(1 for t in state.turns if t.kind == "question") >= len(state.question_ids):
        return None
    if event == "answer" and turn.parent_position is not None:
        return {turn.parent_position}
    return set()


def question_results(bank: Bank, state: SessionState) -> list[dict[str, Any]]:
    """One result per main question: its final score, with a follow-up answer counted in."""
    results = []
    for turn in state.turns:
        if turn.kind != "question":
            continue
        question = bank.questions[turn.question_id]
        follow_ups = [t for t in state.turns
                      if t.parent_position == turn.position and t.status == "answered"]
        # The follow-up completes the answer: both are rated together, as the follow-up's own
        # rating did already (its "combined" part, from the same text).
        combined = (follow_ups[0].rating or {}).get("combined") if len(follow_ups) == 1 else None
        if turn.status != "answered":
            score, missed = 0, [c.label for c in question.rubric.concepts]
        elif combined is not None:
            score, missed = combined["score"], list(combined["missed"])
        elif follow_ups:
            rating = rate(question, "\n\n".join([turn.answer or "", *(t.answer or "" for t in follow_ups)]))
            score, missed = rating.score, [c.label for c in rating.missed]
        else:
            score = turn.rating["score"]
            missed = [c["label"] for c in turn.rating["concepts"] if not c["hit"]]
        results.append({"turn": turn.position, "question_id": question.id, "area": question.area,
                        "status": turn.status, "score": score, "missed": missed})
    return results


def summarise(bank: Bank, state: SessionState) -> dict[str, Any]:
    results = question_results(bank, state)
    by_area: dict[str, list[int]] = {}
    for r in results:
        by_area.setdefault(r["area"], []).append(r["score"])
    areas = {a: round(sum(s) / len(s)) for a, s in by_area.items()}
    overall = round(sum(r["score"] for r in results) / len(results)) if results else 0
    ranked = sorted(areas, key=lambda a: (-areas[a], a))
    weakest = ranked[-1] if ranked else None
    missed_counts: dict[str, int] = {}
    for r in results:
        if r["area"] == weakest:
            for label in r["missed"]:
                missed_counts[label] = missed_counts.get(label, 0) + 1
    focus = sorted(missed_counts, key=lambda k: -missed_counts[k])[:3]
    return {
        "score": overall,
        "band": min(5, overall // 20 + 1),
        "areas": areas,
        "strongest": ranked[0] if ranked else None,
        "weakest": weakest,
        "answered": sum(1 for r in results if r["status"] == "answered"),
        "asked": len(results),
        "planned": len(state.question_ids),
        "questions": results,
        "next": {
            "areas": [weakest] if weakest else [],
            "focus": focus,
            "plan": {"areas": [weakest], "count": 3, "mode": "practice"} if weakest else None,
        },
    }
