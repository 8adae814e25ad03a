"""`wirewatch bench`: the measuring code on a handful of tiny articles. No timing is asserted,
ever: speed is what the benchmark reports, not what a test checks."""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys

import pytest

from streams.harness.articles import write_jsonl
from streams.harness.bench import cli, corpus, machine, report, stats, streaming
from streams.topology import HOP_TOPICS


def test_percentile_interpolates_and_handles_empty():
    assert stats.percentile([], 50) is None
    assert stats.percentile([5.0], 99) == 5.0
    assert stats.percentile([1, 2, 3, 4], 50) == 2.5
    assert stats.percentile(list(range(101)), 99) == pytest.approx(99.0)
    summary = stats.latency_summary([10.0, 20.0, 30.0])
    assert summary["count"] == 3 and summary["p50_ms"] == 20.0 and summary["max_ms"] == 30.0


def test_scaling_ratio_and_steady_rate():
    assert stats.scaling_ratio(18.0, 10.0, 2) == pytest.approx(0.9)
    assert stats.scaling_ratio(5.0, 0.0, 2) is None
    assert stats.steady_rate([0.0, 1.0]) is None  # too few arrivals to call anything steady
    times = [i * 0.5 for i in range(50)]  # 2 docs/s, evenly spaced
    assert stats.steady_rate(times) == pytest.approx(2.0)


def test_repeat_to_gives_repeats_fresh_ids():
    articles = [{"id": "a"}, {"id": "b"}]
    out = corpus.repeat_to(articles, 5)
    assert [a["id"] for a in out] == ["a", "b", "a~1", "b~1", "a~2"]
    assert articles == [{"id": "a"}, {"id": "b"}]  # inputs untouched
    assert corpus.repeat_to([], 3) == []


def test_assemble_french_keeps_the_lead_and_gives_distinct_articles():
    story = {"id": "s", "headlines": ["Titre un", "Titre deux"],
             "paragraphs": [f"Paragraphe {i} de la dépêche." for i in range(8)]}
    articles = corpus.assemble_french([story], 12, random.Random(1))
    assert len(articles) == 12
    assert len({a["body"] + a["headline"] for a in articles}) == 12
    for article in articles:
        paragraphs = article["body"].split("\n\n")
        assert paragraphs[0] == "Paragraphe 0 de la dépêche."
        assert paragraphs == sorted(paragraphs)  # subset kept in story order
        assert article["language"] == "fr" and article["id"].startswith("bench-fr-s-")


def test_build_corpus_without_shared_data_falls_back_to_the_repository(tmp_path):
    built = corpus.build_corpus(10, data_dir=tmp_path / "absent")
    assert len(built) == 10
    assert len({a["id"] for a in built}) == 10
    assert {a["language"] for a in built} == {"fr", "en"}
    assert corpus.build_corpus(10, data_dir=tmp_path / "absent") == built  # same seed, same corpus
    info = corpus.describe_corpus(built)
    assert info["articles"] == 10 and info["languages"] == {"fr": 5, "en": 5}


def test_build_corpus_reads_the_shared_data_when_present():
    data = corpus.default_data_dir()
    if not (data / "polnear-en-train").is_dir():
        pytest.skip(f"shared data not found at {data}")
    built = corpus.build_corpus(8, data_dir=data)
    english = [a for a in built if a["language"] == "en"]
    assert len(english) == 4
    assert all(corpus.WIRE_MIN_CHARS <= len(a["body"]) <= corpus.WIRE_MAX_CHARS for a in english)


def test_pick_actor_takes_the_entity_in_most_articles():
    result = {"entities": {"a1": ["x", "y"], "a2": ["y"], "a3": ["y", "z"]},
              "entity_names": {"x": ["Ex", "PER"], "y": ["Why", "LOC"], "z": ["Zed", "ORG"]}}
    assert streaming.pick_actor(result) == ("LOC:Why", "y", {"a1", "a2", "a3"})
    assert streaming.pick_actor({"entities": {}, "entity_names": {}}) is None


def test_hop_latencies_follow_the_topic_chain():
    sent = {"a": 0.0}
    arrivals = {suffix: {"a": 0.1 * (i + 1)} for i, suffix in enumerate(HOP_TOPICS)}
    hops = stats.hop_latencies(sent, arrivals)
    assert list(hops) == ["raw->normalized", "normalized->annotated", "annotated->entities",
                          "entities->quotes", "quotes->stories-in", "stories-in->enriched"]
    assert all(h["p50_ms"] == pytest.approx(100.0) for h in hops.values())


