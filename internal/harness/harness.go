// Package harness is the set-up that the command-line tool (cmd/cgru) and
// the page's worker (wasm/app) share around the engine, so that the same
// settings give the same runs in both: a dataset's windows as the model's
// sequences (and the baselines'), pairs of windows as the model's pairs
// (gathered into a batch of only the windows they use), the data of a
// training run (its batches and its validation), the training step that
// cgru bench and the page's bench time, and the summaries (median, mean
// and standard deviation) they report.
//
// It joins package data and the engine's packages (model, model/baseline),
// which do not know each other.
// It is pure Go: no cgo, no syscall/js, one goroutine.
package harness

import (
	"fmt"
	"math"
	"slices"

	"github.com/cgru/cgru/data"
	"github.com/cgru/cgru/model"
	"github.com/cgru/cgru/model/baseline"
)

// Seqs views d's windows as a batch of float32 sequences ([N][T][I], the
// same backing array: not a copy).
func Seqs(d *data.Dataset) model.Seqs[float32] {
	return model.Seqs[float32]{N: d.Len(), T: d.T, I: len(d.Channels), X: d.X}
}

// Seqs64 converts d's windows to a batch of float64 sequences.
func Seqs64(d *data.Dataset) model.Seqs[float64] {
	x := model.Seqs[float64]{N: d.Len(), T: d.T, I: len(d.Channels), X: make([]float64, len(d.X))}
	for i, v := range d.X {
		x.X[i] = float64(v)
	}
	return x
}

// Labeled returns d's windows as the baselines' sequences (float64, as
// they are: the baselines do not normalise) with their labels; nil gives
// none.
func Labeled(d *data.Dataset) baseline.Labeled {
	if d == nil {
		return baseline.Labeled{}
	}
	return baseline.Labeled{Seqs: baseline.FromFloat32(d.X, d.Len(), d.T, len(d.Channels)), Labels: d.Labels}
}

// Pairs converts pairs of window indices to the model's pairs.
func Pairs(ps []data.Pair) []model.Pair {
	out := make([]model.Pair, len(ps))
	for i, p := range ps {
		out[i] = model.Pair{A: int32(p.A), B: int32(p.B)}
	}
	return out
}

// GatherPairs lists the windows that ps use, each once and in the order
// in which they first appear (A before B), and returns the pairs
// renumbered into that list: d.Subset(windows) is a batch of exactly the
// windows the pairs need, and pairs index it. The noise experiment and the
// gate study run pairs this way.
func GatherPairs(ps []data.Pair) (windows []int, pairs []model.Pair) {
	slot := map[int]int32{}
	at := func(w int) int32 {
		s, ok := slot[w]
		if !ok {
			s = int32(len(windows))
			slot[w] = s
			windows = append(windows, w)
		}
		return s
	}
	pairs = make([]model.Pair, len(ps))
	for i, p := range ps {
		pairs[i].A = at(p.A)
		pairs[i].B = at(p.B)
	}
	return windows, pairs
}

// DistanceMatrix computes the distances of every (query, reference) pair
// of a network, row-major [query][reference], as an engine's
// model.DistanceMatrix does; each caller brings its own (the CLI's hands a
// failed GPU over to the CPU, the page's yields to the browser).
type DistanceMatrix func(net *model.Net[float32], queries, refs model.Seqs[float32]) ([]float64, error)

// TrainData returns the data of a training run on tv (normalised already
// if the run normalises: data.TrainVal.Normalize): its training windows,
// batches of perClass windows of each class drawn with seed
// (data.EpochBatches), the loss, and, when tv has validation queries, the
// validation 1-NN accuracy of the queries against tv's references, with
// distances from dm. It is what cgru train and the page's training runs
// train on.
func TrainData(tv *data.TrainVal, perClass int, seed uint64, loss model.Loss, dm DistanceMatrix) model.TrainData[float32] {
	train := tv.Train
	d := model.TrainData[float32]{X: Seqs(train), Labels: train.Labels, Loss: loss,
		Batches: func(epoch int) [][]int { return data.EpochBatches(train, perClass, seed, epoch) }}
	if q, refs := tv.Queries, tv.Refs; q != nil && q.Len() > 0 {
		nc := len(train.ClassNames)
		d.Validate = func(net *model.Net[float32]) (float64, error) {
			m, err := dm(net, Seqs(q), Seqs(refs))
			if err != nil {
				return 0, err
			}
			return model.Evaluate(m, q.Len(), refs.Len(), q.Labels, refs.Labels, nc).Accuracy, nil
		}
	}
	return d
}

// Bench is the training step that cgru bench and the page's "bench" time:
// a class-balanced batch of the embedded training split (batch/6 windows of
// each of its 6 classes, data.BalancedSubset with seed 1; T = 128, I = 9)
// with all its pairs, a network initialised with seed 1 (the paper's
// coupling), Adam and the default regularisation. Step changes the
// network, as training does.
type Bench struct {
	Net    *model.Net[float32]
	X      model.Seqs[float32]
	Labels []int
	Pairs  []model.Pair // all pairs i<j of the batch
	Loss   model.Loss
	opt    *model.Adam[float32]
	grad   []float32
}

// NewBench returns the benchmark of a network of kind with hidden units on
// a batch of batch windows, with loss. It returns an error when batch is
// not a positive multiple of 6 or the embedded subset has too few windows.
func NewBench(kind model.Kind, batch, hidden int, loss model.Loss) (*Bench, error) {
	if batch < 6 || batch%6 != 0 {
		return nil, fmt.Errorf("batch %d: want a positive multiple of 6", batch)
	}
	train := data.Embedded().Train
	idx := data.BalancedSubset(train, batch/6, 1)
	if len(idx) != batch {
		return nil, fmt.Errorf("the embedded subset has only %d windows for a batch of %d", len(idx), batch)
	}
	sub := train.Subset(idx)
	x := Seqs(sub)
	net := model.NewNet[float32](kind, x.I, hidden)
	net.Init(1, model.CouplingPaper)
	return &Bench{Net: net, X: x, Labels: sub.Labels, Pairs: model.AllPairs(x.N), Loss: loss,
		opt: model.NewAdam[float32](), grad: make([]float32, len(net.Params))}, nil
}

// Step is one training step on e (model.TrainStep): the loss and gradient
// of all pairs, the coupling penalty, clipping and an Adam update.
func (b *Bench) Step(e model.Engine[float32]) error {
	_, err := model.TrainStep(e, b.Net, b.opt, model.DefaultRegularization, b.X, b.Labels, b.Loss, b.grad)
	return err
}

// Median returns the median of s (the mean of the middle two for an even
// count; NaN for none), leaving s as it is.
func Median(s []float64) float64 {
	if len(s) == 0 {
		return math.NaN()
	}
	c := slices.Clone(s)
	slices.Sort(c)
	n := len(c)
	if n%2 == 1 {
		return c[n/2]
	}
	return (c[n/2-1] + c[n/2]) / 2
}

// MeanSD returns the mean of v and its population standard deviation
// (divided by n; NaN for none).
func MeanSD(v []float64) (mean, sd float64) {
	var s, s2 float64
	for _, x := range v {
		s += x
	}
	m := s / float64(len(v))
	for _, x := range v {
		s2 += (x - m) * (x - m)
	}
	return m, math.Sqrt(s2 / float64(len(v)))
}
