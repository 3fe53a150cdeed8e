package app

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/cgru/cgru/data"
	"github.com/cgru/cgru/internal/harness"
	"github.com/cgru/cgru/model"
)

// chunkPairs is the number of CGRU pair runs between two yields of a long
// computation: about a quarter of a second of the pure-Go engine in a
// browser, so that the worker answers pause and stop promptly (see
// Host.Yield).
var chunkPairs = 128

// distanceMatrix returns the distances of every query of q to every
// reference of r, row-major [q.N][r.N], as model.DistanceMatrix does, on
// any engine and in pieces: it calls yield between pieces, stops with ctx's
// error when ctx is cancelled, and calls progress (if not nil) after each
// piece with the pairs done and the total.
func distanceMatrix(ctx context.Context, yield func(), e model.Engine[float32], net *model.Net[float32], q, r model.Seqs[float32],
	progress func(done, total int)) ([]float64, error) {
	nq, nr := q.N, r.N
	total := nq * nr
	d := make([]float64, total)
	if total == 0 {
		return d, nil
	}
	// Rows of queries per piece; an SGRU runs each sequence of a piece once,
	// so its pieces are large.
	rows := max(1, chunkPairs/nr)
	if net.Kind == model.SGRU {
		rows = max(1, 16*chunkPairs/nr)
	}
	for first := 0; first < nq; first += rows {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		n := min(rows, nq-first)
		x := model.NewSeqs[float32](n+nr, q.T, q.I)
		copy(x.X, q.X[first*q.T*q.I:(first+n)*q.T*q.I])
		copy(x.X[n*q.T*q.I:], r.X)
		pairs := make([]model.Pair, 0, n*nr)
		for i := 0; i < n; i++ {
			for j := 0; j < nr; j++ {
				pairs = append(pairs, model.Pair{A: int32(i), B: int32(n + j)})
			}
		}
		copy(d[first*nr:], e.Distances(net, x, pairs))
		if progress != nil {
			progress((first+n)*nr, total)
		}
		yield()
	}
	return d, nil
}

func init() {
	Register("compare", opCompare)
	Register("compare.pick", opComparePick)
	Register("evaluate", opEvaluate)
	Register("noise", opNoise)
	Register("bench", opBench)
	Register("distances", opDistances)
}

// Trace is one network's run of a pair, for the page.
type Trace struct {
	Kind      model.Kind `json:"kind"`
	Model     string     `json:"model"` // which network (best epoch, untrained, loaded…)
	Distance  float64    `json:"distance"`
	T         int        `json:"T"`
	H         int        `json:"H"`
	SyncError []float64  `json:"sync_error"` // [T] ‖h_t − h'_t‖
	MeanGate  []float64  `json:"mean_gate"`  // [T] mean coupling gate (CGRU; null for the SGRU)
	// Context places Distance among the network's distances of a fixed
	// sample of same-activity and different-activity pairs of window A's
	// split (their scale is the network's own).
	Context *DistanceContext `json:"context,omitempty"`
	H1      []float32        `json:"h1"` // [T][H] h_t, flat
	H2      []float32        `json:"h2"` // [T][H] h'_t, flat
}

// CompareResult is the answer to "compare".
type CompareResult struct {
	A      Window  `json:"a"`
	B      Window  `json:"b"`
	Traces []Trace `json:"traces"`
}

type compareArgs struct {
	A WindowRef `json:"a"`
	B WindowRef `json:"b"`
}

