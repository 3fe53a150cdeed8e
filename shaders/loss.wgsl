// loss.wgsl — the pair loss of a batch and its gradient dL/dd with respect to
// every distance (DESIGN.md §3, model/loss.go), in one workgroup so that the
// training step needs no readback before its backward pass.
//
// Bindings (group 0):
//   0  uniform              dims: Dims (n sequences, p = n(n−1)/2 pairs, loss and its parameters)
//   1  storage, read        labels: array<i32>  [N]
//   2  storage, read        pairs: array<u32>   [P][2] all pairs i<j, row-major
//   3  storage, read_write  dd: array<f32>      header [RES] | d [P] | dL/dd [P] | scratch [3P]
// Workgroup size: WG = 256; invocation l handles pairs l, l+256, …
// Dispatch: (1, 1, 1).
//
// Sums over pairs are tree reductions over the 256 invocations in a fixed
// order, so the result is the same on every run. Contrastive, margin m:
//   L = (1/P) Σ s·d² + (1 − s)·max(0, m − d)²
// Structural (model.Structural): per positive pair (i,j), with k over the
// negatives of i (= those of j),
//   m_ij = max_k max(α − d_ik, α − d_jk),  S_ij = Σ_k e^{α−d_ik−m} + e^{α−d_jk−m},
//   J_ij = d_ij + m_ij + log S_ij,  w_ij = e^{d_ij/τ − max}/Z (held constant),
//   L_local = ½ Σ w·max(0, J)²,  L_global = Var d⁺ + Var d⁻ + max(0, mean d⁺ − mean d⁻ + t).
// The gradient of a negative pair (a,b) gathers, from every positive pair Q
// that holds a (or b), −g_Q·e^{α−d_ab−m_Q}/S_Q with g_Q = w_Q·J_Q: scratch
// keeps g_Q, m_Q and S_Q at RES + 2P + {0, P, 2P} + Q.

@group(0) @binding(0) var<uniform> dims: Dims;
@group(0) @binding(1) var<storage, read> labels: array<i32>;
@group(0) @binding(2) var<storage, read> pairs: array<u32>;
@group(0) @binding(3) var<storage, read_write> dd: array<f32>;

// sum and maxv over the workgroup: workgroup.wgsl.

fn dist(n: u32, i: u32, j: u32) -> f32 {
    return dd[dist_at(pair_index(n, min(i, j), max(i, j)))];
}

