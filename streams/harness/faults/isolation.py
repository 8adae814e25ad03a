"""Issue 18's two alert promises as fault scenarios.

`isolation`: four rules on NATO, each with one webhook: healthy (204), failing (500), refused
(nothing listens) and gone (410). Every alert must reach the healthy one, its p99 within 1 s of
the article's enrichment, while the failing and refused ones are retried and dead-lettered and
the gone one is disabled once, persistently.

`second-group`: a worker fires and delivers alerts, a second rule is added, the worker stops;
a worker with a new app id (a new consumer group) then starts on the same, loaded topics.
Nothing may be delivered again and nothing may fire for articles older than their rule; new
articles still alert once per rule.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import orjson

from streams.harness.brokers import Broker
from streams.harness.faults.scenario import (
    NATO_RULE,
    STALL,
    Report,
    as_items,
    close_all,
    make_articles,
    new_prefix,
)
from streams.harness.faults.webhooks import SECRET
from streams.harness.topics import (
    Sender,
    TopicReader,
    poll_until,
    settle,
    topic_readers,
)
from streams.harness.webhook_receiver import unreachable_url
from streams.harness.workers import Worker, run_cli, start_worker
from streams.timestamps import to_epoch
from streams.topology import ENRICH_STAGE_NAMES

STATUS_BY_PATH = {"/ok": 204, "/ok2": 204, "/fail": 500, "/gone": 410}


class Endpoints:
    """Webhook endpoints that always answer the same status (STATUS_BY_PATH); keeps every request
    as (path, webhook id, article id, arrival time)."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, str, str, float]] = []
        self.fired_at: dict[str, float] = {}  # article id -> fired_at of its first alert received
        self.lock = threading.Lock()
        endpoints = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                now = time.time()
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                try:
                    payload = json.loads(body)
                    article = str(payload.get("article_id"))
                    endpoints.fired_at.setdefault(article, to_epoch(payload["fired_at"]))
                except (ValueError, AttributeError, KeyError, TypeError):
                    article = "?"
                with endpoints.lock:
                    endpoints.requests.append((self.path, self.headers.get("webhook-id", ""), article, now))
                self.send_response(STATUS_BY_PATH.get(self.path, 404))
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"

    def to(self, path: str) -> list[tuple[str, str, str, float]]:
        with self.lock:
            return [r for r in self.requests if r[0] == path]

    def ids(self, path: str) -> Counter:
        """Requests per webhook id (= alert id) to one path."""
        return Counter(webhook_id for _path, webhook_id, _article, _at in self.to(path))

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))] if ordered else float("nan")


def deliver_letters(dead: TopicReader) -> Counter:
    """Dead letters of the deliver stage per (alert id, webhook host:port)."""
    found: Counter = Counter()
    for letter in dead.values():
        if letter.get("stage") != "deliver":
            continue
        try:
            alert_id = orjson.loads(letter["payload"])["id"]
        except (orjson.JSONDecodeError, KeyError, TypeError):
            alert_id = letter.get("key") or "?"
        found[alert_id] += 1
    return found


def metric_lines(worker: Worker, name: str) -> list[str]:
    status, data = worker.request("GET", "/metrics", timeout=5)
    return [line for line in data.decode("utf-8", "replace").splitlines() if line.startswith(name)] if status == 200 else []


