"""The Faust application: one thin agent per stage, each on its own topic.

Agents only move events: they decode, call the stage function from streams.nlp.pipeline, send the
result on, and turn any failure into a dead letter, so that no article can stop an agent.
Sends are awaited until the broker has them before the source event is acknowledged, which
with Faust's commit-after-ack gives at-least-once delivery end to end.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from pathlib import Path
from typing import Any, Iterable

import aiokafka.errors
import faust
from prometheus_client import CollectorRegistry, Counter, Gauge, generate_latest

from streams.alerts.store import RulesView
from streams.config import Settings
from streams.nlp.pipeline import Enricher, dead_letter
from streams.runtime import codec
from streams.runtime.kafka_io import ALL_TOPIC_SUFFIXES as ALL_TOPICS
from streams.runtime.kafka_io import MAX_MESSAGE_BYTES
from streams.topology import ENRICH_STAGES
from streams.topology import STAGE_NAMES as STAGES

log = logging.getLogger("wirewatch")

STAGE_TOPICS = {stage.name: (stage.source, stage.target) for stage in ENRICH_STAGES}


class Metrics:
    """Prometheus counters served on the worker's /metrics."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.processed = Counter(
            "wirewatch_articles_total", "Articles processed per stage", ["stage"], registry=self.registry
        )
        self.dead_letters = Counter(
            "wirewatch_dead_letters_total", "Dead letters per stage", ["stage"], registry=self.registry
        )
        self.lag = Gauge("wirewatch_consumer_lag", "Consumer lag per topic", ["topic"], registry=self.registry)
        self.deliveries = Counter(
            "wirewatch_alert_deliveries_total", "Webhook deliveries by outcome", ["outcome"], registry=self.registry
        )


def shorten_fetch_wait(wait_ms: int) -> None:
    """Faust fixes the consumer's fetch wait at 1500 ms. Kafka answers a fetch as soon as data
    arrives, but the embedded broker holds it for the whole wait, so each of the five hops
    cost ~0.7 s there (see docs/benchmarks.md). A short wait costs Kafka nothing."""
    from faust.transport.drivers.aiokafka import AIOKafkaConsumerThread

    original = getattr(AIOKafkaConsumerThread._create_worker_consumer, "__wrapped__",
                       AIOKafkaConsumerThread._create_worker_consumer)

    def create(self, *args, **kwargs):
        consumer = original(self, *args, **kwargs)
        consumer._fetch_max_wait_ms = wait_ms  # read when the consumer starts its fetcher
        return consumer

    create.__wrapped__ = original  # type: ignore[attr-defined]
    AIOKafkaConsumerThread._create_worker_consumer = create


