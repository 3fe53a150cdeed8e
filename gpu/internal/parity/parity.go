// Package parity holds the GPU engine's parity cases and checks, shared by
// the native tests of package gpu and the js/wasm program that runs the
// same cases in a browser (gpu/internal/paritywasm).
//
// Every check compares the GPU engine with the CPU engine (model.CPU,
// float32) on the same network and batch. The measure, per tensor, is
//
//	rel = max_k |gpu_k − cpu_k| / S,   S = max_k |cpu_k|
//
// (for a gradient tensor that is all zero, e.g. weight_hh when T = 1, S is
// the largest |value| of all the case's gradients). The limits are the
// issue's: distances and loss ≤ 1e-5, gradients ≤ 1e-4.
package parity

import (
	"encoding/json"
	"fmt"
	"math"
	"time"

	"github.com/cgru/cgru/data"
	"github.com/cgru/cgru/model"
)

// Limits of the parity checks.
const (
	LossTol  = 1e-5
	DistTol  = 1e-5
	GradTol  = 1e-4
	TrainTol = 1e-4
)

// Engine is what the checks need of the GPU engine (*gpu.Engine).
type Engine interface {
	LossGradErr(net *model.Net[float32], x model.Seqs[float32], labels []int, loss model.Loss, grad []float32) (float64, []float64, error)
	DistancesErr(net *model.Net[float32], x model.Seqs[float32], pairs []model.Pair) ([]float64, error)
	TrainStep(net *model.Net[float32], opt *model.Adam[float32], reg model.Regularization,
		x model.Seqs[float32], labels []int, loss model.Loss) (model.StepResult, error)
}

// Case is a network and a batch. With Pairs set it checks Distances on
// those pairs only; otherwise LossGrad over all pairs, and Distances over
// all pairs without the tape.
type Case struct {
	Name   string
	Net    *model.Net[float32]
	X      model.Seqs[float32]
	Labels []int
	Loss   model.Loss
	Pairs  []model.Pair
}

// Result is the outcome of one case.
type Result struct {
	Name     string             `json:"name"`
	Kind     model.Kind         `json:"kind"`
	N        int                `json:"n"`
	T        int                `json:"t"`
	H        int                `json:"h"`
	Pairs    int                `json:"pairs"`
	LossRel  float64            `json:"loss_rel"`
	DistRel  float64            `json:"dist_rel"` // LossGrad's distances
	FwdRel   float64            `json:"fwd_rel"`  // Distances (no tape)
	GradRel  float64            `json:"grad_rel"` // the worst tensor
	Worst    string             `json:"worst"`    // its name
	Tensors  map[string]float64 `json:"tensors"`  // rel of every gradient tensor
	GPUms    float64            `json:"gpu_ms"`   // wall time of the GPU calls
	CPUms    float64            `json:"cpu_ms"`   // wall time of the CPU calls
	Err      string             `json:"error"`    // a GPU error
	Failures []string           `json:"failures"` // limits exceeded
}

// OK reports whether the case passed.
func (r *Result) OK() bool { return r.Err == "" && len(r.Failures) == 0 }

// Rel is max |got − want| / max |want|, or / scale when want is all zero
// (0 when both are all zero; +Inf for a length mismatch or a NaN).
func Rel(got, want []float64, scale float64) float64 {
	if len(got) != len(want) {
		return math.Inf(1)
	}
	var num, den float64
	for i := range want {
		d := math.Abs(got[i] - want[i])
		if math.IsNaN(d) || math.IsInf(d, 0) {
			return math.Inf(1)
		}
		num = math.Max(num, d)
		den = math.Max(den, math.Abs(want[i]))
	}
	if num == 0 {
		return 0
	}
	if den == 0 {
		den = scale
	}
	if den == 0 {
		return math.Inf(1)
	}
	return num / den
}

func f64[F model.Float](v []F) []float64 {
	d := make([]float64, len(v))
	for i, f := range v {
		d[i] = float64(f)
	}
	return d
}

