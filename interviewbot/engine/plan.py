"""What an interview will cover, and which questions it asks."""
from __future__ import annotations

import random
from dataclasses import asdict, dataclass
from typing import Any, Collection, Literal

from ..bank import Bank, Question

Mode = Literal["practice", "mock"]
MODES: tuple[str, ...] = ("practice", "mock")
MAX_QUESTIONS = 20
DEFAULT_TIME_LIMIT = 180  # seconds per answer in mock mode
TIME_LIMITS = range(30, 1801)


class PlanError(ValueError):
    """A plan that cannot be run; `code` is stable for clients, the message is for people."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Plan:
    areas: tuple[str, ...]
    count: int
    mode: Mode = "practice"
    difficulty: int | None = None  # None: any difficulty
    time_limit: int = DEFAULT_TIME_LIMIT  # seconds per answer, mock mode only
    questions: tuple[str, ...] = ()  # asked exactly, in order (retrying a question); else chosen

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["areas"] = list(self.areas)
        data["questions"] = list(self.questions)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Plan:
        return cls(areas=tuple(data["areas"]), count=data["count"], mode=data["mode"],
                   difficulty=data.get("difficulty"),
                   time_limit=data.get("time_limit", DEFAULT_TIME_LIMIT),
                   questions=tuple(data.get("questions", ())))


def make_plan(bank: Bank, areas: Collection[str] | str, count: int, mode: str = "practice",
              difficulty: int | None = None, time_limit: int = DEFAULT_TIME_LIMIT,
              questions: Collection[str] = ()) -> Plan:
    """Check a requested plan against the bank. `areas` may be "all" or a list of area ids;
    `questions`, when given, are asked exactly (their areas and number make the plan)."""
    if questions:
        picked = tuple(dict.fromkeys(questions))
        unknown = [q for q in picked if q not in bank.questions]
        if unknown:
            raise PlanError("unknown_question", f"unknown question(s): {', '.join(unknown)[:200]}")
        if len(picked) > MAX_QUESTIONS:
            raise PlanError("invalid_plan", f"at most {MAX_QUESTIONS} questions")
        areas = list(dict.fromkeys(bank.questions[q].area for q in picked))
        count = len(picked)
    else:
        picked = ()
    if areas == "all" or areas == ["all"]:
        chosen = tuple(bank.areas)
    else:
        chosen = tuple(dict.fromkeys(areas))
        if not chosen:
            raise PlanError("invalid_plan", "choose at least one area")
        unknown = [a for a in chosen if a not in bank.areas]
        if unknown:
            raise PlanError("unknown_area", f"unknown area(s): {', '.join(unknown)}; "
                                            f"known: {', '.join(bank.areas)}")
    if not 1 <= count <= MAX_QUESTIONS:
        raise PlanError("invalid_plan", f"count must be between 1 and {MAX_QUESTIONS}")
    if mode not in MODES:
        raise PlanError("invalid_plan", "mode must be 'practice' or 'mock'")
    if difficulty is not None and difficulty not in (1, 2, 3):
        raise PlanError("invalid_plan", "difficulty must be 1, 2 or 3")
    if time_limit not in TIME_LIMITS:
        raise PlanError("invalid_plan", f"time_limit must be {TIME_LIMITS.start}–{TIME_LIMITS.stop - 1} seconds")
    available = sum(1 for q in bank.questions.values() if q.area in chosen)
    if available < count:
        raise PlanError("invalid_plan", f"only {available} questions in the chosen area(s)")
    return Plan(chosen, count, mode, difficulty, time_limit, picked)  # type: ignore[arg-type]


def choose_questions(bank: Bank, plan: Plan, seen: Collection[str], rng: random.Random) -> list[str]:
    """Questions for `plan`: no repeats, balanced across its areas, unseen ones first.

    Areas take turns (round robin, starting from a random one); within an area, questions of
    the requested difficulty come first, and among those the ones this person has not seen.
    """
    if plan.questions:
        return list(plan.questions)
    seen = set(seen)
    queues: dict[str, list[Question]] = {}
    for area in plan.areas:
        pool = sorted(bank.in_area(area), key=lambda q: q.id)
        rng.shuffle(pool)
        pool.sort(key=lambda q: (plan.difficulty is not None and q.difficulty != plan.difficulty,
                                 q.id in seen))
        queues[area] = pool
    order = list(plan.areas)
    rng.shuffle(order)
    chosen: list[str] = []
    while len(chosen) < plan.count:
        progressed = False
        for area in order:
            if queues[area] and len(chosen) < plan.count:
                chosen.append(queues[area].pop(0).id)
                progressed = True
        if not progressed:
            break
    return chosen