def create_app(settings: Settings, stages: Iterable[str] = STAGES, enricher: Enricher | None = None) -> faust.App:
    """Build the Faust app for the given stages (all of them by default)."""
    codec.register_faust_codec()
    shorten_fetch_wait(settings.fetch_wait_ms)
    stages = list(stages)
    unknown = [s for s in stages if s not in STAGES]
    if unknown:
        raise ValueError(f"unknown stage(s): {', '.join(unknown)}; known: {', '.join(STAGE_TOPICS)}")
    datadir = Path(settings.data_dir).expanduser() / "faust"
    datadir.mkdir(parents=True, exist_ok=True)
    app = faust.App(
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
        **_credentials(settings),
    )
    enricher = enricher or Enricher(settings)
    enricher.keep_docs = any(stage in stages for stage in ("entities", "quotes", "topics"))
    metrics = Metrics()
    app.wirewatch_metrics = metrics  # type: ignore[attr-defined]
    # Agents read raw bytes (so a payload that does not decode becomes a dead letter, not a
    # crash inside Faust); they write through the orjson codec.
    topics = {name: app.topic(settings.topic(name), value_serializer="raw", key_serializer="raw") for name in ALL_TOPICS}
    outputs = {name: app.topic(settings.topic(name), value_serializer="orjson", key_serializer="raw")
               for name in ALL_TOPICS}

    async def send(topic: str, key: str | bytes | None, value: Any, *, raw: bool = False) -> Any:
        """Deliver to the broker before the source event is acknowledged (at-least-once);
        returns the record's metadata (partition, offset).

        A refused message (too large, not encodable) raises at once so the caller can
        dead-letter it; a broker failure (down, leader moving, timeout) is retried until the
        write goes through, holding the partition back rather than acknowledging an article
        that was never written. `raw` sends bytes (or None, a tombstone) as they are."""
        if isinstance(key, str):
            key = key.encode("utf-8")
        channel = topics[topic] if raw else outputs[topic]
        delay = 0.2
        while True:
            try:
                future = await channel.send(key=key, value=value)
                return await future
            except TOO_LARGE:
                raise
            except (aiokafka.errors.KafkaError, OSError, asyncio.TimeoutError) as exc:
                log.warning("send to %s failed (%s); retrying in %.1fs", settings.topic(topic), exc, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)

    async def send_dead_letter(stage: str, event: Any, payload: Any, error: BaseException | str) -> None:
        metrics.dead_letters.labels(stage).inc()
        message = getattr(event, "message", None)
        letter = dead_letter(
            payload,
            stage,
            error,
            topic=getattr(message, "topic", None),
            partition=getattr(message, "partition", None),
            offset=getattr(message, "offset", None),
            key=_text_key(getattr(message, "key", None)),
        )
        log.warning("dead letter from %s: %s", stage, letter["error"])
        try:
            await send("deadletter", getattr(message, "key", None), letter)
        except TOO_LARGE:  # dead_letter() caps payloads, so only a huge error text gets here
            letter["payload"], letter["payload_truncated"] = "", True
            await send("deadletter", getattr(message, "key", None), letter)

    async def forward(stage: str, event: Any, target: str, out: dict) -> None:
        """Send a stage's result on; if the broker refuses it (too large, unencodable), dead-letter it."""
        try:
            await send(target, out["id"], out)
        except Exception as exc:
            await send_dead_letter(stage, event, {k: v for k, v in out.items() if k != "annotation"}, exc)
            return
        metrics.processed.labels(stage).inc()

    async def forward_batch(stage: str, target: str, results: list[tuple[Any, dict]]) -> None:
        """forward() for a batch: every record is handed to the producer first and the acks are
        awaited together (one round trip per batch, not per article); a record that failed
        goes through forward() again, with its retries and its dead letter."""
        pending = []
        for event, out in results:
            try:
                pending.append((event, out, await outputs[target].send(key=out["id"].encode("utf-8"), value=out)))
            except Exception:
                pending.append((event, out, None))
        for event, out, future in pending:
            try:
                if future is None:
                    raise RuntimeError("not accepted by the producer")
                await future
            except Exception:
                await forward(stage, event, target, out)
                continue
            metrics.processed.labels(stage).inc()

    loop_executor = None  # default thread pool: the parse must not block heartbeats and /health

    if "normalize" in stages:

        @app.agent(topics["raw"], name="normalize")
        async def normalize_agent(stream):
            async for event in stream.events():
                try:
                    out = enricher.normalize(event.value)
                except Exception as exc:
                    await send_dead_letter("normalize", event, event.value, exc)
                    continue
                await forward("normalize", event, "normalized", out)

    if "annotate" in stages:

        @app.agent(topics["normalized"], name="annotate")
        async def annotate_agent(stream):
            loop = asyncio.get_running_loop()
            async for batch in stream.take_events(settings.batch_size, within=settings.batch_within):
                decoded: list[tuple[Any, dict]] = []
                for event in batch:
                    try:
                        decoded.append((event, _decode_event(event.value)))
                    except Exception as exc:
                        await send_dead_letter("annotate", event, event.value, exc)
                values = [value for _event, value in decoded]
                try:
                    pairs = await loop.run_in_executor(loop_executor, enricher.annotate, values)
                    results = [(event, out) for (event, _value), (out, _doc) in zip(decoded, pairs)]
                except Exception:
                    results = []
                    for event, value in decoded:  # isolate the article that failed
                        try:
                            ((out, _doc),) = await loop.run_in_executor(loop_executor, enricher.annotate, [value])
                            results.append((event, out))
                        except Exception as exc:
                            await send_dead_letter("annotate", event, value, exc)
                await forward_batch("annotate", "annotated", results)

    def simple_stage(stage: str, function) -> None:
        source, target = STAGE_TOPICS[stage]

        async def agent(stream):
            loop = asyncio.get_running_loop()
            async for event in stream.events():
                try:
                    value = _decode_event(event.value)
                    out = await loop.run_in_executor(loop_executor, function, value)
                except Exception as exc:
                    await send_dead_letter(stage, event, _without_annotation(event.value), exc)
                    continue
                await forward(stage, event, target, out)

        app.agent(topics[source], name=stage)(agent)

    for stage, function in (("entities", enricher.entities), ("quotes", enricher.quotes), ("topics", enricher.topics)):
        if stage in stages:
            simple_stage(stage, function)

    rules = RulesView(settings)
    recent_alerts: deque[dict] = deque(maxlen=200)
    if "alerts" in stages or "deliver" in stages:

        @app.task
        async def load_rules():
            await rules.run()

    if "alerts" in stages:
        add_alerting(app, settings, topics, rules, send, send_dead_letter, metrics, recent_alerts)
    if "deliver" in stages:
        add_delivery(app, topics, rules, send_dead_letter, metrics)
    add_web_api(app, settings, topics, rules, recent_alerts, send)

    @app.page("/health")
    async def health(web, request):
        return web.json({"status": "ok", "stages": stages})

    @app.page("/metrics")
    async def metrics_page(web, request):
        return web.bytes(generate_latest(metrics.registry), content_type="text/plain; version=0.0.4")

    @app.timer(interval=5.0)
    async def measure_lag():
        """Consumer lag per topic: high-water mark minus the next offset this worker reads."""
        consumer = app.consumer
        lag: dict[str, int] = {}
        read_offsets = getattr(consumer, "_read_offset", {})  # Faust keeps no public accessor
        for tp in consumer.assignment():
            highwater = consumer.highwater(tp)
            position = read_offsets.get(tp)
            if highwater is not None and position is not None:
                lag[tp.topic] = lag.get(tp.topic, 0) + max(0, highwater - position - 1)
        for topic, value in lag.items():
            metrics.lag.labels(topic).set(value)

    @app.task
    async def warm_up():
        """Load spaCy models before articles arrive, off the event loop."""
        try:
            await asyncio.get_running_loop().run_in_executor(None, enricher.warm_up, stages)
        except Exception as exc:  # a failed warm-up must not take the worker down
            log.error("warm-up failed (articles will load what they need): %s", exc)
        log.info("wirewatch worker ready: stages %s", ",".join(stages))

    return app


