package dynamics

import (
	"fmt"
	"math"

	"github.com/cgru/cgru/model"
)

// GRU is the autonomous map F of one GRU cell whose input is held constant
// (DESIGN.md §2 with x_t = x for every t):
//
//	r = σ(W_hr h + b_r),   b_r = W_ir x + b_ir + b_hr
//	z = σ(W_hz h + b_z),   b_z = W_iz x + b_iz + b_hz
//	g = W_hn h + b_hn
//	n = tanh(b_n + r ⊙ g), b_n = W_in x + b_in
//	F(h) = (1 − z) ⊙ n + z ⊙ h
//
// Its Jacobian, row i, column j (δ the Kronecker delta):
//
//	∂F_i/∂h_j = z_i δ_ij + (1 − z_i) ∂n_i/∂h_j + (h_i − n_i) z_i (1 − z_i) W_hz[i,j]
//	∂n_i/∂h_j = (1 − n_i²) (r_i W_hn[i,j] + g_i r_i (1 − r_i) W_hr[i,j])
//
// A GRU holds scratch memory: it must not be used by several goroutines at
// once ([GRU.Clone] gives an independent copy). It implements [Map].
type GRU struct {
	H int
	// W is weight_hh [3H×H], row-major, row blocks r | z | n, with the gain
	// applied.
	W []float64
	// B is the constant part of the pre-activations [3H]: b_r and b_z as
	// above (input, input bias and hidden bias summed), then b_n (the input
	// part of n only; b_hn sits inside r ⊙ g).
	B []float64
	// BHN is b_hn [H].
	BHN []float64

	u, u2 []float64 // [3H] W·h, then W·v; W·v when both come from one pass
	at    point     // gates at the current state
}

// point holds the gates of F at one state h and the coefficients of its
// Jacobian there: with u = W·v, ∂n·v = cr ⊙ u_r + cn ⊙ u_n and
// ∂z·v = zz ⊙ u_z.
type point struct {
	z, n       []float64 // [H] update gate and candidate state
	zz, cr, cn []float64 // [H] z(1−z), (1−n²)·g·r(1−r), (1−n²)·r
}

func newPoint(h int) point {
	b := make([]float64, 5*h)
	return point{z: b[:h], n: b[h : 2*h], zz: b[2*h : 3*h], cr: b[3*h : 4*h], cn: b[4*h:]}
}

// NewGRU returns the map of the GRU part of net (an SGRU or a CGRU; the
// coupling weights play no part) with the constant input x (nil: zero
// input) and weight_hh multiplied by gain. The input is given as the
// network sees it, after any normalisation of the model file. It panics if
// len(x) is neither 0 nor net.Input, or gain is not finite.
func NewGRU(net *model.Net[float64], x []float64, gain float64) *GRU {
	if len(x) != 0 && len(x) != net.Input {
		panic(fmt.Sprintf("dynamics: input of %d values for a network of input size %d", len(x), net.Input))
	}
	if math.IsNaN(gain) || math.IsInf(gain, 0) {
		panic(fmt.Sprintf("dynamics: gain %g", gain))
	}
	H, I := net.Hidden, net.Input
	l := net.Layout()
	p := net.Params
	g := &GRU{H: H, W: make([]float64, 3*H*H), B: make([]float64, 3*H), BHN: make([]float64, H),
		u: make([]float64, 3*H), u2: make([]float64, 3*H), at: newPoint(H)}
	for i, v := range p[l.WeightHH : l.WeightHH+3*H*H] {
		g.W[i] = gain * v
	}
	for q := 0; q < 3*H; q++ {
		s := p[l.BiasIH+q]
		for k, xk := range x {
			s += p[l.WeightIH+q*I+k] * xk
		}
		if q < 2*H {
			s += p[l.BiasHH+q]
		} else {
			g.BHN[q-2*H] = p[l.BiasHH+q]
		}
		g.B[q] = s
	}
	return g
}

// RandomNet returns an SGRU of the given hidden size (input size 1) with
// PyTorch's default initialisation from seed ([model.Net.Init]): every
// weight and bias uniform in (−1/√H, 1/√H).
func RandomNet(hidden int, seed uint64) *model.Net[float64] {
	net := model.NewNet[float64](model.SGRU, 1, hidden)
	net.Init(seed, model.CouplingPaper)
	return net
}

// RandomGRU is NewGRU(RandomNet(hidden, seed), nil, gain): a GRU with
// PyTorch's default initialisation, weight_hh multiplied by gain, and zero
// input. The same seed gives the same weights on every platform.
func RandomGRU(hidden int, gain float64, seed uint64) *GRU {
	return NewGRU(RandomNet(hidden, seed), nil, gain)
}

// Clone returns a copy of g that shares its (read-only) weights but not
// its scratch memory, for use on another goroutine.
func (g *GRU) Clone() *GRU {
	c := *g
	c.u, c.u2 = make([]float64, 3*g.H), make([]float64, 3*g.H)
	c.at = newPoint(g.H)
	return &c
}

// Dim is H.
func (g *GRU) Dim() int { return g.H }

// matVec sets u = W·v. Four partial sums per row break the chain of
// dependent additions (2–3× faster than one sum, natively and in wasm).
func (g *GRU) matVec(u, v []float64) {
	H := g.H
	v = v[:H]
	for q := range u[:3*H] {
		row := g.W[q*H : (q+1)*H]
		row = row[:len(v)]
		var s0, s1, s2, s3 float64
		j := 0
		for ; j+4 <= len(row); j += 4 {
			s0 += row[j] * v[j]
			s1 += row[j+1] * v[j+1]
			s2 += row[j+2] * v[j+2]
			s3 += row[j+3] * v[j+3]
		}
		for ; j < len(row); j++ {
			s0 += row[j] * v[j]
		}
		u[q] = (s0 + s1) + (s2 + s3)
	}
}

