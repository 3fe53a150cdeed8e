// adam.wgsl — the end of a training step on the GPU (model.TrainStep): the
// coupling penalty c·‖W_hc‖_F and its gradient c·W_hc/‖W_hc‖_F (CGRU), the
// check for non-finite values, clipping to a global norm (as
// torch.nn.utils.clip_grad_norm_, with its 1e-6), and an Adam step with
// torch's L2 weight decay and bias correction (model.Adam). On a non-finite
// loss or gradient nothing is updated and R_OK is 0, so the host leaves its
// network and optimiser unchanged, as the CPU engine does.
//
// Bindings (group 0):
//   0  uniform              dims: Dims (Adam's settings, clip, coupling)
//   1  storage, read_write  state: array<f32>  [3·NP] parameters | m | v
//   2  storage, read_write  grad: array<f32>   [NP] gradient of the loss (modified)
//   3  storage, read_write  dd: array<f32>     result header (R_LOSS in; R_PENALTY, R_NORM, R_OK, R_BAD out)
// Workgroup size: WG = 256; invocation l handles parameters l, l+256, …
// (always the same ones, so no barrier is needed between the phases that
// touch one element).
// Dispatch: (1, 1, 1).

@group(0) @binding(0) var<uniform> dims: Dims;
@group(0) @binding(1) var<storage, read_write> state: array<f32>;
@group(0) @binding(2) var<storage, read_write> grad: array<f32>;
@group(0) @binding(3) var<storage, read_write> dd: array<f32>;

var<workgroup> bad: atomic<u32>;

// sum: workgroup.wgsl.

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_index) l: u32) {
    if (l == 0u) {
        atomicStore(&bad, NP);
    }
    workgroupBarrier();
    // Coupling penalty.
    var penalty = 0.0;
    if (dims.coupled == 1u && dims.coupling != 0.0) {
        var s = 0.0;
        for (var e = l; e < H * H; e += WG) {
            let w = state[OFF_WHC + e];
            s += w * w;
        }
        let norm = sqrt(sum(l, s));
        penalty = dims.coupling * norm;
        if (norm > 0.0) {
            let c = dims.coupling / norm;
            for (var e = l; e < NP; e += WG) {
                if (e >= OFF_WHC && e < OFF_WHC + H * H) {
                    grad[e] += c * state[e];
                }
            }
        }
    }
    // Non-finite values and the gradient norm.
    var sq = 0.0;
    for (var e = l; e < NP; e += WG) {
        let g = grad[e];
        if (!finite(g)) {
            atomicMin(&bad, e);
        }
        sq += g * g;
    }
    let norm = sqrt(sum(l, sq));
    let first = atomicLoad(&bad); // after the barriers of sum: every atomicMin is done
    let lossOK = finite(dd[R_LOSS]);
    if (l == 0u) {
        dd[R_PENALTY] = penalty;
        dd[R_NORM] = norm;
        dd[R_BAD] = f32(first);
        dd[R_OK] = select(0.0, 1.0, lossOK && first == NP);
    }
    if (!lossOK || first != NP) {
        return;
    }
    var c = 1.0;
    if (dims.clip > 0.0) {
        c = min(1.0, dims.clip / (norm + 1e-6));
    }
    for (var e = l; e < NP; e += WG) {
        let p = state[e];
        var g = grad[e];
        if (c < 1.0) {
            g = g * c;
        }
        g += dims.wd * p;
        let m = dims.beta1 * state[NP + e] + (1.0 - dims.beta1) * g;
        let v = dims.beta2 * state[2u * NP + e] + (1.0 - dims.beta2) * g * g;
        state[NP + e] = m;
        state[2u * NP + e] = v;
        state[e] = p - dims.lr_step * m / (sqrt(v / dims.bc2) + dims.eps);
    }
}
