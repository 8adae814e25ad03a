"""Issue 18, part B, from outside on a real broker: the worker's API refuses requests without a
valid token (401) and writes with a read-only token (403), changing nothing; webhook URLs to
private ranges are refused; the webhook secret is sealed on wire.rules, never in a log, and
still signs the alerts it is meant to sign."""

from __future__ import annotations

import base64

import orjson
import pytest
from standardwebhooks.webhooks import Webhook

from streams.alerts.sealing import SEALED_PREFIX
from streams.harness.topics import TopicClient
from streams.harness.webhook_receiver import WebhookReceiver
from streams.harness.workers import Worker

pytestmark = pytest.mark.integration

ADMIN = "admin-token-for-the-api-tests-0001"
READER = "read-only-token-for-the-api-tests"
SECRET = "whsec_" + base64.b64encode(b"sealed-secret-of-the-api-test-42").decode()


@pytest.fixture(scope="module")
def secured(broker, tmp_path_factory):
    """A worker (alerts and webhooks only) that requires tokens."""
    tmp = tmp_path_factory.mktemp(f"secured-{broker.kind}")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("WIREWATCH_ADMIN_TOKEN", ADMIN)
        env.setenv("WIREWATCH_API_TOKENS", READER)
        worker = Worker(broker, f"sec{broker.kind}", tmp, stages="normalize,alerts,deliver")
    client = TopicClient(broker, worker.prefix)
    receiver = WebhookReceiver()
    worker.wait_http("/ready", lambda body: body.get("ready") is True, timeout=120)
    yield worker, client, receiver
    receiver.close()
    client.close()
    worker.stop()


def call(worker: Worker, method: str, path: str, token: str | None, body: object = None) -> tuple[int, object]:
    """A request with this token (or none), unlike worker.http which sends the admin token."""
    import urllib.error
    import urllib.request

    headers = {"Authorization": f"Bearer {token}"} if token else {}
    data = orjson.dumps(body) if body is not None else None
    request = urllib.request.Request(f"http://127.0.0.1:{worker.web_port}{path}", data=data, method=method,
                                     headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            data = response.read()
            return response.status, orjson.loads(data or b"null") if "json" in response.headers.get(
                "Content-Type", "") else data
    except urllib.error.HTTPError as error:
        return error.code, orjson.loads(error.read() or b"null")


RULE = {"id": "intruder", "name": "Intruder", "actors": ["NATO"]}
ARTICLE = {"id": "sec-article", "source": "Test Wire", "body": "An article nobody may send without a token."}


def test_without_a_valid_token_nothing_is_read_or_changed(secured):
    worker, client, _receiver = secured
    attempts = [("GET", "/rules", None), ("GET", "/alerts", None), ("POST", "/rules", RULE),
                ("DELETE", "/rules/intruder", None), ("POST", "/articles", ARTICLE)]
    for method, path, body in attempts:
        for token in (None, "wrong-token-of-the-right-length", ADMIN[:-1]):
            status, answer = call(worker, method, path, token, body)
            assert status == 401, (method, path, token, answer)
            assert "token" in answer["error"]
    for method, path, body in attempts[2:]:
        status, answer = call(worker, method, path, READER, body)
        assert status == 403, (method, path, answer)
        assert "read-only" in answer["error"]
    status, answer = call(worker, "GET", "/rules", READER)
    assert status == 200 and answer["rules"] == []  # nothing was added
    assert client.drain("raw", timeout=2) == []  # no article was sent
    for path in ("/health", "/ready", "/metrics"):  # probes and scrapes need no token
        assert worker.request("GET", path)[0] in (200, 503)
        assert call(worker, "GET", path, None)[0] in (200, 503)


@pytest.mark.parametrize("url", ["http://10.1.2.3/hook", "http://192.168.0.10:8080/x", "http://169.254.169.254/latest",
                                 "http://127.0.0.2:9000/hook", "http://[fe80::1]/hook", "http://[fd00::1]/hook", "http://0.0.0.0/hook",
                                 "http://100.64.0.1/hook", "http://[::ffff:172.16.0.1]/hook"])
def test_webhooks_to_private_ranges_are_refused(secured, url):
    worker, _client, _receiver = secured
    rule = dict(RULE, id="private", notify=[{"type": "webhook", "url": url, "secret": SECRET}])
    status, answer = call(worker, "POST", "/rules", ADMIN, [rule])
    assert status == 400, answer
    assert "refused" in answer["error"] and "WIREWATCH_WEBHOOK_ALLOW" in answer["error"]
    assert "private" not in {r["id"] for r in call(worker, "GET", "/rules", READER)[1]["rules"]}


def test_the_secret_is_sealed_on_the_topic_and_absent_from_logs_yet_signs(secured):
    from streams.alerts.store import read_topic, resolver
    from streams.config import Settings

    worker, client, receiver = secured
    rule = {"id": "sealed", "name": "NATO, signed", "actors": ["NATO"],
            "notify": [{"type": "webhook", "url": receiver.url, "secret": SECRET}]}
    worker.load_rules([rule])
    listed = call(worker, "GET", "/rules", READER)[1]["rules"]
    assert SECRET not in orjson.dumps(listed).decode()

    settings = Settings(broker=worker.broker.url, topic_prefix=worker.prefix)
    records = list(read_topic(settings, settings.topic("rules")))  # the bytes any Kafka client reads
    stored = [orjson.loads(value) for key, value in records if key == b"sealed" and value]
    assert stored and stored[-1]["notify"][0]["secret"].startswith(SEALED_PREFIX)
    raw_bytes = b"".join(value or b"" for _key, value in records)
    assert SECRET.encode() not in raw_bytes and SECRET.split("_", 1)[1].encode() not in raw_bytes

    entity_id, name = resolver(Settings())("NATO")
    enriched = {"id": "sec-nato", "version": 1, "source": "Test Wire", "language": "en", "headline": "NATO meets",
                "body": "NATO met today.", "quotes": [], "topics": [],
                "entities": [{"id": entity_id, "name": name, "type": "ORG", "aliases": [], "salience": 1.0,
                              "quoted": False, "mentions": [{"text": "NATO", "start": 0, "end": 4}]}]}
    client.send(enriched, suffix="enriched")
    (headers, body), = receiver.wait_for(1)
    assert Webhook(SECRET).verify(body, headers)["rule_id"] == "sealed"  # opened with the right key
    log = worker.log(chars=10_000_000)
    assert SECRET not in log and SECRET.split("_", 1)[1] not in log
