"""IPTC Media Topics (top level) for French and English articles.

Why this shape: one small linear model over English lemmas (softmax regression trained on
DWIE, see scripts/train_topics.py) serves both languages. French lemmas are mapped to English
lemmas through a hand-written bilingual lexicon (data/topics-fr-en.tsv), so a French article is
scored by the very same weights. Everything ships in the package; nothing is downloaded.
"""

from __future__ import annotations

import csv
import functools
import json
import math
import os
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from streams.events import Topic
from streams.nlp.topics.terms import (  # noqa: F401  (doc_terms, headline_terms: this module's API too)
    SYMBOL_WORDS,
    Term,
    Terms,
    _stop_words,
    doc_term_ids,
    doc_terms,
    headline_terms,
    memoized,
)
from streams.paths import DATA_DIR
from streams.text import fold

if TYPE_CHECKING:  # pragma: no cover
    from spacy.tokens import Doc

LABELS_FILE = DATA_DIR / "iptc-mediatopics-top.tsv"
MODEL_FILE = DATA_DIR / "topics-model.npz"
FR_EN_FILE = DATA_DIR / "topics-fr-en.tsv"

HEADLINE_WEIGHT = 2.0  # a headline word counts like this many body occurrences
# How much a rare lemma outweighs a common one: a feature is log(1 + count) x idf ** IDF_POWER
# (see idf_weights). The words that name a story's field ("mosque", "referendum", "striker") are
# rarer than the words every story shares ("group", "threat", "week"); a plain idf (power 1)
# lets a long article's many common words outvote its few specific ones. Held-out DWIE top-1 /
# recall@3 (scripts/train_topics.py, 5-, 7- and 10-fold): power 1: 71.1/90.1, 72.1/90.6,
# 72.2/90.7; 1.75: 71.4/91.0, 72.8/91.2, 72.4/91.5, no worse on any split. Power 2 gains as
# much on DWIE but lowers realpress-fr recall@3 to 78.9 %. Table: docs/passes.md, "Topics".
# Used at training time: the model file stores the powered weights as its "idf".
IDF_POWER = 1.75
# Every topic after the first is kept when its probability reaches this floor (at most max_topics).
# Real press gives an article two or three topics (protests: politics and unrest); the model's
# second and third topics are the right ones often enough at a low floor. Measured on realpress-fr
# and -en (docs/passes.md, "Topics"): floor 0.15 recall@3 60 %, precision 80 %; 0.10: 71 / 68 %;
# 0.03: 82 / 58 %. Users who want fewer, surer labels raise it (WIREWATCH_TOPIC_MIN_SCORE).
DEFAULT_MIN_SCORE = 0.03
MIN_SCORE_ENV = "WIREWATCH_TOPIC_MIN_SCORE"

SUPPORTED_LANGUAGES = ("en", "fr")


def _load_labels() -> dict[str, dict[str, str]]:
    """Read the IPTC top-level codes with English and French labels (CC BY 4.0, IPTC)."""
    labels: dict[str, dict[str, str]] = {}
    with LABELS_FILE.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            labels[row["code"]] = {"en": row["label_en"], "fr": row["label_fr"]}
    return labels


TOPIC_LABELS: dict[str, dict[str, str]] = _load_labels()
TOPIC_CODES: tuple[str, ...] = tuple(TOPIC_LABELS)




