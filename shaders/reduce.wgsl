// reduce.wgsl — sums the per-pair (CGRU) or per-sequence (SGRU) gradients of
// the backward kernels into the gradient of the batch: grad[e] = Σ_q
// partial[q][e], q ascending (a fixed order: deterministic, no atomics).
//
// Bindings (group 0):
//   0  uniform              dims: Dims (dims.parts rows)
//   1  storage, read        partial: array<f32>  [parts][NP]
//   2  storage, read_write  grad: array<f32>     [NP]
// Workgroup size: WG = 64, one invocation per parameter.
// Dispatch: (ceil(NP/64), 1, 1).

@group(0) @binding(0) var<uniform> dims: Dims;
@group(0) @binding(1) var<storage, read> partial: array<f32>;
@group(0) @binding(2) var<storage, read_write> grad: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
    let e = id.x;
    if (e >= NP) {
        return;
    }
    var s = 0.0;
    for (var q = 0u; q < dims.parts; q++) {
        s += partial[q * NP + e];
    }
    grad[e] = s;
}
