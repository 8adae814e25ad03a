"""The enrichment stages as plain functions over event dicts.

Agents (streams/app.py) and ``wirewatch enrich`` call exactly these functions, so the broker
and the command line can never disagree about what an enriched article is.  Each stage takes
the event of the previous topic and returns the event for the next one; a failure raises and
the caller turns it into a dead letter with :func:`dead_letter`.
"""

from __future__ import annotations

import base64
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Iterable, Iterator, Sequence

from spacy.tokens import Doc

from streams import __version__
from streams.config import Settings
from streams.nlp.annotate.parse import (
    ModelRegistry,
    annotate_batch,
    doc_from_annotation,
)
from streams.nlp.normalize.clean import NormalizeOptions, normalize_article
from streams.topology import ENRICH_STAGE_NAMES, HOP_TOPICS

INTERNAL_FIELDS = ("annotation", "boilerplate", "language_detected")

# A dead letter must itself fit in a Kafka message (1 MB by default), so a payload larger than
# this keeps its head and says how large it was.
MAX_DEAD_LETTER_PAYLOAD = 512 * 1024

# Parses kept for the later stages of the same worker (see Enricher.doc): at most this many
# Docs and tokens (a Doc keeps its tensor: ~0.4 kB per token with fr_core_news_md).
DOC_CACHE_SIZE = 32
DOC_CACHE_TOKENS = 40_000


def utc_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def dead_letter(payload: Any, stage: str, error: BaseException | str, **context: Any) -> dict:
    """A wire.deadletter event: the payload as received, where it failed and why."""
    if isinstance(payload, (dict, list)):
        from streams.runtime.codec import dumps

        try:
            payload = dumps(payload)
        except (TypeError, ValueError):  # not encodable (too deep...): keep a readable form
            payload = repr(payload)[:MAX_DEAD_LETTER_PAYLOAD]
    if isinstance(payload, str):
        payload = payload.encode("utf-8", "surrogatepass")
    if payload is None:
        payload = b""
    size = len(payload)
    truncated = size > MAX_DEAD_LETTER_PAYLOAD
    if truncated:
        payload = payload[:MAX_DEAD_LETTER_PAYLOAD]
    try:
        text, encoding = payload.decode("utf-8", "strict" if not truncated else "ignore"), "utf-8"
    except UnicodeDecodeError:
        text, encoding = base64.b64encode(payload).decode("ascii"), "base64"
    if isinstance(error, BaseException):
        message = str(error) or type(error).__name__
        if not isinstance(error, ValueError):
            message = f"{type(error).__name__}: {message}"
    else:
        message = error
    event = {
        "payload": text,
        "payload_encoding": encoding,
        "stage": stage,
        "error": message.splitlines()[0][:2000] if message else "unknown error",
        "received_at": utc_now(),
    }
    if truncated:
        event["payload_truncated"] = True
        event["payload_bytes"] = size
    event.update({k: v for k, v in context.items() if v is not None})
    return event


