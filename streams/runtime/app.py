"""The Faust application of a worker: one thin agent per stage, each on its own topic.

`create_app` builds the Faust app, gathers what the agents share in a WorkerContext
(streams/runtime/context.py), and registers the agents of the stages asked for:
enrichment (agents.py), alerts and webhooks (alerting.py), and the web pages (web.py).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterable
from pathlib import Path

import faust

from streams.alerts.store import RulesView
from streams.config import Settings
from streams.nlp.pipeline import Enricher
from streams.runtime import codec
from streams.runtime.agents import add_enrichment_agents
from streams.runtime.alerting import add_alerting, add_delivery, add_rules_reader
from streams.runtime.context import WorkerContext
from streams.runtime.faust_compat import shorten_fetch_wait
from streams.runtime.heap import freeze_long_lived
from streams.runtime.kafka_io import MAX_MESSAGE_BYTES
from streams.runtime.readiness import PROBE_INTERVAL, probe_broker
from streams.runtime.stories import add_stories_agent
from streams.runtime.web import add_web_pages
from streams.topology import ALL_TOPIC_SUFFIXES, STAGE_NAMES

log = logging.getLogger("wirewatch")

LAG_INTERVAL = 5.0  # seconds between consumer-lag measurements


def create_app(settings: Settings, stages: Iterable[str] = STAGE_NAMES, enricher: Enricher | None = None) -> faust.App:
    """Build the Faust app for the given stages (all of them by default)."""
    stages = list(stages)
    unknown = [stage for stage in stages if stage not in STAGE_NAMES]
    if unknown:
        raise ValueError(f"unknown stage(s): {', '.join(unknown)}; known: {', '.join(STAGE_NAMES)}")
    codec.register_faust_codec()
    shorten_fetch_wait(settings.fetch_wait_ms)
    app = build_faust_app(settings)
    enricher = enricher or Enricher(settings)
    raw_topics, json_topics = declare_topics(app, settings)
    ctx = WorkerContext(app=app, settings=settings, stages=stages, enricher=enricher,
                        raw_topics=raw_topics, json_topics=json_topics, rules=RulesView(settings))
    add_enrichment_agents(ctx)
    if ctx.runs("stories"):
        add_stories_agent(ctx)
    if ctx.runs("alerts", "deliver"):
        add_rules_reader(ctx)
    if ctx.runs("alerts"):
        add_alerting(ctx)
    if ctx.runs("deliver"):
        add_delivery(ctx)
    add_web_pages(ctx)
    add_worker_tasks(ctx)
    return app


def build_faust_app(settings: Settings) -> faust.App:
    """The Faust app with the worker's broker, timeouts and web server settings."""
    datadir = Path(settings.data_dir).expanduser() / "faust"
    datadir.mkdir(parents=True, exist_ok=True)
    return faust.App(
        settings.app_id,
        broker=settings.faust_broker,
        value_serializer="raw",
        key_serializer="raw",
        store="memory://",
        datadir=str(datadir),
        topic_partitions=settings.partitions,
        topic_replication_factor=settings.replication,
        topic_allow_declare=False,
        broker_session_timeout=settings.session_timeout,
        broker_heartbeat_interval=settings.heartbeat_interval,
        broker_rebalance_timeout=settings.session_timeout,
        broker_request_timeout=max(30.0, settings.session_timeout * 2),
        broker_commit_interval=1.0,
        consumer_auto_offset_reset="earliest",
        web_port=settings.web_port,
        web_host=settings.web_host,
        web_bind=settings.web_host,
        web_enabled=True,
        producer_acks=-1,
        producer_max_request_size=MAX_MESSAGE_BYTES,
        **faust_credentials(settings),
    )


def declare_topics(app: faust.App, settings: Settings) -> tuple[dict, dict]:
    """Every pipeline topic twice: as raw bytes (what agents read, and tombstones) and with the
    orjson codec (what agents write). Topic creation is ensure_topics' job, not Faust's."""
    raw = {suffix: app.topic(settings.topic(suffix), value_serializer="raw", key_serializer="raw")
           for suffix in ALL_TOPIC_SUFFIXES}
    encoded = {suffix: app.topic(settings.topic(suffix), value_serializer="orjson", key_serializer="raw")
               for suffix in ALL_TOPIC_SUFFIXES}
    return raw, encoded


def add_worker_tasks(ctx: WorkerContext) -> None:
    """Consumer lag for /metrics, and the spaCy models loaded before the first article."""
    app = ctx.app

    @app.timer(interval=LAG_INTERVAL)
    async def measure_lag():
        ctx.metrics.record_lag(app.consumer)

    @app.task
    async def probe_broker_now_and_then():
        """For /ready: does the broker answer, independently of the consumer's own retries."""
        while True:
            ctx.health.broker_error = await probe_broker(ctx.settings)
            ctx.health.broker_checked = time.monotonic()
            await asyncio.sleep(PROBE_INTERVAL)

    @app.on_partitions_assigned.connect
    async def count_assignment(app, assigned, **kwargs):
        ctx.health.assignments += 1
        ctx.health.partitions = len(assigned)

    @app.task
    async def warm_up():
        """Load spaCy models before articles arrive, off the event loop; then freeze what was
        loaded out of the garbage collector's reach (streams/runtime/heap.py)."""
        loop = asyncio.get_running_loop()
        try:
            await loop.run_in_executor(None, ctx.enricher.warm_up, ctx.stages)
        except Exception as exc:  # a failed warm-up must not take the worker down
            log.error("warm-up failed (articles will load what they need): %s", exc)
        if ctx.settings.freeze_heap:
            frozen, seconds = await loop.run_in_executor(None, freeze_long_lived)
            log.info("%d long-lived objects frozen out of the garbage collector in %.2f s", frozen, seconds)
        log.info("wirewatch worker ready: stages %s", ",".join(ctx.stages))


def faust_credentials(settings: Settings) -> dict:
    """TLS / SASL for managed clusters, from the WIREWATCH_* settings."""
    if not settings.broker_security:
        return {}
    import ssl

    protocol = settings.broker_security.lower()
    context = ssl.create_default_context(cafile=settings.ssl_cafile) if "ssl" in protocol else None
    if not protocol.startswith("sasl"):
        return {"broker_credentials": faust.SSLCredentials(context)}
    mechanism = (settings.sasl_mechanism or "PLAIN").upper()
    # Faust's default mechanism is PLAIN; only the SCRAM ones are passed on.
    named = {"mechanism": mechanism} if mechanism.startswith("SCRAM") else {}
    credentials = faust.SASLCredentials(
        username=settings.sasl_username, password=settings.sasl_password, ssl_context=context, **named
    )
    return {"broker_credentials": credentials}
