package baseline

import (
	"context"
	"fmt"
	"time"

	"github.com/cgru/cgru/model"
)

// Method names a baseline of [Run].
type Method string

// The baselines.
const (
	MethodDTW      Method = "dtw"       // 1-NN with DTW on the raw sequences
	MethodRVSMLDTW Method = "rvsml-dtw" // RVSML trained and evaluated with DTW
	MethodRVSMLOPW Method = "rvsml-opw" // RVSML trained and evaluated with OPW
)

// Methods lists the baselines in the order of the paper's table.
var Methods = []Method{MethodDTW, MethodRVSMLDTW, MethodRVSMLOPW}

// Labeled is a set of sequences with their class labels.
type Labeled struct {
	Seqs   []Seq
	Labels []int
}

// Config holds the settings of a baseline run.
type Config struct {
	Method Method
	// DTW is the DTW used by the dtw and rvsml-dtw methods (Band < 0: no
	// band).
	DTW DTW
	// OPW is the OPW used by rvsml-opw.
	OPW OPW
	// RVSML holds the training settings of the RVSML methods; its Align
	// and Threads fields are set by Run.
	RVSML RVSMLConfig
	// Threads ≤ 1 runs everything on the calling goroutine; more spreads
	// the alignments and the distance matrix over that many goroutines.
	Threads int
}

// DefaultConfig returns the defaults for a method: DTW without band, OPW
// and RVSML with the RVSML paper's settings ([DefaultOPW], [DefaultRVSML]),
// one thread.
func DefaultConfig(m Method) Config {
	return Config{Method: m, DTW: DTW{Band: -1}, OPW: DefaultOPW(), RVSML: DefaultRVSML(nil), Threads: 1}
}

// measure returns the alignment measure of the method.
func (c Config) measure() (Measure, error) {
	switch c.Method {
	case MethodDTW, MethodRVSMLDTW:
		return c.DTW, nil
	case MethodRVSMLOPW:
		return c.OPW, c.OPW.Check()
	}
	return nil, fmt.Errorf("unknown baseline method %q (want dtw, rvsml-dtw or rvsml-opw)", c.Method)
}

// Progress reports the advance of Run: Stage "train" after each RVSML
// alternation (Iter, Loss set), then Stage "distances" with Done of Total
// (query, reference) pairs.
type Progress struct {
	Stage       string
	Iter        int
	Loss        float64
	Done, Total int
}

// Result is the outcome of Run.
type Result struct {
	// Eval holds the 1-NN accuracy, macro F1, full-ranking MAP, confusion
	// matrix and per-class scores of the queries against the references,
	// computed by model.Evaluate exactly as for the SGRU and CGRU.
	Eval *model.Eval
	// RVSML is the trained metric (nil for dtw).
	RVSML *RVSML
	// TrainSeconds and DistanceSeconds time the training and the distance
	// matrix.
	TrainSeconds, DistanceSeconds float64
}

// Run evaluates a baseline by 1-NN retrieval: for the RVSML methods it
// first trains the metric on train (ignored by dtw), then computes the
// distance of every query to every reference with the method's measure
// (on projected sequences for RVSML) and scores them with model.Evaluate
// (labels in [0, nClasses)). progress, if not nil, is called on the calling
// goroutine. With cfg.Threads ≤ 1 Run starts no goroutine of its own (the
// MAP of model.Evaluate uses GOMAXPROCS goroutines, one in WebAssembly). It
// returns ctx's error when cancelled, and an error for bad settings or
// data.
func Run(ctx context.Context, cfg Config, train, refs, queries Labeled, nClasses int, progress func(Progress)) (*Result, error) {
	meas, err := cfg.measure()
	if err != nil {
		return nil, err
	}
	if len(refs.Seqs) == 0 || len(refs.Seqs) != len(refs.Labels) || len(queries.Seqs) != len(queries.Labels) {
		return nil, fmt.Errorf("baseline: %d references with %d labels, %d queries with %d labels",
			len(refs.Seqs), len(refs.Labels), len(queries.Seqs), len(queries.Labels))
	}
	for _, set := range []Labeled{refs, queries} {
		for i, l := range set.Labels {
			if l < 0 || l >= nClasses {
				return nil, fmt.Errorf("baseline: label %d of item %d outside [0,%d)", l, i, nClasses)
			}
		}
	}
	dim := refs.Seqs[0].D
	for _, set := range [][]Seq{refs.Seqs, queries.Seqs} {
		for i, s := range set {
			if s.T < 1 || s.D != dim || len(s.X) != s.T*s.D {
				return nil, fmt.Errorf("baseline: sequence %d is %d×%d with %d values, want dimension %d", i, s.T, s.D, len(s.X), dim)
			}
		}
	}
	res := &Result{}
	q, r := queries.Seqs, refs.Seqs
	if cfg.Method != MethodDTW {
		rc := cfg.RVSML
		rc.Align, rc.Threads = meas, cfg.Threads
		start := time.Now()
		m, err := TrainRVSML(ctx, rc, train.Seqs, train.Labels, nClasses, func(it RVSMLIter) {
			if progress != nil {
				progress(Progress{Stage: "train", Iter: it.Iter, Loss: it.Loss})
			}
		})
		if err != nil {
			return nil, err
		}
		if m.In != dim {
			return nil, fmt.Errorf("baseline: training sequences of dimension %d, references of %d", m.In, dim)
		}
		res.TrainSeconds = time.Since(start).Seconds()
		res.RVSML = m
		q, r = m.ProjectAll(q), m.ProjectAll(r)
	}
	start := time.Now()
	d, err := Matrix(ctx, meas, q, r, cfg.Threads, func(done, total int) {
		if progress != nil {
			progress(Progress{Stage: "distances", Done: done, Total: total})
		}
	})
	if err != nil {
		return nil, err
	}
	res.DistanceSeconds = time.Since(start).Seconds()
	res.Eval = model.Evaluate(d, len(q), len(r), queries.Labels, refs.Labels, nClasses)
	return res, nil
}
