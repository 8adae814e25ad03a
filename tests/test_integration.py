"""End to end on a real broker: an outside kafka-python client feeds wire.raw and reads the
public topics while a `wirewatch worker` process enriches (embedded Tansu and Apache Kafka)."""

from __future__ import annotations

import orjson
import pytest

from streams.contracts import schema_problems as validate
from streams.harness.topics import TopicClient as Client
from streams.harness.workers import Worker

pytestmark = pytest.mark.integration

GOOD = {
    "id": "it-good-1",
    "source": "Test Wire",
    "language": "en",
    "headline": "Minister warns of long talks",
    "body": "The foreign minister, Anna Berg, spoke in Geneva on Monday.\n\n"
    "“These talks will take months, not weeks,” Berg told reporters.",
}


@pytest.fixture(scope="module")
def pipeline(broker, tmp_path_factory, request):
    """One worker with all enrichment stages on its own topic prefix, shared by this module."""
    prefix = f"it{broker.kind}"
    tmp = tmp_path_factory.mktemp(f"worker-{broker.kind}")
    worker = Worker(broker, prefix, tmp)
    client = Client(broker, prefix)
    yield worker, client
    client.close()
    worker.stop()


def strip_volatile(event: dict) -> dict:
    """The parts of an enriched event that must be identical when an article is re-processed."""
    return {k: v for k, v in event.items() if k not in ("enriched_at", "timings_ms")}


def test_good_article_is_enriched_and_valid(pipeline):
    worker, client = pipeline
    client.send(GOOD)
    (event,) = client.collect("enriched", 1, worker=worker)
    assert event["id"] == GOOD["id"]
    assert validate("enriched-article", event) == []
    assert "annotation" not in event
    assert any(q["text"].startswith("These talks will take months") for q in event["quotes"])


def test_bad_input_is_dead_lettered_and_the_worker_goes_on(pipeline):
    worker, client = pipeline
    client.send(b"\xff\xfe\xfd not utf-8", key="bad-bytes")
    client.send({"id": "it-missing-source", "body": "no source field"})
    client.send(b'{"id": "it-truncated", "source": "x", "body": "unterminated')
    client.send(b"[1, 2, 3]")
    client.send(dict(GOOD, id="it-good-after-bad"))
    letters = client.collect("deadletter", 4, worker=worker)
    for letter in letters:
        assert validate("deadletter", letter) == []
        assert letter["stage"] == "normalize"
        assert letter["error"]
    errors = " | ".join(letter["error"] for letter in letters)
    assert "not valid UTF-8" in errors and "missing required field 'source'" in errors
    assert "not valid JSON" in errors and "expected an object" in errors
    binary = next(letter for letter in letters if letter["payload_encoding"] == "base64")
    import base64

    assert base64.b64decode(binary["payload"]) == b"\xff\xfe\xfd not utf-8"
    good = client.collect("enriched", 1, worker=worker)
    assert good[0]["id"] == "it-good-after-bad"


def test_french_seed_article(pipeline, seed_article):
    worker, client = pipeline
    client.send(seed_article)
    (event,) = client.collect("enriched", 1, worker=worker)
    assert validate("enriched-article", event) == []
    assert len(event["quotes"]) >= 4
    for quote in event["quotes"]:
        assert event["body"][quote["start"]:quote["end"]] == quote["text"]
    assert any(entity["name"] == "NATO" for entity in event["entities"])
    assert event["topics"]
    assert "Contactez-nous" not in event["body"]


def test_reprocessing_yields_the_same_event(pipeline):
    worker, client = pipeline
    article = dict(GOOD, id="it-replayed")
    client.send(article)
    client.send(article)
    first, second = client.collect("enriched", 2, worker=worker)
    assert strip_volatile(first) == strip_volatile(second)
    assert first["dedup_key"] == "it-replayed:1"


def test_health_and_metrics(pipeline):
    import urllib.request

    worker, client = pipeline
    client.send(dict(GOOD, id="it-metrics"))
    client.collect("enriched", 1, worker=worker)
    health = orjson.loads(urllib.request.urlopen(f"http://127.0.0.1:{worker.web_port}/health", timeout=5).read())
    assert health["status"] == "alive"  # alive only; whether it can work is /ready's answer
    ready = worker.wait_http("/ready", lambda body: body["ready"] is True)
    assert set(ready["checks"]) >= {"broker", "partitions", "lag"}
    metrics = urllib.request.urlopen(f"http://127.0.0.1:{worker.web_port}/metrics", timeout=5).read().decode()
    assert 'wirewatch_articles_total{stage="topics"}' in metrics
    assert 'wirewatch_dead_letters_total{stage="normalize"}' in metrics
    import re

    for stage in ("normalize", "annotate", "entities", "quotes", "topics"):  # latency histograms
        assert re.search(rf'^wirewatch_stage_latency_seconds_count{{stage="{stage}"}} [1-9]', metrics, re.M), stage
    assert re.search(r"^wirewatch_end_to_end_latency_seconds_count [1-9]", metrics, re.M)
    assert 'wirewatch_end_to_end_latency_seconds_bucket{le="1.0"}' in metrics


def test_a_long_article_whose_parse_exceeds_a_default_kafka_message_still_flows(pipeline):
    worker, client = pipeline
    paragraph = ("The finance minister, Anna Berg, said in Geneva that the budget talks with the unions "
                 "would continue next week, while the central bank kept rates unchanged. ")
    body = "\n\n".join([(paragraph * 3).strip()] * 500)  # about 250 kB of text; its parse is several MB
    client.send(dict(GOOD, id="it-long", body=body))
    (event,) = client.collect("enriched", 1, timeout=180, worker=worker)
    assert event["id"] == "it-long" and len(event["body"]) == len(body)