// matVec2 sets u = W·v and u2 = W·v2 in one pass over W (Benettin's
// common case: the state and one tangent vector), summing in matVec's
// order so that the results are bit for bit matVec's.
func (g *GRU) matVec2(u, u2, v, v2 []float64) {
	H := g.H
	v, v2 = v[:H], v2[:H]
	for q := range u[:3*H] {
		row := g.W[q*H : (q+1)*H]
		row = row[:len(v)]
		var s0, s1, s2, s3, t0, t1, t2, t3 float64
		j := 0
		for ; j+4 <= len(row); j += 4 {
			w0, w1, w2, w3 := row[j], row[j+1], row[j+2], row[j+3]
			s0 += w0 * v[j]
			s1 += w1 * v[j+1]
			s2 += w2 * v[j+2]
			s3 += w3 * v[j+3]
			t0 += w0 * v2[j]
			t1 += w1 * v2[j+1]
			t2 += w2 * v2[j+2]
			t3 += w3 * v2[j+3]
		}
		for ; j < len(row); j++ {
			s0 += row[j] * v[j]
			t0 += row[j] * v2[j]
		}
		u[q], u2[q] = (s0+s1)+(s2+s3), (t0+t1)+(t2+t3)
	}
}

// eval computes the gates at h into pt and returns nothing; pt then holds
// z, n and the Jacobian coefficients at h.
func (g *GRU) eval(pt *point, h []float64) {
	g.matVec(g.u, h)
	g.gates(pt, g.u)
}

// gates computes the gates from u = W·h into pt.
func (g *GRU) gates(pt *point, u []float64) {
	H := g.H
	for i := 0; i < H; i++ {
		r := sigmoid(u[i] + g.B[i])
		z := sigmoid(u[H+i] + g.B[H+i])
		gn := u[2*H+i] + g.BHN[i]
		n := tanh(g.B[2*H+i] + r*gn)
		dn := 1 - n*n
		pt.z[i], pt.n[i] = z, n
		pt.zz[i] = z * (1 - z)
		pt.cr[i] = dn * gn * r * (1 - r)
		pt.cn[i] = dn * r
	}
}

// Step sets dst = F(h). dst may be h.
func (g *GRU) Step(dst, h []float64) {
	g.eval(&g.at, h)
	pt := &g.at
	for i := 0; i < g.H; i++ {
		dst[i] = pt.n[i] + pt.z[i]*(h[i]-pt.n[i])
	}
}

// Tangent sets dst = F(h) and dv = DF(h)·v for every tangent vector of v
// ([k][H], k = len(v)/H). dst may be h and dv may be v.
func (g *GRU) Tangent(dst, h, v, dv []float64) {
	H := g.H
	pt := &g.at
	if len(v) == H {
		g.matVec2(g.u, g.u2, h, v)
		g.gates(pt, g.u)
		g.jvpFrom(dv, h, v, g.u2, pt, 1)
	} else {
		g.eval(pt, h)
		for k := 0; k+H <= len(v); k += H {
			g.jvp(dv[k:k+H], h, v[k:k+H], pt, 1)
		}
	}
	for i := 0; i < H; i++ {
		dst[i] = pt.n[i] + pt.z[i]*(h[i]-pt.n[i])
	}
}

// jvp sets dv = DF(h)·v at the point pt of h, with the part through n
// scaled by s: dv = z ⊙ v + s (1 − z) ⊙ ∂n·v + (h − n) ⊙ ∂z·v. s = 1 is the
// Jacobian of F; s = 1 − 2c is the transverse Jacobian of the CGRU-form
// coupling (see [CGRUForm]). dv may be v.
func (g *GRU) jvp(dv, h, v []float64, pt *point, s float64) {
	g.matVec(g.u, v)
	g.jvpFrom(dv, h, v, g.u, pt, s)
}

// jvpFrom is jvp with u = W·v given.
func (g *GRU) jvpFrom(dv, h, v, u []float64, pt *point, s float64) {
	H := g.H
	for i := 0; i < H; i++ {
		dn := pt.cr[i]*u[i] + pt.cn[i]*u[2*H+i]
		dz := pt.zz[i] * u[H+i]
		dv[i] = pt.z[i]*v[i] + s*(1-pt.z[i])*dn + (h[i]-pt.n[i])*dz
	}
}

// Jacobian sets J ([H×H], row-major) to DF(h).
func (g *GRU) Jacobian(J, h []float64) {
	H := g.H
	if len(J) != H*H {
		panic(fmt.Sprintf("dynamics: Jacobian of %d values for H=%d", len(J), H))
	}
	g.eval(&g.at, h)
	pt := &g.at
	for i := 0; i < H; i++ {
		wr, wz, wn := g.W[i*H:(i+1)*H], g.W[(H+i)*H:(H+i+1)*H], g.W[(2*H+i)*H:(2*H+i+1)*H]
		a, d := 1-pt.z[i], h[i]-pt.n[i]
		row := J[i*H : (i+1)*H]
		for j := range row {
			row[j] = a*(pt.cr[i]*wr[j]+pt.cn[i]*wn[j]) + d*pt.zz[i]*wz[j]
		}
		row[i] += pt.z[i]
	}
}

func sigmoid(x float64) float64 {
	if x >= 0 {
		return 1 / (1 + exp(-x))
	}
	e := exp(x)
	return e / (1 + e)
}
