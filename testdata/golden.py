#!/usr/bin/python3
"""Golden values for the Go engine: SGRU / CGRU distances, losses and parameter gradients.

Run from the repository root (or anywhere):

    /usr/bin/python3 testdata/golden.py            # writes testdata/golden.json
    /usr/bin/python3 testdata/golden.py --out F    # writes F instead

Everything is float64. The networks and losses are the explicit implementation in
testdata/cgru_ref.py (DESIGN.md §2–§3); before writing anything the script asserts:
  * the explicit GRU equals torch.nn.GRU (float64) on random sizes;
  * a CGRU whose coupling gate is shut (c = 0) is exactly two GRUs, and c = 0.5 gives
    equal coupled new states; the CGRU distance is symmetric in its two inputs;
  * the torch losses equal an independent plain-Python (math module) implementation;
  * torch.autograd.gradcheck (finite differences) of the loss w.r.t. all parameters, for both
    kinds and both losses (for the structural loss with the hardness weights w held at their
    value at the base point, since the backward pass treats them as constants).
The data are deterministic (torch.manual_seed / torch.Generator; no numpy).
"""

import argparse
import json
import math
import os
import sys

import torch

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cgru_ref as ref  # noqa: E402

DT = torch.float64
SEED = 20240611

DEFAULTS = dict(margin=1.0, alpha=1.0, tau=1.0, beta=1.0, t=1.0)
NONDEF = dict(margin=0.5, alpha=0.7, tau=0.5, beta=0.3, t=0.2)


# ---------------------------------------------------------------------------------------------
# random data

def rand_params(g, kind, I, H, coupling="zero"):
    """GRU weights/biases N(0, 0.5²); coupling weights N(0, 0.5²) and bias ≈0 or ≈−4."""
    p = {}
    for n, shp in ref.param_shapes(kind, I, H).items():
        p[n] = 0.5 * torch.randn(*shp, generator=g, dtype=DT)
    if kind == "cgru":
        b = 0.1 * torch.randn(H, generator=g, dtype=DT)
        p["bias_hc"] = b if coupling == "zero" else b - 4.0
    return p


def rand_x(g, N, T, I):
    return torch.randn(N, T, I, generator=g, dtype=DT)


# ---------------------------------------------------------------------------------------------
# self-tests

def check_gru_against_nn():
    g = torch.Generator().manual_seed(1)
    for I, H, T, N in [(1, 2, 1, 3), (3, 5, 7, 4), (9, 20, 16, 5), (4, 3, 2, 1)]:
        p = rand_params(g, "sgru", I, H)
        x = rand_x(g, N, T, I)
        gru = torch.nn.GRU(I, H, num_layers=1, batch_first=True, dtype=DT)
        with torch.no_grad():
            gru.weight_ih_l0.copy_(p["weight_ih"])
            gru.weight_hh_l0.copy_(p["weight_hh"])
            gru.bias_ih_l0.copy_(p["bias_ih"])
            gru.bias_hh_l0.copy_(p["bias_hh"])
            out, hn = gru(x)
        # every step, not only the last
        h = x.new_zeros(N, H)
        for t in range(T):
            h = ref.gru_step(p, x[:, t], h)
            err = (h - out[:, t]).abs().max().item()
            assert err < 1e-13, f"explicit GRU != nn.GRU (I={I} H={H} t={t}): {err}"
        assert (ref.gru_final(p, x) - hn[0]).abs().max().item() < 1e-13
    print("ok  explicit GRU step == torch.nn.GRU (float64)", file=sys.stderr)


