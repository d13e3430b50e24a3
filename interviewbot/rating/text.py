"""Turning answer text into words that keep their place in the original text."""
from __future__ import annotations

import re
import threading
import unicodedata
from functools import lru_cache
from bisect import bisect_left
from dataclasses import dataclass, field
from itertools import accumulate, compress

import snowballstemmer

# A word: letters/digits, with inner apostrophes kept ("didn't", "team's").
# Hyphens split words, so "follow-up" matches the phrase "follow up".
# Clause breaks (, ; : . ! ? and new lines) bound the negation window.
_SCAN = re.compile(r"([^\W_]+(?:['’][^\W_]+)*)|[,;:.!?…\n]+")
_SPLIT = re.compile(r"([^\W_]+(?:['’][^\W_]+)*)")
# The same for ASCII text (most answers), where [^\W_] is [A-Za-z0-9]: a plain class is faster to
# test than a Unicode category, and possessive runs save the engine from keeping backtrack points.
_SPLIT_ASCII = re.compile(r"([A-Za-z0-9]++(?:'[A-Za-z0-9]++)*+)")
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
_CACHE_LIMIT = 200_000


class _Cache(dict):
    """key -> compute(key), worked out on first use; emptied when it grows past _CACHE_LIMIT.

    Looking keys up with `map(cache.__getitem__, keys)` stays in C for the keys already known.
    """

    def __init__(self, compute):
        super().__init__()
        self.compute = compute

    def __missing__(self, key):
        if len(self) >= _CACHE_LIMIT:
            self.clear()
        value = self[key] = self.compute(key)
        return value


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

    def offsets(self, first: int, last: int) -> tuple[int, int]:
        """Character offsets where word `first` starts and word `last` ends."""
        raw = self._raw
        if raw is None:
            return self._ends[2 * first], self._ends[2 * last + 1]
        return self._ends[2 * raw[first]], self._ends[2 * raw[last] + 1]

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


def _normalise(raw: str) -> tuple[str, str, int]:
    word = unicodedata.normalize("NFKC", raw).casefold().replace("’", "'")
    with _stemmer_lock:
        stemmed = _stemmer.stemWord(word)
    kind = ARTICLE if word in ARTICLES else NEGATION if is_negation(word) else PLAIN
    return word, stemmed, kind


def _token(raw: str) -> tuple[str, str, bool] | tuple[()]:
    """(word, stem, is a negation), or () for an article: empty, so filter() and compress()
    drop articles in C."""
    word, stemmed, kind = _WORDS[raw]
    return () if kind == ARTICLE else (word, stemmed, kind == NEGATION)


# Caches: raw word -> (normalised, stem, PLAIN/ARTICLE/NEGATION); raw word -> what tokenise keeps
# of it; the text between two words -> 1 when it ends a clause (few distinct gaps: " ", ", "…).
_WORDS: dict[str, tuple[str, str, int]] = _Cache(_normalise)
_TOKENS: dict[str, tuple[str, str, bool] | tuple[()]] = _Cache(_token)
_GAPS: dict[str, int] = _Cache(lambda gap: 1 if _CLAUSE_BREAK(gap) else 0)


def normalise(raw: str) -> tuple[str, str, int]:
    """(normalised word, Snowball stem, PLAIN/ARTICLE/NEGATION) of one raw word."""
    return _WORDS[raw]


def tokenise(text: str) -> Tokens:
    """Words of `text`, articles dropped, with what is needed to find their offsets.

    This runs for every answer rated, so it is written as whole-list operations that run in C:
    one regex split into [gap, word, gap, word, …, gap], offsets from running sums of lengths,
    clause numbers from running counts of gaps that end a clause, word facts from a cache, and
    articles filtered out by their empty cache entries.
    """
    parts = (_SPLIT_ASCII if text.isascii() else _SPLIT).split(text)
    raws = parts[1::2]
    if not raws:
        return Tokens()
    clauses = accumulate(map(_GAPS.__getitem__, parts[0:-1:2]))
    entries = list(map(_TOKENS.__getitem__, raws))
    ends = list(accumulate(map(len, parts)))
    kept = list(filter(None, entries))
    raw = None
    if len(kept) == len(entries):
        clauses = list(clauses)
    else:
        raw = list(compress(range(len(entries)), entries))
        clauses = list(compress(clauses, entries))
        if not kept:
            return Tokens([], [], [], [], len(entries), ends, raw)
    words, stems, negating = zip(*kept)
    negations = list(compress(range(len(negating)), negating)) if True in negating else []
    return Tokens(list(words), list(stems), clauses, negations, len(entries) - len(kept), ends, raw)


@lru_cache(maxsize=32_768)  # every rubric holds the rater's ~900 cue phrases: compile them once
def phrase_words(phrase: str) -> tuple[str, ...]:
    """The normalised words of a rubric phrase, articles dropped."""
    words = (normalise(m[1])[0] for m in _SCAN.finditer(phrase) if m[1])
    return tuple(w for w in words if w not in ARTICLES)


def stem(word: str) -> str:
    return normalise(word)[1]
