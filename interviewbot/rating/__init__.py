"""The transparent rater: rubric concepts matched on word stems, STAR structure, specifics."""
from .rate import AnswerTooLong, ConceptResult, Rating, Span, band_for, rate

__all__ = ["AnswerTooLong", "ConceptResult", "Rating", "Span", "band_for", "rate"]
