"""Webhooks in trouble: one that answers after 3 s, one that answers 500 twice per alert then 200,
and one where nothing listens. Deliveries retry, enrichment keeps its pace, nothing is lost (the
down one's alerts end on wire.deadletter)."""

from __future__ import annotations

import base64
import time
from pathlib import Path

import orjson

from streams.harness.brokers import Broker
from streams.harness.faults.checks import check_alerts_once, check_enrichment, enriched_ids
from streams.harness.faults.scenario import (
    NATO_RULE,
    STALL,
    Report,
    as_items,
    close_all,
    make_articles,
    mentions_nato,
    new_prefix,
)
from streams.harness.topics import Sender, TopicReader, poll_until, settle, topic_readers
from streams.harness.webhook_receiver import WebhookReceiver, unreachable_url
from streams.harness.workers import start_worker

SECRET = "whsec_" + base64.b64encode(b"wirewatch-fault-tests-secret-0123").decode()


def webhooks(broker: Broker, workdir: Path, articles: int = 60, nato_every: int = 6) -> Report:
    """Three rules on the same actor, each with one troubled webhook. Wave 1 (calm: no alert)
    times enrichment; wave 2 fires the alerts; wave 3, sent while deliveries are in trouble,
    must be enriched as promptly as wave 1. Then every delivery must have ended well."""
    report = Report("webhooks", broker.kind)
    prefix = new_prefix("w")
    readers: list[TopicReader] = []
    sender = None
    hooks = WebhookReceiver()
    try:
        worker = start_worker(broker, prefix, workdir)
        report.workers.append(worker)
        targets = {"slow": hooks.url_for("/slow"), "flaky": hooks.url_for("/flaky"), "down": unreachable_url()}
        worker.load_rules([dict(NATO_RULE, id=name, name=f"NATO ({name} webhook)",
                                notify=[{"type": "webhook", "url": url, "secret": SECRET}])
                           for name, url in targets.items()])
        readers = enriched, alerts, dead = topic_readers(broker, prefix, "enriched", "alerts", "deadletter")
        sender = Sender(broker.bootstrap, f"{prefix}.raw")
        third = max(1, articles // 3)
        calm = make_articles(third, f"{prefix}-calm", nato_every=0)
        firing = make_articles(articles - 2 * third, f"{prefix}-fire", nato_every=max(1, nato_every // 2))
        during = make_articles(third, f"{prefix}-during", nato_every=nato_every)
        wanted = {a["id"] for a in calm + firing + during}

        def wave(batch: list[dict]) -> float:
            """Send a batch at once; seconds until all of it is enriched (inf if not in time)."""
            started = time.monotonic()
            for key, value in as_items(batch):
                sender.send(key, value)
            sender.producer.flush()
            ids = {a["id"] for a in batch}
            if poll_until(lambda: ids <= set(enriched_ids(enriched)), 60 + len(batch), readers, worker, stall=STALL):
                return time.monotonic() - started
            return float("inf")

        calm_s = wave(calm)
        report.check(calm_s < float("inf"), "the calm wave was not enriched within its time")
        started = time.monotonic()
        for key, value in as_items(firing):
            sender.send(key, value)
        sender.producer.flush()
        report.check(poll_until(lambda: bool(alerts.values()), 60 + articles, readers, worker, stall=STALL),
                     "no alert fired")
        during_s = wave(during)
        pending_slow = len({a["id"] for a in alerts.values() if a["rule_id"] == "slow"} - hooks.delivered("/slow"))
        report.counts["calm_ms_per_article"] = round(1000 * calm_s / max(1, len(calm)))
        report.counts["trouble_ms_per_article"] = (round(1000 * during_s / max(1, len(during)))
                                                   if during_s < float("inf") else -1)
        report.counts["slow_pending_when_enriched"] = pending_slow
        report.check(during_s <= 60 + len(during),
                     f"articles sent during the webhook trouble took {during_s:.0f}s to enrich")
        acked, _failed = sender.confirm()
        report.counts["sent"] = len(set(acked))
        poll_until(lambda: wanted <= set(enriched_ids(enriched)), 60 + articles, readers, worker, stall=STALL)
        nato_ids = {e["id"] for e in enriched.values() if mentions_nato(e)}
        expected = {(rule, article) for rule in targets for article in nato_ids}

        def down_letters() -> set[str]:
            found = set()
            for letter in dead.values():
                if letter.get("stage") == "deliver":
                    try:
                        found.add(orjson.loads(letter["payload"])["id"])
                    except (orjson.JSONDecodeError, KeyError, TypeError):
                        found.add(letter.get("key") or "?")
            return found

        def alert_ids(rule: str) -> set[str]:
            return {a["id"] for a in alerts.values() if a.get("rule_id") == rule}

        def all_delivered() -> bool:
            return (expected <= {(a["rule_id"], a["article_id"]) for a in alerts.values()}
                    and alert_ids("slow") <= hooks.delivered("/slow")
                    and alert_ids("flaky") <= hooks.delivered("/flaky")
                    and alert_ids("down") <= down_letters())

        poll_until(all_delivered, 120 + 10 * len(nato_ids), readers, worker, stall=STALL,
                 progress=lambda: sum(len(r.records) for r in readers) + hooks.posts)
        report.counts["deliveries_s"] = round(time.monotonic() - started)
        settle(readers, 2.0)
        check_enrichment(report, enriched, wanted)
        check_alerts_once(report, alerts, expected)
        slow_missing = alert_ids("slow") - hooks.delivered("/slow")
        flaky_missing = alert_ids("flaky") - hooks.delivered("/flaky")
        down_missing = alert_ids("down") - down_letters()
        report.counts["slow_delivered"] = len(hooks.delivered("/slow") & alert_ids("slow"))
        report.counts["flaky_delivered"] = len(hooks.delivered("/flaky") & alert_ids("flaky"))
        report.counts["flaky_attempts"] = sum(hooks.attempts("/flaky").values())
        report.counts["down_dead_lettered"] = len(down_letters() & alert_ids("down"))
        report.counts["dead_lettered"] = len(dead.values())
        report.counts["lost"] += len(slow_missing) + len(flaky_missing) + len(down_missing)
        report.check(not slow_missing, f"{len(slow_missing)} alert(s) never delivered to the slow webhook")
        report.check(not flaky_missing, f"{len(flaky_missing)} alert(s) never delivered to the 500-then-200 webhook")
        retried = hooks.attempts("/flaky")
        report.check(all(retried[i] >= 3 for i in alert_ids("flaky")), "the 500-then-200 webhook was not retried")
        report.check(not down_missing,
                     f"{len(down_missing)} alert(s) for the down webhook missing from wire.deadletter")
        for letter in dead.values():
            if letter.get("stage") == "deliver":
                report.check("attempt" in letter.get("error", ""),
                             f"deliver dead letter without the attempts: {letter.get('error')}")
                break
        others = [d for d in dead.values() if d.get("stage") != "deliver"]
        report.check(not others, f"unexpected dead letters: {[d.get('error') for d in others][:3]}")
        report.check(hooks.bad_signatures("/slow", SECRET) + hooks.bad_signatures("/flaky", SECRET) == 0,
                     "webhook signatures do not verify")
        report.check(worker.process.poll() is None, f"the worker exited ({worker.process.poll()})")
    finally:
        close_all(readers, sender, report.workers)
        hooks.close()
    return report
