"""What the bench tells: progress on stderr, every figure against the raw spaCy limit, the
targets, and the table printed at the end."""

from __future__ import annotations

import sys

from streams.harness.bench.stats import mean, ratio, rounded, scaling_ratio

TARGETS = {"one_worker_vs_raw": 0.92, "workers_vs_raw_parallel": 0.92, "extra_rss_mb": 150.0,
           "stories_share_of_parse": 0.05, "long_body_beyond_parse_s": 2.0}
P99_TARGETS_MS = {"kafka": 300.0, "embedded": 500.0}
"""Issue #17: one worker and N workers against raw spaCy with 1 and N processes, p99 latency at half
capacity per broker, a worker's peak RSS over the raw spaCy process's, and a 1 MB body's stages
beyond its parse (the slower language); issue #20: the stories
stage with 10,000 articles in its window under 5 % of the parse of the same articles."""


def say(message: str) -> None:
    """A progress line on stderr (the table goes to stdout)."""
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def add_ratios(results: dict, workers: int) -> None:
    """Every throughput against the raw spaCy limit, in docs/s and in CPU time per doc.

    Other load on a machine drifts, so each streaming window is compared with the raw runs
    made right before and right after it (workers idle); the rest with the mean of all raw runs."""
    raws = [results[k] for k in ("raw_spacy", "raw_spacy_end") if results.get(k, {}).get("docs_per_s")]
    for key in ("stream_1", "stream_n"):
        raws += [r for r in results.get(key, {}).get("raw_around", []) if r.get("docs_per_s")]
    ui_rounds = (results.get("ui") or {}).get("rounds", [])
    for item in ui_rounds:
        raws += [r for r in item.get("raw_around", []) if r.get("docs_per_s")]
    if not raws:
        return
    reference = mean([r["docs_per_s"] for r in raws])
    cpu_reference = mean([r["cpu_s_per_doc"] for r in raws])
    results["reference"] = {"docs_per_s": round(reference, 3), "cpu_s_per_doc": round(cpu_reference, 4),
                            "runs": [r["docs_per_s"] for r in raws]}
    keyed = [results.get(k) for k in ("raw_spacy", "raw_spacy_parallel", "enrich", "stream_1", "stream_n",
                                      "raw_spacy_end")]
    for item in keyed + ui_rounds:
        if not item:
            continue
        local, local_cpu = reference, cpu_reference
        around = [r for r in item.get("raw_around", []) if r.get("docs_per_s")]
        if around:
            local, local_cpu = mean([r["docs_per_s"] for r in around]), mean([r["cpu_s_per_doc"] for r in around])
            item["reference_docs_per_s"] = round(local, 3)
        item["ratio_to_raw"] = ratio(item.get("docs_per_s"), local)
        if item.get("steady_docs_per_s"):
            item["steady_ratio_to_raw"] = ratio(item["steady_docs_per_s"], local)
        if item.get("cpu_s_per_doc"):
            item["cpu_efficiency"] = ratio(local_cpu, item["cpu_s_per_doc"])
    parallel = results.get("raw_spacy_parallel")
    if parallel:
        parallel["scaling"] = rounded(scaling_ratio(parallel["docs_per_s"], reference, parallel["processes"]))
    one, many = results.get("stream_1"), results.get("stream_n")
    if one and many:
        many["scaling"] = rounded(scaling_ratio(many["docs_per_s"] or 0, one["docs_per_s"] or 0, many["workers"]))
        if one.get("steady_docs_per_s") and many.get("steady_docs_per_s"):
            many["steady_scaling"] = rounded(scaling_ratio(many["steady_docs_per_s"], one["steady_docs_per_s"],
                                                          many["workers"]))
        if parallel:
            many["ratio_to_raw_parallel"] = ratio(many["docs_per_s"], parallel["docs_per_s"])


def target(goal: float, reached: float | None, at_least: bool = True) -> dict:
    met = None if reached is None else (reached >= goal if at_least else reached <= goal)
    return {"target": goal, "reached": reached, "met": met}


