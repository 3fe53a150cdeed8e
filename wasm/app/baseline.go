package app

// The paper's baselines in the page: 1-NN retrieval under DTW, RVSML-DTW
// and RVSML-OPW (model/baseline) on the loaded data, with the queries and
// references of the networks' evaluation (evalSets), so that the Evaluate
// panel shows their figures beside the SGRU's and the CGRU's; and a quick
// measurement of what each would cost on the current data.

import (
	"context"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/cgru/cgru/data"
	"github.com/cgru/cgru/internal/harness"
	"github.com/cgru/cgru/model"
	"github.com/cgru/cgru/model/baseline"
)

func init() {
	Register("baseline", opBaseline)
	Register("baseline.cost", opBaselineCost)
}

// baselineYieldEvery paces the yields and progress events of a baseline:
// baseline.Run reports every RVSML alternation and every row of the
// distance matrix (a few milliseconds to a second each in a browser); the
// op yields and emits after each alternation, after the last row, and
// after a row when this long has passed since the last time, so that the
// worker answers within about this delay plus one row.
var baselineYieldEvery = 50 * time.Millisecond

// BaselineSettings are the settings the page's baselines run with: the
// defaults of model/baseline (the RVSML paper's, see its doc) but for the
// DTW band, which the page lets one choose.
type BaselineSettings struct {
	Band          int     `json:"band"`           // DTW's Sakoe–Chiba half-width in steps (−1: none); dtw, rvsml-dtw
	VirtualLen    int     `json:"virtual_len"`    // RVSML: elements of each class's virtual sequence (ℓ)
	Lambda        float64 `json:"lambda"`         // RVSML: ridge weight λ
	MaxIter       int     `json:"max_iter"`       // RVSML: most alternations
	Tol           float64 `json:"tol"`            // RVSML: relative loss change that stops training
	Lambda1       float64 `json:"lambda1"`        // OPW: weight of the inverse difference moment
	Lambda2       float64 `json:"lambda2"`        // OPW: weight of the KL divergence to the temporal prior
	Delta         float64 `json:"delta"`          // OPW: spread δ of the temporal prior
	SinkhornIters int     `json:"sinkhorn_iters"` // OPW: Sinkhorn iterations
}

// BaselineTraining is the RVSML training behind a result.
type BaselineTraining struct {
	Windows    int     `json:"windows"`    // training windows
	PerClass   int     `json:"per_class"`  // train_per_class (0: all the training split)
	Iterations int     `json:"iterations"` // alternations run
	Converged  bool    `json:"converged"`  // stopped by the tolerance, not by max_iter
	Loss       float64 `json:"loss"`       // the last loss J
}

// BaselineResult is one baseline's evaluation, in the form of EvalResult.
type BaselineResult struct {
	Method           baseline.Method   `json:"method"`
	Split            string            `json:"split"`               // "test"
	RefsPerClass     int               `json:"refs_per_class"`      // 0: all training windows
	RefsPerClassUsed int               `json:"refs_per_class_used"` // as EvalResult
	Refs             string            `json:"refs"`                // the reference set, as the networks' figures name it
	Seed             uint64            `json:"seed"`
	Settings         BaselineSettings  `json:"settings"`
	Training         *BaselineTraining `json:"training,omitempty"` // RVSML only
	TrainSeconds     float64           `json:"train_seconds"`      // RVSML training
	DistanceSeconds  float64           `json:"distance_seconds"`   // the distance matrix
	Seconds          float64           `json:"seconds"`            // all of it, with the metrics
	Eval             *model.Eval       `json:"eval"`
}

