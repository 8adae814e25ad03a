"""The multi-label floor of the topics stage: every topic after the first from a score users set."""

from __future__ import annotations

import numpy as np
import pytest

from streams.nlp.topics import classify as T

CODES = ("medtop:11000000", "medtop:16000000", "medtop:09000000", "medtop:02000000")
PROBS = np.array([0.55, 0.25, 0.12, 0.08])


def codes(topics):
    return [t["code"] for t in topics]


def test_the_floor_keeps_every_fitting_topic_up_to_three():
    assert codes(T.select_topics(PROBS, CODES, 3, min_score=0.1)) == list(CODES[:3])
    assert codes(T.select_topics(PROBS, CODES, 3, min_score=0.2)) == list(CODES[:2])
    assert codes(T.select_topics(PROBS, CODES, 2, min_score=0.0)) == list(CODES[:2])


def test_the_first_topic_is_always_given():
    assert codes(T.select_topics(PROBS, CODES, 3, min_score=0.9)) == [CODES[0]]


def test_the_floor_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv(T.MIN_SCORE_ENV, "0.2")
    assert codes(T.select_topics(PROBS, CODES, 3)) == list(CODES[:2])
    monkeypatch.delenv(T.MIN_SCORE_ENV)
    assert T.min_score_setting() == T.DEFAULT_MIN_SCORE


@pytest.mark.parametrize("bad", ["high", "1.5", "-0.1"])
def test_a_bad_floor_is_refused_with_its_name(bad):
    with pytest.raises(ValueError, match=T.MIN_SCORE_ENV):
        T.min_score_setting({T.MIN_SCORE_ENV: bad})
