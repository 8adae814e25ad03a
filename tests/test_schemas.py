"""The JSON Schemas in schemas/ are the source of truth for every public event and for rules."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from streams.contracts import SchemaNotFoundError, load_schema, raw_article_problems
from streams.contracts import schema_problems as validate

SCHEMA_DIR = Path(__file__).resolve().parents[1] / "schemas"
NAMES = ["raw-article", "enriched-article", "deadletter", "alert", "rule"]

BODY = "« Nous sommes prêts », a déclaré Jane Doe.\n\nL’ONU s’est réunie."

RAW = {
    "id": "acme-2024-0001",
    "version": 2,
    "source": "ACME",
    "language": "fr",
    "headline": "Réunion",
    "body": BODY,
    "url": "https://example.org/a",
    "byline": None,
    "published_at": "2024-05-01T10:00:00+02:00",
    "x-provider-priority": 3,
}

ENRICHED = {
    "id": "acme-2024-0001",
    "version": 2,
    "source": "ACME",
    "language": "fr",
    "headline": "Réunion",
    "body": BODY,
    "url": None,
    "byline": None,
    "published_at": None,
    "x-provider-priority": 3,
    "dedup_key": "acme-2024-0001:2",
    "entities": [
        {
            "id": "ww:PER:jane doe",
            "name": "Jane Doe",
            "type": "PER",
            "aliases": ["Doe"],
            "mentions": [{"text": "Jane Doe", "start": 33, "end": 41}],
            "salience": 0.8,
            "quoted": True,
        },
        {
            "id": "Q1065",
            "name": "United Nations",
            "type": "ORG",
            "aliases": ["ONU"],
            "mentions": [{"text": "ONU", "start": 46, "end": 49}],
            "salience": 0.4,
            "quoted": False,
        },
    ],
    "quotes": [
        {
            "text": "Nous sommes prêts",
            "start": 2,
            "end": 19,
            "speaker": {
                "name": "Jane Doe",
                "entity_id": "ww:PER:jane doe",
                "span": {"text": "Jane Doe", "start": 33, "end": 41},
            },
            "cue": "a déclaré",
            "kind": "direct",
        },
        {"text": "x", "start": 0, "end": 1, "speaker": None, "cue": None, "kind": "direct"},
    ],
    "topics": [{"code": "medtop:11000000", "label": "politics and government", "score": 0.7}],
    "enriched_at": "2024-05-01T08:00:01.123Z",
    "timings_ms": {"normalize": 0.4, "annotate": 12.5, "entities": 1, "quotes": 0.7, "topics": 0.3},
    "models": {"spacy": "3.8.18", "pipeline": "fr_core_news_sm-3.8.0", "wirewatch": "0.1.0"},
}

DEADLETTER = {
    "payload": "{not json",
    "payload_encoding": "utf-8",
    "stage": "normalize",
    "error": "invalid JSON: Expecting property name enclosed in double quotes (line 1 column 2)",
    "received_at": "2024-05-01T08:00:00Z",
    "topic": "wire.raw",
    "partition": 0,
    "offset": 42,
    "key": None,
    "article_id": None,
}

ALERT = {
    "id": "stoltenberg-quoted:acme-2024-0001:2",
    "rule_id": "doe-quoted",
    "rule_name": "Jane Doe quoted",
    "article_id": "acme-2024-0001",
    "article_version": 2,
    "fired_at": "2024-05-01T08:00:01Z",
    "headline": None,
    "url": None,
    "source": "ACME",
    "language": "fr",
    "match": "quoted",
    "evidence": {
        "entities": [
            {"id": "ww:PER:jane doe", "name": "Jane Doe", "type": "PER", "mentions": [{"text": "Jane Doe", "start": 33, "end": 41}]}
        ],
        "quotes": [{"text": "Nous sommes prêts", "start": 2, "end": 19, "speaker": {"name": "Jane Doe", "entity_id": None}}],
    },
}

RULE = {
    "id": "doe-quoted.v2",
    "name": "Jane Doe quoted with the UN",
    "actors": ["Jane Doe"],
    "match": "quoted",
    "all_of": ["United Nations"],
    "any_of": ["ONU", "UN"],
    "none_of": ["Sport Club"],
    "topics": ["medtop:11000000", "conflict, war and peace"],
    "languages": ["fr", "en-GB"],
    "sources": ["ACME"],
    "min_salience": 0.2,
    "cooldown_seconds": 0,
    "enabled": True,
    "notify": [
        {"type": "webhook", "url": "https://hooks.example.org/x", "secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"},
        {"type": "webhook", "url": "http://localhost:8080/hook", "secret": "whsec_c2Vjb25kLXNlY3JldA=="},
    ],
}

GOOD = {"raw-article": RAW, "enriched-article": ENRICHED, "deadletter": DEADLETTER, "alert": ALERT, "rule": RULE}


def with_changes(obj: dict, path: tuple, value: object = ..., delete: bool = False) -> dict:
    """A deep copy of obj with the value at path replaced (or deleted)."""
    out = copy.deepcopy(obj)
    target = out
    for key in path[:-1]:
        target = target[key]
    if delete:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return out


@pytest.mark.parametrize("name", NAMES)
def test_schema_files_are_valid_draft_2020_12(name: str) -> None:
    schema = json.loads((SCHEMA_DIR / f"{name}.json").read_text(encoding="utf-8"))
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema)


def no_duplicate_keys(pairs: list[tuple[str, object]]) -> dict:
    keys = [key for key, _value in pairs]
    assert len(set(keys)) == len(keys), sorted({key for key in keys if keys.count(key) > 1})
    return dict(pairs)


@pytest.mark.parametrize("name", NAMES)
def test_schema_files_define_each_key_once(name: str) -> None:
    """A JSON object with a key twice loads silently with the last definition only (the
    enriched article once had `story`, `quote_id` and `seen` twice)."""
    json.loads((SCHEMA_DIR / f"{name}.json").read_text(encoding="utf-8"), object_pairs_hook=no_duplicate_keys)


@pytest.mark.parametrize("name", NAMES)
def test_good_examples_validate(name: str) -> None:
    assert validate(name, GOOD[name]) == []


def test_load_schema_accepts_both_spellings_and_returns_a_copy() -> None:
    schema = load_schema("rule")
    assert schema == load_schema("rule.json")
    schema["required"].append("mutated")
    assert "mutated" not in load_schema("rule")["required"]


def test_missing_schema_is_a_clear_error() -> None:
    with pytest.raises(SchemaNotFoundError, match="no-such-schema.json"):
        load_schema("no-such-schema")


def test_errors_are_readable_lines_with_paths() -> None:
    errors = validate("rule", with_changes(RULE, ("notify", 0, "url"), "ftp://example.org/x"))
    assert len(errors) == 1
    assert errors[0].startswith("$.notify[0].url: ")


RAW_MINIMAL = {"id": "a", "source": "s", "body": "x"}


@pytest.mark.parametrize(
    "article",
    [
        RAW_MINIMAL,
        {"id": "a", "source": "s", "body_html": "<p>x</p>"},
        {"id": "a", "source": "s", "body": None, "body_html": "<p>x</p>"},
        {"id": "a", "source": "s", "body": "", "body_html": "<p>x</p>"},
        {**RAW_MINIMAL, "version": None},
        {**RAW_MINIMAL, "language": None, "headline": None, "published_at": None},
        {**RAW_MINIMAL, "language": "pt-BR", "published_at": "2024-02-29T23:59:60.5-03:30"},
        {**RAW_MINIMAL, "language": "french!"},  # not a tag: the language is detected
        {**RAW_MINIMAL, "published_at": "2024-05-01"},  # an ISO 8601 date, read as UTC
        {**RAW_MINIMAL, "published_at": ""},  # blank: no date
        {**RAW_MINIMAL, "x-extra": {"kept": [1, 2]}},
    ],
)
def test_raw_article_good(article: dict) -> None:
    assert validate("raw-article", article) == []
    assert raw_article_problems(article) == []


# Refused by the schema itself, so by anyone who validates with it.
RAW_BAD_BY_SCHEMA = [
    {"source": "s", "body": "x"},  # no id
    {"id": "", "source": "s", "body": "x"},
    {"id": "   ", "source": "s", "body": "x"},
    {"id": "x" * 513, "source": "s", "body": "x"},
    {"id": 7, "source": "s", "body": "x"},
    {"id": "a", "body": "x"},  # no source
    {"id": "a", "source": "", "body": "x"},
    {"id": "a", "source": "s"},  # neither body nor body_html
    {"id": "a", "source": "s", "headline": "Headline only"},
    {"id": "a", "source": "s", "body": None},
    {"id": "a", "source": "s", "body": " \n "},  # no text
    {"id": "a", "source": "s", "body": "", "body_html": "  "},
    {**RAW_MINIMAL, "version": 0},
    {**RAW_MINIMAL, "version": "2"},
    {**RAW_MINIMAL, "version": 1.5},
    {**RAW_MINIMAL, "language": 3},
    {**RAW_MINIMAL, "headline": 3},
    [RAW_MINIMAL],
]


@pytest.mark.parametrize("article", RAW_BAD_BY_SCHEMA)
def test_raw_article_bad(article: object) -> None:
    assert validate("raw-article", article)
    assert raw_article_problems(article)


@pytest.mark.parametrize(
    "article, reason",
    [
        ({**RAW_MINIMAL, "published_at": "yesterday"}, "not an RFC 3339 date-time"),
        ({**RAW_MINIMAL, "published_at": "2024-13-01T00:00:00Z"}, "not an RFC 3339 date-time"),
        ({**RAW_MINIMAL, "version": 2.0}, "must be an integer"),  # an integer has no fraction
        ({**RAW_MINIMAL, "body": "é" * 600}, "exceeds the body limit of 1000 bytes"),
        ({**RAW_MINIMAL, "deep": json.loads("[" * 70 + "]" * 70)}, "deeper than 64"),
    ],
)
def test_what_the_schema_cannot_say_is_in_the_contract(article: dict, reason: str) -> None:
    problems = raw_article_problems(article, max_body_bytes=1000)
    assert len(problems) == 1 and reason in problems[0]


def test_raw_article_schema_documents_every_known_field() -> None:
    schema = load_schema("raw-article")
    known = {"id", "version", "source", "language", "headline", "body", "body_html", "url", "byline", "published_at"}
    assert set(schema["properties"]) == known and schema["additionalProperties"] is True


def test_enriched_article_must_not_carry_the_internal_annotation() -> None:
    errors = validate("enriched-article", {**ENRICHED, "annotation": {"tokens": []}})
    assert errors == ["$.annotation: field not allowed here"]


@pytest.mark.parametrize(
    "path,value",
    [
        (("language",), None),
        (("dedup_key",), "acme-2024-0001"),
        (("entities", 0, "type"), "PERSON"),
        (("entities", 0, "salience"), 1.5),
        (("entities", 0, "quoted"), "yes"),
        (("entities", 0, "mentions", 0, "start"), -1),
        (("quotes", 0, "kind"), "indirect"),
        (("quotes", 0, "speaker", "entity_id"), 3),
        (("quotes", 0, "text"), ""),
        (("topics", 0, "code"), "11000000"),
        (("topics", 0, "score"), -0.1),
        (("enriched_at",), "2024-05-01 08:00:01"),
        (("timings_ms", "annotate"), "12ms"),
        (("models", "spacy"), 3.8),
    ],
)
def test_enriched_article_bad_values(path: tuple, value: object) -> None:
    assert validate("enriched-article", with_changes(ENRICHED, path, value))


@pytest.mark.parametrize("field", ["body", "language", "entities", "quotes", "topics", "dedup_key", "enriched_at"])
def test_enriched_article_required_fields(field: str) -> None:
    assert validate("enriched-article", with_changes(ENRICHED, (field,), delete=True))


@pytest.mark.parametrize(
    "path,value,delete",
    [
        (("payload_encoding",), "latin-1", False),
        (("payload",), None, True),
        (("stage",), None, True),
        (("error",), "", False),
        (("received_at",), "now", False),
        (("partition",), -1, False),
    ],
)
def test_deadletter_bad(path: tuple, value: object, delete: bool) -> None:
    assert validate("deadletter", with_changes(DEADLETTER, path, value, delete))


def test_deadletter_base64_payload_ok() -> None:
    assert validate("deadletter", {**DEADLETTER, "payload": "/+7/", "payload_encoding": "base64"}) == []


@pytest.mark.parametrize(
    "path,value,delete",
    [
        (("match",), "mentionned", False),
        (("evidence",), None, True),
        (("evidence", "quotes"), None, True),
        (("evidence", "entities", 0, "type"), "THING", False),
        (("article_version",), 0, False),
        (("fired_at",), "soon", False),
    ],
)
def test_alert_bad(path: tuple, value: object, delete: bool) -> None:
    assert validate("alert", with_changes(ALERT, path, value, delete))


def test_rule_minimal_ok() -> None:
    assert validate("rule", {"id": "r1", "name": "r", "actors": ["NATO"]}) == []


@pytest.mark.parametrize(
    "rule",
    [
        {**RULE, "actor": ["NATO"]},  # typo: unknown field
        {**RULE, "cooldown": 60},
        {"id": "r1", "name": "r"},  # no actors
        {**RULE, "actors": []},
        {**RULE, "actors": [""]},
        {**RULE, "id": "has space"},
        {**RULE, "id": "x" * 129},
        {**RULE, "match": "said"},
        {**RULE, "min_salience": 2},
        {**RULE, "cooldown_seconds": -5},
        {**RULE, "cooldown_seconds": 1.5},
        {**RULE, "enabled": "yes"},
        {**RULE, "languages": ["French"]},
        {**RULE, "notify": [{"type": "webhook", "url": "ftp://example.org/x"}]},
        {**RULE, "notify": [{"type": "email", "url": "https://example.org/x"}]},
        {**RULE, "notify": [{"type": "webhook", "url": "https://example.org/x", "secret": "s3cret"}]},
        {**RULE, "notify": [{"type": "webhook", "url": "https://example.org/x", "sekret": "whsec_abc"}]},
        {**RULE, "notify": [{"type": "webhook"}]},
    ],
)
def test_rule_bad(rule: dict) -> None:
    assert validate("rule", rule)
