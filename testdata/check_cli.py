#!/usr/bin/python3
"""Check `cgru distance` and `cgru grad` against the PyTorch reference on new random cases.

    /usr/bin/python3 testdata/check_cli.py --cases 20 --seed 7 [--cgru bin/cgru] [--backend cpu]
    /usr/bin/python3 testdata/check_cli.py --cases 20 --seed 8 --backend webgpu

For each case it writes a model file (DESIGN §5), a batch file and a pairs file to a temporary
directory, runs

    cgru distance --model M --pairs P
    cgru grad --model M --batch B --loss contrastive|structural [--margin m] [--alpha a --tau τ --beta b --t t]

parses the JSON on stdout and compares it with float64 autograd (testdata/cgru_ref.py).

Error measure, per tensor (distances of `distance`, and loss, distances and each gradient of `grad`):

    err = max_k |cli_k − ref_k| / max(|ref_k|, floor · S)

where S = max_k |ref_k| over that tensor (the scale of the tensor; if the tensor is all zeros, e.g.
the weight_hh gradient when T = 1, S is the largest |value| of all the gradients of the case). So
elements comparable to the tensor's size are held to a relative error, and elements far below it
(cancellation, exact zeros) to an absolute error of tol·floor·S. floor defaults to 1e-8. The run
fails (exit 1) if any err > --tol (default 1e-6), if the CLI exits non-zero, or if the output is
malformed (missing or extra keys, wrong shapes, non-finite numbers).

With --backend webgpu or auto the CLI computes in float32 on the GPU, and the defaults become the
GPU engine's parity limits: floor 1 (err = max_k |cli_k − ref_k| / S, the largest difference over the
tensor's scale), tol 1e-5 for the loss and the distances and 1e-4 for every gradient tensor.

Loss flags are passed only when they differ from the defaults (1, 1, 1, 1, 1), so the CLI's defaults
are exercised too. Labels cover several classes, gaps in label values, all-same (no negative pairs)
and all-distinct (no positive pairs); T goes down to 1; the CGRU coupling bias is drawn in three
regimes (≈0, ≈−4, N(0,1)).
"""

import argparse
import json
import math
import os
import random
import subprocess
import sys
import tempfile

import torch

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cgru_ref as ref  # noqa: E402

DT = torch.float64
DEF = dict(margin=1.0, alpha=1.0, tau=1.0, beta=1.0, t=1.0)


