package harness

import (
	"errors"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/cgru/cgru/data"
	"github.com/cgru/cgru/model"
)

func TestSeqs(t *testing.T) {
	d := data.Embedded().Test
	x := Seqs(d)
	if x.N != d.Len() || x.T != 128 || x.I != 9 || &x.X[0] != &d.X[0] || !slices.Equal(x.Seq(5), d.Window(5)) {
		t.Errorf("Seqs: [%d][%d][%d], shares the windows %v", x.N, x.T, x.I, &x.X[0] == &d.X[0])
	}
	x64 := Seqs64(d)
	if x64.N != d.Len() || x64.T != 128 || x64.I != 9 || len(x64.X) != len(d.X) {
		t.Fatalf("Seqs64: [%d][%d][%d]", x64.N, x64.T, x64.I)
	}
	for i, v := range d.X {
		if x64.X[i] != float64(v) {
			t.Fatalf("Seqs64: value %d is %v, want %v", i, x64.X[i], v)
		}
	}
}

func TestLabeled(t *testing.T) {
	d := data.Embedded().Test
	l := Labeled(d)
	if len(l.Seqs) != d.Len() || !slices.Equal(l.Labels, d.Labels) || l.Seqs[3].T != 128 || l.Seqs[3].D != 9 {
		t.Fatalf("Labeled: %d sequences, labels equal %v", len(l.Seqs), slices.Equal(l.Labels, d.Labels))
	}
	for i, v := range d.Window(3) {
		if l.Seqs[3].X[i] != float64(v) {
			t.Fatalf("window 3 value %d: %v, want %v", i, l.Seqs[3].X[i], v)
		}
	}
	if e := Labeled(nil); e.Seqs != nil || e.Labels != nil {
		t.Errorf("Labeled(nil) = %+v", e)
	}
}

func TestPairs(t *testing.T) {
	ps := []data.Pair{{A: 5, B: 2}, {A: 2, B: 9}, {A: 9, B: 5}, {A: 7, B: 7}}
	if got, want := Pairs(ps), []model.Pair{{A: 5, B: 2}, {A: 2, B: 9}, {A: 9, B: 5}, {A: 7, B: 7}}; !slices.Equal(got, want) {
		t.Errorf("Pairs = %v, want %v", got, want)
	}
	// Windows in order of first use; the pairs renumbered into them.
	w, got := GatherPairs(ps)
	if want := []int{5, 2, 9, 7}; !slices.Equal(w, want) {
		t.Errorf("GatherPairs windows %v, want %v", w, want)
	}
	if want := []model.Pair{{A: 0, B: 1}, {A: 1, B: 2}, {A: 2, B: 0}, {A: 3, B: 3}}; !slices.Equal(got, want) {
		t.Errorf("GatherPairs pairs %v, want %v", got, want)
	}
	if w, got := GatherPairs(nil); w != nil || len(got) != 0 {
		t.Errorf("GatherPairs(nil) = %v, %v", w, got)
	}
}

// TestTrainData: the batches are data.EpochBatches of the training
// windows; the validation accuracy is model.Evaluate's on the matrix dm
// gives, with the queries and references of the fold; no validation
// without queries; dm's error comes back.
func TestTrainData(t *testing.T) {
	train := data.Embedded().Train
	tv, err := data.SplitTrainVal(train, 7, 2, 3, 2, 5)
	if err != nil {
		t.Fatal(err)
	}
	loss := model.Contrastive{Margin: 1}
	calls := 0
	dm := func(net *model.Net[float32], q, r model.Seqs[float32]) ([]float64, error) {
		calls++
		if q.N != tv.Queries.Len() || r.N != tv.Refs.Len() || &q.X[0] != &tv.Queries.X[0] || &r.X[0] != &tv.Refs.X[0] {
			t.Errorf("dm of %d queries and %d references, want the fold's %d and %d", q.N, r.N, tv.Queries.Len(), tv.Refs.Len())
		}
		return model.DistanceMatrix(&model.CPU[float32]{Threads: 1}, net, q, r, nil), nil
	}
	d := TrainData(tv, 3, 7, loss, dm)
	if d.X.N != tv.Train.Len() || &d.X.X[0] != &tv.Train.X[0] || !slices.Equal(d.Labels, tv.Train.Labels) || d.Loss != loss {
		t.Errorf("TrainData: %d windows, loss %v", d.X.N, d.Loss)
	}
	for epoch := 1; epoch <= 2; epoch++ {
		got, want := d.Batches(epoch), data.EpochBatches(tv.Train, 3, 7, epoch)
		if !slices.EqualFunc(got, want, slices.Equal) {
			t.Errorf("epoch %d: batches differ from data.EpochBatches", epoch)
		}
	}
	net := model.NewNet[float32](model.SGRU, 9, 4)
	net.Init(1, model.CouplingPaper)
	acc, err := d.Validate(net)
	m := model.DistanceMatrix(&model.CPU[float32]{Threads: 1}, net, Seqs(tv.Queries), Seqs(tv.Refs), nil)
	want := model.Evaluate(m, tv.Queries.Len(), tv.Refs.Len(), tv.Queries.Labels, tv.Refs.Labels, 6).Accuracy
	if err != nil || acc != want || calls != 1 {
		t.Errorf("validation accuracy %v (%v, %d calls), want %v", acc, err, calls, want)
	}

	bad := errors.New("device lost")
	d = TrainData(tv, 3, 7, loss, func(*model.Net[float32], model.Seqs[float32], model.Seqs[float32]) ([]float64, error) {
		return nil, bad
	})
	if _, err := d.Validate(net); err != bad {
		t.Errorf("dm's error: %v, want %v", err, bad)
	}
	all, _ := data.SplitTrainVal(train, 7, 0, 0, 0, 5)
	if d := TrainData(all, 3, 7, loss, nil); d.Validate != nil {
		t.Errorf("fold 0: a validation")
	}
}

