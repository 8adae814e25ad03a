"""Rule parsing, validation, compilation and secret masking (streams.alerts.rules)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import pytest

from streams.alerts.rules import (
    CompiledRule,
    Rule,
    RuleError,
    compile_rule,
    mask_secret,
    mask_secrets,
    normalize_name,
    parse_rules,
    rule_from_dict,
    secret_bytes,
    topic_code,
)

SCHEMAS = Path(__file__).resolve().parent.parent / "schemas"
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"  # public example key of the Standard Webhooks spec


def schema_validator(name: str):
    """A draft 2020-12 validator for schemas/NAME.json, or None while the file does not exist."""
    path = SCHEMAS / f"{name}.json"
    if not path.exists():
        return None
    from jsonschema import Draft202012Validator

    schema = json.loads(path.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


# A stand-in for streams.aliases.resolve_actor: one id per real-world entity, whatever the
# language of the name; unknown names get a deterministic "ww:" id with a guessed type.
ALIASES = {
    "nato": ("Q7184", "NATO"),
    "otan": ("Q7184", "NATO"),
    "north atlantic treaty organization": ("Q7184", "NATO"),
    "russia": ("Q159", "Russia"),
    "russie": ("Q159", "Russia"),
}


def fake_resolve(name: str) -> tuple[str, str]:
    key = normalize_name(name)
    if key in ALIASES:
        return ALIASES[key]
    return ("ww:PER:" + key.replace(" ", "-"), name.strip())


FULL_YAML = f"""
id: nato-military
name: NATO and Russia under a military topic
actors: [NATO]
match: mentioned
all_of: [Russie]
any_of: [Moscow, Kremlin]
none_of: [Sport club]
topics: ["conflict, war and peace", medtop:11000000, "16000000"]
languages: [fr, en-GB]
sources: [NTB, Reuters]
min_salience: 0.25
cooldown_seconds: 300
enabled: false
notify:
  - type: webhook
    url: https://hooks.example.org/wire?token=abc
    secret: {SECRET}
