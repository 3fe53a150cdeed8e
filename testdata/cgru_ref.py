"""Explicit PyTorch reference of the SGRU / CGRU networks and losses (DESIGN.md §2–§3).

Shared by testdata/golden.py and testdata/check_cli.py. Works in any dtype; the
golden values and the CLI checks use float64.

Parameters are a dict of tensors with torch.nn.GRU's names and shapes:
weight_ih [3H×I], weight_hh [3H×H], bias_ih [3H], bias_hh [3H] (row blocks r|z|n),
and for the CGRU weight_hc [H×H], bias_hc [H].
"""

import torch

GRU_NAMES = ["weight_ih", "weight_hh", "bias_ih", "bias_hh"]
CGRU_NAMES = GRU_NAMES + ["weight_hc", "bias_hc"]


def param_names(kind):
    if kind == "cgru":
        return CGRU_NAMES
    if kind == "sgru":
        return GRU_NAMES
    raise ValueError(f"unknown kind {kind!r}")


def param_shapes(kind, I, H):
    s = {
        "weight_ih": (3 * H, I),
        "weight_hh": (3 * H, H),
        "bias_ih": (3 * H,),
        "bias_hh": (3 * H,),
    }
    if kind == "cgru":
        s["weight_hc"] = (H, H)
        s["bias_hc"] = (H,)
    return s


def _gates(p, x_t, h):
    """r, z, n of one GRU step for a batch: x_t [B,I], h [B,H]."""
    H = h.shape[-1]
    gi = x_t @ p["weight_ih"].T + p["bias_ih"]
    gh = h @ p["weight_hh"].T + p["bias_hh"]
    r = torch.sigmoid(gi[:, :H] + gh[:, :H])
    z = torch.sigmoid(gi[:, H:2 * H] + gh[:, H:2 * H])
    n = torch.tanh(gi[:, 2 * H:] + r * gh[:, 2 * H:])
    return r, z, n


def gru_step(p, x_t, h):
    """h_t = (1 − z) ⊙ n + z ⊙ h_{t−1}."""
    _, z, n = _gates(p, x_t, h)
    return (1 - z) * n + z * h


def gru_final(p, x):
    """Final hidden state of each sequence: x [N,T,I] -> [N,H]; h_0 = 0."""
    N, T, _ = x.shape
    H = p["weight_hh"].shape[1]
    h = x.new_zeros(N, H)
    for t in range(T):
        h = gru_step(p, x[:, t], h)
    return h


def cgru_step(p, xa_t, xb_t, ha, hb):
    """One coupled step of both branches (DESIGN §2)."""
    _, za, na = _gates(p, xa_t, ha)
    _, zb, nb = _gates(p, xb_t, hb)
    c = torch.sigmoid((ha + hb) @ p["weight_hc"].T + p["bias_hc"])
    na_c = (1 - c) * na + c * nb
    nb_c = (1 - c) * nb + c * na
    ha = (1 - za) * na_c + za * ha
    hb = (1 - zb) * nb_c + zb * hb
    return ha, hb


def cgru_final(p, xa, xb):
    """Final states of both branches of P pair runs: xa, xb [P,T,I] -> ([P,H], [P,H])."""
    P, T, _ = xa.shape
    H = p["weight_hh"].shape[1]
    ha = xa.new_zeros(P, H)
    hb = xa.new_zeros(P, H)
    for t in range(T):
        ha, hb = cgru_step(p, xa[:, t], xb[:, t], ha, hb)
    return ha, hb


def safe_norm(v):
    """‖v‖₂ along the last axis, with gradient 0 (not NaN) where v = 0."""
    s = (v * v).sum(-1)
    pos = s > 0
    return torch.where(pos, torch.sqrt(torch.where(pos, s, torch.ones_like(s))), torch.zeros_like(s))


def pair_distances(kind, p, a, b):
    """d(a[p], b[p]) for P pairs."""
    if kind == "sgru":
        return safe_norm(gru_final(p, a) - gru_final(p, b))
    ha, hb = cgru_final(p, a, b)
    return safe_norm(ha - hb)


def pair_index(N):
    """All pairs i<j, row-major: (0,1),(0,2),…,(0,N−1),(1,2),…"""
    ii, jj = [], []
    for i in range(N):
        for j in range(i + 1, N):
            ii.append(i)
            jj.append(j)
    return ii, jj


