"""The alerting agents: wire.enriched -> rules -> wire.alerts, once per (rule, article) thanks
to wire.alert-state; and wire.alerts -> signed webhooks, one queue per target, each delivery
recorded on wire.alert-state so that no consumer group delivers an alert twice.

Both read the alert rules of wire.rules (ctx.rules), which every worker follows whole.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any, Protocol

import aiohttp

from streams.alerts.candidates import (
    decide_candidate,
    event_time,
    once_candidates,
    surge_candidate,
)
from streams.alerts.matching import (
    ArticleView,
    build_alert,
    decide,
    expired_keys,
    match_rule,
    predates_rule,
    surge_hit,
    too_old,
)
from streams.alerts.state import AlertStateStore
from streams.alerts.target_queues import CONCURRENCY, QUEUE_SIZE, Job, TargetQueues
from streams.alerts.targets import (
    SENT_PREFIX,
    after_delivery,
    done_sent,
    is_disabled,
    is_pending,
    pending_sent,
    sent_key,
    target_key,
    url_digest,
)
from streams.alerts.webhooks import deliver, redact_url
from streams.retry import Backoff, retry_forever
from streams.runtime.batching import take_batches
from streams.runtime.context import (
    WorkerContext,
    decode_event,
    origin_ms,
    without_annotation,
)
from streams.timestamps import format_rfc3339, to_epoch
from streams.topology import stage_topics

log = logging.getLogger("wirewatch")

ACCEPT_AT_ONCE = 100  # alerts recorded as pending in one round of writes
STILL_WAITING_EVERY = 30  # seconds between warnings while the rules are not loaded
CURRENT_STATE_BACKOFF = Backoff(base=1.0, cap=30.0)
STATE_EXPIRY_INTERVAL = 3600.0
SECONDS_PER_DAY = 86400


def add_rules_reader(ctx: WorkerContext) -> None:
    """Follow wire.rules into ctx.rules for as long as the worker runs."""

    @ctx.app.task
    async def load_rules():
        await ctx.rules.run()


async def wait_for_event(ready: asyncio.Event, what: str) -> None:
    """Wait until `ready` is set, warning now and then; never gives up, like a send to a broker
    that is down."""
    if ready.is_set():
        return
    waited = 0
    while True:
        try:
            await asyncio.wait_for(ready.wait(), timeout=STILL_WAITING_EVERY)
            return
        except TimeoutError:
            waited += STILL_WAITING_EVERY
            log.warning("still waiting for %s after %d s; holding the partition", what, waited)


async def retry_until_current(bring_current: Callable[[], Awaitable[Any]], what: str) -> None:
    """Await `bring_current()` until it succeeds, with backoff; never gives up."""

    def report(exc: Exception, delay: float) -> None:
        log.warning("%s is not current (%s); retrying in %.0f s, holding the partition", what, exc, delay)

    await retry_forever(bring_current, CURRENT_STATE_BACKOFF, report)


# ------------------------------------------------------------------ the shared alert state

_STATES: dict[int, AlertStateStore] = {}


def shared_alert_state(ctx: WorkerContext) -> AlertStateStore:
    """The worker's one follower of wire.alert-state (dedup, deliveries, target states), shared
    by the alerts and deliver agents and shown by GET /rules; its tasks registered once."""
    state = _STATES.get(id(ctx))
    if state is None:
        state = AlertStateStore(ctx.settings, lambda key, value: ctx.send("alert-state", key, value, raw=True))
        _STATES[id(ctx)] = state
        ctx.rules.state = state
        add_alert_state_tasks(ctx, state)
    return state


# ------------------------------------------------------------------ rules -> alerts


def add_alerting(ctx: WorkerContext) -> None:
    """The alerts agent, with the alert state it shares with every other worker."""
    source, target = stage_topics("alerts")
    state = shared_alert_state(ctx)
    rules_described = f"the alert rules on {ctx.settings.topic('rules')}"
    state_described = f"the alert state on {ctx.settings.topic('alert-state')}"

    async def run_batches(stream, decide, payload) -> None:
        async for batch in take_batches(stream, ctx.settings.batch_size, ctx.settings.batch_within):
            # Not the articles' fault: hold the partition until rules and state are current,
            # rather than dead-letter articles whose alerts were never evaluated.
            await wait_for_event(ctx.rules.ready, rules_described)
            await retry_until_current(state.ensure_current, state_described)
            try:
                await decide(ctx, state, target, batch)
            except Exception as exc:
                await ctx.dead_letter_unfinished("alerts", batch, exc, payload)

    @ctx.app.agent(ctx.raw_topics[source], name="alerts")
    async def alerts_agent(stream):
        await run_batches(stream, fire_batch, lambda event: without_annotation(event.value))

    @ctx.app.agent(ctx.raw_topics["alert-scopes"], name="alert-scopes")
    async def alert_scopes_agent(stream):
        await run_batches(stream, decide_batch, lambda event: event.value)


async def decide_batch(ctx: WorkerContext, state: AlertStateStore, target: str, batch: list) -> None:
    """Decide the candidates of wire.alert-scopes in their partition's order (each sees the
    decisions of the ones before it in the batch), send the alerts, then record them."""
    pending = PendingState(state)
    firings: list[Firing] = []
    for event in batch:
        try:
            alerts, updates = decide_candidate(pending, ctx.rules.compiled, decode_event(event.value), time.time(),
                                              ctx.rules.added_at)
        except Exception as exc:
            await ctx.send_dead_letter("alerts", event, event.value, exc)
            continue
        pending.updates.update(updates)
        if alerts or updates:
            firings.append(Firing(event, alerts, updates))
    await send_then_record(ctx, state, target, firings, lambda event: event.value)


def arrived_at(event: Any) -> float | None:
    """When the article reached wire.raw (epoch seconds): the same in every consumer group and
    on every replay, since each stage carries the raw record's time on."""
    origin = origin_ms(event)
    return None if origin is None else origin / 1000


