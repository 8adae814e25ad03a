"""Alert rules: parsing, validation, compilation and secret masking.

Why this module exists: rules are user input that arrives as JSON or YAML (files, the HTTP API,
the compacted wire.rules topic). They are validated here once, with one-line errors naming the
offending field, and compiled against the entity resolver so that matching
(streams.alerts.matching) only compares ids and normalised names. Rule text is data, never code: YAML is
read with yaml.safe_load and nothing in a rule is evaluated.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, Optional, Union
from urllib.parse import urlsplit

import orjson
import yaml

from streams.errors import json_type_name
from streams.text import name_key

MatchMode = Literal["mentioned", "quoted"]
MATCH_MODES: tuple[str, ...] = ("mentioned", "quoted")
SECRET_PREFIX = "whsec_"
MAX_SECRET_BYTES = 64  # Standard Webhooks recommends 24..64 random bytes

# Rule ids are Kafka keys, URL path segments (DELETE /rules/ID) and part of state keys:
# keep them to a safe alphabet (no "|", "/", spaces).
_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
_CODE_RE = re.compile(r"^(?:medtop:)?(\d{8})$")
_LANG_RE = re.compile(r"^[A-Za-z]{2,8}(?:-[A-Za-z0-9]{1,8})*$")

FIELDS: tuple[str, ...] = (
    "id", "name", "actors", "match", "all_of", "any_of", "none_of", "topics", "languages",
    "sources", "min_salience", "cooldown_seconds", "enabled", "notify",
)
NOTIFY_FIELDS: tuple[str, ...] = ("type", "url", "secret")

# Fallback when streams.nlp.topics.classify is unavailable: IPTC Media Topics top level, English labels
# (IPTC, CC BY 4.0, https://cv.iptc.org/newscodes/mediatopic/).
_IPTC_TOP_EN: dict[str, str] = {
    "arts, culture, entertainment and media": "01000000",
    "crime, law and justice": "02000000",
    "disaster, accident and emergency incident": "03000000",
    "economy, business and finance": "04000000",
    "education": "05000000",
    "environment": "06000000",
    "health": "07000000",
    "human interest": "08000000",
    "labour": "09000000",
    "lifestyle and leisure": "10000000",
    "politics and government": "11000000",
    "religion": "12000000",
    "science and technology": "13000000",
    "society": "14000000",
    "sport": "15000000",
    "conflict, war and peace": "16000000",
    "weather": "17000000",
}


class RuleError(ValueError):
    """A rule is invalid; the message is one line naming the file, rule and field."""


@dataclass(frozen=True)
class WebhookTarget:
    """One webhook of a rule; the secret never shows in repr()."""

    url: str
    secret: str = field(repr=False)
    type: str = "webhook"

    def to_dict(self) -> dict[str, str]:
        return {"type": self.type, "url": self.url, "secret": self.secret}


@dataclass(frozen=True)
class Rule:
    """A validated rule, exactly as the user wrote it (actor names unresolved)."""

    id: str
    name: str
    actors: tuple[str, ...]
    match: str = "mentioned"
    all_of: tuple[str, ...] = ()
    any_of: tuple[str, ...] = ()
    none_of: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    min_salience: float = 0.0
    cooldown_seconds: int = 0
    enabled: bool = True
    notify: tuple[WebhookTarget, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """The full rule (secrets included) for wire.rules; omits empty optional lists."""
        out: dict[str, Any] = {"id": self.id, "name": self.name, "actors": list(self.actors),
                               "match": self.match}
        for key in ("all_of", "any_of", "none_of", "topics", "languages", "sources"):
            value = getattr(self, key)
            if value:
                out[key] = list(value)
        out["min_salience"] = self.min_salience
        out["cooldown_seconds"] = self.cooldown_seconds
        out["enabled"] = self.enabled
        if self.notify:
            out["notify"] = [n.to_dict() for n in self.notify]
        return out


@dataclass(frozen=True)
class ActorRef:
    """An actor of a rule resolved to a canonical id, plus the normalised names to fall back on.

    `known` is False when the resolver only produced a deterministic "ww:" id, i.e. the entity
    is not in the alias table and its type could not be known at rule time.
    """

    query: str
    id: str
    name: str
    keys: frozenset[str]
    known: bool


@dataclass(frozen=True)
class CompiledRule:
    """A rule ready for streams.alerts.match_rule."""

    rule: Rule
    actors: tuple[ActorRef, ...]
    all_of: tuple[ActorRef, ...]
    any_of: tuple[ActorRef, ...]
    none_of: tuple[ActorRef, ...]
    topics: frozenset[str]
    languages: tuple[str, ...]
    sources: frozenset[str]

    @property
    def id(self) -> str:
        return self.rule.id


# ------------------------------------------------------------------ normalisation helpers


normalize_name = name_key


def topic_code(value: str) -> Optional[str]:
    """A topic as written in a rule (code, 8 digits or label) -> "medtop:NNNNNNNN" or None."""
    text = value.strip()
    m = _CODE_RE.match(text)
    if m:
        return "medtop:" + m.group(1)
    try:
        from streams.nlp.topics.classify import (
            label_to_code,  # optional: labels in English and French
        )
    except Exception:  # pragma: no cover - the topics module or its data may be absent
        label_to_code = None
    if label_to_code is not None:
        try:
            code = label_to_code(text)
        except Exception:  # pragma: no cover - defensive: never let a lookup crash parsing
            code = None
        if code:
            return code
    key = " ".join(text.casefold().split())
    digits = _IPTC_TOP_EN.get(key)
    return "medtop:" + digits if digits else None


def language_key(tag: str) -> str:
    """BCP-47 tags compare case-insensitively, with "_" accepted for "-"."""
    return tag.strip().replace("_", "-").lower()


def _decode_secret_body(body: str) -> bytes:
    padded = body + "=" * (-len(body) % 4)
    return base64.b64decode(padded, validate=True)


def secret_bytes(secret: str) -> bytes:
    """The HMAC key of a "whsec_<base64>" secret; ValueError (without the secret) if invalid."""
    if not isinstance(secret, str) or not secret.startswith(SECRET_PREFIX):
        raise ValueError("webhook secret must start with whsec_")
    try:
        key = _decode_secret_body(secret[len(SECRET_PREFIX):])
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


# ------------------------------------------------------------------ validation


def _where(ctx: str, key: str) -> str:
    return f"{ctx}: {key}" if ctx else key


def _fail(ctx: str, key: str, message: str) -> RuleError:
    return RuleError(f"{_where(ctx, key)}: {message}")


def _string(value: Any, ctx: str, key: str) -> str:
    if not isinstance(value, str):
        hint = " (quote it: YAML reads yes/no/on/off as booleans)" if isinstance(value, bool) else ""
        raise _fail(ctx, key, f"expected a string, got {json_type_name(value)}{hint}")
    if not value.strip():
        raise _fail(ctx, key, "must not be empty")
    return value


def _strings(value: Any, ctx: str, key: str, *, required: bool = False) -> tuple[str, ...]:
    if value is None and not required:
        return ()
    if not isinstance(value, list):
        hint = f" (write {orjson.dumps([value]).decode()})" if isinstance(value, str) and len(value) < 60 else ""
        raise _fail(ctx, key, f"expected a list of strings, got {json_type_name(value)}{hint}")
    if required and not value:
        raise _fail(ctx, key, "must list at least one name")
    out: list[str] = []
    for i, item in enumerate(value):
        text = _string(item, ctx, f"{key}[{i}]").strip()
        if text not in out:
            out.append(text)
    return tuple(out)


def _number(value: Any, ctx: str, key: str, *, low: float, high: Optional[float]) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
        raise _fail(ctx, key, f"expected a number, got {json_type_name(value)}")
    if value < low or (high is not None and value > high) or value in (float("inf"), float("-inf")):
        bound = f"between {low:g} and {high:g}" if high is not None else f"at least {low:g}"
        raise _fail(ctx, key, f"must be {bound}")
    return value


def _notify(value: Any, ctx: str) -> tuple[WebhookTarget, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise _fail(ctx, "notify", f"expected a list of webhooks, got {json_type_name(value)}")
    targets: list[WebhookTarget] = []
    for i, item in enumerate(value):
        key = f"notify[{i}]"
        if not isinstance(item, dict):
            raise _fail(ctx, key, f"expected an object, got {json_type_name(item)}")
        unknown = sorted(str(k) for k in item if k not in NOTIFY_FIELDS)
        if unknown:
            raise _fail(ctx, f"{key}.{unknown[0]}", "unknown field (allowed: type, url, secret)")
        if "type" not in item:
            raise _fail(ctx, f"{key}.type", 'is required ("webhook")')
        if item["type"] != "webhook":
            raise _fail(ctx, f"{key}.type", 'only "webhook" is supported')
        if "url" not in item:
            raise _fail(ctx, f"{key}.url", "is required")
        url = _string(item["url"], ctx, f"{key}.url")
        try:
            check_webhook_url(url)
        except ValueError as exc:
            raise _fail(ctx, f"{key}.url", str(exc)) from None
        if "secret" not in item:
            raise _fail(ctx, f"{key}.secret", 'is required ("whsec_" + base64 key)')
        secret = item["secret"]
        if not isinstance(secret, str):
            raise _fail(ctx, f"{key}.secret", f"expected a string, got {json_type_name(secret)}")
        try:
            secret_bytes(secret)
        except ValueError as exc:  # the message never contains the secret
            raise _fail(ctx, f"{key}.secret", str(exc)) from None
        targets.append(WebhookTarget(url=url, secret=secret))
    return tuple(targets)


def rule_from_dict(obj: Any, *, where: str = "", index: Optional[int] = None) -> Rule:
    """Validate one rule object (from a file, the HTTP API or the wire.rules table).

    `where` (a file name) and `index` (1-based position in a list) only label error messages.
    """
    ctx = ": ".join(([where] if where else []) + ([f"rule #{index}"] if index else []))
    if not isinstance(obj, dict):
        raise RuleError(f"{ctx + ': ' if ctx else ''}a rule must be an object, got {json_type_name(obj)}")
    if "id" not in obj:
        raise _fail(ctx, "id", "is required")
    rule_id = _string(obj["id"], ctx, "id")
    if not _ID_RE.match(rule_id):
        raise _fail(ctx, "id", "use 1-128 letters, digits, '.', '_' or '-', starting with a letter or digit")
    ctx = f"{where}: rule {rule_id!r}" if where else f"rule {rule_id!r}"
    unknown = sorted(str(k) for k in obj if k not in FIELDS)
    if unknown:
        raise _fail(ctx, unknown[0], f"unknown field (allowed: {', '.join(FIELDS)})")
    name = _string(obj["name"], ctx, "name").strip() if "name" in obj else None
    if name is None:
        raise _fail(ctx, "name", "is required")
    if "actors" not in obj:
        raise _fail(ctx, "actors", "is required (a list of actor names)")
    actors = _strings(obj["actors"], ctx, "actors", required=True)
    match = obj.get("match", "mentioned")
    if match not in MATCH_MODES:
        raise _fail(ctx, "match", 'must be "mentioned" or "quoted"')
    all_of = _strings(obj.get("all_of"), ctx, "all_of")
    any_of = _strings(obj.get("any_of"), ctx, "any_of")
    none_of = _strings(obj.get("none_of"), ctx, "none_of")
    topics = _strings(obj.get("topics"), ctx, "topics")
    for i, topic in enumerate(topics):
        if topic_code(topic) is None:
            raise _fail(ctx, f"topics[{i}]", f"unknown IPTC Media Topic {topic!r} (use a medtop code or a top-level label)")
    languages = _strings(obj.get("languages"), ctx, "languages")
    for i, lang in enumerate(languages):
        if not _LANG_RE.match(lang):
            raise _fail(ctx, f"languages[{i}]", f"{lang!r} is not a BCP-47 language tag")
    sources = _strings(obj.get("sources"), ctx, "sources")
    min_salience = _number(obj.get("min_salience", 0.0), ctx, "min_salience", low=0.0, high=1.0)
    cooldown = _number(obj.get("cooldown_seconds", 0), ctx, "cooldown_seconds", low=0, high=None)
    if cooldown != int(cooldown):
        raise _fail(ctx, "cooldown_seconds", "must be a whole number of seconds")
    enabled = obj.get("enabled", True)
    if not isinstance(enabled, bool):
        raise _fail(ctx, "enabled", f"expected true or false, got {json_type_name(enabled)}")
    notify = _notify(obj.get("notify"), ctx)
    return Rule(
        id=rule_id, name=name, actors=actors, match=match, all_of=all_of, any_of=any_of,
        none_of=none_of, topics=topics, languages=languages, sources=sources,
        min_salience=float(min_salience), cooldown_seconds=int(cooldown), enabled=enabled,
        notify=notify,
    )


def _load(text: str, filename: str) -> list[Any]:
    stripped = text.lstrip("\ufeff \t\r\n")
    if not stripped:
        raise RuleError(f"{filename}: no rule found (empty input)")
    if filename.lower().endswith(".json") or stripped[:1] in ("{", "["):
        try:
            return [orjson.loads(stripped)]
        except orjson.JSONDecodeError as exc:
            if filename.lower().endswith(".json"):
                raise RuleError(f"{filename}: invalid JSON: {exc}") from None
            # "[a, b]" or "{a: b}" flow-style YAML: fall through to the YAML reader
    try:
        docs = [d for d in yaml.safe_load_all(text.lstrip("\ufeff")) if d is not None]
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "syntax error"
        raise RuleError(f"{filename}: invalid YAML{at}: {problem}") from None
    except RecursionError:
        raise RuleError(f"{filename}: input nested too deeply") from None
    if not docs:
        raise RuleError(f"{filename}: no rule found")
    return docs


def parse_rules(text: str, *, filename: str = "<input>") -> list[Rule]:
    """Parse JSON or YAML text holding one rule, a list of rules, or several YAML documents."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError:
            raise RuleError(f"{filename}: not UTF-8 text") from None
    rules: list[Rule] = []
    seen: set[str] = set()
    for doc in _load(text, filename):
        items = doc if isinstance(doc, list) else [doc]
        for item in items:
            index = len(rules) + 1 if isinstance(doc, list) or rules else None
            rule = rule_from_dict(item, where=filename, index=index)
            if rule.id in seen:
                raise RuleError(f"{filename}: duplicate rule id {rule.id!r}")
            seen.add(rule.id)
            rules.append(rule)
    if not rules:
        raise RuleError(f"{filename}: no rule found")
    return rules


