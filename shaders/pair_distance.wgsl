// pair_distance.wgsl — SGRU distances d_p = ‖h_T(a_p) − h_T(b_p)‖₂ from the
// final states of sgru_forward.
//
// Bindings (group 0):
//   0  uniform              dims: Dims
//   1  storage, read        hT: array<f32>     [N][H] final states
//   2  storage, read        pairs: array<u32>  [P][2] sequence indices (a, b)
//   3  storage, read_write  dd: array<f32>     distance of pair p at RES + p
// Workgroup size: WG = 64, one invocation per pair.
// Dispatch: (ceil(P/64), 1, 1), or (65535, ceil(P/(64·65535)), 1) for more.

@group(0) @binding(0) var<uniform> dims: Dims;
@group(0) @binding(1) var<storage, read> hT: array<f32>;
@group(0) @binding(2) var<storage, read> pairs: array<u32>;
@group(0) @binding(3) var<storage, read_write> dd: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
    let p = id.x + id.y * 65535u * WG;
    if (p >= dims.p) {
        return;
    }
    let a = pairs[2u * p] * H;
    let b = pairs[2u * p + 1u] * H;
    var s = 0.0;
    for (var k = 0u; k < H; k++) {
        let d = hT[a + k] - hT[b + k];
        s += d * d;
    }
    dd[dist_at(p)] = sqrt(s);
}
