"""The attribute ruler's attributes written by array, for ``nlp.pipe``.

spaCy's AttributeRuler sets its attributes match by match, each through a Span and a Token:
about 800 matches in an English article, most of them the tag map's one-token patterns. What a
token ends with is, for each attribute, the value of the last rule (in the ruler's order) whose
match sets that token. So:

- One-token patterns: whether one matches a token depends only on which of the patterns'
  constraints the token's values meet, column by column. Each value of a column gets a class
  (the set of constraints it meets) and each combination of classes, once, the last rule setting
  each attribute; a doc costs a few numpy passes and one lookup per distinct combination.
- The other patterns (several tokens, or an index inside the match) are found by the index
  (attribute_index.py) and win over the first kind where their rule comes later.

The Doc is the one the ruler's own ``__call__`` gives (tests/test_attribute_writes.py compares
every attribute); a doc that cannot be written this way goes through that ``__call__``.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy
from spacy.attrs import DEP, IDS as ATTR_IDS, LEMMA, MORPH, POS, TAG
from spacy.tokens import Doc

from streams.nlp.annotate.attribute_index import (
    INDEXED_ATTRS,
    AttributeIndex,
    Constraint,
    UnsupportedPattern,
    constraint,
)

WRITTEN_ATTRS = frozenset({TAG, POS, MORPH, LEMMA, DEP})
"""Attributes written by array: each lands on the token alone (spaCy's set_token_attrs also
writes an attribute to the lexeme, where these have no field)."""

CLASS_BITS = 15  # a combination of up to four column classes packs into one int64 key
MAX_KNOWN_VALUES = 100_000  # per column: the value -> class memo starts again past this


class Unwritable(ValueError):
    """The ruler sets something, or uses a pattern, that cannot be written by array."""


class ColumnClasses:
    """For one token attribute: which of the one-token patterns' constraints on it a value
    meets, as a small class id (values meeting the same constraints share it)."""

    def __init__(self, constraints: list[Constraint], strings: Any):
        self.constraints = constraints
        self.strings = strings
        self.masks: list[int] = []  # class id -> bit n set when constraint n holds
        self._ids: dict[int, int] = {}
        self._of_value: dict[int, int] = {}
        self._new_class = threading.Lock()  # a class id is handed out once, even from two threads

    def of(self, value: int) -> int:
        cls = self._of_value.get(value)
        if cls is None:
            mask = sum(1 << n for n, c in enumerate(self.constraints) if c.holds(value, self.strings))
            with self._new_class:
                cls = self._ids.get(mask)
                if cls is None:
                    self.masks.append(mask)
                    cls = self._ids[mask] = len(self.masks) - 1
            if len(self._of_value) >= MAX_KNOWN_VALUES:
                self._of_value.clear()
            self._of_value[value] = cls
        return cls

    def classes(self, column: numpy.ndarray) -> numpy.ndarray:
        """The class of each token's value (one lookup per distinct value)."""
        distinct, inverse = numpy.unique(column, return_inverse=True)
        return numpy.array([self.of(value) for value in distinct.tolist()], dtype=numpy.int64)[inverse]


@dataclass(frozen=True)
class Single:
    """A one-token pattern whose rule sets the matched token: its constraints as (column, bit)."""

    rule: int
    needs: tuple[tuple[int, int], ...]


