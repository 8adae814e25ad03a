#!/usr/bin/env bash
# Run `wirewatch bench` against the embedded broker and against Apache Kafka, keeping the JSON
# results and the printed tables in benchmarks/results/ (latest-<broker>.json / .txt).
#
#   benchmarks/run.sh                 # both brokers, default corpus (120 articles)
#   benchmarks/run.sh embedded        # one broker
#   ARTICLES=240 benchmarks/run.sh    # a larger corpus (steadier figures, twice as long)
#
# Uses $PYTHON (default: python3 on PATH; e.g. PYTHON=.venv/bin/python). Apache Kafka needs
# java 17+ and, the first time, mvn (see scripts/apache-kafka.sh). Figures depend on what else
# the machine is doing: the table reports the load on the machine beside every phase.
set -euo pipefail

ROOT=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)
PYTHON=${PYTHON:-python3}
ARTICLES=${ARTICLES:-120}
OUT="$ROOT/benchmarks/results"
KINDS=("$@")
[[ ${#KINDS[@]} -gt 0 ]] || KINDS=(embedded kafka)
mkdir -p "$OUT"
cd "$ROOT"
for kind in "${KINDS[@]}"; do
  case "$kind" in
    embedded|kafka) ;;
    *) echo "usage: $0 [embedded] [kafka]" >&2; exit 2 ;;
  esac
  echo "== wirewatch bench --broker-kind $kind --articles $ARTICLES" >&2
  # the long body is enriched in-process, without a broker: timed once, in the first run
  long=1; [ "$kind" = "${KINDS[0]}" ] || long=0
  "$PYTHON" -m streams.harness.bench --broker-kind "$kind" --articles "$ARTICLES" --long-body-mb "$long" \
    --output "$OUT/latest-$kind.json" | tee "$OUT/latest-$kind.txt"
done
