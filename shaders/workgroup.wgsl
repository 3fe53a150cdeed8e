// workgroup.wgsl — reductions over one workgroup, for the kernels that run
// as a single workgroup of WG invocations (loss, adam); shaders.Source puts
// it after common.wgsl. Each is a tree over the WG invocations in a fixed
// order, so the result is the same on every run; call them from uniform
// control flow, with l the local invocation index.

var<workgroup> red: array<f32, WG>;

// sum returns Σ v over the workgroup.
fn sum(l: u32, v: f32) -> f32 {
    red[l] = v;
    workgroupBarrier();
    for (var s = WG / 2u; s > 0u; s >>= 1u) {
        if (l < s) {
            red[l] += red[l + s];
        }
        workgroupBarrier();
    }
    let r = workgroupUniformLoad(&red[0]);
    return r;
}

// maxv returns max v over the workgroup.
fn maxv(l: u32, v: f32) -> f32 {
    red[l] = v;
    workgroupBarrier();
    for (var s = WG / 2u; s > 0u; s >>= 1u) {
        if (l < s) {
            red[l] = max(red[l], red[l + s]);
        }
        workgroupBarrier();
    }
    let r = workgroupUniformLoad(&red[0]);
    return r;
}