def test_ratios_targets_and_table_from_synthetic_results():
    results = {
        "raw_spacy": {"docs_per_s": 10.0, "cpu_s_per_doc": 0.1},
        "raw_spacy_end": {"docs_per_s": 10.0, "cpu_s_per_doc": 0.1},
        "raw_spacy_parallel": {"docs_per_s": 19.0, "cpu_s_per_doc": 0.1, "processes": 2},
        "enrich": {"docs_per_s": 9.5, "cpu_s_per_doc": 0.105},
        "stream_1": {"docs_per_s": 9.0, "cpu_s_per_doc": 0.11, "workers": 1},
        "stream_n": {"docs_per_s": 16.2, "cpu_s_per_doc": 0.11, "workers": 2},
        "latency": {"rate_docs_per_s": 4.5, "sent": 3,
                    "raw_to_enriched": stats.latency_summary([100.0, 200.0, 900.0])},
    }
    report.add_ratios(results, 2)
    assert results["stream_1"]["ratio_to_raw"] == pytest.approx(0.9)
    assert results["stream_n"]["scaling"] == pytest.approx(0.9)
    assert results["raw_spacy_parallel"]["scaling"] == pytest.approx(0.95)
    results["stream_1"]["raw_around"] = [{"docs_per_s": 8.0, "cpu_s_per_doc": 0.1},
                                         {"docs_per_s": 12.0, "cpu_s_per_doc": 0.1}]
    report.add_ratios(results, 2)  # the window's own neighbours are its reference
    assert results["stream_1"]["reference_docs_per_s"] == pytest.approx(10.0)
    assert results["reference"]["runs"] == [10.0, 10.0, 8.0, 12.0]
    assert results["enrich"]["ratio_to_raw"] == pytest.approx(0.95)
    goals = report.targets(results)
    assert goals["one_worker_vs_raw"]["reached"] == pytest.approx(0.9) and not goals["one_worker_vs_raw"]["met"]
    assert goals["workers_vs_raw_parallel"]["reached"] == pytest.approx(16.2 / 19.0, abs=1e-3)
    assert goals["p99_latency_ms"]["target"] == 500.0 and not goals["p99_latency_ms"]["met"]
    assert report.targets(results, "kafka")["p99_latency_ms"]["target"] == 300.0
    assert goals["worker_rss_over_raw_mb"]["met"] is None  # no memory figures in these results
    results["raw_spacy"]["peak_rss_mb"], results["stream_1"]["peak_rss_mb"] = 680.0, [800.0]
    assert report.targets(results)["worker_rss_over_raw_mb"] == {"target": 150.0, "reached": 120.0, "met": True}
    results["stream_1"]["docs_per_s"] = 9.5
    report.add_ratios(results, 2)
    assert report.targets(results)["one_worker_vs_raw"]["met"]
    doc = {"wirewatch": "0", "machine": machine.machine_description(), "load_average": {"start": [1.0], "end": [1.0]},
           "corpus": corpus.describe_corpus([{"language": "fr", "body": "x"}]),
           "settings": {"broker_kind": "embedded"}, "results": results, "targets": goals}
    table = report.format_table(doc)
    assert "raw spaCy nlp.pipe, 1 process" in table and "2 workers" in table and "p99" in table
    assert goals["stories_share_of_parse"]["met"] is None  # not measured in these results
    results["raw_spacy"].update(docs=10, seconds=1.0)
    results["enrich"]["stories_window"] = {"window_articles": 10_000, "articles": 100, "stories_ms": 3.0,
                                           "parse_ms": 100.0, "share_of_parse": 0.03}
    assert report.targets(results)["stories_share_of_parse"] == {"target": 0.05, "reached": 0.03, "met": True}
    doc["results"] = results
    assert "stories stage with 10,000 articles in its window" in report.format_table(doc)
    assert "3.0% of the parse" in report.format_table(doc)


def test_stories_window_times_the_stage_against_a_full_window():
    from streams.harness.bench.stories_window import filled_state, stories_cost

    person = {"id": "ww:PER:anna berg", "name": "Anna Berg", "type": "PER", "aliases": [], "mentions": [],
              "salience": 0.8, "quoted": True}
    events = [{"id": f"e{i}", "version": 1, "source": "wire", "headline": f"h{i}",
               "body": "\n\n".join(f"Paragraph {i}.{p}: the minister Anna Berg spoke about budget item {i * p} "
                                    f"in Oslo on day {p}, and the opposition answered." for p in range(6)),
               "entities": [person], "quotes": [], "topics": [], "story": {"id": "x"}} for i in range(12)]
    state = filled_state(events, 60)
    assert len(state.index) == 60
    cost = stories_cost(events, parse_ms=50.0, size=60)
    assert cost["window_articles"] == 60 and cost["articles"] == 12
    assert cost["share_of_parse"] == pytest.approx(cost["stories_ms"] / 50.0, abs=1e-4)
    assert stories_cost([], 50.0) == {}


