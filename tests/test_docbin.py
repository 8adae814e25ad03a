"""docbin_bytes (streams/nlp/annotate/docbin.py) against spaCy's own DocBin: the same payload
inside the zlib stream, byte for byte, on real parses of both languages, and the same Doc back."""

from __future__ import annotations

import zlib

import pytest
from spacy.tokens import Doc, DocBin

from streams.config import Settings
from streams.nlp.annotate.docbin import docbin_bytes
from streams.nlp.pipeline import Enricher

TEXTS = {
    "fr": ["« Nous resterons unis », a déclaré Jens Stoltenberg, secrétaire général de l'OTAN, à Bruxelles.",
           "Le ministre de l'Économie a annoncé mardi un plan de 2 milliards d'euros pour l'industrie.", "_ — _", ""],
    "en": ["\"We will stand together,\" NATO Secretary General Jens Stoltenberg said in Brussels on Tuesday.",
           "Shares of Apple Inc. fell 3% after the company's earnings report.", "a  b\n\nc", " "],
}


@pytest.fixture(scope="module")
def docs() -> list[Doc]:
    registry = Enricher(Settings()).registry
    return [doc for language, texts in TEXTS.items() for doc in registry.get(language).pipe(texts)]


def spacy_docbin(doc: Doc) -> bytes:
    docbin = DocBin(store_user_data=False)
    docbin.add(doc)
    return docbin.to_bytes()


def test_the_payload_is_the_one_docbin_writes(docs):
    for doc in docs:
        assert zlib.decompress(docbin_bytes(doc)) == zlib.decompress(spacy_docbin(doc)), doc.text


def test_docbin_reads_it_back_to_the_same_doc(docs):
    for doc in docs:
        (back,) = DocBin().from_bytes(docbin_bytes(doc)).get_docs(doc.vocab)
        assert back.to_json() == doc.to_json()


def test_a_doc_with_span_groups_goes_through_docbin(docs):
    doc = docs[0].copy()
    doc.spans["people"] = [doc[0:2]]
    assert zlib.decompress(docbin_bytes(doc)) == zlib.decompress(spacy_docbin(doc))
