"""The contracts of what comes in, raw articles and alert rules, checked against schemas/*.json.

Every door asks this module: the normalize stage reading wire.raw, POST /articles,
`wirewatch ingest file`, the feed poller, `wirewatch rules add`, POST /rules and the wire.rules
table. So a user gets the same verdict and the same one-line reason wherever the input comes
in. The JSON Schema says what it can; what it cannot say (byte limits, nesting depth, dates
that must really parse, the topic vocabulary, webhook URLs and secrets that must be usable)
is checked here, next to it. Reasons name the field and what is wrong with it, most basic
problem first, and never quote a webhook secret.
"""

from __future__ import annotations

import base64
import binascii
import copy
import functools
import importlib.resources
import json
import math
import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit

import orjson
from jsonschema import Draft202012Validator, ValidationError, validators

from streams.errors import json_type_name
from streams.paths import REPO_ROOT
from streams.timestamps import to_rfc3339

__all__ = [
    "DEFAULT_MAX_BODY_BYTES",
    "MAX_NESTING",
    "ContractError",
    "SchemaNotFoundError",
    "check_raw_article",
    "check_rule",
    "check_webhook_url",
    "json_depth",
    "load_schema",
    "primary_language",
    "primary_subtag",
    "raw_article_problems",
    "rule_problems",
    "schema_problems",
    "secret_bytes",
    "topic_code",
]

DEFAULT_MAX_BODY_BYTES = 1024 * 1024
MAX_NESTING = 64  # orjson writes at most 255 levels; no article needs more than a few
SECRET_PREFIX = "whsec_"
MAX_SECRET_BYTES = 64  # Standard Webhooks recommends 24..64 random bytes

# A reason with the rank that orders it: the most basic problem of an input is reported first.
Ranked = tuple[tuple[Any, ...], str]


class ContractError(ValueError):
    """The input breaks its contract; the message is one line: the field and what is wrong."""


class SchemaNotFoundError(FileNotFoundError):
    """The schemas/ directory, or one schema in it, cannot be found."""


# --- the schemas ---------------------------------------------------------------------------


def _schema_dirs() -> list[Any]:
    """Where schemas/ is: the source checkout first, then the installed package."""
    dirs: list[Any] = [REPO_ROOT / "schemas"]
    try:
        dirs.append(importlib.resources.files("streams") / "schemas")
    except (ModuleNotFoundError, TypeError):  # pragma: no cover - odd installs
        pass
    return dirs


@functools.cache
def _read_schema(name: str) -> dict:
    file_name = name if name.endswith(".json") else f"{name}.json"
    tried = []
    for directory in _schema_dirs():
        candidate = directory / file_name
        tried.append(str(candidate))
        if candidate.is_file():
            return json.loads(candidate.read_text(encoding="utf-8"))
    raise SchemaNotFoundError(f"JSON Schema {file_name!r} not found (looked in: {', '.join(tried)})")


def load_schema(name: str) -> dict:
    """The schema named e.g. "rule" or "rule.json" (a copy: callers may change it)."""
    return copy.deepcopy(_read_schema(name))


def _is_integer_without_fraction(checker: Any, instance: Any) -> bool:
    return isinstance(instance, int) and not isinstance(instance, bool)


# JSON Schema counts 2.0 as an integer; a version written 2.0 has always been refused.
_WholeIntegerValidator = validators.extend(
    Draft202012Validator,
    type_checker=Draft202012Validator.TYPE_CHECKER.redefine("integer", _is_integer_without_fraction),
)


@functools.cache
def _validator(name: str) -> Any:
    schema = _read_schema(name)
    Draft202012Validator.check_schema(schema)
    if name == RAW_ARTICLE:
        return _WholeIntegerValidator(schema)
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def _json_path(path: Iterable[Any]) -> str:
    out = "$"
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


def schema_problems(name: str, obj: Any) -> list[str]:
    """obj checked against the schema alone: one "$.path: message" line per error ([] when
    valid). For the events the pipeline writes; inputs go through the contract checks below."""
    errors = sorted(_validator(name).iter_errors(obj), key=lambda e: (list(map(str, e.absolute_path)), e.message))
    return [f"{_json_path(error.absolute_path)}: {_short_message(error)}" for error in errors]


