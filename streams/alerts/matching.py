"""Alert matching, alert events, and the dedup / cool-down state machine (pure functions).

Semantics (documented for users in the rule schema and README):

- `actors` is ANY-of: the rule fires when at least one of its actors is mentioned (`match:
  mentioned`) or is the speaker of a quote (`match: quoted`). A quoted actor also counts as
  mentioned. `min_salience` applies to the entity of that actor.
- `all_of` / `any_of` / `none_of` are extra conditions on *mentions* (whatever `match` says):
  every `all_of` actor, at least one `any_of` actor, and no `none_of` actor must be mentioned.
- `topics` (any overlap), `languages` (a rule on "fr" accepts "fr-CA") and `sources`
  (case-insensitive) filter the article; an empty list means "any".
- An actor matches an entity when the ids are equal, or when a normalised name/alias of the
  entity equals the normalised actor name or its canonical name, unless both ids are known
  (not "ww:") and differ: then the linker has told two real-world entities apart.
- `enabled` is checked by `decide`, not by `match_rule`, so backtests can run disabled rules.

Dedup: the evidence fingerprint is the set of matching entity ids and of quote texts. A
(rule, article) pair fires once; a later version fires again only when its fingerprint holds
something not alerted before. Offsets and repeated mentions are not new evidence.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple, Optional, TypedDict, Union

import orjson

from streams.alerts.rules import (
    ActorRef,
    CompiledRule,
    Rule,
    language_key,
    normalize_name,
)
from streams.events import Mention, Speaker
from streams.timestamps import Moment, to_epoch


class EvidenceEntity(TypedDict):
    id: str
    name: str
    type: str
    mentions: list[Mention]


class EvidenceQuote(TypedDict, total=False):
    text: str
    start: int
    end: int
    speaker: Optional[Speaker]
    quote_id: str  # when the stories stage gave the quote one


class Evidence(TypedDict):
    entities: list[EvidenceEntity]
    quotes: list[EvidenceQuote]


# ------------------------------------------------------------------ article view


def _is_known(entity_id: Any) -> bool:
    return isinstance(entity_id, str) and bool(entity_id) and not entity_id.startswith("ww:")


@dataclass(frozen=True)
class ArticleView:
    """An enriched article with its entity names normalised once, shared by every rule."""

    article: Mapping[str, Any]
    entities: tuple[Mapping[str, Any], ...]
    entity_keys: tuple[frozenset[str], ...]
    quotes: tuple[Mapping[str, Any], ...]
    by_id: Mapping[str, int] = field(default_factory=dict)
    topics: frozenset[str] = frozenset()
    language: str = ""
    source: str = ""

    @classmethod
    def of(cls, article: Mapping[str, Any]) -> "ArticleView":
        entities = tuple(entity for entity in article.get("entities") or () if isinstance(entity, Mapping))
        by_id: dict[str, int] = {}
        for index, entity in enumerate(entities):
            if isinstance(entity.get("id"), str):
                by_id.setdefault(entity["id"], index)
        topics = set()
        for topic in article.get("topics") or ():
            code = topic.get("code") if isinstance(topic, Mapping) else topic
            if isinstance(code, str):
                topics.add(code)
        language = article.get("language")
        source = article.get("source")
        return cls(
            article=article,
            entities=entities,
            entity_keys=tuple(_name_keys(entity) for entity in entities),
            quotes=tuple(quote for quote in article.get("quotes") or () if isinstance(quote, Mapping)),
            by_id=by_id,
            topics=frozenset(topics),
            language=language_key(language) if isinstance(language, str) else "",
            source=source.strip().casefold() if isinstance(source, str) else "",
        )


def _name_keys(entity: Mapping[str, Any]) -> frozenset[str]:
    """The normalised name and aliases of an entity, the keys an actor's name is compared with."""
    names = [entity.get("name"), *(entity.get("aliases") or ())]
    return frozenset(key for key in (normalize_name(name) for name in names if isinstance(name, str)) if key)


def _entity_matches(actor: ActorRef, view: ArticleView, index: int) -> bool:
    entity_id = view.entities[index].get("id")
    if entity_id == actor.id:
        return True
    if actor.known and _is_known(entity_id):
        return False  # two different known entities with a shared name: trust the ids
    return not actor.keys.isdisjoint(view.entity_keys[index])


def _speaker_matches(actor: ActorRef, view: ArticleView, speaker: Mapping[str, Any]) -> bool:
    entity_id = speaker.get("entity_id")
    if entity_id is not None and entity_id == actor.id:
        return True
    if isinstance(entity_id, str) and entity_id in view.by_id:
        return _entity_matches(actor, view, view.by_id[entity_id])
    if actor.known and _is_known(entity_id):
        return False
    name = speaker.get("name")
    return isinstance(name, str) and normalize_name(name) in actor.keys