def _label_keys() -> dict[str, str]:
    """Every accepted spelling of a topic (full labels, their parts, codes) -> code."""
    keys: dict[str, str] = {}
    parts: dict[str, set[str]] = {}
    for code, names in TOPIC_LABELS.items():
        digits = code.split(":", 1)[1]
        for key in (code, digits, digits.lstrip("0")):
            keys[fold(key)] = code
        for name in names.values():
            full = _norm_label(name)
            keys[full] = code
            for part in re.split(r",| and | et ", full):
                part = part.strip()
                if part:
                    parts.setdefault(part, set()).add(code)
    for part, codes in parts.items():  # "politics", "war", "santé"... when unambiguous
        if len(codes) == 1:
            keys.setdefault(part, next(iter(codes)))
    extra = {
        "sports": "15000000", "labor": "09000000", "economy": "04000000",
        "business": "04000000", "finance": "04000000", "economie": "04000000",
        "crime": "02000000", "justice": "02000000", "war": "16000000",
        "conflict": "16000000", "disaster": "03000000", "accident": "03000000",
        "science": "13000000", "technology": "13000000", "tech": "13000000",
        "arts": "01000000", "culture": "01000000", "entertainment": "01000000",
        "media": "01000000", "lifestyle": "10000000", "leisure": "10000000",
        "government": "11000000", "politique": "11000000", "meteo": "17000000",
        "human interest": "08000000", "society": "14000000", "societe": "14000000",
        "religion": "12000000", "faith": "12000000", "belief": "12000000",
        "environment": "06000000", "environnement": "06000000",
        # labels of the older IPTC subject codes, still common in feeds
        "unrest": "16000000", "conflicts": "16000000", "unrest, conflicts and war": "16000000",
        "social issue": "14000000", "social issues": "14000000",
        "environmental issue": "06000000", "environmental issues": "06000000",
        "religion and belief": "12000000", "disaster and accident": "03000000",
        "arts, culture and entertainment": "01000000",
    }
    for key, digits in extra.items():
        keys.setdefault(key, "medtop:" + digits)
    return keys


def _norm_label(text: str) -> str:
    text = fold(text).replace("&", " and ").replace("_", " ").replace("-", " ")
    return re.sub(r"\s+", " ", text).strip()


@functools.lru_cache(maxsize=1)
def _label_index() -> dict[str, str]:
    return _label_keys()


def label_to_code(label_or_code: str) -> str | None:
    """Map a topic label (English or French, full or short) or code to "medtop:NNNNNNNN"."""
    if not isinstance(label_or_code, str):
        return None
    key = _norm_label(label_or_code)
    if not key:
        return None
    if key.startswith("medtop:"):
        key = key.split(":", 1)[1].strip()
    if key.isdigit():
        key = key.zfill(8)
        code = "medtop:" + key
        return code if code in TOPIC_LABELS else None
    index = _label_index()
    if key in index:
        return index[key]
    # "arts, culture and entertainment": every part names the same topic
    codes = {index.get(p.strip()) for p in re.split(r",| and | et | & ", key) if p.strip()}
    return codes.pop() if len(codes) == 1 and None not in codes else None


# --------------------------------------------------------------------------- model


@dataclass(frozen=True)
class TopicModel:
    """Softmax regression over English lemmas: logits = weights @ x + bias."""

    vocab: Mapping[str, int]
    weights: np.ndarray  # (n_topics, n_vocab) float32
    bias: np.ndarray  # (n_topics,)
    idf: np.ndarray  # (n_vocab,) each lemma's weight: idf_weights (idf ** IDF_POWER)
    codes: tuple[str, ...]
    fr_en: FrenchLexicon
    info: Mapping[str, object]

    @functools.cached_property
    def memos(self) -> dict[str, dict[Term, tuple[str, ...]]]:
        """Per language ("en", "fr"): the model lemmas of the terms met so far (terms.memoized)."""
        return {"en": {}, "fr": {}}


@dataclass(frozen=True)
class FrenchLexicon:
    """Folded French lemma (or word sequence without stop words) -> English model lemmas."""

    words: Mapping[str, tuple[str, ...]]
    phrases: Mapping[tuple[str, ...], tuple[str, ...]]
    longest: int

    @functools.cached_property
    def openers(self) -> tuple[frozenset[str], frozenset[str]]:
        """The first and the second words of the phrases: a token can start a phrase only if
        it is among the first and the next token among the second (most tokens are not)."""
        return frozenset(k[0] for k in self.phrases), frozenset(k[1] for k in self.phrases)


_SPLIT_RE = re.compile(r"[\s'\-]+")
BLOCK_MARK = "-"  # left column of lexicon lines whose French words reach no English lemma


