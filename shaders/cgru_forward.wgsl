// cgru_forward.wgsl — the CGRU forward pass (DESIGN.md §2): one workgroup runs
// one pair (x_a, x_b) through all T steps, both branches, with the state in
// workgroup memory; it writes the distance ‖h_T − h'_T‖₂ and, when dims.tape
// = 1, h_t of both branches after every step (the backward pass recomputes
// the gates from them).
//
// Bindings (group 0):
//   0  uniform              dims: Dims
//   1  storage, read        state: array<f32>  [3·NP] parameters | Adam m | Adam v
//   2  storage, read        gi: array<f32>     [N][T][G] input projections
//   3  storage, read        pairs: array<u32>  [P][2] sequence indices (a, b)
//   4  storage, read_write  tape: array<f32>   [P][T][2][H] h_t, branch 0 (a) then 1 (b)
//   5  storage, read_write  dd: array<f32>     [RES + …] distance of pair p at RES + p
// Workgroup size: WG = 2H: invocation l = b·H + j runs unit j of branch b.
// Dispatch: (P, 1, 1), P ≤ 65535 (the host splits larger sets of pairs).
//
// Per step: gates of both branches and the coupling gate c (branch-0
// invocations), a barrier, the coupled new states
//     ñ = (1 − c)·n + c·n',  h = ñ + z·(h − ñ)      (model/cell.go mixFwd)
// and two barriers around the update of the shared state.

@group(0) @binding(0) var<uniform> dims: Dims;
@group(0) @binding(1) var<storage, read> state: array<f32>;
@group(0) @binding(2) var<storage, read> gi: array<f32>;
@group(0) @binding(3) var<storage, read> pairs: array<u32>;
@group(0) @binding(4) var<storage, read_write> tape: array<f32>;
@group(0) @binding(5) var<storage, read_write> dd: array<f32>;

var<workgroup> hs: array<f32, H2>; // h_{t−1} of both branches
var<workgroup> ns: array<f32, H2>; // n_t of both branches
var<workgroup> cs: array<f32, H>;     // c_t

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) l: u32) {
    let p = wid.x;
    if (p >= dims.p) {
        return;
    }
    let T = dims.t;
    let b = l / H;
    let j = l % H;
    let o = (1u - b) * H + j; // the same unit in the other branch
    let seq = pairs[2u * p + b];
    hs[l] = 0.0;
    var h = 0.0;
    workgroupBarrier();
    for (var t = 0u; t < T; t++) {
        let g = gates(seq, t, T, b * H, j);
        ns[l] = g.n;
        if (b == 0u) {
            cs[j] = coupling_gate(j);
        }
        workgroupBarrier();
        let c = cs[j];
        let nt = (1.0 - c) * g.n + c * ns[o];
        h = nt + g.z * (h - nt);
        workgroupBarrier();
        hs[l] = h;
        if (dims.tape == 1u) {
            tape[((p * T + t) * 2u + b) * H + j] = h;
        }
        workgroupBarrier();
    }
    if (l == 0u) {
        var s = 0.0;
        for (var k = 0u; k < H; k++) {
            let d = hs[k] - hs[H + k];
            s += d * d;
        }
        dd[dist_at(p)] = sqrt(s);
    }
}
