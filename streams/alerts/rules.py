"""Alert rules: parsing, validation, compilation and secret masking.

Why this module exists: rules are user input that arrives as JSON or YAML (files, the HTTP API,
the compacted wire.rules topic). Every one is checked against the rule contract
(streams.contracts: schemas/rule.json and what a schema cannot say), with one-line errors
naming the file, the rule and the offending field, and compiled against the entity resolver
so that matching (streams.alerts.matching) only compares ids and normalised names. Rule text
is data, never code: YAML is read with yaml.safe_load and nothing in a rule is evaluated.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import orjson
import yaml

from streams.alerts.surge import SurgeSpec
from streams.contracts import (
    MAX_SECRET_BYTES,
    SECRET_PREFIX,
    ContractError,
    check_webhook_url,
    rule_problems,
    secret_bytes,
    topic_code,
)
from streams.text import name_key

__all__ = [
    "MAX_SECRET_BYTES",
    "SECRET_PREFIX",
    "ActorRef",
    "CompiledRule",
    "Rule",
    "RuleError",
    "WebhookTarget",
    "as_new_rule",
    "check_webhook_url",
    "compile_rule",
    "language_key",
    "mask_secret",
    "mask_secrets",
    "normalize_name",
    "parse_rules",
    "rule_from_dict",
    "secret_bytes",
    "topic_code",
]

MatchMode = Literal["mentioned", "quoted"]
OncePer = Literal["article", "story", "quote"]
ONCE_PER_NEW_RULES = "story"
"""What a rule added today alerts once per when it does not say. A stored rule without the
field (written before `once_per` existed) keeps alerting once per article: see `once_per`."""


class RuleError(ContractError):
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
    once_per: OncePer | None = None  # None: not given (a stored rule from before: per article)
    surge: SurgeSpec | None = None

    @property
    def scope(self) -> str:
        """What the rule alerts once per: its `once_per`, "article" for rules stored without it,
        "surge" for a surge rule (once per surge episode)."""
        if self.surge is not None:
            return "surge"
        return self.once_per or "article"

    def to_dict(self) -> dict[str, Any]:
        """The full rule (secrets included) for wire.rules; omits empty optional lists."""
        out: dict[str, Any] = {"id": self.id, "name": self.name}
        if self.actors or self.surge is None:  # a surge rule may have none
            out["actors"] = list(self.actors)
        out["match"] = self.match
        for key in ("all_of", "any_of", "none_of", "topics", "languages", "sources"):
            value = getattr(self, key)
            if value:
                out[key] = list(value)
        if self.once_per is not None:
            out["once_per"] = self.once_per
        if self.surge is not None:
            out["surge"] = self.surge.to_dict()
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
    surge_actor: ActorRef | None = None
    surge_topic: str | None = None  # medtop code

    @property
    def id(self) -> str:
        return self.rule.id


# ------------------------------------------------------------------ normalisation helpers


normalize_name = name_key


def language_key(tag: str) -> str:
    """BCP-47 tags compare case-insensitively, with "_" accepted for "-"."""
    return tag.strip().replace("_", "-").lower()


# ------------------------------------------------------------------ validation


def _unique_stripped(values: Iterable[str] | None) -> tuple[str, ...]:
    return tuple(dict.fromkeys(value.strip() for value in values or ()))


def rule_from_dict(obj: Any, *, where: str = "", index: int | None = None) -> Rule:
    """Validate one rule object (from a file, the HTTP API or the wire.rules table) against
    the rule contract (streams.contracts), then build it.

    `where` (a file name) and `index` (1-based position in a list) only label error messages;
    once the id is valid, messages name the rule by its id instead of its position.
    """
    problems = rule_problems(obj)
    if problems:
        id_is_valid = isinstance(obj, dict) and not problems[0].startswith(("id:", "a rule must"))
        label = f"rule {obj['id']!r}" if id_is_valid else (f"rule #{index}" if index else "")
        context = ": ".join(part for part in (where, label) if part)
        raise RuleError(f"{context}: {problems[0]}" if context else problems[0])
    notify = obj.get("notify") or ()
    return Rule(
        id=obj["id"], name=obj["name"].strip(), actors=_unique_stripped(obj.get("actors")),
        match=obj.get("match", "mentioned"), all_of=_unique_stripped(obj.get("all_of")),
        any_of=_unique_stripped(obj.get("any_of")), none_of=_unique_stripped(obj.get("none_of")),
        topics=_unique_stripped(obj.get("topics")), languages=_unique_stripped(obj.get("languages")),
        sources=_unique_stripped(obj.get("sources")),
        min_salience=float(obj.get("min_salience", 0.0)),
        cooldown_seconds=int(obj.get("cooldown_seconds", 0)), enabled=obj.get("enabled", True),
        notify=tuple(WebhookTarget(url=target["url"], secret=target["secret"]) for target in notify),
        once_per=obj.get("once_per"),
        surge=SurgeSpec.from_dict(obj["surge"]) if isinstance(obj.get("surge"), dict) else None,
    )


def as_new_rule(rule: Rule) -> Rule:
    """A rule being added now (`rules add`, POST /rules): `once_per` defaults to "story". Rules
    read back from wire.rules are not passed through here, so old ones keep their behaviour."""
    if rule.once_per is None and rule.surge is None:
        return replace(rule, once_per=ONCE_PER_NEW_RULES)
    return rule


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
    surge_actor = surge_topic = None
    if rule.surge is not None and rule.surge.actor is not None:
        surge_actor = _resolve(rule.surge.actor, resolve_actor, f"{ctx}: surge.actor")
    if rule.surge is not None and rule.surge.topic is not None:
        surge_topic = topic_code(rule.surge.topic)
        if surge_topic is None:
            raise RuleError(f"{ctx}: surge.topic: unknown IPTC Media Topic {rule.surge.topic!r}")
    return CompiledRule(
        rule=rule,
        actors=refs(rule.actors, "actors"),
        all_of=refs(rule.all_of, "all_of"),
        any_of=refs(rule.any_of, "any_of"),
        none_of=refs(rule.none_of, "none_of"),
        topics=frozenset(topics),
        languages=tuple(language_key(lang) for lang in rule.languages),
        sources=frozenset(s.strip().casefold() for s in rule.sources),
        surge_actor=surge_actor,
        surge_topic=surge_topic,
    )


# ------------------------------------------------------------------ display


def mask_secret(secret: Any) -> str:
    """"whsec_…abcd" (last 4 characters only, and only for long secrets) or "whsec_****"."""
    if isinstance(secret, str) and secret.startswith(SECRET_PREFIX):
        body = secret[len(SECRET_PREFIX):]
        if len(body) >= 20:
            return f"{SECRET_PREFIX}…{body[-4:]}"
    return f"{SECRET_PREFIX}****"


def mask_secrets(rule: Rule | CompiledRule | Mapping[str, Any]) -> dict[str, Any]:
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