// BaselineCost is what a baseline would cost on the current data, measured
// in the page by baseline.cost.
type BaselineCost struct {
	Method baseline.Method `json:"method"`
	// Pairs is the number of (query, reference) distances of the
	// evaluation; PairMS the time of one, measured on Sampled of them;
	// DistanceSeconds their product.
	Pairs           int     `json:"pairs"`
	PairMS          float64 `json:"pair_ms"`
	Sampled         int     `json:"sampled"`
	DistanceSeconds float64 `json:"distance_seconds"`
	// RVSML: TrainWindows training windows, AlternationSeconds for one
	// alternation over all of them (measured on TrainSampled windows and
	// scaled: an alternation aligns every window once), at most MaxIter
	// alternations.
	TrainWindows       int     `json:"train_windows,omitempty"`
	TrainSampled       int     `json:"train_sampled,omitempty"`
	AlternationSeconds float64 `json:"alternation_seconds,omitempty"`
	MaxIter            int     `json:"max_iter,omitempty"`
}

type baselineArgs struct {
	Methods         []string `json:"methods"`           // default: dtw
	RefsPerClass    int      `json:"refs_per_class"`    // as "evaluate"
	QueriesPerClass int      `json:"queries_per_class"` // as "evaluate" (0: the whole test split)
	Seed            uint64   `json:"seed"`              // as "evaluate"
	TrainPerClass   int      `json:"train_per_class"`   // RVSML training windows per class (0: the whole training split)
	Band            int      `json:"band"`              // DTW's Sakoe–Chiba half-width (−1: none)
}

// baselineJob is what both ops prepare from their arguments: the methods
// and their settings, and the windows of the evaluation.
type baselineJob struct {
	methods        []baseline.Method
	cfg            func(baseline.Method) baseline.Config
	settings       BaselineSettings
	train          *data.Dataset // RVSML training windows
	refs, queries  *data.Dataset
	refsDesc       string
	classNames     []string
	refsPer, trPer int
	refsUsed       int // data.RefsPerClassUsed
	seed           uint64
}

// prepareBaseline checks the arguments of op and picks the windows: the
// queries and references of evalSets, and the RVSML training windows as
// cgru baseline --train-per-class picks them (data.BalancedSubset of the
// training split with the seed; 0: all).
func prepareBaseline(a *App, op string, arg baselineArgs, all bool) (*baselineJob, error) {
	if arg.RefsPerClass < 0 || arg.QueriesPerClass < 0 || arg.TrainPerClass < 0 {
		return nil, fmt.Errorf("%s: refs_per_class %d, queries_per_class %d, train_per_class %d: want 0 (all) or more",
			op, arg.RefsPerClass, arg.QueriesPerClass, arg.TrainPerClass)
	}
	if arg.Band < -1 {
		return nil, fmt.Errorf("%s: band %d: want −1 (no band) or a half-width ≥ 0", op, arg.Band)
	}
	var methods []baseline.Method
	for _, n := range arg.Methods {
		m := baseline.Method(n)
		if !slices.Contains(baseline.Methods, m) {
			return nil, fmt.Errorf("%s: method %q: want dtw, rvsml-dtw or rvsml-opw", op, n)
		}
		if !slices.Contains(methods, m) {
			methods = append(methods, m)
		}
	}
	if len(methods) == 0 {
		methods = []baseline.Method{baseline.MethodDTW}
		if all {
			methods = baseline.Methods
		}
	}
	a.mu.Lock()
	d := a.data
	a.mu.Unlock()
	refs, queries, refsDesc, err := evalSets(d, arg.RefsPerClass, arg.QueriesPerClass, arg.Seed)
	if err != nil {
		return nil, err
	}
	train := d.split.Train
	if arg.TrainPerClass > 0 {
		train = train.Subset(data.BalancedSubset(train, arg.TrainPerClass, arg.Seed))
	}
	cfg := func(m baseline.Method) baseline.Config {
		c := baseline.DefaultConfig(m)
		c.DTW.Band = arg.Band
		c.Threads = 1 // the worker has one thread: Run works on this goroutine
		return c
	}
	c := cfg(baseline.MethodRVSMLOPW)
	return &baselineJob{methods: methods, cfg: cfg, train: train, refs: refs, queries: queries, refsDesc: refsDesc,
		classNames: d.split.Train.ClassNames, refsPer: arg.RefsPerClass,
		refsUsed: data.RefsPerClassUsed(d.split.Train, arg.RefsPerClass), trPer: arg.TrainPerClass, seed: arg.Seed,
		settings: BaselineSettings{Band: arg.Band, VirtualLen: c.RVSML.VirtualLen, Lambda: c.RVSML.Lambda, MaxIter: c.RVSML.MaxIter,
			Tol: c.RVSML.Tol, Lambda1: c.OPW.Lambda1, Lambda2: c.OPW.Lambda2, Delta: c.OPW.Delta, SinkhornIters: c.OPW.Iterations}}, nil
}