def isolation(broker: Broker, workdir: Path, alerts: int = 200, p99_limit: float | None = 1.0,
              split: bool = False) -> Report:
    """200 NATO articles to four rules (healthy, 500, refused, 410 webhooks). `p99_limit`
    (seconds from enrichment to the healthy webhook) is a promise of the scenario run, not
    of the tests, which pass None: tests never assert a time. With `split`, the alerts and
    deliver stages run in a worker of their own beside the enrichment one (same consumer
    group), as a deployment that keeps alert latency clear of parse load would."""
    report = Report("isolation-split" if split else "isolation", broker.kind)
    prefix = new_prefix("i")
    endpoints = Endpoints()
    readers: list[TopicReader] = []
    sender = None
    try:
        worker = start_worker(broker, prefix, workdir, stages="alerts,deliver" if split else None)
        report.workers.append(worker)
        if split:
            report.workers.append(start_worker(broker, prefix, workdir,
                                               stages=",".join(ENRICH_STAGE_NAMES)))
        for each in report.workers:  # partitions assigned: a join's rebalance is not part of the figures
            each.wait_http("/ready", lambda body: body.get("ready") is True, timeout=120)
        urls = {"healthy": endpoints.url("/ok"), "failing": endpoints.url("/fail"),
                "refused": unreachable_url(), "gone": endpoints.url("/gone")}
        worker.load_rules([dict(NATO_RULE, id=name, name=f"NATO ({name} webhook)",
                                notify=[{"type": "webhook", "url": url, "secret": SECRET}])
                           for name, url in urls.items()])
        readers = enriched, alert_reader, dead = topic_readers(broker, prefix, "enriched", "alerts", "deadletter")
        sender = Sender(broker.bootstrap, f"{prefix}.raw")
        articles = make_articles(alerts, f"{prefix}-n", nato_every=1)
        wanted = {a["id"] for a in articles}
        started = time.monotonic()
        for key, value in as_items(articles):
            sender.send(key, value)
        sender.producer.flush()

        def healthy_articles() -> set[str]:
            return {article for _p, _id, article, _at in endpoints.to("/ok")}

        backlog_seen: dict[str, float] = {}

        def note_backlog() -> int:
            for line in metric_lines(worker, "wirewatch_webhook_backlog{"):
                match = re.search(r'rule="([^"]+)".*\s([0-9.eE+]+)$', line)
                if match:
                    backlog_seen[match[1]] = max(backlog_seen.get(match[1], 0.0), float(match[2]))
            return len(endpoints.requests)

        report.check(poll_until(lambda: wanted <= healthy_articles(), 120 + 2 * alerts, readers, worker,
                                stall=STALL, progress=note_backlog),
                     f"{len(wanted - healthy_articles())} alert(s) never reached the healthy webhook")
        report.counts["healthy_all_in_s"] = round(time.monotonic() - started)
        poll_until(lambda: wanted <= {e["id"] for e in enriched.values()}, 60, readers)
        arrivals = {article: at for _p, _id, article, at in sorted(endpoints.to("/ok"), key=lambda r: r[3])[::-1]}
        # Enrichment ends when the event is on wire.enriched (the record's time); its enriched_at
        # is stamped by the topics stage, one hop (the stories sequencer) earlier.
        enriched_at: dict[str, float] = {}
        for (_key, event), written in zip(enriched.records, enriched.written_at):
            if isinstance(event, dict) and event.get("id") and event["id"] not in enriched_at:
                enriched_at[event["id"]] = written
        stamped_at = {e["id"]: to_epoch(e["enriched_at"]) for e in enriched.values()
                      if isinstance(e, dict) and e.get("enriched_at")}
        latencies = [arrivals[a] - enriched_at[a] for a in arrivals if a in enriched_at]
        report.counts["sent"] = len(articles)
        report.counts["enriched"] = len(wanted & set(enriched_at))
        report.counts["healthy_delivered"] = len(wanted & healthy_articles())
        report.counts["healthy_p50_ms"] = round(1000 * percentile(latencies, 0.5))
        report.counts["healthy_p99_ms"] = round(1000 * percentile(latencies, 0.99))
        report.counts["healthy_max_ms"] = round(1000 * max(latencies, default=float("nan")))
        from_stamp = [arrivals[a] - stamped_at[a] for a in arrivals if a in stamped_at]
        report.counts["from_enriched_at_p99_ms"] = round(1000 * percentile(from_stamp, 0.99))
        # where the time goes: on wire.enriched -> alert fired (alerts agent), fired -> webhook (deliver)
        firing = [endpoints.fired_at[a] - enriched_at[a] for a in arrivals if a in enriched_at and a in endpoints.fired_at]
        delivering = [arrivals[a] - endpoints.fired_at[a] for a in arrivals if a in endpoints.fired_at]
        report.counts["fire_p99_ms"] = round(1000 * percentile(firing, 0.99))
        report.counts["deliver_p99_ms"] = round(1000 * percentile(delivering, 0.99))
        report.check(p99_limit is None or percentile(latencies, 0.99) <= p99_limit,
                     f"p99 from wire.enriched to the healthy webhook is {percentile(latencies, 0.99):.2f} s")

        def alert_ids(rule: str) -> set[str]:
            return {a["id"] for a in alert_reader.values() if a.get("rule_id") == rule}

        def all_settled() -> bool:
            letters = deliver_letters(dead)
            return (len(alert_ids("failing")) >= alerts and alert_ids("failing") <= set(letters)
                    and alert_ids("refused") <= set(letters) and len(alert_ids("refused")) >= alerts)

        poll_until(all_settled, 300 + 5 * alerts, readers, worker, stall=120,
                   progress=lambda: sum(len(r.records) for r in readers) + len(endpoints.requests))
        report.counts["all_settled_s"] = round(time.monotonic() - started)
        settle(readers, 2.0)
        letters = deliver_letters(dead)
        failing_tries = endpoints.ids("/fail")
        report.counts["failing_dead_lettered"] = len(alert_ids("failing") & set(letters))
        report.counts["failing_attempts_min"] = min(failing_tries.values(), default=0)
        report.counts["refused_dead_lettered"] = len(alert_ids("refused") & set(letters))
        report.counts["gone_requests"] = len(endpoints.to("/gone"))
        report.counts["duplicates"] = sum(n - 1 for n in endpoints.ids("/ok").values() if n > 1)
        report.counts["dead_lettered"] = len(dead.values())
        report.counts["lost"] = len(wanted - healthy_articles())
        for rule in ("healthy", "failing", "refused"):
            backlog = backlog_seen.get(rule)
            report.counts[f"{rule}_backlog_max"] = -1 if backlog is None else round(backlog)
        report.check(report.counts["failing_dead_lettered"] == alerts,
                     f"{alerts - report.counts['failing_dead_lettered']} alert(s) of the 500 webhook not dead-lettered")
        report.check(report.counts["refused_dead_lettered"] == alerts,
                     f"{alerts - report.counts['refused_dead_lettered']} alert(s) of the refused webhook not dead-lettered")
        report.check(all(n >= 5 for n in failing_tries.values()), "the 500 webhook was not retried 5 times")
        report.check(report.counts["gone_requests"] <= 8, f"the 410 webhook got {report.counts['gone_requests']} requests")
        report.check(report.counts["duplicates"] == 0, "the healthy webhook got an alert twice")
        report.check("wirewatch_alert_delivery_backlog" in "".join(metric_lines(worker, "wirewatch_alert_delivery")),
                     "/metrics has no wirewatch_alert_delivery_backlog")
        rules = worker.http("GET", "/rules")[1]["rules"]
        gone_state = next(r for r in rules if r["id"] == "gone")["notify"][0].get("state") or {}
        report.check(gone_state.get("disabled") is True, f"GET /rules does not show the 410 target disabled: {gone_state}")
        listed = run_cli("rules", "list", env=worker.env)
        report.check("DISABLED" in listed.stdout, f"rules list does not show the disabled target: {listed.stdout[-300:]}")
        report.check(worker.alive(), f"the worker exited ({worker.process.poll()})")
    finally:
        close_all(readers, sender, report.workers)
        endpoints.close()
    return report