def batch_distances(kind, p, x):
    """Distances of every pair i<j of a batch x [N,T,I], row-major."""
    N = x.shape[0]
    ii, jj = pair_index(N)
    if kind == "sgru":
        h = gru_final(p, x)
        return safe_norm(h[ii] - h[jj])
    ha, hb = cgru_final(p, x[ii], x[jj])  # branch h gets x_i, branch h' gets x_j
    return safe_norm(ha - hb)


def same_matrix(labels):
    ii, jj = pair_index(len(labels))
    return torch.tensor([labels[i] == labels[j] for i, j in zip(ii, jj)], dtype=torch.bool)


def contrastive_loss(d, labels, margin=1.0):
    """(1/|pairs|) Σ [ s d² + (1−s) max(0, m−d)² ]; 0 for a batch with no pairs."""
    if d.numel() == 0:
        return d.sum()
    s = same_matrix(labels)
    per = torch.where(s, d * d, torch.clamp(margin - d, min=0) ** 2)
    return per.mean()


def _pop_var(v):
    return ((v - v.mean()) ** 2).mean()


def structural_loss(d, labels, alpha=1.0, tau=1.0, beta=1.0, t=1.0, w_override=None):
    """Structural loss of DESIGN §3.

    J_ij = d_ij + log(Σ_{k: y_k≠y_i} exp(α − d_ik) + Σ_{k: y_k≠y_j} exp(α − d_jk)) for positive i<j;
    w = softmax over positive pairs of d/τ, detached;
    L_local = ½ Σ w max(0, J)²;
    L_global = Var(d⁺) + Var(d⁻) + max(0, mean(d⁺) − mean(d⁻) + t)   (population variances);
    L = L_local + β L_global.
    A term that needs positive pairs (L_local, Var(d⁺)) or negative pairs (J's log-sum, Var(d⁻))
    is 0 when the batch has none; the mean-gap hinge needs both.
    w_override (tests only) replaces the weights by given constants, so that a finite-difference
    check sees the same function whose gradient autograd computes with w held constant.
    """
    N = len(labels)
    ii, jj = pair_index(N)
    s = same_matrix(labels)
    zero = d.sum() * 0
    has_pos = bool(s.any())
    has_neg = bool((~s).any())

    # full symmetric distance matrix (diagonal unused)
    D = d.new_zeros(N, N)
    if len(ii):
        D = D.index_put((torch.tensor(ii), torch.tensor(jj)), d)
        D = D.index_put((torch.tensor(jj), torch.tensor(ii)), d)
    lab = torch.tensor(labels)
    neg_mask = lab[:, None] != lab[None, :]  # [N,N]

    local = zero
    if has_pos and has_neg:
        pos_idx = [k for k in range(len(ii)) if s[k]]
        dp = d[pos_idx]
        w = torch.softmax(dp.detach() / tau, dim=0) if w_override is None else w_override
        Js = []
        for k in pos_idx:
            i, j = ii[k], jj[k]
            terms = torch.cat([alpha - D[i][neg_mask[i]], alpha - D[j][neg_mask[j]]])
            Js.append(d[k] + torch.logsumexp(terms, dim=0))
        J = torch.stack(Js)
        local = 0.5 * (w * torch.clamp(J, min=0) ** 2).sum()
    # with no negative pairs every J is log(0) = −inf and max(0, J) = 0: L_local = 0.

    glob = zero
    if has_pos:
        glob = glob + _pop_var(d[s])
    if has_neg:
        glob = glob + _pop_var(d[~s])
    if has_pos and has_neg:
        glob = glob + torch.clamp(d[s].mean() - d[~s].mean() + t, min=0)
    return local + beta * glob


def loss_fn(name, d, labels, margin=1.0, alpha=1.0, tau=1.0, beta=1.0, t=1.0):
    if name == "contrastive":
        return contrastive_loss(d, labels, margin)
    if name == "structural":
        return structural_loss(d, labels, alpha, tau, beta, t)
    raise ValueError(f"unknown loss {name!r}")


def loss_and_grads(kind, p, x, labels, loss, **kw):
    """Loss, distances and d loss / d params (autograd of the loss alone)."""
    names = param_names(kind)
    leaves = {n: p[n].detach().clone().requires_grad_(True) for n in names}
    d = batch_distances(kind, leaves, x)
    L = loss_fn(loss, d, labels, **kw)
    grads = torch.autograd.grad(L, [leaves[n] for n in names], allow_unused=True)
    out = {}
    for n, g in zip(names, grads):
        out[n] = torch.zeros_like(leaves[n]) if g is None else g
    return L.detach(), d.detach(), out
