"""The stage chain without a broker: one parse per article, stable output, dead letters."""

from __future__ import annotations

import orjson
import pytest
import spacy

from streams.config import Settings
from streams.contracts import schema_problems as validate
from streams.nlp.annotate import parse as annotate
from streams.nlp.pipeline import Enricher, dead_letter

ARTICLES = [
    {"id": "p-fr", "source": "test", "language": "fr",
     "body": "Le ministre Jean Dupont a parlé à Paris.\n\n« Nous tiendrons bon », a déclaré Jean Dupont."},
    {"id": "p-en", "source": "test", "language": "en",
     "body": "The minister, Jane Roe, spoke in London.\n\n“We will hold firm,” Roe said."},
    {"id": "p-de", "source": "test", "language": "de",
     "body": "Die Ministerin sprach in Berlin.\n\n„Wir bleiben standhaft“, sagte sie."},
]


@pytest.fixture(scope="module")
def enricher() -> Enricher:
    return Enricher(Settings())


def test_every_article_is_parsed_exactly_once(enricher, monkeypatch):
    calls = {"pipe": 0, "call": 0}
    original_pipe = spacy.language.Language.pipe
    original_call = spacy.language.Language.__call__

    def counting_pipe(self, texts, *args, **kwargs):
        for doc in original_pipe(self, texts, *args, **kwargs):
            calls["pipe"] += 1
            yield doc

    def counting_call(self, *args, **kwargs):
        calls["call"] += 1
        return original_call(self, *args, **kwargs)

    monkeypatch.setattr(spacy.language.Language, "pipe", counting_pipe)
    monkeypatch.setattr(spacy.language.Language, "__call__", counting_call)
    annotate.PARSE_COUNTS.clear()
    results = list(enricher.enrich_many([orjson.dumps(a) for a in ARTICLES]))
    assert [kind for kind, _ in results] == ["enriched"] * 3
    assert calls == {"pipe": 3, "call": 0}
    assert dict(annotate.PARSE_COUNTS) == {"p-fr:1": 1, "p-en:1": 1, "p-de:1": 1}


def test_later_stages_rebuild_the_doc_without_parsing(enricher, monkeypatch):
    """The agent path: each stage gets only the event (as from a topic) and must not re-parse."""
    normalized = enricher.normalize(orjson.dumps(ARTICLES[0]))
    ((annotated, _doc),) = enricher.annotate([normalized])
    wire = orjson.loads(orjson.dumps(annotated))  # what the next agent reads

    def no_parse(*args, **kwargs):
        raise AssertionError("a later stage parsed the text again")

    monkeypatch.setattr(spacy.language.Language, "__call__", no_parse)
    monkeypatch.setattr(spacy.language.Language, "pipe", no_parse)
    later = Enricher(Settings())  # another worker: nothing cached, the Doc comes from the event
    event = later.entities(wire)
    event = later.quotes(orjson.loads(orjson.dumps(event)))
    final = later.topics(orjson.loads(orjson.dumps(event)))
    assert validate("enriched-article", final) == []
    assert final["quotes"][0]["text"] == "Nous tiendrons bon"


def test_language_without_a_model_still_flows(enricher):
    ((kind, event),) = list(enricher.enrich_many([orjson.dumps(ARTICLES[2])]))
    assert kind == "enriched"
    assert event["models"]["pipeline"] == "de_blank-0.0.0"
    assert [q["text"] for q in event["quotes"]] == ["Wir bleiben standhaft"]


def test_enrichment_is_deterministic(enricher):
    payloads = [orjson.dumps(a) for a in ARTICLES[:2]]
    first = [e for _, e in enricher.enrich_many(payloads)]
    second = [e for _, e in enricher.enrich_many(payloads)]
    strip = lambda e: {k: v for k, v in e.items() if k not in ("enriched_at", "timings_ms")}  # noqa: E731
    assert [strip(e) for e in first] == [strip(e) for e in second]


def test_offsets_point_into_the_normalised_body(enricher):
    for _, event in enricher.enrich_many([orjson.dumps(a) for a in ARTICLES]):
        for quote in event["quotes"]:
            assert event["body"][quote["start"]:quote["end"]] == quote["text"]
        for entity in event["entities"]:
            for mention in entity["mentions"]:
                assert event["body"][mention["start"]:mention["end"]] == mention["text"]


