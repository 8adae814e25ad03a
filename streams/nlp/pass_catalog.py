"""Every stage's named passes in one list, and checking the names a user asks to switch off."""

from __future__ import annotations

from typing import Iterable

from streams.nlp.entities import PASSES as ENTITY_PASSES
from streams.nlp.passes import Pass
from streams.nlp.quotes import PASSES as QUOTE_PASSES


class UnknownPass(ValueError):
    """A pass name that no stage declares; the message lists the known ones."""


def all_passes() -> tuple[Pass, ...]:
    """Every pass of every stage, in pipeline order."""
    return tuple(ENTITY_PASSES) + tuple(QUOTE_PASSES)


def check_pass_names(names: Iterable[str]) -> frozenset[str]:
    """The names as a set, or UnknownPass naming the first unknown one."""
    known = {p.name for p in all_passes()}
    chosen = frozenset(n.strip() for n in names if n and n.strip())
    unknown = sorted(chosen - known)
    if unknown:
        raise UnknownPass(f"unknown pass {unknown[0]!r}; known passes: {', '.join(sorted(known))}")
    return chosen