// opCompare runs a pair of windows through both networks, step by step,
// in float64 with the CPU engine (as cgru compare and cgru distance do,
// so the distances are theirs on the same model file).
func opCompare(ctx context.Context, a *App, req Request) (Reply, error) {
	var arg compareArgs
	if err := args(req, &arg); err != nil {
		return Reply{}, err
	}
	a.mu.Lock()
	d := a.data
	wa, err := d.get(arg.A)
	if err != nil {
		a.mu.Unlock()
		return Reply{}, err
	}
	wb, err := d.get(arg.B)
	if err != nil {
		a.mu.Unlock()
		return Reply{}, err
	}
	type job struct {
		kind model.Kind
		net  *model.Net[float64]
		desc string
		norm *data.Normalizer
	}
	var jobs []job
	for _, k := range kinds {
		r := a.runs[k]
		_, desc := r.model()
		jobs = append(jobs, job{k, r.model64(), desc, r.norm})
	}
	a.mu.Unlock()
	ctxSplit, _ := d.splitOf(arg.A.Split)
	res := CompareResult{A: wa, B: wb}
	e := &model.CPU[float64]{Threads: 1}
	for _, j := range jobs {
		xa, xb := to64(wa.X, j.norm), to64(wb.X, j.norm)
		tr := e.Trace(j.net, xa, xb)
		t := Trace{Kind: j.kind, Model: j.desc, Distance: tr.Distance, T: tr.T, H: tr.H, SyncError: tr.SyncError(),
			MeanGate: tr.MeanGate(), H1: flat32(tr.H1), H2: flat32(tr.H2)}
		a.host.Yield()
		t.Context = distanceContext(d.id, arg.A.Split, ctxSplit, j.net, j.norm, t.Distance)
		res.Traces = append(res.Traces, t)
		a.host.Yield()
	}
	return Reply{Value: res}, nil
}

// to64 copies a window to float64, normalised if norm is not nil.
func to64(x []float32, norm *data.Normalizer) []float64 {
	if norm != nil {
		x = slices.Clone(x)
		norm.ApplyWindow(x)
	}
	out := make([]float64, len(x))
	for i, v := range x {
		out[i] = float64(v)
	}
	return out
}

func flat32(m [][]float64) []float32 {
	var out []float32
	for _, row := range m {
		for _, v := range row {
			out = append(out, float32(v))
		}
	}
	return out
}

type pickArgs struct {
	// Mode is "same" (two windows of one activity), "different" (two
	// activities), or "hard" (the positive pair, among Candidates random
	// same-activity pairs, that the SGRU puts furthest apart).
	Mode       string `json:"mode"`
	Split      string `json:"split"`
	Class      int    `json:"class"` // for same and hard: the activity (−1: any)
	Seed       uint64 `json:"seed"`
	Candidates int    `json:"candidates"`
}

// opComparePick picks a pair of windows of a split.
func opComparePick(ctx context.Context, a *App, req Request) (Reply, error) {
	arg := pickArgs{Mode: "same", Split: "test", Class: -1, Seed: uint64(time.Now().UnixNano()), Candidates: 48}
	if err := args(req, &arg); err != nil {
		return Reply{}, err
	}
	a.mu.Lock()
	d := a.data
	sgru := a.runs[model.SGRU]
	net, _ := sgru.model()
	norm := sgru.norm
	a.mu.Unlock()
	ds, err := d.splitOf(arg.Split)
	if err != nil {
		return Reply{}, err
	}
	rng := rand.New(rand.NewPCG(arg.Seed, 0x7069636b)) // "pick"
	byClass := make([][]int, len(ds.ClassNames))
	for i, l := range ds.Labels {
		byClass[l] = append(byClass[l], i)
	}
	var classes []int
	for c, w := range byClass {
		if len(w) >= 2 && (arg.Class < 0 || arg.Class == c) {
			classes = append(classes, c)
		}
	}
	if len(classes) == 0 {
		return Reply{}, fmt.Errorf("the %s split has no activity with two windows to pair", arg.Split)
	}
	positive := func() (int, int) {
		w := byClass[classes[rng.IntN(len(classes))]]
		i := rng.IntN(len(w))
		j := rng.IntN(len(w) - 1)
		if j >= i {
			j++
		}
		return w[i], w[j]
	}
	var ia, ib int
	switch arg.Mode {
	case "same":
		ia, ib = positive()
	case "different":
		var present []int
		for c, w := range byClass {
			if len(w) > 0 {
				present = append(present, c)
			}
		}
		if len(present) < 2 {
			return Reply{}, fmt.Errorf("the %s split has fewer than two activities", arg.Split)
		}
		ca := present[rng.IntN(len(present))]
		if arg.Class >= 0 && len(byClass[arg.Class]) > 0 {
			ca = arg.Class
		}
		cb := ca
		for cb == ca {
			cb = present[rng.IntN(len(present))]
		}
		ia, ib = byClass[ca][rng.IntN(len(byClass[ca]))], byClass[cb][rng.IntN(len(byClass[cb]))]
	case "hard":
		n := max(1, min(arg.Candidates, 512))
		x := model.NewSeqs[float32](2*n, ds.T, len(ds.Channels))
		cand := make([][2]int, n)
		pairs := make([]model.Pair, n)
		for k := range cand {
			i, j := positive()
			cand[k] = [2]int{i, j}
			copy(x.Seq(k), ds.Window(i))
			copy(x.Seq(n+k), ds.Window(j))
			pairs[k] = model.Pair{A: int32(k), B: int32(n + k)}
		}
		if norm != nil {
			for k := 0; k < 2*n; k++ {
				norm.ApplyWindow(x.Seq(k))
			}
		}
		dist := (&model.CPU[float32]{Threads: 1}).Distances(net, x, pairs)
		best := 0
		for k, v := range dist {
			if v > dist[best] {
				best = k
			}
		}
		ia, ib = cand[best][0], cand[best][1]
	default:
		return Reply{}, fmt.Errorf("compare.pick: mode %q, want same, different or hard", arg.Mode)
	}
	return Reply{Value: map[string]any{"a": WindowRef{arg.Split, ia}, "b": WindowRef{arg.Split, ib}, "mode": arg.Mode}}, nil
}

