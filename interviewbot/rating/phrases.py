"""Finding phrases in tokenised text: word-stem sequences, with a negation window."""
from __future__ import annotations

from itertools import compress
from typing import Hashable, Iterable, NamedTuple

from .text import NEGATIONS, Tokens, is_negation, phrase_words, stem  # noqa: F401 (re-exported)

NEGATION_WINDOW = 3  # words before a match that can negate it
# "not only ... but also" affirms rather than negates.
_AFFIRMING_AFTER_NEGATION = frozenset({"only", "just", "merely"})


class Match(NamedTuple):
    key: Hashable  # what the phrase evidences (a concept, a STAR element, a filler phrase)
    phrase: str
    first: int  # token indexes, inclusive
    last: int
    negated: bool


class PhraseIndex:
    """Phrases compiled once into a word trie; `find` scans the tokens in one pass.

    `by_stem=True` compares word stems (so "escalated" matches "escalate"); False compares the
    words themselves (used for filler, where "basically" must not match "basic").
    """

    def __init__(self, entries: Iterable[tuple[Hashable, str]], by_stem: bool = True):
        self.by_stem = by_stem
        # node: {next word: node}; the phrases ending at a node sit under the key None
        self._root: dict = {}
        for key, phrase in entries:
            words = phrase_words(phrase)
            if not words:
                continue
            node = self._root
            for w in (stem(w) for w in words) if by_stem else words:
                node = node.setdefault(w, {})
            node.setdefault(None, []).append((key, phrase))

    def find(self, tokens: Tokens) -> list[Match]:
        seq = tokens.stems if self.by_stem else tokens.words
        root = self._root
        found: list[Match] = []
        n = len(seq)
        negated = tokens.negated
        # Positions whose word starts some phrase, found in C (most words start none).
        for i in compress(range(n), map(root.__contains__, seq)):
            node = root[seq[i]]
            j = i
            while node is not None:
                ends_here = node.get(None)
                if ends_here:
                    void = negated(i, NEGATION_WINDOW, _AFFIRMING_AFTER_NEGATION)
                    found.extend([Match(key, phrase, i, j, void) for key, phrase in ends_here])
                j += 1
                node = node.get(seq[j]) if j < n else None
        return found

