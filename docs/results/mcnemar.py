#!/usr/bin/env python3
"""Paired comparison of two 1-NN evaluations on the test split (exact McNemar test).

    docs/results/mcnemar.py A-test.json B-test.json [UCI_HAR_DIR]

A and B are `cgru eval --split test --json` outputs (their "pred" lists the
predicted class of every test window, in the order of y_test.txt); the true
classes come from UCI_HAR_DIR/test/y_test.txt (default: the project's shared
copy). Prints how often A is right where B is wrong and the reverse, and the
two-sided exact McNemar p-value. Standard library only.
"""
import json
import math
import sys

def main():
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__)
    har = sys.argv[3] if len(sys.argv) == 4 else "../shared/data/uci-har/UCI HAR Dataset"
    with open(har + "/test/y_test.txt") as f:
        y = [int(line) - 1 for line in f if line.strip()]
    preds = []
    for path in sys.argv[1:3]:
        with open(path) as f:
            e = json.load(f)
        if e.get("split") != "test" or len(e["pred"]) != len(y):
            sys.exit(f"{path}: want a test-split evaluation of {len(y)} windows")
        preds.append(e["pred"])
    a, b = preds
    a_only = sum(1 for i in range(len(y)) if a[i] == y[i] and b[i] != y[i])
    b_only = sum(1 for i in range(len(y)) if a[i] != y[i] and b[i] == y[i])
    n, k = a_only + b_only, min(a_only, b_only)
    p = min(1.0, 2 * sum(math.comb(n, i) for i in range(k + 1)) / 2 ** n) if n else 1.0
    acc = lambda pr: sum(1 for i in range(len(y)) if pr[i] == y[i]) / len(y)
    print(f"A {sys.argv[1]}: accuracy {acc(a):.4f}")
    print(f"B {sys.argv[2]}: accuracy {acc(b):.4f}")
    print(f"A right, B wrong: {a_only}; B right, A wrong: {b_only}; exact McNemar p = {p:.3g}")

main()