def read_fr_en(path: Path, vocab: Mapping[str, int]) -> FrenchLexicon:
    """Invert the "english<TAB>fr1|fr2" lexicon, keeping English lemmas the model knows.

    A multi-word French entry ("garde à vue") is stored both whole (for tokens such as
    "cessez-le-feu") and as its sequence of non-stop words (matched on adjacent tokens).
    Words on a line whose English side is "-" map to nothing: they stop the inflection
    fallback ("fois" must not become "foi" -> faith)."""
    words: dict[str, list[str]] = {}
    phrases: dict[tuple[str, ...], list[str]] = {}
    stops = _stop_words("fr")
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            line = line.split("#", 1)[0].rstrip()
            if "\t" not in line:
                continue
            english, french = line.split("\t", 1)
            english = fold(english.strip())
            if english == BLOCK_MARK:  # French words that must map to nothing
                for fr in french.split("|"):
                    if fold(fr.strip()):
                        words.setdefault(fold(fr.strip()), [])
                continue
            if english not in vocab:
                continue
            for fr in french.split("|"):
                key = fold(fr.strip())
                if not key:
                    continue
                targets = [words.setdefault(key, [])]
                parts = tuple(w for w in _SPLIT_RE.split(key) if w and w not in stops)
                if len(parts) > 1:
                    targets.append(phrases.setdefault(parts, []))
                for target in targets:
                    if english not in target:
                        target.append(english)
    longest = max((len(k) for k in phrases), default=1)
    return FrenchLexicon(
        {k: tuple(v) for k, v in words.items()},
        {k: tuple(v) for k, v in phrases.items()},
        longest,
    )


@functools.lru_cache(maxsize=1)
def load_model() -> TopicModel:
    """Load the shipped model once per process."""
    with np.load(MODEL_FILE, allow_pickle=False) as npz:
        vocab_list = [str(w) for w in npz["vocab"]]
        weights = npz["weights"].astype(np.float32)
        bias = npz["bias"].astype(np.float32)
        idf = npz["idf"].astype(np.float32)
        codes = tuple(str(c) for c in npz["codes"])
        info = json.loads(str(npz["info"]))
    vocab = {w: i for i, w in enumerate(vocab_list)}
    return TopicModel(vocab, weights, bias, idf, codes, read_fr_en(FR_EN_FILE, vocab), info)


# Plural endings stripped from unlemmatised English words: (ending, replacement, shortest stem).
# A plain "s" may leave two letters: spaCy leaves acronym plurals ("MPs", "TVs") unlemmatised.
_EN_PLURALS: tuple[tuple[str, str, int], ...] = (("ies", "y", 3), ("es", "", 3), ("s", "", 2))


def _english_key(key: str, vocab: Mapping[str, int]) -> str | None:
    """Find an English vocabulary entry for a lemma, stripping plurals when unlemmatised."""
    if key in vocab:
        return key
    for suffix, repl, shortest in _EN_PLURALS:
        if key.endswith(suffix) and len(key) - len(suffix) >= shortest:
            cand = key[: -len(suffix)] + repl
            if cand in vocab:
                return cand
    return None


# Inflected French ending -> dictionary-form ending (folded, accents stripped), tried in this
# order on forms the lexicon does not know: feminine and plural adjectives and participles to
# the masculine singular, conjugated verbs to the infinitive. Used for headlines (which are
# not parsed) and for tokens without a lemma; a candidate counts only if the lexicon has it.
_FR_ENDINGS: tuple[tuple[str, str], ...] = (
    ("elles", "el"), ("elle", "el"), ("ives", "if"), ("ive", "if"), ("euses", "eux"),
    ("euse", "eux"), ("iennes", "ien"), ("ienne", "ien"), ("eaux", "eau"), ("aux", "al"),
    ("issent", "ir"), ("ees", "e"), ("ee", "e"), ("es", "e"), ("ent", "er"), ("ent", "ir"),
    ("ent", "re"), ("it", "ir"), ("us", "re"), ("ue", "re"), ("u", "re"), ("e", "er"),
    ("ees", "er"), ("ee", "er"), ("es", "er"), ("e", ""), ("es", ""), ("s", ""), ("x", ""),
)


def french_base_forms(word: str) -> list[str]:
    """Candidate dictionary forms of an inflected folded French word ("reculent" ->
    "reculer", "présidentielles" -> "presidentiel"), most specific ending first."""
    out: list[str] = []
    for ending, repl in _FR_ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= 3:
            cand = word[: -len(ending)] + repl
            if cand != word and cand not in out:
                out.append(cand)
    return out


