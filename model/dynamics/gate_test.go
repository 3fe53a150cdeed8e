package dynamics

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/cgru/cgru/model"
)

// TestStudyGate: each side is PairProfile of the network and of its
// GateOff network on that side's pairs; the summaries, AUCs and the null
// standard error are recomputed here by hand (a double loop for the AUCs);
// the gate at step 1 is σ(b_hc) averaged over the units for every pair
// (h_0 = h'_0 = 0); progress comes after each of the four runs.
func TestStudyGate(t *testing.T) {
	ctx := context.Background()
	net := model.NewNet[float64](model.CGRU, 3, 5)
	net.Init(4, model.CouplingPaper)
	x := randomSeqs(6, 11, 3, 9)
	pos := []model.Pair{{A: 0, B: 1}, {A: 2, B: 3}, {A: 4, B: 5}}
	neg := []model.Pair{{A: 0, B: 5}, {A: 3, B: 1}}
	var calls [][2]int
	s, err := StudyGate(ctx, net, x, pos, neg, func(done, total int) { calls = append(calls, [2]int{done, total}) })
	if err != nil {
		t.Fatal(err)
	}
	if want := [][2]int{{3, 10}, {6, 10}, {8, 10}, {10, 10}}; !slices.Equal(calls, want) {
		t.Errorf("progress %v, want %v", calls, want)
	}
	var g1 float64
	for _, b := range net.Param("bias_hc") {
		g1 += 1 / (1 + math.Exp(-b)) / 5
	}
	mean := func(v []float64) float64 {
		var s float64
		for _, x := range v {
			s += x
		}
		return s / float64(len(v))
	}
	for _, side := range []struct {
		name  string
		pairs []model.Pair
		got   GateSide
	}{{"positive", pos, s.Positive}, {"negative", neg, s.Negative}} {
		on, _ := PairProfile(ctx, net, x, side.pairs)
		off, _ := PairProfile(ctx, GateOff(net), x, side.pairs)
		g := side.got
		if g.Pairs != len(side.pairs) || !slices.Equal(g.Gate, on.Gate) || !slices.Equal(g.GateSD, on.GateSD) ||
			!slices.Equal(g.Error, on.Err) || !slices.Equal(g.ErrorSD, on.ErrSD) ||
			!slices.Equal(g.ErrorGateOff, off.Err) || !slices.Equal(g.ErrorGateOffSD, off.ErrSD) ||
			!slices.Equal(g.PairGate, on.PairGate) || !slices.Equal(g.PairDist, on.PairDist) || !slices.Equal(g.PairDistGateOff, off.PairDist) {
			t.Errorf("%s: the side differs from PairProfile's (gate on and off)", side.name)
		}
		if g.MeanGate != mean(on.PairGate) || g.Distance != mean(on.PairDist) || g.DistanceGateOff != mean(off.PairDist) {
			t.Errorf("%s: mean gate %v, distance %v, gate off %v; want %v, %v, %v", side.name, g.MeanGate, g.Distance, g.DistanceGateOff,
				mean(on.PairGate), mean(on.PairDist), mean(off.PairDist))
		}
		if math.Abs(g.Gate[0]-g1) > 1e-15 || g.GateSD[0] > 1e-15 {
			t.Errorf("%s: gate at step 1 %g ± %g, want σ(b_hc) averaged = %g ± 0", side.name, g.Gate[0], g.GateSD[0], g1)
		}
	}
	// P(a > b), ties one half, by a double loop.
	auc := func(a, b []float64) float64 {
		var s float64
		for _, u := range a {
			for _, v := range b {
				switch {
				case u > v:
					s++
				case u == v:
					s += 0.5
				}
			}
		}
		return s / float64(len(a)*len(b))
	}
	p, n := s.Positive, s.Negative
	if want := auc(p.PairGate, n.PairGate); math.Abs(s.GateAUC-want) > 1e-15 {
		t.Errorf("gate AUC %v, want %v", s.GateAUC, want)
	}
	if want := auc(n.PairDist, p.PairDist); math.Abs(s.DistanceAUC-want) > 1e-15 {
		t.Errorf("distance AUC %v, want %v", s.DistanceAUC, want)
	}
	if want := auc(n.PairDistGateOff, p.PairDistGateOff); math.Abs(s.DistanceAUCGateOff-want) > 1e-15 {
		t.Errorf("distance AUC gate off %v, want %v", s.DistanceAUCGateOff, want)
	}
	// √((3 + 2 + 1)/(12·3·2)) = √(1/12).
	if want := math.Sqrt(1.0 / 12); math.Abs(s.GateAUCNullSE-want) > 1e-15 {
		t.Errorf("null SE %v, want %v", s.GateAUCNullSE, want)
	}

	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	calls = nil
	if _, err := StudyGate(cancelled, net, x, pos, neg, func(done, total int) { calls = append(calls, [2]int{done, total}) }); !errors.Is(err, context.Canceled) || calls != nil {
		t.Errorf("cancelled: %v, progress %v", err, calls)
	}
}