def test_bad_records_become_dead_letters_in_order(enricher):
    payloads = [b"\xff", orjson.dumps(ARTICLES[1]), b'{"id": 1}', b"null"]
    results = list(enricher.enrich_many(payloads))
    kinds = sorted(kind for kind, _ in results)
    assert kinds == ["deadletter", "deadletter", "deadletter", "enriched"]
    for kind, event in results:
        if kind == "deadletter":
            assert validate("deadletter", event) == []


def test_dead_letter_keeps_binary_payloads_as_base64():
    letter = dead_letter(b"\x00\xffabc", "normalize", ValueError("bad"))
    assert letter["payload_encoding"] == "base64" and letter["error"] == "bad"
    unexpected = dead_letter("text", "quotes", KeyError("speaker"))
    assert unexpected["error"] == "KeyError: 'speaker'" and unexpected["payload"] == "text"


def test_huge_dead_letter_payload_is_cut_to_fit_a_kafka_message():
    letter = dead_letter(b"x" * (3 * 1024 * 1024), "normalize", ValueError("payload too large"))
    assert letter["payload_truncated"] is True and letter["payload_bytes"] == 3 * 1024 * 1024
    assert len(letter["payload"]) <= 512 * 1024
    assert validate("deadletter", letter) == []


def test_very_long_bodies_are_parsed_in_chunks_with_identical_text(enricher):
    from streams.nlp.annotate.parse import CHUNK_CHARS, split_for_parsing

    paragraph = "Le ministre Jean Dupont a parlé à Paris devant la presse. " * 40
    body = "\n\n".join([paragraph.strip()] * (3 * CHUNK_CHARS // len(paragraph) + 2))
    assert len(body) > 2 * CHUNK_CHARS
    pieces = split_for_parsing(body)
    assert "".join(pieces) == body and all(len(p) <= CHUNK_CHARS for p in pieces)
    assert "".join(split_for_parsing("x" * 120_001)) == "x" * 120_001
    article = {"id": "long", "source": "t", "language": "fr", "body": body}
    ((kind, event),) = list(enricher.enrich_many([orjson.dumps(article)]))
    assert kind == "enriched" and event["body"] == body
    assert any(e["name"] == "Paris" for e in event["entities"])


@pytest.mark.parametrize("article", ARTICLES[:2], ids=lambda a: a["id"])
def test_later_stages_reuse_the_parse_of_this_process_and_match_a_rebuilt_one(enricher, article):
    """A worker running every stage keeps the Doc it just parsed; a worker that only runs the
    later stages rebuilds it from the annotation. Both must give the same event."""
    ((annotated, doc),) = enricher.annotate([enricher.normalize(orjson.dumps(article))])
    wire = orjson.loads(orjson.dumps(annotated))
    assert enricher.doc(wire) is doc
    elsewhere = Enricher(Settings())
    rebuilt = elsewhere.doc(wire)
    assert rebuilt is not doc and [(t.text, t.dep_, t.ent_type_) for t in rebuilt] == \
        [(t.text, t.dep_, t.ent_type_) for t in doc]

    def run(stages):
        out = stages.topics(stages.quotes(stages.entities(wire)))
        return {k: v for k, v in out.items() if k not in ("timings_ms", "enriched_at")}

    assert run(enricher) == run(elsewhere)


def test_the_doc_cache_is_bounded_and_off_where_later_stages_run_elsewhere():
    from streams.nlp import pipeline

    local = Enricher(Settings())
    pairs = local.annotate([local.normalize(orjson.dumps(dict(ARTICLES[1], id=f"c{i}", body=f"{ARTICLES[1]['body']} {i}.")))
                            for i in range(3)])
    assert all(local.doc(event) is doc for event, doc in pairs)
    assert local._docs_tokens == sum(len(doc) for _e, doc in pairs) <= pipeline.DOC_CACHE_TOKENS
    annotate_only = Enricher(Settings())
    annotate_only.keep_docs = False
    ((event, doc),) = annotate_only.annotate([annotate_only.normalize(orjson.dumps(ARTICLES[1]))])
    assert annotate_only.doc(event) is not doc and not annotate_only._docs
