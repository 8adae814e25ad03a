"""Faults (issue #7) on real brokers with real `wirewatch worker` processes: kill -9 and restart,
Apache Kafka restarted under a worker, a poison corpus, and webhooks that are slow, failing or
down.  The scenarios live in streams/harness/faults/, which scripts/faults.py runs at a larger
scale (`python scripts/faults.py --help`); here they run small.  Each test prints its counts
(sent, enriched, dead-lettered, duplicates, lost): see them with `pytest -s` or `-rP`.

The property tests at the end need no broker: they check the same poison corpus against the
normalize stage alone, where a failure is cheap to read.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from streams.harness.brokers import requested_broker_kinds
from streams.harness.faults.poison import poison
from streams.harness.faults.poison_corpus import HOSTILE, POISON, outgrowing_article
from streams.harness.faults.restarts import kafka_restart, kill_and_restart
from streams.harness.faults.webhooks import webhooks
from streams.nlp.normalize.clean import InvalidArticle, normalize_article
from streams.paths import REPO_ROOT
from streams.runtime import codec


def assert_ok(report) -> None:
    print(report.summary())
    for note in report.notes:
        print(f"  {note}")
    assert report.ok, report.details()


# --- on a real broker -------------------------------------------------------------------------


@pytest.mark.integration
def test_kill_9_mid_stream_then_restart_loses_nothing_and_fires_no_alert_twice(broker, tmp_path):
    """90 articles streamed at a steady pace; the worker is killed with SIGKILL once a third is
    enriched and a new one (same app id, same state dir) takes over while the stream goes on.
    Every article is enriched (replays are counted and must be identical), and wire.alerts holds
    exactly one alert per (rule, article)."""
    assert_ok(kill_and_restart(broker, tmp_path, articles=90, kills=1, interval=0.15))


@pytest.mark.integration
def test_clean_restart_mid_stream_loses_nothing(broker, tmp_path):
    """The same with SIGTERM, as a deployment restarts a worker: the stopping worker must not
    commit offsets of events it has not finished (in-flight batches, alerts whose state it has
    not written), and the new one must not drop records while it loads the alert state."""
    assert_ok(kill_and_restart(broker, tmp_path, articles=90, kills=2, interval=0.15,
                                      sig=signal.SIGTERM))


@pytest.mark.integration
def test_kafka_restart_under_a_running_worker_loses_nothing(tmp_path):
    """A dedicated Apache Kafka (the session one stays untouched) is restarted with its data while
    a worker runs; articles are sent before, during (the producer retries) and after. Apache
    Kafka only: the embedded broker keeps its data in memory, a restart empties it."""
    if "kafka" not in requested_broker_kinds():
        pytest.skip("WIREWATCH_TEST_BROKER excludes Apache Kafka")
    if not shutil.which("java"):
        pytest.skip("java is needed to run Apache Kafka")
    assert_ok(kafka_restart(tmp_path, articles=60))


@pytest.mark.integration
def test_poison_corpus_is_dead_lettered_and_the_worker_goes_on(broker, tmp_path):
    """90 poison records of 13 kinds drawn by hypothesis (fixed seed) among 60 good and
    hostile-but-valid articles: every bad record is dead-lettered once with a stage and a reason,
    every good one enriched, the worker still runs and answers /health. One more record is a
    valid 160 kB article dense in quotations, whose quotes event is over 1 MB: it must come out
    once, enriched or dead-lettered with a reason."""
    assert_ok(poison(broker, tmp_path, good=60, bad=90, seed=7, extra=[outgrowing_article()]))


@pytest.mark.integration
def test_slow_failing_and_down_webhooks_lose_nothing_and_do_not_hold_up_enrichment(broker, tmp_path):
    """Three rules on NATO, with a webhook that answers after 3 s, one that answers 500 twice per
    alert then 200, and one where nothing listens. Articles sent while the deliveries struggle
    are enriched within a generous bound; the slow and flaky webhooks receive every alert, the
    down one's alerts reach wire.deadletter (stage deliver) after the retries."""
    assert_ok(webhooks(broker, tmp_path, articles=45, nato_every=6))


# --- the poison corpus against the normalize stage alone (no broker) ---------------------------

REJECTED_KINDS = sorted(set(POISON) - {"nested-article"})


@given(st.sampled_from(REJECTED_KINDS).flatmap(lambda kind: st.tuples(st.just(kind), POISON[kind])))
@settings(max_examples=300, deadline=None, database=None, derandomize=True)
def test_normalize_rejects_every_poison_record_with_a_reason(case):
    kind, value = case
    with pytest.raises(InvalidArticle) as caught:
        normalize_article(value)
    assert str(caught.value).strip(), kind


@given(st.one_of(*HOSTILE.values()))
@settings(max_examples=150, deadline=None, database=None, derandomize=True)
def test_normalize_accepts_hostile_but_valid_articles(article):
    event = normalize_article(orjson.dumps(dict(article, id="hostile")))
    assert event["body"].strip()
    assert codec.loads(codec.dumps(event))["id"] == "hostile"


@given(POISON["nested-article"])
@settings(max_examples=25, deadline=None, database=None, derandomize=True)
def test_what_normalize_accepts_can_be_put_on_the_wire(value):
    """An article with a deeply nested extra field (255 to 1000 levels: orjson reads up to 1024
    but writes only up to 254) must be rejected by normalize, or be encodable: otherwise the
    agent's send raises outside its try and the record is neither forwarded nor dead-lettered."""
    try:
        event = normalize_article(value)
    except InvalidArticle:
        return
    codec.dumps(event)


def test_the_script_and_the_module_list_the_scenarios():
    """scripts/faults.py is a thin door to streams.harness.faults: both answer --help alike."""
    script = subprocess.run([sys.executable, str(REPO_ROOT / "scripts" / "faults.py"), "--help"],
                            capture_output=True, text=True, timeout=120, check=False)
    module = subprocess.run([sys.executable, "-m", "streams.harness.faults", "--help"],
                            capture_output=True, text=True, timeout=120, check=False)
    assert script.returncode == 0 and module.returncode == 0, script.stderr + module.stderr
    for scenario in ("kill", "kafka-restart", "poison", "webhooks"):
        assert scenario in script.stdout
    assert script.stdout == module.stdout