def targets(results: dict, broker_kind: str = "embedded") -> dict:
    """Each target, the figure reached, and whether it is met (None: not measured)."""
    one = results.get("stream_1", {}).get("ratio_to_raw")
    many = results.get("stream_n", {}).get("ratio_to_raw_parallel")
    p99 = results.get("latency", {}).get("raw_to_enriched", {}).get("p99_ms")
    raw_rss = results.get("raw_spacy", {}).get("peak_rss_mb")
    worker_rss = [rss for key in ("stream_1", "stream_n") for rss in results.get(key, {}).get("peak_rss_mb") or []
                  if rss]
    extra_rss = round(max(worker_rss) - raw_rss, 1) if raw_rss and worker_rss else None
    return {
        "one_worker_vs_raw": target(TARGETS["one_worker_vs_raw"], one),
        "workers_vs_raw_parallel": target(TARGETS["workers_vs_raw_parallel"], many),
        "p99_latency_ms": target(P99_TARGETS_MS.get(broker_kind, P99_TARGETS_MS["kafka"]), p99, at_least=False),
        "worker_rss_over_raw_mb": target(TARGETS["extra_rss_mb"], extra_rss, at_least=False),
        "stories_share_of_parse": target(TARGETS["stories_share_of_parse"], stories_share(results), at_least=False),
        "long_body_beyond_parse_s": target(TARGETS["long_body_beyond_parse_s"], long_body_seconds(results),
                                           at_least=False),
    }


def long_body_seconds(results: dict) -> float | None:
    """The slower language's stages beyond the parse on its long body, when that body was 1 MB or more."""
    long = results.get("long_body") or {}
    return long.get("beyond_parse_s") if (long.get("megabytes") or 0) >= 1 else None


def stories_share(results: dict) -> float | None:
    """The stories stage's ms per article with a full window over the parse's (annotate, same process)."""
    return ((results.get("enrich") or {}).get("stories_window") or {}).get("share_of_parse")


