#!/usr/bin/python3
"""PyTorch anchor for one training step of the SGRU / CGRU (the peer of `cgru bench`).

    /usr/bin/python3 bench/torch_step.py --kind cgru|sgru [--threads 2] [--rounds 5] [--warmup 2]

One class-balanced batch of 36 windows (6 classes × 6), T = 128, I = 9, H = 20, float32, inputs
N(0, 1). Parameters: PyTorch's GRU initialisation U(−1/√H, 1/√H); for the CGRU the coupling in the
`weak` regime (weights N(0, 0.1²), bias −4).

  * CGRU: every pair i<j is its own run — 630 pair runs, batched: the input projections
    W_ih x + b_ih are computed once per window and gathered for the pairs, then an explicit Python
    loop over the 128 steps of batched tensor ops, both branches stacked in one [1260×H] matmul.
  * SGRU: torch.nn.GRU over the 36 windows, then the 630 pairwise distances of the final states.

Training step = forward (distances, contrastive loss with margin 1, plus for the CGRU the coupling
penalty 0.01·‖W_hc‖_F of the training loss, DESIGN §3) + backward + clip_grad_norm_(6) + Adam
(lr 1e-3, weight_decay 1e-4) step + zero_grad. `--warmup` steps (default 3) are run first and not counted;
then `--rounds` steps are timed one by one.

Prints one JSON line:
  {"impl":"torch","version":…,"kind":…,"threads":…,"batch":36,"pairs":630,"T":128,"I":9,"H":20,
   "train_step_ms": median, "forward_ms": median, "train_forward_ms": median, "samples_ms": […], …}
where forward_ms is the forward pass alone (distances and loss of the batch) under torch.no_grad(),
timed separately, and train_forward_ms is the forward part inside the timed training steps
(with the autograd graph being built).
"""

import argparse
import json
import math
import os
import statistics
import time

# Debian's torch links the system libblas.so.3 (BLAS_INFO=generic): with the reference BLAS
# (package libblas3) a [1260×20]×[20×60] matmul takes ~700 µs, with OpenBLAS
# (apt-get install libopenblas0-pthread, which takes over the libblas.so.3 alternative) ~80 µs.
# OpenBLAS's own pthreads on top of torch's OpenMP threads oversubscribe the cores and make the
# timings erratic, so BLAS runs single-threaded unless the caller says otherwise; torch's
# intra-op threads are --threads.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import torch  # noqa: E402


def blas_library():
    """Which libblas the process actually mapped (reference, openblas, mkl, …)."""
    try:
        with open("/proc/self/maps") as f:
            libs = {line.split()[-1] for line in f if "blas" in line.lower() or "mkl" in line.lower()}
    except OSError:
        return "unknown"
    for key in ("openblas", "mkl", "blis", "atlas"):
        if any(key in lib.lower() for lib in libs):
            return key
    return "reference" if libs else "unknown"

N_CLASSES, PER_CLASS, T, I, H = 6, 6, 128, 9, 20


