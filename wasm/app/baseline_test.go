package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cgru/cgru/data"
	"github.com/cgru/cgru/internal/harness"
	"github.com/cgru/cgru/model/baseline"
)

// baselineReply is the answer to "baseline".
type baselineReply struct {
	Results []BaselineResult
	Queries int
	Refs    int
}

// baselineEvent is a "task.progress" event of "baseline".
type baselineEvent struct {
	Task    string
	Method  string
	Index   int
	Methods int
	Stage   string
	Iter    int
	MaxIter int `json:"max_iter"`
	Loss    float64
	Done    int
	Total   int
}

func baselineEvents(t *testing.T, h *recorder) []baselineEvent {
	t.Helper()
	var out []baselineEvent
	for _, raw := range h.named("task.progress") {
		var e baselineEvent
		if err := json.Unmarshal(raw, &e); err != nil {
			t.Fatal(err)
		}
		if e.Task == "baseline" {
			out = append(out, e)
		}
	}
	return out
}

// TestBaseline checks the three baselines of the page against
// model/baseline's Run on the windows that cgru baseline picks
// (data.BalancedSubset of the embedded splits with the seed), the DTW
// result against a brute-force 1-NN, the windows against those of the
// networks' "evaluate", and the progress events.
func TestBaseline(t *testing.T) {
	a, h := newApp(t)
	arg := map[string]any{"methods": []string{"dtw", "rvsml-dtw", "rvsml-opw"}, "refs_per_class": 3, "queries_per_class": 2, "seed": 5, "train_per_class": 4}
	var res baselineReply
	call(t, a, "baseline", arg, &res)
	if res.Queries != 12 || res.Refs != 18 || len(res.Results) != 3 {
		t.Fatalf("baseline: %d queries, %d refs, %d results; want 12, 18, 3", res.Queries, res.Refs, len(res.Results))
	}

	sp := data.Embedded()
	q := sp.Test.Subset(data.BalancedSubset(sp.Test, 2, 5))
	r := sp.Train.Subset(data.BalancedSubset(sp.Train, 3, 5))
	tr := sp.Train.Subset(data.BalancedSubset(sp.Train, 4, 5))
	for i, m := range baseline.Methods {
		got := res.Results[i]
		want, err := baseline.Run(context.Background(), baseline.DefaultConfig(m), harness.Labeled(tr), harness.Labeled(r), harness.Labeled(q), 6, nil)
		if err != nil {
			t.Fatal(err)
		}
		w, g := want.Eval, got.Eval
		if got.Method != m || g.Accuracy != w.Accuracy || g.MacroF1 != w.MacroF1 || g.MAP != w.MAP ||
			fmt.Sprint(g.Confusion) != fmt.Sprint(w.Confusion) || g.NRefs != 18 || g.NQueries != 12 {
			t.Errorf("%s: accuracy %v, F1 %v, MAP %v, confusion %v (%d×%d); want %s %v %v %v %v (12×18)",
				got.Method, g.Accuracy, g.MacroF1, g.MAP, g.Confusion, g.NQueries, g.NRefs, m, w.Accuracy, w.MacroF1, w.MAP, w.Confusion)
		}
		if got.Refs != "refs: 3 per class, 18 windows" || got.Seed != 5 || got.RefsPerClass != 3 || len(g.ClassNames) != 6 {
			t.Errorf("%s: refs %q, seed %d, refs per class %d, %d class names", m, got.Refs, got.Seed, got.RefsPerClass, len(g.ClassNames))
		}
		if m == baseline.MethodDTW {
			if got.Training != nil || got.TrainSeconds != 0 {
				t.Errorf("dtw: training %+v, %v s", got.Training, got.TrainSeconds)
			}
		} else if tw := got.Training; tw == nil || tw.Windows != 24 || tw.PerClass != 4 || tw.Iterations != len(want.RVSML.History) ||
			tw.Loss != want.RVSML.History[len(want.RVSML.History)-1].Loss {
			t.Errorf("%s: training %+v, want 24 windows, %d iterations", m, tw, len(want.RVSML.History))
		}
		if !(got.Seconds > 0) || got.Seconds < got.DistanceSeconds+got.TrainSeconds {
			t.Errorf("%s: %v s in all, %v s of distances, %v s of training", m, got.Seconds, got.DistanceSeconds, got.TrainSeconds)
		}
		if s := got.Settings; s.Band != -1 || s.VirtualLen != 4 || s.Lambda != 50 || s.Lambda1 != 50 || s.Lambda2 != 0.1 || s.Delta != 1 || s.SinkhornIters != 20 {
			t.Errorf("%s: settings %+v, want the RVSML paper's defaults and no band", m, s)
		}
	}

	// DTW 1-NN by brute force: each query takes the label of its nearest
	// reference.
	correct := 0
	var dtw baseline.DTW
	dtw.Band = -1
	lq, lr := harness.Labeled(q), harness.Labeled(r)
	for i, s := range lq.Seqs {
		best, bestD := -1, math.Inf(1)
		for j, rs := range lr.Seqs {
			if d := dtw.Distance(s, rs, nil); d < bestD {
				best, bestD = j, d
			}
		}
		if lr.Labels[best] == lq.Labels[i] {
			correct++
		}
	}
	if acc := float64(correct) / 12; res.Results[0].Eval.Accuracy != acc {
		t.Errorf("dtw: accuracy %v, brute force %v", res.Results[0].Eval.Accuracy, acc)
	}

	// The networks' evaluation uses the same windows.
	var ev struct {
		Results []EvalResult
		Queries int
		Refs    int
	}
	call(t, a, "evaluate", map[string]any{"kinds": []string{"sgru"}, "refs_per_class": 3, "queries_per_class": 2, "seed": 5}, &ev)
	if ev.Queries != res.Queries || ev.Refs != res.Refs || ev.Results[0].Refs != res.Results[0].Refs ||
		fmt.Sprint(ev.Results[0].Eval.Support) != fmt.Sprint(res.Results[0].Eval.Support) {
		t.Errorf("evaluate: %d queries, %d refs (%q), support %v; baseline: %d, %d (%q), %v", ev.Queries, ev.Refs, ev.Results[0].Refs,
			ev.Results[0].Eval.Support, res.Queries, res.Refs, res.Results[0].Refs, res.Results[0].Eval.Support)
	}

	// Progress: RVSML's alternations, then the distances up to the last row.
	evs := baselineEvents(t, h)
	for i, m := range baseline.Methods {
		var train, last int
		for _, e := range evs {
			if e.Method != string(m) {
				continue
			}
			if e.Index != i || e.Methods != 3 {
				t.Errorf("%s: event %+v, want index %d of 3", m, e, i)
			}
			switch e.Stage {
			case "train":
				train++
				if e.Iter != train || e.MaxIter != 50 || !(e.Loss > -math.MaxFloat64) {
					t.Errorf("%s: training event %+v", m, e)
				}
			case "distances":
				last = e.Done
				if e.Total != 216 {
					t.Errorf("%s: distances event %+v, want a total of 216", m, e)
				}
			}
		}
		if want := res.Results[i].Training; (want == nil) != (train == 0) || (want != nil && want.Iterations != train) {
			t.Errorf("%s: %d training events, training %+v", m, train, want)
		}
		if last != 216 {
			t.Errorf("%s: the last distances event says %d done, want 216", m, last)
		}
	}
}

