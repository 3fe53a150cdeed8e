package dynamics

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/cgru/cgru/model"
)

func randomSeqs(n, T, I int, seed uint64) model.Seqs[float64] {
	rng := rand.New(rand.NewPCG(seed, 1))
	x := model.NewSeqs[float64](n, T, I)
	for i := range x.X {
		x.X[i] = rng.NormFloat64()
	}
	return x
}

// TestGateOff: a CGRU whose gate is exactly 0 (bias_hc = −1000:
// σ(−1000) underflows to 0) runs exactly as its GateOff network, the
// plain GRU pair; and a CGRU with W_hc = 0, b_hc = 0 has c = 1/2 at every
// step.
func TestGateOff(t *testing.T) {
	ctx := context.Background()
	net := model.NewNet[float64](model.CGRU, 3, 6)
	net.Init(2, model.CouplingPaper)
	x := randomSeqs(4, 9, 3, 7)
	pairs := []model.Pair{{A: 0, B: 1}, {A: 2, B: 3}, {A: 1, B: 3}}

	closed := net.Clone()
	for i := range closed.Param("bias_hc") {
		closed.Param("bias_hc")[i] = -1000
	}
	pc, err := PairProfile(ctx, closed, x, pairs)
	if err != nil {
		t.Fatal(err)
	}
	off := GateOff(net)
	if off.Kind != model.SGRU || len(off.Params) != model.NewLayout(model.SGRU, 3, 6).Size {
		t.Fatalf("GateOff: kind %s, %d parameters", off.Kind, len(off.Params))
	}
	po, err := PairProfile(ctx, off, x, pairs)
	if err != nil {
		t.Fatal(err)
	}
	if po.Gate != nil || po.PairGate != nil {
		t.Errorf("gate-off profile has a gate: %v", po.Gate)
	}
	for step := range pc.Err {
		if pc.Gate[step] != 0 {
			t.Errorf("step %d: gate %g with b_hc = −1000, want 0", step, pc.Gate[step])
		}
		if math.Abs(pc.Err[step]-po.Err[step]) > 1e-15 || math.Abs(pc.ErrSD[step]-po.ErrSD[step]) > 1e-15 {
			t.Errorf("step %d: error %g ± %g with c = 0, %g ± %g gate off", step, pc.Err[step], pc.ErrSD[step], po.Err[step], po.ErrSD[step])
		}
	}
	for i, d := range po.PairDist {
		if d != pc.PairDist[i] {
			t.Errorf("pair %d: distance %g gate off, %g with c = 0", i, d, pc.PairDist[i])
		}
	}

	half := net.Clone()
	clear(half.Param("weight_hc"))
	clear(half.Param("bias_hc"))
	ph, err := PairProfile(ctx, half, x, pairs)
	if err != nil {
		t.Fatal(err)
	}
	for step, g := range ph.Gate {
		if g != 0.5 || ph.GateSD[step] != 0 {
			t.Errorf("step %d: gate %g ± %g with W_hc = b_hc = 0, want 0.5 ± 0", step, g, ph.GateSD[step])
		}
	}
	// The mean and SD per step are those of the pairs' own traces.
	e := &model.CPU[float64]{}
	var want [3]float64
	for i, p := range pairs {
		want[i] = e.Trace(net, x.Seq(int(p.A)), x.Seq(int(p.B))).SyncError()[4]
	}
	pn, err := PairProfile(ctx, net, x, pairs)
	if err != nil {
		t.Fatal(err)
	}
	m := (want[0] + want[1] + want[2]) / 3
	sd := math.Sqrt(((want[0]-m)*(want[0]-m) + (want[1]-m)*(want[1]-m) + (want[2]-m)*(want[2]-m)) / 3)
	if math.Abs(pn.Err[4]-m) > 1e-15 || math.Abs(pn.ErrSD[4]-sd) > 1e-12 {
		t.Errorf("step 5: error %g ± %g, want %g ± %g", pn.Err[4], pn.ErrSD[4], m, sd)
	}
}

func TestAUC(t *testing.T) {
	cases := []struct {
		a, b []float64
		want float64
	}{
		{[]float64{3, 1}, []float64{2, 2}, 0.5},
		{[]float64{2}, []float64{2}, 0.5},
		{[]float64{1, 2, 3}, []float64{0}, 1},
		{[]float64{0}, []float64{1, 2, 3}, 0},
		{[]float64{1, 2, 3, 4}, []float64{2.5, 2, 0}, (1 + 1.5 + 3 + 3) / 12.0}, // a=2 ties one b
	}
	for i, c := range cases {
		if got := AUC(c.a, c.b); math.Abs(got-c.want) > 1e-15 {
			t.Errorf("case %d: AUC(%v, %v) = %g, want %g", i, c.a, c.b, got, c.want)
		}
	}
	if !math.IsNaN(AUC(nil, []float64{1})) {
		t.Error("AUC of an empty set is not NaN")
	}
}

// TestPCA2: points on an ellipse with semi-axes 3 and 1 along two
// orthonormal directions of R^4 (plus an offset): the axes come back (up
// to sign) with variances 9/2 and 1/2.
func TestPCA2(t *testing.T) {
	s2 := 1 / math.Sqrt2
	a1 := []float64{s2, s2, 0, 0}
	a2 := []float64{0, 0, -0.6, 0.8}
	off := []float64{1, -2, 3, 0.5}
	const n = 360
	var pts []float64
	for k := 0; k < n; k++ {
		th := 2 * math.Pi * float64(k) / n
		for i := 0; i < 4; i++ {
			pts = append(pts, off[i]+3*math.Cos(th)*a1[i]+math.Sin(th)*a2[i])
		}
	}
	p := PCA2(pts, 4)
	for k, want := range [][]float64{a1, a2} {
		var dot float64
		for i := range want {
			dot += want[i] * p.Axes[k][i]
		}
		if math.Abs(math.Abs(dot)-1) > 1e-9 {
			t.Errorf("axis %d: %v, want ±%v", k, p.Axes[k], want)
		}
	}
	if math.Abs(p.Variance[0]-4.5) > 1e-9 || math.Abs(p.Variance[1]-0.5) > 1e-9 {
		t.Errorf("variances %v, want [4.5 0.5]", p.Variance)
	}
	u, v := p.Apply(pts[:4]) // θ = 0: (±3, 0)
	if math.Abs(math.Abs(u)-3) > 1e-9 || math.Abs(v) > 1e-9 {
		t.Errorf("first point projects to (%g, %g), want (±3, 0)", u, v)
	}
}
