"""Finding phrases in tokenised text: word-stem sequences, with a negation window."""
from __future__ import annotations

from itertools import compress
from typing import Hashable, Iterable, NamedTuple

from .text import NEGATIONS, Tokens, is_negation, new_tuple, phrase_words, stem  # noqa: F401 (re-exported)

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

    `entries` are matched on word stems (so "escalated" matches "escalate"); `word_for_word`
    entries on the words themselves (filler, where "basically" must not match "basic"). All share
    one trie keyed by stems, so one scan finds both: equal words have equal stems, and a
    word-for-word phrase keeps its words to check once its stems have matched.
    """

    def __init__(self, entries: Iterable[tuple[Hashable, str]],
                 word_for_word: Iterable[tuple[Hashable, str]] = ()):
        # node: {next stem: node}; the phrases ending at a node sit under the key None, as
        # (key, phrase, the words to check or None)
        self._root: dict = {}
        for exact, group in ((False, entries), (True, word_for_word)):
            for key, phrase in group:
                words = phrase_words(phrase)
                if not words:
                    continue
                node = self._root
                for s in map(stem, words):
                    node = node.setdefault(s, {})
                node.setdefault(None, []).append((key, phrase, list(words) if exact else None))

    def find(self, tokens: Tokens) -> list[Match]:
        seq = tokens.stems
        words = tokens.words
        root = self._root
        found: list[Match] = []
        append = found.append
        n = len(seq)
        negated = tokens.negated if tokens.negations else None
        # Positions whose word starts some phrase, found in C (most words start none).
        for i in compress(range(n), map(root.__contains__, seq)):
            node = root[seq[i]]
            j = i
            while node is not None:
                ends_here = node.get(None)
                if ends_here:
                    void = negated is not None and negated(i, NEGATION_WINDOW, _AFFIRMING_AFTER_NEGATION)
                    for key, phrase, exact in ends_here:
                        if exact is None or exact == words[i:j + 1]:
                            append(new_tuple(Match, (key, phrase, i, j, void)))
                j += 1
                node = node.get(seq[j]) if j < n else None
        return found