// pacer returns a progress callback for baseline.Run that yields to the
// host and calls emit after every RVSML alternation, after the last row of
// the distance matrix, and after any row once baselineYieldEvery has
// passed since it last did.
func (a *App) pacer(emit func(baseline.Progress)) func(baseline.Progress) {
	last := time.Now()
	return func(p baseline.Progress) {
		if p.Stage == "distances" && p.Done < p.Total && time.Since(last) < baselineYieldEvery {
			return
		}
		if emit != nil {
			emit(p)
		}
		a.host.Yield()
		last = time.Now()
	}
}

// opBaseline evaluates baselines by 1-NN retrieval on the loaded data as
// cgru baseline does: the windows of "evaluate" with the same
// refs_per_class, queries_per_class and seed (so the same references as the
// networks' figures and as cgru baseline --refs-per-class --seed), on the
// raw signals, with model/baseline's Run on this goroutine. Progress comes
// as "task.progress" events {task: "baseline", method, index, methods,
// stage: "train" (iter, max_iter, loss) | "distances" (done, total)};
// "task.cancel" stops it.
func opBaseline(ctx context.Context, a *App, req Request) (Reply, error) {
	arg := baselineArgs{RefsPerClass: 20, Seed: 1, Band: -1}
	if err := args(req, &arg); err != nil {
		return Reply{}, err
	}
	job, err := prepareBaseline(a, "baseline", arg, false)
	if err != nil {
		return Reply{}, err
	}
	tctx, end, _, _, err := a.beginTask(ctx, "baseline")
	if err != nil {
		return Reply{}, err
	}
	defer end()
	refs, queries := harness.Labeled(job.refs), harness.Labeled(job.queries)
	var out []BaselineResult
	for i, m := range job.methods {
		cfg := job.cfg(m)
		var train baseline.Labeled
		if m != baseline.MethodDTW {
			train = harness.Labeled(job.train)
		}
		progress := a.pacer(func(p baseline.Progress) {
			ev := map[string]any{"task": "baseline", "method": m, "index": i, "methods": len(job.methods), "stage": p.Stage}
			if p.Stage == "train" {
				ev["iter"], ev["max_iter"], ev["loss"] = p.Iter, cfg.RVSML.MaxIter, p.Loss
			} else {
				ev["done"], ev["total"] = p.Done, p.Total
			}
			a.host.Emit("task.progress", ev)
		})
		start := time.Now()
		res, err := baseline.Run(tctx, cfg, train, refs, queries, len(job.classNames), progress)
		if err != nil {
			return Reply{}, err
		}
		ev := res.Eval
		ev.ClassNames = job.classNames
		r := BaselineResult{Method: m, Split: "test", RefsPerClass: job.refsPer,
			RefsPerClassUsed: job.refsUsed, Refs: job.refsDesc, Seed: job.seed, Settings: job.settings,
			TrainSeconds: res.TrainSeconds, DistanceSeconds: res.DistanceSeconds, Seconds: time.Since(start).Seconds(), Eval: ev}
		if t := res.RVSML; t != nil {
			r.Training = &BaselineTraining{Windows: job.train.Len(), PerClass: job.trPer, Iterations: len(t.History),
				Converged: t.Converged, Loss: t.History[len(t.History)-1].Loss}
		}
		out = append(out, r)
	}
	return Reply{Value: map[string]any{"results": out, "queries": job.queries.Len(), "refs": job.refs.Len()}}, nil
}