// EvalResult is one network's evaluation.
type EvalResult struct {
	Kind         model.Kind `json:"kind"`
	Model        string     `json:"model"`
	Split        string     `json:"split"`
	RefsPerClass int        `json:"refs_per_class"` // 0: all training windows
	// RefsPerClassUsed is the references per class taken
	// (data.RefsPerClassUsed): 0, all, where no class has more than asked.
	RefsPerClassUsed int         `json:"refs_per_class_used"`
	Refs             string      `json:"refs"` // how every figure names its reference set (data.DescribeRefs)
	Seed             uint64      `json:"seed"`
	Seconds          float64     `json:"seconds"`
	Engine           EngineInfo  `json:"engine"`
	Eval             *model.Eval `json:"eval"`
}

type evalArgs struct {
	Kinds           []string `json:"kinds"`
	RefsPerClass    int      `json:"refs_per_class"`
	QueriesPerClass int      `json:"queries_per_class"` // 0: the whole test split
	Seed            uint64   `json:"seed"`
}

// opEvaluate scores the networks by 1-NN retrieval as cgru eval does: the
// test windows (or queries_per_class of each class) against
// refs_per_class training windows per class (data.BalancedSubset with
// seed; 0: all). Progress comes as "task.progress" events.
func opEvaluate(ctx context.Context, a *App, req Request) (Reply, error) {
	arg := evalArgs{RefsPerClass: 20, Seed: 1}
	if err := args(req, &arg); err != nil {
		return Reply{}, err
	}
	if arg.RefsPerClass < 0 || arg.QueriesPerClass < 0 {
		return Reply{}, fmt.Errorf("evaluate: refs_per_class %d, queries_per_class %d: want 0 (all) or more", arg.RefsPerClass, arg.QueriesPerClass)
	}
	ks, err := kindsArg(arg.Kinds)
	if err != nil {
		return Reply{}, err
	}
	tctx, end, eng, info, err := a.beginTask(ctx, "evaluate")
	if err != nil {
		return Reply{}, err
	}
	defer end()
	a.mu.Lock()
	d := a.data
	type job struct {
		kind model.Kind
		net  *model.Net[float32]
		desc string
		norm *data.Normalizer
	}
	var jobs []job
	for _, k := range ks {
		net, desc := a.runs[k].model()
		jobs = append(jobs, job{k, net, desc, a.runs[k].norm})
	}
	a.mu.Unlock()
	train := d.split.Train
	refs, queries, refsDesc, err := evalSets(d, arg.RefsPerClass, arg.QueriesPerClass, arg.Seed)
	if err != nil {
		return Reply{}, err
	}
	total := len(jobs) * queries.Len() * refs.Len()
	var out []EvalResult
	for ji, j := range jobs {
		q, r := queries, refs
		if j.norm != nil {
			q, r = q.Clone(), r.Clone()
			j.norm.Apply(q)
			j.norm.Apply(r)
		}
		start := time.Now()
		base := ji * queries.Len() * refs.Len()
		dm, err := distanceMatrix(tctx, a.host.Yield, eng, j.net, harness.Seqs(q), harness.Seqs(r), func(done, _ int) {
			a.host.Emit("task.progress", map[string]any{"task": "evaluate", "kind": j.kind, "done": base + done, "total": total})
		})
		if err != nil {
			return Reply{}, err
		}
		ev := model.Evaluate(dm, q.Len(), r.Len(), q.Labels, r.Labels, len(train.ClassNames))
		ev.ClassNames = train.ClassNames
		out = append(out, EvalResult{Kind: j.kind, Model: j.desc, Split: "test", RefsPerClass: arg.RefsPerClass,
			RefsPerClassUsed: data.RefsPerClassUsed(d.split.Train, arg.RefsPerClass), Refs: refsDesc, Seed: arg.Seed,
			Seconds: time.Since(start).Seconds(), Engine: info, Eval: ev})
	}
	return Reply{Value: map[string]any{"results": out, "queries": queries.Len(), "refs": refs.Len()}}, nil
}

