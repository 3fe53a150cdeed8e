// cgru_backward.wgsl — backpropagation through time of cgru_forward: one
// workgroup per pair, all T steps from T−1 down to 0 inside the shader. It
// starts from dL/dh_T = ±(dL/dd)·(h_T − h'_T)/d (model/engine.go distGrad),
// recomputes each step's gates from the tape (h_{t−1} of both branches), and
// writes the pair's gradient of every parameter, in the flat layout of
// model.Layout, to its own row of `partial` (the reduce kernel sums the rows
// in a fixed order: no atomics, the same result on every run).
//
// Bindings (group 0):
//   0  uniform              dims: Dims
//   1  storage, read        state: array<f32>    [3·NP] parameters | Adam m | Adam v
//   2  storage, read        gi: array<f32>       [N][T][G] input projections
//   3  storage, read        x: array<f32>        [N][T][I] inputs (for dW_ih)
//   4  storage, read        pairs: array<u32>    [P][2] sequence indices (a, b)
//   5  storage, read        tape: array<f32>     [P][T][2][H] h_t from cgru_forward
//   6  storage, read        dd: array<f32>       distances at RES + p, dL/dd at RES + P + p
//   7  storage, read_write  partial: array<f32>  [P][NP] per-pair gradients
// Workgroup size: WG = 2H: invocation l = b·H + j runs unit j of branch b and
// accumulates, in private memory, rows j, H+j, 2H+j of dW_ih, dW_hh, db_ih,
// db_hh (and, in branch 0, row j of dW_hc and db_hc).
// Dispatch: (P, 1, 1), P ≤ 65535.
//
// Step t backwards (model/cell.go mixBwd and gateBwd), with dh = dL/dh_t:
//   ñ = (1−c)n + c·n'            dñ = dh·(1 − z)
//   dz = dh·(h_{t−1} − ñ)         dh_{t−1} ← dh·z
//   dn = dñ + c·(dñ' − dñ)        da_c = (dñ − dñ')·(n' − n)·c(1 − c)   (branch 0)
//   da_n = dn·(1 − n²)            da_r = da_n·gh_n·r(1 − r)     da_z = dz·z(1 − z)
//   dgh = [da_r, da_z, da_n·r]    dgi = [da_r, da_z, da_n]
//   dh_{t−1} += Σ_g dgh_g·W_hh[g,·] + Σ_j da_c,j·W_hc[j,·]

@group(0) @binding(0) var<uniform> dims: Dims;
@group(0) @binding(1) var<storage, read> state: array<f32>;
@group(0) @binding(2) var<storage, read> gi: array<f32>;
@group(0) @binding(3) var<storage, read> x: array<f32>;
@group(0) @binding(4) var<storage, read> pairs: array<u32>;
@group(0) @binding(5) var<storage, read> tape: array<f32>;
@group(0) @binding(6) var<storage, read> dd: array<f32>;
@group(0) @binding(7) var<storage, read_write> partial: array<f32>;