def check_cgru_limits():
    g = torch.Generator().manual_seed(2)
    I, H, T, P = 3, 5, 7, 4
    p = rand_params(g, "cgru", I, H)
    a, b = rand_x(g, P, T, I), rand_x(g, P, T, I)
    # c = 0: each branch is exactly a GRU
    q = dict(p)
    q["weight_hc"] = torch.zeros(H, H, dtype=DT)
    q["bias_hc"] = torch.full((H,), -800.0, dtype=DT)  # sigmoid(−800) == 0.0 in float64
    ha, hb = ref.cgru_final(q, a, b)
    assert torch.equal(ha, ref.gru_final(p, a)) and torch.equal(hb, ref.gru_final(p, b))
    # c = 0.5: the two coupled new states are equal (one step from h_0 = 0: h = (1−z)·ñ)
    q["bias_hc"] = torch.zeros(H, dtype=DT)
    _, za, na = ref._gates(p, a[:, 0], a.new_zeros(P, H))
    _, zb, nb = ref._gates(p, b[:, 0], a.new_zeros(P, H))
    ha, hb = ref.cgru_step(q, a[:, 0], b[:, 0], a.new_zeros(P, H), a.new_zeros(P, H))
    assert torch.allclose(ha / (1 - za), hb / (1 - zb), atol=1e-14, rtol=0)
    assert torch.allclose(ha / (1 - za), (na + nb) / 2, atol=1e-14, rtol=0)
    # symmetry and d(x, x) = 0
    d1 = ref.pair_distances("cgru", p, a, b)
    d2 = ref.pair_distances("cgru", p, b, a)
    assert (d1 - d2).abs().max().item() < 1e-14, "CGRU distance not symmetric"
    assert torch.equal(ref.pair_distances("cgru", p, a, a), torch.zeros(P, dtype=DT))
    print("ok  CGRU: c=0 is two GRUs, c=0.5 equal new states, symmetric, d(x,x)=0", file=sys.stderr)


def py_contrastive(d, labels, m):
    ii, jj = ref.pair_index(len(labels))
    tot = 0.0
    for k, (i, j) in enumerate(zip(ii, jj)):
        tot += d[k] ** 2 if labels[i] == labels[j] else max(0.0, m - d[k]) ** 2
    return tot / len(d)


def py_structural(d, labels, alpha, tau, beta, t):
    N = len(labels)
    ii, jj = ref.pair_index(N)
    D = [[0.0] * N for _ in range(N)]
    for k, (i, j) in enumerate(zip(ii, jj)):
        D[i][j] = D[j][i] = d[k]
    pos = [k for k, (i, j) in enumerate(zip(ii, jj)) if labels[i] == labels[j]]
    neg = [k for k, (i, j) in enumerate(zip(ii, jj)) if labels[i] != labels[j]]
    local = 0.0
    if pos and neg:
        Z = sum(math.exp(d[k] / tau) for k in pos)
        for k in pos:
            i, j = ii[k], jj[k]
            s = sum(math.exp(alpha - D[i][q]) for q in range(N) if labels[q] != labels[i])
            s += sum(math.exp(alpha - D[j][q]) for q in range(N) if labels[q] != labels[j])
            J = d[k] + math.log(s)
            local += 0.5 * (math.exp(d[k] / tau) / Z) * max(0.0, J) ** 2

    def var(v):
        mu = sum(v) / len(v)
        return sum((e - mu) ** 2 for e in v) / len(v)

    glob = 0.0
    if pos:
        glob += var([d[k] for k in pos])
    if neg:
        glob += var([d[k] for k in neg])
    if pos and neg:
        glob += max(0.0, sum(d[k] for k in pos) / len(pos) - sum(d[k] for k in neg) / len(neg) + t)
    return local + beta * glob


