"""Scoring behind `wirewatch eval`: matching rules on small hand-made cases, and the real gold sets."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import orjson
import pytest

from streams.evaluation.errors import EvalInputError
from streams.evaluation.gold import GoldSet, load_gold_set
from streams.evaluation.quotes import quote_scope, same_entity, speaker_correct
from streams.evaluation.report import format_pass_values, format_report, signed_change
from streams.evaluation.run import collect_predictions, enriched_by, evaluate
from streams.evaluation.scoring import aggregate, article_details, score_article
from streams.evaluation.text_match import normalize_name
from streams.evaluation.topics import topic_code
from streams.nlp.passes import Pass

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"

BODY = (
    "« Nous avons un plan », a déclaré Jane Moreau.\n\n"
    "La ministre a ajouté : « C’est important. » Puis elle est partie.\n\n"
    "L’OTAN et Bruxelles ont répondu."
)


def quote(text: str, body: str = BODY, speaker: str | None = None, span: str | None = None, at: int = 0) -> dict:
    start = body.index(text, at)
    sp = None
    if speaker is not None or span is not None:
        sp = {"name": speaker or span, "entity_id": None}
        if span is not None:
            s = body.index(span)
            sp["span"] = {"text": span, "start": s, "end": s + len(span)}
    return {"text": text, "start": start, "end": start + len(text), "speaker": sp, "cue": None, "kind": "direct"}


def gold(quotes: Any = None, entities: Any = None, topics: Any = None, mode: str = "full", language: str = "fr") -> dict:
    return {"id": "a1", "language": language, "speaker_match": mode, "quotes": quotes, "entities": entities, "topics": topics}


def pred(**fields: Any) -> dict:
    return {"id": "a1", "body": BODY, "language": "fr", "quotes": [], "entities": [], "topics": [], **fields}


# --------------------------------------------------------------------------- quotes


def test_exact_quotes_and_speakers() -> None:
    g = gold(quotes=[{"text": "Nous avons un plan", "speaker": "Jane Moreau"}, {"text": "C’est important.", "speaker": "Jane Moreau"}])
    p = pred(quotes=[quote("Nous avons un plan", speaker="Jane Moreau"), quote("C’est important.", speaker="jane MOREAU")])
    q = score_article(p, g).quotes
    assert q is not None
    assert q.matched == {0.3: 2, 0.8: 2} and q.speaker_correct == {0.3: 2, 0.8: 2}


def test_partial_overlap_counts_at_0_3_not_0_8() -> None:
    g = gold(quotes=[{"text": "Nous avons un plan", "speaker": None}])
    p = pred(quotes=[quote("Nous avons")])  # 10 of 18 characters: 0.56
    q = score_article(p, g).quotes
    assert q.matched == {0.3: 1, 0.8: 0}
    assert q.speaker_correct[0.3] == 1  # gold null == predicted null


def test_overlap_is_over_the_longer_span() -> None:
    g = gold(quotes=[{"text": "Nous", "speaker": None}])
    p = pred(quotes=[quote("Nous avons un plan")])  # 4 / 18 < 0.3
    assert score_article(p, g).quotes.matched == {0.3: 0, 0.8: 0}


def test_no_gold_quotes_means_every_prediction_is_a_false_positive() -> None:
    report = aggregate([score_article(pred(quotes=[quote("Nous avons un plan")]), gold(quotes=[]))])
    block = report["quotes"]["overlap_0.3"]
    assert (block["tp"], block["fp"], block["fn"]) == (0, 1, 0)
    assert block["precision"] == 0.0 and block["recall"] is None and block["f1"] == 0.0
    assert report["speakers"]["overlap_0.3"]["accuracy"] is None


def test_no_predictions_gives_zero_f1_not_na() -> None:
    report = aggregate([score_article(pred(), gold(quotes=[{"text": "Nous avons un plan", "speaker": None}]))])
    block = report["quotes"]["overlap_0.8"]
    assert block["precision"] is None and block["recall"] == 0.0 and block["f1"] == 0.0


def test_overlapping_predictions_match_one_to_one() -> None:
    g = gold(quotes=[{"text": "Nous avons un plan", "speaker": None}])
    p = pred(quotes=[quote("avons un plan"), quote("Nous avons un plan"), quote("Nous avons un")])
    q = score_article(p, g).quotes
    assert q.matched[0.8] == 1 and q.pairs == [(0, 1, 1.0)]
    report = aggregate([score_article(p, g)])["quotes"]["overlap_0.3"]
    assert (report["tp"], report["fp"], report["fn"]) == (1, 2, 0)


def test_greedy_matching_by_best_overlap() -> None:
    body = "« un deux trois quatre cinq », « six sept huit neuf dix »"
    g = gold(quotes=[{"text": "un deux trois quatre cinq", "speaker": None}, {"text": "six sept huit neuf dix", "speaker": None}])
    p = {"id": "a1", "body": body, "quotes": [quote("six sept huit", body), quote("un deux trois quatre cinq", body)]}
    q = score_article(p, g).quotes
    assert sorted(q.pairs) == [(0, 1, 1.0), (1, 0, 13 / 22)]


def test_repeated_gold_text_matches_each_occurrence() -> None:
    body = "« Non », dit-il. Elle répond : « Non »."
    g = gold(quotes=[{"text": "Non", "speaker": "il"}, {"text": "Non", "speaker": "Elle"}], mode="lenient")
    p = {"id": "a1", "body": body, "quotes": [quote("Non", body, span="il"), quote("Non", body, span="Elle", at=10)]}
    q = score_article(p, g).quotes
    assert q.matched[0.8] == 2


def test_gold_found_after_folding_apostrophes_and_spaces() -> None:
    g = gold(quotes=[{"text": "c'est   important.", "speaker": None}])
    p = pred(quotes=[quote("C’est important.")])
    q = score_article(p, g).quotes
    assert q.unlocated == 0 and q.matched[0.8] == 1


def test_gold_absent_from_body_falls_back_to_text_overlap() -> None:
    g = gold(quotes=[{"text": "Nous avons un plan pour demain", "speaker": None}])  # not in the body
    p = pred(quotes=[quote("Nous avons un plan")])
    q = score_article(p, g).quotes
    assert q.unlocated == 1
    assert q.matched == {0.3: 1, 0.8: 0}  # 18 / 30 = 0.6


def test_gold_absent_and_nothing_similar_is_a_miss() -> None:
    g = gold(quotes=[{"text": "Tout autre chose", "speaker": None}])
    q = score_article(pred(quotes=[quote("Nous avons un plan")]), g).quotes
    assert q.matched == {0.3: 0, 0.8: 0}


def test_all_null_speakers() -> None:
    g = gold(quotes=[{"text": "Nous avons un plan", "speaker": None}, {"text": "C’est important.", "speaker": None}])
    p = pred(quotes=[quote("Nous avons un plan"), quote("C’est important.", speaker="Jane Moreau")])
    q = score_article(p, g).quotes
    assert q.matched[0.8] == 2 and q.speaker_correct[0.8] == 1


def test_missing_prediction_scores_as_empty() -> None:
    g = gold(quotes=[{"text": "Nous avons un plan", "speaker": None}], entities=[], topics=["politics"])
    score = score_article(None, g, {"id": "a1", "body": BODY})
    assert not score.predicted
    assert score.quotes.matched[0.3] == 0 and score.topics.top1_correct is False


# --------------------------------------------------------------------------- speakers


@pytest.mark.parametrize(
    "pred_name,gold_name,ok",
    [
        ("Jens Stoltenberg", "Jens Stoltenberg", True),
        ("jens  STOLTENBERG", "Jens Stoltenberg", True),
        ("Jose Garcia", "José García", True),
        ("Stoltenberg", "Jens Stoltenberg", False),
        (None, "Jens Stoltenberg", False),
        ("Jens Stoltenberg", None, False),
        (None, None, True),
        ("un diplomate européen", None, True),  # a described, unnamed source: "no one named"
        ("un diplomate européen", "Kaja Kallas", False),
        ("le ministre", "Kaja Kallas", False),
        ("L’un d’eux", None, True),  # a description opening a sentence
        ("les supporters rennais", None, True),  # a group
        ("il", None, False),  # an unresolved pronoun is no description
        ("he", None, False),
        ("un", None, False),
        ("le prévisionniste", None, False),  # a definite role points at someone
    ],
)
def test_speaker_full(pred_name: str | None, gold_name: str | None, ok: bool) -> None:
    speaker = None if pred_name is None else {"name": pred_name, "entity_id": None}
    assert speaker_correct(speaker, gold_name, "full") is ok


def test_a_description_is_not_null_in_lenient_mode_nor_when_linked() -> None:
    assert not speaker_correct({"name": "un diplomate européen", "entity_id": None}, None, "lenient")
    assert not speaker_correct({"name": "de Gaulle", "entity_id": "ww:PER:de-gaulle"}, None, "full")


@pytest.mark.parametrize(
    "name,span,gold_span,ok",
    [
        ("Haley Morris", "Morris", "Morris", True),  # span as written
        ("Haley Morris", None, "Spokeswoman Haley Morris", True),  # contained in gold
        ("Haley Morris", None, "Morris", True),  # gold contained in name
        ("Donald Trump", "he", "He", True),
        ("Donald Trump", None, "he", False),
        ("Stephen Hester", None, "he", False),  # no substring tricks: whole tokens only
        ("Sen. Sanders", None, "Vermont Sen. Bernie Sanders", True),  # token subset
        ("Bill Clinton", None, "Hillary Clinton", False),
        ("Joel Pollak", None, "Breitbart’s Joel Pollak", True),
        (None, None, None, True),
        (None, None, "they", False),
    ],
)
def test_speaker_lenient(name: str | None, span: str | None, gold_span: str | None, ok: bool) -> None:
    speaker = None
    if name is not None:
        speaker = {"name": name, "entity_id": None}
        if span is not None:
            speaker["span"] = {"text": span, "start": 0, "end": len(span)}
    assert speaker_correct(speaker, gold_span, "lenient") is ok


def test_normalize_name() -> None:
    assert normalize_name("  Élisabeth\u00a0Borne, ") == "elisabeth borne"
    assert normalize_name("L’OTAN") == normalize_name("l'otan")


# --------------------------------------------------------------------------- entities


def entity(name: str, etype: str, aliases: tuple = (), mentions: tuple = ()) -> dict:
    return {
        "id": f"ww:{etype}:{name.lower()}",
        "name": name,
        "type": etype,
        "aliases": list(aliases),
        "mentions": [{"text": m, "start": 0, "end": len(m)} for m in mentions],
        "salience": 0.5,
        "quoted": False,
    }


GOLD_ENTITIES = [
    {"name": "NATO", "type": "ORG", "surface": ["OTAN"]},
    {"name": "Brussels", "type": "LOC", "surface": ["Bruxelles"]},
    {"name": "Jane Moreau", "type": "PER", "surface": ["Jane Moreau"]},
]


def test_entities_match_by_surface_and_type() -> None:
    p = pred(
        entities=[
            entity("NATO", "ORG", mentions=("OTAN",)),  # canonical
            entity("Bruxelles", "ORG", mentions=("Bruxelles",)),  # wrong type
            entity("Moreau", "PER", aliases=("Jane Moreau",)),  # via alias, name not canonical
            entity("Conseil", "MISC", mentions=("Conseil",)),  # MISC is not scored
        ]
    )
    e = score_article(p, gold(entities=GOLD_ENTITIES)).entities
    assert (e.gold, e.predicted, e.matched, e.matched_any_type) == (3, 3, 2, 3)
    assert e.cross_lingual and e.canonical_correct == 1
    report = aggregate([score_article(p, gold(entities=GOLD_ENTITIES))])["entities"]
    assert report["precision"] == pytest.approx(2 / 3) and report["recall"] == pytest.approx(2 / 3)
    assert report["canonical_name"]["share"] == 0.5


def test_split_entity_counts_once() -> None:
    p = pred(entities=[entity("Jane Moreau", "PER", mentions=("Jane Moreau",)), entity("Jane Moreau", "PER", mentions=("Jane Moreau",))])
    e = score_article(p, gold(entities=GOLD_ENTITIES[2:])).entities
    assert (e.matched, e.predicted) == (1, 2)


def test_canonical_share_only_for_non_english() -> None:
    p = pred(entities=[entity("NATO", "ORG", mentions=("OTAN",))])
    report = aggregate([score_article(p, gold(entities=GOLD_ENTITIES[:1], language="en"))])["entities"]
    assert report["canonical_name"]["share"] is None and report["canonical_name_all"]["share"] == 1.0


# --------------------------------------------------------------------------- topics


def topics(*codes: str) -> list[dict]:
    return [{"code": c, "label": "", "score": 0.9 - i * 0.1} for i, c in enumerate(codes)]


@pytest.mark.parametrize(
    "value,code",
    [
        ("medtop:11000000", "medtop:11000000"),
        ("11000000", "medtop:11000000"),
        ("politics", "medtop:11000000"),
        ("Conflict, war and peace", "medtop:16000000"),
        ("no such topic at all", None),
    ],
)
def test_topic_code(value: str, code: str | None) -> None:
    assert topic_code(value) == code


def test_topics_top1_and_recall_at_3() -> None:
    g = gold(topics=["politics", "16000000"])
    t = score_article(pred(topics=topics("medtop:16000000", "medtop:04000000", "medtop:11000000", "medtop:15000000")), g).topics
    assert t.top1_correct and t.recall_at_3 == 1.0
    t = score_article(pred(topics=topics("medtop:04000000", "medtop:11000000")), g).topics
    assert not t.top1_correct and t.recall_at_3 == 0.5


def test_top1_uses_the_highest_score_not_list_order() -> None:
    p = pred(topics=[{"code": "medtop:04000000", "label": "", "score": 0.2}, {"code": "medtop:11000000", "label": "", "score": 0.8}])
    assert score_article(p, gold(topics=["11000000"])).topics.top1_correct


def test_null_gold_fields_are_not_scored() -> None:
    score = score_article(pred(quotes=[quote("Nous avons un plan")]), gold())
    assert score.quotes is None and score.entities is None and score.topics is None
    report = aggregate([score])
    assert report["quotes"] is None and report["entities"] is None and report["topics"] is None
    assert "n/a" in format_report({"sets": {"x": report}, "overall": report})


# --------------------------------------------------------------------------- files and evaluate()


def write_set(directory: Path, name: str, raws: list, golds: list) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / f"{name}.raw.jsonl").write_text("".join(json.dumps(r) + "\n" for r in raws), encoding="utf-8")
    (directory / f"{name}.gold.jsonl").write_text("".join(json.dumps(g) + "\n" for g in golds), encoding="utf-8")


RAW = {"id": "a1", "version": 1, "source": "test", "language": "fr", "headline": None, "body": BODY}
GOLD = gold(
    quotes=[{"text": "Nous avons un plan", "speaker": "Jane Moreau"}, {"text": "C’est important.", "speaker": "Jane Moreau"}],
    entities=GOLD_ENTITIES,
    topics=["politics", "conflict, war and peace"],
)


def test_load_set_directory_and_parent(tmp_path: Path) -> None:
    write_set(tmp_path / "one", "one", [RAW], [GOLD])
    write_set(tmp_path / "two", "two", [{**RAW, "id": "b"}], [{**GOLD, "id": "b"}])
    (tmp_path / "README.md").write_text("not a set")
    assert [s.name for s in load_gold_set(tmp_path)] == ["one", "two"]
    (single,) = load_gold_set(tmp_path / "one")
    assert len(single) == 1 and single.gold["a1"]["topic_codes"] == ["medtop:11000000", "medtop:16000000"]
    (by_file,) = load_gold_set([tmp_path / "two" / "two.gold.jsonl"])
    assert by_file.name == "two"


@pytest.mark.parametrize(
    "raw_text,gold_text,message",
    [
        (json.dumps(RAW) + "\n", None, "no matching gold file"),
        (json.dumps(RAW) + "\n{oops\n", json.dumps(GOLD) + "\n", "s.raw.jsonl:2: invalid JSON"),
        (json.dumps(RAW) + "\n", json.dumps({**GOLD, "id": "zz"}) + "\n", "ids differ"),
        (json.dumps(RAW) + "\n", "[1, 2]\n", "s.gold.jsonl:1: expected a JSON object"),
        (json.dumps(RAW) + "\n", json.dumps({**GOLD, "topics": ["astrology"]}) + "\n", "unknown IPTC topic 'astrology'"),
        (json.dumps(RAW) + "\n" + json.dumps(RAW) + "\n", json.dumps(GOLD) + "\n", "s.raw.jsonl:2: duplicate id"),
        (json.dumps(RAW) + "\n", json.dumps({**GOLD, "speaker_match": "fuzzy"}) + "\n", "speaker_match"),
    ],
)
def test_bad_input_is_one_clear_line(tmp_path: Path, raw_text: str, gold_text: str | None, message: str) -> None:
    (tmp_path / "s.raw.jsonl").write_text(raw_text, encoding="utf-8")
    if gold_text is not None:
        (tmp_path / "s.gold.jsonl").write_text(gold_text, encoding="utf-8")
    with pytest.raises(EvalInputError, match=message) as info:
        load_gold_set(tmp_path)
    assert "\n" not in str(info.value)


def test_empty_or_missing_directory(tmp_path: Path) -> None:
    with pytest.raises(EvalInputError, match="no NAME.raw.jsonl"):
        load_gold_set(tmp_path)
    with pytest.raises(EvalInputError, match="no such file"):
        load_gold_set(tmp_path / "absent")


def perfect(raw: dict, g: dict) -> dict:
    """The enriched article a perfect pipeline would publish for this gold record."""
    body = raw["body"]
    quotes = []
    for q in g.get("quotes") or []:
        if q["text"] not in body:
            continue
        start = body.index(q["text"])
        taken = {(p["start"], p["end"]) for p in quotes}
        while (start, start + len(q["text"])) in taken and q["text"] in body[start + 1 :]:
            start = body.index(q["text"], start + 1)  # repeated quote text: next occurrence
        speaker = None if q["speaker"] is None else {"name": q["speaker"], "entity_id": None}
        quotes.append({"text": q["text"], "start": start, "end": start + len(q["text"]), "speaker": speaker, "cue": None, "kind": "direct"})
    entities = [entity(e["name"], e["type"], aliases=tuple(e["surface"])) for e in g.get("entities") or []]
    codes = [topic_code(t) for t in g.get("topics") or []]
    return {**raw, "quotes": quotes, "entities": entities, "topics": topics(*codes)}


def test_perfect_prediction_scores_one(tmp_path: Path) -> None:
    write_set(tmp_path / "s", "s", [RAW], [GOLD])
    sets = load_gold_set(tmp_path)
    calls: list = []
    report = evaluate(
        sets,
        lambda batch: [perfect(r, sets[0].gold[r["id"]]) for r in batch],
        progress=lambda done, total, name: calls.append((done, total, name)),
    )
    assert calls == [(1, 1, "s")]
    overall = report["overall"]
    for t in ("overlap_0.3", "overlap_0.8"):
        assert overall["quotes"][t]["f1"] == 1.0
        assert overall["speakers"][t]["accuracy"] == 1.0
    assert overall["entities"]["f1"] == 1.0 and overall["entities"]["canonical_name"]["share"] == 1.0
    assert overall["topics"]["top1_accuracy"] == 1.0 and overall["topics"]["recall_at_3"] == 1.0
    orjson.dumps(report)
    text = format_report(report)
    assert "quotes F1 @0.8" in text and "100.0" in text


def test_enrich_that_drops_articles_counts_them_missing() -> None:
    sets = [GoldSet("s", [RAW, {**RAW, "id": "b"}], {"a1": GOLD, "b": {**GOLD, "id": "b"}})]
    report = evaluate(sets, lambda batch: [perfect(r, GOLD) for r in batch if r["id"] == "a1"], batch_size=1)
    block = report["sets"]["s"]
    assert block["missing"] == 1
    assert block["quotes"]["overlap_0.8"]["recall"] == 0.5 and block["quotes"]["overlap_0.8"]["precision"] == 1.0


def test_evaluate_does_not_let_enrich_mutate_the_gold_set() -> None:
    sets = [GoldSet("s", [dict(RAW)], {"a1": GOLD})]

    def enrich(batch: list) -> list:
        for article in batch:
            article["body"] = "changed"
        return batch

    evaluate(sets, enrich)
    assert sets[0].articles[0]["body"] == BODY


@pytest.mark.skipif(not SHARED.is_dir(), reason="shared gold data not present")
def test_perfect_prediction_on_the_shared_gold_sets() -> None:
    sets = load_gold_set(SHARED)
    assert {"seed", "polnear-en-train", "dwie-en-train"} <= {s.name for s in sets}
    golds = {k: v for s in sets for k, v in s.gold.items()}
    report = evaluate(sets, lambda batch: [perfect(r, golds[r["id"]]) for r in batch], batch_size=256)
    overall = report["overall"]
    # A few PolNeAR gold quotes are not verbatim in the body (joined fragments): a perfect
    # located prediction cannot reach them, so recall is just under 1.
    assert overall["quotes"]["overlap_0.8"]["precision"] == 1.0
    assert overall["quotes"]["overlap_0.8"]["recall"] > 0.998
    assert overall["speakers"]["overlap_0.8"]["accuracy"] == 1.0
    assert overall["entities"]["f1"] == 1.0
    assert overall["topics"]["top1_accuracy"] == 1.0 and overall["topics"]["recall_at_3"] == 1.0
    assert report["sets"]["seed"]["quotes"]["overlap_0.8"]["f1"] == 1.0


def test_own_label_mapping_when_streams_topics_is_unavailable(monkeypatch: pytest.MonkeyPatch) -> None:
    from streams.evaluation import topics

    monkeypatch.setattr(topics, "_external_label_to_code", lambda label: None)
    assert topics.topic_code("politics") == "medtop:11000000"
    assert topics.topic_code("Santé") == "medtop:07000000"  # French labels too
    assert topics.topic_code("and") is None  # ambiguous


# --------------------------------------------------------------------------- per-article details


def test_details_list_misses_false_positives_and_wrong_speakers() -> None:
    p = pred(
        quotes=[
            quote("Nous avons un plan", speaker="Jean Dupont"),  # matched, wrong speaker
            quote("Puis elle est partie."),  # no gold quote
        ],  # "C’est important." missed
        entities=[
            entity("NATO", "ORG", mentions=("OTAN",)),
            entity("Bruxelles", "ORG", mentions=("Bruxelles", "Bruxelles")),  # wrong type: miss + false positive
            entity("Conseil", "PER", mentions=("Conseil",)),  # matches nothing
        ],  # Jane Moreau missed
        topics=topics("medtop:04000000", "medtop:11000000"),
    )
    details = article_details(score_article(p, GOLD))
    assert details is not None and "missing" not in details
    q = details["quotes"]
    assert q["missed"] == [{"text": "C’est important.", "speaker": "Jane Moreau"}]
    assert q["false_positive"] == [{"text": "Puis elle est partie.", "speaker": None}]
    assert q["wrong_speaker"] == [{"text": "Nous avons un plan", "gold": "Jane Moreau", "predicted": "Jean Dupont", "overlap": 1.0}]
    assert "partial" not in q
    e = details["entities"]
    assert e["missed"] == [
        {"name": "Brussels", "type": "LOC", "surface": ["Bruxelles"], "found_as": {"name": "Bruxelles", "type": "ORG"}},
        {"name": "Jane Moreau", "type": "PER", "surface": ["Jane Moreau"]},
    ]
    assert e["false_positive"] == [
        {"name": "Bruxelles", "type": "ORG", "mentions": ["Bruxelles"]},
        {"name": "Conseil", "type": "PER", "mentions": ["Conseil"]},
    ]
    assert details["topics"] == {"gold": ["medtop:11000000", "medtop:16000000"], "predicted_top3": ["medtop:04000000", "medtop:11000000"]}


def test_details_partial_match_and_clean_article() -> None:
    g = gold(quotes=[{"text": "Nous avons un plan", "speaker": None}])
    details = article_details(score_article(pred(quotes=[quote("Nous avons")]), g))
    assert details == {"quotes": {"partial": [{"gold": "Nous avons un plan", "predicted": "Nous avons", "overlap": 0.556}]}}
    assert article_details(score_article(perfect(RAW, GOLD), GOLD)) is None


def test_evaluate_details_only_when_asked() -> None:
    sets = [GoldSet("s", [RAW, {**RAW, "id": "b"}], {"a1": GOLD, "b": {**GOLD, "id": "b"}})]
    enrich = lambda batch: [perfect(r, GOLD) for r in batch if r["id"] == "a1"]  # noqa: E731
    assert "details" not in evaluate(sets, enrich)["sets"]["s"]
    report = evaluate(sets, enrich, details=True)
    block = report["sets"]["s"]["details"]
    assert list(block) == ["b"]  # a1 is perfect: not listed
    assert block["b"]["missing"] is True and len(block["b"]["quotes"]["missed"]) == 2
    assert "details" not in report["overall"]
    orjson.dumps(report)


# --------------------------------------------------------------------------- what each pass is worth


def test_collect_predictions_yields_each_set_when_it_is_done() -> None:
    sets = [GoldSet("one", [RAW], {"a1": GOLD}), GoldSet("two", [{**RAW, "id": "b"}], {"b": {**GOLD, "id": "b"}})]
    seen: list[str] = []

    def enrich(batch: list) -> list:
        seen.extend(a["id"] for a in batch)
        return batch

    for found, expected in zip(collect_predictions(sets, enrich, batch_size=1), (["a1"], ["a1", "b"])):
        assert seen == expected  # the set's batches are all enriched before it is yielded
    assert [list(found.by_id) for found in collect_predictions(sets, enrich)] == [["a1"], ["b"]]


@pytest.mark.parametrize(
    ("before", "after", "shown"),
    [(0.9, 0.869, "-3.1"), (0.5, 0.504, "+0.4"), (0.7, 0.7, "0.0"), (0.7, 0.69999, "0.0"), (None, 0.5, "n/a"), (0.5, None, "n/a")],
)
def test_signed_change_in_points(before: float | None, after: float | None, shown: str) -> None:
    assert signed_change(before, after) == shown


def block_with(quotes_f1: float, entities_f1: float | None) -> dict:
    report = {"articles": 3, "quotes": {"overlap_0.3": {"f1": quotes_f1}}, "speakers": {"overlap_0.3": {"accuracy": 0.5}}}
    report["entities"] = None if entities_f1 is None else {"f1": entities_f1, "any_type": {"f1": entities_f1}}
    return report


def test_pass_values_table_gives_figures_then_changes_per_set() -> None:
    all_on = {"sets": {"fr": block_with(0.9, 0.8), "en": block_with(0.6, None)}}
    without = {
        "quotes.a": {"sets": {"fr": block_with(0.85, 0.8), "en": block_with(0.7, None)}},
        "entities.b": {"sets": {"fr": block_with(0.9, 0.75), "en": block_with(0.6, None)}},
    }
    table = format_pass_values(all_on, without, {"quotes.a": "does a", "entities.b": "does b"})
    fr, en = table.split("### ")[1:]
    assert fr.splitlines()[0] == "fr (3 articles)"
    assert "| all passes on | 90.0 | 50.0 | 80.0 | 80.0 |" in fr
    assert "| without `quotes.a` | -5.0 | 0.0 | 0.0 | 0.0 |" in fr
    assert "| without `entities.b` | 0.0 | 0.0 | -5.0 | -5.0 |" in fr
    assert "entities F1" not in en and "topics top-1" not in en  # no gold: no column
    assert "| without `quotes.a` | +10.0 | 0.0 |" in en
    assert "- `quotes.a`: does a" in table


def test_pass_values_table_without_passes_says_so() -> None:
    table = format_pass_values({"sets": {"fr": block_with(0.9, 0.8)}}, {}, {})
    assert "| all passes on |" in table and "without" not in table
    assert "No pass is declared" in table


TEST_PASSES = (
    Pass("entities.test-noop", "changes nothing"),
    Pass("topics.test-ranking", "the topics (without it: none)"),
)


@pytest.fixture
def declared_test_passes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Two declared passes: one the stages ignore, one whose absence drops every topic."""
    from streams.nlp import pass_catalog
    from streams.nlp.pipeline import Enricher

    monkeypatch.setattr(pass_catalog, "all_passes", lambda: TEST_PASSES)
    real_topics = Enricher.topics

    def topics(self: Enricher, event: dict, doc: Any = None) -> dict:
        enriched = real_topics(self, event, doc)
        return {**enriched, "topics": []} if "topics.test-ranking" in self.settings.disabled_passes else enriched

    monkeypatch.setattr(Enricher, "topics", topics)