DELIVERIES_AT_ONCE = 8


async def _until_ready(ready: asyncio.Event | Any, what: str) -> None:
    """Wait for an asyncio.Event (or an async callable that raises until it succeeds), warning
    every 30 s; never gives up, like a send to a broker that is down."""
    if isinstance(ready, asyncio.Event):
        if ready.is_set():
            return
        waited = 0
        while True:
            try:
                await asyncio.wait_for(ready.wait(), timeout=30)
                return
            except asyncio.TimeoutError:
                waited += 30
                log.warning("still waiting for %s after %d s; holding the partition", what, waited)
    delay = 1.0
    while True:
        try:
            await ready()
            return
        except Exception as exc:
            log.warning("%s is not current (%s); retrying in %.0f s, holding the partition", what, exc, delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 30.0)


TOO_LARGE = (aiokafka.errors.MessageSizeTooLargeError, aiokafka.errors.RecordTooLargeError,
             aiokafka.errors.RecordListTooLargeError)


def add_alerting(app, settings, topics, rules, send, send_dead_letter, metrics, recent_alerts) -> None:
    """wire.enriched -> rules -> wire.alerts, once per (rule, article) thanks to wire.alert-state."""
    from streams.alerts.matching import (
        ArticleView,
        build_alert,
        decide,
        expired_keys,
        match_rule,
        rfc3339,
    )
    from streams.alerts.state import AlertStateStore

    state = AlertStateStore(settings, lambda key, value: send("alert-state", key, value, raw=True))

    @app.task
    async def follow_alert_state():
        await state.run()

    @app.on_partitions_assigned.connect
    async def state_may_be_stale(app, assigned, **kwargs):
        state.mark_stale()

    @app.timer(interval=3600.0)
    async def expire_alert_state():
        """Tombstone dedup entries past WIREWATCH_ALERT_STATE_DAYS (every worker may do it: a
        second tombstone for the same key changes nothing)."""
        if not state.reader.loaded.is_set():
            return
        retention = settings.alert_state_days * 86400
        expired = 0
        for key in expired_keys(state, time.time(), retention):
            if key in expired_keys({key: state.get(key)}, time.time(), retention):  # not refreshed meanwhile
                await state.write({key: None})
                expired += 1
        if expired:
            log.info("alert state: %d entries older than %d days expired", expired, settings.alert_state_days)

    @app.agent(topics["enriched"], name="alerts")
    async def alerts_agent(stream):
        async for event in stream.events():
            # Not the article's fault: hold the partition until rules and state are current,
            # rather than dead-letter an article whose alerts were never evaluated.
            await _until_ready(rules.ready, f"the alert rules on {settings.topic('rules')}")
            await _until_ready(state.ensure_current, f"the alert state on {settings.topic('alert-state')}")
            try:
                article = _decode_event(event.value)
                view = ArticleView.of(article)
                for compiled in list(rules.compiled.values()):
                    evidence = match_rule(compiled, view)
                    if not evidence:
                        continue
                    now = time.time()
                    decision = decide(state, compiled, article, evidence, now)
                    if decision.fire:  # sent before the state says "fired": never lost
                        alert = build_alert(compiled, article, evidence, rfc3339(now))
                        await send("alerts", alert["article_id"], alert)
                        metrics.processed.labels("alerts").inc()
                        recent_alerts.append(alert)
                    await state.write(decision.updates)
            except Exception as exc:
                await send_dead_letter("alerts", event, _without_annotation(event.value), exc)


