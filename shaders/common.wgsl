// common.wgsl — declarations and helpers shared by every cgru kernel.
//
// The engine (gpu/) builds each kernel's source as
//
//     <constants> + common.wgsl [+ gru_cell.wgsl | workgroup.wgsl] + <kernel>.wgsl
//
// (gru_cell.wgsl for the recurrent kernels, workgroup.wgsl for loss and
// adam: shaders.Source)
//
// where <constants> are generated for the network being run (gpu/shader.go):
//
//     const H: u32      hidden size
//     const I: u32      input size
//     const G: u32      3·H, gate rows r | z | n
//     const H2, H3, G2, I3: u32  2H, 3H, 2G, 3I (array sizes: naga wants one identifier)
//     const NP: u32     number of parameters (model.Layout.Size)
//     const OFF_WIH, OFF_WHH, OFF_BIH, OFF_BHH, OFF_WHC, OFF_BHC: u32
//                       offsets of weight_ih [3H×I], weight_hh [3H×H], bias_ih [3H],
//                       bias_hh [3H], weight_hc [H×H], bias_hc [H] in the flat
//                       parameters (model.Layout; the last two only for the CGRU)
//     const WG: u32     workgroup size of the kernel
//
// Binding 0 of group 0 is always the uniform Dims below; the other bindings are
// listed in each kernel's header.

// Dims are the sizes and settings of one call, written by the host before each
// submit (gpu/engine.go, type dims: same field order).
struct Dims {
    n: u32,        // sequences in the batch
    t: u32,        // time steps
    p: u32,        // pairs
    tape: u32,     // 1: the forward passes write the tape of every step
    loss: u32,     // 0: contrastive, 1: structural
    parts: u32,    // partial gradients to sum (pairs for the CGRU, sequences for the SGRU)
    coupled: u32,  // 1: CGRU (the coupling penalty applies)
    adam_t: u32,   // Adam's step number (≥ 1)
    margin: f32,   // contrastive margin m
    alpha: f32,    // structural α
    tau: f32,      // structural τ
    beta: f32,     // structural β
    tgap: f32,     // structural t
    lr_step: f32,  // Adam: learning rate / (1 − β1^t)
    beta1: f32,
    beta2: f32,
    eps: f32,
    wd: f32,       // weight decay (added to the gradient, torch's Adam)
    bc2: f32,      // 1 − β2^t
    clip: f32,     // global gradient norm (≤ 0: no clipping)
    coupling: f32, // weight of ‖W_hc‖_F in the training loss
    pad0: f32,
    pad1: f32,
    pad2: f32,
}

// The result header at the start of the dd buffer ([RES] floats), then the
// distances [P], dL/dd [P] and the structural loss's scratch [3P].
const RES: u32 = 16u;
const R_LOSS: u32 = 0u;     // pair loss (loss kernel)
const R_PENALTY: u32 = 1u;  // coupling penalty (adam kernel)
const R_NORM: u32 = 2u;     // gradient norm before clipping (adam kernel)
const R_OK: u32 = 3u;       // 1: finite loss and gradient, step taken; 0: not
const R_BAD: u32 = 4u;      // index of the first non-finite gradient (NP: the loss)

fn dist_at(p: u32) -> u32 { return RES + p; }
fn gd_at(p: u32, np: u32) -> u32 { return RES + np + p; }

// expf is e^x in float32 as the CPU engine computes it (model/float.go,
// after Cephes' expf): WGSL's exp has implementation-defined precision.
// Callers keep x ≤ 88.72 (no overflow).
fn expf(x0: f32) -> f32 {
    if (x0 < -87.3365) {
        return 0.0;
    }
    let x1 = min(x0, 88.7228);
    let fx = x1 * 1.44269504088896341 + 0.5;
    let n = i32(floor(fx));
    let fnn = f32(n);
    let x = x1 - fnn * 0.693359375 - fnn * -2.12194440e-4;
    let z = x * x;
    let y = ((((((1.9875691500e-4 * x + 1.3981999507e-3) * x + 8.3334519073e-3) * x +
        4.1665795894e-2) * x + 1.6666665459e-1) * x + 5.0000001201e-1) * z + x + 1.0);
    return y * bitcast<f32>(u32(n + 127) << 23u);
}

// sigmoid is 1/(1 + e^−x), 0 where e^−x overflows (as 1/(1+Inf) on the CPU).
fn sigmoid(x: f32) -> f32 {
    if (x < -88.7228) {
        return 0.0;
    }
    return 1.0 / (1.0 + expf(-x));
}

// tanhf is model/float.go's tanhf: Cephes' odd polynomial for |x| < 0.625,
// 1 − 2/(e^{2|x|}+1) above, ±1 beyond 9.01.
fn tanhf(x: f32) -> f32 {
    var a = abs(x);
    if (a < 0.625) {
        let z = x * x;
        return x + x * z * ((((-5.70498872745e-3 * z + 2.06390887954e-2) * z -
            5.37397155531e-2) * z + 1.33314422036e-1) * z - 3.33332819422e-1);
    }
    if (a > 9.01) {
        a = 1.0;
    } else {
        a = 1.0 - 2.0 / (expf(2.0 * a) + 1.0);
    }
    if (x < 0.0) {
        return -a;
    }
    return a;
}

// finite reports whether x is neither NaN nor ±Inf, from its bits (WGSL has
// no isNan, and compilers may assume that floats are finite).
fn finite(x: f32) -> bool {
    return (bitcast<u32>(x) & 0x7f800000u) != 0x7f800000u;
}

// pair_index is model.PairIndex: the row-major position of pair (i, j), i < j,
// among the pairs of n sequences.
fn pair_index(n: u32, i: u32, j: u32) -> u32 {
    return i * (2u * n - i - 1u) / 2u + (j - i - 1u);
}