def _french_word(lemma: str, lower: str, capital: bool, model: TopicModel) -> tuple[str, ...]:
    """English lemmas for one French token: lexicon on lemma, then on form, then on the
    form's likely dictionary forms (plural-less, masculine, infinitive).

    Capitalised mid-sentence words missing from the lexicon (names such as Bundesliga,
    Google) are tried as they are in the English vocabulary."""
    table = model.fr_en.words
    for key in (lemma, lower):
        if key in table:
            return table[key]
    for key in french_base_forms(lower):
        if key in table:
            return table[key]
    if lemma in SYMBOL_WORDS.values() and lemma in model.vocab:
        return (lemma,)
    if capital and len(lemma) >= 4 and lemma in model.vocab:
        return (lemma,)
    return ()


def _french_phrase(
    terms: list[tuple[str, str, bool]], i: int, model: TopicModel
) -> tuple[int, tuple[str, ...]]:
    """Longest lexicon phrase starting at token i: (length, English lemmas) or (0, ())."""
    phrases = model.fr_en.phrases
    for n in range(min(model.fr_en.longest, len(terms) - i), 1, -1):
        window = terms[i : i + n]
        options: list[tuple[str, ...]] = [()]
        for lemma, lower, _ in window:
            words = (lemma,) if lemma == lower else (lemma, lower)  # lemma first, in every process (not a set's order)
            options = [o + (w,) for o in options for w in words]
        for key in options:
            if key in phrases:
                return n, phrases[key]
    return 0, ()


def term_counts(
    terms: Iterable[Term] | Terms, language: str, model: TopicModel, weight: float = 1.0
) -> Counter[str]:
    """Counts of English vocabulary lemmas for a bag of tokens in `language`.

    The lexicon and the vocabulary are asked once per distinct term (and remembered across
    articles); the counts are exactly those of a loop over the tokens."""
    terms = terms if isinstance(terms, Terms) else Terms.of(terms)
    if language.lower().startswith("fr"):
        units, keys = _french_units(terms, model)
    else:
        units = terms.which
        keys = memoized(model.memos["en"], terms.distinct, lambda term: _english_lemmas(*term[:2], model.vocab))
    return _sum_counts(units, keys, weight)


def _english_lemmas(lemma: str, lower: str, vocab: Mapping[str, int]) -> tuple[str, ...]:
    key = _english_key(lemma, vocab) or _english_key(lower, vocab)
    return () if key is None else (key,)


def _french_units(terms: Terms, model: TopicModel) -> tuple[np.ndarray, list[tuple[str, ...]]]:
    """The lexicon units of a French token sequence, in order, and each unit's English lemmas:
    a phrase takes the place of its words (longest first, left to right), every other token is
    its distinct term. Units 0..len(terms.distinct)-1 are the distinct terms, then the phrases."""
    keys = memoized(model.memos["fr"], terms.distinct, lambda term: _french_word(*term, model))
    firsts, seconds = model.fr_en.openers
    opens = np.array([lemma in firsts or lower in firsts for lemma, lower, _ in terms.distinct], dtype=bool)
    follows = np.array([lemma in seconds or lower in seconds for lemma, lower, _ in terms.distinct], dtype=bool)
    which = terms.which
    starts = np.flatnonzero(opens[which[:-1]] & follows[which[1:]])  # where a phrase may start
    units = which.copy()
    inside = np.zeros(len(which), dtype=bool)  # the words after a phrase's first
    end = 0
    for i in starts.tolist():
        if i < end:  # within the previous phrase
            continue
        window = [terms.distinct[k] for k in which[i : i + model.fr_en.longest].tolist()]
        n, english = _french_phrase(window, 0, model)
        if n:
            units[i] = len(keys)
            keys.append(english)
            inside[i + 1 : i + n] = True
            end = i + n
    return units[~inside], keys


def _sum_counts(units: np.ndarray, keys: list[tuple[str, ...]], weight: float) -> Counter[str]:
    """Each unit (an index into keys) adds weight / len(its lemmas) to each of its lemmas, in
    first-seen order. The sums run in token order (bincount adds its input in order), so the
    floats are those of a loop over the tokens."""
    index: dict[str, int] = {}
    flat = np.array([index.setdefault(lemma, len(index)) for lemmas in keys for lemma in lemmas], dtype=np.int64)
    shares = np.array([weight / len(lemmas) for lemmas in keys for _ in lemmas], dtype=np.float64)
    sizes = np.array([len(lemmas) for lemmas in keys], dtype=np.int64)
    per_unit = sizes[units]
    total = int(per_unit.sum())
    if not total:
        return Counter()
    # position j of the expanded sequence is lemma (j - first of its unit) of that unit's keys
    starts = np.cumsum(sizes) - sizes
    picks = np.repeat(starts[units] - (np.cumsum(per_unit) - per_unit), per_unit) + np.arange(total)
    lemmas = flat[picks]
    sums = np.bincount(lemmas, weights=shares[picks], minlength=len(index))
    seen, first = np.unique(lemmas, return_index=True)
    names = list(index)
    return Counter({names[k]: float(sums[k]) for k in seen[np.argsort(first)].tolist()})