def without_timings(report: dict) -> dict:
    return {key: without_timings(value) if isinstance(value, dict) else value for key, value in report.items() if key != "timing"}


def test_pass_values_parse_once_and_equal_runs_with_each_pass_off(declared_test_passes: None, monkeypatch: pytest.MonkeyPatch) -> None:
    from streams.config import from_env
    from streams.evaluation.pass_values import measure_pass_values
    from streams.nlp import pipeline

    sets = load_gold_set(Path(__file__).parent / "gold" / "fr-wire")
    sets[0].truncate(3)
    parsed: list[str] = []
    real_annotate = pipeline.annotate_batch

    def counting_annotate(events: Any, registry: Any) -> Any:
        parsed.extend(e["id"] for e in events)
        return real_annotate(events, registry)

    monkeypatch.setattr(pipeline, "annotate_batch", counting_annotate)
    settings = from_env()
    steps: list[tuple] = []
    values = measure_pass_values(sets, settings, TEST_PASSES, progress=lambda *step: steps.append(step))
    assert sorted(parsed) == sorted(a["id"] for a in sets[0].articles)  # each article parsed once
    assert steps == [
        ("fr-wire", 3, 3, "every pass on"),
        ("fr-wire", 3, 3, "without entities.test-noop (1/2)"),
        ("fr-wire", 3, 3, "without topics.test-ranking (2/2)"),
    ]
    assert values.all_on["overall"]["topics"]["top1_accuracy"] > 0
    assert values.without["topics.test-ranking"]["overall"]["topics"]["top1_accuracy"] == 0
    for name in ("entities.test-noop", "topics.test-ranking"):
        alone = evaluate(sets, enriched_by(pipeline.Enricher(settings.with_overrides(disabled_passes=frozenset({name})))))
        assert without_timings(values.without[name]) == without_timings(alone)
    assert without_timings(values.all_on) == without_timings(evaluate(sets, enriched_by(pipeline.Enricher(settings))))