// evalSets picks the windows of a retrieval evaluation on the loaded data,
// as cgru eval does on the test split: the queries are the test windows
// (queriesPerClass > 0: that many of each class, data.BalancedSubset with
// seed), the references refsPerClass training windows per class
// (data.BalancedSubset with seed, the same as cgru eval --refs-per-class
// --seed; 0: all of them). refsDesc names the references as every figure
// shows them. The networks' evaluation and the baselines (baseline.go) both
// take their windows from here, so that their figures share a protocol.
func evalSets(d *dataset, refsPerClass, queriesPerClass int, seed uint64) (refs, queries *data.Dataset, refsDesc string, err error) {
	train, test := d.split.Train, d.split.Test
	refIdx := data.RefIndices(train, refsPerClass, seed)
	queries = test
	if queriesPerClass > 0 {
		queries = test.Subset(data.BalancedSubset(test, queriesPerClass, seed))
	}
	if queries.Len() == 0 {
		return nil, nil, "", fmt.Errorf("%s: the test split has no windows to evaluate on", d.title)
	}
	refs = train.Subset(refIdx)
	if refs.Len() == 0 {
		return nil, nil, "", fmt.Errorf("%s: the training split has no windows to use as references", d.title)
	}
	return refs, queries, data.DescribeRefs(train, refsPerClass), nil
}

func allIndices(n int) []int {
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	return idx
}

// NoiseCurve is one network's mean distances under noise.
type NoiseCurve struct {
	Kind    model.Kind `json:"kind"`
	Model   string     `json:"model"`
	MeanPos []float64  `json:"mean_pos"` // [σ]
	MeanNeg []float64  `json:"mean_neg"`
	SDPos   []float64  `json:"sd_pos"`
	SDNeg   []float64  `json:"sd_neg"`
}

type noiseArgs struct {
	Kinds         []string  `json:"kinds"`
	Sigmas        []float64 `json:"sigmas"`
	PairsPerClass int       `json:"pairs_per_class"`
	Seed          uint64    `json:"seed"`
}

