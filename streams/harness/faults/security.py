"""Issue 18's API promises as a fault scenario (`security`), and the requests its tests share.

A worker started with an admin and a read-only token is asked, without a token, with wrong
tokens and with the read-only one, to read and change rules and to send an article: every
attempt must answer 401 or 403 with a clear body and change nothing. Rules with webhooks on
private, loopback, link-local or shared ranges must be refused. A rule with a webhook secret
must reach `wire.rules` sealed, the secret must never be in the worker's log, and its alerts
must still be signed with it.
"""

from __future__ import annotations

import base64
import os
import urllib.error
import urllib.request
from pathlib import Path

import orjson

from streams.harness.brokers import Broker
from streams.harness.faults.scenario import Report, new_prefix
from streams.harness.topics import TopicClient
from streams.harness.webhook_receiver import WebhookReceiver
from streams.harness.workers import Worker

ADMIN = "admin-token-for-the-api-tests-0001"
READER = "read-only-token-for-the-api-tests"
SECRET = "whsec_" + base64.b64encode(b"sealed-secret-of-the-api-test-42").decode()
WRONG_TOKENS = (None, "wrong-token-of-the-right-length", ADMIN[:-1])

RULE = {"id": "intruder", "name": "Intruder", "actors": ["NATO"]}
ARTICLE = {"id": "sec-article", "source": "Test Wire", "body": "An article nobody may send without a token."}
ATTEMPTS = [("GET", "/rules", None), ("GET", "/alerts", None), ("POST", "/rules", RULE),
            ("DELETE", "/rules/intruder", None), ("POST", "/articles", ARTICLE)]
WRITES = ATTEMPTS[2:]
PRIVATE_URLS = ("http://10.1.2.3/hook", "http://192.168.0.10:8080/x", "http://169.254.169.254/latest",
                "http://127.0.0.2:9000/hook", "http://[fe80::1]/hook", "http://[fd00::1]/hook", "http://0.0.0.0/hook",
                "http://100.64.0.1/hook", "http://[::ffff:172.16.0.1]/hook")


