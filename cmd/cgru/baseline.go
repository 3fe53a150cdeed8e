package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"slices"
	"strconv"
	"strings"

	"github.com/cgru/cgru/data"
	"github.com/cgru/cgru/internal/harness"
	"github.com/cgru/cgru/model"
	"github.com/cgru/cgru/model/baseline"
)

// baselineResult is what `cgru baseline --json` prints: the fields of
// `cgru eval --json` that apply (the same schema, so that cgru report reads
// both), the method and its settings, the RVSML training record, then the
// fields of model.Eval.
type baselineResult struct {
	Method   baseline.Method `json:"method"`
	Settings map[string]any  `json:"settings"`
	evalSettings
	Seconds  float64      `json:"seconds"` // distances and metrics, not loading or training
	Training *rvsmlRecord `json:"training,omitempty"`
	*model.Eval
}

// rvsmlRecord is the RVSML training behind a result.
type rvsmlRecord struct {
	Windows        int                  `json:"windows"`         // training windows
	PerClass       int                  `json:"per_class"`       // --train-per-class (0: all)
	Iterations     int                  `json:"iterations"`      // alternations run
	Converged      bool                 `json:"converged"`       // stopped by --tol, not --max-iter
	Seconds        float64              `json:"seconds"`         // training time
	History        []baseline.RVSMLIter `json:"history"`         // loss terms per alternation
	Projection     [][]float64          `json:"projection"`      // L [input][classes·virtual-len]
	ProjectionNote string               `json:"projection_note"` // how to use it
}