@dataclass(frozen=True)
class _Found:
    entities: tuple[int, ...]  # indexes into view.entities
    spoken: tuple[int, ...]  # indexes into view.quotes where the actor is the speaker

    @property
    def mentioned(self) -> bool:
        return bool(self.entities or self.spoken)


def _find(actor: ActorRef, view: ArticleView) -> _Found:
    entities = {index for index in range(len(view.entities)) if _entity_matches(actor, view, index)}
    spoken = []
    for quote_index, quote in enumerate(view.quotes):
        speaker = quote.get("speaker")
        if isinstance(speaker, Mapping) and _speaker_matches(actor, view, speaker):
            spoken.append(quote_index)
            linked = speaker.get("entity_id")
            if isinstance(linked, str) and linked in view.by_id:
                entities.add(view.by_id[linked])
    return _Found(tuple(sorted(entities)), tuple(spoken))


def _salience(view: ArticleView, found: _Found) -> float:
    best = 0.0
    for index in found.entities:
        value = view.entities[index].get("salience")
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            best = max(best, float(value))
    return best


def _passes_filters(rule: CompiledRule, view: ArticleView) -> bool:
    if rule.languages and not any(
        view.language == language or view.language.startswith(language + "-") for language in rule.languages
    ):
        return False
    if rule.sources and view.source not in rule.sources:
        return False
    if rule.topics and rule.topics.isdisjoint(view.topics):
        return False
    return True


def _evidence_entity(entity: Mapping[str, Any]) -> EvidenceEntity:
    mentions = [
        Mention(text=mention.get("text"), start=mention.get("start"), end=mention.get("end"))
        for mention in entity.get("mentions") or () if isinstance(mention, Mapping)
    ]
    return EvidenceEntity(id=entity.get("id"), name=entity.get("name"), type=entity.get("type"), mentions=mentions)


def _evidence_quote(quote: Mapping[str, Any]) -> EvidenceQuote:
    speaker = quote.get("speaker")
    out = EvidenceQuote(
        text=quote.get("text"), start=quote.get("start"), end=quote.get("end"),
        speaker=Speaker(name=speaker.get("name"), entity_id=speaker.get("entity_id"))
        if isinstance(speaker, Mapping) else None,
    )
    if isinstance(quote.get("quote_id"), str):
        out["quote_id"] = quote["quote_id"]
    return out


def _quote_mentions(quote: Mapping[str, Any], entity: Mapping[str, Any]) -> bool:
    """Whether one of the entity's mentions lies inside the quote."""
    quote_start, quote_end = quote.get("start"), quote.get("end")
    if not isinstance(quote_start, int) or not isinstance(quote_end, int):
        return False
    for mention in entity.get("mentions") or ():
        if (isinstance(mention, Mapping) and isinstance(mention.get("start"), int)
                and isinstance(mention.get("end"), int)
                and quote_start <= mention["start"] and mention["end"] <= quote_end):
            return True
    return False


def match_rule(compiled: CompiledRule, article: Union[Mapping[str, Any], ArticleView]) -> Optional[Evidence]:
    """The evidence that makes `compiled` match the enriched `article`, or None.

    Pass an ArticleView (ArticleView.of(article)) when matching many rules on one article.
    """
    view = article if isinstance(article, ArticleView) else ArticleView.of(article)
    if not _passes_filters(compiled, view):
        return None
    hits = _actor_hits(compiled, view)
    if not hits:
        return None
    condition_hits = _condition_hits(compiled, view)
    if condition_hits is None:
        return None
    return _evidence(view, hits + condition_hits)


def surge_hit(compiled: CompiledRule, article: Union[Mapping[str, Any], ArticleView]) -> Optional[Evidence]:
    """Whether the article counts for a surge rule: it is about the surge's actor (mentioned or,
    with `match: quoted`, quoted) or has its topic, passes the rule's filters and conditions,
    and names one of the rule's `actors` when it lists any. The evidence: the subject found."""
    view = article if isinstance(article, ArticleView) else ArticleView.of(article)
    if compiled.rule.surge is None or not _passes_filters(compiled, view):
        return None
    hits: list[_Found] = []
    if compiled.surge_actor is not None:
        found = _find(compiled.surge_actor, view)
        if not (found.spoken if compiled.rule.match == "quoted" else found.mentioned):
            return None
        hits.append(found)
    elif compiled.surge_topic not in view.topics:
        return None
    if compiled.actors:
        actor_hits = _actor_hits(compiled, view)
        if not actor_hits:
            return None
        hits.extend(actor_hits)
    condition_hits = _condition_hits(compiled, view)
    if condition_hits is None:
        return None
    return _evidence(view, hits + condition_hits)


