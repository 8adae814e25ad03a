"""Named rule passes: the entity and quote rules as an ordered list that can be switched off.

Each stage package declares ``PASSES``, its passes in the order they run.  A pass is named
``<stage>.<rule>`` (``entities.descriptions``, ``quotes.inherit-speakers``); ``wirewatch eval
--disable-pass NAME`` (or ``WIREWATCH_DISABLE_PASSES``) runs the pipeline without it, so what
each rule is worth can be measured (docs/passes.md).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Pass:
    name: str  # "<stage>.<rule>"
    summary: str  # one line: what it adds or removes
