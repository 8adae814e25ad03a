"""A `wirewatch worker` with exceptions injected into its agents: for tests only.

Why a separate entry point: the faults are patched into WorkerContext and the Enricher before the
app is built, in the worker's own process, so the runtime carries no hook and pays nothing for
it (nothing outside the harness imports this module). Run it as
`python -m streams.harness.faults.agent_faults worker [OPTIONS]`, like `wirewatch worker`.

An article chooses its fault by markers in its id:

- `crash-<stage>`: that stage's send onwards raises (`forward`, or the annotate stage's
  `forward_batch`): the point outside the agents' per-event `try`, where an exception used to
  leave the agent and let Faust acknowledge the article unfinished;
- `crash-fused`: the fused agent's sends raise (`hand_over_records` with records of several
  stages: a worker with WIREWATCH_FUSE_STAGES on, streams/runtime/agents.py);
- `fail-<stage>`: the stage function itself raises (a parsed stage: entities, quotes, topics);
- `dlfail`: the first dead letter written for the article raises too (from inside the
  agent's `except`, also outside any `try`).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

INJECTED = "injected fault"


class InjectedFault(RuntimeError):
    """What the hooks raise: an error no stage expects."""


def marked(article_id: Any, marker: str) -> bool:
    return isinstance(article_id, str) and marker in article_id


def event_key(event: Any) -> str:
    key = getattr(getattr(event, "message", None), "key", None)
    return key.decode("utf-8", "replace") if isinstance(key, bytes) else str(key)


def install() -> None:
    """Patch the hooks in; call before the app is built (stage functions are bound then)."""
    from streams.nlp.pipeline import Enricher
    from streams.runtime.context import WorkerContext

    forward, forward_batch = WorkerContext.forward, WorkerContext.forward_batch
    hand_over_records = WorkerContext.hand_over_records
    send_dead_letter = WorkerContext.send_dead_letter
    letters_failed: set[str] = set()

    async def crashing_forward(self, stage: str, event: Any, target: str, result: dict) -> None:
        if marked(result.get("id"), f"crash-{stage}"):
            raise InjectedFault(f"{INJECTED}: {stage} forward")
        await forward(self, stage, event, target, result)

    async def crashing_forward_batch(self, stage: str, target: str, results: list) -> None:
        if any(marked(result.get("id"), f"crash-{stage}") for _event, result in results):
            raise InjectedFault(f"{INJECTED}: {stage} forward_batch")
        await forward_batch(self, stage, target, results)

    async def crashing_hand_over_records(self, records: list) -> list:
        if len({record.stage for record in records}) > 1 and any(
                marked(record.result.get("id"), "crash-fused") for record in records):
            raise InjectedFault(f"{INJECTED}: fused hand_over_records")
        return await hand_over_records(self, records)

    async def failing_dead_letter(self, stage: str, event: Any, payload: Any, error: Any) -> None:
        key = event_key(event)
        if marked(key, "dlfail") and key not in letters_failed:
            letters_failed.add(key)
            raise InjectedFault(f"{INJECTED}: {stage} dead letter")
        await send_dead_letter(self, stage, event, payload, error)

    WorkerContext.forward = crashing_forward
    WorkerContext.forward_batch = crashing_forward_batch
    WorkerContext.hand_over_records = crashing_hand_over_records
    WorkerContext.send_dead_letter = failing_dead_letter
    for stage in ("entities", "quotes", "topics"):
        setattr(Enricher, stage, failing_stage(stage, getattr(Enricher, stage)))


def failing_stage(stage: str, function: Any) -> Any:
    def stage_function(self: Any, value: dict, *args: Any, **kwargs: Any) -> dict:
        if marked(value.get("id"), f"fail-{stage}"):
            raise ValueError(f"{INJECTED}: {stage} stage function")
        return function(self, value, *args, **kwargs)

    return stage_function


def main(argv: Sequence[str] | None = None) -> int:
    install()
    from streams.cli.main import main as wirewatch

    return wirewatch(argv)


if __name__ == "__main__":
    sys.exit(main())