def _actor_hits(compiled: CompiledRule, view: ArticleView) -> list[_Found]:
    """What each of the rule's actors found, for the actors that satisfy `match` and `min_salience`."""
    min_salience = compiled.rule.min_salience
    hits: list[_Found] = []
    for actor in compiled.actors:
        found = _find(actor, view)
        matched = bool(found.spoken) if compiled.rule.match == "quoted" else found.mentioned
        if matched and min_salience > 0 and _salience(view, found) < min_salience:
            matched = False
        if matched:
            hits.append(found)
    return hits


def _condition_hits(compiled: CompiledRule, view: ArticleView) -> Optional[list[_Found]]:
    """What the `all_of` and `any_of` actors found, or None when `none_of`, `all_of` or
    `any_of` rules the article out."""
    for actor in compiled.none_of:
        if _find(actor, view).mentioned:
            return None
    hits: list[_Found] = []
    for actor in compiled.all_of:
        found = _find(actor, view)
        if not found.mentioned:
            return None
        hits.append(found)
    if compiled.any_of:
        extra = [found for found in (_find(actor, view) for actor in compiled.any_of) if found.mentioned]
        if not extra:
            return None
        hits.extend(extra)
    return hits


def _evidence(view: ArticleView, hits: list[_Found]) -> Evidence:
    """The entities found, and the quotes spoken by the actors or mentioning those entities."""
    entity_indexes = sorted({index for found in hits for index in found.entities})
    quote_indexes = {index for found in hits for index in found.spoken}
    for index, quote in enumerate(view.quotes):
        if index not in quote_indexes and any(
            _quote_mentions(quote, view.entities[entity_index]) for entity_index in entity_indexes
        ):
            quote_indexes.add(index)
    in_text_order = sorted(quote_indexes, key=lambda index: (_int(view.quotes[index].get("start")), index))
    return Evidence(
        entities=[_evidence_entity(view.entities[index]) for index in entity_indexes],
        quotes=[_evidence_quote(view.quotes[index]) for index in in_text_order],
    )


def _int(value: Any) -> int:
    return value if isinstance(value, int) else 0


# ------------------------------------------------------------------ alert event


def _quote_key(text: Any) -> str:
    normalized = normalize_name(text) if isinstance(text, str) else ""
    return "q:" + hashlib.sha256(normalized.encode("utf-8")).hexdigest()[:16]


def evidence_fingerprint(evidence: Mapping[str, Any]) -> list[str]:
    """Sorted keys of what an alert reports: "e:<entity id>" and "q:<hash of quote text>".

    Offsets are left out on purpose: a wire update that shifts paragraphs is not new evidence.
    """
    keys: set[str] = set()
    for entity in evidence.get("entities") or ():
        entity_id = entity.get("id")
        keys.add(f"e:{entity_id}" if entity_id else "e:~" + normalize_name(str(entity.get("name") or "")))
    for quote in evidence.get("quotes") or ():
        keys.add(_quote_key(quote.get("text")))
    return sorted(keys)


def alert_id(rule_id: str, article_id: str, fingerprint: Iterable[str]) -> str:
    """Deterministic id: a replayed article yields the same id (also the webhook-id)."""
    payload = orjson.dumps([rule_id, article_id, sorted(fingerprint)])
    return hashlib.sha256(payload).hexdigest()[:32]


def _rule(rule: Union[Rule, CompiledRule]) -> Rule:
    return rule.rule if isinstance(rule, CompiledRule) else rule


def _article_version(article: Mapping[str, Any]) -> int:
    """The article's `version`, 1 when absent or not an integer."""
    version = article.get("version", 1)
    return version if isinstance(version, int) and not isinstance(version, bool) else 1


def build_alert(
    rule: Union[Rule, CompiledRule], article: Mapping[str, Any], evidence: Evidence, fired_at: str
) -> dict[str, Any]:
    """The alert event for wire.alerts (schemas/alert.json)."""
    definition = _rule(rule)
    return {
        "id": alert_id(definition.id, str(article["id"]), evidence_fingerprint(evidence)),
        "rule_id": definition.id,
        "rule_name": definition.name,
        "article_id": str(article["id"]),
        "article_version": _article_version(article),
        "fired_at": fired_at,
        "headline": article.get("headline"),
        "url": article.get("url"),
        "source": str(article.get("source") or ""),
        "language": article.get("language"),
        "match": definition.match,
        "evidence": {"entities": list(evidence["entities"]), "quotes": list(evidence["quotes"])},
        "once_per": definition.scope,
        **story_field(article),
    }


