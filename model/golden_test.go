package model

import (
	"encoding/json"
	"math"
	"os"
	"testing"
)

// golden is testdata/golden.json, written by testdata/golden.py with
// PyTorch autograd in float64 (see testdata/README.md).
type golden struct {
	Magic     string       `json:"magic"`
	Version   int          `json:"version"`
	Generator string       `json:"generator"`
	Cases     []goldenCase `json:"cases"`
	PairCases []struct {
		Name      string                     `json:"name"`
		Kind      Kind                       `json:"kind"`
		Input     int                        `json:"input_size"`
		Hidden    int                        `json:"hidden_size"`
		Params    map[string]json.RawMessage `json:"params"`
		A, B      [][][]float64
		Distances []float64 `json:"distances"`
	} `json:"pair_cases"`
}

type goldenCase struct {
	Name                string                     `json:"name"`
	Kind                Kind                       `json:"kind"`
	Input               int                        `json:"input_size"`
	Hidden              int                        `json:"hidden_size"`
	Params              map[string]json.RawMessage `json:"params"`
	X                   [][][]float64              `json:"x"`
	Labels              []int                      `json:"labels"`
	Loss                string                     `json:"loss"`
	Margin              float64                    `json:"margin"`
	Alpha, Tau, Beta, T float64
	Expect              struct {
		Loss      float64                    `json:"loss"`
		Distances []float64                  `json:"distances"`
		Grads     map[string]json.RawMessage `json:"grads"`
	} `json:"expect"`
}

// goldenTol is the largest relative error accepted against PyTorch in
// float64 (the issue asks for 1e-5; the engine does much better).
const goldenTol = 1e-9

func readGolden(t *testing.T) *golden {
	b, err := os.ReadFile("../testdata/golden.json")
	if err != nil {
		t.Fatal(err)
	}
	var g golden
	if err := json.Unmarshal(b, &g); err != nil {
		t.Fatal(err)
	}
	if g.Magic != "cgru-golden" || g.Version != 1 {
		t.Fatalf("golden.json: magic %q version %d, want cgru-golden 1", g.Magic, g.Version)
	}
	return &g
}

func toSeqs(x [][][]float64) Seqs[float64] {
	s := NewSeqs[float64](len(x), len(x[0]), len(x[0][0]))
	for n := range x {
		for t := range x[n] {
			copy(s.X[(n*s.T+t)*s.I:], x[n][t])
		}
	}
	return s
}

// maxRel is the largest |got−want| / max(|want|, 1e-8·max|want|).
func maxRel(got, want []float64) (float64, int) {
	var scale float64
	for _, w := range want {
		scale = math.Max(scale, math.Abs(w))
	}
	worst, at := 0.0, -1
	for i := range want {
		if r := relErr(got[i], want[i], 1e-8*scale+1e-300); r > worst {
			worst, at = r, i
		}
	}
	return worst, at
}

// TestGolden compares loss, distances and every gradient tensor with
// PyTorch autograd, tensor by tensor.
func TestGolden(t *testing.T) {
	g := readGolden(t)
	if len(g.Cases) == 0 {
		t.Fatal("golden.json has no cases")
	}
	var worst float64
	defer func() { t.Logf("%d cases: largest relative difference from torch %.2g", len(g.Cases), worst) }()
	for _, c := range g.Cases {
		net := NewNet[float64](c.Kind, c.Input, c.Hidden)
		if err := ParseParams(net, c.Params); err != nil {
			t.Fatalf("%s: %v", c.Name, err)
		}
		var loss Loss = Contrastive{Margin: c.Margin}
		if c.Loss == "structural" {
			loss = Structural{Alpha: c.Alpha, Tau: c.Tau, Beta: c.Beta, T: c.T}
		}
		want := NewNet[float64](c.Kind, c.Input, c.Hidden)
		if err := ParseParams(want, c.Expect.Grads); err != nil {
			t.Fatalf("%s: expected grads: %v", c.Name, err)
		}
		var e CPU[float64]
		grad := make([]float64, len(net.Params))
		l, d := e.LossGrad(net, toSeqs(c.X), c.Labels, loss, grad)
		if r := relErr(l, c.Expect.Loss, 1e-12); r > goldenTol {
			t.Errorf("%s: loss %.17g, torch %.17g (rel %.2g)", c.Name, l, c.Expect.Loss, r)
		}
		if r, i := maxRel(d, c.Expect.Distances); r > goldenTol {
			t.Errorf("%s: distance %d: %.17g, torch %.17g (rel %.2g)", c.Name, i, d[i], c.Expect.Distances[i], r)
		}
		for _, tn := range net.Layout().Tensors {
			got := grad[tn.Off : tn.Off+tn.Size()]
			w := want.Params[tn.Off : tn.Off+tn.Size()]
			r, i := maxRel(got, w)
			worst = math.Max(worst, r)
			if r > goldenTol {
				t.Errorf("%s: grad %s[%d]: %.17g, torch %.17g (largest rel %.2g)", c.Name, tn.Name, i, got[i], w[i], r)
			}
		}
	}
	for _, c := range g.PairCases {
		net := NewNet[float64](c.Kind, c.Input, c.Hidden)
		if err := ParseParams(net, c.Params); err != nil {
			t.Fatalf("%s: %v", c.Name, err)
		}
		var e CPU[float64]
		for p := range c.A {
			tr := e.Trace(net, flat(c.A[p]), flat(c.B[p]))
			want := c.Distances[p]
			if r := relErr(tr.Distance, want, 1e-12); r > goldenTol && !(want == 0 && tr.Distance == 0) {
				t.Errorf("%s pair %d: distance %.17g, torch %.17g", c.Name, p, tr.Distance, want)
			}
		}
	}
}

func flat(x [][]float64) []float64 {
	var s []float64
	for _, r := range x {
		s = append(s, r...)
	}
	return s
}
