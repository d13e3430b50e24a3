"""Words an answer used that the rubric did not recognise: candidate synonyms for a concept.

When a coach scores an answer higher than the rater did, the answer often said the right thing
in other words. Those words are the answer's content words that no evidence span covers. They
are offered to the bank's authors as suggestions; nothing here changes a rubric.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from .cues import FILLER, FUNCTION_WORDS
from .text import tokenise

MIN_LENGTH = 4
# Everyday words of four letters or more that say nothing about the topic.
STOP_WORDS = FUNCTION_WORDS | frozenset({
    "about", "above", "across", "after", "again", "against", "all", "almost", "along", "already",
    "also", "although", "always", "among", "another", "anyone", "anything", "anyway", "around",
    "away", "back", "because", "been", "before", "being", "below", "between", "both", "came",
    "cannot", "come", "could", "couldn't", "didn't", "does", "doesn't", "doing", "done", "don't",
    "down", "during", "each", "either", "else", "enough", "even", "ever", "every", "everyone",
    "everything", "from", "further", "gave", "gets", "getting", "give", "given", "goes", "going",
    "gone", "good", "got", "great", "hadn't", "hasn't", "have", "haven't", "having", "here",
    "herself", "himself", "into", "isn't", "itself", "just", "keep", "kept", "know", "knew",
    "like", "little", "lots", "made", "make", "makes", "making", "many", "maybe", "might",
    "mine", "more", "most", "much", "must", "myself", "need", "needed", "never", "next", "none",
    "nothing", "often", "once", "only", "onto", "other", "others", "ourselves", "over", "quite",
    "rather", "really", "same", "said", "saying", "says", "seem", "seemed", "shall", "should",
    "since", "some", "someone", "something", "sometimes", "still", "such", "sure", "take",
    "taken", "than", "that", "that's", "their", "theirs", "them", "themselves", "then", "there",
    "there's", "these", "they", "they're", "thing", "things", "think", "this", "those", "though",
    "through", "thus", "together", "took", "toward", "towards", "under", "until", "upon", "very",
    "wasn't", "well", "went", "were", "weren't", "what", "what's", "whatever", "when", "where",
    "whether", "which", "while", "whole", "whom", "whose", "will", "with", "within", "without",
    "won't", "would", "wouldn't", "yeah", "your", "yours", "yourself",
}) | frozenset(w for phrase in FILLER for w in phrase.split())


def suggest_synonyms(answer_text: str, rating: Mapping[str, Any], limit: int = 8) -> list[str]:
    """Content words of the answer outside every evidence span of ``rating`` (the rater's JSON),
    most frequent first (ties: first used first).

    A content word is lower-case, at least four letters, not a stop or function word, and has
    no digit. Words sharing a stem count together and are shown in their most frequent form.
    """
    if limit <= 0 or not answer_text:
        return []
    covered = sorted(_spans(rating))
    tokens = tokenise(answer_text)
    counts: dict[str, int] = {}
    forms: dict[str, dict[str, int]] = {}
    for start, end, word, stem in zip(tokens.starts, tokens.ends, tokens.words, tokens.stems):
        if not _content_word(word) or _inside(start, end, covered):
            continue
        counts[stem] = counts.get(stem, 0) + 1
        seen = forms.setdefault(stem, {})
        seen[word] = seen.get(word, 0) + 1
    order = {stem: i for i, stem in enumerate(counts)}
    ranked = sorted(counts, key=lambda s: (-counts[s], order[s]))[:limit]
    return [max(forms[s], key=lambda w: forms[s][w]) for s in ranked]


def _content_word(word: str) -> bool:
    return (len(word) >= MIN_LENGTH and word not in STOP_WORDS and "'" not in word
            and not any(ch.isdigit() for ch in word))


def _inside(start: int, end: int, spans: list[tuple[int, int]]) -> bool:
    return any(s < end and start < e for s, e in spans)


def _spans(rating: Mapping[str, Any]) -> Iterable[tuple[int, int]]:
    """Every span the rater matched: concept evidence (negated matches too), STAR cues, filler."""
    for concept in rating.get("concepts") or ():
        for span in (*concept.get("evidence", ()), *concept.get("negated", ())):
            yield span["start"], span["end"]
    for element in (rating.get("star") or {}).values():
        for span in element.get("evidence", ()):
            yield span["start"], span["end"]
    for span in (rating.get("filler") or {}).get("evidence", ()):
        yield span["start"], span["end"]
