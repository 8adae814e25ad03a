"""The topic features weigh rare lemmas by idf ** IDF_POWER, in training and in the shipped model."""

from __future__ import annotations

import importlib.util
import math
from pathlib import Path

import numpy as np
import pytest

from streams.nlp.topics import classify as T

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "train_topics.py"


def _train_topics():
    spec = importlib.util.spec_from_file_location("train_topics", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_idf_weights_are_the_smoothed_idf_raised_to_the_power():
    df = np.array([1, 10, 100])
    plain = np.array([math.log(101 / (d + 1)) + 1 for d in df])
    assert np.allclose(T.idf_weights(df, 100, power=1.0), plain)
    assert np.allclose(T.idf_weights(df, 100), plain ** T.IDF_POWER, rtol=1e-5)


def test_a_rare_lemma_outweighs_a_common_one_more_than_with_plain_idf():
    rare, common = T.idf_weights(np.array([2, 60]), 100)
    plain_rare, plain_common = T.idf_weights(np.array([2, 60]), 100, power=1.0)
    assert T.IDF_POWER > 1.0
    assert rare / common > plain_rare / plain_common * 1.3


def test_the_shipped_model_was_trained_with_the_classifier_idf_power():
    """Changing IDF_POWER needs a retrained model (python scripts/train_topics.py)."""
    model = T.load_model()
    assert model.info["params"]["idf_power"] == T.IDF_POWER
    assert float(model.idf.min()) >= 1.0  # every weight is (idf >= 1) ** power


def test_training_stores_the_powered_idf_in_the_model():
    tt = _train_topics()
    politics, sport = "medtop:11000000", "medtop:15000000"
    words = {politics: ["parliament", "vote", "minister"], sport: ["match", "goal", "striker"]}
    arts = []
    for i in range(8):
        code = politics if i % 2 else sport
        body = [(w, w, False) for w in words[code]] + [("week", "week", False)] * (i % 3 + 1)
        arts.append({"id": f"a{i}", "codes": [code], "body": body, "headline": []})
    args = tt.parse_args(["--epochs", "3", "--seed-docs", "0", "--min-df", "1", "--no-with-lexicon"])
    model = tt.fit(arts, {}, args)
    df = np.zeros(len(model.vocab))
    for art in arts:
        for word in {t[0] for t in art["body"]}:
            if word in model.vocab:
                df[model.vocab[word]] += 1
    assert np.allclose(model.idf, T.idf_weights(df, len(arts)), rtol=1e-5)
    # "week" is in every article: its weight is 1 whatever the power; the others' exceed plain idf
    assert model.idf[model.vocab["week"]] == pytest.approx(1.0)
    vote = model.vocab["vote"]
    assert model.idf[vote] == pytest.approx((math.log(9 / 5) + 1) ** T.IDF_POWER, rel=1e-5)