// yieldCounter is a recorder that counts the yields.
type yieldCounter struct {
	recorder
	yields atomic.Int64
}

func (h *yieldCounter) Yield() {
	h.yields.Add(1)
	runtime.Gosched()
}

// TestBaselineYieldsAndCancels checks that a baseline yields to the host
// after every row when asked to, that the worker answers other requests
// while one runs, that a second computation is refused meanwhile, and that
// "task.cancel" stops it.
func TestBaselineYieldsAndCancels(t *testing.T) {
	h := &yieldCounter{recorder: recorder{t: t}}
	a := New(h)
	old := baselineYieldEvery
	baselineYieldEvery = 0
	call(t, a, "baseline", map[string]any{"refs_per_class": 2, "queries_per_class": 2, "seed": 1}, nil)
	baselineYieldEvery = old
	if n := len(baselineEvents(t, &h.recorder)); n != 12 || h.yields.Load() != 12 {
		t.Errorf("dtw on 12 queries: %d progress events and %d yields, want one of each per row", n, h.yields.Load())
	}

	// RVSML-OPW on all 432 training windows and all references: minutes.
	done := make(chan error, 1)
	go func() {
		_, err := try(a, "baseline", map[string]any{"methods": []string{"rvsml-opw"}, "refs_per_class": 0})
		done <- err
	}()
	deadline := time.Now().Add(time.Minute)
	for len(baselineEvents(t, &h.recorder)) == 12 {
		if time.Now().After(deadline) {
			t.Fatal("no progress from rvsml-opw in a minute")
		}
		time.Sleep(5 * time.Millisecond)
	}
	call(t, a, "hello", nil, nil)
	if _, err := try(a, "evaluate", map[string]any{"refs_per_class": 1}); !errors.Is(err, errBusy) {
		t.Errorf("evaluate during a baseline: %v, want %v", err, errBusy)
	}
	var c struct{ Cancelled string }
	call(t, a, "task.cancel", nil, &c)
	if c.Cancelled != "baseline" {
		t.Errorf("task.cancel cancelled %q, want baseline", c.Cancelled)
	}
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("cancelled baseline: %v, want %v", err, context.Canceled)
		}
	case <-time.After(time.Minute):
		t.Fatal("the cancelled baseline did not stop in a minute")
	}
	// The task slot is free again.
	call(t, a, "baseline", map[string]any{"refs_per_class": 1, "queries_per_class": 1}, nil)
}

