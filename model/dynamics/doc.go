// Package dynamics is the synchronization lab of cgru (paper §3.1–3.2): a
// GRU with its input held constant is a discrete dynamical system; its
// largest Lyapunov exponent says whether it is chaotic; two copies coupled
// diffusively synchronise above a coupling threshold set by that exponent;
// and a trained CGRU's learned gate decides, pair by pair and step by step,
// how strongly to couple. Everything is float64 and pure Go (no cgo, no
// syscall/js), so the same code runs in the CLI (cgru sync) and in a
// single-goroutine WebAssembly worker.
//
// # The map
//
// For weights W (weight_hh, with a gain g applied: W = g·weight_hh) and a
// constant input x (zero by default), one GRU step is a map of R^H,
// h_{t+1} = F(h_t) ([GRU]; its Jacobian DF is written out there and
// checked against finite differences in the tests). Random networks use
// PyTorch's default initialisation (every weight and bias uniform in
// (−1/√H, 1/√H)) from a seed, then multiply weight_hh by the gain
// ([RandomGRU]); trained networks come from a model file ([NewGRU]).
//
// # Lyapunov exponents
//
// λ_max (nats per step) is estimated by Benettin's method ([MaxLyapunov]):
// a tangent vector v is carried along the orbit, v ← DF(h_t)·v, and
// renormalised to length 1 after every step; λ_max is the mean of the log
// growth factors over Steps steps, after Transient steps that are
// discarded. The k largest exponents come from k tangent vectors
// re-orthonormalised after every step (the QR method, [Spectrum]). Each
// estimate carries a batch-means standard error. λ_max > 0: chaos (nearby
// states separate like e^{λ·t}); λ_max < 0: a stable fixed point or cycle;
// λ_max ≈ 0: a quasi-periodic orbit or the edge of chaos.
//
// # Two coupled copies
//
// Two copies of F with states h and h' are coupled with strength c. The
// package offers two discrete forms ([Form]):
//
// Diffusive (the coupled-map form, used by default):
//
//	h_{t+1}  = (1 − c)·F(h_t)  + c·F(h'_t)
//	h'_{t+1} = (1 − c)·F(h'_t) + c·F(h_t)
//
// The difference δ = h − h' obeys δ_{t+1} = (1 − 2c)·(F(h_t) − F(h'_t)),
// so the synchronisation manifold h = h' is invariant for every c and on
// it each copy follows the uncoupled map s_{t+1} = F(s_t). Linearising
// across it, δ_{t+1} = (1 − 2c)·DF(s_t)·δ_t + O(‖δ‖²), hence
// ‖δ_t‖ ≈ |1 − 2c|^t·‖DF(s_{t−1})⋯DF(s_0)·δ_0‖ and the transverse Lyapunov
// exponent is
//
//	λ⊥(c) = λ_max + ln|1 − 2c|,
//
// with λ_max the largest exponent of the uncoupled map along its attractor
// (δ_0 generic). The synchronised state is stable iff λ⊥ < 0, i.e.
// |1 − 2c|·e^{λ_max} < 1, i.e. c* < c < 1 − c* with the threshold
//
//	c* = (1 − e^{−λ_max})/2   (c* = 0 when λ_max ≤ 0).
//
// At c = 1/2 both copies become equal in one step (λ⊥ = −∞); for c > 1/2
// the copies swap sides every step, and the window is symmetric about 1/2.
// For small λ_max, c* ≈ λ_max/2.
//
// CGRU form (the CGRU's coupled new state, DESIGN.md §2, with one constant
// gate c for every unit):
//
//	ñ = (1 − c)·n + c·n',  h_{t+1} = (1 − z)⊙ñ + z⊙h_t   (and symmetrically)
//
// The manifold h = h' is again invariant and on it the copies follow F. The
// transverse Jacobian at the synchronised state s is
//
//	J⊥ = DF(s) − 2c·diag(1 − z)·∂n(s) = diag(z) + (1 − 2c)·diag(1 − z)·∂n + diag(s − n)·∂z,
//
// so coupling damps only the share (1 − z) of the step that goes through
// the candidate n; the update gate keeps part of each copy's own state,
// and even c = 1/2 need not synchronise. λ⊥(c) has no closed form: it is
// computed by Benettin's method on J⊥ along the synchronised orbit
// ([Transverse]) and c* is its root, found by bisection
// ([TransverseThreshold]). For the Diffusive form the same computation
// gives λ_max + ln|1 − 2c| to rounding (a test checks it), which is how the
// numerical route is validated. The trained CGRU's own gate,
// c_t = σ(W_hc(h + h') + b_hc), is this form with c per unit and varying
// in time.
//
// λ⊥ < 0 is the condition for synchrony to be stable for typical orbits on
// the attractor. Unstable periodic orbits inside the attractor have larger
// local exponents, so over a finite stretch the transverse growth can be
// positive even when its mean is negative: just above c* a tiny difference
// bursts back up now and then before dying out again (bubbling, on-off
// intermittency). Rounding is enough to seed it — float64 keeps the copies
// about 1e-16 apart unless they become bitwise equal — and the runs show it:
// at gain 7.5, c = 0.0425 (λ⊥ ≈ −0.004), a pair that reached 1e-6 in 180
// steps was back at 1 after 20000.
//
// # Measuring the threshold
//
// [Sweep] starts both copies on the attractor, apart (each a random state
// run uncoupled for Transient steps, [Start]), couples them with each c of
// a grid for Steps steps, and calls c synchronising when every one of Runs
// pairs of initial states ends with ‖h − h'‖ < Tol (1e-6). The empirical
// threshold is the smallest grid c from which every c up to 1/2
// synchronises, refined by bisection ([Threshold]). It cannot equal c*
// exactly; three effects, all in units of λ⊥, set the tolerance:
//
//   - a finite horizon: to fall from the initial error δ0 to Tol in Steps
//     steps a run needs λ⊥ ≲ −ln(δ0/Tol)/Steps (Horizon);
//   - bubbling: above the rounding floor ε0 (2⁻⁵² times the state norm) the
//     log of the error is a random walk with drift λ⊥ < 0 and variance rate
//     σ² (the variance of the log growth per step), whose stationary law is
//     exponential: P(error > Tol) = exp(−2|λ⊥|·ln(Tol/ε0)/σ²). Keeping that
//     below 5% over Runs runs needs λ⊥ ≲ −σ²·ln(20·Runs)/(2·ln(Tol/ε0))
//     (Bubbling);
//   - finite-time fluctuations: over Steps steps the transverse growth of
//     one run is a finite-time exponent with standard error
//     SE = σ/√Steps; 3·SE covers them (Fluctuation).
//
// The first two both push the measured threshold above c*, so the larger
// counts; the third goes both ways. Converted to c with the slope of λ⊥ at
// c* (dλ⊥/dc = −2/(1 − 2c*) for the Diffusive form, a central difference
// for the CGRU form), the tolerance is
// |dc/dλ⊥|·(max(Horizon, Bubbling) + Fluctuation) plus the bisection
// resolution. σ² comes from the batch means of the λ⊥ estimate at c*.
//
// # Trained networks on data
//
// [PairProfile] runs pairs of real sequences through a trained network
// with the CPU engine's Trace and averages the coupling gate and the
// synchronisation error per step; [GateOff] gives the same network with its
// gate forced to 0 (exactly the plain GRU pair), for contrast.
// [StudyGate] does both for positive and negative pairs and asks whether
// the gate couples similar pairs more (the AUCs of [GateStudy]; per class
// with [ClassMeans]): the computation and the JSON of `cgru sync gate` and
// of the page's sync.gate.
//
// # Use from a single goroutine
//
// Nothing here prints or starts goroutines. Long loops look at their
// context every 1024 steps and return its error once it is done. A [GRU]
// and a [Pair] keep scratch memory and must not be shared between
// goroutines ([GRU.Clone] gives an independent copy). The maths is the
// portable pure-Go code of package math, so results are bit for bit the same
// natively (amd64) and in WebAssembly (TestSamePlatformResults). Costs,
// H = 20, one goroutine (BenchmarkMaxLyapunov, medians of 5 on a shared
// 2-core machine): λ_max over 1000 + 5000 steps 12 ms natively, 33 ms under
// GOOS=js GOARCH=wasm in Node; a pair for 2000 steps with its trajectory
// visited 6 ms natively, 17 ms in wasm; all 20 exponents over 6000 steps
// 135 ms natively.
//
// # Measured (the tests and docs/results/sync.sh)
//
// Random H = 20 GRU, seed 1: λ_max < 0 up to gain ≈ 4.5, chaotic from ≈ 5
// to 8 (0.0864 ± 0.0023 at 7.5 over 5 initial states of 20000 steps), then
// mostly marginal. Spread of λ_max over 8 initial states at gain 7.5:
// sd 0.019, 0.007, 0.0024 for horizons of 1000, 4000, 16000 steps (about
// 1/√steps). Thresholds (5 runs of 20000 steps per c): diffusive, gain 7.5:
// c* = 0.0406, measured 0.0475 (tolerance 0.0120); gain 6.5: 0.0336 and
// 0.0356 (0.0056); CGRU form, gain 7.5: 0.0997 and 0.1038 (0.0147). The
// trained CGRU of docs/results/cgru.json has, at zero input, a stable fixed
// point (λ_max = −0.155): its copies meet without coupling, so what the
// trained network does with a pair comes from the inputs.
package dynamics
