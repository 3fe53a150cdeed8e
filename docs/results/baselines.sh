#!/usr/bin/env bash
# docs/results/baselines.sh — the paper's baselines on the real UCI HAR data
# (../shared/data/uci-har), with the protocol of the SGRU/CGRU results here:
# test windows against 50 reference windows per class of the train split,
# drawn with seed 1 (the same reference windows as cgru eval --refs-per-class
# 50 --seed 1), and the validation subjects of fold 1 (those recorded in
# sgru.json: 3, 23, 30) against 50 per class of the other training subjects.
# RVSML trains on all the training windows the references come from (6752 for
# test, 5741 for val). Every default is the RVSML paper's (cgru baseline
# --help); rvsml-opw-median is RVSML-OPW with --median-scale. Writes
# baseline-<name>-<split>.json and baselines.log (the times
# of /usr/bin/time and the RVSML iterations). Usage, from anywhere:
#   docs/results/baselines.sh            # uses bin/cgru (./build.sh builds it)
#   CGRU=/path/to/cgru docs/results/baselines.sh
#   ONLY=rvsml-opw-median LOG=docs/results/baselines-median.log docs/results/baselines.sh
# Data credit: UCI HAR, Anguita et al., ESANN 2013, UCI Machine Learning
# Repository, CC BY 4.0.
set -euo pipefail
cd "$(dirname "$0")/../.."
CGRU=${CGRU:-bin/cgru}
DATA=${DATA:-../shared/data/uci-har/UCI HAR Dataset}
OUT=docs/results
LOG=${LOG:-$OUT/baselines.log}
: > "$LOG"
# name:method[:extra flag]; ONLY="rvsml-opw-median" runs some of them.
for v in dtw:dtw rvsml-dtw:rvsml-dtw rvsml-opw:rvsml-opw rvsml-opw-median:rvsml-opw:--median-scale; do
  IFS=: read -r name method extra <<< "$v"
  case " ${ONLY:-$name} " in *" $name "*) ;; *) continue ;; esac
  flags=()
  if [ -n "$extra" ]; then flags=("$extra"); fi
  for split in test val; do
    val=()
    if [ "$split" = val ]; then val=(--val-model "$OUT/sgru.json"); fi
    echo "== cgru baseline --method $method ${flags[*]} --split $split ${val[*]} --refs-per-class 50 --seed 1" >> "$LOG"
    /usr/bin/time -a -o "$LOG" -f "$name $split: %e s wall, %U s user, %S s system, %M KB peak" \
      "$CGRU" baseline --method $method "${flags[@]}" --data "$DATA" --split $split "${val[@]}" \
      --refs-per-class 50 --seed 1 --json > "$OUT/baseline-$name-$split.json" 2>> "$LOG"
  done
done
grep ' wall' "$LOG"