def test_register_bench_adds_the_verb_with_its_flags():
    parser = argparse.ArgumentParser(prog="wirewatch")
    cli.register_bench(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["bench", "--articles", "3", "--skip-streaming", "--broker-kind", "kafka",
                              "--workers", "2", "--output", "x.json"])
    assert (args.articles, args.skip_streaming, args.broker_kind, args.workers, args.output) == (
        3, True, "kafka", 2, "x.json")
    assert args.func is cli.cmd_bench


def test_the_module_runs_the_bench_and_its_children():
    """`python -m streams.harness.bench` is the same command (the baselines' children run through it)."""
    shown = subprocess.run([sys.executable, "-m", "streams.harness.bench", "--help"], capture_output=True,
                           text=True, timeout=120, check=False)
    assert shown.returncode == 0 and "--skip-streaming" in shown.stdout, shown.stderr
    child = subprocess.run([sys.executable, "-m", "streams.harness.bench", "child", "--help"], capture_output=True,
                           text=True, timeout=120, check=False)
    assert child.returncode == 0 and "raw,enrich" in child.stdout, child.stderr


def test_bad_usage_exits_2(capsys):
    assert cli.main(["--articles", "0"]) == 2
    assert "--articles" in capsys.readouterr().err


def test_smoke_run_without_streaming(tmp_path, capsys):
    """The baselines end to end on four tiny articles: child processes, JSON, table."""
    corpus_file = tmp_path / "tiny.jsonl"
    tiny = [
        {"id": "t-fr-1", "source": "test", "language": "fr",
         "body": "« Nous resterons prudents », a déclaré mardi la ministre Claire Dumont à Paris."},
        {"id": "t-fr-2", "source": "test", "language": "fr",
         "body": "La Commission européenne a présenté son budget à Bruxelles."},
        {"id": "t-en-1", "source": "test", "language": "en",
         "body": "\u201cWe will stay the course,\u201d Finance Minister Anna Berg told reporters in Oslo."},
        {"id": "t-en-2", "source": "test", "language": "en",
         "body": "The European Central Bank kept its rates on hold on Thursday."},
    ]
    write_jsonl(corpus_file, tiny)
    output = tmp_path / "results.json"
    status = cli.main(["--corpus", str(corpus_file), "--articles", "4", "--skip-streaming", "--workers", "1",
                         "--stories-window", "40", "--long-body-mb", "0.02", "--output", str(output)])
    assert status == 0
    doc = json.loads(output.read_text("utf-8"))
    results = doc["results"]
    window = results["enrich"]["stories_window"]
    assert window["window_articles"] == 40 and window["articles"] == 4 and window["stories_ms"] > 0
    assert doc["targets"]["stories_share_of_parse"]["reached"] == window["share_of_parse"]
    assert results["raw_spacy"]["docs"] == 4 and results["raw_spacy_end"]["docs"] == 4
    assert results["enrich"]["enriched"] == 4 and results["enrich"]["deadletter"] == 0
    assert results["raw_spacy"]["docs_per_s"] > 0 and results["enrich"]["ratio_to_raw"] > 0
    assert results["enrich"]["overhead"]["annotation_bytes"] > 0
    assert "stream_1" not in results and doc["targets"]["one_worker_vs_raw"]["met"] is None
    assert doc["machine"]["cores"] and doc["corpus"]["languages"] == {"fr": 2, "en": 2}
    long = results["long_body"]
    assert set(long["languages"]) == {"fr", "en"} and long["megabytes"] == 0.02
    for item in long["languages"].values():
        assert item["bytes"] == 20_000 and item["tokens"] > 3_000 and item["parse_s"] > 0
        assert set(item["stages_s"]) == {"normalize", "entities", "quotes", "topics", "stories"}
        assert abs(item["beyond_parse_s"] - sum(item["stages_s"].values())) < 0.01 and item["beyond_parse_s"] > 0
    assert long["beyond_parse_s"] == max(item["beyond_parse_s"] for item in long["languages"].values())
    assert doc["targets"]["long_body_beyond_parse_s"]["met"] is None  # under 1 MB: not the target's size
    out = capsys.readouterr().out
    assert "wirewatch enrich" in out and "long body, fr: 20,000 bytes" in out


