"""The enrichment agents: one thin agent per stage, each reading its own topic, and one fused
agent for the consecutive stages a worker runs together.

Agents only move events: they decode, call the stage function of the Enricher
(streams.nlp.pipeline), send the result on, and turn any failure into a dead letter. Each agent
loop catches, around all of an event's work, whatever its stage's own handling let through
(`WorkerContext.dead_letter_unfinished`): Faust would otherwise acknowledge the event unfinished.

Fused stages: a worker that runs annotate and its neighbours (normalize before it, entities,
quotes and topics after it) reads the first one's topic in one agent, runs them all on the Doc
it just parsed (streams/nlp/chain.py), and publishes every intermediate record as the
stage-by-stage agents would, marked HANDLED_HEADER. With WIREWATCH_FUSED_READS_HOPS, the
single-stage agents of the fused stages run too and pass marked records by, so that records
written by a worker that runs fewer stages are processed here; by default they do not (a mixed
deployment runs the stages such workers skip on workers of their own). Why: each hand-over
through the broker costs a consume, a decode and a Faust event per article (docs/benchmarks.md,
issue #17). WIREWATCH_FUSE_STAGES=0 turns fusing off.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from streams.nlp.chain import Failure, Outcome, run_chain
from streams.runtime.batching import take_batches
from streams.runtime.context import (
    EventValue,
    Outgoing,
    WorkerContext,
    decode_event,
    handled_upstream,
    without_annotation,
)
from streams.topology import ENRICH_STAGE_NAMES, stage_topics

POST_PARSE_STAGES = ("entities", "quotes", "topics")
FUSIBLE_STAGES: tuple[str, ...] = ENRICH_STAGE_NAMES[:5]
"""normalize … topics; not stories, which one sequencer runs for every worker (streams/runtime/stories.py)."""
READER_OF: dict[str, str] = {stage_topics(name)[0]: name for name in ENRICH_STAGE_NAMES}
"""topic suffix -> the enrichment stage that reads it."""

STAGE_EXECUTOR = ThreadPoolExecutor(max_workers=1, thread_name_prefix="wirewatch-stages")
"""Every stage function runs in this one thread, off the event loop (a parse must not block
heartbeats and /health). One, not a pool: the parse and the rule stages hold the interpreter
lock nearly all the time, so running them side by side only adds lock hand-overs (docs/benchmarks.md)."""


def add_enrichment_agents(ctx: WorkerContext) -> None:
    """Register the agent of every enrichment stage this worker runs (the first of a fused run
    is the fused agent)."""
    fused = fused_stages(ctx)
    # the Doc cache serves parsed-stage agents reading what this worker parsed; fused, they get the Doc itself
    ctx.enricher.keep_docs = any(ctx.runs(stage) and stage not in fused for stage in POST_PARSE_STAGES)
    if fused:
        add_fused_agent(ctx, fused)
    if ctx.runs("normalize") and fused[:1] != ("normalize",):
        add_normalize_agent(ctx)
    if ctx.runs("annotate") and fused[:1] != ("annotate",) and reads_own_topic(ctx, "annotate", fused):
        add_annotate_agent(ctx)
    enricher = ctx.enricher
    for stage in POST_PARSE_STAGES:
        if ctx.runs(stage) and reads_own_topic(ctx, stage, fused):
            add_parsed_stage_agent(ctx, stage, getattr(enricher, stage))


def reads_own_topic(ctx: WorkerContext, stage: str, fused: tuple[str, ...]) -> bool:
    """Whether `stage` gets its own agent on its own topic: always outside the fused run; inside
    it only with WIREWATCH_FUSED_READS_HOPS, for records that workers running fewer stages wrote
    there (the records this worker wrote are marked and passed by). Off by default: reading back
    every hop this worker wrote costs it ~5 % of its throughput (docs/benchmarks.md)."""
    return stage not in fused or ctx.settings.fused_reads_hops


def add_normalize_agent(ctx: WorkerContext) -> None:
    """wire.raw -> wire.normalized: the raw bytes as received, validated and cleaned."""
    source, target = stage_topics("normalize")

    @ctx.app.agent(ctx.raw_topics[source], name="normalize")
    async def normalize_agent(stream):
        async for event in stream.events():
            try:
                await normalize_one(ctx, event, target)
            except Exception as exc:
                await ctx.dead_letter_unfinished("normalize", [event], exc)


async def normalize_one(ctx: WorkerContext, event: Any, target: str) -> None:
    """One raw record: forwarded normalised, or dead-lettered with the reason it was refused."""
    try:
        result = ctx.enricher.normalize(event.value)
    except Exception as exc:
        await ctx.send_dead_letter("normalize", event, event.value, exc)
        return
    await ctx.forward("normalize", event, target, result)


def add_annotate_agent(ctx: WorkerContext) -> None:
    """wire.normalized -> wire.annotated: spaCy parses a batch of articles at a time."""
    source, target = stage_topics("annotate")
    settings = ctx.settings

    @ctx.app.agent(ctx.raw_topics[source], name="annotate")
    async def annotate_agent(stream):
        async for batch in take_batches(stream, settings.batch_size, settings.batch_within):
            batch = [event for event in batch if not handled_upstream(event)]
            try:
                decoded = await decode_batch(ctx, "annotate", batch)
                await ctx.forward_batch("annotate", target, await annotate_batch(ctx, decoded))
            except Exception as exc:  # which were already sent is unknown: all go (at-least-once)
                await ctx.dead_letter_unfinished("annotate", list(batch), exc)


async def decode_batch(ctx: WorkerContext, stage: str, batch: list) -> list[EventValue]:
    """(event, decoded value) for every event of `batch` that decodes; the others are dead-lettered."""
    decoded: list[EventValue] = []
    for event in batch:
        try:
            decoded.append((event, decode_event(event.value)))
        except Exception as exc:
            await ctx.send_dead_letter(stage, event, event.value, exc)
    return decoded


async def annotate_batch(ctx: WorkerContext, decoded: list[EventValue]) -> list[EventValue]:
    """Parse the batch in one call; if that fails, article by article (see annotate_one_by_one)."""
    loop = asyncio.get_running_loop()
    values = [value for _event, value in decoded]
    try:
        pairs = await loop.run_in_executor(STAGE_EXECUTOR, ctx.enricher.annotate, values)
        return [(event, result) for (event, _value), (result, _doc) in zip(decoded, pairs)]
    except Exception:
        return await annotate_one_by_one(ctx, decoded)


async def annotate_one_by_one(ctx: WorkerContext, decoded: list[EventValue]) -> list[EventValue]:
    """Parse each article alone, so that only the one that fails is dead-lettered."""
    loop = asyncio.get_running_loop()
    results: list[EventValue] = []
    for event, value in decoded:
        try:
            ((result, _doc),) = await loop.run_in_executor(STAGE_EXECUTOR, ctx.enricher.annotate, [value])
            results.append((event, result))
        except Exception as exc:
            await ctx.send_dead_letter("annotate", event, value, exc)
    return results


def add_parsed_stage_agent(ctx: WorkerContext, stage: str, function: Callable[[dict], dict]) -> None:
    """An agent for a stage that works on the parse the annotate stage added (entities, quotes,
    topics): one article at a time, off the event loop."""
    source, target = stage_topics(stage)

    async def agent(stream):
        async for event in stream.events():
            if handled_upstream(event):
                continue
            try:
                await parsed_stage_one(ctx, stage, function, event, target)
            except Exception as exc:
                await ctx.dead_letter_unfinished(stage, [event], exc, lambda event: without_annotation(event.value))

    ctx.app.agent(ctx.raw_topics[source], name=stage)(agent)


async def parsed_stage_one(ctx: WorkerContext, stage: str, function: Callable[[dict], dict], event: Any,
                           target: str) -> None:
    """One parsed article through `function`, off the event loop (see STAGE_EXECUTOR)."""
    try:
        value = decode_event(event.value)
        result = await asyncio.get_running_loop().run_in_executor(STAGE_EXECUTOR, function, value)
    except Exception as exc:
        await ctx.send_dead_letter(stage, event, without_annotation(event.value), exc)
        return
    await ctx.forward(stage, event, target, result)


def fused_stages(ctx: WorkerContext) -> tuple[str, ...]:
    """The consecutive stages around annotate that this worker runs, when there are two or more
    and fusing is on; else ()."""
    if not ctx.settings.fuse_stages or not ctx.runs("annotate"):
        return ()
    first = last = FUSIBLE_STAGES.index("annotate")
    while first > 0 and ctx.runs(FUSIBLE_STAGES[first - 1]):
        first -= 1
    while last + 1 < len(FUSIBLE_STAGES) and ctx.runs(FUSIBLE_STAGES[last + 1]):
        last += 1
    return FUSIBLE_STAGES[first:last + 1] if last > first else ()


def add_fused_agent(ctx: WorkerContext, stages: tuple[str, ...]) -> None:
    """The first stage's topic -> every stage's topic: a batch at a time, all stages in one call
    on the stage thread, every record handed to the producer; the batch is acknowledged once the
    broker has taken them all, which it confirms while the next batch parses (batching.py)."""
    source, _target = stage_topics(stages[0])
    name = f"{stages[0]}-{stages[-1]}"
    settings = ctx.settings

    @ctx.app.agent(ctx.raw_topics[source], name=name)
    async def fused_agent(stream):
        async for batch in take_batches(stream, settings.batch_size, settings.batch_within):
            events = [event for event in batch if stages[0] == "normalize" or not handled_upstream(event)]
            try:
                batch.finish = send_fused_batch(ctx, stages, name, events, await fused_batch(ctx, stages, events))
            except Exception as exc:  # which were already sent is unknown: all go (at-least-once)
                await ctx.dead_letter_unfinished(stages[0], events, exc, agent=name)


@dataclass
class ChainedBatch:
    """A fused batch through its stages: every stage's record, and the articles a stage refused."""

    records: list[Outgoing]
    failures: list[tuple[Any, Failure]]


