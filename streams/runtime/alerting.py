"""The alerting agents: wire.enriched -> rules -> wire.alerts, once per (rule, article) thanks
to wire.alert-state; and wire.alerts -> signed webhooks.

Both read the alert rules of wire.rules (ctx.rules), which every worker follows whole.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp

from streams.alerts.matching import ArticleView, build_alert, decide, expired_keys, match_rule
from streams.alerts.state import AlertStateStore
from streams.alerts.webhooks import deliver
from streams.retry import Backoff, retry_forever
from streams.runtime.context import WorkerContext, decode_event, without_annotation
from streams.timestamps import format_rfc3339
from streams.topology import stage_topics

log = logging.getLogger("wirewatch")

DELIVERIES_AT_ONCE = 8
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
        except asyncio.TimeoutError:
            waited += STILL_WAITING_EVERY
            log.warning("still waiting for %s after %d s; holding the partition", what, waited)


async def retry_until_current(bring_current: Callable[[], Awaitable[Any]], what: str) -> None:
    """Await `bring_current()` until it succeeds, with backoff; never gives up."""

    def report(exc: Exception, delay: float) -> None:
        log.warning("%s is not current (%s); retrying in %.0f s, holding the partition", what, exc, delay)

    await retry_forever(bring_current, CURRENT_STATE_BACKOFF, report)


# ------------------------------------------------------------------ rules -> alerts


def add_alerting(ctx: WorkerContext) -> None:
    """The alerts agent, with the alert state it shares with every other worker."""
    source, target = stage_topics("alerts")
    state = AlertStateStore(ctx.settings, lambda key, value: ctx.send("alert-state", key, value, raw=True))
    add_alert_state_tasks(ctx, state)
    rules_described = f"the alert rules on {ctx.settings.topic('rules')}"
    state_described = f"the alert state on {ctx.settings.topic('alert-state')}"

    @ctx.app.agent(ctx.raw_topics[source], name="alerts")
    async def alerts_agent(stream):
        async for event in stream.events():
            # Not the article's fault: hold the partition until rules and state are current,
            # rather than dead-letter an article whose alerts were never evaluated.
            await wait_for_event(ctx.rules.ready, rules_described)
            await retry_until_current(state.ensure_current, state_described)
            try:
                await fire_alerts(ctx, state, target, decode_event(event.value))
            except Exception as exc:
                await ctx.send_dead_letter("alerts", event, without_annotation(event.value), exc)


async def fire_alerts(ctx: WorkerContext, state: AlertStateStore, target: str, article: dict) -> None:
    """Match every rule on the article; send the alerts `decide` lets through, then record them."""
    view = ArticleView.of(article)
    for compiled in list(ctx.rules.compiled.values()):
        evidence = match_rule(compiled, view)
        if not evidence:
            continue
        now = time.time()
        decision = decide(state, compiled, article, evidence, now)
        if decision.fire:  # sent before the state says "fired": never lost
            alert = build_alert(compiled, article, evidence, format_rfc3339(now))
            await ctx.send(target, alert["article_id"], alert)
            ctx.metrics.processed.labels("alerts").inc()
            ctx.recent_alerts.append(alert)
        await state.write(decision.updates)


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


class WebhookDispatcher:
    """Posts each alert to the webhooks of its rule over one HTTP session; a target that
    answered 410 Gone is skipped from then on."""

    def __init__(self, ctx: WorkerContext):
        self.ctx = ctx
        self.disabled: set[tuple[str, str]] = set()  # (rule id, url)
        self.session: aiohttp.ClientSession | None = None

    async def close(self) -> None:
        session, self.session = self.session, None
        if session is not None:
            await session.close()

    async def dispatch(self, event: Any) -> None:
        """Deliver one alert event to every target of its rule; never raises."""
        try:
            alert = decode_event(event.value)
            rule = self.ctx.rules.raw.get(alert.get("rule_id")) or {}
            if self.session is None:
                self.session = aiohttp.ClientSession()
            for target in rule.get("notify") or []:
                await self.notify(event, alert, target)
        except Exception as exc:
            await self.ctx.send_dead_letter("deliver", event, event.value, exc)

    async def notify(self, event: Any, alert: dict, target: dict) -> None:
        url, secret = target.get("url"), target.get("secret") or ""
        if (alert["rule_id"], url) in self.disabled:
            return
        result = await deliver(self.session, url, secret, alert)
        self.ctx.metrics.deliveries.labels(result.outcome).inc()
        if result.outcome == "disabled":
            self.disabled.add((alert["rule_id"], url))
            log.warning("webhook of rule %s answered 410 Gone: target disabled", alert["rule_id"])
        elif result.dead_letter:
            await self.ctx.send_dead_letter("deliver", event, alert,
                                            f"webhook delivery {result.outcome} after {result.attempts} "
                                            f"attempt(s): {result.error or result.status}")


def add_delivery(ctx: WorkerContext) -> None:
    """wire.alerts -> signed webhooks; retries inside, dead letter after the last one.

    One consumer, up to DELIVERIES_AT_ONCE webhooks at a time: a batch's webhooks go out
    together and the batch is acknowledged once all of them are done, so a slow endpoint
    delays only other deliveries, never enrichment. (Several concurrent agents would ack out
    of order, and Faust 0.15 may then commit past a delivery still in flight.)"""
    source, _target = stage_topics("deliver")
    dispatcher = WebhookDispatcher(ctx)

    @ctx.app.on_before_shutdown.connect
    async def close_session(app, **kwargs):
        await dispatcher.close()

    @ctx.app.agent(ctx.raw_topics[source], name="deliver")
    async def deliver_agent(stream):
        async for batch in stream.take_events(DELIVERIES_AT_ONCE, within=0.05):
            await wait_for_event(ctx.rules.ready, "the alert rules")
            await asyncio.gather(*(dispatcher.dispatch(event) for event in batch))
