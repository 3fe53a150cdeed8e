// gru_cell.wgsl — the GRU gates of one hidden unit, and the coupling gate,
// shared by the recurrent kernels (cgru_forward, cgru_backward, sgru_forward,
// sgru_backward), which declare what these functions read:
//
//     state: array<f32>            the flat parameters (first NP entries)
//     gi: array<f32>               [N][T][G] input projections W_ih·x + b_ih
//     hs: array<f32, …> (workgroup) h_{t−1} of the workgroup's rows, row b at b·H
//
// The order of the sums is the CPU engine's (model/gru.go): gh = b_hh + Σ_k
// W_hh[·,k]·h_k with k ascending, then r = σ(gi_r + gh_r), z = σ(gi_z + gh_z),
// n = tanh(gi_n + r·gh_n).

struct Gates {
    r: f32,
    z: f32,
    n: f32,
    ghn: f32, // W_hn·h_{t−1} + b_hn, kept for the backward pass
}

// gates computes r, z, n of unit j for the row whose state is hs[hb .. hb+H),
// reading the input projection of sequence seq at step t.
fn gates(seq: u32, t: u32, nt: u32, hb: u32, j: u32) -> Gates {
    var ar = state[OFF_BHH + j];
    var az = state[OFF_BHH + H + j];
    var an = state[OFF_BHH + 2u * H + j];
    let wr = OFF_WHH + j * H;
    let wz = OFF_WHH + (H + j) * H;
    let wn = OFF_WHH + (2u * H + j) * H;
    for (var k = 0u; k < H; k++) {
        let hk = hs[hb + k];
        ar += state[wr + k] * hk;
        az += state[wz + k] * hk;
        an += state[wn + k] * hk;
    }
    let g0 = (seq * nt + t) * G;
    var o: Gates;
    o.r = sigmoid(gi[g0 + j] + ar);
    o.z = sigmoid(gi[g0 + H + j] + az);
    o.ghn = an;
    o.n = tanhf(gi[g0 + 2u * H + j] + o.r * an);
    return o;
}

// coupling_gate is c_j = σ(b_hc[j] + Σ_k W_hc[j,k]·(h_k + h'_k)) for the pair
// whose branches are hs[0 .. H) and hs[H .. 2H).
fn coupling_gate(j: u32) -> f32 {
    var a = state[OFF_BHC + j];
    let w = OFF_WHC + j * H;
    for (var k = 0u; k < H; k++) {
        a += state[w + k] * (hs[k] + hs[H + k]);
    }
    return sigmoid(a);
}