class Net(torch.nn.Module):
    def __init__(self, kind):
        super().__init__()
        self.kind = kind
        k = 1 / math.sqrt(H)

        def u(*shape):
            return torch.nn.Parameter(torch.empty(*shape).uniform_(-k, k))

        self.weight_ih, self.weight_hh = u(3 * H, I), u(3 * H, H)
        self.bias_ih, self.bias_hh = u(3 * H), u(3 * H)
        if kind == "cgru":
            self.weight_hc = torch.nn.Parameter(0.1 * torch.randn(H, H))
            self.bias_hc = torch.nn.Parameter(torch.full((H,), -4.0))
        else:
            self.gru = torch.nn.GRU(I, H, num_layers=1, batch_first=True)
            with torch.no_grad():
                self.gru.weight_ih_l0.copy_(self.weight_ih)
                self.gru.weight_hh_l0.copy_(self.weight_hh)
                self.gru.bias_ih_l0.copy_(self.bias_ih)
                self.gru.bias_hh_l0.copy_(self.bias_hh)
            # the nn.GRU owns the parameters in the SGRU
            del self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh

    def distances(self, x, ii, jj):
        if self.kind == "sgru":
            _, hn = self.gru(x)
            h = hn[0]
            return torch.linalg.norm(h[ii] - h[jj], dim=1)
        P = ii.numel()
        gi = torch.nn.functional.linear(x, self.weight_ih, self.bias_ih)  # [N,T,3H], once per window
        g = torch.cat([gi[ii], gi[jj]], dim=0)  # [2P,T,3H]: branch h rows 0..P−1, branch h' rows P..2P−1
        h = x.new_zeros(2 * P, H)
        # unbind once: a per-step g[:, t] would make autograd materialise a full-size zero
        # gradient of g for every step (≈ 40 MB × 128 per backward)
        for gt in g.unbind(1):
            gh = torch.nn.functional.linear(h, self.weight_hh, self.bias_hh)
            r = torch.sigmoid(gt[:, :H] + gh[:, :H])
            z = torch.sigmoid(gt[:, H:2 * H] + gh[:, H:2 * H])
            n = torch.tanh(gt[:, 2 * H:] + r * gh[:, 2 * H:])
            ha, hb = h[:P], h[P:]
            c = torch.sigmoid(torch.nn.functional.linear(ha + hb, self.weight_hc, self.bias_hc))
            na, nb = n[:P], n[P:]
            dn = c * (nb - na)  # ñ = (1−c)n + c n' = n + c(n' − n); ñ' = n' − c(n' − n)
            nt = torch.cat([na + dn, nb - dn], dim=0)
            h = (1 - z) * nt + z * h
        return torch.linalg.norm(h[:P] - h[P:], dim=1)


def contrastive(d, same, margin=1.0):
    return torch.where(same, d * d, torch.clamp(margin - d, min=0) ** 2).mean()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--kind", choices=["cgru", "sgru"], default="cgru")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)

    labels = torch.arange(N_CLASSES).repeat_interleave(PER_CLASS)
    N = labels.numel()
    x = torch.randn(N, T, I)
    iu = torch.triu_indices(N, N, offset=1)
    ii, jj = iu[0], iu[1]  # row-major i<j
    same = labels[ii] == labels[jj]

    net = Net(args.kind)
    params = list(net.parameters())
    opt = torch.optim.Adam(params, lr=1e-3, weight_decay=1e-4)

    def step():
        t0 = time.perf_counter()
        d = net.distances(x, ii, jj)
        loss = contrastive(d, same)
        if args.kind == "cgru":
            loss = loss + 0.01 * torch.linalg.norm(net.weight_hc)
        t1 = time.perf_counter()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 6.0)
        opt.step()
        opt.zero_grad(set_to_none=True)
        t2 = time.perf_counter()
        return (t2 - t0) * 1e3, (t1 - t0) * 1e3, loss.item()

    def forward():
        with torch.no_grad():
            t0 = time.perf_counter()
            d = net.distances(x, ii, jj)
            contrastive(d, same).item()
            return (time.perf_counter() - t0) * 1e3

    for _ in range(args.warmup):
        step()
        forward()
    samples, fwd_in_step, fwd, losses = [], [], [], []
    for _ in range(args.rounds):
        ms, fms, L = step()
        samples.append(ms)
        fwd_in_step.append(fms)
        losses.append(L)
        fwd.append(forward())

    out = {"impl": "torch", "version": torch.__version__, "kind": args.kind, "threads": args.threads,
           "blas": blas_library(), "openblas_threads": os.environ.get("OPENBLAS_NUM_THREADS"),
           "batch": N, "pairs": int(ii.numel()), "T": T, "I": I, "H": H, "dtype": "float32",
           "train_step_ms": round(statistics.median(samples), 3),
           "forward_ms": round(statistics.median(fwd), 3),
           "train_forward_ms": round(statistics.median(fwd_in_step), 3),
           "samples_ms": [round(v, 3) for v in samples],
           "forward_samples_ms": [round(v, 3) for v in fwd],
           "rounds": args.rounds, "warmup": args.warmup,
           "loadavg_1m": round(os.getloadavg()[0], 2),
           "loss_first": losses[0], "loss_last": losses[-1]}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