// opNoise measures the mean distance of positive and negative test pairs
// under Gaussian white noise of each σ, as cgru noise does with the same
// pairs (data.SamplePairs) and the same noise (seeded by seed and σ), so
// the figures are the command's on the same models.
func opNoise(ctx context.Context, a *App, req Request) (Reply, error) {
	arg := noiseArgs{Sigmas: []float64{0, 0.25, 0.5, 0.75, 1, 1.25, 1.5, 1.75, 2}, PairsPerClass: 20, Seed: 1}
	if err := args(req, &arg); err != nil {
		return Reply{}, err
	}
	if len(arg.Sigmas) == 0 || len(arg.Sigmas) > 100 || arg.PairsPerClass < 1 || arg.PairsPerClass > 1000 {
		return Reply{}, fmt.Errorf("noise: %d noise levels (want 1 to 100), %d pairs per class (want 1 to 1000)", len(arg.Sigmas), arg.PairsPerClass)
	}
	for _, s := range arg.Sigmas {
		if !(s >= 0) || math.IsInf(s, 0) {
			return Reply{}, fmt.Errorf("noise: σ = %g: want a finite number ≥ 0", s)
		}
	}
	ks, err := kindsArg(arg.Kinds)
	if err != nil {
		return Reply{}, err
	}
	tctx, end, eng, _, err := a.beginTask(ctx, "noise")
	if err != nil {
		return Reply{}, err
	}
	defer end()
	a.mu.Lock()
	test := a.data.split.Test
	type job struct {
		net  *model.Net[float32]
		norm *data.Normalizer
	}
	var jobs []job
	var curves []NoiseCurve
	for _, k := range ks {
		net, desc := a.runs[k].model()
		jobs = append(jobs, job{net, a.runs[k].norm})
		curves = append(curves, NoiseCurve{Kind: k, Model: desc})
	}
	a.mu.Unlock()
	pos, neg := data.SamplePairs(test.Labels, len(test.ClassNames), arg.PairsPerClass, arg.Seed)
	if len(pos) == 0 || len(neg) == 0 {
		return Reply{}, fmt.Errorf("the test split has %d positive and %d negative pairs to draw; need both", len(pos), len(neg))
	}
	// Only the windows in some pair are needed: gather them into one batch.
	used, pairs := harness.GatherPairs(append(append([]data.Pair(nil), pos...), neg...))
	raw := test.Subset(used)
	noisy := make([]float32, len(raw.X))
	x := model.Seqs[float32]{N: raw.Len(), T: raw.T, I: len(raw.Channels), X: make([]float32, len(raw.X))}
	steps, total := 0, len(arg.Sigmas)*len(jobs)*len(pairs)
	for _, sigma := range arg.Sigmas {
		data.AddNoise(noisy, raw.X, sigma, data.NoiseRNG(arg.Seed, sigma))
		for k, j := range jobs {
			copy(x.X, noisy)
			if j.norm != nil {
				for i := 0; i < x.N; i++ {
					j.norm.ApplyWindow(x.Seq(i))
				}
			}
			d := make([]float64, 0, len(pairs))
			for first := 0; first < len(pairs); first += chunkPairs {
				if err := tctx.Err(); err != nil {
					return Reply{}, err
				}
				d = append(d, eng.Distances(j.net, x, pairs[first:min(first+chunkPairs, len(pairs))])...)
				steps += min(chunkPairs, len(pairs)-first)
				a.host.Emit("task.progress", map[string]any{"task": "noise", "done": steps, "total": total})
				a.host.Yield()
			}
			mp, sp := harness.MeanSD(d[:len(pos)])
			mn, sn := harness.MeanSD(d[len(pos):])
			c := &curves[k]
			c.MeanPos, c.SDPos = append(c.MeanPos, mp), append(c.SDPos, sp)
			c.MeanNeg, c.SDNeg = append(c.MeanNeg, mn), append(c.SDNeg, sn)
		}
	}
	return Reply{Value: map[string]any{"sigmas": arg.Sigmas, "pairs_per_class": arg.PairsPerClass, "seed": arg.Seed,
		"n_pos": len(pos), "n_neg": len(neg), "curves": curves}}, nil
}

type benchArgs struct {
	Kind    string `json:"kind"`
	Batch   int    `json:"batch"`
	Rounds  int    `json:"rounds"`
	Warmup  int    `json:"warmup"`
	Backend string `json:"backend"` // "cpu" (the pure-Go engine) or "engine" (the page's engine)
}

// BenchResult is the answer to "bench": the timing of cgru bench, in the
// page.
type BenchResult struct {
	Kind        model.Kind `json:"kind"`
	Backend     string     `json:"backend"`
	Batch       int        `json:"batch"`
	Pairs       int        `json:"pairs"`
	Rounds      int        `json:"rounds"`
	TrainStepMS float64    `json:"train_step_ms"` // median
	ForwardMS   float64    `json:"forward_ms"`    // median
	TrainAll    []float64  `json:"train_step_samples_ms"`
	ForwardAll  []float64  `json:"forward_samples_ms"`
	SIMD        bool       `json:"simd"`
}

