package app

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cgru/cgru/data"
	"github.com/cgru/cgru/model"
	"github.com/cgru/cgru/model/dynamics"
)

// lyapDirect is one estimate of `cgru sync lyapunov` (initial state seed)
// computed with model/dynamics directly.
func lyapDirect(t testing.TB, g *dynamics.GRU, steps, transient int, seed uint64) dynamics.Estimate {
	t.Helper()
	ctx := context.Background()
	x, err := dynamics.OnAttractor(ctx, g, seed, transient)
	if err != nil {
		t.Fatal(err)
	}
	e, err := dynamics.MaxLyapunov(ctx, g, x, dynamics.Options{Transient: transient, Steps: steps, Seed: seed})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

type lyapReply struct {
	Network   string
	Hidden    int
	Gain      float64
	LambdaMax *float64 `json:"lambda_max"`
	SD        *float64
	StdErr    *float64
	Runs      []float64
	Threshold float64
	Regime    string
	Command   string
	SaveAs    string `json:"save_as"`
}

// TestSyncLyapunov checks λ_max against model/dynamics (bit for bit: the
// page shows the number of cgru sync lyapunov) for a random GRU with one
// and with several initial states, and for the page's CGRU.
func TestSyncLyapunov(t *testing.T) {
	a, _ := newApp(t)
	var r lyapReply
	call(t, a, "sync.lyapunov", map[string]any{"network": map[string]any{"source": "random", "hidden": 20, "seed": 1}, "gain": 7.5}, &r)
	want := lyapDirect(t, dynamics.RandomGRU(20, 7.5, 1), 5000, 1000, 1)
	if r.LambdaMax == nil || *r.LambdaMax != want.Lambda || *r.StdErr != want.StdErr || r.SD != nil || len(r.Runs) != 1 {
		t.Fatalf("λ_max %v ± %v (sd %v, runs %v), want %v ± %v bit for bit, sd null", r.LambdaMax, r.StdErr, r.SD, r.Runs, want.Lambda, want.StdErr)
	}
	// The chaotic GRU of the lab (0.0864 ± 0.0023 over 20000 steps; the
	// spread of one estimate of 5000 steps is about 0.005).
	if r.Regime != "chaotic" || math.Abs(*r.LambdaMax-0.0864) > 0.03 {
		t.Errorf("gain 7.5: λ_max %v (%s), want about 0.086, chaotic", *r.LambdaMax, r.Regime)
	}
	if c := -math.Expm1(-*r.LambdaMax) / 2; r.Threshold != c {
		t.Errorf("threshold %v, want (1 − e^{−λ})/2 = %v", r.Threshold, c)
	}
	if r.Command != "cgru sync lyapunov --hidden 20 --seed 1 --gains 7.5 --inits 1 --steps 5000 --transient 1000" || r.Hidden != 20 {
		t.Errorf("command %q", r.Command)
	}

	// Three initial states: the command's mean and sample deviation.
	call(t, a, "sync.lyapunov", map[string]any{"gain": 6.5, "inits": 3, "steps": 1500, "transient": 300}, &r)
	g := dynamics.RandomGRU(20, 6.5, 1)
	var runs []float64
	var m float64
	for s := uint64(1); s <= 3; s++ {
		runs = append(runs, lyapDirect(t, g, 1500, 300, s).Lambda)
		m += runs[len(runs)-1]
	}
	m /= 3
	var q float64
	for _, v := range runs {
		q += (v - m) * (v - m)
	}
	if !slices.Equal(r.Runs, runs) || *r.LambdaMax != m || r.SD == nil || *r.SD != math.Sqrt(q/2) {
		t.Errorf("3 initial states: %v mean %v sd %v, want %v mean %v sd %v", r.Runs, *r.LambdaMax, r.SD, runs, m, math.Sqrt(q/2))
	}

	// Gain 1: a stable fixed point, no threshold.
	call(t, a, "sync.lyapunov", map[string]any{"gain": 1, "steps": 2000}, &r)
	if r.Regime != "stable" || *r.LambdaMax >= 0 || r.Threshold != 0 {
		t.Errorf("gain 1: λ_max %v (%s), threshold %v; want stable, 0", *r.LambdaMax, r.Regime, r.Threshold)
	}

	// The page's CGRU: its GRU weights at gain 1.
	call(t, a, "sync.lyapunov", map[string]any{"network": map[string]any{"source": "cgru"}, "steps": 2000}, &r)
	net := a.runs[model.CGRU].model64()
	if w := lyapDirect(t, dynamics.NewGRU(net, nil, 1), 2000, 1000, 1); *r.LambdaMax != w.Lambda {
		t.Errorf("the page's CGRU: λ_max %v, want %v", *r.LambdaMax, w.Lambda)
	}
	if !strings.Contains(r.Command, "--model cgru-h20-seed1.json --gains 1 ") || r.SaveAs != "cgru-h20-seed1.json" || !strings.Contains(r.Network, "CGRU") {
		t.Errorf("the page's CGRU: command %q (save as %q), network %q", r.Command, r.SaveAs, r.Network)
	}
}

type pairReply struct {
	Error          []float64
	U1, V1, U2, V2 []float32
	Variance       [2]float64
	SyncedAt       int      `json:"synced_at"`
	LambdaMax      *float64 `json:"lambda_max"`
	Transverse     *float64
	Form           string
	Coupling       float64
}

// TestSyncPair checks the error curve and the projection against
// model/dynamics (the recipe of its Example), the transverse exponent, and
// that coupling above the threshold synchronises and below it does not.
func TestSyncPair(t *testing.T) {
	a, _ := newApp(t)
	ctx := context.Background()
	g := dynamics.RandomGRU(20, 7.5, 1)
	x0, err := dynamics.Start(ctx, g, 1, 1000, 0)
	if err != nil {
		t.Fatal(err)
	}
	var orbit []float64
	h := slices.Clone(x0[:20])
	for range 501 {
		orbit = append(orbit, h...)
		g.Step(h, h)
	}
	proj := dynamics.PCA2(orbit, 20)
	lam := lyapDirect(t, g, 5000, 1000, 1)
	for _, c := range []float64{0.02, 0.1, 0.5} {
		var r pairReply
		call(t, a, "sync.pair", map[string]any{"gain": 7.5, "coupling": c, "lane": "pair"}, &r)
		e, err := dynamics.Run(ctx, dynamics.NewPair(g, dynamics.Diffusive, c), x0, 500, nil)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(r.Error, e) || len(r.U1) != 501 {
			t.Fatalf("c = %g: the error curve differs from dynamics.Run (%d points)", c, len(r.Error))
		}
		u, v := proj.Apply(x0[:20])
		u2, v2 := proj.Apply(x0[20:])
		if r.U1[0] != float32(u) || r.V1[0] != float32(v) || r.U2[0] != float32(u2) || r.V2[0] != float32(v2) || r.Variance != proj.Variance {
			t.Errorf("c = %g: projection of the start (%v, %v), (%v, %v); want (%v, %v), (%v, %v)", c, r.U1[0], r.V1[0], r.U2[0], r.V2[0], u, v, u2, v2)
		}
		if *r.LambdaMax != lam.Lambda {
			t.Errorf("c = %g: λ_max %v, want sync.lyapunov's %v", c, *r.LambdaMax, lam.Lambda)
		}
		switch c {
		case 0.02: // below c* ≈ 0.04: apart
			if r.SyncedAt != -1 || e[500] < 1e-3 || *r.Transverse != lam.Lambda+math.Log(1-2*c) || *r.Transverse <= 0 {
				t.Errorf("c = 0.02: synced at %d, final error %g, λ⊥ %v", r.SyncedAt, e[500], *r.Transverse)
			}
		case 0.1: // above: synchronised
			if r.SyncedAt < 1 || r.SyncedAt > 500 || e[500] >= 1e-6 || *r.Transverse >= 0 {
				t.Errorf("c = 0.1: synced at %d, final error %g, λ⊥ %v", r.SyncedAt, e[500], *r.Transverse)
			}
			for k := r.SyncedAt; k <= 500; k++ {
				if e[k] >= 1e-6 {
					t.Fatalf("c = 0.1: error %g at %d after synced_at %d", e[k], k, r.SyncedAt)
				}
			}
		case 0.5: // one step makes the copies equal: λ⊥ = −∞ (null)
			if r.Transverse != nil || r.SyncedAt != 1 || e[1] != 0 {
				t.Errorf("c = 0.5: λ⊥ %v, synced at %d, error %g", r.Transverse, r.SyncedAt, e[1])
			}
		}
	}
	// The CGRU form: λ⊥ by Benettin along the synchronised orbit.
	var r pairReply
	call(t, a, "sync.pair", map[string]any{"gain": 7.5, "coupling": 0.2, "form": "cgru", "steps": 50, "lyapunov_steps": 2000}, &r)
	s0, _ := dynamics.OnAttractor(ctx, g, 1, 1000)
	want, err := dynamics.Transverse(ctx, dynamics.NewPair(g, dynamics.CGRUForm, 0.2), s0, dynamics.Options{Transient: 1000, Steps: 2000, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	e, _ := dynamics.Run(ctx, dynamics.NewPair(g, dynamics.CGRUForm, 0.2), x0, 50, nil)
	if r.Form != "cgru" || *r.Transverse != want.Lambda || !slices.Equal(r.Error, e) {
		t.Errorf("cgru form: λ⊥ %v, want %v; error curve equal: %v", *r.Transverse, want.Lambda, slices.Equal(r.Error, e))
	}
	// Sensitive dependence: uncoupled copies started 1e-8 apart separate.
	call(t, a, "sync.pair", map[string]any{"gain": 7.5, "coupling": 0, "delta": 1e-8, "steps": 400}, &r)
	if math.Abs(r.Error[0]-1e-8) > 1e-14 || r.Error[400] < 1e-3 {
		t.Errorf("delta 1e-8: error %g at the start, %g after 400 steps; want 1e-8, then apart", r.Error[0], r.Error[400])
	}
}

// TestSyncSweep checks the sweep against dynamics.Sweep, and the
// thresholds of both forms.
func TestSyncSweep(t *testing.T) {
	a, _ := newApp(t)
	ctx := context.Background()
	var r struct {
		Couplings  []float64
		Final      [][]float64
		Synced     []bool
		Measured   *float64
		LambdaMax  float64   `json:"lambda_max"`
		TheoryC    []float64 `json:"theory_c"`
		Transverse []*float64
		Threshold  *float64
	}
	call(t, a, "sync.sweep", map[string]any{"gain": 7.5, "from": 0, "to": 0.2, "count": 5, "steps": 1500, "runs": 2}, &r)
	g := dynamics.RandomGRU(20, 7.5, 1)
	pts, err := dynamics.Sweep(ctx, g, []float64{0, 0.05, 0.1, 0.15, 0.2}, dynamics.SweepOptions{Form: dynamics.Diffusive, Steps: 1500, Transient: 1000, Runs: 2, Tol: 1e-6, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(r.Couplings, []float64{0, 0.05, 0.1, 0.15, 0.2}) {
		t.Fatalf("couplings %v", r.Couplings)
	}
	for i, p := range pts {
		if !slices.Equal(r.Final[i], p.Final) || r.Synced[i] != p.Synced {
			t.Errorf("c = %g: final %v synced %v, want %v %v", p.C, r.Final[i], r.Synced[i], p.Final, p.Synced)
		}
	}
	// c* ≈ 0.04: 0 does not synchronise, 0.05 and above do.
	if r.Synced[0] || !r.Synced[1] || r.Measured == nil || *r.Measured != 0.05 {
		t.Errorf("synced %v, measured threshold %v; want from 0.05", r.Synced, r.Measured)
	}
	lam := lyapDirect(t, g, 5000, 1000, 1).Lambda
	if r.LambdaMax != lam || *r.Threshold != dynamics.DiffusiveThreshold(lam) || *r.Transverse[1] != lam+math.Log(1-0.1) {
		t.Errorf("theory: λ_max %v, c* %v, λ⊥(0.05) %v; want %v, %v, %v", r.LambdaMax, *r.Threshold, *r.Transverse[1], lam, dynamics.DiffusiveThreshold(lam), lam+math.Log(0.9))
	}
	// The CGRU form: its threshold is the root of λ⊥ (bisection to 1e-3),
	// λ⊥ on a coarser grid.
	call(t, a, "sync.sweep", map[string]any{"gain": 7.5, "form": "cgru", "from": 0, "to": 0.5, "count": 3, "theory_count": 3, "steps": 200, "lyapunov_steps": 1000}, &r)
	s0, _ := dynamics.OnAttractor(ctx, g, 1, 1000)
	c, ok, err := dynamics.TransverseThreshold(ctx, g, dynamics.CGRUForm, s0, dynamics.Options{Transient: 1000, Steps: 1000, Seed: 1}, 1e-3)
	if err != nil || !ok {
		t.Fatal(ok, err)
	}
	if r.Threshold == nil || *r.Threshold != c || !slices.Equal(r.TheoryC, []float64{0, 0.25, 0.5}) || *r.Transverse[0] <= 0 || *r.Transverse[2] >= 0 {
		t.Errorf("cgru form: threshold %v want %v; λ⊥ at %v: %v %v %v", r.Threshold, c, r.TheoryC, *r.Transverse[0], *r.Transverse[1], *r.Transverse[2])
	}
}

// gateFile is a CGRU model file (H = 8, input 9, seeded) with a
// normalisation, as a page upload.
func gateFile(t testing.TB, kind model.Kind) (File, *model.File) {
	t.Helper()
	net := model.NewNet[float64](kind, 9, 8)
	net.Init(3, model.CouplingPaper)
	f := &model.File{Net: net, Dataset: "test", Normalization: &model.Normalization{
		Mean: []float64{0.1, -0.2, 0.3, 0, 0, 0, 1, -1, 0.5}, Std: []float64{1, 2, 0.5, 1, 1, 1, 3, 0.25, 1}}}
	if kind == model.CGRU {
		f.CouplingInit = model.CouplingPaper
	}
	b, err := f.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	mf, err := model.ParseFile(b, "m.json")
	if err != nil {
		t.Fatal(err)
	}
	return File{Path: "some/dir/" + string(kind) + "-gate.json", Data: b}, mf
}

// TestSyncGate checks the trained-CGRU view against dynamics.PairProfile
// on the same pairs (what cgru sync gate computes), with the model file's
// normalisation, and the model file's handling.
func TestSyncGate(t *testing.T) {
	a, h := newApp(t)
	file, mf := gateFile(t, model.CGRU)
	var m SyncModel
	call(t, a, "sync.model", nil, &m, file)
	if !m.Loaded || m.Name != "cgru-gate.json" || m.Kind != "cgru" || m.Hidden != 8 || !m.Normalized {
		t.Fatalf("sync.model: %+v", m)
	}
	var r SyncGate
	call(t, a, "sync.gate", map[string]any{"network": map[string]any{"source": "file"}, "pairs_per_class": 3, "seed": 2, "lane": "gate"}, &r)
	test := data.Embedded().Test.Clone()
	(&data.Normalizer{Mean: mf.Normalization.Mean, Std: mf.Normalization.Std}).Apply(test)
	x := model.NewSeqs[float64](test.Len(), test.T, 9)
	for i, v := range test.X {
		x.X[i] = float64(v)
	}
	pos, neg := data.SamplePairs(test.Labels, 6, 3, 2)
	conv := func(ps []data.Pair) []model.Pair {
		var out []model.Pair
		for _, p := range ps {
			out = append(out, model.Pair{A: int32(p.A), B: int32(p.B)})
		}
		return out
	}
	// cgru sync gate's computation on the whole normalised split, with the
	// pairs' own window indices: the page's answer is the same study
	// (without the per-pair values).
	want, err := dynamics.StudyGate(context.Background(), mf.Net, x, conv(pos), conv(neg), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, side := range []struct {
		name      string
		got, want dynamics.GateSide
	}{{"positive", r.Positive, want.Positive}, {"negative", r.Negative, want.Negative}} {
		g, w := side.got, side.want
		if g.Pairs != 18 || len(g.Gate) != 128 || g.PairGate != nil || g.PairDist != nil || g.PairDistGateOff != nil {
			t.Errorf("%s: %d pairs, %d steps, per-pair values %d %d %d (want none in the answer)", side.name, g.Pairs, len(g.Gate),
				len(g.PairGate), len(g.PairDist), len(g.PairDistGateOff))
		}
		w.PairGate, w.PairDist, w.PairDistGateOff = nil, nil, nil
		if !reflect.DeepEqual(g, w) {
			t.Errorf("%s: the page's side differs from dynamics.StudyGate's:\n%+v\n%+v", side.name, g, w)
		}
		// The gate forced to 0 is the plain GRU pair: the error differs.
		if slices.Equal(g.Error, g.ErrorGateOff) {
			t.Errorf("%s: the error with the gate off equals the error with it", side.name)
		}
	}
	if r.GateAUC != want.GateAUC || r.DistanceAUC != want.DistanceAUC || r.DistanceAUCGateOff != want.DistanceAUCGateOff {
		t.Errorf("AUCs: gate %v, distance %v, gate off %v; dynamics.StudyGate: %v, %v, %v", r.GateAUC, r.DistanceAUC, r.DistanceAUCGateOff,
			want.GateAUC, want.DistanceAUC, want.DistanceAUCGateOff)
	}
	if !(r.GateAUC >= 0 && r.GateAUC <= 1) || math.Abs(r.GateAUCNullSE-math.Sqrt(37.0/(12*18*18))) > 1e-15 || !r.Normalized || r.T != 128 || r.H != 8 {
		t.Errorf("gate AUC %v ± %v, normalised %v, T %d, H %d", r.GateAUC, r.GateAUCNullSE, r.Normalized, r.T, r.H)
	}
	if r.Command != "cgru sync gate --model cgru-gate.json --data embedded --split test --pairs-per-class 3 --seed 2" {
		t.Errorf("command %q", r.Command)
	}
	if n := len(h.named("task.progress")); n != 4 {
		t.Errorf("%d progress events, want 4", n)
	}
	// The page's own (untrained) CGRU works too.
	call(t, a, "sync.gate", map[string]any{"pairs_per_class": 1}, &r)
	if r.Positive.Pairs != 6 || !strings.Contains(r.Model, "CGRU") {
		t.Errorf("the page's CGRU: %d pairs, model %q", r.Positive.Pairs, r.Model)
	}
	// An SGRU file is refused by the gate view; λ_max takes it.
	sfile, _ := gateFile(t, model.SGRU)
	call(t, a, "sync.model", nil, &m, sfile)
	if _, err := try(a, "sync.gate", map[string]any{"network": map[string]any{"source": "file"}}); err == nil || !strings.Contains(err.Error(), "sgru-gate.json (SGRU, H = 8) is an SGRU: the gate view needs a CGRU") {
		t.Errorf("gate of an SGRU: %v", err)
	}
	var l lyapReply
	call(t, a, "sync.lyapunov", map[string]any{"network": map[string]any{"source": "file"}, "steps": 500}, &l)
	if l.LambdaMax == nil || !strings.HasPrefix(l.Command, "cgru sync lyapunov --model sgru-gate.json --gains 1 ") {
		t.Errorf("λ_max of the file: %v, %q", l.LambdaMax, l.Command)
	}
	call(t, a, "sync.model", map[string]any{"clear": true}, &m)
	if m.Loaded {
		t.Errorf("cleared: %+v", m)
	}
	if _, err := try(a, "sync.lyapunov", map[string]any{"network": map[string]any{"source": "file"}}); err == nil || !strings.Contains(err.Error(), "no model file loaded") {
		t.Errorf("no file: %v", err)
	}
	// A bad model file names its field; the one kept stays.
	call(t, a, "sync.model", nil, &m, file)
	bad := strings.Replace(string(file.Data), `"hidden_size":8`, `"hidden_size":7`, 1)
	if bad == string(file.Data) {
		t.Fatal("the test's replacement did not apply")
	}
	if _, err := try(a, "sync.model", nil, File{"bad.json", []byte(bad)}); err == nil || !strings.Contains(err.Error(), "bad.json") {
		t.Errorf("bad model file: %v", err)
	}
	call(t, a, "sync.model", nil, &m)
	if m.Name != "cgru-gate.json" {
		t.Errorf("after a refused file the panel's model is %+v", m)
	}
}

// TestSyncLanes checks that a newer request of a lane cancels the one in
// progress (what keeps a moving slider cheap), that it leaves the other
// lanes alone, and sync.cancel.
func TestSyncLanes(t *testing.T) {
	a, _ := newApp(t)
	long := func(lane string, gain float64) <-chan error {
		done := make(chan error, 1)
		go func() {
			_, err := try(a, "sync.lyapunov", map[string]any{"network": map[string]any{"hidden": 64}, "gain": gain, "steps": 50000, "lane": lane})
			done <- err
		}()
		return done
	}
	running := func(lane string) bool {
		s := a.syncState()
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.lanes[lane] != nil
	}
	first := long("gain", 3)
	other := long("other", 3.5)
	waitFor(t, func() bool { return running("gain") && running("other") })
	start := time.Now()
	var r lyapReply
	call(t, a, "sync.lyapunov", map[string]any{"gain": 2, "steps": 100, "lane": "gain"}, &r)
	select {
	case err := <-first:
		if !errors.Is(err, errSuperseded) || !strings.Contains(err.Error(), "sync.lyapunov: superseded by a newer request") {
			t.Errorf("the superseded request: %v", err)
		}
		t.Logf("the superseded request returned %v after the newer one started", time.Since(start))
	case <-time.After(time.Minute):
		t.Fatal("the superseded request did not stop")
	}
	// The other lane's request was not cancelled: it ends with its answer
	// (under Node, where goroutines take turns, it may have ended already).
	if err := <-other; err != nil {
		t.Errorf("the request of another lane: %v", err)
	}
	// sync.cancel stops a lane's request.
	again := long("other", 3.25)
	waitFor(t, func() bool { return running("other") })
	var c struct{ Cancelled []string }
	call(t, a, "sync.cancel", map[string]any{"lane": "other"}, &c)
	if err := <-again; err == nil || !strings.Contains(err.Error(), "cancelled") || !slices.Equal(c.Cancelled, []string{"other"}) {
		t.Errorf("sync.cancel: %v, cancelled %v", err, c.Cancelled)
	}
	if running("gain") || running("other") {
		t.Errorf("lanes still marked running")
	}
}

func TestSyncBadRequests(t *testing.T) {
	a, _ := newApp(t)
	for _, c := range []struct {
		op   string
		arg  any
		want string
	}{
		{"sync.lyapunov", map[string]any{"gain": -1}, "sync.lyapunov: gain -1: want a finite number from 0 to 1e6"},
		{"sync.lyapunov", map[string]any{"network": map[string]any{"hidden": 0}}, "sync.lyapunov: network: hidden 0, want 1 to 256"},
		{"sync.lyapunov", map[string]any{"network": map[string]any{"source": "lstm"}}, `source "lstm"`},
		{"sync.lyapunov", map[string]any{"steps": 0}, "steps 0"},
		{"sync.lyapunov", map[string]any{"inits": 21}, "inits 21"},
		{"sync.lyapunov", map[string]any{"gains": 2}, `unknown field "gains"`},
		{"sync.pair", map[string]any{"coupling": 1.5}, "coupling 1.5, want a number from 0 to 1"},
		{"sync.pair", map[string]any{"form": "ring"}, `unknown coupling form "ring"`},
		{"sync.pair", map[string]any{"steps": 20000}, "steps 20000, want 1 to 10000"},
		{"sync.pair", map[string]any{"delta": -1}, "delta -1"},
		{"sync.sweep", map[string]any{"from": 0.3, "to": 0.2}, "couplings from 0.3 to 0.2"},
		{"sync.sweep", map[string]any{"count": 1}, "count 1"},
		{"sync.sweep", map[string]any{"coupling": 0.1}, "delta and coupling are pair settings"},
		{"sync.gate", map[string]any{"network": map[string]any{"source": "random"}}, `network "random": the gate view takes a trained CGRU`},
		{"sync.gate", map[string]any{"split": "val"}, `split "val"`},
		{"sync.gate", map[string]any{"pairs_per_class": 0}, "pairs_per_class 0"},
		{"sync.model", nil, ""},
	} {
		_, err := try(a, c.op, c.arg)
		if c.want == "" {
			if err != nil {
				t.Errorf("%s %v: %v", c.op, c.arg, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s %v: error %v, want one containing %q", c.op, c.arg, err, c.want)
		}
	}
	// The gate's model must fit the data loaded.
	call(t, a, "data.load", map[string]any{"name": "UCI HAR Dataset"}, nil, harFiles()...)
	file, _ := gateFile(t, model.CGRU)
	call(t, a, "sync.model", nil, nil, file)
	_, err := try(a, "sync.gate", map[string]any{"network": map[string]any{"source": "file"}, "split": "train"})
	if err != nil {
		t.Errorf("a 9-channel model on 9-channel data: %v", err)
	}
	csv := "window,split,subject,label,a\nw1,train,1,up,1\nw2,train,1,down,2\nw3,test,1,up,1\nw4,test,1,down,2\n"
	call(t, a, "data.load", map[string]any{"name": "mine.csv"}, nil, File{"mine.csv", []byte(csv)})
	_, err = try(a, "sync.gate", map[string]any{"network": map[string]any{"source": "file"}})
	if err == nil || !strings.Contains(err.Error(), "has input size 9, but the data loaded (mine.csv) has 1 channels") {
		t.Errorf("a model of other input size: %v", err)
	}
	// Replies with −∞ and NaN encode (as null).
	rep := call(t, a, "sync.pair", map[string]any{"gain": 0, "coupling": 0.5, "steps": 3, "lyapunov_steps": 10}, nil)
	if _, err := json.Marshal(rep.Value); err != nil {
		t.Errorf("reply: %v", err)
	}
}

// BenchmarkSyncOps times what the panel asks while a slider moves
// (H = 20, gain 7.5): λ_max over 1000 + 5000 steps (one initial state,
// not cached), a pair of 500 steps with its trajectory (the start and
// the projection cached, as when only c moves), a sweep of 51 couplings
// of 500 steps, and the gate view of a CGRU (H = 20) on 20 pairs per
// class and side of the embedded test split. Run it natively and under
// Node (GOOS=js GOARCH=wasm go test -bench Sync ./wasm/app/).
func BenchmarkSyncOps(b *testing.B) {
	a, _ := newApp(b)
	b.Run("lyapunov", func(b *testing.B) {
		for b.Loop() {
			// A new gain each time: nothing cached.
			benchGain++
			call(b, a, "sync.lyapunov", map[string]any{"gain": 7.5 + 1e-9*float64(benchGain)}, nil)
		}
	})
	call(b, a, "sync.pair", map[string]any{"gain": 7.5, "coupling": 0.05}, nil)
	b.Run("pair", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			call(b, a, "sync.pair", map[string]any{"gain": 7.5, "coupling": 0.001 * float64(i%500)}, nil)
		}
	})
	b.Run("sweep", func(b *testing.B) {
		for b.Loop() {
			call(b, a, "sync.sweep", map[string]any{"gain": 7.5}, nil)
		}
	})
	net := model.NewNet[float64](model.CGRU, 9, 20)
	net.Init(1, model.CouplingPaper)
	f, err := (&model.File{Net: net}).Marshal()
	if err != nil {
		b.Fatal(err)
	}
	call(b, a, "sync.model", nil, nil, File{"c.json", f})
	b.Run("gate", func(b *testing.B) {
		for b.Loop() {
			call(b, a, "sync.gate", map[string]any{"network": map[string]any{"source": "file"}}, nil)
		}
	})
}

// benchGain makes every λ_max of the benchmark a new one.
var benchGain int

// TestSyncSharedEstimate checks that two requests for the same λ_max share
// one computation, and that when the one computing it is superseded, the
// one waiting computes it itself.
func TestSyncSharedEstimate(t *testing.T) {
	a, _ := newApp(t)
	s := a.syncState()
	ask := func(lane string) <-chan error {
		done := make(chan error, 1)
		go func() {
			_, err := try(a, "sync.lyapunov", map[string]any{"network": map[string]any{"hidden": 48}, "gain": 4, "steps": 30000, "lane": lane})
			done <- err
		}()
		return done
	}
	computing := func() bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		return len(s.pending) == 1 && s.lanes["a"] != nil
	}
	first := ask("a")
	waitFor(t, computing)
	second := ask("b")
	waitFor(t, func() bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.lanes["b"] != nil
	})
	// Supersede the one computing: the waiting one takes over.
	call(t, a, "sync.lyapunov", map[string]any{"gain": 2, "steps": 10, "lane": "a"}, nil)
	if err := <-first; !errors.Is(err, errSuperseded) {
		t.Fatalf("the first request: %v", err)
	}
	if err := <-second; err != nil {
		t.Fatalf("the waiting request: %v", err)
	}
	// Cached: the value the waiting request computed.
	var r lyapReply
	call(t, a, "sync.lyapunov", map[string]any{"network": map[string]any{"hidden": 48}, "gain": 4, "steps": 30000}, &r)
	want := lyapDirect(t, dynamics.RandomGRU(48, 4, 1), 30000, 1000, 1)
	if *r.LambdaMax != want.Lambda {
		t.Errorf("λ_max %v, want %v", *r.LambdaMax, want.Lambda)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.pending) != 0 {
		t.Errorf("%d estimates still marked in progress", len(s.pending))
	}
}