def rnd_case(k, rng, g):
    kind = ("cgru", "sgru")[k % 2]
    loss = ("contrastive", "structural")[(k // 2) % 2]
    I = rng.randint(1, 4)
    H = rng.randint(1, 6)
    T = rng.choice([1, 2, 3, 5, 8])
    N = rng.randint(2, 8)
    comp = rng.choice(["random", "random", "random", "same", "distinct", "gaps"])
    if comp == "same":
        v = rng.randint(0, 5)
        labels = [v] * N
    elif comp == "distinct":
        labels = rng.sample(range(10), N)
    elif comp == "gaps":
        labels = [rng.choice([3, 7, 11]) for _ in range(N)]
    else:
        C = rng.randint(2, 4)
        labels = [rng.randrange(C) for _ in range(N)]
    prm = dict(DEF)
    if rng.random() < 0.6:
        prm = dict(margin=round(rng.uniform(0.2, 2.0), 3), alpha=round(rng.uniform(-1.0, 2.0), 3),
                   tau=round(rng.uniform(0.3, 2.0), 3), beta=round(rng.uniform(0.0, 1.5), 3),
                   t=round(rng.uniform(-0.5, 1.5), 3))
    scale = rng.choice([0.3, 0.5, 1.0])
    p = {}
    for n, shp in ref.param_shapes(kind, I, H).items():
        p[n] = scale * torch.randn(*shp, generator=g, dtype=DT)
    if kind == "cgru":
        reg = rng.choice(["zero", "weak", "normal"])
        if reg == "zero":
            p["bias_hc"] = 0.1 * torch.randn(H, generator=g, dtype=DT)
        elif reg == "weak":
            p["bias_hc"] = 0.1 * torch.randn(H, generator=g, dtype=DT) - 4.0
        else:
            p["bias_hc"] = torch.randn(H, generator=g, dtype=DT)
    x = torch.randn(N, T, I, generator=g, dtype=DT)
    P = rng.randint(1, 6)
    a = torch.randn(P, T, I, generator=g, dtype=DT)
    b = torch.randn(P, T, I, generator=g, dtype=DT)
    if P >= 2:
        b[0] = a[0]  # a sequence against itself: distance 0
    name = f"{k:03d}_{kind}_{loss}_{comp}_T{T}_H{H}_I{I}_N{N}"
    return dict(name=name, kind=kind, loss=loss, I=I, H=H, T=T, labels=labels, prm=prm,
                p=p, x=x, a=a, b=b)


def model_json(c):
    names = ref.param_names(c["kind"])
    return {"format": "cgru-model", "version": 1, "kind": c["kind"],
            "input_size": c["I"], "hidden_size": c["H"],
            "params": {n: c["p"][n].tolist() for n in names}}


def run_cli(cmd):
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"exit {r.returncode}: {' '.join(cmd)}\n{r.stderr.strip()}")
    try:
        return json.loads(r.stdout)
    except json.JSONDecodeError as e:
        raise RuntimeError(f"stdout is not JSON ({e}): {' '.join(cmd)}\n{r.stdout[:500]}")


def as_tensor(v, shape, what):
    try:
        t = torch.tensor(v, dtype=DT)
    except (TypeError, ValueError) as e:
        raise RuntimeError(f"{what}: not a numeric array ({e})")
    if tuple(t.shape) != tuple(shape):
        raise RuntimeError(f"{what}: shape {tuple(t.shape)}, want {tuple(shape)}")
    if not torch.isfinite(t).all():
        raise RuntimeError(f"{what}: non-finite values")
    return t


def rel_err(got, want, floor, fallback_scale):
    S = want.abs().max().item() if want.numel() else 0.0
    if S == 0.0:
        S = fallback_scale
    if S == 0.0:
        S = 1.0
    den = torch.clamp(want.abs(), min=floor * S)
    return ((got - want).abs() / den).max().item() if want.numel() else 0.0


def check_case(c, cgru, backend, tmp, floor):
    """Returns {tensor: err} for one case; raises RuntimeError on CLI or format failures."""
    kind, loss, prm = c["kind"], c["loss"], c["prm"]
    mpath = os.path.join(tmp, "model.json")
    bpath = os.path.join(tmp, "batch.json")
    ppath = os.path.join(tmp, "pairs.json")
    with open(mpath, "w") as f:
        json.dump(model_json(c), f)
    with open(bpath, "w") as f:
        json.dump({"x": c["x"].tolist(), "labels": c["labels"]}, f)
    with open(ppath, "w") as f:
        json.dump({"a": c["a"].tolist(), "b": c["b"].tolist()}, f)
    extra = ["--backend", backend] if backend else []
    errs = {}

    # distance
    out = run_cli([cgru, "distance", "--model", mpath, "--pairs", ppath] + extra)
    if not isinstance(out, dict) or "distances" not in out:
        raise RuntimeError(f"distance: output lacks 'distances' ({str(out)[:200]})")
    with torch.no_grad():
        want = ref.pair_distances(kind, c["p"], c["a"], c["b"])
    got = as_tensor(out.get("distances"), want.shape, "distance.distances")
    errs["pairs.distances"] = rel_err(got, want, floor, 0.0)

    # grad
    cmd = [cgru, "grad", "--model", mpath, "--batch", bpath, "--loss", loss] + extra
    if loss == "contrastive":
        if prm["margin"] != 1.0:
            cmd += ["--margin", repr(prm["margin"])]
        kw = {"margin": prm["margin"]}
    else:
        if any(prm[k] != 1.0 for k in ("alpha", "tau", "beta", "t")):
            cmd += ["--alpha", repr(prm["alpha"]), "--tau", repr(prm["tau"]),
                    "--beta", repr(prm["beta"]), "--t", repr(prm["t"])]
        kw = {k: prm[k] for k in ("alpha", "tau", "beta", "t")}
    out = run_cli(cmd)
    for key in ("loss", "distances", "grads"):
        if not isinstance(out, dict) or key not in out:
            raise RuntimeError(f"grad: output lacks {key!r} (keys {sorted(out)})")
    L, d, gr = ref.loss_and_grads(kind, c["p"], c["x"], c["labels"], loss, **kw)
    gL = as_tensor(out["loss"], (), "grad.loss")
    gd = as_tensor(out["distances"], d.shape, "grad.distances")
    names = ref.param_names(kind)
    if not isinstance(out["grads"], dict) or set(out["grads"]) != set(names):
        raise RuntimeError(f"grad.grads: keys {sorted(out['grads']) if isinstance(out['grads'], dict) else out['grads']!r}, want {names}")
    gscale = max(gr[n].abs().max().item() for n in names)
    errs["loss"] = rel_err(gL, L, floor, abs(L.item()))
    errs["distances"] = rel_err(gd, d, floor, 0.0)
    for n in names:
        errs[n] = rel_err(as_tensor(out["grads"][n], gr[n].shape, f"grad.grads.{n}"), gr[n], floor, gscale)
    return errs


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cases", type=int, default=20)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--cgru", default="bin/cgru", help="path of the cgru binary (default bin/cgru)")
    ap.add_argument("--backend", default="", help="pass --backend to the CLI (default: not passed)")
    ap.add_argument("--tol", type=float, default=None,
                    help="largest error accepted (default 1e-6; webgpu/auto: 1e-5 for loss and distances, 1e-4 for gradients)")
    ap.add_argument("--floor", type=float, default=None, help="see above (default 1e-8; webgpu/auto: 1)")
    ap.add_argument("--keep", action="store_true", help="keep the case files (printed paths)")
    ap.add_argument("-v", "--verbose", action="store_true", help="print every tensor's error")
    args = ap.parse_args()
    f32 = args.backend in ("webgpu", "auto")
    if args.floor is None:
        args.floor = 1.0 if f32 else 1e-8
    tol_d = args.tol if args.tol is not None else (1e-5 if f32 else 1e-6)
    tol_g = args.tol if args.tol is not None else (1e-4 if f32 else 1e-6)
    args.tol = tol_g

    def tol_of(name):
        return tol_d if name in ("loss", "distances", "pairs.distances") else tol_g

    if not os.path.exists(args.cgru):
        print(f"check_cli: {args.cgru} not found (build it: go build -o bin/cgru ./cmd/cgru)", file=sys.stderr)
        return 2
    rng = random.Random(args.seed)
    g = torch.Generator().manual_seed(args.seed)
    worst = {}
    fails = []
    for k in range(args.cases):
        c = rnd_case(k, rng, g)
        tmp = tempfile.mkdtemp(prefix=f"cgru-check-{k:03d}-")
        try:
            errs = check_case(c, args.cgru, args.backend, tmp, args.floor)
        except RuntimeError as e:
            fails.append(c["name"])
            print(f"FAIL {c['name']}: {e}  (files in {tmp})")
            continue
        bad = {n: e for n, e in errs.items() if not (e <= tol_of(n))}
        m = max(errs.values())
        status = "FAIL" if bad else "ok  "
        print(f"{status} {c['name']:44s} max rel err {m:.2e}" + (f"  over tol: {bad}" if bad else ""))
        if args.verbose:
            for n, e in errs.items():
                print(f"       {n:16s} {e:.3e}")
        if bad:
            fails.append(c["name"])
            print(f"       files kept in {tmp}; labels {c['labels']} params {c['prm']}")
        elif not args.keep:
            for f in os.listdir(tmp):
                os.remove(os.path.join(tmp, f))
            os.rmdir(tmp)
        for n, e in errs.items():
            worst[n] = max(worst.get(n, 0.0), e)
    print("\nmax relative error per tensor over all cases "
          f"(|cli−ref| / max(|ref|, {args.floor:g}·scale)):")
    for n, e in worst.items():
        print(f"  {n:16s} {e:.3e}")
    tols = f"{tol_d:g} loss and distances, {tol_g:g} gradients" if tol_d != tol_g else f"{tol_g:g}"
    print(f"{args.cases - len(fails)}/{args.cases} cases passed (tol {tols}, floor {args.floor:g})")
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