"""


def test_full_yaml_rule_parses_with_every_field():
    [rule] = parse_rules(FULL_YAML, filename="nato.yaml")
    assert rule.id == "nato-military"
    assert rule.actors == ("NATO",)
    assert rule.all_of == ("Russie",) and rule.any_of == ("Moscow", "Kremlin")
    assert rule.none_of == ("Sport club",)
    assert rule.languages == ("fr", "en-GB") and rule.sources == ("NTB", "Reuters")
    assert rule.min_salience == 0.25 and rule.cooldown_seconds == 300 and rule.enabled is False
    assert rule.notify[0].url.startswith("https://") and rule.notify[0].secret == SECRET


def test_defaults_and_json_object_or_array():
    obj = {"id": "r1", "name": "NATO", "actors": ["NATO"]}
    [one] = parse_rules(json.dumps(obj))
    assert one.match == "mentioned" and one.enabled is True
    assert one.cooldown_seconds == 0 and one.min_salience == 0.0 and one.notify == ()
    two = parse_rules(json.dumps([obj, {**obj, "id": "r2", "match": "quoted"}]), filename="x.json")
    assert [r.id for r in two] == ["r1", "r2"] and two[1].match == "quoted"


def test_yaml_list_and_multiple_documents():
    text = "- {id: a, name: A, actors: [NATO]}\n- {id: b, name: B, actors: [OTAN]}\n"
    assert [r.id for r in parse_rules(text)] == ["a", "b"]
    docs = "id: a\nname: A\nactors: [NATO]\n---\nid: b\nname: B\nactors: [OTAN]\n"
    assert [r.id for r in parse_rules(docs)] == ["a", "b"]


def test_to_dict_round_trips():
    [rule] = parse_rules(FULL_YAML)
    again = rule_from_dict(rule.to_dict())
    assert again == rule


BAD = [
    ("name: x\nactors: [NATO]", "id", "is required"),
    ("id: r\nactors: [NATO]", "name", "is required"),
    ("id: r\nname: n", "actors", "is required"),
    ("id: r\nname: n\nactors: NATO", "actors", 'write ["NATO"]'),
    ("id: r\nname: n\nactors: []", "actors", "at least one"),
    ("id: r\nname: n\nactors: ['']", "actors[0]", "must not be empty"),
    ("id: 'a b'\nname: n\nactors: [NATO]", "id", "letters, digits"),
    ("id: 12\nname: n\nactors: [NATO]", "id", "expected a string"),
    ("id: r\nname: n\nactors: [NATO]\nmatch: said", "match", "mentioned"),
    ("id: r\nname: n\nactors: [NATO]\nactor: [x]", "actor", "unknown field"),
    ("id: r\nname: n\nactors: [NATO]\nlanguages: [no]", "languages[0]", "booleans"),
    ("id: r\nname: n\nactors: [NATO]\nlanguages: [french!]", "languages[0]", "BCP-47"),
    ("id: r\nname: n\nactors: [NATO]\ntopics: [astrology]", "topics[0]", "IPTC"),
    ("id: r\nname: n\nactors: [NATO]\nmin_salience: 1.5", "min_salience", "between 0 and 1"),
    ("id: r\nname: n\nactors: [NATO]\nmin_salience: high", "min_salience", "expected a number"),
    ("id: r\nname: n\nactors: [NATO]\ncooldown_seconds: -1", "cooldown_seconds", "at least 0"),
    ("id: r\nname: n\nactors: [NATO]\ncooldown_seconds: 1.5", "cooldown_seconds", "whole number"),
    ("id: r\nname: n\nactors: [NATO]\nenabled: 'yes'", "enabled", "true or false"),
    ("id: r\nname: n\nactors: [NATO]\nnotify: {url: x}", "notify", "list"),
    ("id: r\nname: n\nactors: [NATO]\nnotify: [{url: 'http://h', secret: " + SECRET + "}]", "notify[0].type", "required"),
    ("id: r\nname: n\nactors: [NATO]\nnotify: [{type: email, url: 'http://h'}]", "notify[0].type", "webhook"),
    ("id: r\nname: n\nactors: [NATO]\nnotify: [{type: webhook, secret: " + SECRET + "}]", "notify[0].url", "required"),
    ("id: r\nname: n\nactors: [NATO]\nnotify: [{type: webhook, url: 'ftp://h/x', secret: " + SECRET + "}]", "notify[0].url", "http and https"),
    ("id: r\nname: n\nactors: [NATO]\nnotify: [{type: webhook, url: 'javascript:alert(1)', secret: " + SECRET + "}]", "notify[0].url", "http and https"),
    ("id: r\nname: n\nactors: [NATO]\nnotify: [{type: webhook, url: 'file:///etc/passwd', secret: " + SECRET + "}]", "notify[0].url", "http and https"),
    ("id: r\nname: n\nactors: [NATO]\nnotify: [{type: webhook, url: 'http:///x', secret: " + SECRET + "}]", "notify[0].url", "no host"),
    ("id: r\nname: n\nactors: [NATO]\nnotify: [{type: webhook, url: 'http://h:99999/', secret: " + SECRET + "}]", "notify[0].url", "port"),
    ("id: r\nname: n\nactors: [NATO]\nnotify: [{type: webhook, url: 'http://h'}]", "notify[0].secret", "required"),
    ("id: r\nname: n\nactors: [NATO]\nnotify: [{type: webhook, url: 'http://h', secret: sk_live_TOPSECRET1234}]", "notify[0].secret", "whsec_"),
    ("id: r\nname: n\nactors: [NATO]\nnotify: [{type: webhook, url: 'http://h', secret: 'whsec_TOP$SECRET!!'}]", "notify[0].secret", "base64"),
    ("id: r\nname: n\nactors: [NATO]\nnotify: [{type: webhook, url: 'http://h', secret: whsec_}]", "notify[0].secret", "empty"),
    ("id: r\nname: n\nactors: [NATO]\nnotify: [{type: webhook, url: 'http://h', secret: x, auth: y}]", "notify[0].auth", "unknown field"),
]


@pytest.mark.parametrize("text,field,words", BAD)
def test_invalid_rules_give_one_line_errors_naming_the_field(text, field, words):
    with pytest.raises(RuleError) as info:
        parse_rules(text, filename="rules.yaml")
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith("rules.yaml")
    assert f" {field}: " in message or message.endswith(f" {field}") or f": {field}:" in message
    assert words in message
    for secret_like in ("TOPSECRET", "TOP$SECRET", SECRET):
        assert secret_like not in message


def test_file_level_errors():
    with pytest.raises(RuleError, match=r"^r\.json: invalid JSON"):
        parse_rules('{"id": "r",', filename="r.json")
    with pytest.raises(RuleError, match=r"^r\.yaml: invalid YAML at line 4, column 1: "):
        parse_rules("\nid: r\nactors: [NATO\n", filename="r.yaml")
    with pytest.raises(RuleError, match="no rule found"):
        parse_rules("  \n", filename="r.yaml")
    with pytest.raises(RuleError, match="duplicate rule id 'a'"):
        parse_rules("- {id: a, name: A, actors: [x]}\n- {id: a, name: B, actors: [y]}")
    with pytest.raises(RuleError, match=r"rule #2: a rule must be an object"):
        parse_rules("- {id: a, name: A, actors: [x]}\n- 3")


def test_rule_text_is_never_evaluated(tmp_path):
    marker = tmp_path / "pwned"
    payloads = [
        f'!!python/object/apply:os.system ["touch {marker}"]',
        f"id: r\nname: n\nactors: !!python/object/apply:os.system ['touch {marker}']\n",
        "id: !!python/name:os.system\nname: n\nactors: [x]\n",
    ]
    for text in payloads:
        with pytest.raises(RuleError):
            parse_rules(text, filename="evil.yaml")
    assert not marker.exists()


def test_recursive_yaml_anchor_is_rejected_cleanly():
    with pytest.raises(RuleError, match=r"actors\[0\]: expected a string"):
        parse_rules("id: r\nname: n\nactors: &a [*a]\n")


def test_topics_accept_codes_digits_and_labels():
    assert topic_code("medtop:16000000") == "medtop:16000000"
    assert topic_code("16000000") == "medtop:16000000"
    assert topic_code("medtop:20000123") == "medtop:20000123"  # deeper codes pass through
    assert topic_code("conflict, war and peace") == "medtop:16000000"
    assert topic_code("Politics and Government") == "medtop:11000000"
    assert topic_code("sport") == "medtop:15000000"
    assert topic_code("astrology") is None
    assert topic_code("1600000") is None


def test_secret_bytes_accepts_unpadded_base64_only_after_prefix():
    assert len(secret_bytes(SECRET)) == 24
    assert secret_bytes("whsec_YWJj") == b"abc"
    assert secret_bytes("whsec_YWI") == b"ab"  # unpadded, like the reference verifier
    for bad in ("YWJj", "whsec_", "whsec_@@@@", "whsec_" + "QUFB" * 30):
        with pytest.raises(ValueError) as info:
            secret_bytes(bad)
        assert bad not in str(info.value) or bad == "whsec_"


def test_compile_resolves_aliases_in_any_language_to_one_id():
    [rule] = parse_rules(FULL_YAML)
    compiled = compile_rule(rule, fake_resolve)
    assert isinstance(compiled, CompiledRule) and compiled.id == "nato-military"
    assert compiled.actors[0].id == "Q7184" and compiled.actors[0].known
    assert compiled.all_of[0].id == "Q159" and compiled.all_of[0].name == "Russia"
    assert compiled.topics == {"medtop:16000000", "medtop:11000000"}
    assert compiled.languages == ("fr", "en-gb")
    assert compiled.sources == {"ntb", "reuters"}
    french = compile_rule(Rule(id="f", name="f", actors=("l’OTAN", "OTAN")), fake_resolve)
    assert french.actors[1].id == "Q7184"


def test_unknown_actor_keeps_normalised_names_for_fallback():
    compiled = compile_rule(Rule(id="s", name="s", actors=("Jens  STOLTENBERG",)), fake_resolve)
    actor = compiled.actors[0]
    assert actor.id.startswith("ww:") and not actor.known
    assert "jens stoltenberg" in actor.keys


def test_resolver_failure_is_a_rule_error():
    def broken(name: str) -> tuple[str, str]:
        raise LookupError("alias table not loaded")

    with pytest.raises(RuleError, match=r"rule 'x': actors: cannot resolve actor 'NATO'"):
        compile_rule(Rule(id="x", name="x", actors=("NATO",)), broken)


def test_secrets_are_masked_for_display_and_absent_from_repr():
    [rule] = parse_rules(FULL_YAML)
    shown = mask_secrets(rule)
    assert shown["notify"][0]["secret"] == "whsec_…LaSw"
    assert SECRET not in json.dumps(shown, ensure_ascii=False)
    assert SECRET not in repr(rule) and SECRET not in str(rule)
    assert SECRET not in repr(compile_rule(rule, fake_resolve))
    assert rule.notify[0].secret == SECRET  # the stored rule keeps it
    raw = {"id": "r", "notify": [{"type": "webhook", "url": "http://h", "secret": "whsec_YWJj"}]}
    assert mask_secrets(raw)["notify"][0]["secret"] == "whsec_****"  # too short to show a tail
    assert raw["notify"][0]["secret"] == "whsec_YWJj"  # input left untouched
    assert mask_secret(None) == "whsec_****"


def test_valid_rules_satisfy_the_rule_schema():
    validator = schema_validator("rule")
    if validator is None:
        pytest.skip("schemas/rule.json not written yet")
    rules = parse_rules(FULL_YAML) + parse_rules('{"id": "a", "name": "A", "actors": ["NATO"]}')
    for rule in rules:
        errors = sorted(str(e.message) for e in validator.iter_errors(rule.to_dict()))
        assert errors == [], errors


def _schema_accepts(validator, obj) -> Optional[bool]:
    return None if validator is None else validator.is_valid(obj)


def test_rules_we_reject_for_shape_are_rejected_by_the_schema_too():
    validator = schema_validator("rule")
    if validator is None:
        pytest.skip("schemas/rule.json not written yet")
    base = {"id": "r", "name": "n", "actors": ["NATO"]}
    shape_errors = [
        {**base, "extra": 1},
        {**base, "actors": []},
        {**base, "match": "said"},
        {**base, "id": "a b"},
        {**base, "notify": [{"type": "webhook", "url": "ftp://h", "secret": SECRET}]},
        {**base, "notify": [{"type": "webhook", "url": "http://h", "secret": "nope"}]},
        {**base, "cooldown_seconds": -1},
        {**base, "min_salience": 2},
    ]
    for obj in shape_errors:
        with pytest.raises(RuleError):
            rule_from_dict(obj)
        assert _schema_accepts(validator, obj) is False, obj
