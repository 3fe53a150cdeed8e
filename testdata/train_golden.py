#!/usr/bin/env python3
"""Golden values for cgru's training step (DESIGN.md §4), from torch.optim.Adam.

Three steps on one fixed batch, for both kinds: the pair loss (contrastive or
structural), plus for the CGRU 0.01·‖W_hc‖_F, clip_grad_norm_ to a max norm,
torch.optim.Adam(lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-4). The clip
norm is chosen below the gradient norm so that clipping acts.

    /usr/bin/python3 testdata/train_golden.py > testdata/train_golden.json

Format: {"magic": "cgru-train-golden", "version": 1, "cases": [{name, kind,
input_size, hidden_size, params (initial), x, labels, loss, lr, clip, coupling,
steps: [{loss, penalty, grad_norm, params (after the step)}]}]}.
"""
import json
import sys

import torch

sys.path.insert(0, __file__.rsplit("/", 1)[0])
import cgru_ref as ref  # noqa: E402

DT = torch.float64


def case(g, name, kind, loss, clip):
    I, H, N, T = 3, 4, 6, 5
    p = {n: 0.5 * torch.randn(*s, generator=g, dtype=DT) for n, s in ref.param_shapes(kind, I, H).items()}
    x = torch.randn(N, T, I, generator=g, dtype=DT)
    labels = [0, 1, 2, 0, 1, 2]
    names = ref.param_names(kind)
    leaves = [p[n].clone().requires_grad_(True) for n in names]
    opt = torch.optim.Adam(leaves, lr=1e-2, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-4)
    out = {"name": name, "kind": kind, "input_size": I, "hidden_size": H,
           "params": {n: p[n].tolist() for n in names}, "x": x.tolist(), "labels": labels,
           "loss": loss, "lr": 1e-2, "clip": clip, "coupling": 0.01, "steps": []}
    for _ in range(3):
        opt.zero_grad()
        cur = dict(zip(names, leaves))
        d = ref.batch_distances(kind, cur, x)
        L = ref.loss_fn(loss, d, labels)
        pen = torch.zeros((), dtype=DT)
        if kind == "cgru":
            pen = 0.01 * torch.linalg.norm(cur["weight_hc"])
        (L + pen).backward()
        gn = torch.nn.utils.clip_grad_norm_(leaves, clip)
        opt.step()
        out["steps"].append({"loss": L.item(), "penalty": pen.item(), "grad_norm": gn.item(),
                             "params": {n: t.detach().tolist() for n, t in zip(names, leaves)}})
    return out


def main():
    torch.manual_seed(0)
    g = torch.Generator().manual_seed(20261203)
    cases = [case(g, "cgru_contrastive", "cgru", "contrastive", 0.05),
             case(g, "sgru_contrastive", "sgru", "contrastive", 0.05),
             case(g, "cgru_structural", "cgru", "structural", 0.5),
             case(g, "sgru_structural_noclip", "sgru", "structural", 1e9)]
    json.dump({"magic": "cgru-train-golden", "version": 1,
               "generator": f"testdata/train_golden.py (torch {torch.__version__})", "cases": cases},
              sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