// TestBench: the batch is BalancedSubset(embedded train, batch/6, 1), the
// network NewNet with Init(1, paper), and Step is model.TrainStep with
// Adam and the default regularisation.
func TestBench(t *testing.T) {
	loss := model.Contrastive{Margin: 1}
	b, err := NewBench(model.CGRU, 12, 4, loss)
	if err != nil {
		t.Fatal(err)
	}
	train := data.Embedded().Train
	sub := train.Subset(data.BalancedSubset(train, 2, 1))
	net := model.NewNet[float32](model.CGRU, 9, 4)
	net.Init(1, model.CouplingPaper)
	if b.X.N != 12 || b.X.T != 128 || b.X.I != 9 || !slices.Equal(b.X.X, sub.X) || !slices.Equal(b.Labels, sub.Labels) ||
		len(b.Pairs) != 66 || !slices.Equal(b.Net.Params, net.Params) || b.Loss != loss {
		t.Fatalf("bench: [%d][%d][%d], %d pairs", b.X.N, b.X.T, b.X.I, len(b.Pairs))
	}
	e := &model.CPU[float32]{Threads: 1}
	opt := model.NewAdam[float32]()
	grad := make([]float32, len(net.Params))
	for step := 1; step <= 2; step++ {
		if err := b.Step(e); err != nil {
			t.Fatal(err)
		}
		if _, err := model.TrainStep(e, net, opt, model.DefaultRegularization, b.X, b.Labels, loss, grad); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(b.Net.Params, net.Params) {
			t.Errorf("step %d: the parameters differ from model.TrainStep's", step)
		}
	}
	for _, c := range []struct {
		batch int
		want  string
	}{{0, "multiple of 6"}, {7, "multiple of 6"}, {6 * 73, "only 432 windows"}} {
		if _, err := NewBench(model.SGRU, c.batch, 4, loss); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("batch %d: %v, want an error saying %q", c.batch, err, c.want)
		}
	}
}

func TestMedianMeanSD(t *testing.T) {
	for _, c := range []struct {
		in   []float64
		want float64
	}{{[]float64{3, 1, 2}, 2}, {[]float64{4, 1, 3, 2}, 2.5}, {[]float64{7}, 7}} {
		in := slices.Clone(c.in)
		if got := Median(in); got != c.want || !slices.Equal(in, c.in) {
			t.Errorf("Median(%v) = %v, want %v (input now %v)", c.in, got, c.want, in)
		}
	}
	if !math.IsNaN(Median(nil)) {
		t.Error("Median of nothing is not NaN")
	}
	// 1, 2, 3, 4: mean 2.5, population variance (2.25 + 0.25 + 0.25 + 2.25)/4 = 1.25.
	if m, sd := MeanSD([]float64{1, 2, 3, 4}); m != 2.5 || math.Abs(sd-math.Sqrt(1.25)) > 1e-15 {
		t.Errorf("MeanSD = %v, %v; want 2.5, √1.25", m, sd)
	}
	if m, sd := MeanSD([]float64{5}); m != 5 || sd != 0 {
		t.Errorf("MeanSD of one value = %v, %v; want 5, 0", m, sd)
	}
}