// Sizes of baseline.cost's samples: queries × references timed (all of
// each when smaller), RVSML training windows per class for the timed
// alternation, and rounds of each — at least costRounds, more while they
// took less than costBudget in all, at most costMaxRounds — of which the
// fastest counts: the first runs of a function in a browser run code
// compiled for a quick start, which V8 replaces by optimised code once it
// is hot (one round in a freshly loaded page measured DTW at 1 ms per pair,
// later ones 0.12 to 0.22 ms). About half a second for all three methods
// in a browser.
const (
	costQueries       = 4
	costRefs          = 12
	costTrainPerClass = 8
	costRounds        = 3
	costMaxRounds     = 12
	costBudget        = 150 * time.Millisecond
)

// opBaselineCost measures what each baseline (default: all three) would
// cost with these arguments, in this worker: it runs baseline.Run on a few
// queries and references (and for RVSML one alternation on a few training
// windows of each class) and scales the times to the evaluation's number
// of pairs and training windows. It yields between rounds (a round takes
// at most about a tenth of a second in a browser), not inside them. It does
// not take the task slot (it is short, and the page asks for it on its
// own), so it may run beside another computation, which then delays it but
// does not count in its times.
func opBaselineCost(ctx context.Context, a *App, req Request) (Reply, error) {
	arg := baselineArgs{RefsPerClass: 20, Seed: 1, Band: -1}
	if err := args(req, &arg); err != nil {
		return Reply{}, err
	}
	job, err := prepareBaseline(a, "baseline.cost", arg, true)
	if err != nil {
		return Reply{}, err
	}
	first := func(d *data.Dataset, n int) baseline.Labeled {
		return harness.Labeled(d.Subset(allIndices(min(n, d.Len()))))
	}
	q, r := first(job.queries, costQueries), first(job.refs, costRefs)
	sample := job.train.Subset(data.BalancedSubset(job.train, costTrainPerClass, job.seed))
	var out []BaselineCost
	for _, m := range job.methods {
		cfg := job.cfg(m)
		cfg.RVSML.MaxIter = 1
		var train baseline.Labeled
		if m != baseline.MethodDTW {
			train = harness.Labeled(sample)
		}
		trainS, distS := math.Inf(1), math.Inf(1)
		start := time.Now()
		for round := 0; round < costMaxRounds && (round < costRounds || time.Since(start) < costBudget); round++ {
			// No yield inside a round: other work of the worker would run
			// then and count as the round's time.
			res, err := baseline.Run(ctx, cfg, train, r, q, len(job.classNames), nil)
			if err != nil {
				return Reply{}, err
			}
			trainS, distS = min(trainS, res.TrainSeconds), min(distS, res.DistanceSeconds)
			a.host.Yield()
		}
		sampled := len(q.Seqs) * len(r.Seqs)
		c := BaselineCost{Method: m, Pairs: job.queries.Len() * job.refs.Len(), Sampled: sampled,
			PairMS: 1000 * distS / float64(sampled)}
		c.DistanceSeconds = c.PairMS * float64(c.Pairs) / 1000
		if m != baseline.MethodDTW {
			c.TrainWindows, c.TrainSampled, c.MaxIter = job.train.Len(), sample.Len(), job.settings.MaxIter
			c.AlternationSeconds = trainS * float64(job.train.Len()) / float64(sample.Len())
		}
		out = append(out, c)
	}
	return Reply{Value: map[string]any{"costs": out, "queries": job.queries.Len(), "refs": job.refs.Len(), "refs_text": job.refsDesc,
		"settings": job.settings}}, nil
}