// opBench times one training step as cgru bench does (the same batch of
// the embedded subset, the same network and loss), single-threaded.
func opBench(ctx context.Context, a *App, req Request) (Reply, error) {
	arg := benchArgs{Kind: "cgru", Batch: 36, Rounds: 5, Warmup: 1, Backend: "cpu"}
	if err := args(req, &arg); err != nil {
		return Reply{}, err
	}
	kind, err := model.ParseKind(arg.Kind)
	if err != nil {
		return Reply{}, err
	}
	if arg.Batch < 6 || arg.Batch%6 != 0 || arg.Batch > 120 || arg.Rounds < 1 || arg.Rounds > 100 || arg.Warmup < 0 {
		return Reply{}, fmt.Errorf("bench: batch %d (a multiple of 6 up to 120), rounds %d (1 to 100), warmup %d", arg.Batch, arg.Rounds, arg.Warmup)
	}
	tctx, end, eng, info, err := a.beginTask(ctx, "bench")
	if err != nil {
		return Reply{}, err
	}
	defer end()
	backend := info.Backend
	switch arg.Backend {
	case "cpu":
		eng, backend = &model.CPU[float32]{Threads: 1}, "cpu"
	case "engine":
	default:
		return Reply{}, fmt.Errorf("bench: backend %q, want cpu or engine", arg.Backend)
	}
	// The step of cgru bench with its defaults (H = 20, contrastive loss
	// with margin 1).
	b, err := harness.NewBench(kind, arg.Batch, 20, model.Contrastive{Margin: 1})
	if err != nil {
		return Reply{}, fmt.Errorf("bench: %v", err)
	}
	res := BenchResult{Kind: kind, Backend: backend, Batch: b.X.N, Pairs: len(b.Pairs), Rounds: arg.Rounds, SIMD: model.SIMD()}
	for i := 0; i < arg.Warmup+arg.Rounds; i++ {
		if err := tctx.Err(); err != nil {
			return Reply{}, err
		}
		t0 := time.Now()
		if err := b.Step(eng); err != nil {
			return Reply{}, err
		}
		t1 := time.Now()
		eng.Distances(b.Net, b.X, b.Pairs)
		t2 := time.Now()
		if i >= arg.Warmup {
			res.TrainAll = append(res.TrainAll, ms(t1.Sub(t0)))
			res.ForwardAll = append(res.ForwardAll, ms(t2.Sub(t1)))
		}
		a.host.Emit("task.progress", map[string]any{"task": "bench", "done": i + 1, "total": arg.Warmup + arg.Rounds})
		a.host.Yield()
	}
	res.TrainStepMS, res.ForwardMS = harness.Median(res.TrainAll), harness.Median(res.ForwardAll)
	return Reply{Value: res}, nil
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

type distancesArgs struct {
	Kind  string         `json:"kind"`
	Pairs [][2]WindowRef `json:"pairs"`
}

// opDistances returns the distances of pairs of windows under a network,
// in float64 with the CPU engine (as cgru distance computes them).
func opDistances(ctx context.Context, a *App, req Request) (Reply, error) {
	var arg distancesArgs
	if err := args(req, &arg); err != nil {
		return Reply{}, err
	}
	k, err := model.ParseKind(arg.Kind)
	if err != nil {
		return Reply{}, err
	}
	if len(arg.Pairs) > 10000 {
		return Reply{}, fmt.Errorf("distances: %d pairs; at most 10000", len(arg.Pairs))
	}
	a.mu.Lock()
	d, r := a.data, a.runs[k]
	net, norm := r.model64(), r.norm
	a.mu.Unlock()
	out := make([]float64, len(arg.Pairs))
	e := &model.CPU[float64]{Threads: 1}
	for i, p := range arg.Pairs {
		wa, err := d.get(p[0])
		if err != nil {
			return Reply{}, fmt.Errorf("pair %d: %v", i, err)
		}
		wb, err := d.get(p[1])
		if err != nil {
			return Reply{}, fmt.Errorf("pair %d: %v", i, err)
		}
		out[i] = e.Trace(net, to64(wa.X, norm), to64(wb.X, norm)).Distance
	}
	return Reply{Value: map[string]any{"kind": k, "distances": out}}, nil
}
