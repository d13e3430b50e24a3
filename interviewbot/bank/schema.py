"""The shape of one bank file, as pydantic models: types, required fields, allowed values.

Cross-file rules (unknown areas, duplicate ids, follow-ups naming missing concepts) live in
`loader.py`, which sees the whole bank.
"""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StringConstraints, field_validator

Slug = Annotated[
    str,
    StringConstraints(strict=True, pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=80),
]
Text = Annotated[str, StringConstraints(strict=True, strip_whitespace=True, min_length=1)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class ConceptSpec(_Strict):
    id: Slug
    label: Text
    weight: Annotated[StrictInt, Field(ge=1, le=5)]
    phrases: Annotated[list[Text], Field(min_length=1)]


class AreaSpec(_Strict):
    id: Slug
    title: Text
    description: Text
    bars: dict[int, Text]
    concepts: Annotated[list[ConceptSpec], Field(min_length=1)]

    @field_validator("bars")
    @classmethod
    def _five_bands(cls, bars: dict[int, str]) -> dict[int, str]:
        if sorted(bars) != [1, 2, 3, 4, 5]:
            raise ValueError("bars must describe exactly the bands 1, 2, 3, 4 and 5")
        return bars


class RubricSpec(_Strict):
    area_concepts: list[Slug] | None = None
    concepts: list[ConceptSpec] = []
    strong_answer: Annotated[list[Text], Field(min_length=1)]


class FollowUpSpec(_Strict):
    concept: Slug
    text: Text


class QuestionSpec(_Strict):
    id: Slug
    area: Slug
    also: list[Slug] = []
    kind: Literal["behavioural", "situational"]
    difficulty: Literal[1, 2, 3]
    text: Text
    rubric: RubricSpec
    follow_ups: list[FollowUpSpec] = []
    example_answer: Text


class BankFileSpec(_Strict):
    areas: list[AreaSpec] = []
    questions: list[QuestionSpec] = []