func TestStudyGatePanics(t *testing.T) {
	cgru := model.NewNet[float64](model.CGRU, 2, 3)
	sgru := model.NewNet[float64](model.SGRU, 2, 3)
	x := randomSeqs(2, 4, 2, 1)
	pairs := []model.Pair{{A: 0, B: 1}}
	for _, c := range []struct {
		name     string
		net      *model.Net[float64]
		pos, neg []model.Pair
		want     string
	}{
		{"sgru", sgru, pairs, pairs, "needs a CGRU"},
		{"no negative pairs", cgru, pairs, nil, "need both"},
		{"no positive pairs", cgru, nil, pairs, "need both"},
	} {
		func() {
			defer func() {
				if r := recover(); r == nil || !strings.Contains(r.(string), c.want) {
					t.Errorf("%s: panic %v, want one saying %q", c.name, r, c.want)
				}
			}()
			StudyGate(context.Background(), c.net, x, c.pos, c.neg, nil)
		}()
	}
}

func TestClassMeans(t *testing.T) {
	labels := []int{0, 0, 1, 2, 1}
	pairs := []model.Pair{{A: 0, B: 1}, {A: 2, B: 4}, {A: 1, B: 3}, {A: 4, B: 0}}
	got := ClassMeans(pairs, labels, 4, []float64{1, 2, 4, 8})
	// Class 0: pairs 0 and 2 (first windows 0 and 1): (1 + 4)/2; class 1:
	// pairs 1 and 3: (2 + 8)/2; classes 2 and 3 start no pair.
	want := []float64{2.5, 5, math.NaN(), math.NaN()}
	if len(got) != 4 || got[0] != want[0] || got[1] != want[1] || !math.IsNaN(got[2]) || !math.IsNaN(got[3]) {
		t.Errorf("ClassMeans = %v, want %v", got, want)
	}
}

// TestGateStudyJSON pins the fields of the study in the order `cgru sync
// gate --json` writes them (docs/results/sync-gate.json, read back by
// cgru report --sync and by the page); per-pair values left nil are left
// out.
func TestGateStudyJSON(t *testing.T) {
	keys := func(b []byte) []string {
		dec := json.NewDecoder(strings.NewReader(string(b)))
		var out []string
		depth := 0
		for {
			tok, err := dec.Token()
			if err != nil {
				return out
			}
			switch v := tok.(type) {
			case json.Delim:
				if v == '{' || v == '[' {
					depth++
				} else {
					depth--
				}
			case string:
				// A key at depth 1 or 2 is followed by its value; values
				// here are numbers, arrays and objects, never strings.
				if depth <= 2 {
					out = append(out, strings.Repeat(".", depth-1)+v)
				}
			}
		}
	}
	side := GateSide{Pairs: 1, Gate: []float64{0.5}, PairGate: []float64{0.5}, PairDist: []float64{1}, PairDistGateOff: []float64{2}}
	b, err := json.Marshal(GateStudy{Positive: side, Negative: GateSide{Pairs: 1}})
	if err != nil {
		t.Fatal(err)
	}
	sideKeys := []string{".pairs", ".gate", ".gate_sd", ".error", ".error_sd", ".error_gate_off", ".error_gate_off_sd",
		".mean_gate", ".distance", ".distance_gate_off"}
	want := append([]string{"gate_auc", "gate_auc_null_se", "distance_auc", "distance_auc_gate_off", "positive"}, sideKeys...)
	want = append(want, ".pair_gate", ".pair_distance", ".pair_distance_gate_off", "negative")
	want = append(want, sideKeys...)
	if got := keys(b); !slices.Equal(got, want) {
		t.Errorf("keys %v,\nwant %v", got, want)
	}
}