class PendingState:
    """The alert state with a batch's decisions not yet written laid over it: the second copy
    of an article in one batch sees the first one's `seen|` entry."""

    def __init__(self, state: AlertStateStore):
        self.state = state
        self.updates: dict[str, Any] = {}

    def get(self, key: str, default: Any = None) -> Any:
        return self.updates[key] if key in self.updates else self.state.get(key, default)


@dataclass
class Firing:
    """One article's alerts, its candidates for wire.alert-scopes, and the state keys that record them."""

    event: Any
    alerts: list[dict]
    updates: dict[str, Any]
    candidates: list[tuple[str, dict]] = field(default_factory=list)


async def fire_batch(ctx: WorkerContext, state: AlertStateStore, target: str, batch: list) -> None:
    """Match every rule on every article of the batch; send all the alerts `decide` lets
    through, then record them: two round trips per batch, not two per article. An article
    that cannot be read or matched, or whose alert the broker refuses, is dead-lettered and
    its state is not written (never an exception out of the agent: Faust would ack)."""
    pending = PendingState(state)
    firings: list[Firing] = []
    for event in batch:
        try:
            candidates: list[tuple[str, dict]] = []
            alerts, updates = evaluate_rules(ctx, pending, decode_event(event.value), arrived_at(event), candidates)
        except Exception as exc:
            await ctx.send_dead_letter("alerts", event, without_annotation(event.value), exc)
            continue
        pending.updates.update(updates)
        if alerts or updates or candidates:
            firings.append(Firing(event, alerts, updates, candidates))
    await send_then_record(ctx, state, target, firings, lambda event: without_annotation(event.value))


