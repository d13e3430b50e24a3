"""Turning answer text into words that keep their place in the original text."""
from __future__ import annotations

import re
import threading
import unicodedata
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
_first, _second = itemgetter(0), itemgetter(1)
ARTICLES = frozenset({"a", "an", "the"})

_stemmer = snowballstemmer.stemmer("english")
# The Snowball stemmer keeps state while it works: two threads stemming at once corrupt each
# other's result (and a wrong stem would be cached below). Cache misses are rare, so a lock is cheap.
_stemmer_lock = threading.Lock()
_WORDS: dict[str, tuple[str, str]] = {}  # raw word -> (normalised, stem); bounded below
_WORDS_LIMIT = 200_000


@dataclass(slots=True)
class Tokens:
    """Words of a text as parallel lists (fast to build and scan): offsets, words, stems, clause."""

    starts: list[int] = field(default_factory=list)
    ends: list[int] = field(default_factory=list)
    words: list[str] = field(default_factory=list)  # NFKC, case-folded, straight apostrophe
    stems: list[str] = field(default_factory=list)
    clauses: list[int] = field(default_factory=list)  # negation never crosses a clause
    articles: int = 0  # "a", "an", "the": left out of the lists above, but words all the same

    def __len__(self) -> int:
        return len(self.words)

    @property
    def word_count(self) -> int:
        return len(self.words) + self.articles


def normalise(raw: str) -> tuple[str, str]:
    """(normalised word, Snowball stem) of one raw word."""
    known = _WORDS.get(raw)
    if known is None:
        word = unicodedata.normalize("NFKC", raw).casefold().replace("’", "'")
        with _stemmer_lock:
            stemmed = _stemmer.stemWord(word)
        known = (word, stemmed)
        if len(_WORDS) >= _WORDS_LIMIT:
            _WORDS.clear()
        _WORDS[raw] = known
    return known


def tokenise(text: str) -> Tokens:
    """Words of `text` with their offsets; articles are dropped (phrases ignore them too).

    This runs for every answer rated, so it is written as whole-list operations that run in C:
    one regex split into [gap, word, gap, word, …, gap], offsets from running sums of lengths,
    clause numbers from running counts of gaps that hold a clause break.
    """
    parts = _SPLIT.split(text)
    raws = parts[1::2]
    if not raws:
        return Tokens()
    sums = list(accumulate(map(len, parts)))
    starts, ends = sums[0:-1:2], sums[1::2]
    clauses = list(accumulate(map(bool, map(_CLAUSE_BREAK, parts[0:-1:2]))))
    pairs = list(map(_WORDS.get, raws))
    if None in pairs:
        pairs = [p or normalise(r) for p, r in zip(pairs, raws)]
    words = list(map(_first, pairs))
    keep = [w not in ARTICLES for w in words]
    if all(keep):
        return Tokens(starts, ends, words, list(map(_second, pairs)), clauses)
    return Tokens(list(compress(starts, keep)), list(compress(ends, keep)), list(compress(words, keep)),
                  list(compress(map(_second, pairs), keep)), list(compress(clauses, keep)),
                  articles=len(keep) - sum(keep))


def phrase_words(phrase: str) -> tuple[str, ...]:
    """The normalised words of a rubric phrase, articles dropped."""
    words = (normalise(m[1])[0] for m in _SCAN.finditer(phrase) if m[1])
    return tuple(w for w in words if w not in ARTICLES)


def stem(word: str) -> str:
    return normalise(word)[1]
