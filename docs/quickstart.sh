#!/usr/bin/env bash
# docs/quickstart.sh — the README's tour of cgru on the embedded real HAR subset:
# train an SGRU and a CGRU for a few epochs, evaluate them, look inside one pair,
# measure the noise curves, run the DTW and RVSML baselines and write the report.
# Small and quick (about a minute on 2 cores); ./build.sh test runs it. Usage:
# docs/quickstart.sh [OUT_DIR] (default /tmp/cgru-quickstart); it uses bin/cgru,
# which ./build.sh builds.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-/tmp/cgru-quickstart}
mkdir -p "$OUT"

set -x

bin/cgru data --data embedded
for kind in sgru cgru; do
  bin/cgru train --data embedded --kind $kind --epochs 3 --val-refs-per-class 10 --quiet --out "$OUT/$kind.json"
  bin/cgru eval --model "$OUT/$kind.json" --split val --refs-per-class 10 --json --quiet > "$OUT/$kind-val.json"
  bin/cgru eval --model "$OUT/$kind.json" --split test --refs-per-class 20 --json --quiet > "$OUT/$kind-test.json"
done
bin/cgru eval --model "$OUT/cgru.json" --refs-per-class 20 --quiet
bin/cgru compare --model "$OUT/cgru.json" --a test/1003 --b test/1293 --csv > "$OUT/compare.csv"
bin/cgru noise --models "$OUT/sgru.json,$OUT/cgru.json" --sigmas 0:2:0.5 --pairs-per-class 20 --json --quiet > "$OUT/noise.json"
bin/cgru baseline --method dtw --split val --val-model "$OUT/sgru.json" --refs-per-class 10 --json --quiet > "$OUT/dtw-val.json"
for method in dtw rvsml-dtw rvsml-opw; do
  bin/cgru baseline --method $method --refs-per-class 20 --json --quiet > "$OUT/$method-test.json"
done
bin/cgru sync lyapunov --gains 1,5,7.5 --steps 2000 --transient 500 --inits 2 --json > "$OUT/sync-lyapunov.json"
bin/cgru sync pair --gain 7.5 --coupling 0,0.02,0.1 --steps 300 --lyapunov-steps 2000 --json > "$OUT/sync-pair.json"
bin/cgru sync threshold --gain 7.5 --couplings 0:0.2:0.02 --steps 2000 --lyapunov-steps 4000 --json > "$OUT/sync-threshold.json"
bin/cgru sync gate --model "$OUT/cgru.json" --pairs-per-class 10 --json > "$OUT/sync-gate.json"
bin/cgru report --out "$OUT/sync" --sync "$OUT/sync-lyapunov.json,$OUT/sync-pair.json,$OUT/sync-threshold.json,$OUT/sync-gate.json"
bin/cgru report --out "$OUT/report" --models "$OUT/sgru.json,$OUT/cgru.json" \
  --evals "$OUT/sgru-val.json,$OUT/sgru-test.json,$OUT/cgru-val.json,$OUT/cgru-test.json,$OUT/dtw-val.json,$OUT/dtw-test.json,$OUT/rvsml-dtw-test.json,$OUT/rvsml-opw-test.json" \
  --noise "$OUT/noise.json"