async def send_then_record(ctx: WorkerContext, state: AlertStateStore, target: str, firings: list[Firing],
                           payload: Callable[[Any], Any]) -> None:
    """Send every firing's alerts and candidates, then write the state of those the broker took:
    every alert is on the broker before the state says "fired" (never lost). A firing the
    broker refuses is dead-lettered and its state is not written."""
    sent = await asyncio.gather(*(send_alerts(ctx, target, firing.alerts, firing.candidates) for firing in firings),
                                return_exceptions=True)
    writes: dict[str, Any] = {}
    for firing, error in zip(firings, sent):
        if isinstance(error, BaseException):
            await ctx.send_dead_letter("alerts", firing.event, payload(firing.event), error)
            continue
        for alert in firing.alerts:
            ctx.metrics.processed.labels("alerts").inc()
            ctx.recent_alerts.append(alert)
        writes.update(firing.updates)
    await asyncio.gather(*(state.write({key: value}) for key, value in writes.items()))


async def send_alerts(ctx: WorkerContext, target: str, alerts: list[dict],
                      candidates: list[tuple[str, dict]] = ()) -> None:
    await asyncio.gather(*(ctx.send(target, alert["article_id"], alert) for alert in alerts),
                         *(ctx.send("alert-scopes", key, value) for key, value in candidates))


def evaluate_rules(ctx: WorkerContext, state: PendingState, article: dict,
                   arrived: float | None = None, candidates: list | None = None) -> tuple[list[dict], dict[str, Any]]:
    """The alerts one article fires and the state keys to write; the matches of story, quote
    and surge rules are appended to `candidates` (for wire.alert-scopes) instead.

    An article that reached wire.raw before a rule was added does not fire it, and one older
    than the state's retention fires nothing (its dedup entry may have expired): so a new
    consumer group that replays history alerts nothing twice and nothing old."""
    candidates = [] if candidates is None else candidates
    now = time.time()
    if too_old(arrived, now, ctx.settings.alert_state_days * SECONDS_PER_DAY):
        return [], {}
    view = ArticleView.of(article)
    alerts: list[dict] = []
    updates: dict[str, Any] = {}
    for compiled in list(ctx.rules.compiled.values()):
        if predates_rule(arrived, ctx.rules.added_at.get(compiled.id)):
            continue
        if compiled.rule.surge is not None:
            hit = surge_hit(compiled, view)
            if hit and compiled.rule.enabled:
                candidates.append(surge_candidate(compiled, article, hit, event_time(article, arrived, now)))
            continue
        evidence = match_rule(compiled, view)
        if not evidence:
            continue
        now = time.time()
        scoped = once_candidates(compiled, article, evidence, format_rfc3339(now))
        if scoped:  # decided on wire.alert-scopes, where every copy of the story meets
            candidates.extend(scoped)
            continue
        decision = decide(state, compiled, article, evidence, now)  # rules have keys of their own
        if decision.fire:
            alerts.append(build_alert(compiled, article, evidence, format_rfc3339(now)))
        updates.update(decision.updates)
    return alerts, updates


def add_alert_state_tasks(ctx: WorkerContext, state: AlertStateStore) -> None:
    """Follow wire.alert-state, mark it stale on every assignment, expire old entries."""
    app = ctx.app

    @app.task
    async def follow_alert_state():
        await state.run()

    @app.on_partitions_assigned.connect
    async def state_may_be_stale(app, assigned, **kwargs):
        state.mark_stale()

    @app.timer(interval=STATE_EXPIRY_INTERVAL)
    async def expire_alert_state():
        await expire_old_entries(state, ctx.settings.alert_state_days)


async def expire_old_entries(state: AlertStateStore, retention_days: int) -> None:
    """Tombstone dedup entries past WIREWATCH_ALERT_STATE_DAYS (every worker may do it: a
    second tombstone for the same key changes nothing)."""
    if not state.reader.loaded.is_set():
        return
    retention = retention_days * SECONDS_PER_DAY
    expired = 0
    for key in expired_keys(state, time.time(), retention):
        if key in expired_keys({key: state.get(key)}, time.time(), retention):  # not refreshed meanwhile
            await state.write({key: None})
            expired += 1
    if expired:
        log.info("alert state: %d entries older than %d days expired", expired, retention_days)


