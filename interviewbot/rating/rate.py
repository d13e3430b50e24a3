"""`rate(question_or_rubric, answer) -> Rating`: a deterministic, explained rating of one answer."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from operator import attrgetter
from typing import Any, NamedTuple

from ..bank.model import Question, Rubric
from .cues import (FILLER, NUMBER_WORDS, OUTCOME_WORDS, STAR_CUES, STAR_ELEMENTS,
                   TIME_WORDS)
from .phrases import Match, PhraseIndex
from .text import Span, Tokens, new_tuple, tokenise

MAX_ANSWER_CHARS = 2_000_000
FULL_COVERAGE = 0.9  # share of the rubric's weight that earns full marks for content
# Content alone cannot reach band 4: how it is told (STAR) and what it proves (figures) count too.
WEIGHTS = {"content": 0.58, "structure": 0.24, "specifics": 0.18}
RELEVANT_CONTENT = 0.7  # content from which structure and figures count in full
SHORT_ANSWER_WORDS = 60  # below this an answer cannot reach band 4
TOO_SHORT_WORDS = 25  # below this an answer cannot reach band 2
KEYWORD_LIST_CAP = 39  # a list of keywords or a repeated phrase stays in band 2 or below
GENERIC_BANDS = (
    "Little or nothing that answers the question.",
    "Touches the topic but with few of the ideas a strong answer needs.",
    "A reasonable answer that covers some key ideas; gaps in depth, structure or evidence.",
    "A strong answer: most key ideas, clear structure and concrete evidence.",
    "An excellent answer: nearly all key ideas, well structured, specific and measured.",
)
_NUMBER = re.compile(r"\d")


class AnswerTooLong(ValueError):
    pass


class ConceptResult(NamedTuple):
    """How one rubric concept fared (a named tuple: built for every concept of every answer)."""

    id: str
    area: str
    label: str
    weight: int
    hit: bool
    evidence: tuple[Span, ...]
    negated: tuple[Span, ...]  # matches discarded because a negation came just before

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "area": self.area, "label": self.label, "weight": self.weight,
            "hit": self.hit, "evidence": [s.to_dict() for s in self.evidence],
            "negated": [s.to_dict() for s in self.negated],
        }


@dataclass(frozen=True)
class Rating:
    score: int  # 0..100
    band: int  # 1..5
    meaning: str  # what this band means (the area's behaviourally anchored scale)
    areas: dict[str, int]  # area -> 0..100
    area_bands: dict[str, int]
    area_meanings: dict[str, str]
    concepts: tuple[ConceptResult, ...]
    star: dict[str, tuple[Span, ...]]  # element -> evidence (empty when absent)
    words: int
    filler: tuple[Span, ...]
    specifics: dict[str, bool]
    caps: tuple[str, ...]  # why the score was held down, if it was
    feedback: tuple[str, ...]
    components: dict[str, float] = field(default_factory=dict)

    @property
    def missed(self) -> tuple[ConceptResult, ...]:
        return tuple(c for c in self.concepts if not c.hit)

    @property
    def hit(self) -> tuple[ConceptResult, ...]:
        return tuple(c for c in self.concepts if c.hit)

    def to_dict(self) -> dict[str, Any]:
        return {
            "score": self.score,
            "band": self.band,
            "meaning": self.meaning,
            "areas": dict(self.areas),
            "area_bands": dict(self.area_bands),
            "area_meanings": dict(self.area_meanings),
            "concepts": [c.to_dict() for c in self.concepts],
            "missed": [c.id for c in self.missed],
            "star": {
                e: {"present": bool(spans), "evidence": [s.to_dict() for s in spans]}
                for e, spans in self.star.items()
            },
            "words": self.words,
            "filler": {"count": len(self.filler), "evidence": [s.to_dict() for s in self.filler]},
            "specifics": dict(self.specifics),
            "caps": list(self.caps),
            "components": dict(self.components),
            "feedback": list(self.feedback),
        }


def band_for(score: int) -> int:
    return min(5, score // 20 + 1)


class _Compiled:
    """A rubric's phrases and the rater's own cues in one index, so an answer is scanned once."""

    def __init__(self, rubric: Rubric):
        self.rubric = rubric  # kept so the id() key below is never reused while cached
        entries: list[tuple[Any, str]] = [
            (("concept", i), p) for i, c in enumerate(rubric.concepts) for p in c.phrases
        ]
        entries += [(("star", e), p) for e, phrases in STAR_CUES.items() for p in phrases]
        entries += [(("outcome", None), p) for p in OUTCOME_WORDS]
        entries += [(("time", None), p) for p in TIME_WORDS]
        # Filler too, so the answer is scanned once; filler is matched word for word.
        self.index = PhraseIndex(entries, word_for_word=[(("filler", None), p) for p in FILLER])
        # Each area's concepts (indexes into rubric.concepts) and their total weight.
        members: dict[str, list[int]] = {}
        for i, c in enumerate(rubric.concepts):
            members.setdefault(c.area, []).append(i)
        self.areas = [(a, members[a], sum(rubric.concepts[i].weight for i in members[a]))
                      for a in rubric.areas if a in members]
        self.bars = {}
        for area, lines in rubric.bars:
            self.bars.setdefault(area, lines)  # the first, as Rubric.bars_for finds it


_cache: dict[int, _Compiled] = {}


def _compiled(rubric: Rubric) -> _Compiled:
    entry = _cache.get(id(rubric))
    if entry is None or entry.rubric is not rubric:
        if len(_cache) > 4096:
            _cache.clear()
        entry = _cache[id(rubric)] = _Compiled(rubric)
    return entry


def rate(subject: Question | Rubric, answer: str) -> Rating:
    """Rate `answer` against a question's rubric (or any rubric). Same input, same rating."""
    if not isinstance(answer, str):
        raise TypeError(f"answer must be text, not {type(answer).__name__}")
    if len(answer) > MAX_ANSWER_CHARS:
        raise AnswerTooLong(f"answer is {len(answer):,} characters; the limit is {MAX_ANSWER_CHARS:,}")
    rubric = subject.rubric if isinstance(subject, Question) else subject
    compiled = _compiled(rubric)
    tokens = tokenise(answer)
    n = tokens.word_count
    span = tokens.span

    concept_matches: dict[int, list[Match]] = {}
    star: dict[str, list[Span]] = {e: [] for e in STAR_ELEMENTS}
    found = {"outcome": False, "time": False}
    filler_matches: list[Match] = []
    for m in compiled.index.find(tokens):
        kind, key = m.key
        if kind == "concept":
            if key in concept_matches:
                concept_matches[key].append(m)
            else:
                concept_matches[key] = [m]
        elif kind == "filler":  # negation does not excuse filler
            filler_matches.append(m)
        elif m.negated:
            continue
        elif kind == "star":
            star[key].append(span(m.first, m.last))
        else:
            found[kind] = True

    concepts = []
    matched_tokens: set[int] = set()
    for i, c in enumerate(rubric.concepts):
        ms = concept_matches.get(i)
        if ms is None:  # most concepts of a large rubric
            concepts.append(new_tuple(ConceptResult, (c.id, c.area, c.label, c.weight, False, (), ())))
            continue
        evidence = _unique_spans([span(m.first, m.last) for m in ms if not m.negated])
        negated = _unique_spans([span(m.first, m.last) for m in ms if m.negated])
        for m in ms:
            if not m.negated:
                matched_tokens.update(range(m.first, m.last + 1))
        concepts.append(new_tuple(ConceptResult, (c.id, c.area, c.label, c.weight, bool(evidence),
                                                evidence, negated)))

    star_spans = {e: _unique_spans(v) for e, v in star.items()}
    filler = tuple([span(m.first, m.last) for m in _longest_first(filler_matches)])
    specifics = {
        "numbers": bool(_NUMBER.search(answer)) or not NUMBER_WORDS.isdisjoint(tokens.words),
        "timeframe": found["time"],
        "outcome": found["outcome"],
    }

    components = {
        "content": _content(concepts),
        "structure": _structure(star_spans, rubric.kind),
        "specifics": 0.4 * specifics["numbers"] + 0.3 * specifics["timeframe"] + 0.3 * specifics["outcome"],
    }
    # Structure and figures only earn credit in proportion to being on topic: a well-told story
    # about something else is still off topic.
    relevance = min(1.0, components["content"] / RELEVANT_CONTENT)
    raw = 100 * (WEIGHTS["content"] * components["content"]
                 + relevance * (WEIGHTS["structure"] * components["structure"]
                                + WEIGHTS["specifics"] * components["specifics"]))
    penalty = min(10, 2 * max(0, len(filler) - 1))
    cap, caps = _cap(tokens, matched_tokens)
    score = max(0, min(cap, round(raw - penalty)))
    band = band_for(score)

    areas: dict[str, int] = {}
    for area, members, total in compiled.areas:
        covered = sum([concepts[i].weight for i in members if concepts[i].hit])
        areas[area] = min(cap, round(100 * _coverage(covered, total)))
    area_bands = {a: band_for(s) for a, s in areas.items()}
    area_meanings = {a: _meaning(compiled.bars, a, b) for a, b in area_bands.items()}
    main = rubric.areas[0] if len(rubric.areas) and (rubric.kind or len(rubric.areas) == 1) else None
    meaning = _meaning(compiled.bars, main, band)

    return Rating(
        score=score, band=band, meaning=meaning, areas=areas, area_bands=area_bands,
        area_meanings=area_meanings, concepts=tuple(concepts), star=star_spans,
        words=n, filler=filler, specifics=specifics, caps=caps,
        feedback=_feedback(concepts, star_spans, specifics, filler, n, caps, rubric.kind),
        components={k: round(v, 3) for k, v in components.items()},
    )