@dataclass
class Enricher:
    """Holds what the stages need (models, alias table, options), loaded once per process."""

    settings: Settings
    registry: ModelRegistry = field(init=False)

    def __post_init__(self) -> None:
        self.registry = ModelRegistry(self.settings.models, tuned_ner=self.settings.tuned_ner)
        self.normalize_options = NormalizeOptions(max_body_bytes=self.settings.max_body_bytes,
                                                  preferred_languages=tuple(self.settings.models))
        self._aliases = None
        self._docs: OrderedDict[str, Doc] = OrderedDict()
        self._docs_tokens = 0
        self._docs_lock = threading.Lock()
        self.keep_docs = True  # False in a worker whose later stages run elsewhere
        self.stories_state = None  # the in-process StoriesState (wirewatch enrich, eval); see stories()

    @property
    def aliases(self):
        if self._aliases is None:
            from streams.nlp.entities.aliases import load_alias_table

            self._aliases = load_alias_table(self.settings.aliases_file)
        return self._aliases

    def warm_up(self, stages: Iterable[str] = ("annotate", "entities")) -> None:
        """Load models and tables before the first article, so the first latency is honest."""
        stages = set(stages)
        if "annotate" in stages:
            for language in self.settings.models:
                self.registry.get(language)
        if "entities" in stages:
            import spacy

            from streams.nlp.entities.extract import extract_entities

            for language in self.settings.models:  # builds the alias table's lookup indexes too
                text = "Paris, Berlin."
                extract_entities(spacy.blank(language)(text), text, language=language, aliases=self.aliases)

    # --- stages -----------------------------------------------------------------------

    def normalize(self, payload: Any) -> dict:
        started = time.perf_counter()
        event = normalize_article(payload, self.normalize_options)
        _timing(event, "normalize", started)
        return event

    def annotate(self, events: Sequence[dict]) -> list[tuple[dict, Doc]]:
        started = time.perf_counter()
        pairs = annotate_batch(events, self.registry)
        share = (time.perf_counter() - started) * 1000 / max(1, len(pairs))
        for event, doc in pairs:
            event.setdefault("timings_ms", {})["annotate"] = round(share, 3)
            self._remember(event["annotation"], doc)
        return pairs

    def entities(self, event: dict, doc: Doc | None = None) -> dict:
        from streams.nlp.entities.extract import extract_entities

        started = time.perf_counter()
        doc = doc if doc is not None else self.doc(event)
        event = dict(event)
        event["entities"] = extract_entities(
            doc, event["body"], language=event["language"], headline=event.get("headline"), aliases=self.aliases,
            disabled=self.settings.disabled_passes,
        )
        _timing(event, "entities", started)
        return event

    def quotes(self, event: dict, doc: Doc | None = None) -> dict:
        from streams.nlp.entities.extract import mark_quoted
        from streams.nlp.quotes.extract import extract_quotes

        started = time.perf_counter()
        doc = doc if doc is not None else self.doc(event)
        event = dict(event)
        quotes, entities = extract_quotes(doc, event["body"], event.get("entities", []), language=event["language"],
                                          disabled=self.settings.disabled_passes)
        quoted_ids = {e["id"] for e in entities if e.get("quoted")}
        event["quotes"] = quotes
        event["entities"] = mark_quoted(entities, quoted_ids, len(event["body"]))
        _timing(event, "quotes", started)
        return event

    def topics(self, event: dict, doc: Doc | None = None) -> dict:
        """Topics, then the public event (internal fields dropped); the stories stage adds story and quote ids."""
        from streams.nlp.topics.classify import classify_topics

        started = time.perf_counter()
        doc = doc if doc is not None else self.doc(event)
        enriched = {k: v for k, v in event.items() if k not in INTERNAL_FIELDS}
        enriched["topics"] = classify_topics(doc, language=event["language"], headline=event.get("headline"))
        enriched.setdefault("entities", [])
        enriched.setdefault("quotes", [])
        _timing(enriched, "topics", started)
        enriched.setdefault("models", {})["wirewatch"] = __version__
        enriched["enriched_at"] = utc_now()
        return enriched

    def stories(self, event: dict, doc: Doc | None = None) -> dict:
        """Story and quote ids, from this process's own story state (`wirewatch enrich`); in a
        worker the one stories sequencer applies the shared state instead (streams/runtime/stories.py)."""
        from streams.stories.state import StoriesState, decorate, utc_time

        started = time.perf_counter()
        if self.stories_state is None:
            self.stories_state = StoriesState()
        seen = utc_time(event.get("published_at")) or event.get("enriched_at") or utc_now()
        added, _rows = self.stories_state.apply(event, seen)
        event = decorate(event, added)
        _timing(event, "stories", started)
        return event

    def doc(self, event: dict) -> Doc:
        """The article's parse: the Doc itself when this process annotated it moments ago (a
        worker running every stage), else rebuilt from the annotation. The two give the same
        results (the stages only read the Doc); the cache saves a rebuild per stage."""
        annotation = event.get("annotation")
        if annotation is None:
            raise ValueError("event has no 'annotation': it did not come through the annotate stage")
        key = _cache_key(annotation)
        with self._docs_lock:
            doc = self._docs.get(key) if key is not None else None
            if doc is not None:
                self._docs.move_to_end(key)
                return doc
        return doc_from_annotation(annotation, event["language"])

    def _remember(self, annotation: Any, doc: Doc) -> None:
        key = _cache_key(annotation)
        if key is None or not self.keep_docs or len(doc) > DOC_CACHE_TOKENS // 4:
            return
        with self._docs_lock:
            previous = self._docs.pop(key, None)
            if previous is not None:
                self._docs_tokens -= len(previous)
            self._docs[key] = doc
            self._docs_tokens += len(doc)
            while len(self._docs) > DOC_CACHE_SIZE or self._docs_tokens > DOC_CACHE_TOKENS:
                _key, evicted = self._docs.popitem(last=False)
                self._docs_tokens -= len(evicted)

    # --- all stages in one process ------------------------------------------------------

    def enrich_many(self, payloads: Iterable[Any], batch_size: int = 16) -> Iterator[tuple[str, dict]]:
        """('enriched', event) or ('deadletter', event) per payload, in input order per batch."""
        batch: list[Any] = []
        for payload in payloads:
            batch.append(payload)
            if len(batch) >= batch_size:
                yield from self._enrich_batch(batch)
                batch = []
        if batch:
            yield from self._enrich_batch(batch)

    def _enrich_batch(self, payloads: list[Any]) -> Iterator[tuple[str, dict]]:
        from streams.nlp.chain import run_chain

        for outcome in run_chain(self, ENRICH_STAGE_NAMES, payloads):
            if outcome.failure is None:
                yield HOP_TOPICS[-1], outcome.outputs[-1][1]
            else:  # every failure becomes a dead letter, never a crash
                yield "deadletter", chain_dead_letter(outcome.failure)


def chain_dead_letter(failure: Any) -> dict:
    """The dead letter of a stage that failed inside a chain (streams/nlp/chain.py); past
    normalize, with the article's id."""
    payload = failure.letter_payload()
    if failure.stage == "normalize" or not isinstance(payload, dict):
        return dead_letter(payload, failure.stage, failure.error)
    return dead_letter(payload, failure.stage, failure.error, article_id=payload.get("id"))


def _cache_key(annotation: Any) -> str | None:
    """The serialised parse itself: equal strings are the same parse of the same text."""
    data = annotation.get("data") if isinstance(annotation, dict) else None
    return data if isinstance(data, str) else None


def _timing(event: dict, stage: str, started: float) -> None:
    event.setdefault("timings_ms", {})[stage] = round((time.perf_counter() - started) * 1000, 3)