# ------------------------------------------------------------------ compilation

Resolver = Callable[[str], tuple[str, str]]


def _resolve(query: str, resolve_actor: Resolver, ctx: str) -> ActorRef:
    try:
        entity_id, canonical = resolve_actor(query)
    except Exception as exc:
        raise RuleError(f"{ctx}: cannot resolve actor {query!r}: {exc}") from None
    if not isinstance(entity_id, str) or not entity_id:
        raise RuleError(f"{ctx}: resolver returned no id for actor {query!r}")
    canonical = canonical if isinstance(canonical, str) and canonical.strip() else query
    keys = {k for k in (normalize_name(query), normalize_name(canonical)) if k}
    return ActorRef(query=query, id=entity_id, name=canonical, keys=frozenset(keys),
                    known=not entity_id.startswith("ww:"))


def compile_rule(rule: Rule, resolve_actor: Resolver) -> CompiledRule:
    """Resolve actor names (any language) to canonical ids and topics to medtop codes.

    `resolve_actor(name) -> (entity_id, canonical_name)`; unknown names get a deterministic
    "ww:" id whose type is a guess, so every ActorRef also keeps normalised names for matching.
    """
    ctx = f"rule {rule.id!r}"

    def refs(names: Iterable[str], key: str) -> tuple[ActorRef, ...]:
        return tuple(_resolve(n, resolve_actor, f"{ctx}: {key}") for n in names)

    topics: set[str] = set()
    for i, topic in enumerate(rule.topics):
        code = topic_code(topic)
        if code is None:
            raise RuleError(f"{ctx}: topics[{i}]: unknown IPTC Media Topic {topic!r}")
        topics.add(code)
    return CompiledRule(
        rule=rule,
        actors=refs(rule.actors, "actors"),
        all_of=refs(rule.all_of, "all_of"),
        any_of=refs(rule.any_of, "any_of"),
        none_of=refs(rule.none_of, "none_of"),
        topics=frozenset(topics),
        languages=tuple(language_key(lang) for lang in rule.languages),
        sources=frozenset(s.strip().casefold() for s in rule.sources),
    )


# ------------------------------------------------------------------ display


def mask_secret(secret: Any) -> str:
    """"whsec_…abcd" (last 4 characters only, and only for long secrets) or "whsec_****"."""
    if isinstance(secret, str) and secret.startswith(SECRET_PREFIX):
        body = secret[len(SECRET_PREFIX):]
        if len(body) >= 20:
            return f"{SECRET_PREFIX}…{body[-4:]}"
    return f"{SECRET_PREFIX}****"


def mask_secrets(rule: Union[Rule, CompiledRule, Mapping[str, Any]]) -> dict[str, Any]:
    """The rule as a dict for display (`rules list`, GET /rules), every secret masked."""
    if isinstance(rule, CompiledRule):
        rule = rule.rule
    data: dict[str, Any] = rule.to_dict() if isinstance(rule, Rule) else dict(rule)
    notify = data.get("notify")
    if isinstance(notify, list):
        masked = []
        for item in notify:
            if isinstance(item, Mapping):
                item = dict(item)
                if "secret" in item:
                    item["secret"] = mask_secret(item["secret"])
            masked.append(item)
        data["notify"] = masked
    return data
