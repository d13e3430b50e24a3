"""What a loaded question bank is made of: plain immutable values, no I/O."""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Literal

Kind = Literal["behavioural", "situational"]
KINDS: tuple[str, ...] = ("behavioural", "situational")
DIFFICULTIES: dict[int, str] = {1: "foundational", 2: "experienced", 3: "senior executive"}
BANDS: tuple[int, ...] = (1, 2, 3, 4, 5)


@dataclass(frozen=True)
class Concept:
    """Something a strong answer shows, evidenced by any of its phrases."""

    id: str
    area: str
    label: str
    weight: int
    phrases: tuple[str, ...]


@dataclass(frozen=True)
class Rubric:
    """The concepts an answer is rated against, with the rating scale of each area involved."""

    areas: tuple[str, ...]
    concepts: tuple[Concept, ...]
    # area -> the five band descriptions (band 1 first): what a score means in that area
    bars: tuple[tuple[str, tuple[str, ...]], ...] = ()
    kind: Kind | None = None

    def bars_for(self, area: str) -> tuple[str, ...] | None:
        for area_id, lines in self.bars:
            if area_id == area:
                return lines
        return None


@dataclass(frozen=True)
class Area:
    id: str
    title: str
    description: str
    bars: tuple[str, ...]  # band 1..5
    concepts: tuple[Concept, ...]

    def concept(self, concept_id: str) -> Concept | None:
        return next((c for c in self.concepts if c.id == concept_id), None)

    @cached_property
    def rubric(self) -> Rubric:
        """The area's shared concepts as a rubric of their own (rating against a whole area)."""
        return Rubric(areas=(self.id,), concepts=self.concepts, bars=((self.id, self.bars),))


@dataclass(frozen=True)
class FollowUp:
    concept: str  # id of the rubric concept it probes
    text: str


@dataclass(frozen=True)
class Question:
    id: str
    area: str
    also: tuple[str, ...]
    kind: Kind
    difficulty: int
    text: str
    rubric: Rubric
    strong_answer: tuple[str, ...]
    follow_ups: tuple[FollowUp, ...]
    example_answer: str
    source: str = ""  # "file.yaml:line", for messages to authors

    @property
    def areas(self) -> tuple[str, ...]:
        return (self.area, *self.also)

    def follow_up_for(self, concept_id: str) -> FollowUp | None:
        return next((f for f in self.follow_ups if f.concept == concept_id), None)


@dataclass(frozen=True)
class Bank:
    areas: dict[str, Area]
    questions: dict[str, Question]
    version: str  # content hash of the files it was loaded from
    files: tuple[str, ...] = field(default=())

    def in_area(self, area: str) -> list[Question]:
        return [q for q in self.questions.values() if q.area == area]

    @cached_property
    def all_areas_rubric(self) -> Rubric:
        """Every area's shared concepts: rates an answer against the whole role."""
        return Rubric(
            areas=tuple(self.areas),
            concepts=tuple(c for a in self.areas.values() for c in a.concepts),
            bars=tuple((a.id, a.bars) for a in self.areas.values()),
        )
