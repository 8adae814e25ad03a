"""The attribute ruler's matches found by lookup instead of by spaCy's Matcher.

A stock pipeline's ``attribute_ruler`` (tag map and exceptions: TAG -> POS and MORPH, a few
lemmas) runs spaCy's Matcher, which tries every pattern at every token: with the 179 patterns
of en_core_web_sm that is about a sixth of the whole English parse (docs/benchmarks.md). Its
patterns are all short runs of exact attribute values, so an index from the first token's
values to the patterns that start with them finds the same matches at a fraction of the cost.
The matches are the very ones the Matcher returns, in the ruler's own order, so the ruler sets
the same attributes: a pipeline with a pattern the index cannot express keeps the Matcher.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy
from spacy.attrs import IDS as ATTR_IDS
from spacy.language import Language
from spacy.tokens import Doc

INDEXED_ATTRS = ("ORTH", "LOWER", "NORM", "TAG", "POS", "DEP", "LEMMA", "IS_SPACE", "IS_PUNCT")
"""Token attributes whose exact value the index can compare (what doc.to_array returns)."""

Match = tuple[int, int, int, int]
"""(rule index, match key hash, start, end): AttributeRuler.match's items."""


@dataclass(frozen=True)
class Constraint:
    """One attribute of one pattern token: its value in (or, negated, not in) `values`, or, with
    `regexes`, its string matching (or not) any of them: spaCy's equality, IN, NOT_IN and REGEX."""

    column: int
    values: frozenset[int] = frozenset()
    regexes: tuple[re.Pattern, ...] = ()
    negated: bool = False

    def holds(self, value: int, strings: Any) -> bool:
        if self.regexes:
            text = strings[value]
            found = any(regex.search(text) for regex in self.regexes)
        else:
            found = value in self.values
        return found != self.negated


@dataclass(frozen=True)
class IndexedPattern:
    rule: int  # the ruler's rule index: later rules take precedence
    key: int  # the Matcher key's hash, as the Matcher reports it
    tokens: tuple[tuple[Constraint, ...], ...]


class UnsupportedPattern(ValueError):
    """A pattern uses an operator or an attribute the index does not compare."""


def attribute_value(value: Any, strings: Any) -> int:
    """A pattern value as the Matcher compares it (a string's id; a symbol keeps its own)."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, str):
        return strings.add(value)
    if isinstance(value, int):
        return value
    raise UnsupportedPattern(repr(value))


def constraint(name: str, spec: Any, strings: Any, columns: dict[str, int]) -> Constraint:
    """One attribute of a pattern token; registers the attribute's column."""
    name = name.upper()
    if name not in INDEXED_ATTRS:
        raise UnsupportedPattern(name)
    column = columns.setdefault(name, len(columns))
    if not isinstance(spec, dict):
        return Constraint(column, frozenset({attribute_value(spec, strings)}))
    if len(spec) != 1:
        raise UnsupportedPattern(f"{name}: {spec!r}")
    ((operator, argument),) = spec.items()
    if operator == "REGEX" and isinstance(argument, str):
        return Constraint(column, regexes=(re.compile(argument),))
    if operator in ("IN", "NOT_IN") and isinstance(argument, (list, tuple, set)):
        return Constraint(column, frozenset(attribute_value(v, strings) for v in argument),
                          negated=operator == "NOT_IN")
    raise UnsupportedPattern(f"{name}: {spec!r}")


def lookup_keys(token: tuple[Constraint, ...]) -> tuple[tuple[int, ...], list[tuple[int, ...]], tuple[Constraint, ...]]:
    """How to look a pattern's first token up: the columns, every tuple of their values that
    matches, and the constraints left to check. The columns are those of its exact values, else
    of its narrowest IN; no columns: the pattern is tried at every token."""
    exact = [c for c in token if len(c.values) == 1 and not c.negated and not c.regexes]
    if not exact:
        sets = [c for c in token if c.values and not c.negated and not c.regexes]
        if not sets:
            return (), [()], token
        narrowest = min(sets, key=lambda c: len(c.values))
        rest = tuple(c for c in token if c is not narrowest)
        return (narrowest.column,), [(value,) for value in sorted(narrowest.values)], rest
    exact.sort(key=lambda c: c.column)
    rest = tuple(c for c in token if c not in exact)
    return tuple(c.column for c in exact), [tuple(next(iter(c.values)) for c in exact)], rest


@dataclass(frozen=True)
class Candidate:
    """A pattern reached through the index: what is left to check, from its first token on."""

    pattern: IndexedPattern
    first_rest: tuple[Constraint, ...]
    certain: bool = False  # one token, nothing left to check: the lookup is the match

    @classmethod
    def of(cls, pattern: IndexedPattern, first_rest: tuple[Constraint, ...]) -> Candidate:
        return cls(pattern, first_rest, not first_rest and len(pattern.tokens) == 1)


