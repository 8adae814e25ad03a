"""The shipped fine-tuned English NER: loaded only where it fits, recorded, and trained as documented."""

from __future__ import annotations

import importlib.util
import json
import logging
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import spacy
from spacy.tokens import Doc, Span

from streams.config import DEFAULT_MODELS, ConfigError, from_env
from streams.nlp.annotate import tuned_ner
from streams.nlp.annotate.parse import ModelRegistry

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "train_ner.py"


def _load_script():
    spec = importlib.util.spec_from_file_location("train_ner", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def script():
    return _load_script()


@pytest.fixture(scope="module")
def stock():
    return spacy.load(DEFAULT_MODELS["en"])


def test_shipped_weights_fit_the_default_english_pipeline_and_record_their_measurement(stock):
    info_path = tuned_ner.NER_DIR / tuned_ner.pipeline_name(stock) / "info.json"
    info = json.loads(info_path.read_text(encoding="utf-8"))
    assert info["base_pipeline"] == tuned_ner.pipeline_name(stock)
    assert info["base_version"] == stock.meta["version"]
    assert "GPL-3.0" in info["data_licence"]
    held = info["holdout"]
    assert set(held) == {"articles", "stock", "tuned"}
    assert held["tuned"]["f1"] > held["stock"]["f1"]  # shipped only because it measured better


def test_registry_loads_the_tuned_weights_and_says_so(stock):
    registry = ModelRegistry({"en": DEFAULT_MODELS["en"]})
    nlp = registry.get("en")
    assert registry.describe("en").endswith("+ner-" + nlp.meta[tuned_ner.META_KEY])
    assert nlp.get_pipe("ner").model.to_bytes() != stock.get_pipe("ner").model.to_bytes()
    # everything else in the pipeline is the stock one: the parse is unchanged
    assert nlp.get_pipe("parser").model.to_bytes() == stock.get_pipe("parser").model.to_bytes()
    assert nlp.get_pipe("ner").labels == stock.get_pipe("ner").labels


def test_tuned_weights_can_be_turned_off():
    registry = ModelRegistry({"en": DEFAULT_MODELS["en"]}, tuned_ner=False)
    assert "+ner-" not in registry.describe("en")
    assert tuned_ner.META_KEY not in registry.get("en").meta
    assert from_env({"WIREWATCH_TUNED_NER": "0"}).tuned_ner is False
    assert from_env({"WIREWATCH_TUNED_NER": "yes"}).tuned_ner is True
    assert from_env({}).tuned_ner is True
    with pytest.raises(ConfigError, match="WIREWATCH_TUNED_NER"):
        from_env({"WIREWATCH_TUNED_NER": "maybe"})


def test_weights_for_another_version_are_not_loaded(tmp_path, caplog):
    nlp = spacy.load(DEFAULT_MODELS["en"])
    shipped = tuned_ner.NER_DIR / tuned_ner.pipeline_name(nlp)
    copy = tmp_path / shipped.name
    shutil.copytree(shipped, copy)
    info = json.loads((copy / "info.json").read_text(encoding="utf-8"))
    info["base_version"] = "0.0.1"
    (copy / "info.json").write_text(json.dumps(info), encoding="utf-8")
    before = nlp.get_pipe("ner").model.to_bytes()
    with caplog.at_level(logging.WARNING):
        assert tuned_ner.apply_tuned_ner(nlp, tmp_path) is None
    assert "0.0.1" in caplog.text and "keeping the pipeline's own NER" in caplog.text
    assert nlp.get_pipe("ner").model.to_bytes() == before
    assert tuned_ner.apply_tuned_ner(spacy.blank("en"), tmp_path) is None  # no NER at all
    assert tuned_ner.apply_tuned_ner(nlp, tmp_path / "nothing-here") is None


def _doc(words: list[str], ents: list[tuple[int, int, str]] = ()) -> Doc:
    doc = Doc(spacy.blank("en").vocab, words=words)
    doc.ents = [Span(doc, s, e, label=label) for s, e, label in ents]
    return doc


def test_gold_projection_takes_whole_words_longest_first_without_overlaps(script):
    doc = _doc("Angela Merkel met Merkel 's US-led allies in the US and in Germany".split())
    entities = [
        {"name": "Angela Merkel", "type": "PER", "surface": ["Angela Merkel", "Merkel"]},
        {"name": "United States", "type": "LOC", "surface": ["US"]},
        {"name": "Merkel", "type": "ORG", "surface": ["Merkel"]},  # overlaps: the longer span wins
        {"name": "Germany", "type": "LOC", "surface": ["Germany", ""]},
        {"name": "Hamburg", "type": "LOC", "surface": ["Hamburg"]},  # not in the text
        {"name": "Islam", "type": "MISC", "surface": ["allies"]},  # not a trained type
    ]
    spans = [(doc[s:e].text, kind) for s, e, kind in script.gold_spans(doc, entities)]
    assert ("Angela Merkel", "PER") in spans
    assert ("US", "LOC") in spans and ("Germany", "LOC") in spans
    assert sum(text == "Merkel" for text, _ in spans) == 1  # the second "Merkel" once, not twice
    assert not any("US-led" in text or text == "allies" for text, _ in spans)


def test_training_target_keeps_stock_labels_gold_leaves_alone_and_drops_unannotated_names(script):
    words = "On Monday Chancellor Merkel visited Dortmund and the Focus newsroom".split()
    doc = _doc(words, [(1, 2, "DATE"), (3, 4, "PERSON"), (5, 6, "ORG"), (8, 9, "ORG")])
    gold = [{"name": "Angela Merkel", "type": "PER", "surface": ["Merkel"]},
            {"name": "Dortmund", "type": "LOC", "surface": ["Dortmund"]}]
    target = {(doc[s:e].text, label) for s, e, label in script.reference_entities(doc, gold)}
    assert target == {("Monday", "DATE"), ("Merkel", "PERSON"), ("Dortmund", "GPE")}


def test_cross_validation_folds_cover_every_article_once(script):
    for n, k in ((702, 7), (10, 3), (3, 5), (5, 2)):
        ranges = script.fold_ranges(n, k)
        covered = [i for lo, hi in ranges for i in range(lo, hi + 1)]
        assert covered == list(range(1, n + 1)), (n, k)
        sizes = [hi - lo + 1 for lo, hi in ranges]
        assert max(sizes) - min(sizes) <= 1  # near-equal blocks
    assert len(script.fold_ranges(702, 7)) == 7


def test_training_script_refuses_a_measurement_of_nothing(script):
    with pytest.raises(SystemExit, match="measures nothing"):
        script.main(["--no-write"])
    with pytest.raises(SystemExit, match="at least 2 folds"):
        script.main(["--folds", "1", "--no-write"])


def test_training_script_documents_itself():
    out = subprocess.run([sys.executable, str(SCRIPT), "--help"], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "--holdout" in out.stdout and "GPE, LOC and FAC" in out.stdout


@pytest.mark.parametrize("breakage", ["info-not-json", "info-no-tag", "info-not-utf8", "model-missing", "model-cut"])
def test_broken_weights_keep_the_stock_ner_and_say_why(tmp_path, caplog, monkeypatch, stock, breakage):
    shipped = tuned_ner.NER_DIR / tuned_ner.pipeline_name(stock)
    copy = tmp_path / shipped.name
    shutil.copytree(shipped, copy)
    if breakage == "info-not-json":
        (copy / "info.json").write_text("{", encoding="utf-8")
    elif breakage == "info-no-tag":
        (copy / "info.json").write_text("[]", encoding="utf-8")
    elif breakage == "info-not-utf8":
        (copy / "info.json").write_bytes(b"\xff\xfe{")
    elif breakage == "model-missing":
        (copy / "model").unlink()
    else:
        data = (copy / "model").read_bytes()
        (copy / "model").write_bytes(data[: len(data) // 3])
    monkeypatch.setattr(tuned_ner, "NER_DIR", tmp_path)
    monkeypatch.setattr(tuned_ner.apply_tuned_ner, "__defaults__", (tmp_path,))
    registry = ModelRegistry({"en": DEFAULT_MODELS["en"]})
    with caplog.at_level(logging.ERROR):
        nlp = registry.get("en")
    assert "keeping the pipeline's own NER" in caplog.text
    assert "+ner-" not in registry.describe("en")
    assert nlp.get_pipe("ner").model.to_bytes() == stock.get_pipe("ner").model.to_bytes()
    assert [e.label_ for e in nlp("Angela Merkel visited Paris.").ents]  # and it still tags
