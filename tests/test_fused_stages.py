"""Fused stages (issue #17): a worker running annotate and its neighbours runs them in one agent
and still publishes every intermediate record, marked so that the single-stage agents pass it by.

Unit level: which stages fuse, the chain against stage-by-stage calls, the records and their
marks (Faust's test_context, sends captured). Broker level: an all-stage worker writes one record
per article on every hop; a mixed deployment (a parse-only worker beside a rule-stages worker)
still enriches everything; fused and unfused workers give the same events."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import orjson
import pytest

from streams.config import Settings
from streams.harness.topics import TopicClient, poll_until, settle
from streams.harness.workers import Worker
from streams.nlp.chain import run_chain
from streams.nlp.pipeline import Enricher
from streams.runtime.agents import fused_records, fused_stages
from streams.runtime.app import create_app
from streams.runtime.context import HANDLED_HEADER, WorkerContext
from streams.topology import HOP_TOPICS

FR = {"id": "fu-fr", "source": "test", "language": "fr",
      "body": "« Nous resterons unis », a déclaré la ministre Claire Martin à Bruxelles."}
EN = {"id": "fu-en", "source": "test", "language": "en",
      "body": "“These talks will take months,” the foreign minister Anna Berg told reporters in Geneva."}
THROUGH_TOPICS = ("normalize", "annotate", "entities", "quotes", "topics")


def worker_ctx(*stages: str, fuse: bool = True) -> SimpleNamespace:
    return SimpleNamespace(settings=Settings(fuse_stages=fuse), runs=lambda *names: any(n in stages for n in names))


@pytest.mark.parametrize(("stages", "fused"), [
    (("normalize", "annotate", "entities", "quotes", "topics", "stories", "alerts"), THROUGH_TOPICS),
    (("annotate", "entities", "quotes"), ("annotate", "entities", "quotes")),
    (("normalize", "annotate"), ("normalize", "annotate")),
    (("annotate", "quotes", "topics"), ()),  # not consecutive: quotes reads wire.entities
    (("annotate",), ()),
    (("entities", "quotes", "topics"), ()),  # no parse here: nothing to gain
])
def test_the_consecutive_stages_around_annotate_fuse(stages, fused):
    assert fused_stages(worker_ctx(*stages)) == fused


@pytest.mark.parametrize("reads_hops", [False, True])
def test_a_fused_worker_reads_the_hops_between_its_stages_only_when_asked(tmp_path, enricher, reads_hops):
    settings = Settings(data_dir=str(tmp_path), fused_reads_hops=reads_hops)
    app = create_app(settings, stages=[*THROUGH_TOPICS, "stories"], enricher=enricher)
    hop_agents = {"annotate", "entities", "quotes", "topics"}
    assert "normalize-topics" in app.agents and "stories" in app.agents
    assert (hop_agents <= set(app.agents)) if reads_hops else not hop_agents & set(app.agents)
    from streams.config import from_env

    assert from_env({}).fused_reads_hops is False
    assert from_env({"WIREWATCH_FUSED_READS_HOPS": "1"}).fused_reads_hops is True


def test_fusing_can_be_turned_off():
    assert fused_stages(worker_ctx(*THROUGH_TOPICS, fuse=False)) == ()
    from streams.config import from_env

    assert from_env({"WIREWATCH_FUSE_STAGES": "0"}).fuse_stages is False
    assert from_env({}).fuse_stages is True


@pytest.fixture(scope="module")
def enricher():
    return Enricher(Settings())


def strip_timings(event: dict) -> dict:
    return {k: v for k, v in event.items() if k not in ("timings_ms", "enriched_at")}


def test_the_chain_gives_what_the_stages_give_one_by_one(enricher):
    outcomes = run_chain(enricher, THROUGH_TOPICS, [FR, EN])
    for article, outcome in zip((FR, EN), outcomes):
        assert outcome.failure is None
        assert [stage for stage, _ in outcome.outputs] == list(THROUGH_TOPICS)
        event = enricher.normalize(article)
        ((event, doc),) = enricher.annotate([event])
        expected = enricher.topics(enricher.quotes(enricher.entities(event, doc), doc), doc)
        assert strip_timings(outcome.outputs[-1][1]) == strip_timings(expected)


def test_a_failing_article_stops_alone_at_its_stage(enricher, monkeypatch):
    quotes = Enricher.quotes

    def failing_quotes(self, event, doc=None):
        if event["id"] == "fu-en":
            raise ValueError("no quotes today")
        return quotes(self, event, doc)

    monkeypatch.setattr(Enricher, "quotes", failing_quotes)
    fr, bad_json, en = run_chain(enricher, THROUGH_TOPICS, [FR, b'{"id": "cut', EN])
    assert fr.failure is None and len(fr.outputs) == 5
    assert bad_json.failure.stage == "normalize" and bad_json.outputs == []
    assert en.failure.stage == "quotes" and "no quotes today" in str(en.failure.error)
    assert [stage for stage, _ in en.outputs] == ["normalize", "annotate", "entities"]
    assert en.failure.payload["entities"]  # what quotes was given: the entities stage's output


def test_records_are_marked_handled_when_their_reader_ran_here(enricher):
    (outcome,) = run_chain(enricher, THROUGH_TOPICS, [FR])
    records = fused_records(THROUGH_TOPICS, None, outcome)
    assert [(r.target, r.handled) for r in records] == [
        ("normalized", True), ("annotated", True), ("entities", True), ("quotes", True), ("stories-in", False)]
    (outcome,) = run_chain(enricher, ("normalize", "annotate"), [FR])
    assert [(r.target, r.handled) for r in fused_records(("normalize", "annotate"), None, outcome)] == [
        ("normalized", True), ("annotated", False)]


@pytest.fixture
def sent(monkeypatch):
    captured: list[tuple[str, dict, dict]] = []

    async def capture(self, topic, key, value, *, raw=False, headers=None):
        captured.append((topic, value, dict(headers or {})))
        future = asyncio.get_running_loop().create_future()
        future.set_result(None)
        return future

    monkeypatch.setattr(WorkerContext, "hand_over", capture)
    return captured


def test_the_fused_agent_publishes_every_hop_and_dead_letters_bad_input(tmp_path, enricher, sent):
    app = create_app(Settings(data_dir=str(tmp_path)), stages=list(THROUGH_TOPICS), enricher=enricher)
    assert "normalize-topics" in app.agents

    async def main():
        async with app.agents["normalize-topics"].test_context() as agent:
            for value in (orjson.dumps(FR), b"\xff not json", orjson.dumps(EN)):
                await agent.put(value)
            for _ in range(400):
                if len(sent) >= 11:
                    break
                await asyncio.sleep(0.05)

    asyncio.run(main())
    by_topic: dict[str, list] = {}
    for topic, value, headers in sent:
        by_topic.setdefault(topic, []).append((value, headers))
    assert {topic: len(records) for topic, records in by_topic.items()} == {
        "normalized": 2, "annotated": 2, "entities": 2, "quotes": 2, "stories-in": 2, "deadletter": 1}
    for topic in ("normalized", "annotated", "entities", "quotes"):
        assert all(HANDLED_HEADER in headers for _value, headers in by_topic[topic])
    assert not any(HANDLED_HEADER in headers for _value, headers in by_topic["stories-in"])
    assert {value["id"] for value, _ in by_topic["stories-in"]} == {"fu-fr", "fu-en"}
    assert all("annotation" not in value and value["topics"] for value, _ in by_topic["stories-in"])
    ((letter, _),) = by_topic["deadletter"]
    assert letter["stage"] == "normalize"


# --- on a real broker ----------------------------------------------------------------------

INTERMEDIATE = HOP_TOPICS[:-1]  # normalized … stories-in


@pytest.mark.integration
def test_one_record_per_article_per_hop_and_the_same_events_unfused(broker, tmp_path):
    """All stages in one worker: each hop has each article once (the stage agents passed the
    marked records by), and the events equal those of a worker with fusing off."""
    articles = [dict(a, id=f"{a['id']}-{n}") for n in range(3) for a in (FR, EN)]
    events = {}
    for fuse in ("1", "0"):
        prefix = f"fused{fuse}{broker.kind}"
        worker = Worker(broker, prefix, tmp_path, env={"WIREWATCH_FUSE_STAGES": fuse})
        client = TopicClient(broker, prefix)
        readers = {suffix: client.reader(suffix) for suffix in (*INTERMEDIATE, "enriched", "deadletter")}
        try:
            for article in articles:
                client.send(article)
            assert poll_until(lambda: len(readers["enriched"].values()) >= len(articles), 240, readers.values(),
                              worker), worker.log()
            settle(readers.values(), 2.0)  # a second record per hop would show up now
            for suffix in INTERMEDIATE:
                ids = sorted(value["id"] for value in readers[suffix].values())
                assert ids == sorted(a["id"] for a in articles), (fuse, suffix, ids)
                marked = [HANDLED_HEADER in headers for headers in readers[suffix].headers]
                assert all(marked) if fuse == "1" and suffix != "stories-in" else not any(marked), (fuse, suffix)
            assert readers["deadletter"].values() == []
            events[fuse] = {e["id"]: strip_timings(e) for e in readers["enriched"].values()}
        finally:
            client.close()
            worker.stop()
    for article_id, event in events["1"].items():
        assert without_story_fields(event) == without_story_fields(events["0"][article_id])


def without_story_fields(event: dict) -> dict:
    """The event without what the stories sequencer adds: the copies of one text here make the
    story and each quote's `seen` count depend on the order the copies arrived in, not on fusing."""
    kept = {k: v for k, v in event.items() if k != "story"}
    kept["quotes"] = [{k: v for k, v in quote.items() if k != "seen"} for quote in event["quotes"]]
    return kept