def idf_weights(df: np.ndarray, n_docs: int, power: float = IDF_POWER) -> np.ndarray:
    """Each lemma's feature weight from its document frequency among ``n_docs`` training
    articles: the smoothed idf log((n + 1) / (df + 1)) + 1, raised to ``power`` (IDF_POWER)."""
    idf = np.log((n_docs + 1) / (np.asarray(df, dtype=np.float64) + 1)) + 1
    return (idf ** power).astype(np.float32)


def features(counts: Mapping[str, float], model: TopicModel) -> np.ndarray | None:
    """Log-count x the model's idf weights, L2-normalised over known lemmas; None when nothing
    is known."""
    idx = [model.vocab[k] for k in counts]
    if not idx:
        return None
    x = np.zeros(len(model.vocab), dtype=np.float32)
    vals = np.array([math.log1p(v) for v in counts.values()], dtype=np.float32)
    x[idx] = vals * model.idf[idx]
    norm = float(np.linalg.norm(x))
    if norm == 0.0:
        return None
    return x / norm


def topic_probabilities(counts: Mapping[str, float], model: TopicModel) -> np.ndarray | None:
    """Softmax probabilities over the model's topics, or None without evidence."""
    x = features(counts, model)
    if x is None:
        return None
    logits = model.weights @ x + model.bias
    logits -= logits.max()
    probs = np.exp(logits)
    return probs / probs.sum()


def min_score_setting(environ: Mapping[str, str] | None = None) -> float:
    """The floor for topics after the first: WIREWATCH_TOPIC_MIN_SCORE (0..1), else the default."""
    raw = (os.environ if environ is None else environ).get(MIN_SCORE_ENV, "").strip()
    if not raw:
        return DEFAULT_MIN_SCORE
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"{MIN_SCORE_ENV} must be a number between 0 and 1, not {raw!r}") from None
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{MIN_SCORE_ENV} must be between 0 and 1, not {value}")
    return value


def select_topics(
    probs: np.ndarray, codes: tuple[str, ...], max_topics: int, min_score: float | None = None
) -> list[Topic]:
    """Top topic always; every other one whose probability reaches ``min_score`` (multi-label
    output, best first, at most ``max_topics``)."""
    floor = min_score_setting() if min_score is None else min_score
    order = np.argsort(-probs, kind="stable")
    out: list[Topic] = []
    for i in order[: max(0, max_topics)]:
        p = float(probs[i])
        if out and p < floor:
            break
        code = codes[i]
        out.append({"code": code, "label": TOPIC_LABELS[code]["en"], "score": round(p, 4)})
    return out


def classify_topics(
    doc: Doc, *, language: str, headline: str | None = None, max_topics: int = 3,
    min_score: float | None = None,
) -> list[Topic]:
    """IPTC top-level topics of an article, best first, scores in 0..1 (softmax); topics after
    the first only from ``min_score`` (default: WIREWATCH_TOPIC_MIN_SCORE or DEFAULT_MIN_SCORE).

    Returns [] when no token of the article is known to the model (empty or boilerplate),
    and for languages without a lexicon (rather than guessing from look-alike words)."""
    lang = (language or doc.lang_ or "").lower().replace("_", "-")
    if lang.split("-")[0] not in SUPPORTED_LANGUAGES:
        return []
    model = load_model()
    counts = term_counts(doc_term_ids(doc), lang, model)
    counts.update(term_counts(headline_terms(headline, lang), lang, model, HEADLINE_WEIGHT))
    probs = topic_probabilities(counts, model)
    if probs is None:
        return []
    return select_topics(probs, model.codes, max_topics, min_score)