class AttributeIndex:
    """The matches of an AttributeRuler's patterns, found through an index (see the module)."""

    def __init__(self, ruler: Any, keep: Callable[[IndexedPattern], bool] = lambda pattern: True):
        """`keep`: which patterns to index (attribute_writes.py finds one-token ones otherwise)."""
        self.strings = ruler.vocab.strings
        self.columns: dict[str, int] = {}
        groups: dict[tuple[int, ...], dict[tuple[int, ...], list[Candidate]]] = {}
        self.anywhere: list[Candidate] = []  # nothing to look up: tried at every token
        for rule in range(len(ruler.attrs)):
            key = str(rule)
            for pattern in ruler.matcher.get(key)[1]:
                if not pattern:
                    raise UnsupportedPattern("empty pattern")
                tokens = tuple(tuple(constraint(name, spec, self.strings, self.columns) for name, spec in token.items())
                               for token in pattern)
                entry = IndexedPattern(rule, self.strings[key], tokens)
                if not keep(entry):
                    continue
                columns, keys, rest = lookup_keys(tokens[0])
                if not columns:
                    self.anywhere.append(Candidate.of(entry, rest))
                    continue
                for values in keys:
                    groups.setdefault(columns, {}).setdefault(values, []).append(Candidate.of(entry, rest))
        self.attr_ids = [ATTR_IDS[name] for name in sorted(self.columns, key=self.columns.get)]
        self.groups = [(columns, by_values, numpy.array(sorted({v[0] for v in by_values}), dtype=numpy.uint64))
                       for columns, by_values in groups.items()]
        self._regex_results: dict[tuple[int, int], bool] = {}

    @property
    def empty(self) -> bool:
        """No pattern indexed: nothing can match."""
        return not self.groups and not self.anywhere

    def match(self, doc: Doc) -> list[Match]:
        """What AttributeRuler.match returns for `doc`: every match, sorted (later rules last)."""
        if not len(doc) or self.empty:
            return []
        if self.attr_ids:
            array = doc.to_array(self.attr_ids).reshape(len(doc), len(self.attr_ids))
        else:  # every pattern is made of tokens without constraints: each matches anywhere
            array = numpy.zeros((len(doc), 0), dtype=numpy.uint64)
        table = array.tolist()
        found: set[Match] = set()
        for columns, by_values, first_values in self.groups:
            column = array[:, columns[0]]
            starts = numpy.flatnonzero(numpy.isin(column, first_values)).tolist()
            if len(columns) == 1:  # the key is the one value (most tokens go this way)
                keys = [(value,) for value in column[starts].tolist()]
            else:
                keys = [tuple(table[start][c] for c in columns) for start in starts]
            for start, key in zip(starts, keys):
                for candidate in by_values.get(key, ()):
                    if candidate.certain:
                        found.add((candidate.pattern.rule, candidate.pattern.key, start, start + 1))
                    else:
                        self._add_if_matches(table, start, candidate, found)
        for candidate in self.anywhere:
            for start in self._first_token_holds(array, candidate.first_rest):
                self._add_if_matches(table, start, candidate, found)
        if len(self._regex_results) > 200_000:
            self._regex_results.clear()
        return sorted(found)

    def _first_token_holds(self, array: numpy.ndarray, constraints: tuple[Constraint, ...]) -> list[int]:
        """The tokens that meet every constraint, each checked once per distinct value."""
        keep = numpy.ones(len(array), dtype=bool)
        for constraint in constraints:
            distinct, inverse = numpy.unique(array[:, constraint.column], return_inverse=True)
            keep &= numpy.array([self._holds(constraint, value) for value in distinct.tolist()], dtype=bool)[inverse]
        return numpy.flatnonzero(keep).tolist()

    def _holds(self, constraint: Constraint, value: int) -> bool:
        if not constraint.regexes:
            return constraint.holds(value, self.strings)
        key = (id(constraint), value)
        result = self._regex_results.get(key)
        if result is None:
            result = self._regex_results[key] = constraint.holds(value, self.strings)
        return result

    def _add_if_matches(self, table: list[list[int]], start: int, candidate: Candidate, found: set[Match]) -> None:
        pattern = candidate.pattern
        end = start + len(pattern.tokens)
        if end > len(table):
            return
        checks = zip(table[start:end], (candidate.first_rest, *pattern.tokens[1:]))
        for row, constraints in checks:
            for constraint in constraints:
                if not self._holds(constraint, row[constraint.column]):
                    return
        found.add((pattern.rule, pattern.key, start, end))


def index_attribute_rulers(nlp: Language, names: Sequence[str] = ("attribute_ruler",)) -> list[str]:
    """Give each named attribute ruler of `nlp` the index; returns those that took it (a ruler
    with a pattern the index cannot express keeps spaCy's Matcher)."""
    indexed = []
    for name in names:
        if name not in nlp.pipe_names:
            continue
        ruler = nlp.get_pipe(name)
        try:
            index = AttributeIndex(ruler)
        except (UnsupportedPattern, KeyError):
            continue
        ruler.match = index.match  # AttributeRuler.__call__ calls self.match(doc)
        indexed.append(name)
    return indexed