def secured_worker(broker: Broker, prefix: str, workdir: Path) -> Worker:
    """A worker (normalize, alerts, deliver) that requires the ADMIN or READER token."""
    saved = {name: os.environ.get(name) for name in ("WIREWATCH_ADMIN_TOKEN", "WIREWATCH_API_TOKENS")}
    os.environ.update(WIREWATCH_ADMIN_TOKEN=ADMIN, WIREWATCH_API_TOKENS=READER)
    try:
        return Worker(broker, prefix, workdir, stages="normalize,alerts,deliver")
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def call(worker: Worker, method: str, path: str, token: str | None, body: object = None) -> tuple[int, object]:
    """A request with this token (or none), unlike worker.http which sends the worker's own."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    data = orjson.dumps(body) if body is not None else None
    request = urllib.request.Request(f"http://127.0.0.1:{worker.web_port}{path}", data=data, method=method,
                                     headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            data = response.read()
            is_json = "json" in response.headers.get("Content-Type", "")
            return response.status, orjson.loads(data or b"null") if is_json else data
    except urllib.error.HTTPError as error:
        return error.code, orjson.loads(error.read() or b"null")


def private_rule(url: str) -> list[dict]:
    return [dict(RULE, id="private", notify=[{"type": "webhook", "url": url, "secret": SECRET}])]


def sealed_on_topic(worker: Worker, rule_id: str) -> tuple[bool, bool]:
    """(the rule's secret is sealed in its last record, the secret appears nowhere on wire.rules)."""
    from streams.alerts.sealing import SEALED_PREFIX
    from streams.alerts.store import read_topic
    from streams.config import Settings

    settings = Settings(broker=worker.broker.url, topic_prefix=worker.prefix)
    records = list(read_topic(settings, settings.topic("rules")))  # the bytes any Kafka client reads
    stored = [orjson.loads(value) for key, value in records if key == rule_id.encode() and value]
    sealed = bool(stored) and stored[-1]["notify"][0]["secret"].startswith(SEALED_PREFIX)
    raw_bytes = b"".join(value or b"" for _key, value in records)
    return sealed, not secret_in(raw_bytes.decode("utf-8", "replace"))


def secret_in(text: str) -> bool:
    return SECRET in text or SECRET.split("_", 1)[1] in text


def nato_enriched(article_id: str) -> dict:
    """An enriched event that mentions NATO (the alerts stage reads wire.enriched)."""
    from streams.alerts.store import resolver
    from streams.config import Settings

    entity_id, name = resolver(Settings())("NATO")
    return {"id": article_id, "version": 1, "source": "Test Wire", "language": "en", "headline": "NATO meets",
            "body": "NATO met today.", "quotes": [], "topics": [],
            "entities": [{"id": entity_id, "name": name, "type": "ORG", "aliases": [], "salience": 1.0,
                          "quoted": False, "mentions": [{"text": "NATO", "start": 0, "end": 4}]}]}


def security(broker: Broker, workdir: Path) -> Report:
    """Counts: requests refused (401 without or with a wrong token, 403 for writes with the
    read-only token), changes they made, private webhook URLs refused, secret occurrences."""
    from standardwebhooks.webhooks import Webhook

    report = Report("security", broker.kind)
    worker = secured_worker(broker, new_prefix("s"), workdir)
    report.workers.append(worker)
    client = TopicClient(broker, worker.prefix)
    receiver = WebhookReceiver()
    try:
        worker.wait_http("/ready", lambda body: body.get("ready") is True, timeout=120)
        unauthenticated = [call(worker, m, p, t, b) for m, p, b in ATTEMPTS for t in WRONG_TOKENS]
        read_only = [call(worker, m, p, READER, b) for m, p, b in WRITES]
        report.counts["unauthenticated_requests"] = len(unauthenticated)
        report.counts["answered_401"] = sum(1 for s, a in unauthenticated if s == 401 and "token" in a["error"])
        report.counts["read_only_writes"] = len(read_only)
        report.counts["answered_403"] = sum(1 for s, a in read_only if s == 403 and "read-only" in a["error"])
        status, listed = call(worker, "GET", "/rules", READER)
        report.counts["rules_added"] = len(listed["rules"]) if status == 200 else -1
        report.counts["articles_sent"] = len(client.drain("raw", timeout=2))
        refused = [call(worker, "POST", "/rules", ADMIN, private_rule(url)) for url in PRIVATE_URLS]
        report.counts["private_urls"] = len(PRIVATE_URLS)
        report.counts["private_urls_refused"] = sum(1 for s, a in refused if s == 400 and "refused" in a["error"])

        worker.load_rules([{"id": "sealed", "name": "NATO, signed", "actors": ["NATO"],
                            "notify": [{"type": "webhook", "url": receiver.url, "secret": SECRET}]}])
        shown = orjson.dumps(call(worker, "GET", "/rules", READER)[1]).decode()
        sealed, absent = sealed_on_topic(worker, "sealed")
        client.send(nato_enriched("sec-nato"), suffix="enriched")
        (headers, body), = receiver.wait_for(1)
        signed = Webhook(SECRET).verify(body, headers)["rule_id"] == "sealed"
        report.counts["secret_on_rules_topic"] = 0 if absent else 1
        report.counts["secret_in_api"] = int(secret_in(shown))
        report.counts["secret_in_log"] = int(secret_in(worker.log(chars=10_000_000)))
        report.counts["signed_with_secret"] = int(signed)

        expected = len(ATTEMPTS) * len(WRONG_TOKENS)
        report.check(report.counts["answered_401"] == expected,
                     f"{expected - report.counts['answered_401']} unauthenticated request(s) not answered 401")
        report.check(report.counts["answered_403"] == len(WRITES),
                     f"{len(WRITES) - report.counts['answered_403']} read-only write(s) not answered 403")
        report.check(report.counts["rules_added"] == 0 and report.counts["articles_sent"] == 0,
                     "a refused request changed something")
        report.check(report.counts["private_urls_refused"] == len(PRIVATE_URLS),
                     f"{len(PRIVATE_URLS) - report.counts['private_urls_refused']} private webhook URL(s) accepted")
        report.check(sealed and absent, "the webhook secret is readable on wire.rules")
        report.check(not report.counts["secret_in_api"] and not report.counts["secret_in_log"],
                     "the webhook secret appears in GET /rules or the worker's log")
        report.check(signed, "the alert was not signed with the rule's secret")
    finally:
        receiver.close()
        client.close()
        worker.stop()
    return report