def _short_message(error: ValidationError, limit: int = 200) -> str:
    """jsonschema quotes the whole instance in some messages (anyOf on an article): cut it."""
    if error.schema is False or (error.validator == "not" and error.validator_value == {}):
        return "field not allowed here"
    if error.validator in ("anyOf", "oneOf") and error.context:
        alternatives = sorted({_short_message(sub, 80) for sub in error.context})
        message = f"must match one of: {' | '.join(alternatives)}"
    else:
        message = error.message
    return message if len(message) <= limit else message[: limit - 3] + "..."


def _ordered(found: Iterable[Ranked]) -> list[str]:
    return [reason for _, reason in sorted(set(found))]


# --- raw articles --------------------------------------------------------------------------

RAW_ARTICLE = "raw-article"
TEXT_FIELDS = ("body", "body_html")
_OPTIONAL_STRINGS = ("language", "headline", "body", "body_html", "url", "byline", "published_at")


def json_depth(value: Any, limit: int = MAX_NESTING + 1) -> int:
    """Nesting depth of a decoded JSON value (a scalar is 1), counting no further than limit."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        deepest = max(deepest, depth)
        if deepest >= limit:
            return deepest
        if isinstance(item, dict):
            stack.extend((child, depth + 1) for child in item.values())
        elif isinstance(item, list):
            stack.extend((child, depth + 1) for child in item)
    return deepest


def raw_article_problems(obj: Any, *, max_body_bytes: int = DEFAULT_MAX_BODY_BYTES) -> list[str]:
    """Every way obj breaks the raw-article contract, most basic first; [] when it holds.

    Required: a non-blank string ``id`` (at most 512 characters) and ``source``; text in
    ``body`` or ``body_html`` within ``max_body_bytes`` UTF-8 bytes each. Optional: an integer
    ``version`` >= 1; strings or null for the other known fields; a ``published_at`` that
    reads as an ISO 8601 date or date-time (or is empty: no date). Unknown extra fields
    are allowed.
    """
    if not isinstance(obj, dict):
        return [f"payload is a JSON {type(obj).__name__}, expected an object"]
    if json_depth(obj) > MAX_NESTING:  # before the schema: its messages would print it all
        return [f"payload nests JSON deeper than {MAX_NESTING} levels"]
    found: list[Ranked] = []
    for error in _validator(RAW_ARTICLE).iter_errors(obj):
        found.extend(_raw_article_reasons(error, obj))
    found.extend(_raw_article_limits(obj, max_body_bytes))
    return _ordered(found)


def check_raw_article(obj: Any, *, max_body_bytes: int = DEFAULT_MAX_BODY_BYTES) -> dict:
    """obj itself when it is a raw article, else :class:`ContractError` with the first reason."""
    problems = raw_article_problems(obj, max_body_bytes=max_body_bytes)
    if problems:
        raise ContractError(problems[0])
    return obj


def _raw_article_reasons(error: ValidationError, article: dict) -> list[Ranked]:
    """A schema error in the words the normalize stage has always used."""
    required = _read_schema(RAW_ARTICLE)["required"]
    if not error.path:
        if error.validator == "required":
            return [_missing(name, required) for name in error.validator_value if name not in article]
        if error.validator == "anyOf":
            return [((40,), _no_text_reason(article))]
        return [((90,), f"article: {_short_message(error)}")]
    field = error.path[0]
    value = article[field]
    kind = type(value).__name__
    if field in required:
        if value is None:
            return [_missing(field, required)]
        rank = (10, required.index(field))
        if error.validator == "type":
            return [(rank, f"field '{field}' must be a string, got {kind}")]
        if error.validator == "maxLength":
            return [((12,), f"field '{field}' is longer than {error.validator_value} characters")]
        return [(rank, f"field '{field}' must not be empty")]
    if field == "version":
        return [((30,), f"field 'version' must be an integer >= 1, got {value!r}")]
    if field in _OPTIONAL_STRINGS:
        return [((20, _OPTIONAL_STRINGS.index(field)), f"field '{field}' must be a string or null, got {kind}")]
    return [((90,), f"field '{field}': {_short_message(error)}")]


def _missing(field: str, required: list[str]) -> Ranked:
    return (10, required.index(field)), f"missing required field '{field}'"


def _no_text_reason(article: Mapping[str, Any]) -> str:
    given = [f"'{field}'" for field in TEXT_FIELDS if isinstance(article.get(field), str)]
    if not given:
        return "article has neither 'body' nor 'body_html'"
    return f"article has no text: {' and '.join(given)} {'is' if len(given) == 1 else 'are'} blank"


def _raw_article_limits(article: Mapping[str, Any], max_body_bytes: int) -> list[Ranked]:
    """What the schema cannot say: byte limits, and a date that must really be one."""
    found: list[Ranked] = []
    for order, field in enumerate(TEXT_FIELDS):
        text = article.get(field)
        # a character is at most 4 bytes: only a long text can be over the limit
        if isinstance(text, str) and len(text) > max_body_bytes // 4 and (
            len(text.encode("utf-8", "surrogatepass")) > max_body_bytes
        ):
            found.append(((50, order), f"field '{field}' exceeds the body limit of {max_body_bytes} bytes"))
    published = article.get("published_at")
    if isinstance(published, str) and published and to_rfc3339(published) is None:
        found.append(((60,), f"field 'published_at' is not an RFC 3339 date-time: {published!r}"))
    return found


# --- language tags -------------------------------------------------------------------------

_PRIMARY_LANGUAGE = re.compile(r"^[a-z]{2,3}$")
# BCP-47 codes for "undetermined", "multiple", "no linguistic content", "uncoded".
NO_LANGUAGE = frozenset({"und", "mul", "zxx", "mis"})


def primary_subtag(tag: str) -> str:
    """The first subtag, lower-case: 'fr-CA' -> 'fr', 'en_us' -> 'en'."""
    return re.split(r"[-_]", tag.strip(), maxsplit=1)[0].lower()


def primary_language(tag: object) -> str | None:
    """The language a tag declares, as its primary subtag ('fr-FR' -> 'fr'), or None when it
    declares none: not a string, not 2-3 letters, or und/mul/zxx/mis. Models are picked by
    primary language only."""
    if not isinstance(tag, str):
        return None
    primary = primary_subtag(tag)
    if not _PRIMARY_LANGUAGE.match(primary) or primary in NO_LANGUAGE:
        return None
    return primary


# --- rules ---------------------------------------------------------------------------------

RULE = "rule"
_CODE = re.compile(r"^(?:medtop:)?(\d{8})$")
# What a missing field needs, said in its "is required" reason.
_REQUIRED_HINTS = {"actors": " (a list of actor names)", "type": ' ("webhook")', "secret": ' ("whsec_" + base64 key)'}


def topic_code(value: str) -> str | None:
    """A topic as written in a rule (code, 8 digits, or an English or French label) ->
    "medtop:NNNNNNNN", or None when it names no IPTC Media Topic."""
    from streams.nlp.topics.classify import (
        label_to_code,  # loaded on demand: numpy, data files
    )

    text = value.strip()
    match = _CODE.match(text)
    return "medtop:" + match.group(1) if match else label_to_code(text)


def secret_bytes(secret: str) -> bytes:
    """The HMAC key of a "whsec_<base64>" secret; ValueError (without the secret) if invalid."""
    if not isinstance(secret, str) or not secret.startswith(SECRET_PREFIX):
        raise ValueError("webhook secret must start with whsec_")
    body = secret[len(SECRET_PREFIX):]
    try:
        key = base64.b64decode(body + "=" * (-len(body) % 4), validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("webhook secret is not valid base64 after whsec_") from None
    if not key:
        raise ValueError("webhook secret is empty after whsec_")
    if len(key) > MAX_SECRET_BYTES:
        raise ValueError(f"webhook secret is longer than {MAX_SECRET_BYTES} bytes")
    return key


def check_webhook_url(url: str) -> None:
    """Only absolute http(s) URLs with a host; ValueError otherwise."""
    if not isinstance(url, str) or not url or url != url.strip() or any(c.isspace() for c in url):
        raise ValueError("must be an http or https URL without spaces")
    parts = urlsplit(url)
    if not url.startswith(("http://", "https://")):
        raise ValueError("only http and https URLs are accepted")
    if not parts.hostname:
        raise ValueError("URL has no host")
    try:
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        raise ValueError("URL has an invalid port") from None


def rule_problems(obj: Any) -> list[str]:
    """Every way obj breaks the rule contract as "field: what is wrong", most basic first
    (the id, unknown fields, then the fields in schema order); [] when it holds."""
    if not isinstance(obj, dict):
        return [f"a rule must be an object, got {json_type_name(obj)}"]
    found: list[Ranked] = []
    for error in _validator(RULE).iter_errors(obj):
        found.extend(_rule_reasons(error))
    found.extend(_rule_semantics(obj))
    return _ordered(found)


def check_rule(obj: Any) -> dict:
    """obj itself when it is a valid rule, else :class:`ContractError` with the first reason."""
    problems = rule_problems(obj)
    if problems:
        raise ContractError(problems[0])
    return obj


def _path_text(path: Iterable[Any]) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _rule_rank(path: tuple[Any, ...], phase: int = 0) -> tuple[Any, ...]:
    """The id first, then unknown fields, then each field in schema order; inside a field,
    its shape (phase 0) before its vocabulary (phase 1); inside a webhook, type, url, secret."""
    fields = list(_read_schema(RULE)["properties"])
    major = 0 if path[0] == "id" else 2 + fields.index(path[0])
    webhook_fields = ("type", "url", "secret")
    rest = [webhook_fields.index(p) + 1 if p in webhook_fields else p for p in path[1:]]
    return (major, phase, *rest)


def _rule_reason(path: tuple[Any, ...], what: str, phase: int = 0) -> Ranked:
    return _rule_rank(path, phase), f"{_path_text(path)}: {what}"


def _rule_reasons(error: ValidationError) -> list[Ranked]:
    """A schema error in the words `wirewatch rules` has always used."""
    path, value, keyword = tuple(error.absolute_path), error.instance, error.validator
    if keyword == "required":
        return [_rule_reason((*path, name), f"is required{_REQUIRED_HINTS.get(name, '')}")
                for name in error.validator_value if name not in value]
    if keyword == "additionalProperties":
        allowed = list(error.schema["properties"])
        unknown = sorted(str(key) for key in value if key not in allowed)
        return [((*_rule_rank(path), 0, key) if path else (1, key),
                 f"{_path_text((*path, key))}: unknown field (allowed: {', '.join(allowed)})")
                for key in unknown]
    if keyword == "type":
        return [_type_reason(path, value, error.validator_value)]
    if keyword in ("minLength", "pattern") and isinstance(value, str) and not value.strip() and path[-1] != "secret":
        return [_rule_reason(path, "must not be empty")]
    return [_value_reason(path, value, error)]


def _type_reason(path: tuple[Any, ...], value: Any, expected: Any) -> Ranked:
    got = json_type_name(value)
    if expected == "string":
        hint = " (quote it: YAML reads yes/no/on/off as booleans)" if isinstance(value, bool) else ""
        return _rule_reason(path, f"expected a string, got {got}{hint}")
    if path == ("notify",):
        return _rule_reason(path, f"expected a list of webhooks, got {got}")
    if "array" in expected:
        hint = f" (write {orjson.dumps([value]).decode()})" if isinstance(value, str) and len(value) < 60 else ""
        return _rule_reason(path, f"expected a list of strings, got {got}{hint}")
    if expected == "object":
        return _rule_reason(path, f"expected an object, got {got}")
    if expected == "boolean":
        return _rule_reason(path, f"expected true or false, got {got}")
    if expected == "integer" and isinstance(value, float):
        return _rule_reason(path, "must be a whole number of seconds", phase=1)
    return _rule_reason(path, f"expected a number, got {got}")


def _value_reason(path: tuple[Any, ...], value: Any, error: ValidationError) -> Ranked:
    """Reasons for a value of the right type that the schema refuses."""
    field, keyword = path[0], error.validator
    if field == "id":
        return _rule_reason(path, "use 1-128 letters, digits, '.', '_' or '-', starting with a letter or digit")
    if field == "languages":
        return _rule_reason(path, f"{value!r} is not a BCP-47 language tag", phase=1)
    if field == "actors" and keyword == "minItems":
        return _rule_reason(path, "must list at least one name")
    if keyword == "enum":
        return _rule_reason(path, f"must be {' or '.join(json.dumps(v) for v in error.validator_value)}")
    if keyword == "const":
        return _rule_reason(path, f"only {json.dumps(error.validator_value)} is supported")
    if keyword in ("minimum", "maximum"):
        low, high = error.schema.get("minimum"), error.schema.get("maximum")
        bound = f"between {low:g} and {high:g}" if high is not None else f"at least {low:g}"
        return _rule_reason(path, f"must be {bound}")
    if field == "surge" and path[-1] in ("window", "baseline") and keyword == "pattern":
        return _rule_reason(path, f"expected a duration like 30m, 1h or 7d, got {value!r}")
    if keyword == "exclusiveMinimum":
        return _rule_reason(path, f"must be more than {error.validator_value:g}")
    if path[-1] == "url":
        return _webhook_url_reason(path, value) or _rule_reason(path, "must be an http or https URL")
    if path[-1] == "secret":
        return _webhook_secret_reason(path, value) or _rule_reason(path, "must be whsec_ and base64")
    return _rule_reason(path, f"does not match the rule schema ({keyword})")


def _webhook_url_reason(path: tuple[Any, ...], url: str) -> Ranked | None:
    try:
        check_webhook_url(url)
    except ValueError as exc:
        return _rule_reason(path, str(exc))
    return None


def _webhook_secret_reason(path: tuple[Any, ...], secret: str) -> Ranked | None:
    try:
        secret_bytes(secret)
    except ValueError as exc:  # the message never contains the secret
        return _rule_reason(path, str(exc))
    return None


_DURATION = re.compile(r"^[1-9][0-9]*[mhd]$")


def _surge_reasons(surge: Mapping[str, Any]) -> list[Ranked]:
    """A surge needs one subject, a known topic, and a baseline made of whole windows."""
    from streams.alerts.surge import spec_problems

    durations_valid = all(isinstance(surge.get(name, "1h"), str) and _DURATION.match(surge.get(name, "1h"))
                          for name in ("window", "baseline"))
    found = [_rule_reason(("surge", name) if name else ("surge",), what, phase=1)
             for name, what in spec_problems(surge) if durations_valid or name not in ("window", "baseline")]
    topic = surge.get("topic")
    if isinstance(topic, str) and topic.strip() and topic_code(topic) is None:
        found.append(_rule_reason(("surge", "topic"), f"unknown IPTC Media Topic {topic.strip()!r} "
                                  "(use a medtop code or a top-level label)", phase=1))
    return found


def _rule_semantics(rule: Mapping[str, Any]) -> list[Ranked]:
    """What the schema cannot say: known topics, a number that is one, usable webhooks."""
    found: list[Ranked | None] = []
    topics = rule.get("topics")
    for index, topic in enumerate(topics if isinstance(topics, list) else []):
        if isinstance(topic, str) and topic.strip() and topic_code(topic) is None:
            found.append(_rule_reason(("topics", index), f"unknown IPTC Media Topic {topic.strip()!r} "
                                      "(use a medtop code or a top-level label)", phase=1))
    salience = rule.get("min_salience")
    if isinstance(salience, float) and math.isnan(salience):
        found.append(_rule_reason(("min_salience",), "expected a number, got NaN"))
    surge = rule.get("surge")
    if isinstance(surge, dict):
        found.extend(_surge_reasons(surge))
    webhooks = rule.get("notify")
    for index, webhook in enumerate(webhooks if isinstance(webhooks, list) else []):
        if not isinstance(webhook, dict):
            continue
        url, secret = webhook.get("url"), webhook.get("secret")
        if isinstance(url, str) and url.strip():
            found.append(_webhook_url_reason(("notify", index, "url"), url))
        if isinstance(secret, str):
            found.append(_webhook_secret_reason(("notify", index, "secret"), secret))
    return [reason for reason in found if reason is not None]
