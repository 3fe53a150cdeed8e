// project.wgsl — the input projection of a batch: gi[n][t] = W_ih·x_{n,t} + b_ih.
//
// Bindings (group 0):
//   0  uniform              dims: Dims
//   1  storage, read        state: array<f32>  [3·NP] parameters | Adam m | Adam v
//   2  storage, read        x: array<f32>      [N][T][I] input sequences
//   3  storage, read_write  gi: array<f32>     [N][T][G] projections (G = 3H, rows r | z | n)
// Workgroup size: WG = 64, one invocation per output element.
// Dispatch: (ceil(N·T·G / 64), 1, 1); with more than 65535 workgroups the host
// dispatches (65535, ceil(count / 65535), 1) and the index is x + 65535·64·y.
//
// Sum order as the CPU engine's: b_ih first, then Σ_i W_ih[g,i]·x_i, i ascending.

@group(0) @binding(0) var<uniform> dims: Dims;
@group(0) @binding(1) var<storage, read> state: array<f32>;
@group(0) @binding(2) var<storage, read> x: array<f32>;
@group(0) @binding(3) var<storage, read_write> gi: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
    let e = id.x + id.y * 65535u * WG;
    if (e >= dims.n * dims.t * G) {
        return;
    }
    let g = e % G;
    let row = e / G; // n·T + t
    var a = state[OFF_BIH + g];
    let w = OFF_WIH + g * I;
    let xo = row * I;
    for (var i = 0u; i < I; i++) {
        a += state[w + i] * x[xo + i];
    }
    gi[e] = a;
}
