"""The enrichment agents: one thin agent per stage, each reading its own topic.

Agents only move events: they decode, call the stage function of the Enricher
(streams.nlp.pipeline), send the result on, and turn any failure into a dead letter. Each agent
loop catches, around all of an event's work, whatever its stage's own handling let through
(`WorkerContext.dead_letter_unfinished`): Faust would otherwise acknowledge the event unfinished.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable

from streams.runtime.context import EventValue, WorkerContext, decode_event, without_annotation
from streams.topology import stage_topics

STAGE_EXECUTOR = ThreadPoolExecutor(max_workers=1, thread_name_prefix="wirewatch-stages")
"""Every stage function runs in this one thread, off the event loop (a parse must not block
heartbeats and /health). One, not a pool: the parse and the rule stages hold the interpreter
lock nearly all the time, so running them side by side only adds lock hand-overs (docs/benchmarks.md)."""


def add_enrichment_agents(ctx: WorkerContext) -> None:
    """Register the agent of every enrichment stage this worker runs."""
    if ctx.runs("normalize"):
        add_normalize_agent(ctx)
    if ctx.runs("annotate"):
        add_annotate_agent(ctx)
    enricher = ctx.enricher
    for stage, function in (("entities", enricher.entities), ("quotes", enricher.quotes),
                            ("topics", enricher.topics)):
        if ctx.runs(stage):
            add_parsed_stage_agent(ctx, stage, function)


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
        async for batch in stream.take_events(settings.batch_size, within=settings.batch_within):
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