func runBaseline(args []string, stdout io.Writer) error {
	fs := newFlags("baseline", "--method dtw|rvsml-dtw|rvsml-opw [--data PATH|embedded] [--split test|val|train] [--refs-per-class K] [--seed 1] [method flags] [--threads N] [--json]",
		`Evaluates one of the paper's baselines by 1-NN retrieval, with the same
protocol and figures as cgru eval (1-NN accuracy, macro F1, full-ranking MAP,
confusion matrix, per-class precision, recall and F1), on the raw signals:

  dtw        dynamic time warping with the squared Euclidean local cost
             (Sakoe & Chiba 1978), optionally in a Sakoe–Chiba band (--band);
  rvsml-dtw  RVSML (Su & Wu, ICML 2019): a linear projection of the inputs
             learnt on the training windows by regressing each onto its
             class's virtual sequence (--virtual-len one-hot elements per
             class) with DTW alignments and a ridge penalty (--lambda),
             alternating alignments and closed-form updates until the loss
             changes by less than --tol or --max-iter; then 1-NN with DTW
             on projected windows;
  rvsml-opw  the same with the order-preserving Wasserstein alignment of Su
             & Hua (CVPR 2017; --lambda1, --lambda2, --delta, Sinkhorn
             iterations --sinkhorn-iters), and 1-NN with OPW. On raw UCI
             HAR its alignments stay the temporal prior's with these
             defaults; --median-scale divides each pair's costs by their
             median first, as the OPW code advises for unnormalised
             features (docs/results/README.md).

Defaults are the RVSML paper's (4 virtual elements per class, λ = λ1 = 50,
λ2 = 0.1, δ = 1, 20 Sinkhorn iterations; see model/baseline's doc).

Queries and references are chosen exactly as by cgru eval: --refs-per-class K
takes K training windows per class (data.BalancedSubset with --seed, so the
same seed gives the same references as cgru eval), 0 all of them. --split val
takes as queries the training windows of the validation subjects, given by
--val-subjects or read from a model file trained with --fold (--val-model),
and the references and RVSML training windows from the other training
subjects. RVSML trains on the training windows the references come from
(--train-per-class K: a class-balanced subset of them, seed --seed; 0: all);
with --split train (queries: training windows that are not references) it
trains on the references only.

Progress goes to stderr; Ctrl-C stops the run (exit status 130).`)
	method := fs.String("method", "", "dtw, rvsml-dtw or rvsml-opw (required)")
	dataPath := fs.String("data", "embedded", "dataset: embedded, a UCI HAR folder or zip, or a CSV file")
	splitName := fs.String("split", "test", "query windows: test, val (--val-subjects or --val-model) or train")
	valList := fs.String("val-subjects", "", "--split val: comma-separated validation subjects")
	valModel := fs.String("val-model", "", "--split val: take the validation subjects from this model file (cgru train --fold K)")
	refsPer := fs.Int("refs-per-class", 0, "reference windows per class from the train split (0: all)")
	seed := fs.Uint64("seed", 1, "seed of the reference subset (and of --train-per-class)")
	trainPer := fs.Int("train-per-class", 0, "RVSML training windows per class (0: all)")
	band := fs.Int("band", -1, "Sakoe–Chiba band half-width of DTW in steps (-1: no band)")
	def := baseline.DefaultConfig(baseline.MethodRVSMLOPW)
	virtualLen := fs.Int("virtual-len", def.RVSML.VirtualLen, "RVSML: elements of each class's virtual sequence")
	lambda := fs.Float64("lambda", def.RVSML.Lambda, "RVSML: ridge weight λ of ‖L‖²_F against the mean alignment cost")
	maxIter := fs.Int("max-iter", def.RVSML.MaxIter, "RVSML: most alternations")
	tol := fs.Float64("tol", def.RVSML.Tol, "RVSML: stop when the loss changes by less than tol × (alignment cost + ridge term)")
	lambda1 := fs.Float64("lambda1", def.OPW.Lambda1, "OPW: weight λ1 of the inverse difference moment")
	lambda2 := fs.Float64("lambda2", def.OPW.Lambda2, "OPW: weight λ2 of the KL divergence to the temporal prior")
	delta := fs.Float64("delta", def.OPW.Delta, "OPW: standard deviation δ of the temporal prior")
	sinkIters := fs.Int("sinkhorn-iters", def.OPW.Iterations, "OPW: Sinkhorn iterations")
	medianScale := fs.Bool("median-scale", false, "OPW: divide each pair's cost matrix by its median in the kernel (the distance stays in the costs' units); off: the published method")
	sinkTol := fs.Float64("sinkhorn-tol", def.OPW.Tol, "OPW: stop Sinkhorn earlier when the column sums of the plan are within this L1 distance of uniform (the rows are exact; 0: never)")
	threads := fs.Int("threads", 0, "worker goroutines (0: all cores)")
	quiet := fs.Bool("quiet", false, "no progress on stderr")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := parseFlags(fs, args, stdout); err != nil {
		return err
	}
	m := baseline.Method(*method)
	switch {
	case *method == "":
		return usageErrorf(fs, "--method is required (dtw, rvsml-dtw or rvsml-opw)")
	case !slices.Contains(baseline.Methods, m):
		return usageErrorf(fs, "--method %q: want dtw, rvsml-dtw or rvsml-opw", *method)
	case *splitName != "test" && *splitName != "val" && *splitName != "train":
		return usageErrorf(fs, "--split %q: want test, val or train", *splitName)
	case *splitName == "val" && (*valList == "") == (*valModel == ""):
		return usageErrorf(fs, "--split val needs exactly one of --val-subjects and --val-model")
	case *splitName != "val" && (*valList != "" || *valModel != ""):
		return usageErrorf(fs, "--val-subjects and --val-model go with --split val")
	case *refsPer < 0:
		return usageErrorf(fs, "--refs-per-class %d: want 0 (all) or more", *refsPer)
	case *splitName == "train" && *refsPer == 0:
		return usageErrorf(fs, "--split train needs --refs-per-class > 0: the queries are the training windows that are not references")
	case *trainPer < 0:
		return usageErrorf(fs, "--train-per-class %d: want 0 (all) or more", *trainPer)
	case *band < -1:
		return usageErrorf(fs, "--band %d: want -1 (no band) or a half-width ≥ 0", *band)
	case *threads < 0:
		return usageErrorf(fs, "--threads %d: want 0 (all cores) or more", *threads)
	}
	// A method's flags given to another method would be silently ignored:
	// say so instead.
	only := map[string][]baseline.Method{
		"band":        {baseline.MethodDTW, baseline.MethodRVSMLDTW},
		"virtual-len": {baseline.MethodRVSMLDTW, baseline.MethodRVSMLOPW}, "lambda": {baseline.MethodRVSMLDTW, baseline.MethodRVSMLOPW},
		"max-iter": {baseline.MethodRVSMLDTW, baseline.MethodRVSMLOPW}, "tol": {baseline.MethodRVSMLDTW, baseline.MethodRVSMLOPW},
		"train-per-class": {baseline.MethodRVSMLDTW, baseline.MethodRVSMLOPW},
		"lambda1":         {baseline.MethodRVSMLOPW}, "lambda2": {baseline.MethodRVSMLOPW}, "delta": {baseline.MethodRVSMLOPW},
		"sinkhorn-iters": {baseline.MethodRVSMLOPW}, "sinkhorn-tol": {baseline.MethodRVSMLOPW}, "median-scale": {baseline.MethodRVSMLOPW},
	}
	var misplaced error
	fs.Visit(func(f *flag.Flag) {
		if ms, ok := only[f.Name]; ok && !slices.Contains(ms, m) && misplaced == nil {
			names := make([]string, len(ms))
			for i, x := range ms {
				names[i] = string(x)
			}
			misplaced = usageErrorf(fs, "--%s applies to %s, not to --method %s", f.Name, strings.Join(names, " and "), m)
		}
	})
	if misplaced != nil {
		return misplaced
	}
	cfg := baseline.DefaultConfig(m)
	cfg.DTW.Band = *band
	cfg.OPW = baseline.OPW{Lambda1: *lambda1, Lambda2: *lambda2, Delta: *delta, Iterations: *sinkIters, Tol: *sinkTol, MedianScale: *medianScale}
	cfg.RVSML.VirtualLen, cfg.RVSML.Lambda, cfg.RVSML.MaxIter, cfg.RVSML.Tol = *virtualLen, *lambda, *maxIter, *tol
	if m == baseline.MethodRVSMLOPW {
		if err := cfg.OPW.Check(); err != nil {
			return usageErrorf(fs, "%v", err)
		}
	}
	if m != baseline.MethodDTW {
		rc := cfg.RVSML
		rc.Align = cfg.DTW
		if err := rc.Check(); err != nil {
			return usageErrorf(fs, "%v", err)
		}
	}
	var valSubjects []int
	if *valList != "" {
		for _, f := range strings.Split(*valList, ",") {
			v, err := strconv.Atoi(strings.TrimSpace(f))
			if err != nil {
				return usageErrorf(fs, "--val-subjects %q: %q is not a subject number", *valList, f)
			}
			valSubjects = append(valSubjects, v)
		}
	}
	cfg.Threads = *threads
	if cfg.Threads == 0 {
		cfg.Threads = runtime.GOMAXPROCS(0)
	}

	source := "--val-subjects"
	if *valModel != "" {
		mf, err := model.ReadFile(*valModel)
		if err != nil {
			return err
		}
		if valSubjects, err = modelValSubjects(mf, *valModel); err != nil {
			return err
		}
		source = *valModel
	}
	split, err := data.Load(*dataPath)
	if err != nil {
		return err
	}
	train, refs, queries, err := evalSets(split, *splitName, valSubjects, *refsPer, *seed, *dataPath, source)
	if err != nil {
		return err
	}
	var trainSet *data.Dataset
	if m != baseline.MethodDTW {
		switch {
		case *splitName == "train":
			trainSet = refs
		case *trainPer > 0:
			trainSet = train.Subset(data.BalancedSubset(train, *trainPer, *seed))
		default:
			trainSet = train
		}
	}
	refsDesc := data.DescribeRefs(train, *refsPer)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	var bar *progress
	if !*quiet && m != baseline.MethodDTW {
		fmt.Fprintf(stderr, "%s: training on %d windows (%s)\n", m, trainSet.Len(), settingsText(m, cfg))
		bar = newProgress(stderr, fmt.Sprintf("%s training", m), cfg.RVSML.MaxIter)
	}
	lastDone := 0
	res, err := baseline.Run(ctx, cfg, harness.Labeled(trainSet), harness.Labeled(refs), harness.Labeled(queries), len(train.ClassNames), func(p baseline.Progress) {
		switch p.Stage {
		case "train":
			bar.Add(1)
			if !*quiet {
				fmt.Fprintf(stderr, "%s: iteration %d loss %.6g\n", m, p.Iter, p.Loss)
			}
		case "distances":
			if lastDone == 0 && !*quiet {
				bar.Done()
				bar = newProgress(stderr, fmt.Sprintf("%s %d×%d pairs", m, queries.Len(), refs.Len()), p.Total)
			}
			bar.Add(p.Done - lastDone)
			lastDone = p.Done
		}
	})
	bar.Done()
	if err != nil {
		if errors.Is(err, context.Canceled) {
			fmt.Fprintf(stderr, "cgru baseline: interrupted\n")
			return errInterrupted
		}
		return err
	}
	ev := res.Eval
	ev.ClassNames = train.ClassNames

	out := baselineResult{Method: m, Settings: settingsOf(m, cfg), evalSettings: evalSettings{Data: *dataPath, Dataset: queries.Name, Split: *splitName,
		RefsPerClass: *refsPer, RefsPerClassUsed: data.RefsPerClassUsed(train, *refsPer), Refs: refsDesc, Seed: *seed,
		ValSubjects: valSubjects, Threads: cfg.Threads}, Seconds: res.DistanceSeconds, Eval: ev}
	if r := res.RVSML; r != nil {
		rec := &rvsmlRecord{Windows: trainSet.Len(), PerClass: *trainPer, Iterations: len(r.History), Converged: r.Converged,
			Seconds: res.TrainSeconds, History: r.History,
			ProjectionNote: "projected vector z = Lᵀx (x: raw channels in the dataset's order; rows of L: channels, columns: classes × virtual elements)"}
		if *splitName == "train" {
			rec.PerClass = *refsPer
		}
		for p := 0; p < r.In; p++ {
			rec.Projection = append(rec.Projection, slices.Clone(r.L[p*r.Out:(p+1)*r.Out]))
		}
		out.Training = rec
	}
	if *asJSON {
		return writeJSON(stdout, out)
	}
	fmt.Fprintf(stdout, "%s (%s): %d queries (%s split, %s), %s", m, settingsText(m, cfg), ev.NQueries, *splitName, queries.Name, refsDesc)
	if len(valSubjects) > 0 {
		fmt.Fprintf(stdout, " from the other training subjects; validation subjects %v", valSubjects)
	}
	if out.RefsPerClassUsed > 0 {
		fmt.Fprintf(stdout, " (seed %d)", *seed)
	}
	fmt.Fprintln(stdout)
	if t := out.Training; t != nil {
		last := t.History[len(t.History)-1]
		how := "stopped by --max-iter"
		if t.Converged {
			how = "converged"
		}
		fmt.Fprintf(stdout, "RVSML trained on %d windows: %d iterations (%s), loss %.6g (alignment %.6g, regulariser %.6g, ridge %.6g), %.1f s\n",
			t.Windows, t.Iterations, how, last.Loss, last.AlignCost, last.Reg, last.Ridge, t.Seconds)
	}
	printEvalBody(stdout, ev, refsDesc, out.Seconds, out.Threads)
	return nil
}

// settingsOf lists the settings a method uses, for the JSON output and the
// report.
func settingsOf(m baseline.Method, c baseline.Config) map[string]any {
	s := map[string]any{}
	if m != baseline.MethodRVSMLOPW {
		s["band"] = c.DTW.Band
	}
	if m != baseline.MethodDTW {
		s["virtual_len"] = c.RVSML.VirtualLen
		s["lambda"] = c.RVSML.Lambda
		s["max_iter"] = c.RVSML.MaxIter
		s["tol"] = c.RVSML.Tol
	}
	if m == baseline.MethodRVSMLOPW {
		s["lambda1"] = c.OPW.Lambda1
		s["lambda2"] = c.OPW.Lambda2
		s["delta"] = c.OPW.Delta
		s["sinkhorn_iters"] = c.OPW.Iterations
		s["sinkhorn_tol"] = c.OPW.Tol
		if c.OPW.MedianScale {
			s["median_scale"] = true
		}
	}
	return s
}

// settingsText writes settingsOf briefly, keys sorted.
func settingsText(m baseline.Method, c baseline.Config) string {
	s := settingsOf(m, c)
	keys := make([]string, 0, len(s))
	for k := range s {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s=%v", k, s[k])
	}
	return strings.Join(parts, " ")
}