async def fused_batch(ctx: WorkerContext, stages: tuple[str, ...], batch: list) -> ChainedBatch:
    """Run `stages` over the batch on the stage thread; sending is send_fused_batch's, which runs
    while the next batch parses (take_batches)."""
    if stages[0] == "normalize":  # normalize reads the raw bytes itself, and refuses what is not an article
        decoded = [(event, event.value) for event in batch]
    else:
        decoded = await decode_batch(ctx, stages[0], batch)
    outcomes = await asyncio.get_running_loop().run_in_executor(
        STAGE_EXECUTOR, run_chain, ctx.enricher, stages, [value for _event, value in decoded])
    records: list[Outgoing] = []
    for (event, _value), outcome in zip(decoded, outcomes):
        records.extend(fused_records(stages, event, outcome))
    failures = [(event, outcome.failure) for (event, _value), outcome in zip(decoded, outcomes)
                if outcome.failure is not None]
    return ChainedBatch(records, failures)


async def send_fused_batch(ctx: WorkerContext, stages: tuple[str, ...], name: str, events: list,
                           chained: ChainedBatch) -> None:
    """Hand the batch's records to the producer, wait for the broker to take them all, then
    dead-letter the failures (in the order a stage-by-stage worker would).

    Why after the next batch has started parsing: these are event-loop work (encoding, the
    producer) and the broker's round trip; run in the gap between two parses they left the parse
    thread idle ~5 % of a loaded worker's time, while beside the parse they overlap with the
    parser's and the network's lock-free stretches (docs/benchmarks.md, issue #17)."""
    try:
        await ctx.confirm_records(await ctx.hand_over_records(chained.records))
        for event, failure in chained.failures:
            await ctx.send_dead_letter(failure.stage, event, failure.letter_payload(), failure.error)
    except Exception as exc:  # which were already sent is unknown: all go (at-least-once)
        await ctx.dead_letter_unfinished(stages[0], events, exc, agent=name)


def fused_records(stages: tuple[str, ...], event: Any, outcome: Outcome) -> list[Outgoing]:
    """One record per stage the article passed; marked handled when the stage reading it is one
    of `stages` (it ran here: its result, or its dead letter, is sent with these)."""
    records = []
    for stage, result in outcome.outputs:
        target = stage_topics(stage)[1]
        records.append(Outgoing(stage, event, target, result, handled=READER_OF.get(target) in stages))
    return records