def add_delivery(app, topics, rules, send_dead_letter, metrics) -> None:
    """wire.alerts -> signed webhooks; retries inside, dead letter after the last one.

    Runs as its own agent, up to DELIVERIES_AT_ONCE webhooks at a time, so a slow endpoint
    delays only other deliveries, never enrichment."""
    import aiohttp

    from streams.alerts.webhooks import deliver

    disabled: set[tuple[str, str]] = set()
    session_holder: dict[str, aiohttp.ClientSession] = {}

    @app.on_before_shutdown.connect
    async def close_session(app, **kwargs):
        session = session_holder.pop("session", None)
        if session is not None:
            await session.close()

    async def deliver_one(event) -> None:
        try:
            alert = _decode_event(event.value)
            rule = rules.raw.get(alert.get("rule_id")) or {}
            if "session" not in session_holder:
                session_holder["session"] = aiohttp.ClientSession()
            for target in rule.get("notify") or []:
                url, secret = target.get("url"), target.get("secret") or ""
                if (alert["rule_id"], url) in disabled:
                    continue
                result = await deliver(session_holder["session"], url, secret, alert)
                metrics.deliveries.labels(result.outcome).inc()
                if result.outcome == "disabled":
                    disabled.add((alert["rule_id"], url))
                    log.warning("webhook of rule %s answered 410 Gone: target disabled", alert["rule_id"])
                elif result.dead_letter:
                    await send_dead_letter("deliver", event, alert,
                                           f"webhook delivery {result.outcome} after {result.attempts} "
                                           f"attempt(s): {result.error or result.status}")
        except Exception as exc:
            await send_dead_letter("deliver", event, event.value, exc)

    # One consumer, several deliveries at a time: a batch's webhooks go out together and the
    # batch is acknowledged once all of them are done. (Several concurrent agents would ack
    # out of order, and Faust 0.15 may then commit past a delivery still in flight.)
    @app.agent(topics["alerts"], name="deliver")
    async def deliver_agent(stream):
        async for batch in stream.take_events(DELIVERIES_AT_ONCE, within=0.05):
            await _until_ready(rules.ready, "the alert rules")
            await asyncio.gather(*(deliver_one(event) for event in batch))