@pytest.mark.integration
def test_a_parse_only_worker_beside_a_rule_stages_worker_still_enriches_everything(broker, tmp_path):
    """normalize+annotate fused in one worker, the rule stages in another: the annotated records
    are not marked (their reader runs elsewhere), so the other worker processes every one."""
    prefix = f"fusedmix{broker.kind}"
    parse = Worker(broker, prefix, tmp_path, stages="normalize,annotate", app_id=f"ww-{prefix}-a")
    rules = Worker(broker, prefix, tmp_path, stages="entities,quotes,topics,stories", app_id=f"ww-{prefix}-b")
    client = TopicClient(broker, prefix)
    enriched, annotated = client.reader("enriched"), client.reader("annotated")
    try:
        articles = [dict(a, id=f"{a['id']}-mix{n}") for n in range(2) for a in (FR, EN)]
        for article in articles:
            client.send(article)
        assert poll_until(lambda: len(enriched.values()) >= len(articles), 240, (enriched, annotated), rules), \
            parse.log() + rules.log()
        assert sorted(e["id"] for e in enriched.values()) == sorted(a["id"] for a in articles)
        assert not any(HANDLED_HEADER in headers for headers in annotated.headers)
        assert all(e["entities"] and e["topics"] for e in enriched.values())
    finally:
        client.close()
        for worker in (parse, rules):
            worker.stop()