def format_table(doc: dict) -> str:
    """The human summary: one line per phase, figures side by side with the raw spaCy limit."""
    r = doc["results"]
    m = doc["machine"]
    c = doc["corpus"]
    broker = doc["settings"]["broker_kind"]
    lines = [
        f"wirewatch bench {doc['wirewatch']} — {c['articles']} articles {c['languages']}, mean {c['mean_chars']} chars",
        (f"machine: {m['cpu_model']}, {m['cores']} cores, {m['memory_gb']} GB, Python {m['python']}, "
         f"spaCy {m['packages'].get('spacy')}; load average {doc['load_average'].get('start')} -> "
         f"{doc['load_average'].get('end')}"),
        "",
        (f"{'phase':<42}{'docs/s':>7}{'x raw':>7}{'scale':>7}{'CPU/doc':>9}{'CPU eff':>8}{'cores':>6}"
         f"{'other':>6}{'peak RSS':>10}  notes"),
    ]

    def row(label: str, item: dict | None, note: str = "") -> None:
        if not item:
            return
        rss = item.get("peak_rss_mb")
        if isinstance(rss, list):
            rss = max((v for v in rss if v), default=None)
        cpu = item.get("cpu_s_per_doc")
        lines.append(
            f"{label:<42}{_fmt(item.get('docs_per_s')):>7}{_fmt(item.get('ratio_to_raw'), 2):>7}"
            f"{_fmt(item.get('scaling'), 2):>7}{(f'{cpu * 1000:.0f} ms' if cpu else '-'):>9}"
            f"{_fmt(item.get('cpu_efficiency'), 2):>8}{_fmt(item.get('cores_used'), 2):>6}"
            f"{_fmt(item.get('other_load_cores'), 1):>6}{(f'{rss:.0f} MB' if rss else '-'):>10}  {note}")

    row("raw spaCy nlp.pipe, 1 process (the limit)", r.get("raw_spacy"))
    par = r.get("raw_spacy_parallel")
    if par:
        row(f"raw spaCy nlp.pipe, {par['processes']} processes", par)
    row("wirewatch enrich (all stages, no broker)", r.get("enrich"))
    one, many = r.get("stream_1"), r.get("stream_n")
    if one:
        row(f"stream, {broker} broker, 1 worker", one, _stream_note(one))
    if many:
        row(f"stream, {broker} broker, {many['workers']} workers", many, _stream_note(many))
    row("raw spaCy nlp.pipe, 1 process, at the end", r.get("raw_spacy_end"))
    ui = r.get("ui")
    if ui:
        _ui_lines(lines, ui, broker, row)
    reference = r.get("reference")
    if reference:
        lines.append(f"  raw spaCy runs (docs/s): {', '.join(f'{v:.1f}' for v in reference['runs'])}; a stream row is "
                     "compared with the two made right before and after its window, the others with their mean")
    lines.append("  (x raw: docs/s over raw spaCy's; CPU/doc: CPU time of the measured processes per article; "
                 "CPU eff: raw CPU/doc over this one's; cores: CPU they used; other: CPU used by everything else)")
    overhead = (r.get("enrich") or {}).get("overhead")
    if overhead:
        lines.append(f"  per-article work the stream adds around the parse (in-process): serialise Doc "
                     f"{overhead['serialize_doc_ms']:.1f} ms, rebuild Doc {overhead['rebuild_doc_ms']:.1f} ms x0-3, "
                     f"JSON dumps+loads {overhead['json_dumps_ms'] + overhead['json_loads_ms']:.2f} ms x3 "
                     f"(event {overhead['event_bytes'] / 1000:.0f} kB, annotation {overhead['annotation_bytes'] / 1000:.0f} kB)"
                     f" = {overhead['per_article_extra_ms']:.1f} ms in a worker running every stage "
                     f"({overhead.get('per_article_extra_split_ms', 0):.1f} ms with stages split over workers, "
                     "which rebuild the Doc)")
    window = (r.get("enrich") or {}).get("stories_window")
    if window:
        raw = r.get("raw_spacy") or {}
        raw_ms = raw["seconds"] * 1000 / raw["docs"] if raw.get("docs") and raw.get("seconds") else None
        beside_raw = f", {window['stories_ms'] / raw_ms:.1%} of raw spaCy's {raw_ms:.0f} ms/doc" if raw_ms else ""
        share = window.get("share_of_parse")
        lines.append(f"  stories stage with {window['window_articles']:,} articles in its window (in-process, "
                     f"{window['articles']} articles): {window['stories_ms']:.2f} ms/article = "
                     f"{'-' if share is None else f'{share:.1%}'} of the parse ({window['parse_ms']} ms/article, "
                     f"annotate in enrich){beside_raw}")
    long = r.get("long_body")
    if long:
        for language, item in long["languages"].items():
            stages = ", ".join(f"{stage} {seconds:.2f}" for stage, seconds in item["stages_s"].items())
            lines.append(f"  long body, {language}: {item['bytes']:,} bytes ({item['tokens']:,} tokens), parse "
                         f"{item['parse_s']:.1f} s, every other stage {item['beyond_parse_s']:.2f} s ({stages})")
    lat = r.get("latency")
    if lat:
        lines.append("")
        warmed = lat.get("warmed_on_other_articles")
        lines.append(f"latency at {lat['rate_docs_per_s']} docs/s (half of 1 worker), {lat['sent']} articles, "
                     f"other load {_fmt(lat.get('other_load_cores'), 1)} cores"
                     + (f"; worker warmed on {warmed} other articles first" if warmed else "; worker not warmed"))
        lines.append(f"  {'':<44}{'p50':>9}{'p95':>9}{'p99':>9}{'max':>9}")
        for label, key in (("raw -> wire.enriched (consumer receive)", "raw_to_enriched"),
                           ("raw -> enriched_at stamp", "raw_to_enriched_at"),
                           ("raw -> alert webhook received", "raw_to_webhook")):
            s = lat.get(key)
            if s and s.get("count"):
                lines.append(f"  {label:<44}{s['p50_ms']:>7.0f}ms{s['p95_ms']:>7.0f}ms{s['p99_ms']:>7.0f}ms"
                             f"{s['max_ms']:>7.0f}ms  (n={s['count']})")
        hops = lat.get("hops_ms") or {}
        if hops:
            lines.append("  per hop p50 (consumer receive times): " + ", ".join(
                f"{name} {_fmt(v.get('p50_ms'), 0)}" for name, v in hops.items()) + " ms")
        if "alerts_expected" in lat:
            lines.append(f"  alert rule on {lat['alert_rule']['actor']}: {lat['alerts_expected']} expected, "
                         f"{lat['alerts_on_topic']} on wire.alerts, {lat['webhooks_received']} webhooks received")
        for note in lat.get("notes", []):
            lines.append(f"  note: {note}")
    lines.append("")
    for name, t in doc.get("targets", {}).items():
        verdict = "n/a" if t["met"] is None else ("met" if t["met"] else "NOT met")
        lines.append(f"target {name}: {_fmt(t['reached'], 3)} (target {t['target']}) {verdict}")
    return "\n".join(lines)


