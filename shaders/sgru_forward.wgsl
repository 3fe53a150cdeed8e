// sgru_forward.wgsl — the SGRU forward pass (DESIGN.md §2): one workgroup runs
// one sequence through all T steps (a plain GRU, state in workgroup memory).
// It writes the final state h_T and, when dims.tape = 1, h_t after every step.
//
// Bindings (group 0):
//   0  uniform              dims: Dims
//   1  storage, read        state: array<f32>  [3·NP] parameters | Adam m | Adam v
//   2  storage, read        gi: array<f32>     [N][T][G] input projections
//   3  storage, read_write  tape: array<f32>   [N][T][H] h_t
//   4  storage, read_write  hT: array<f32>     [N][H] final states
// Workgroup size: WG = H: invocation j runs unit j.
// Dispatch: (N, 1, 1), N ≤ 65535.
//
// Per step: gates, a barrier, h = n + z·(h − n) (model/cell.go gruFwd), and a
// barrier after the update of the shared state.

@group(0) @binding(0) var<uniform> dims: Dims;
@group(0) @binding(1) var<storage, read> state: array<f32>;
@group(0) @binding(2) var<storage, read> gi: array<f32>;
@group(0) @binding(3) var<storage, read_write> tape: array<f32>;
@group(0) @binding(4) var<storage, read_write> hT: array<f32>;

var<workgroup> hs: array<f32, H>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) j: u32) {
    let n = wid.x;
    if (n >= dims.n) {
        return;
    }
    let T = dims.t;
    hs[j] = 0.0;
    var h = 0.0;
    workgroupBarrier();
    for (var t = 0u; t < T; t++) {
        let g = gates(n, t, T, 0u, j);
        h = g.n + g.z * (h - g.n);
        workgroupBarrier();
        hs[j] = h;
        if (dims.tape == 1u) {
            tape[(n * T + t) * H + j] = h;
        }
        workgroupBarrier();
    }
    hT[n * H + j] = h;
}