# ------------------------------------------------------------------ alerts -> webhooks


class AlertState(Protocol):
    """What the dispatcher needs of the alert state (an AlertStateStore, or a dict in tests)."""

    def get(self, key: str, default: Any = None) -> Any: ...

    def items(self) -> Iterable[tuple[str, Any]]: ...

    async def write(self, updates: dict[str, Any]) -> None: ...


@dataclass(frozen=True)
class Target:
    rule_id: str
    url: str
    secret: str

    @property
    def digest(self) -> str:
        return url_digest(self.url)

    @property
    def key(self) -> tuple[str, str]:
        return (self.rule_id, self.digest)


class WebhookDispatcher:
    """Delivers alerts to their rules' webhooks, each target on its own bounded queue
    (target_queues.py), and keeps the deliveries on the alert state:

    - an alert is recorded as pending (with its targets) before its event is acknowledged, so a
      crash loses nothing: the next owner of its wire.alerts partition resumes it;
    - an alert whose deliveries are done is never delivered again, whatever consumer group
      reads wire.alerts (the webhook-id is the alert id, for receivers that check);
    - a target that answered 410 Gone is disabled for every worker until `rules enable`."""

    def __init__(self, ctx: WorkerContext, state: AlertState, *, queue_size: int = QUEUE_SIZE,
                 concurrency: int = CONCURRENCY):
        self.ctx = ctx
        self.state = state
        self.session: aiohttp.ClientSession | None = None
        self.remaining: dict[str, set[str]] = {}  # alert id -> digests of targets not done
        self.partitions: dict[str, int] = {}  # alert id -> its wire.alerts partition
        self.owned: set[int] = set()
        self.queues = TargetQueues(self.run_job, size=queue_size, concurrency=concurrency,
                                   on_change=self.show_backlog)

    async def close(self) -> None:
        await self.queues.close()
        session, self.session = self.session, None
        if session is not None:
            await session.close()

    def show_backlog(self, target: Any, backlog: int) -> None:
        rule_id, digest = target
        self.ctx.metrics.webhook_backlog.labels(rule_id, digest).set(backlog)

    def pending_alerts(self) -> int:
        """Alerts recorded as not delivered everywhere yet, on the state every worker follows."""
        return sum(1 for key, value in self.state.items() if key.startswith(SENT_PREFIX) and is_pending(value))

    def targets_of(self, rule_id: str) -> dict[str, Target]:
        rule = self.ctx.rules.raw.get(rule_id) or {}
        found = {}
        for item in rule.get("notify") or []:
            if isinstance(item, dict) and isinstance(item.get("url"), str):
                target = Target(rule_id, item["url"], item.get("secret") or "")
                found[target.digest] = target
        return found

    async def accept(self, events: list) -> None:
        """The deliver agent's batch: record each new alert's targets as pending (all writes
        together), then queue them. Returns once the batch may be acknowledged."""
        new: list[tuple[Any, dict, int, list[Target]]] = []  # (event, alert, partition, targets)
        accepted: set[str] = set()
        retention = self.ctx.settings.alert_state_days * SECONDS_PER_DAY
        for event in events:
            try:
                alert = decode_event(event.value)
                alert_id = str(alert["id"])
                rule_id = str(alert["rule_id"])
            except Exception as exc:
                await self.ctx.send_dead_letter("deliver", event, event.value, exc)
                continue
            entry = self.state.get(sent_key(alert_id))
            # Done, being done here, or pending (resume() finishes those after an assignment):
            # a replayed or twice-fired alert (same id) is delivered once.
            if entry is not None or alert_id in self.remaining or alert_id in accepted:
                self.ctx.metrics.deliveries.labels("replayed").inc()
                continue
            if too_old(fired_epoch(alert), time.time(), retention):
                self.ctx.metrics.deliveries.labels("expired").inc()
                continue
            targets = [t for t in self.targets_of(rule_id).values()
                       if not is_disabled(self.state.get(target_key(t.rule_id, t.url)))]
            accepted.add(alert_id)
            if targets:
                new.append((event, alert, event_partition(event), targets))
        now = time.time()
        written = await asyncio.gather(*(self.state.write({sent_key(str(alert["id"])): pending_sent(
            alert, [t.digest for t in targets], partition, now)}) for _event, alert, partition, targets in new),
            return_exceptions=True)
        for (event, alert, partition, targets), result in zip(new, written):
            if isinstance(result, asyncio.CancelledError):
                raise result
            if isinstance(result, BaseException):  # refused by the broker (too large): not retried
                await self.ctx.send_dead_letter("deliver", event, alert, f"could not record the alert's "
                                                f"deliveries on {self.ctx.settings.topic('alert-state')}: {result}")
                continue
            await self.enqueue(alert, partition, targets)

    async def enqueue(self, alert: dict, partition: int, targets: list[Target]) -> None:
        alert_id = str(alert["id"])
        self.remaining[alert_id] = {t.digest for t in targets}
        self.partitions[alert_id] = partition
        for target in targets:
            if not self.queues.offer(Job(target.key, alert_id, partition, (alert, target))):
                await self.ctx.send_dead_letter(
                    "deliver", partition_event(self.ctx, partition, alert), alert,
                    f"webhook {redact_url(target.url)} has {self.queues.backlog(target.key)} alerts waiting; "
                    "this one was not queued")
                await self.finish(alert_id, target.digest)

    async def resume(self) -> int:
        """Queue the pending deliveries of the wire.alerts partitions this worker owns that it
        is not already doing (after a crash or a rebalance). Returns how many alerts."""
        resumed = 0
        for key, entry in list(self.state.items()):
            if not key.startswith(SENT_PREFIX) or not is_pending(entry):
                continue
            alert_id = key[len(SENT_PREFIX):]
            if entry.get("partition") not in self.owned or alert_id in self.remaining:
                continue
            alert = dict(entry["alert"])
            known = self.targets_of(str(alert.get("rule_id")))
            targets = [known[d] for d in entry.get("pending") or () if d in known]
            if targets:
                await self.enqueue(alert, int(entry["partition"]), targets)
            else:  # the rule or its webhooks are gone: nothing left to do
                await self.state.write({key: done_sent(time.time())})
            resumed += 1
        return resumed

    def assigned(self, partitions: set[int]) -> None:
        """The wire.alerts partitions of this worker now: drop the jobs of the others."""
        lost = self.owned - partitions
        self.owned = set(partitions)
        if lost:
            self.queues.drop_partitions(lost)
            for alert_id in [a for a, p in self.partitions.items() if p in lost]:
                self.remaining.pop(alert_id, None)
                self.partitions.pop(alert_id, None)

    async def run_job(self, job: Job) -> None:
        alert, target = job.payload
        try:
            await self.deliver_one(alert, target, job.partition)
        finally:
            if job.alert_id in self.remaining:  # not dropped with its partition meanwhile
                await self.finish(job.alert_id, target.digest)

    async def deliver_one(self, alert: dict, target: Target, partition: int) -> None:
        key = target_key(target.rule_id, target.url)
        if is_disabled(self.state.get(key)):
            self.ctx.metrics.deliveries.labels("skipped").inc()
            return
        if self.session is None:
            self.session = aiohttp.ClientSession()
        result = await deliver(self.session, target.url, target.secret, alert)
        self.ctx.metrics.deliveries.labels(result.outcome).inc()
        update = after_delivery(self.state.get(key), target.rule_id, redact_url(target.url), result.outcome,
                                result.error, time.time())
        if update is not None:
            await self.state.write({key: update})
        if result.outcome == "disabled":
            log.warning("webhook %s of rule %s answered 410 Gone: target disabled (wirewatch rules enable %s)",
                        redact_url(target.url), target.rule_id, target.rule_id)
        elif result.dead_letter:
            await self.ctx.send_dead_letter("deliver", partition_event(self.ctx, partition, alert), alert,
                                            f"webhook delivery {result.outcome} after {result.attempts} "
                                            f"attempt(s): {result.error or result.status}")

    async def finish(self, alert_id: str, digest: str) -> None:
        """One target done: write what remains (computed here, so concurrent finishes of one
        alert never undo each other), or `done` once nothing does."""
        remaining = self.remaining.get(alert_id)
        if remaining is None:
            return
        remaining.discard(digest)
        key = sent_key(alert_id)
        if remaining:
            entry = self.state.get(key)
            if is_pending(entry):
                await self.state.write({key: {**entry, "pending": sorted(remaining), "seen_at": time.time()}})
            return
        self.remaining.pop(alert_id, None)
        self.partitions.pop(alert_id, None)
        await self.state.write({key: done_sent(time.time())})


