"""The interview session engine: plans, question choice, the session state machine, protocol."""
from .plan import MAX_QUESTIONS, Plan, PlanError, choose_questions, make_plan
from .session import (Ask, Feedback, Hint, Interview, Refusal, SessionState, Step, Summary, Turn,
                      summarise)

__all__ = [
    "MAX_QUESTIONS", "Ask", "Feedback", "Hint", "Interview", "Plan", "PlanError", "Refusal",
    "SessionState", "Step", "Summary", "Turn", "choose_questions", "make_plan", "summarise",
]