var<workgroup> hs: array<f32, H2>;   // h_{t−1} of both branches
var<workgroup> ns: array<f32, H2>;   // n_t
var<workgroup> cs: array<f32, H>;       // c_t
var<workgroup> dns: array<f32, H2>;  // dñ
var<workgroup> dgs: array<f32, G2>;  // dgh of both branches
var<workgroup> dcs: array<f32, H>;      // da_c
var<workgroup> xch: array<f32, H>;      // branch 1's accumulators, to add to branch 0's

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) l: u32) {
    let p = wid.x;
    if (p >= dims.p) {
        return;
    }
    let T = dims.t;
    let b = l / H;
    let j = l % H;
    let o = (1u - b) * H + j;
    let seq = pairs[2u * p + b];

    // dL/dh_T from the distance.
    let d = dd[dist_at(p)];
    let gd = dd[gd_at(p, dims.p)];
    var dh = 0.0;
    if (d != 0.0 && gd != 0.0) {
        let last = (p * T + T - 1u) * 2u * H;
        let v = (gd / d) * (tape[last + j] - tape[last + H + j]);
        dh = select(v, -v, b == 1u);
    }

    var awhh: array<f32, H3>;
    var awih: array<f32, I3>;
    var awhc: array<f32, H>;
    var abih = vec3<f32>(0.0);
    var abhh = vec3<f32>(0.0);
    var abhc = 0.0;

    for (var s = 0u; s < T; s++) {
        let t = T - 1u - s;
        var hp = 0.0;
        if (t > 0u) {
            hp = tape[((p * T + t - 1u) * 2u + b) * H + j];
        }
        hs[l] = hp;
        workgroupBarrier();
        let g = gates(seq, t, T, b * H, j);
        ns[l] = g.n;
        if (b == 0u) {
            cs[j] = coupling_gate(j);
        }
        workgroupBarrier();
        let c = cs[j];
        let no = ns[o];
        let nt = (1.0 - c) * g.n + c * no;
        let dnt = dh * (1.0 - g.z);
        let dz = dh * (hp - nt);
        let dhz = dh * g.z;
        dns[l] = dnt;
        workgroupBarrier();
        let dno = dns[o];
        let dn = dnt + c * (dno - dnt);
        if (b == 0u) {
            let dac = (dnt - dno) * (no - g.n) * c * (1.0 - c);
            dcs[j] = dac;
            for (var k = 0u; k < H; k++) {
                awhc[k] += dac * (hs[k] + hs[H + k]);
            }
            abhc += dac;
        }
        let dan = dn * (1.0 - g.n * g.n);
        let dar = dan * g.ghn * g.r * (1.0 - g.r);
        let daz = dz * g.z * (1.0 - g.z);
        let dgn = dan * g.r;
        let gb = b * G;
        dgs[gb + j] = dar;
        dgs[gb + H + j] = daz;
        dgs[gb + 2u * H + j] = dgn;
        let hb = b * H;
        for (var k = 0u; k < H; k++) {
            let hk = hs[hb + k];
            awhh[k] += dar * hk;
            awhh[H + k] += daz * hk;
            awhh[2u * H + k] += dgn * hk;
        }
        abhh += vec3<f32>(dar, daz, dgn);
        abih += vec3<f32>(dar, daz, dan);
        let xo = (seq * T + t) * I;
        for (var i = 0u; i < I; i++) {
            let xi = x[xo + i];
            awih[i] += dar * xi;
            awih[I + i] += daz * xi;
            awih[2u * I + i] += dan * xi;
        }
        workgroupBarrier();
        // dL/dh_{t−1}[b, j].
        var a = dhz;
        for (var q = 0u; q < G; q++) {
            a += dgs[gb + q] * state[OFF_WHH + q * H + j];
        }
        var ds = 0.0;
        for (var q = 0u; q < H; q++) {
            ds += dcs[q] * state[OFF_WHC + q * H + j];
        }
        dh = a + ds;
        workgroupBarrier();
    }

    // Sum the two branches (branch 1 hands its value to branch 0 through
    // xch) and write the pair's row of partial.
    let base = p * NP;
    for (var q = 0u; q < 3u; q++) {
        let row = q * H + j;
        for (var k = 0u; k < H; k++) {
            if (b == 1u) {
                xch[j] = awhh[q * H + k];
            }
            workgroupBarrier();
            if (b == 0u) {
                partial[base + OFF_WHH + row * H + k] = awhh[q * H + k] + xch[j];
            }
            workgroupBarrier();
        }
        for (var i = 0u; i < I; i++) {
            if (b == 1u) {
                xch[j] = awih[q * I + i];
            }
            workgroupBarrier();
            if (b == 0u) {
                partial[base + OFF_WIH + row * I + i] = awih[q * I + i] + xch[j];
            }
            workgroupBarrier();
        }
        if (b == 1u) {
            xch[j] = abih[q];
        }
        workgroupBarrier();
        if (b == 0u) {
            partial[base + OFF_BIH + row] = abih[q] + xch[j];
        }
        workgroupBarrier();
        if (b == 1u) {
            xch[j] = abhh[q];
        }
        workgroupBarrier();
        if (b == 0u) {
            partial[base + OFF_BHH + row] = abhh[q] + xch[j];
        }
        workgroupBarrier();
    }
    if (b == 0u) {
        for (var k = 0u; k < H; k++) {
            partial[base + OFF_WHC + j * H + k] = awhc[k];
        }
        partial[base + OFF_BHC + j] = abhc;
    }
}
