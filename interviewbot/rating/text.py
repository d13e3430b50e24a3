"""Turning answer text into words that keep their place in the original text."""
from __future__ import annotations

import re
import threading
import unicodedata
from bisect import bisect_left
from dataclasses import dataclass, field
from itertools import accumulate, compress
from operator import itemgetter

import snowballstemmer

# A word: letters/digits, with inner apostrophes kept ("didn't", "team's").
# Hyphens split words, so "follow-up" matches the phrase "follow up".
# Clause breaks (, ; : . ! ? and new lines) bound the negation window.
_SCAN = re.compile(r"([^\W_]+(?:['’][^\W_]+)*)|[,;:.!?…\n]+")
_SPLIT = re.compile(r"([^\W_]+(?:['’][^\W_]+)*)")
_CLAUSE_BREAK = re.compile(r"[,;:.!?…\n]").search
ARTICLES = frozenset({"a", "an", "the"})
NEGATIONS = frozenset({
    "not", "no", "never", "without", "neither", "nor", "none", "nobody", "nothing",
    "cannot", "hardly", "barely", "nowhere",
})
# What a word is besides its letters: phrases skip articles; negations can void what follows.
PLAIN, ARTICLE, NEGATION = 0, 1, 2

_stemmer = snowballstemmer.stemmer("english")
# The Snowball stemmer keeps state while it works: two threads stemming at once corrupt each
# other's result (and a wrong stem would be cached below). Cache misses are rare, so a lock is cheap.
_stemmer_lock = threading.Lock()
# Caches, bounded below: raw word -> (normalised, stem, PLAIN/ARTICLE/NEGATION), and the text
# between two words -> 1 when it ends a clause (there are few distinct gaps: " ", ", ", ".\n"…).
_WORDS: dict[str, tuple[str, str, int]] = {}
_GAPS: dict[str, int] = {}
_CACHE_LIMIT = 200_000
_first, _second, _third = itemgetter(0), itemgetter(1), itemgetter(2)


def is_negation(word: str) -> bool:
    return word in NEGATIONS or word.endswith("n't")


@dataclass(slots=True)
class Tokens:
    """Words of a text as parallel lists (fast to build and scan): words, stems, clause numbers.

    Articles are left out of the lists (phrases ignore them) but counted. Character offsets are
    worked out only for the words asked about (`start`, `end`): most words are never shown.
    """

    words: list[str] = field(default_factory=list)  # NFKC, case-folded, straight apostrophe
    stems: list[str] = field(default_factory=list)
    clauses: list[int] = field(default_factory=list)  # negation never crosses a clause
    negations: list[int] = field(default_factory=list)  # indexes of negating words, ascending
    articles: int = 0  # "a", "an", "the": words all the same
    _ends: list[int] = field(default_factory=list)  # running sums of the split text's part lengths
    _raw: list[int] | None = None  # index among all words, articles included (None: the same)

    def __len__(self) -> int:
        return len(self.words)

    @property
    def word_count(self) -> int:
        return len(self.words) + self.articles

    def start(self, i: int) -> int:
        """Character offset where word `i` starts."""
        return self._ends[2 * (i if self._raw is None else self._raw[i])]

    def end(self, i: int) -> int:
        """Character offset just after word `i`."""
        return self._ends[2 * (i if self._raw is None else self._raw[i]) + 1]

    @property
    def starts(self) -> list[int]:
        return [self.start(i) for i in range(len(self.words))]

    @property
    def ends(self) -> list[int]:
        return [self.end(i) for i in range(len(self.words))]

    def negated(self, i: int, window: int, affirming: frozenset[str]) -> bool:
        """Whether a negation within `window` words before word `i`, in its clause, voids it
        ("not only" and the like in `affirming` do not)."""
        negations = self.negations
        if not negations:
            return False
        k = bisect_left(negations, i) - 1
        if k < 0:
            return False
        j = negations[k]  # the nearest negation before i
        if i - j > window or self.clauses[j] != self.clauses[i]:
            return False
        return self.words[j + 1] not in affirming


def normalise(raw: str) -> tuple[str, str, int]:
    """(normalised word, Snowball stem, PLAIN/ARTICLE/NEGATION) of one raw word."""
    known = _WORDS.get(raw)
    if known is None:
        word = unicodedata.normalize("NFKC", raw).casefold().replace("’", "'")
        with _stemmer_lock:
            stemmed = _stemmer.stemWord(word)
        kind = ARTICLE if word in ARTICLES else NEGATION if is_negation(word) else PLAIN
        known = (word, stemmed, kind)
        if len(_WORDS) >= _CACHE_LIMIT:
            _WORDS.clear()
        _WORDS[raw] = known
    return known


def _clause_break(gap: str) -> int:
    if len(_GAPS) >= _CACHE_LIMIT:
        _GAPS.clear()
    brk = _GAPS[gap] = 1 if _CLAUSE_BREAK(gap) else 0
    return brk


def tokenise(text: str) -> Tokens:
    """Words of `text`, articles dropped, with what is needed to find their offsets.

    This runs for every answer rated, so it is written as whole-list operations that run in C:
    one regex split into [gap, word, gap, word, …, gap], offsets from running sums of lengths,
    clause numbers from running counts of gaps that end a clause, word facts from a cache.
    """
    parts = _SPLIT.split(text)
    raws = parts[1::2]
    if not raws:
        return Tokens()
    breaks = list(map(_GAPS.get, parts[0:-1:2]))
    if None in breaks:
        breaks = [_clause_break(g) if b is None else b for b, g in zip(breaks, parts[0:-1:2])]
    clauses = list(accumulate(breaks))
    entries = list(map(_WORDS.get, raws))
    if None in entries:
        entries = [e or normalise(r) for e, r in zip(entries, raws)]
    words, stems, kinds = map(list, zip(*entries))
    ends = list(accumulate(map(len, parts)))
    if not any(kinds):
        return Tokens(words, stems, clauses, [], 0, ends)
    raw = None
    articles = kinds.count(ARTICLE)
    if articles:
        keep = list(map(ARTICLE.__ne__, kinds))
        raw = list(compress(range(len(kinds)), keep))
        words, stems = list(compress(words, keep)), list(compress(stems, keep))
        clauses, kinds = list(compress(clauses, keep)), list(compress(kinds, keep))
    negations = list(compress(range(len(kinds)), map(NEGATION.__eq__, kinds))) if NEGATION in kinds else []
    return Tokens(words, stems, clauses, negations, articles, ends, raw)


def phrase_words(phrase: str) -> tuple[str, ...]:
    """The normalised words of a rubric phrase, articles dropped."""
    words = (normalise(m[1])[0] for m in _SCAN.finditer(phrase) if m[1])
    return tuple(w for w in words if w not in ARTICLES)


def stem(word: str) -> str:
    return normalise(word)[1]