def story_field(article: Mapping[str, Any]) -> dict[str, Any]:
    """{"story": {id, articles}} naming the article's story and its size so far, or {}."""
    story = article.get("story")
    if not isinstance(story, Mapping) or not isinstance(story.get("id"), str):
        return {}
    articles = story.get("articles")
    return {"story": {"id": story["id"], "articles": articles if isinstance(articles, int) else 1}}


# ------------------------------------------------------------------ dedup and cool-down

AlertState = Mapping[str, Any]
"""Key -> JSON value; keys from dedup_key() and cooldown_key() (a dict, or state.AlertStateStore)."""


class SeenValue(TypedDict):
    fingerprint: list[str]  # every evidence key already alerted (or consumed by a cool-down)
    article_version: int
    seen_at: float  # epoch seconds of the last update: entries older than the retention expire


class CooldownValue(TypedDict):
    last_fired: float  # epoch seconds


class Decision(NamedTuple):
    fire: bool
    reason: str  # "new" | "new-evidence" | "duplicate" | "stale-version" | "cooldown" | "disabled" | "no-match"
    updates: dict[str, Any]  # keys to write into the state (empty when nothing changes)


def dedup_key(rule_id: str, article_id: str) -> str:
    """State key of one (rule, article); rule ids never contain "|" so keys cannot collide."""
    return f"seen|{rule_id}|{article_id}"


def cooldown_key(rule_id: str) -> str:
    """State key of a rule's last firing time."""
    return f"cool|{rule_id}"


def decide(
    state: AlertState,
    rule: Union[Rule, CompiledRule],
    article: Mapping[str, Any],
    evidence: Optional[Mapping[str, Any]],
    now: Moment,
) -> Decision:
    """Whether this (rule, article, evidence) fires, why, and the state keys to write.

    Order: disabled, no match, older version than already seen, nothing new, cool-down.
    Evidence suppressed by the cool-down is recorded as seen, so a later replay stays silent.
    """
    definition = _rule(rule)
    if not definition.enabled:
        return Decision(False, "disabled", {})
    if not evidence or not (evidence.get("entities") or evidence.get("quotes")):
        return Decision(False, "no-match", {})
    key = dedup_key(definition.id, str(article["id"]))
    version = _article_version(article)
    seen = state.get(key) or {}
    seen_keys = set(seen.get("fingerprint") or ())
    if seen and isinstance(seen.get("article_version"), int) and version < seen["article_version"]:
        return Decision(False, "stale-version", {})
    fingerprint = set(evidence_fingerprint(evidence))
    if fingerprint <= seen_keys:
        return Decision(False, "duplicate", {})
    record = SeenValue(fingerprint=sorted(seen_keys | fingerprint),
                       article_version=max(version, int(seen.get("article_version") or 0)),
                       seen_at=to_epoch(now))
    updates: dict[str, Any] = {key: record}
    if definition.cooldown_seconds > 0:  # a rule without cool-down never touches its per-rule key
        fired_at = to_epoch(now)
        last = (state.get(cooldown_key(definition.id)) or {}).get("last_fired")
        if isinstance(last, (int, float)) and fired_at - last < definition.cooldown_seconds:
            return Decision(False, "cooldown", updates)
        updates[cooldown_key(definition.id)] = CooldownValue(last_fired=fired_at)
    return Decision(True, "new-evidence" if seen_keys else "new", updates)


def expired_keys(state: Mapping[str, Any], now: float, retention_seconds: float) -> list[str]:
    """Dedup, delivery and surge entries ("seen|", "sent|", "once|", "surge|") last updated more than `retention_seconds`
    ago (an article or alert that old is never evaluated or delivered again, see
    `too_old`; its entry would only grow every worker's memory). Cool-downs and target
    states never expire."""
    cutoff = now - retention_seconds
    return [key for key, value in state.items()
            if key.startswith(("seen|", "sent|", "once|", "surge|")) and isinstance(value, dict)
            and isinstance(value.get("seen_at"), (int, float)) and value["seen_at"] < cutoff]


def too_old(arrived: Optional[float], now: float, retention_seconds: float) -> bool:
    """Whether something that arrived at `arrived` (epoch seconds) is older than the state's
    retention: its dedup entry may be gone, so it must not alert (or be delivered) again."""
    return arrived is not None and now - arrived > retention_seconds


def predates_rule(arrived: Optional[float], rule_added: Optional[float]) -> bool:
    """Whether an article reached wire.raw before its rule was written to wire.rules: a rule
    fires on what arrives after it (`wirewatch rules test` explores history)."""
    return arrived is not None and rule_added is not None and arrived < rule_added


def apply(state: dict[str, Any], updates: Mapping[str, Any]) -> dict[str, Any]:
    """Write a decision's updates into a dict state (in place) and return it."""
    state.update(updates)
    return state