// Check runs case c on e and on the CPU engine and compares them.
func Check(e Engine, c Case) Result {
	r := Result{Name: c.Name, Kind: c.Net.Kind, N: c.X.N, T: c.X.T, H: c.Net.Hidden, Tensors: map[string]float64{}}
	fail := func(format string, a ...any) { r.Failures = append(r.Failures, fmt.Sprintf(format, a...)) }
	var cpu model.CPU[float32]
	if c.Pairs != nil {
		r.Pairs = len(c.Pairs)
		t0 := time.Now()
		dg, err := e.DistancesErr(c.Net, c.X, c.Pairs)
		r.GPUms = ms(time.Since(t0))
		if err != nil {
			r.Err = err.Error()
			return r
		}
		t0 = time.Now()
		dc := cpu.Distances(c.Net, c.X, c.Pairs)
		r.CPUms = ms(time.Since(t0))
		if r.FwdRel = Rel(dg, dc, 0); !(r.FwdRel <= DistTol) {
			fail("distances: rel %.3g > %g", r.FwdRel, DistTol)
		}
		return r
	}
	pairs := model.AllPairs(c.X.N)
	r.Pairs = len(pairs)
	gg := make([]float32, len(c.Net.Params))
	t0 := time.Now()
	lg, dg, err := e.LossGradErr(c.Net, c.X, c.Labels, c.Loss, gg)
	var fg []float64
	if err == nil {
		fg, err = e.DistancesErr(c.Net, c.X, pairs)
	}
	r.GPUms = ms(time.Since(t0))
	if err != nil {
		r.Err = err.Error()
		return r
	}
	gc := make([]float32, len(c.Net.Params))
	t0 = time.Now()
	lc, dc := cpu.LossGrad(c.Net, c.X, c.Labels, c.Loss, gc)
	r.CPUms = ms(time.Since(t0))
	if r.LossRel = Rel([]float64{lg}, []float64{lc}, 0); !(r.LossRel <= LossTol) {
		fail("loss %.9g, cpu %.9g: rel %.3g > %g", lg, lc, r.LossRel, LossTol)
	}
	if r.DistRel = Rel(dg, dc, 0); !(r.DistRel <= DistTol) {
		fail("distances: rel %.3g > %g", r.DistRel, DistTol)
	}
	if r.FwdRel = Rel(fg, dc, 0); !(r.FwdRel <= DistTol) {
		fail("forward-only distances: rel %.3g > %g", r.FwdRel, DistTol)
	}
	var scale float64
	for _, v := range gc {
		scale = math.Max(scale, math.Abs(float64(v)))
	}
	for _, t := range c.Net.Layout().Tensors {
		rel := Rel(f64(gg[t.Off:t.Off+t.Size()]), f64(gc[t.Off:t.Off+t.Size()]), scale)
		r.Tensors[t.Name] = rel
		if rel > r.GradRel || r.Worst == "" {
			r.GradRel, r.Worst = rel, t.Name
		}
		if !(rel <= GradTol) {
			fail("gradient %s: rel %.3g > %g", t.Name, rel, GradTol)
		}
	}
	return r
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// golden is the part of testdata/golden.json the cases need (see
// testdata/README.md).
type golden struct {
	Magic   string `json:"magic"`
	Version int    `json:"version"`
	Cases   []struct {
		Name                string                     `json:"name"`
		Kind                model.Kind                 `json:"kind"`
		Input               int                        `json:"input_size"`
		Hidden              int                        `json:"hidden_size"`
		Params              map[string]json.RawMessage `json:"params"`
		X                   [][][]float64              `json:"x"`
		Labels              []int                      `json:"labels"`
		Loss                string                     `json:"loss"`
		Margin              float64                    `json:"margin"`
		Alpha, Tau, Beta, T float64
	} `json:"cases"`
	PairCases []struct {
		Name   string                     `json:"name"`
		Kind   model.Kind                 `json:"kind"`
		Input  int                        `json:"input_size"`
		Hidden int                        `json:"hidden_size"`
		Params map[string]json.RawMessage `json:"params"`
		A, B   [][][]float64
	} `json:"pair_cases"`
}

func seqs(x [][][]float64) model.Seqs[float32] {
	s := model.NewSeqs[float32](len(x), len(x[0]), len(x[0][0]))
	for n := range x {
		for t := range x[n] {
			for i, v := range x[n][t] {
				s.X[(n*s.T+t)*s.I+i] = float32(v)
			}
		}
	}
	return s
}

// GoldenCases returns the cases of testdata/golden.json (its bytes): the
// 26 loss-and-gradient cases (both models, both losses) and the 5
// pair-distance cases.
func GoldenCases(b []byte) ([]Case, error) {
	var g golden
	if err := json.Unmarshal(b, &g); err != nil {
		return nil, fmt.Errorf("golden.json: %w", err)
	}
	if g.Magic != "cgru-golden" || g.Version != 1 {
		return nil, fmt.Errorf("golden.json: magic %q version %d, want cgru-golden 1", g.Magic, g.Version)
	}
	var cs []Case
	for _, c := range g.Cases {
		net := model.NewNet[float32](c.Kind, c.Input, c.Hidden)
		if err := model.ParseParams(net, c.Params); err != nil {
			return nil, fmt.Errorf("golden.json %s: %w", c.Name, err)
		}
		var loss model.Loss = model.Contrastive{Margin: c.Margin}
		if c.Loss == "structural" {
			loss = model.Structural{Alpha: c.Alpha, Tau: c.Tau, Beta: c.Beta, T: c.T}
		}
		cs = append(cs, Case{Name: "golden/" + c.Name, Net: net, X: seqs(c.X), Labels: c.Labels, Loss: loss})
	}
	for _, c := range g.PairCases {
		net := model.NewNet[float32](c.Kind, c.Input, c.Hidden)
		if err := model.ParseParams(net, c.Params); err != nil {
			return nil, fmt.Errorf("golden.json %s: %w", c.Name, err)
		}
		x := seqs(append(append([][][]float64(nil), c.A...), c.B...))
		P := len(c.A)
		pairs := make([]model.Pair, P)
		for p := range pairs {
			pairs[p] = model.Pair{A: int32(p), B: int32(P + p)}
		}
		cs = append(cs, Case{Name: "golden/" + c.Name, Net: net, X: x, Labels: make([]int, x.N), Pairs: pairs})
	}
	return cs, nil
}

// Batch returns a class-balanced batch of perClass windows of each of the
// six activities of the embedded UCI HAR subset (Anguita et al., ESANN
// 2013, CC BY 4.0), T = 128, I = 9, picked with seed.
func Batch(perClass int, seed uint64) (model.Seqs[float32], []int) {
	train := data.Embedded().Train
	sub := train.Subset(data.BalancedSubset(train, perClass, seed))
	return model.Seqs[float32]{N: sub.Len(), T: sub.T, I: len(sub.Channels), X: sub.X}, sub.Labels
}

// RealCases are real-size cases: a batch of 36 windows (6 per class; 630
// pairs for the CGRU) of T = 128 steps, H = 20, both models and both
// losses, the CGRU once with the paper's coupling init (c ≈ 0.5) and once
// with the weak one (c ≈ 0.02).
func RealCases() []Case {
	x, labels := Batch(6, 1)
	mk := func(kind model.Kind, seed uint64, ci model.CouplingInit) *model.Net[float32] {
		n := model.NewNet[float32](kind, x.I, 20)
		n.Init(seed, ci)
		return n
	}
	return []Case{
		{Name: "real/cgru_contrastive_paper", Net: mk(model.CGRU, 1, model.CouplingPaper), X: x, Labels: labels, Loss: model.Contrastive{Margin: 1}},
		{Name: "real/cgru_structural_weak", Net: mk(model.CGRU, 2, model.CouplingWeak), X: x, Labels: labels, Loss: model.DefaultStructural},
		{Name: "real/sgru_contrastive", Net: mk(model.SGRU, 3, model.CouplingPaper), X: x, Labels: labels, Loss: model.Contrastive{Margin: 1}},
		{Name: "real/sgru_structural", Net: mk(model.SGRU, 4, model.CouplingPaper), X: x, Labels: labels, Loss: model.DefaultStructural},
	}
}

// TrainResult compares training on the GPU and on the CPU.
type TrainResult struct {
	Kind    model.Kind         `json:"kind"`
	Steps   int                `json:"steps"`
	N       int                `json:"n"`
	Rel     float64            `json:"rel"`      // worst tensor of the final parameters
	Worst   string             `json:"worst"`    // its name
	Tensors map[string]float64 `json:"tensors"`  // every tensor
	LossRel float64            `json:"loss_rel"` // worst step's loss
	Err     string             `json:"error"`
}

// Train runs steps training steps (model.TrainStep with the default
// regularisation and Adam) of a kind network (H = 20, the structural loss)
// on e and on the CPU engine from the same initial weights, each step on a
// new class-balanced batch of perClass windows per class, and compares the
// final parameters tensor by tensor.
func Train(e Engine, kind model.Kind, steps, perClass int) TrainResult {
	r := TrainResult{Kind: kind, Steps: steps, Tensors: map[string]float64{}}
	x0, _ := Batch(perClass, 100)
	r.N = x0.N
	ng := model.NewNet[float32](kind, x0.I, 20)
	ng.Init(9, model.CouplingWeak)
	nc := ng.Clone()
	og, oc := model.NewAdam[float32](), model.NewAdam[float32]()
	var cpu model.CPU[float32]
	grad := make([]float32, len(nc.Params))
	loss := model.DefaultStructural
	for s := 0; s < steps; s++ {
		x, labels := Batch(perClass, uint64(100+s))
		rg, err := e.TrainStep(ng, og, model.DefaultRegularization, x, labels, loss)
		if err != nil {
			r.Err = fmt.Sprintf("step %d: %v", s+1, err)
			return r
		}
		rc, err := model.TrainStep[float32](&cpu, nc, oc, model.DefaultRegularization, x, labels, loss, grad)
		if err != nil {
			r.Err = fmt.Sprintf("cpu step %d: %v", s+1, err)
			return r
		}
		r.LossRel = math.Max(r.LossRel, Rel([]float64{rg.Loss}, []float64{rc.Loss}, 0))
	}
	for _, t := range ng.Layout().Tensors {
		rel := Rel(f64(ng.Params[t.Off:t.Off+t.Size()]), f64(nc.Params[t.Off:t.Off+t.Size()]), 0)
		r.Tensors[t.Name] = rel
		if rel > r.Rel || r.Worst == "" {
			r.Rel, r.Worst = rel, t.Name
		}
	}
	if og.T != oc.T {
		r.Err = fmt.Sprintf("Adam took %d steps on the GPU, %d on the CPU", og.T, oc.T)
	}
	return r
}