def test_speaker_entity_match_uses_every_written_form() -> None:
    """A speaker whose entity is the gold one counts at entity level whatever name form each uses."""
    gold = {"entities": [{"name": "Gazette du Nord", "type": "ORG", "surface": ["Gazette du Nord", "la Gazette"]}]}
    pred = {"entities": [{"id": "ww:ORG:gazette", "name": "Gazette", "type": "ORG",
                          "mentions": [{"text": "la Gazette", "start": 0, "end": 10}]}]}
    speaker = {"name": "Gazette", "entity_id": "ww:ORG:gazette", "span": {"text": "la Gazette", "start": 0, "end": 10}}
    assert same_entity(speaker, "Gazette du Nord", pred, gold)
    assert not speaker_correct(speaker, "Gazette du Nord", "full")
    other = {"name": "Jeanne Roux", "entity_id": "ww:PER:jeanne-roux", "span": {"text": "Roux", "start": 20, "end": 24}}
    assert not same_entity(other, "Gazette du Nord", pred, gold)
    assert not same_entity(None, "Gazette du Nord", pred, gold)


def test_quote_scope_follows_what_the_gold_set_annotates() -> None:
    """A large set with no gold quote under three words does not annotate fragments: shorter
    predictions are not scored; a set with one two-word quote scores everything."""
    long_only = [{"quotes": [{"text": "we will not give up now", "speaker": None}]} for _ in range(100)]
    assert quote_scope(long_only) == 6
    assert quote_scope(long_only + [{"quotes": [{"text": "brazen breach", "speaker": None}]}]) == 1
    assert quote_scope(long_only[:10]) == 1  # too few quotes to tell