TINY = [
    {"id": "t-fr-1", "source": "test", "language": "fr",
     "body": "« Nous resterons prudents », a déclaré mardi la ministre Claire Dumont à Paris."},
    {"id": "t-fr-2", "source": "test", "language": "fr",
     "body": "La Commission européenne a présenté son budget à Bruxelles."},
    {"id": "t-en-1", "source": "test", "language": "en",
     "body": "\u201cWe will stay the course,\u201d Finance Minister Anna Berg told reporters in Oslo."},
    {"id": "t-en-2", "source": "test", "language": "en",
     "body": "The European Central Bank kept its rates on hold on Thursday."},
]


def test_register_bench_takes_the_ui_flags():
    parser = argparse.ArgumentParser(prog="wirewatch")
    cli.register_bench(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["bench", "--with-ui", "--ui-rounds", "3", "--ui-workers", "2"])
    assert (args.with_ui, args.ui_rounds, args.ui_workers) == (True, 3, 2)
    assert cli.main(["--with-ui", "--skip-streaming"]) == 2  # nothing to put the dashboard beside


@pytest.mark.integration
def test_with_ui_runs_the_stream_alone_and_beside_the_dashboard(tmp_path, capsys):
    """Real embedded broker, worker, dashboard process and event-stream client, four tiny articles:
    both kinds of window run on the same articles and both rows are reported (no timing asserted)."""
    corpus_file = tmp_path / "tiny.jsonl"
    write_jsonl(corpus_file, TINY)
    output = tmp_path / "results.json"
    status = cli.main(["--corpus", str(corpus_file), "--articles", "4", "--workers", "1", "--skip-latency",
                       "--with-ui", "--ui-rounds", "1", "--long-body-mb", "0", "--output", str(output)])
    assert status == 0
    ui = json.loads(output.read_text("utf-8"))["results"]["ui"]
    rounds = ui["rounds"]
    assert [r["with_ui"] for r in rounds] == [False, True]
    assert all(r["docs"] == 4 and r["complete"] and r["docs_per_s"] for r in rounds)
    assert "beside" not in rounds[0]
    beside = rounds[1]["beside"]
    assert beside["dashboard_cpu_s"] is not None and beside["sse_error"] is None
    assert beside["sse_rows_seen"] == beside["sse_rows_expected"] == 4  # the client really followed
    assert ui["summary"]["alone_docs_per_s"] and ui["summary"]["ui_docs_per_s"]
    table = capsys.readouterr().out
    assert "1. alone" in table and "1. with the dashboard + SSE client" in table and "rows via SSE" in table


def test_the_long_body_repeats_the_articles_to_the_size_asked():
    from streams.harness.bench.long_body import long_text

    text = long_text([{"body": "Un."}, {"body": "Deux."}, {"body": ""}], 20)
    assert text == "Un.\n\nDeux.\n\nUn.\n\nDeu" and len(text) == 20
    assert long_text([], 100) == "" and long_text([{"body": "x"}], 0) == ""
    assert long_text([{"body": "Été."}], 10) == "Été.\n\nÉ"  # sized in UTF-8 bytes (É is two) …
    assert long_text([{"body": "Été."}], 9) == "Été.\n\n"  # … and never a character cut in two


def test_other_news_leaves_out_the_timed_articles_and_splits_the_languages(tmp_path):
    from streams.harness.bench.corpus import other_news

    body = "x" * 1600
    fr = [{"id": f"fr-{i}", "language": "fr", "body": body + str(i)} for i in range(5)]
    en = [{"id": f"en-{i}", "language": "en", "body": body + "e" + str(i)} for i in range(5)]
    en.append({"id": "en-short", "language": "en", "body": "too short for the wire"})
    for name, articles in (("dispatches-fr", fr), ("polnear-en-train", en)):
        (tmp_path / name).mkdir()
        write_jsonl(tmp_path / name / f"{name}.raw.jsonl", articles)
    corpus = [fr[0], dict(en[1], id="renamed")]  # the same text under another id is left out too
    picked = other_news(corpus, 6, tmp_path)
    assert [a["id"] for a in picked] == ["fr-1", "fr-2", "fr-3", "en-0", "en-2", "en-3"]
    assert other_news(corpus, 6, tmp_path / "absent") == [] and other_news(corpus, 0, tmp_path) == []
