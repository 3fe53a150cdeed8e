package model

import (
	"encoding/json"
	"math"
	"os"
	"testing"
)

// TestTrainStepGolden replays three training steps (pair loss, coupling
// penalty, clipping, Adam with weight decay) against torch.optim.Adam
// (testdata/train_golden.py).
func TestTrainStepGolden(t *testing.T) {
	b, err := os.ReadFile("../testdata/train_golden.json")
	if err != nil {
		t.Fatal(err)
	}
	var g struct {
		Magic string
		Cases []struct {
			Name     string
			Kind     Kind
			Input    int `json:"input_size"`
			Hidden   int `json:"hidden_size"`
			Params   map[string]json.RawMessage
			X        [][][]float64
			Labels   []int
			Loss     string
			LR, Clip float64
			Coupling float64
			Steps    []struct {
				Loss, Penalty float64
				GradNorm      float64 `json:"grad_norm"`
				Params        map[string]json.RawMessage
			}
		}
	}
	if err := json.Unmarshal(b, &g); err != nil || g.Magic != "cgru-train-golden" {
		t.Fatalf("train_golden.json: %v (magic %q)", err, g.Magic)
	}
	for _, c := range g.Cases {
		net := NewNet[float64](c.Kind, c.Input, c.Hidden)
		if err := ParseParams(net, c.Params); err != nil {
			t.Fatal(err)
		}
		var loss Loss = Contrastive{Margin: 1}
		if c.Loss == "structural" {
			loss = DefaultStructural
		}
		opt := NewAdam[float64]()
		opt.LR = c.LR
		reg := Regularization{Coupling: c.Coupling, ClipNorm: c.Clip}
		x := toSeqs(c.X)
		grad := make([]float64, len(net.Params))
		var e CPU[float64]
		for s, want := range c.Steps {
			res, err := TrainStep[float64](&e, net, opt, reg, x, c.Labels, loss, grad)
			if err != nil {
				t.Fatal(err)
			}
			for _, q := range []struct {
				name      string
				got, want float64
			}{{"loss", res.Loss, want.Loss}, {"penalty", res.Penalty, want.Penalty}, {"grad norm", res.GradNorm, want.GradNorm}} {
				if relErr(q.got, q.want, 1e-12) > 1e-9 {
					t.Errorf("%s step %d: %s %.17g, torch %.17g", c.Name, s, q.name, q.got, q.want)
				}
			}
			wantNet := NewNet[float64](c.Kind, c.Input, c.Hidden)
			if err := ParseParams(wantNet, want.Params); err != nil {
				t.Fatal(err)
			}
			for _, tn := range net.Layout().Tensors {
				got, w := net.Params[tn.Off:tn.Off+tn.Size()], wantNet.Params[tn.Off:tn.Off+tn.Size()]
				if r, i := maxRel(got, w); r > 1e-9 {
					t.Errorf("%s step %d: %s[%d] = %.17g, torch %.17g", c.Name, s, tn.Name, i, got[i], w[i])
				}
			}
		}
	}
}

// TestTrainStepNonFinite: a NaN in the data is reported and leaves the
// network and the optimiser as they were.
func TestTrainStepNonFinite(t *testing.T) {
	net := NewNet[float64](CGRU, 2, 3)
	net.Init(1, CouplingWeak)
	before := net.Clone()
	x := NewSeqs[float64](3, 4, 2)
	x.X[5] = math.NaN()
	opt := NewAdam[float64]()
	var e CPU[float64]
	_, err := TrainStep[float64](&e, net, opt, DefaultRegularization, x, []int{0, 1, 0}, Contrastive{Margin: 1}, make([]float64, len(net.Params)))
	if _, ok := err.(*NonFiniteError); !ok {
		t.Fatalf("error %v, want a *NonFiniteError", err)
	}
	if opt.T != 0 {
		t.Errorf("optimiser stepped %d times, want 0", opt.T)
	}
	for i := range net.Params {
		if net.Params[i] != before.Params[i] {
			t.Fatalf("param %d changed from %g to %g", i, before.Params[i], net.Params[i])
		}
	}
}

func TestPlateau(t *testing.T) {
	p := NewPlateau()
	lr := 1e-3
	lr = p.Observe(1.0, lr)
	for i := 0; i < 10; i++ { // 10 epochs without improvement: kept
		if lr = p.Observe(1.0, lr); lr != 1e-3 {
			t.Fatalf("after %d bad epochs lr = %g, want 1e-3", i+1, lr)
		}
	}
	if lr = p.Observe(0.99995, lr); lr != 5e-4 { // below the 1e-4 relative threshold: 11th bad epoch
		t.Fatalf("after 11 bad epochs lr = %g, want 5e-4", lr)
	}
	if lr = p.Observe(0.5, lr); lr != 5e-4 || p.Best != 0.5 || p.Bad != 0 {
		t.Fatalf("improvement: lr %g best %g bad %d", lr, p.Best, p.Bad)
	}
}