def _longest_first(matches: list[Match]) -> list[Match]:
    """Non-overlapping matches, preferring the longer one ("stuff like that" over "and stuff")."""
    chosen: list[Match] = []
    for m in sorted(matches, key=lambda m: (m.first, m.first - m.last)):
        if not chosen or m.first > chosen[-1].last:
            chosen.append(m)
        elif m.last - m.first > chosen[-1].last - chosen[-1].first:
            chosen[-1] = m
    return chosen


def _unique_spans(spans: list[Span]) -> tuple[Span, ...]:
    return tuple(dict.fromkeys(spans)) if spans else ()


def _content(concepts: list[ConceptResult]) -> float:
    return _coverage(sum([c.weight for c in concepts if c.hit]), sum([c.weight for c in concepts]))


def _coverage(covered: int, total: int) -> float:
    """Content score from the weight of the concepts covered and the weight of all of them."""
    if not total:
        return 0.0
    return min(1.0, covered / total / FULL_COVERAGE)


def _structure(star: dict[str, tuple[Span, ...]], kind: str | None) -> float:
    present = {e for e, spans in star.items() if spans}
    behavioural = len(present) / 4
    # A "what would you do" answer has no past situation to recount: framing it (situation or
    # goal), the actions and how success would show are what structure means there.
    situational = (("situation" in present or "task" in present) + ("action" in present)
                   + ("result" in present)) / 3
    if kind == "behavioural":
        return behavioural
    if kind == "situational":
        return situational
    return max(behavioural, situational)


