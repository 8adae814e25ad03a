"""Agents with Faust's test_context (no broker): each agent forwards what its stage returns and
turns every failure into a dead letter without stopping. Broker behaviour is covered by the
integration tests; here sends are captured where records are handed to the producer
(WorkerContext.hand_over)."""

from __future__ import annotations

import asyncio
from typing import Any

import orjson
import pytest

from streams.config import Settings
from streams.nlp.pipeline import Enricher
from streams.runtime.app import create_app
from streams.runtime.context import WorkerContext

ARTICLE = {"id": "ag-1", "source": "test", "language": "fr",
           "body": "« Nous resterons unis », a déclaré la ministre Claire Martin à Bruxelles."}


@pytest.fixture(scope="module")
def enricher():
    return Enricher(Settings())


@pytest.fixture
def sent(monkeypatch):
    captured: list[tuple[str, bytes | None, dict]] = []

    async def capture(self, topic, key, value, *, raw=False, headers=None):
        assert not raw or value is None  # events are encoded (orjson) on the way out; only tombstones are raw
        captured.append((self.settings.topic(topic), key, value))
        future = asyncio.get_running_loop().create_future()
        future.set_result(None)
        return future

    monkeypatch.setattr(WorkerContext, "hand_over", capture)
    return captured


def run_agent(app, name: str, values: list, sent: list) -> None:
    """Feed the agent, then wait until it has sent one event per input (batches take a moment)."""
    expected = len(sent) + len(values)

    async def main():
        async with app.agents[name].test_context() as agent:
            for value in values:
                await agent.put(value)
            for _ in range(300):
                if len(sent) >= expected:
                    break
                await asyncio.sleep(0.05)

    asyncio.run(main())


def make_app(tmp_path, enricher, stage: str):
    return create_app(Settings(data_dir=str(tmp_path)), stages=[stage], enricher=enricher)


def test_normalize_agent_forwards_and_dead_letters(tmp_path, enricher, sent):
    app = make_app(tmp_path, enricher, "normalize")
    run_agent(app, "normalize", [b"\xff\xfe", b'{"id": "x"}', orjson.dumps(ARTICLE)], sent)
    topics = [topic for topic, _, _ in sent]
    assert topics == ["wire.deadletter", "wire.deadletter", "wire.normalized"]
    assert sent[2][1] == b"ag-1" and sent[2][2]["dedup_key"] == "ag-1:1"
    assert sent[0][2]["payload_encoding"] == "base64" and sent[0][2]["topic"] == "wire.raw"


def test_stage_agents_chain_and_survive_a_failure(tmp_path, enricher, sent):
    normalized = enricher.normalize(orjson.dumps(ARTICLE))
    ((annotated, _doc),) = enricher.annotate([normalized])
    payload = orjson.dumps(annotated)
    broken = orjson.dumps({k: v for k, v in annotated.items() if k != "annotation"})

    app = make_app(tmp_path / "e", enricher, "entities")
    run_agent(app, "entities", [broken, payload], sent)
    assert [t for t, _, _ in sent] == ["wire.deadletter", "wire.entities"]
    assert "annotation" in sent[0][2]["error"] and sent[0][2]["stage"] == "entities"
    with_entities = sent[1][2]
    assert any(e["name"] == "Claire Martin" for e in with_entities["entities"])

    sent.clear()
    run_agent(make_app(tmp_path / "q", enricher, "quotes"), "quotes", [orjson.dumps(with_entities)], sent)
    ((topic, _, with_quotes),) = sent
    assert topic == "wire.quotes" and with_quotes["quotes"][0]["speaker"]["name"] == "Claire Martin"

    sent.clear()
    run_agent(make_app(tmp_path / "t", enricher, "topics"), "topics", [orjson.dumps(with_quotes), b"[]"], sent)
    assert [t for t, _, _ in sent] == ["wire.stories-in", "wire.deadletter"]  # then the stories stage
    assert "annotation" not in sent[0][2] and "topics" in sent[0][2]


def test_annotate_agent_parses_in_batches(tmp_path, enricher, sent):
    events = [enricher.normalize(orjson.dumps(dict(ARTICLE, id=f"ag-{i}"))) for i in range(3)]
    app = make_app(tmp_path, enricher, "annotate")
    run_agent(app, "annotate", [orjson.dumps(e) for e in events] + [b"not json"], sent)
    topics = sorted(t for t, _, _ in sent)
    assert topics == ["wire.annotated"] * 3 + ["wire.deadletter"]
    assert all(v["annotation"]["format"] == "spacy-docbin/1" for t, _, v in sent if t == "wire.annotated")