def _ui_lines(lines: list[str], ui: dict, broker: str, row) -> None:
    """The --with-ui windows, one row each in the order run (`row` appends to `lines`), and their summary."""
    heading = (f"the dashboard beside the pipeline ({broker} broker, {ui['workers']} worker(s), same articles "
               "each window, alternating order):")
    lines += ["", heading]
    for item in ui["rounds"]:
        label = f"  {item['round']}. " + ("with the dashboard + SSE client" if item["with_ui"] else "alone")
        note = _stream_note(item)
        beside = item.get("beside")
        if beside:
            dash_cpu = beside.get("dashboard_cpu_s_per_doc")
            note = (f"dashboard {dash_cpu * 1000:.1f} ms CPU/doc ({_fmt(beside.get('dashboard_cores'), 2)} cores), "
                    f"{beside['sse_rows_seen']}/{beside['sse_rows_expected']} rows via SSE; " if dash_cpu is not None
                    else "") + note
        row(label, item, note)
    s = ui["summary"]
    cpu = (f"; worker CPU/doc {s['alone_cpu_s_per_doc'] * 1000:.1f} ms alone, {s['ui_cpu_s_per_doc'] * 1000:.1f} ms "
           f"with it" if s.get("alone_cpu_s_per_doc") and s.get("ui_cpu_s_per_doc") else "")
    dash = (f"; dashboard {s['dashboard_cpu_s_per_doc'] * 1000:.1f} ms CPU/doc"
            if s.get("dashboard_cpu_s_per_doc") is not None else "")
    lines.append(f"  mean docs/s alone {_fmt(s.get('alone_docs_per_s'), 2)}, with the dashboard "
                 f"{_fmt(s.get('ui_docs_per_s'), 2)} ({_fmt(s.get('ui_over_alone'), 3)} x){cpu}{dash}; "
                 f"alone ranged {_spread(s.get('alone_spread_docs_per_s'))}, with it {_spread(s.get('ui_spread_docs_per_s'))}")


def _spread(pair: list | None) -> str:
    return "-" if not pair else f"{pair[0]:.2f}–{pair[1]:.2f}"


def _stream_note(item: dict) -> str:
    parts = []
    if item.get("reference_docs_per_s") is not None:
        parts.append(f"raw around {item['reference_docs_per_s']:.1f}")
    if item.get("steady_docs_per_s") is not None:
        steady = f" ({item['steady_ratio_to_raw']:.2f} x raw)" if item.get("steady_ratio_to_raw") else ""
        parts.append(f"steady {item['steady_docs_per_s']:.1f} docs/s{steady}")
    if item.get("annotate_duty") is not None:
        parts.append(f"parse duty {item['annotate_duty']:.0%}")
    if item.get("broker_cpu_s") is not None:
        parts.append(f"broker CPU {item['broker_cpu_s']:.1f}s")
    if len(item.get("articles_per_worker") or []) > 1:
        parts.append(f"split {item['articles_per_worker']}")
    duplicates = sum((item.get("duplicates") or {}).values())
    if duplicates:
        parts.append(f"{duplicates} duplicate(s) out (redelivered)")
    if not item.get("complete", True):
        parts.append("INCOMPLETE")
    return "; ".join(parts)


def _fmt(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:.{digits}f}"