def _cap(tokens: Tokens, matched: set[int]) -> tuple[int, tuple[str, ...]]:
    n = tokens.word_count
    if n == 0:
        return 0, ("The answer is empty.",)
    caps: list[tuple[int, str]] = []
    if n < TOO_SHORT_WORDS:
        caps.append((19, f"Too short to rate well ({n} words)."))
    elif n < SHORT_ANSWER_WORDS:
        caps.append((59, f"Short answer ({n} words): band 3 at most."))
    if n >= 8:
        function_share = (tokens.function_words + tokens.articles) / n
        # Fewer than three words a clause (the cheap bound first: the exact count needs a scan).
        fragments = n / tokens.clauses_at_most() < 3 and n / tokens.clauses() < 3
        if function_share < 0.12 or fragments:
            caps.append((KEYWORD_LIST_CAP, "Reads as a list of keywords rather than sentences."))
        if len(set(tokens.stems)) / n < 0.3:
            caps.append((KEYWORD_LIST_CAP, "Repeats the same words over and over."))
        if len(matched) / n > 0.5:
            caps.append((KEYWORD_LIST_CAP, "Mostly rubric keywords with little said about them."))
    if not caps:
        return 100, ()
    return min(c for c, _ in caps), tuple(reason for _, reason in caps)


def _meaning(bars_by_area: dict[str, tuple[str, ...]], area: str | None, band: int) -> str:
    bars = bars_by_area.get(area) if area else None
    return bars[band - 1] if bars else GENERIC_BANDS[band - 1]


_weight = attrgetter("weight")
_STAR_ADVICE = {
    "situation": "the situation (where you were and what was at stake)",
    "task": "the task (the goal or target you owned)",
    "action": "your actions (what you did yourself: \"I decided\", \"I led\")",
    "result": "the result (what changed, with a number if you have one)",
}
_SITUATIONAL_ADVICE = {
    "frame": "how you would frame it (what you would find out first and what you would aim for)",
    "action": "what you would do, in order (\"first I would…, then…\")",
    "result": "how you would know it worked (the measure you would watch and the result you expect)",
}


def _feedback(concepts, star, specifics, filler, words, caps, kind) -> tuple[str, ...]:
    """A few short sentences, most important first, each naming what to add or cut."""
    notes: list[str] = list(caps)
    if not words:
        return tuple(notes)
    # Heaviest first; sorting stays stable with reverse=True, so equal weights keep rubric order.
    missed = sorted([c for c in concepts if not c.hit], key=_weight, reverse=True)
    notes.extend(f"Not covered: {c.label}." for c in missed[:2])
    if kind == "situational":
        gaps = [key for key, absent in (("frame", not (star["situation"] or star["task"])),
                                        ("action", not star["action"]), ("result", not star["result"]))
                if absent]
        advice = [_SITUATIONAL_ADVICE[g] for g in gaps]
    else:
        advice = [_STAR_ADVICE[e] for e in STAR_ELEMENTS if not star[e]]
    if advice:
        notes.append("Add " + "; ".join(advice) + ".")
    if not specifics["numbers"]:
        notes.append("Add a figure — a metric, a budget, a headcount or a timeframe — to make it concrete.")
    if len(filler) >= 2:
        counts: dict[str, int] = {}
        for s in filler:
            key = s.text.lower()
            counts[key] = counts.get(key, 0) + 1
        listed = ", ".join(f"\"{k}\" ×{v}" if v > 1 else f"\"{k}\"" for k, v in counts.items())
        notes.append(f"Cut the filler: {listed}.")
    if not missed:
        notes.append("Every concept in the rubric is covered.")
    return tuple(dict.fromkeys(notes))