def fired_epoch(alert: dict) -> float | None:
    try:
        return to_epoch(alert["fired_at"])
    except (KeyError, TypeError, ValueError):
        return None


def event_partition(event: Any) -> int:
    partition = getattr(getattr(event, "message", None), "partition", None)
    return partition if isinstance(partition, int) else 0


def partition_event(ctx: WorkerContext, partition: int, alert: dict) -> Any:
    """Where a delivery's dead letter says the alert came from (the event itself may be long
    acknowledged: deliveries outlive it)."""
    key = str(alert.get("article_id") or "").encode("utf-8")
    return SimpleNamespace(message=SimpleNamespace(topic=ctx.settings.topic("alerts"), partition=partition,
                                                   offset=None, key=key))


def add_delivery(ctx: WorkerContext) -> None:
    """wire.alerts -> signed webhooks, one bounded queue per target (WebhookDispatcher).

    The agent only records and queues: a batch is acknowledged once its alerts are on the
    alert state as pending, so enrichment, other targets and rebalances never wait for a slow
    webhook; the owner of the partition after a crash or rebalance resumes what is pending."""
    source, _target = stage_topics("deliver")
    state = shared_alert_state(ctx)
    dispatcher = WebhookDispatcher(ctx, state)
    alerts_topic = ctx.settings.topic(source)
    resume_wanted = asyncio.Event()
    ctx.metrics.refreshers.append(lambda: ctx.metrics.alert_delivery_backlog.set(dispatcher.pending_alerts()))
    state_described = f"the alert state on {ctx.settings.topic('alert-state')}"

    @ctx.app.on_before_shutdown.connect
    async def close_dispatcher(app, **kwargs):
        await dispatcher.close()

    @ctx.app.on_partitions_assigned.connect
    async def deliveries_moved(app, assigned, **kwargs):
        dispatcher.assigned({tp.partition for tp in assigned if tp.topic == alerts_topic})
        resume_wanted.set()

    @ctx.app.task
    async def resume_pending_deliveries():
        while True:
            await resume_wanted.wait()
            resume_wanted.clear()
            await wait_for_event(ctx.rules.ready, "the alert rules")
            await retry_until_current(state.ensure_current, state_described)
            resumed = await dispatcher.resume()
            if resumed:
                log.info("resumed the webhook deliveries of %d alert(s)", resumed)

    @ctx.app.agent(ctx.raw_topics[source], name="deliver")
    async def deliver_agent(stream):
        async for batch in take_batches(stream, ACCEPT_AT_ONCE, 0.05):
            await wait_for_event(ctx.rules.ready, "the alert rules")
            await retry_until_current(state.ensure_current, state_described)
            try:
                await dispatcher.accept(batch)
            except Exception as exc:
                await ctx.dead_letter_unfinished("deliver", batch, exc)