// TestBaselineCost checks the sizes behind baseline.cost's figures and that
// it measured something for every method.
func TestBaselineCost(t *testing.T) {
	a, _ := newApp(t)
	var res struct {
		Costs    []BaselineCost
		Queries  int
		Refs     int
		RefsText string `json:"refs_text"`
		Settings BaselineSettings
	}
	call(t, a, "baseline.cost", map[string]any{"refs_per_class": 3, "queries_per_class": 2, "seed": 5}, &res)
	if len(res.Costs) != 3 || res.Queries != 12 || res.Refs != 18 || res.RefsText != "refs: 3 per class, 18 windows" || res.Settings.MaxIter != 50 {
		t.Fatalf("baseline.cost: %+v", res)
	}
	for i, c := range res.Costs {
		rvsml := c.Method != baseline.MethodDTW
		t.Logf("%s: %.3f ms per distance (%d timed), %.3f s per alternation over %d windows (%d timed)",
			c.Method, c.PairMS, c.Sampled, c.AlternationSeconds, c.TrainWindows, c.TrainSampled)
		if c.Method != baseline.Methods[i] || c.Pairs != 216 || c.Sampled != 4*12 || !(c.PairMS > 0) ||
			math.Abs(c.DistanceSeconds-c.PairMS*216/1000) > 1e-12*c.DistanceSeconds {
			t.Errorf("%s: %+v; want 216 pairs, 48 timed (4 queries × 12 references), a time per pair", c.Method, c)
		}
		if rvsml != (c.TrainWindows == 432 && c.TrainSampled == 48 && c.AlternationSeconds > 0 && c.MaxIter == 50) {
			t.Errorf("%s: training %d windows (%d timed), %v s per alternation, at most %d", c.Method, c.TrainWindows, c.TrainSampled, c.AlternationSeconds, c.MaxIter)
		}
	}
	var one struct{ Costs []BaselineCost }
	call(t, a, "baseline.cost", map[string]any{"methods": []string{"rvsml-dtw"}, "train_per_class": 2}, &one)
	if len(one.Costs) != 1 || one.Costs[0].TrainWindows != 12 || one.Costs[0].TrainSampled != 12 {
		t.Errorf("rvsml-dtw with 2 training windows per class: %+v", one.Costs)
	}
}

func TestBaselineBadRequests(t *testing.T) {
	a, _ := newApp(t)
	for _, c := range []struct {
		op   string
		arg  any
		want string
	}{
		{"baseline", map[string]any{"methods": []string{"knn"}}, `method "knn"`},
		{"baseline", map[string]any{"refs_per_class": -1}, "refs_per_class -1"},
		{"baseline", map[string]any{"train_per_class": -2}, "train_per_class -2"},
		{"baseline", map[string]any{"band": -2}, "band -2"},
		{"baseline", map[string]any{"ref_per_class": 3}, "unknown field"},
		{"baseline.cost", map[string]any{"methods": []string{"opw"}}, `method "opw"`},
	} {
		_, err := try(a, c.op, c.arg)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s %v: error %v, want one containing %q", c.op, c.arg, err, c.want)
		}
	}
}
