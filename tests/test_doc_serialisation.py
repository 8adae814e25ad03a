"""The parse travels as a DocBin; srsly's per-call entry-point scan is skipped when nothing uses it."""

import spacy
from srsly import msgpack

from streams.nlp.annotate.parse import ANNOTATION_FORMAT, doc_from_annotation, serialize_doc, skip_msgpack_entry_point_scans


def test_the_scan_is_off_only_when_no_package_declares_msgpack_entry_points():
    declared = any(r.get_entry_points() for r in (msgpack.msgpack_encoders, msgpack.msgpack_decoders))
    assert skip_msgpack_entry_point_scans() is (not declared)
    assert msgpack.msgpack_encoders.entry_points is declared
    assert msgpack.msgpack_decoders.entry_points is declared


def test_a_doc_comes_back_from_its_annotation_word_for_word():
    nlp = spacy.blank("fr")
    doc = nlp("« Nous resterons unis », a déclaré Jens Stoltenberg.")
    doc[0].lemma_ = "«"
    doc[3].tag_ = "ADJ"
    back = doc_from_annotation({"format": ANNOTATION_FORMAT, "data": serialize_doc(doc)}, "fr")
    assert [t.text for t in back] == [t.text for t in doc]
    assert [t.whitespace_ for t in back] == [t.whitespace_ for t in doc]
    assert back[3].tag_ == "ADJ" and back[0].lemma_ == "«"