const NEG_INF: f32 = -3.0e38;

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_index) l: u32) {
    let P = dims.p;
    let N = dims.n;
    let gof = RES + P;          // dL/dd
    let gq = RES + 2u * P;      // g_Q
    let mq = RES + 3u * P;      // m_Q
    let sq = RES + 4u * P;      // S_Q

    if (dims.loss == 0u) {
        // Contrastive.
        let scale = 1.0 / f32(P);
        var acc = 0.0;
        for (var q = l; q < P; q += WG) {
            let d = dd[RES + q];
            var g = 0.0;
            if (labels[pairs[2u * q]] == labels[pairs[2u * q + 1u]]) {
                acc += d * d;
                g = 2.0 * d;
            } else {
                let h = dims.margin - d;
                if (h > 0.0) {
                    acc += h * h;
                    g = -2.0 * h;
                }
            }
            dd[gof + q] = g * scale;
        }
        let total = sum(l, acc);
        if (l == 0u) {
            dd[R_LOSS] = total * scale;
        }
        return;
    }

    // Structural. Counts, sums and the largest d/τ of the positive pairs.
    let tau = dims.tau;
    let alpha = dims.alpha;
    var cp = 0.0;
    var cn = 0.0;
    var sp = 0.0;
    var sn = 0.0;
    var mx = NEG_INF;
    for (var q = l; q < P; q += WG) {
        let d = dd[RES + q];
        if (labels[pairs[2u * q]] == labels[pairs[2u * q + 1u]]) {
            cp += 1.0;
            sp += d;
            mx = max(mx, d / tau);
        } else {
            cn += 1.0;
            sn += d;
        }
    }
    let npos = sum(l, cp);
    let nneg = sum(l, cn);
    let spos = sum(l, sp);
    let sneg = sum(l, sn);
    let maxPos = maxv(l, mx);
    var mp = 0.0;
    var mn = 0.0;
    if (npos > 0.0) {
        mp = spos / npos;
    }
    if (nneg > 0.0) {
        mn = sneg / nneg;
    }
    // Variances and the normaliser Z of the weights.
    var vpa = 0.0;
    var vna = 0.0;
    var za = 0.0;
    for (var q = l; q < P; q += WG) {
        let d = dd[RES + q];
        if (labels[pairs[2u * q]] == labels[pairs[2u * q + 1u]]) {
            vpa += (d - mp) * (d - mp);
            za += expf(d / tau - maxPos);
        } else {
            vna += (d - mn) * (d - mn);
        }
    }
    var vp = sum(l, vpa);
    var vn = sum(l, vna);
    let z = sum(l, za);
    if (npos > 0.0) {
        vp /= npos;
    }
    if (nneg > 0.0) {
        vn /= nneg;
    }
    let both = npos > 0.0 && nneg > 0.0;

    // Local term: g_Q, m_Q, S_Q of every positive pair.
    var lterm = 0.0;
    if (both) {
        for (var q = l; q < P; q += WG) {
            let i = pairs[2u * q];
            let j = pairs[2u * q + 1u];
            let li = labels[i];
            var g = 0.0;
            var m = NEG_INF;
            var s = 0.0;
            if (li == labels[j]) {
                let d = dd[RES + q];
                for (var k = 0u; k < N; k++) {
                    if (labels[k] != li) {
                        m = max(m, max(alpha - dist(N, i, k), alpha - dist(N, j, k)));
                    }
                }
                for (var k = 0u; k < N; k++) {
                    if (labels[k] != li) {
                        s += expf(alpha - dist(N, i, k) - m) + expf(alpha - dist(N, j, k) - m);
                    }
                }
                let J = d + m + log(s);
                if (J > 0.0) {
                    let w = expf(d / tau - maxPos) / z;
                    lterm += 0.5 * w * J * J;
                    g = w * J;
                }
            }
            dd[gq + q] = g;
            dd[mq + q] = m;
            dd[sq + q] = s;
        }
    }
    let lsum = sum(l, lterm);
    storageBarrier();
    workgroupBarrier();

    let hinge = both && mp - mn + dims.tgap > 0.0;
    let beta = dims.beta;
    for (var q = l; q < P; q += WG) {
        let a = pairs[2u * q];
        let b = pairs[2u * q + 1u];
        let d = dd[RES + q];
        var g = 0.0;
        if (labels[a] == labels[b]) {
            var gg = 2.0 * (d - mp) / npos;
            if (hinge) {
                gg += 1.0 / npos;
            }
            if (both) {
                g = dd[gq + q];
            }
            g += beta * gg;
        } else {
            if (both) {
                // Positive pairs holding a, with k = b; then those holding b, with k = a.
                for (var e = 0u; e < 2u; e++) {
                    let u = select(a, b, e == 1u);
                    let lu = labels[u];
                    for (var v = 0u; v < N; v++) {
                        if (v != u && labels[v] == lu) {
                            let Q = pair_index(N, min(u, v), max(u, v));
                            let gQ = dd[gq + Q];
                            if (gQ != 0.0) {
                                g -= gQ * expf(alpha - d - dd[mq + Q]) / dd[sq + Q];
                            }
                        }
                    }
                }
            }
            var gg = 2.0 * (d - mn) / nneg;
            if (hinge) {
                gg -= 1.0 / nneg;
            }
            g += beta * gg;
        }
        dd[gof + q] = g;
    }
    if (l == 0u) {
        var gterm = vp + vn;
        if (hinge) {
            gterm += mp - mn + dims.tgap;
        }
        dd[R_LOSS] = lsum + beta * gterm;
    }
}
