"""One parsed Doc as DocBin bytes, for the annotation that travels on wire.annotated.

Why not `DocBin.add` + `to_bytes`: `add` looks up nine strings per token through spaCy's token
properties (~0.5 ms for a 400-token article), where the same set comes from the distinct hashes
of the Doc's attribute array, and `to_bytes` compresses at zlib's default level 6, where level 3
is half the time for 5 % more bytes (docs/benchmarks.md, issue #17). The payload inside the zlib
stream is the one `DocBin` writes, byte for byte (tests/test_docbin.py), so `DocBin.from_bytes`
reads it as it reads its own. A Doc with span groups goes through `DocBin` itself (no stage
writes any; their labels would need the per-span walk).
"""

from __future__ import annotations

import zlib

import numpy
import srsly
from spacy.attrs import DEP, ENT_ID, ENT_KB_ID, ENT_TYPE, LEMMA, MORPH, NORM, ORTH, SPACY, TAG
from spacy.tokens import Doc, DocBin

COMPRESSION_LEVEL = 3

STRING_ATTRS = (ORTH, TAG, LEMMA, NORM, DEP, ENT_TYPE, ENT_KB_ID, ENT_ID)
"""The token attributes whose strings DocBin.add keeps (with the morphology, apart: see below)."""

EMPTY_MORPH = "_"
"""The morphology string of a token without features; `str(token.morph)` gives "" for it."""

_ATTRS: list[int] = DocBin().attrs
_STRING_COLUMNS = [_ATTRS.index(attr) for attr in STRING_ATTRS]
_MORPH_COLUMN = _ATTRS.index(MORPH)
_VERSION = DocBin().version


def docbin_bytes(doc: Doc) -> bytes:
    """The DocBin of `doc` alone (no user data): the payload `DocBin.to_bytes` would compress,
    compressed at COMPRESSION_LEVEL."""
    if doc.spans:
        return _with_docbin(doc)
    array = doc.to_array(_ATTRS)
    try:
        strings = _strings(doc, array)
    except KeyError:  # a hash the string store does not know: let spaCy say what it makes of it
        return _with_docbin(doc)
    spaces = doc.to_array(SPACY).reshape((-1, 1)).astype(bool)
    message = {
        "version": _VERSION,
        "attrs": _ATTRS,
        "tokens": array.tobytes("C"),
        "spaces": spaces.tobytes("C"),
        "lengths": numpy.asarray([len(array)], dtype="int32").tobytes("C"),
        "strings": sorted(strings),
        "cats": [doc.cats],
        "flags": [{"has_unknown_spaces": doc.has_unknown_spaces}],
        "span_groups": [doc.spans.to_bytes()],
    }
    return zlib.compress(srsly.msgpack_dumps(message), COMPRESSION_LEVEL)


def _strings(doc: Doc, array: numpy.ndarray) -> set[str]:
    """The strings DocBin.add collects token by token, from the distinct hashes of the array."""
    lookup = doc.vocab.strings
    if not len(array):
        return set()
    strings = {lookup[value] for value in numpy.unique(array[:, _STRING_COLUMNS]).tolist()}
    for value in numpy.unique(array[:, _MORPH_COLUMN]).tolist():
        morph = lookup[value]
        strings.add("" if morph == EMPTY_MORPH else morph)
    return strings


def _with_docbin(doc: Doc) -> bytes:
    docbin = DocBin(store_user_data=False)
    docbin.add(doc)
    return docbin.to_bytes()
