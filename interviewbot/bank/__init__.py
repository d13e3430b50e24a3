"""The question bank: YAML files of areas and questions, validated on load."""
from .loader import BankError, BankIssue, load_bank, load_sources
from .model import BANDS, DIFFICULTIES, KINDS, Area, Bank, Concept, FollowUp, Question, Rubric

__all__ = [
    "BANDS", "DIFFICULTIES", "KINDS", "Area", "Bank", "BankError", "BankIssue", "Concept",
    "FollowUp", "Question", "Rubric", "load_bank", "load_sources",
]