def add_web_api(app, settings, topics, rules, recent_alerts, send) -> None:
    """GET/POST/DELETE /rules, GET /alerts, POST /articles on the worker's web server."""
    from streams.alerts.rules import RuleError, mask_secrets, parse_rules
    from streams.ingest.files import RecordError, iter_payload_articles

    @app.page("/rules")
    class RulesPage(faust.web.View):
        async def get(self, request):
            return self.json({"rules": [mask_secrets(rule) for rule in rules.raw.values()]})

        async def post(self, request):
            body = await request.read()
            try:
                parsed = parse_rules(body.decode("utf-8"), filename="request")
            except (RuleError, UnicodeDecodeError) as exc:
                return self.json({"error": str(exc)}, status=400)
            for rule in parsed:
                future = await topics["rules"].send(key=rule.id.encode(), value=codec.dumps(rule.to_dict()))
                await future
            return self.json({"added": [rule.id for rule in parsed]}, status=201)

    @app.page("/rules/{rule_id}")
    class RulePage(faust.web.View):
        async def delete(self, request, rule_id):
            if rule_id not in rules.raw:
                return self.json({"error": f"no rule {rule_id!r}"}, status=404)
            future = await topics["rules"].send(key=rule_id.encode(), value=None)  # raw: a real tombstone
            await future
            return self.json({"deleted": rule_id})

    @app.page("/alerts")
    async def alerts_page(web, request):
        return web.json({"alerts": list(recent_alerts)[::-1]})

    @app.page("/articles")
    class ArticlesPage(faust.web.View):
        async def post(self, request):
            body = await request.read()
            if len(body) > settings.max_body_bytes * 16:
                return self.json({"error": "request body too large"}, status=413)
            accepted, errors = [], []
            for item in iter_payload_articles(body, origin="request"):
                if isinstance(item, RecordError):
                    errors.append({"line": item.line, "error": item.message})
                else:
                    accepted.append(item)
            if errors:
                return self.json({"accepted": [], "errors": errors}, status=400)
            for article in accepted:
                await send("raw", article["id"], article)
            return self.json({"accepted": [a["id"] for a in accepted]}, status=202)


def _decode_event(value: Any) -> dict:
    if isinstance(value, dict):
        return value
    decoded = codec.loads(value)
    if not isinstance(decoded, dict):
        raise ValueError(f"internal event is a JSON {type(decoded).__name__}, expected an object")
    return decoded


def _without_annotation(value: Any) -> Any:
    """Dead letters keep the payload but not the (large, binary) spaCy parse."""
    try:
        decoded = _decode_event(value)
    except Exception:
        return value
    decoded.pop("annotation", None)
    return decoded


def _text_key(key: Any) -> str | None:
    if isinstance(key, bytes):
        return key.decode("utf-8", "replace")
    return key


def _credentials(settings: Settings) -> dict:
    """TLS / SASL for managed clusters, from the WIREWATCH_* settings."""
    if not settings.broker_security:
        return {}
    import ssl

    protocol = settings.broker_security.lower()
    context = ssl.create_default_context(cafile=settings.ssl_cafile) if "ssl" in protocol else None
    if protocol.startswith("sasl"):
        mechanism = (settings.sasl_mechanism or "PLAIN").upper()
        if mechanism.startswith("SCRAM"):
            credentials = faust.SASLCredentials(
                username=settings.sasl_username, password=settings.sasl_password, ssl_context=context,
                mechanism=mechanism,
            )
        else:
            credentials = faust.SASLCredentials(
                username=settings.sasl_username, password=settings.sasl_password, ssl_context=context
            )
        return {"broker_credentials": credentials}
    return {"broker_credentials": faust.SSLCredentials(context)}