def second_group(broker: Broker, workdir: Path, history: int = 60, fresh: int = 10) -> Report:
    """A new consumer group on a loaded Kafka: nothing delivered twice, nothing fired for
    articles older than their rule, new articles alert once per rule."""
    report = Report("second-group", broker.kind)
    prefix = new_prefix("g")
    endpoints = Endpoints()
    readers: list[TopicReader] = []
    sender = None
    try:
        first = start_worker(broker, prefix, workdir)
        report.workers.append(first)
        first.load_rules([dict(NATO_RULE, id="before", notify=[{"type": "webhook", "url": endpoints.url("/ok"),
                                                                "secret": SECRET}])])
        readers = enriched, alert_reader = topic_readers(broker, prefix, "enriched", "alerts")
        sender = Sender(broker.bootstrap, f"{prefix}.raw")
        old = make_articles(history, f"{prefix}-old", nato_every=2)
        old_ids = {a["id"] for a in old}
        for key, value in as_items(old):
            sender.send(key, value)
        sender.producer.flush()
        report.check(poll_until(lambda: old_ids <= {e["id"] for e in enriched.values()}, 120 + 3 * history,
                                readers, first, stall=STALL), "the history was not enriched")
        nato_old = {a["id"] for a in old if "NATO" in a["body"]}
        report.check(poll_until(lambda: nato_old <= {a for _p, _i, a, _t in endpoints.to("/ok")}, 120, readers,
                                first, stall=STALL), "the history's alerts were not delivered")
        first.load_rules([dict(NATO_RULE, id="after", name="NATO (added later)",
                               notify=[{"type": "webhook", "url": endpoints.url("/ok2"), "secret": SECRET}])])
        settle(readers, 3.0)
        alerts_before = len(alert_reader.records)
        first.stop()

        second = Worker(broker, prefix, workdir, app_id=f"ww-{prefix}-second")
        report.workers.append(second)
        second.wait_http("/health", timeout=90)
        new = make_articles(fresh, f"{prefix}-new", nato_every=1)
        new_ids = {a["id"] for a in new}
        for key, value in as_items(new):
            sender.send(key, value)
        sender.producer.flush()

        def fresh_delivered() -> bool:
            return (new_ids <= {a for _p, _i, a, _t in endpoints.to("/ok")}
                    and new_ids <= {a for _p, _i, a, _t in endpoints.to("/ok2")})

        started = time.monotonic()
        report.check(poll_until(fresh_delivered, 240 + 10 * history, readers, second, stall=STALL * 2),
                     "the new articles' alerts were not delivered by the second group")
        report.counts["fresh_delivered_s"] = round(time.monotonic() - started)

        def lag_zero() -> bool:
            lines = metric_lines(second, "wirewatch_consumer_lag{")
            return bool(lines) and all(float(line.rsplit(" ", 1)[1]) == 0 for line in lines)

        def caught_up() -> bool:
            """Lag 0 on every topic twice, one lag measurement (5 s) apart: the replay is over."""
            if not lag_zero():
                return False
            time.sleep(6.0)
            return lag_zero()

        report.check(poll_until(caught_up, 120 + 5 * history, readers, second),
                     "the second group did not catch up with the topics")
        settle(readers, 3.0)
        replayed = Counter(e["id"] for e in enriched.values())
        later = [a for a in alert_reader.values()[alerts_before:]]
        report.counts["sent"] = history + fresh
        report.counts["history_reenriched"] = sum(replayed[i] - 1 for i in old_ids)
        report.counts["alerts_fired_for_history"] = sum(1 for a in later if a["article_id"] in old_ids)
        report.counts["fired_older_than_rule"] = sum(1 for a in alert_reader.values()
                                                     if a["rule_id"] == "after" and a["article_id"] in old_ids)
        ok_ids, ok2_ids = endpoints.ids("/ok"), endpoints.ids("/ok2")
        report.counts["redelivered"] = (sum(n - 1 for n in ok_ids.values() if n > 1)
                                        + sum(n - 1 for n in ok2_ids.values() if n > 1))
        report.counts["fresh_alerts"] = sum(1 for a in later if a["article_id"] in new_ids)
        report.counts["duplicates"] = sum(n - 1 for n in Counter((a["rule_id"], a["article_id"])
                                                                 for a in alert_reader.values()).values() if n > 1)
        report.counts["lost"] = len(new_ids - {a for _p, _i, a, _t in endpoints.to("/ok")})
        report.check(report.counts["redelivered"] == 0, f"{report.counts['redelivered']} webhook(s) delivered again")
        report.check(report.counts["fired_older_than_rule"] == 0,
                     f"{report.counts['fired_older_than_rule']} alert(s) for articles older than their rule")
        report.check(report.counts["alerts_fired_for_history"] == 0,
                     f"{report.counts['alerts_fired_for_history']} alert(s) fired again for the history")
        report.check(report.counts["fresh_alerts"] == 2 * fresh,
                     f"{report.counts['fresh_alerts']} alerts for {fresh} new articles and 2 rules")
        report.check(second.alive(), f"the second worker exited ({second.process.poll()})")
    finally:
        close_all(readers, sender, report.workers)
        endpoints.close()
    return report