@pytest.mark.integration
def test_a_fused_worker_reading_its_hops_finishes_what_a_parse_only_worker_wrote(broker, tmp_path):
    """A parse-only worker (normalize+annotate, reading wire.raw) beside a worker fusing annotate …
    topics with WIREWATCH_FUSED_READS_HOPS (reading wire.normalized): the first one's normalized
    records are marked and passed by, its annotated records are not, and the second worker's
    own entities agent processes them: every article enriched once."""
    prefix = f"fusedhops{broker.kind}"
    parse = Worker(broker, prefix, tmp_path, stages="normalize,annotate", app_id=f"ww-{prefix}-a")
    rest = Worker(broker, prefix, tmp_path, stages="annotate,entities,quotes,topics,stories",
                  app_id=f"ww-{prefix}-b", env={"WIREWATCH_FUSED_READS_HOPS": "1"})
    client = TopicClient(broker, prefix)
    enriched = client.reader("enriched")
    try:
        articles = [dict(a, id=f"{a['id']}-hops{n}") for n in range(2) for a in (FR, EN)]
        for article in articles:
            client.send(article)
        assert poll_until(lambda: len(enriched.values()) >= len(articles), 240, (enriched,), rest), \
            parse.log() + rest.log()
        settle((enriched,), 2.0)
        assert sorted(e["id"] for e in enriched.values()) == sorted(a["id"] for a in articles)
        assert all(e["entities"] and e["topics"] for e in enriched.values())
    finally:
        client.close()
        for worker in (parse, rest):
            worker.stop()


def test_the_batch_wait_is_a_setting_with_a_clear_error():
    from streams.config import ConfigError, from_env

    assert from_env({}).batch_within == 0.01
    assert from_env({"WIREWATCH_BATCH_WAIT_MS": "50"}).batch_within == 0.05
    with pytest.raises(ConfigError, match="WIREWATCH_BATCH_WAIT_MS"):
        from_env({"WIREWATCH_BATCH_WAIT_MS": "0"})
