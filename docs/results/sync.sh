#!/usr/bin/env bash
# docs/results/sync.sh — the synchronization lab's runs (issue 8): λ_max of a
# random GRU against the gain and of the trained CGRU's GRU; two coupled copies
# over time; the threshold sweeps against the theory (diffusive and CGRU-form
# coupling); and the trained CGRU's learned gate on real UCI HAR test pairs
# (docs/results/cgru.json: trained on fold 1 of ../shared/data/uci-har).
# Writes docs/results/sync-*.json and the figures in docs/results/sync/.
# About 2 minutes on 2 cores. Usage: docs/results/sync.sh (from anywhere).
set -euo pipefail
cd "$(dirname "$0")/../.."
./build.sh >/dev/null
R=docs/results
HAR="../shared/data/uci-har/UCI HAR Dataset"
set -x

# λ_max against the gain on weight_hh: a random H=20 GRU (PyTorch init, seed 1),
# 5 initial states per gain, with the spectrum; and the trained CGRU's GRU.
bin/cgru sync lyapunov --hidden 20 --seed 1 --gains 0.5:12:0.25 --steps 20000 --transient 2000 --inits 5 --spectrum --json > $R/sync-lyapunov.json
bin/cgru sync lyapunov --model $R/cgru.json --gains 0.25:6:0.25 --steps 20000 --transient 2000 --inits 5 --json > $R/sync-lyapunov-trained.json

# Two copies of the chaotic GRU (gain 7.5): started 1e-8 apart, uncoupled;
# then from independent states for several couplings, both forms.
bin/cgru sync pair --gain 7.5 --coupling 0 --delta 1e-8 --steps 400 --lyapunov-steps 100000 --json > $R/sync-pair-delta.json
bin/cgru sync pair --gain 7.5 --coupling 0,0.02,0.05,0.1,0.2 --steps 800 --lyapunov-steps 100000 --json > $R/sync-pair.json
bin/cgru sync pair --gain 7.5 --form cgru --coupling 0,0.05,0.09,0.12,0.2,0.5 --steps 800 --lyapunov-steps 100000 --json > $R/sync-pair-cgru.json

# Threshold sweeps: 5 pairs of initial states per c, 20000 coupled steps each.
for g in 6.5 7.5; do
  bin/cgru sync threshold --gain $g --couplings 0:0.3:0.01 --steps 20000 --runs 5 --lyapunov-steps 100000 --json > $R/sync-threshold-g$g.json
done
bin/cgru sync threshold --gain 7.5 --form cgru --couplings 0:0.3:0.01 --steps 20000 --runs 5 --lyapunov-steps 100000 --json > $R/sync-threshold-cgru-g7.5.json

# The trained CGRU on real test pairs: 200 positive and 200 negative pairs per class.
bin/cgru sync gate --model $R/cgru.json --data "$HAR" --split test --pairs-per-class 200 --seed 1 --json > $R/sync-gate.json
# The same for the CGRU trained with the weak coupling initialisation (run.sh).
bin/cgru sync gate --model $R/cgru-weak.json --data "$HAR" --split test --pairs-per-class 200 --seed 1 --json > $R/sync-gate-weak.json

bin/cgru report --out $R/sync --sync $(ls $R/sync-*.json | paste -sd, -)
