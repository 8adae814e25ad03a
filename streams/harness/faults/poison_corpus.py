"""The poison corpus: records a worker must dead-letter (POISON) and hostile articles it must
enrich (HOSTILE), drawn by hypothesis with a fixed seed, so a run can be repeated exactly."""

from __future__ import annotations

import gzip
import random
from dataclasses import dataclass
from typing import Any

import orjson
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis import strategies as st

from streams.harness.articles import sample_articles
from streams.harness.faults.scenario import make_articles

MAX_BODY_BYTES = 1024 * 1024  # the worker's default WIREWATCH_MAX_BODY_BYTES


def examples(strategy: st.SearchStrategy, count: int, seed: int) -> list:
    """`count` values drawn by hypothesis from `strategy`, reproducibly (fixed seed, no database).

    The broker test checks the whole corpus in one run (one worker, one pass), so the values are
    collected here rather than each one driving its own run."""
    found: list = []

    @hypothesis_seed(seed)
    @settings(max_examples=count, database=None, deadline=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(strategy)
    def collect(value):
        found.append(value)

    collect()
    while found and len(found) < count:  # a small space (e.g. missing fields) is cycled
        found.extend(found[: count - len(found)])
    return found[:count]


_SAMPLE_INDEX = st.integers(min_value=0, max_value=3)
_INT64 = st.integers(min_value=-(2**63), max_value=2**63 - 1)  # what JSON encoders here can write
_STRING_FIELDS = ("id", "source", "language", "headline", "body", "body_html", "url", "byline", "published_at")
_SCALARS = st.one_of(
    _INT64, st.floats(allow_nan=False, allow_infinity=False), st.booleans(), st.lists(_INT64, max_size=3),
    st.dictionaries(st.text(max_size=5), _INT64, max_size=3),
)
_BAD_VERSIONS = st.one_of(st.text(max_size=8), st.floats(allow_nan=False, allow_infinity=False), st.booleans(),
                          st.integers(min_value=-(2**63), max_value=0), st.lists(_INT64, max_size=2))


def _sample(index: int) -> dict:
    samples = sample_articles()
    return samples[index % len(samples)]


def _filler(size: int, alphabet: str) -> str:
    unit = "".join(alphabet) + " "
    return (unit * (size // len(unit) + 1))[:size]


def _with_field(index: int, name: str, value: Any) -> bytes:
    article = _sample(index)
    article[name] = value
    return orjson.dumps(article)


def _without(index: int, names: tuple[str, ...]) -> bytes:
    article = _sample(index)
    for name in names:
        article.pop(name, None)
    return orjson.dumps(article)


def _truncated(index: int, fraction: float) -> bytes:
    data = orjson.dumps(_sample(index))
    return data[: max(1, min(len(data) - 1, int(fraction * len(data))))]


def _nested_inside_article(index: int, depth: int) -> bytes:
    """A valid article carrying an extra field nested `depth` levels (orjson reads up to 1024,
    writes up to 254): written by hand, as orjson cannot."""
    return orjson.dumps(_sample(index))[:-1] + b',"extra":' + b"[" * depth + b"]" * depth + b"}"


def _bad_utf8(index: int, junk: bytes) -> bytes:
    article = _sample(index)
    article["body"] = article["body"][:40] + "\x00JUNK\x00" + article["body"][40:]
    return orjson.dumps(article).replace(b"\\u0000JUNK\\u0000", junk)


def _lone_surrogate(index: int, code: int) -> bytes:
    article = _sample(index)
    article["headline"] = "MARK"
    return orjson.dumps(article).replace(b"MARK", f"\\u{code:04x}".encode())


def _binary(kind: str, tail: bytes) -> bytes:
    article_json = orjson.dumps(_sample(0))
    return {
        "png": b"\x89PNG\r\n\x1a\n" + tail,
        "gzip": gzip.compress(article_json + tail, mtime=0),
        "utf-16": article_json.decode().encode("utf-16"),
        "pdf": b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + tail,
    }[kind]


def _huge(index: int, extra: int, name: str) -> bytes:
    article = _sample(index)
    article.pop("body", None)
    text = _filler(MAX_BODY_BYTES + extra, "Lorem ipsum dolor sit amet")
    article[name] = f"<p>{text}</p>" if name == "body_html" else text
    return orjson.dumps(article)


def _wrong_type(pair: tuple[str, Any], index: int) -> bytes:
    return _with_field(index, *pair)


_WRONG_TYPES = st.one_of(
    st.tuples(st.sampled_from(_STRING_FIELDS), _SCALARS),
    st.tuples(st.just("version"), _BAD_VERSIONS),
    st.tuples(st.sampled_from(("id", "source")), st.text(alphabet=" \t\n\u00a0", max_size=4)),
    st.tuples(st.just("id"), st.integers(min_value=513, max_value=4000).map(lambda n: "x" * n)),
    st.tuples(st.just("published_at"), st.text(alphabet="abcxyz :/", min_size=1, max_size=20)),
)

# kind -> strategy of the bytes to send (None = a null value, a "tombstone"); every one must be
# dead-lettered with a reason.
POISON: dict[str, st.SearchStrategy] = {
    "random-bytes": st.binary(min_size=1, max_size=4096),
    "random-text": st.text(min_size=1, max_size=2000).map(lambda s: s.encode("utf-8")),
    "binary-format": st.builds(_binary, st.sampled_from(["png", "gzip", "utf-16", "pdf"]), st.binary(max_size=512)),
    "truncated-json": st.builds(_truncated, _SAMPLE_INDEX, st.floats(min_value=0, max_value=1)),
    "deep-nesting": st.builds(lambda depth, open_close: open_close[0] * depth + open_close[1] * depth,
                              st.integers(min_value=1025, max_value=10_000),
                              st.sampled_from([(b"[", b"]"), (b'{"a":', b"}")])),
    "nested-article": st.builds(_nested_inside_article, _SAMPLE_INDEX, st.integers(min_value=255, max_value=1000)),
    "huge-body": st.builds(_huge, _SAMPLE_INDEX, st.integers(min_value=1, max_value=256 * 1024),
                           st.sampled_from(["body", "body_html"])),
    "wrong-type": st.builds(_wrong_type, _WRONG_TYPES, _SAMPLE_INDEX),
    "missing-field": st.builds(_without, _SAMPLE_INDEX, st.sampled_from([("id",), ("source",), ("body", "body_html")])),
    "not-an-object": st.one_of(st.lists(_INT64, max_size=5), st.text(max_size=50), _INT64,
                               st.booleans(), st.none(),
                               st.floats(allow_nan=False, allow_infinity=False)).map(orjson.dumps),
    "empty": st.sampled_from([b"", None]),
    "bad-utf8": st.builds(_bad_utf8, _SAMPLE_INDEX,
                          st.sampled_from([b"\xff", b"\xc3", b"\xed\xa0\x80", b"\xf8\x88\x80\x80\x80", b"\x80\x80"])),
    "lone-surrogate": st.builds(_lone_surrogate, _SAMPLE_INDEX, st.integers(min_value=0xD800, max_value=0xDFFF)),
}


_BROKEN_HTML = ["<p>", "</p></p>", "<b><i>", "</div>", "<a href='", "<<>>", "&amp", "&#99999999;", "&bogus;",
                "<p\n", "<table><td>", "<br/>", "</>", "<img src=x onerror=alert(1)>", "<!DOCTYPE", "]]>"]
_QUOTES = ["«", "»", "“", "”", '"', "„", "‹", "›", "'", "‘", "’", "« ", " »"]
_NOISE = ["\U0001f600", "\u0301", "\u200f", "\u202e", "\u200d", "\x00", "\x07", "\u2028", "\ufffd", "ﷺ", "\u00a0",
          "\t", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "\u0640" * 5, "\r\n"]


def _insert(text: str, pieces: list[tuple[float, str]]) -> str:
    for fraction, piece in sorted(pieces, reverse=True):
        at = int(fraction * len(text))
        text = text[:at] + piece + text[at:]
    return text


def _broken_html(index: int, pieces: list[tuple[float, str]]) -> dict:
    article = _sample(index)
    paragraphs = article.pop("body").split("\n\n")
    rest = "".join(f"<p>{p}" for p in paragraphs[1:])
    article["body_html"] = f"<p>{paragraphs[0]}</p>" + _insert(rest, pieces)
    return article


def _body_with(index: int, pieces: list[tuple[float, str]]) -> dict:
    article = _sample(index)
    article["body"] = _insert(article["body"], pieces)
    return article


def _odd_language(index: int, language: str | None) -> dict:
    article = _sample(index)
    if language is None:
        article.pop("language", None)
    else:
        article["language"] = language
    return article


_JSON_VALUES = st.recursive(st.none() | st.booleans() | _INT64
                            | st.text(max_size=20), lambda inner: st.lists(inner, max_size=3)
                            | st.dictionaries(st.text(max_size=8), inner, max_size=3), max_leaves=10)
_RESERVED = set(_STRING_FIELDS) | {"version", "annotation", "boilerplate", "language_detected", "dedup_key",
                                   "entities", "quotes", "topics", "models", "enriched_at", "timings_ms"}

# Hostile but valid articles: each must be enriched.
HOSTILE: dict[str, st.SearchStrategy] = {
    "broken-html": st.builds(_broken_html, _SAMPLE_INDEX,
                             st.lists(st.tuples(st.floats(0, 1), st.sampled_from(_BROKEN_HTML)),
                                      min_size=1, max_size=8)),
    "unbalanced-quotes": st.builds(_body_with, _SAMPLE_INDEX,
                                   st.lists(st.tuples(st.floats(0, 1), st.sampled_from(_QUOTES)),
                                            min_size=1, max_size=9)),
    "unicode-noise": st.builds(_body_with, _SAMPLE_INDEX,
                               st.lists(st.tuples(st.floats(0, 1), st.sampled_from(_NOISE)), min_size=1, max_size=12)),
    "odd-language": st.builds(_odd_language, _SAMPLE_INDEX,
                              st.sampled_from(["zz", "x-private", "de", "EN-gb", "", "123", "fr_FR", None])),
    "extra-fields": st.builds(lambda index, extra, version: {**extra, **_sample(index), "version": version},
                              _SAMPLE_INDEX,
                              st.dictionaries(st.text(min_size=1, max_size=10).filter(lambda k: k not in _RESERVED),
                                              _JSON_VALUES, max_size=4),
                              st.integers(min_value=1, max_value=2**63 - 1)),
}


@dataclass
class Record:
    kind: str
    key: str
    value: bytes | None
    expect: str  # "deadletter" or "enriched"


def poison_corpus(prefix: str, bad: int, good: int, seed: int = 0) -> list[Record]:
    """`bad` poison records spread over every POISON kind, `good` articles (plain ones and
    every HOSTILE kind), shuffled together with a fixed seed."""
    records: list[Record] = []
    kinds = list(POISON)
    for n, kind in enumerate(kinds):
        share = bad // len(kinds) + (1 if n < bad % len(kinds) else 0)
        for value in examples(POISON[kind], share, seed + n) if share else []:
            records.append(Record(kind, f"{prefix}-bad-{len(records):05d}", value, "deadletter"))
    hostile_kinds = list(HOSTILE)
    plain = good - good // 2
    hostile = good - plain
    goods: list[tuple[str, dict]] = [("good", a) for a in make_articles(plain, f"{prefix}-good")]
    for n, kind in enumerate(hostile_kinds):
        share = hostile // len(hostile_kinds) + (1 if n < hostile % len(hostile_kinds) else 0)
        goods += [(kind, article) for article in (examples(HOSTILE[kind], share, seed + 100 + n) if share else [])]
    for n, (kind, article) in enumerate(goods):
        key = f"{prefix}-ok-{n:05d}"
        records.append(Record(kind, key, orjson.dumps(dict(article, id=key)), "enriched"))
    random.Random(seed).shuffle(records)
    return records


def letter_key(letter: dict) -> str | None:
    """Which sent record a dead letter is about: its key, else the id in its payload."""
    if letter.get("key"):
        return letter["key"]
    if letter.get("article_id"):
        return letter["article_id"]
    try:
        payload = orjson.loads(letter.get("payload") or b"")
        return payload.get("id") or payload.get("article_id")
    except (orjson.JSONDecodeError, AttributeError):
        return None


def renamed(record: Record, key: str) -> Record:
    """The record under a new key, and with that id when it is an article."""
    value = record.value
    try:
        article = orjson.loads(value or b"")
        if isinstance(article, dict) and "id" in article:
            value = orjson.dumps(dict(article, id=key))
    except orjson.JSONDecodeError:
        pass
    return Record(record.kind, key, value, record.expect)


def outgrowing_article(key: str = "outgrows", size: int = 160_000) -> Record:
    """A valid article (body far under the 1 MiB limit) whose enriched form is over 1 MB: dense
    in quotations, speakers and places, so later stages add far more than the body holds."""
    unit = "« Nous ne céderons pas », a déclaré Emmanuel Macron à Paris. "
    body = "\n\n".join([unit] * (size // (len(unit) + 2)))
    article = {"id": key, "source": "Fault Wire", "language": "fr", "headline": "Dense", "body": body}
    return Record("outgrows-limit", key, orjson.dumps(article), "either")