class AttributeWriter:
    """Writes an AttributeRuler's attributes by array (see the module)."""

    def __init__(self, ruler: Any):
        self.ruler = ruler
        self.attrs = sorted({attr for rule in ruler.attrs for attr in rule}, key=str)
        if not self.attrs or any(attr not in WRITTEN_ATTRS for attr in self.attrs):
            raise Unwritable(f"the ruler sets {self.attrs}")
        self.values = numpy.zeros((len(ruler.attrs), len(self.attrs)), dtype=numpy.uint64)
        self.sets = numpy.zeros(self.values.shape, dtype=bool)
        for rule, rule_attrs in enumerate(ruler.attrs):
            for n, attr in enumerate(self.attrs):
                if attr in rule_attrs:
                    self.values[rule, n], self.sets[rule, n] = rule_attrs[attr], True
        self.indices = tuple(ruler.indices)
        self._rules, self._rule_count = ruler.attrs, len(ruler.attrs)  # to notice rules changed after
        self.others = AttributeIndex(ruler, keep=lambda pattern: not self._single(pattern.rule, pattern.tokens))
        self._read_singles(ruler)
        self._row_of: dict[int, int] = {}  # class combination -> its row in _rows
        self._rows = numpy.zeros((0, len(self.attrs)), dtype=numpy.int64)  # last rule per attribute
        self._new_row = threading.Lock()
        # the columns of `attrs` that patterns also read: put back as they were before a fallback
        read = {ATTR_IDS[name] for name in INDEXED_ATTRS}
        self._matched_on = [n for n, attr in enumerate(self.attrs) if attr in read]

    def _single(self, rule: int, tokens: tuple) -> bool:
        return len(tokens) == 1 and self.indices[rule] in (0, -1)

    def _read_singles(self, ruler: Any) -> None:
        names: dict[str, int] = {}
        by_column: dict[int, list[Constraint]] = {}
        self.singles: list[Single] = []
        for rule in range(len(ruler.attrs)):
            for pattern in ruler.matcher.get(str(rule))[1]:
                if len(pattern) != 1 or self.indices[rule] not in (0, -1):
                    continue
                needs = []
                for name, spec in pattern[0].items():
                    c = constraint(name, spec, ruler.vocab.strings, names)
                    known = by_column.setdefault(c.column, [])
                    if c not in known:
                        known.append(c)
                    needs.append((c.column, known.index(c)))
                self.singles.append(Single(rule, tuple(needs)))
        if len(names) > 4:
            raise Unwritable("one-token patterns on more than four attributes")
        self.columns = [ATTR_IDS[name] for name in sorted(names, key=names.get)]
        self.classes = [ColumnClasses(by_column.get(n, []), ruler.vocab.strings) for n in range(len(names))]

    def pipe(self, stream: Iterable[Doc], *, batch_size: int = 128) -> Iterator[Doc]:
        """The ruler's ``pipe`` (what ``nlp.pipe`` calls)."""
        for doc in stream:
            yield self(doc)

    def __call__(self, doc: Doc) -> Doc:
        if not len(doc) or self.ruler.attrs is not self._rules or len(self.ruler.attrs) != self._rule_count:
            return self.ruler(doc)  # empty, or rules added or cleared since this writer was built
        try:
            last = self.last_rules(doc)
        except Exception:  # the ruler's own path raises its own error, through its error handler
            return self.ruler(doc)
        if last is None:
            return self.ruler(doc)
        array = doc.to_array(self.attrs).reshape(len(doc), len(self.attrs))
        before = array[:, self._matched_on].copy()
        tokens, columns = numpy.nonzero(last >= 0)
        array[tokens, columns] = self.values[last[tokens, columns], columns]
        try:
            doc.from_array(self.attrs, array)
        except (KeyError, ValueError):
            # from_array stopped part way (a morphology string it cannot read): put back what the
            # patterns read, so that the ruler's own pass matches as it would have, and sets the rest
            if self._matched_on:
                doc.from_array([self.attrs[n] for n in self._matched_on], before)
            return self.ruler(doc)
        return doc

    def last_rules(self, doc: Doc) -> numpy.ndarray | None:
        """For each token and attribute, the last rule setting it (-1: none); None when a match
        cannot be placed (a rule's index outside its match: the ruler's own error)."""
        last = self._single_rules(doc)
        for rule, _key, start, end in self.others.match(doc):
            index = self.indices[rule]
            token = start + index if index >= 0 else end + index
            if not start <= token < end:
                return None
            row = last[token]
            numpy.maximum(row, numpy.where(self.sets[rule], rule, -1), out=row)
        return last

    def _single_rules(self, doc: Doc) -> numpy.ndarray:
        if not self.columns:  # no one-token pattern reads anything: each matches every token
            return numpy.tile(self._row(()), (len(doc), 1))
        array = doc.to_array(self.columns).reshape(len(doc), len(self.columns))
        classes = numpy.stack([c.classes(array[:, n]) for n, c in enumerate(self.classes)], axis=1)
        if classes.max() >= 1 << CLASS_BITS:  # never seen; the combinations would not pack
            return numpy.stack([self._row(tuple(row)) for row in classes.tolist()])
        keys = classes @ (1 << (CLASS_BITS * numpy.arange(len(self.columns), dtype=numpy.int64)))
        distinct, first, inverse = numpy.unique(keys, return_index=True, return_inverse=True)
        row_of = self._row_of
        rows = [row_of.get(key, -1) for key in distinct.tolist()]
        if -1 in rows:  # combinations met for the first time: worked out once
            for n, at in enumerate(first.tolist()):
                if rows[n] == -1:
                    rows[n] = self._add_row(int(distinct[n]), self._row(tuple(classes[at].tolist())))
        return self._rows[numpy.array(rows, dtype=numpy.int64)[inverse]]

    def _add_row(self, key: int, row: numpy.ndarray) -> int:
        """Remember a combination's row; the table grows before the key points into it."""
        with self._new_row:
            if key not in self._row_of:
                self._rows = numpy.vstack([self._rows, row])
                self._row_of[key] = len(self._rows) - 1
            return self._row_of[key]

    def _row(self, classes: tuple[int, ...]) -> numpy.ndarray:
        """The last rule setting each attribute on a token of these column classes."""
        masks = [self.classes[n].masks[cls] for n, cls in enumerate(classes)]
        row = numpy.full(len(self.attrs), -1, dtype=numpy.int64)
        for single in self.singles:
            if all(masks[column] >> bit & 1 for column, bit in single.needs):
                numpy.maximum(row, numpy.where(self.sets[single.rule], single.rule, -1), out=row)
        return row


def write_by_array(ruler: Any) -> bool:
    """Give an AttributeRuler the array writer for ``nlp.pipe``; False when its rules need
    spaCy's own path (then it keeps it)."""
    try:
        writer = AttributeWriter(ruler)
    except (Unwritable, UnsupportedPattern, KeyError):
        return False
    ruler.pipe = writer.pipe
    return True