def check_losses_plain():
    g = torch.Generator().manual_seed(3)
    for labels in ([0, 1, 2, 0, 1, 2, 0], [0, 0, 0, 0], [0, 1, 2, 3], [2, 0, 2, 0, 0], [5, 5]):
        N = len(labels)
        d = 2 * torch.rand(N * (N - 1) // 2, generator=g, dtype=DT)
        dl = d.tolist()
        for prm in (DEFAULTS, NONDEF, dict(margin=1.3, alpha=-1.5, tau=2.0, beta=0.0, t=-0.3)):
            a = ref.contrastive_loss(d, labels, prm["margin"]).item()
            b = py_contrastive(dl, labels, prm["margin"])
            assert abs(a - b) <= 1e-14 * max(1.0, abs(b)), (labels, a, b)
            kw = {k: prm[k] for k in ("alpha", "tau", "beta", "t")}
            a = ref.structural_loss(d, labels, **kw).item()
            b = py_structural(dl, labels, **kw)
            assert abs(a - b) <= 1e-13 * max(1.0, abs(b)), (labels, prm, a, b)
    print("ok  torch losses == plain-Python losses", file=sys.stderr)


def check_gradcheck():
    g = torch.Generator().manual_seed(4)
    for kind in ("cgru", "sgru"):
        for loss, labels, prm in (("contrastive", [0, 1, 0, 2, 1], NONDEF),
                                  ("structural", [0, 1, 0, 2, 1], NONDEF),
                                  ("structural", [1, 1, 0, 0, 2], DEFAULTS)):
            I, H, T = 2, 3, 3
            p = rand_params(g, kind, I, H, "zero" if loss == "contrastive" else "weak")
            x = rand_x(g, len(labels), T, I)
            names = ref.param_names(kind)
            kw = {k: prm[k] for k in ("alpha", "tau", "beta", "t")}
            w0 = None
            if loss == "structural":
                d0 = ref.batch_distances(kind, p, x)
                s = ref.same_matrix(labels)
                w0 = torch.softmax(d0[s] / prm["tau"], dim=0)

            def f(*tensors):
                q = dict(zip(names, tensors))
                d = ref.batch_distances(kind, q, x)
                if loss == "contrastive":
                    return ref.contrastive_loss(d, labels, prm["margin"])
                return ref.structural_loss(d, labels, w_override=w0, **kw)

            inputs = tuple(p[n].clone().requires_grad_(True) for n in names)
            assert torch.autograd.gradcheck(f, inputs, eps=1e-6, atol=1e-8, rtol=1e-6), (kind, loss)
            # and the production path (w detached inside) gives the same gradient at the base point
            _, _, gr = ref.loss_and_grads(kind, p, x, labels, loss, **prm)
            L = f(*inputs)
            ga = torch.autograd.grad(L, inputs)
            for n, a in zip(names, ga):
                assert torch.allclose(a, gr[n], atol=1e-14, rtol=1e-12), (kind, loss, n)
    print("ok  gradcheck (finite differences) of the autograd gradients, both kinds, both losses",
          file=sys.stderr)


# ---------------------------------------------------------------------------------------------
# cases

def tolist(t):
    return t.tolist()


def choose_between(values, lo_frac=0.5):
    """A round-ish number between two neighbours near the given fraction of sorted values,
    at least 10 % of their gap from both."""
    v = sorted(values)
    best = None
    for k in range(len(v) - 1):
        a, b = v[k], v[k + 1]
        if b - a < 1e-3:
            continue
        score = abs((k + 0.5) / len(v) - lo_frac) - (b - a)
        if best is None or score < best[0]:
            best = (score, a, b)
    _, a, b = best
    for digits in (1, 2, 3, 4, 6):
        c = round((a + b) / 2, digits)
        if a + 0.1 * (b - a) < c < b - 0.1 * (b - a):
            return c
    return (a + b) / 2


def make_case(g, name, kind, loss, T, H, I, labels, prm, coupling, special=None):
    p = rand_params(g, kind, I, H, coupling)
    x = rand_x(g, len(labels), T, I)
    prm = dict(prm)
    info = ""
    if special == "hinge_mixed":
        # margin between the negative-pair distances: the hinge is active for some, not others
        d = ref.batch_distances(kind, p, x)
        s = ref.same_matrix(labels)
        dn = d[~s].tolist()
        prm["margin"] = choose_between(dn)
        act = sum(1 for v in dn if v < prm["margin"])
        assert 0 < act < len(dn)
        info = f"margin {prm['margin']}: hinge active for {act}/{len(dn)} negative pairs"
    if special == "J_mixed":
        # alpha such that J < 0 for some positive pairs and > 0 for others (J = α + K),
        # t such that the mean-gap hinge is inactive
        d = ref.batch_distances(kind, p, x)
        s = ref.same_matrix(labels)
        lab = labels
        ii, jj = ref.pair_index(len(lab))
        N = len(lab)
        D = [[0.0] * N for _ in range(N)]
        for k, (i, j) in enumerate(zip(ii, jj)):
            D[i][j] = D[j][i] = d[k].item()
        K = []
        for k, (i, j) in enumerate(zip(ii, jj)):
            if lab[i] != lab[j]:
                continue
            tot = sum(math.exp(-D[i][q]) for q in range(N) if lab[q] != lab[i])
            tot += sum(math.exp(-D[j][q]) for q in range(N) if lab[q] != lab[j])
            K.append(d[k].item() + math.log(tot))
        prm["alpha"] = -choose_between(K)
        gap = d[s].mean().item() - d[~s].mean().item()
        prm["t"] = round(-gap - 0.25, 2)  # mean(d+) − mean(d−) + t ≈ −0.25 < 0
        nact = sum(1 for k in K if k + prm["alpha"] > 0)
        assert 0 < nact < len(K)
        info = f"alpha {prm['alpha']}: J>0 for {nact}/{len(K)} positive pairs; global hinge off"

    kw = dict(prm) if loss == "structural" else {"margin": prm["margin"]}
    if loss == "structural":
        kw.pop("margin")
    L, d, gr = ref.loss_and_grads(kind, p, x, labels, loss, **kw)
    assert torch.isfinite(L) and torch.isfinite(d).all()
    assert all(torch.isfinite(v).all() for v in gr.values())
    assert (d > 1e-6).all(), "grad cases keep all distances away from 0"
    names = ref.param_names(kind)
    case = {
        "name": name, "kind": kind, "input_size": I, "hidden_size": H,
        "params": {n: tolist(p[n]) for n in names},
        "x": tolist(x), "labels": list(labels), "loss": loss,
        "margin": prm["margin"], "alpha": prm["alpha"], "tau": prm["tau"],
        "beta": prm["beta"], "t": prm["t"],
        "expect": {"loss": L.item(), "distances": tolist(d), "grads": {n: tolist(gr[n]) for n in names}},
    }
    if not info and loss == "structural":
        s = ref.same_matrix(labels)
        if s.any() and (~s).any():
            on = d[s].mean().item() - d[~s].mean().item() + prm["t"] > 0
            info = f"global hinge {'on' if on else 'off'}"
    print(f"    {name:36s} T={T} H={H} I={I} N={len(labels)} loss={L.item():.6g} {info}", file=sys.stderr)
    return case


def all_cases():
    g = torch.Generator().manual_seed(SEED)
    specs = [
        # suffix, loss, T, H, I, labels, loss params, coupling regime, special
        ("contrastive_multi", "contrastive", 3, 5, 3, [0, 1, 2, 0, 1, 2], DEFAULTS, "zero", None),
        ("contrastive_margin05_T7", "contrastive", 7, 2, 1, [0, 0, 1, 1, 1], NONDEF, "weak", None),
        ("contrastive_hinge_mixed", "contrastive", 3, 5, 3, [0, 1, 2, 3, 0, 1, 2, 3], DEFAULTS, "zero",
         "hinge_mixed"),
        ("contrastive_absent_class_T1", "contrastive", 1, 5, 3, [0, 2, 2, 0, 2], DEFAULTS, "weak", None),
        ("contrastive_all_same", "contrastive", 3, 2, 3, [1, 1, 1, 1], DEFAULTS, "zero", None),
        ("contrastive_all_distinct", "contrastive", 3, 5, 1, [0, 1, 2, 3], NONDEF, "weak", None),
        ("structural_defaults_T7", "structural", 7, 5, 3, [0, 1, 2, 0, 1, 2, 0, 1], DEFAULTS, "zero", None),
        ("structural_params", "structural", 3, 5, 3, [0, 0, 1, 1, 2, 2], NONDEF, "weak", None),
        ("structural_absent_class", "structural", 3, 2, 1, [2, 0, 0, 2, 2, 0], NONDEF, "zero", None),
        ("structural_all_same", "structural", 3, 5, 3, [0, 0, 0, 0, 0], DEFAULTS, "weak", None),
        ("structural_all_distinct_T1", "structural", 1, 5, 3, [0, 1, 2, 3], NONDEF, "zero", None),
        ("structural_T1_H2_I1", "structural", 1, 2, 1, [0, 1, 0, 1, 0, 1, 1], DEFAULTS, "weak", None),
        ("structural_J_mixed", "structural", 3, 5, 3, [0, 1, 2, 0, 1, 2, 0, 1], NONDEF, "zero", "J_mixed"),
    ]
    cases = []
    for kind in ("cgru", "sgru"):
        for suffix, loss, T, H, I, labels, prm, coupling, special in specs:
            cases.append(make_case(g, f"{kind}_{suffix}", kind, loss, T, H, I, labels, prm, coupling, special))
    return cases


def pair_cases():
    g = torch.Generator().manual_seed(SEED + 1)
    out = []
    for kind in ("cgru", "sgru"):
        for name, T, H, I, coupling in (("T7_H5_I3", 7, 5, 3, "zero"), ("T1_H2_I1", 1, 2, 1, "weak"),
                                        ("T3_H5_I1_weak", 3, 5, 1, "weak")):
            if kind == "sgru" and coupling == "weak" and T == 3:
                continue
            p = rand_params(g, kind, I, H, coupling)
            u = rand_x(g, 4, T, I)
            # pairs: (u0,u1), (u1,u0) (symmetry), (u2,u2) (itself: 0), (u3,u0), (u0+tiny, u0)
            a = torch.stack([u[0], u[1], u[2], u[3], u[0] + 1e-3])
            b = torch.stack([u[1], u[0], u[2], u[0], u[0]])
            d = ref.pair_distances(kind, p, a, b)
            assert d[2].item() == 0.0
            names = ref.param_names(kind)
            out.append({"name": f"{kind}_pairs_{name}", "kind": kind, "input_size": I, "hidden_size": H,
                        "params": {n: tolist(p[n]) for n in names},
                        "a": tolist(a), "b": tolist(b), "distances": tolist(d)})
            print(f"    {out[-1]['name']:36s} distances {[f'{v:.4g}' for v in d.tolist()]}", file=sys.stderr)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "golden.json"))
    ap.add_argument("--skip-selftest", action="store_true", help="skip the self-tests (not recommended)")
    args = ap.parse_args()
    torch.manual_seed(SEED)
    torch.set_default_dtype(DT)
    if not args.skip_selftest:
        check_gru_against_nn()
        check_cgru_limits()
        check_losses_plain()
        check_gradcheck()
    print("cases:", file=sys.stderr)
    cases = all_cases()
    print("pair cases:", file=sys.stderr)
    pcs = pair_cases()
    ver = ".".join(torch.__version__.split(".")[:2])
    doc = {"magic": "cgru-golden", "version": 1, "dtype": "float64",
           "generator": f"testdata/golden.py (torch {ver})",
           "cases": cases, "pair_cases": pcs}
    # compact numbers, but one case per line so that diffs stay readable
    def enc(v):
        return json.dumps(v, allow_nan=False, separators=(",", ":"))

    head = {k: v for k, v in doc.items() if k not in ("cases", "pair_cases")}
    text = enc(head)[:-1]
    for key in ("cases", "pair_cases"):
        text += ',\n"%s":[\n' % key + ",\n".join(enc(c) for c in doc[key]) + "\n]"
    text += "}"
    # every float must survive the round trip exactly (Python's repr is the shortest exact form)
    back = json.loads(text)
    assert back == doc
    with open(args.out, "w") as f:
        f.write(text)
        f.write("\n")
    print(f"wrote {args.out}: {len(cases)} cases, {len(pcs)} pair cases, {len(text)} bytes", file=sys.stderr)


if __name__ == "__main__":
    main()
