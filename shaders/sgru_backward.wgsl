// sgru_backward.wgsl — backpropagation through time of sgru_forward: one
// workgroup per sequence n. dL/dh_T of a sequence sums over every pair it is
// in: Σ_{m≠n} (dL/dd_nm)·(h_T(n) − h_T(m))/d_nm, m ascending (the CPU
// engine's order). The gates of each step are recomputed from the tape, and
// the sequence's gradient of every parameter goes to its own row of
// `partial` (summed in a fixed order by the reduce kernel).
//
// Bindings (group 0):
//   0  uniform              dims: Dims (the pairs are all i<j of the batch)
//   1  storage, read        state: array<f32>    [3·NP] parameters | Adam m | Adam v
//   2  storage, read        gi: array<f32>       [N][T][G] input projections
//   3  storage, read        x: array<f32>        [N][T][I] inputs (for dW_ih)
//   4  storage, read        tape: array<f32>     [N][T][H] h_t from sgru_forward
//   5  storage, read        dd: array<f32>       distances at RES + p, dL/dd at RES + P + p
//   6  storage, read_write  partial: array<f32>  [N][NP] per-sequence gradients
// Workgroup size: WG = H: invocation j accumulates rows j, H+j, 2H+j of dW_ih,
// dW_hh, db_ih, db_hh in private memory.
// Dispatch: (N, 1, 1), N ≤ 65535.
//
// Step t backwards (model/cell.go gruBwd and gateBwd), dh = dL/dh_t:
//   dn = dh·(1 − z)   dz = dh·(h_{t−1} − n)   dh_{t−1} = dh·z + Σ_g dgh_g·W_hh[g,·]
//   da_n = dn·(1 − n²), da_r = da_n·gh_n·r(1 − r), da_z = dz·z(1 − z)
//   dgh = [da_r, da_z, da_n·r], dgi = [da_r, da_z, da_n]

@group(0) @binding(0) var<uniform> dims: Dims;
@group(0) @binding(1) var<storage, read> state: array<f32>;
@group(0) @binding(2) var<storage, read> gi: array<f32>;
@group(0) @binding(3) var<storage, read> x: array<f32>;
@group(0) @binding(4) var<storage, read> tape: array<f32>;
@group(0) @binding(5) var<storage, read> dd: array<f32>;
@group(0) @binding(6) var<storage, read_write> partial: array<f32>;

var<workgroup> hs: array<f32, H>;
var<workgroup> dgs: array<f32, G>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) j: u32) {
    let n = wid.x;
    if (n >= dims.n) {
        return;
    }
    let T = dims.t;
    let N = dims.n;

    let hn = tape[(n * T + T - 1u) * H + j];
    var dh = 0.0;
    for (var m = 0u; m < N; m++) {
        if (m == n) {
            continue;
        }
        let p = pair_index(N, min(n, m), max(n, m));
        let d = dd[dist_at(p)];
        let gd = dd[gd_at(p, dims.p)];
        if (d != 0.0 && gd != 0.0) {
            dh += (gd / d) * (hn - tape[(m * T + T - 1u) * H + j]);
        }
    }

    var awhh: array<f32, H3>;
    var awih: array<f32, I3>;
    var abih = vec3<f32>(0.0);
    var abhh = vec3<f32>(0.0);

    for (var s = 0u; s < T; s++) {
        let t = T - 1u - s;
        var hp = 0.0;
        if (t > 0u) {
            hp = tape[(n * T + t - 1u) * H + j];
        }
        hs[j] = hp;
        workgroupBarrier();
        let g = gates(n, t, T, 0u, j);
        let dn = dh * (1.0 - g.z);
        let dz = dh * (hp - g.n);
        let dhz = dh * g.z;
        let dan = dn * (1.0 - g.n * g.n);
        let dar = dan * g.ghn * g.r * (1.0 - g.r);
        let daz = dz * g.z * (1.0 - g.z);
        let dgn = dan * g.r;
        dgs[j] = dar;
        dgs[H + j] = daz;
        dgs[2u * H + j] = dgn;
        for (var k = 0u; k < H; k++) {
            let hk = hs[k];
            awhh[k] += dar * hk;
            awhh[H + k] += daz * hk;
            awhh[2u * H + k] += dgn * hk;
        }
        abhh += vec3<f32>(dar, daz, dgn);
        abih += vec3<f32>(dar, daz, dan);
        let xo = (n * T + t) * I;
        for (var i = 0u; i < I; i++) {
            let xi = x[xo + i];
            awih[i] += dar * xi;
            awih[I + i] += daz * xi;
            awih[2u * I + i] += dan * xi;
        }
        workgroupBarrier();
        var a = dhz;
        for (var q = 0u; q < G; q++) {
            a += dgs[q] * state[OFF_WHH + q * H + j];
        }
        dh = a;
        workgroupBarrier();
    }

    let base = n * NP;
    for (var q = 0u; q < 3u; q++) {
        let row = q * H + j;
        for (var k = 0u; k < H; k++) {
            partial[base + OFF_WHH + row * H + k] = awhh[q * H + k];
        }
        for (var i = 0u; i < I; i++) {
            partial[base + OFF_WIH + row * I + i] = awih[q * I + i];
        }
        partial[base + OFF_BIH + row] = abih[q];
        partial[base + OFF_BHH + row] = abhh[q];
    }
}