def test_an_exception_outside_the_stage_is_dead_lettered_and_the_agent_goes_on(tmp_path, enricher, sent,
                                                                                monkeypatch):
    """Faust acknowledges an event whose exception leaves the agent: the agent must dead-letter
    it first (tests/test_known_risks.py proves it on real brokers, at every stage)."""
    from streams.runtime.context import WorkerContext

    forward, send_dead_letter = WorkerContext.forward, WorkerContext.send_dead_letter
    letters_failed: list[str] = []

    async def crashing_forward(self, stage, event, target, result):
        if result["id"].startswith("crash"):
            raise KeyError("not what any stage expects")
        await forward(self, stage, event, target, result)

    async def failing_once(self, stage, event, payload, error):
        if b'"crash-dl"' in event.value and not letters_failed:
            letters_failed.append("crash-dl")
            raise TypeError("the letter could not be written")
        await send_dead_letter(self, stage, event, payload, error)

    monkeypatch.setattr(WorkerContext, "forward", crashing_forward)
    monkeypatch.setattr(WorkerContext, "send_dead_letter", failing_once)
    app = make_app(tmp_path, enricher, "normalize")
    values = [orjson.dumps(dict(ARTICLE, id=name)) for name in ("crash-1", "crash-dl", "ok")]
    run_agent(app, "normalize", values, sent)
    assert [topic for topic, _, _ in sent] == ["wire.deadletter", "wire.deadletter", "wire.normalized"]
    first, second = sent[0][2], sent[1][2]
    assert first["stage"] == "normalize" and first["payload"] == values[0].decode()
    assert first["error"] == ("unfinished: the normalize agent failed outside its stage function "
                              "(KeyError: 'not what any stage expects')")
    assert second["payload"] == "" and second["error"].endswith("payload dropped (TypeError: the letter could not be written)")


def test_the_stories_agent_writes_a_batchs_rows_before_its_events_and_dead_letters_what_it_cannot_read(
        tmp_path, enricher, sent, monkeypatch):
    """A batch of stories-in events: every row of the batch is handed over before any enriched
    event; a copy joins the story of the dispatch before it in the same batch; an event that is
    not JSON is dead-lettered and the ones around it go on (the state read back after it)."""
    from test_stories import COPY, DISPATCH, OTHER

    from streams.runtime import stories
    from streams.stories.state import StoriesState

    loads: list[int] = []

    async def fresh_state(ctx):
        loads.append(1)
        return StoriesState()

    monkeypatch.setattr(stories, "load_state", fresh_state)
    base = {"source": "test", "language": "fr", "headline": "", "entities": [], "quotes": [], "topics": []}
    values = [orjson.dumps(dict(base, id="st-1", body=DISPATCH)), orjson.dumps(dict(base, id="st-2", body=COPY)),
              b"not json", orjson.dumps(dict(base, id="st-3", body=OTHER))]
    app = create_app(Settings(data_dir=str(tmp_path)), stages=["stories"], enricher=enricher)

    async def main():
        async with app.agents["stories"].test_context() as agent:
            for value in values:
                await agent.put(value)
            for _ in range(300):
                if sum(1 for topic, _, _ in sent if topic in ("wire.enriched", "wire.deadletter")) >= 4:
                    break
                await asyncio.sleep(0.05)

    asyncio.run(main())
    topics = [topic for topic, _, _ in sent]
    assert topics.count("wire.enriched") == 3 and topics.count("wire.deadletter") == 1
    before_letter = topics[:topics.index("wire.deadletter")]
    assert "wire.story-state" in before_letter
    assert before_letter.index("wire.enriched") > max(i for i, t in enumerate(before_letter) if t == "wire.story-state")
    enriched = {value["id"]: value for topic, _, value in sent if topic == "wire.enriched"}
    assert enriched["st-1"]["story"]["id"] == enriched["st-2"]["story"]["id"] != enriched["st-3"]["story"]["id"]
    assert len(loads) == 2  # at the start, and after the letter


def test_a_story_row_sent_again_is_the_newest_of_its_key_in_the_batch():
    """Rows of a whole batch are handed over before any is confirmed, so one key may be there
    twice: a first try that failed must not land after, and hide, the newer row."""
    from streams.runtime.stories import confirm_rows

    resent: list[tuple[str, Any]] = []

    class Context:
        async def send(self, topic, key, value, *, raw=False):
            resent.append((key, value))

    async def main():
        loop = asyncio.get_running_loop()
        failed, taken = loop.create_future(), loop.create_future()
        failed.set_exception(RuntimeError("the batch expired"))
        taken.set_result(None)
        pending = [("s:story", {"articles": ["a"]}, failed), ("a:a", {"story": "story"}, taken)]
        await confirm_rows(Context(), pending, {"s:story": {"articles": ["a", "b"]}, "a:a": {"story": "story"}})

    asyncio.run(main())
    assert resent == [("s:story", {"articles": ["a", "b"]})]
