#!/usr/bin/env bash
# Compare one training step of the Go engine (`cgru bench`) with the PyTorch anchor
# (bench/torch_step.py), interleaved so that both see the same machine state.
#
#   bench/compare.sh [-r ROUNDS] [-t THREADS] [-k "cgru sgru"] [--no-build]
#   (env CGRU=path builds/uses another binary than bin/cgru; OUT_DIR=dir keeps the raw outputs there)
#
# Builds bin/cgru, then for each of ROUNDS rounds (default 5) and each kind runs
#   bin/cgru bench --kind K --json --threads T
#   /usr/bin/python3 bench/torch_step.py --kind K --threads T --rounds 3
# and records each side's train_step_ms (the torch side's value is the median of its 3 steps).
# Prints a table of the medians over the rounds and the ratio torch/cgru (> 1: Go is faster),
# then one JSON line. Raw outputs are kept in $OUT_DIR (default: a temp dir, printed).
# Needs PyTorch for /usr/bin/python3 (apt-get install python3-torch; for a fair peer also
# libopenblas0-pthread, see bench/torch_step.py).
set -euo pipefail

cd "$(dirname "$0")/.."
PY=/usr/bin/python3
ROUNDS=5
THREADS=2
KINDS="cgru sgru"
BUILD=1
CGRU="${CGRU:-bin/cgru}"   # binary to build and run (env CGRU overrides)
while [ $# -gt 0 ]; do
  case "$1" in
    -r|--rounds) ROUNDS="$2"; shift 2 ;;
    -t|--threads) THREADS="$2"; shift 2 ;;
    -k|--kinds) KINDS="$2"; shift 2 ;;
    --no-build) BUILD=0; shift ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    *) echo "compare.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done

if [ "$BUILD" = 1 ]; then
  echo "building $CGRU ..." >&2
  GOEXPERIMENT=simd go build -trimpath -o "$CGRU" ./cmd/cgru  # as ./build.sh builds it
fi
[ -x "$CGRU" ] || { echo "compare.sh: $CGRU missing" >&2; exit 1; }

OUT_DIR="${OUT_DIR:-$(mktemp -d /tmp/cgru-compare.XXXXXX)}"
mkdir -p "$OUT_DIR"
echo "raw results in $OUT_DIR" >&2

for r in $(seq 1 "$ROUNDS"); do
  for k in $KINDS; do
    echo "round $r/$ROUNDS  $k: cgru ..." >&2
    "$CGRU" bench --kind "$k" --json --threads "$THREADS" > "$OUT_DIR/cgru-$k-$r.json"
    echo "round $r/$ROUNDS  $k: torch ..." >&2
    "$PY" bench/torch_step.py --kind "$k" --threads "$THREADS" --rounds 3 > "$OUT_DIR/torch-$k-$r.json"
  done
done

"$PY" - "$OUT_DIR" "$ROUNDS" "$THREADS" $KINDS <<'EOF'
import json, statistics, sys

out_dir, rounds, threads, kinds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4:]


def last_json(path):
    # the last line of stdout that parses as a JSON object
    with open(path) as f:
        lines = [l for l in f.read().splitlines() if l.strip()]
    for line in reversed(lines):
        try:
            v = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(v, dict):
            return v
    with open(path) as f:  # a multi-line (indented) JSON document
        return json.load(f)


res = {"threads": threads, "rounds": rounds, "kinds": {}}
torch_version = None
print(f"{'kind':6s} {'cgru train ms':>14s} {'torch train ms':>15s} {'torch/cgru':>11s}"
      f" {'cgru fwd ms':>12s} {'torch fwd ms':>13s}")
for k in kinds:
    c = [last_json(f"{out_dir}/cgru-{k}-{r}.json") for r in range(1, rounds + 1)]
    t = [last_json(f"{out_dir}/torch-{k}-{r}.json") for r in range(1, rounds + 1)]
    torch_version = t[0].get("version")
    ct = [float(v["train_step_ms"]) for v in c]
    tt = [float(v["train_step_ms"]) for v in t]
    cf = [float(v["forward_ms"]) for v in c if "forward_ms" in v]
    tf = [float(v["forward_ms"]) for v in t]
    mc, mt = statistics.median(ct), statistics.median(tt)
    entry = {"cgru_train_step_ms": mc, "torch_train_step_ms": mt, "ratio_torch_over_cgru": mt / mc,
             "cgru_samples_ms": ct, "torch_samples_ms": tt,
             "cgru_forward_ms": statistics.median(cf) if cf else None,
             "torch_forward_ms": statistics.median(tf)}
    res["kinds"][k] = entry
    fwd_c = f"{entry['cgru_forward_ms']:12.2f}" if cf else f"{'-':>12s}"
    print(f"{k:6s} {mc:14.2f} {mt:15.2f} {mt / mc:11.2f} {fwd_c} {entry['torch_forward_ms']:13.2f}")
res["torch_version"] = torch_version
print(json.dumps(res))
EOF
