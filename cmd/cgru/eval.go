package main

import (
	"encoding/json"
	"fmt"
	"io"
	"runtime"
	"slices"
	"time"

	"github.com/cgru/cgru/data"
	"github.com/cgru/cgru/internal/harness"
	"github.com/cgru/cgru/model"
)

// evalResult is what `cgru eval --json` prints: the settings, then the
// fields of model.Eval.
type evalResult struct {
	Model string     `json:"model"`
	Kind  model.Kind `json:"kind"`
	evalSettings
	Backend string  `json:"backend,omitempty"` // what computed the distances: cpu or webgpu
	Adapter string  `json:"adapter,omitempty"` // the GPU adapter
	Seconds float64 `json:"seconds"`           // distances and metrics, not loading
	*model.Eval
}

// evalSettings are the settings of a 1-NN evaluation that cgru eval and
// cgru baseline both print (the same schema, so that cgru report reads
// both).
type evalSettings struct {
	Data         string `json:"data"`    // --data as given
	Dataset      string `json:"dataset"` // the name of the queries' dataset
	Split        string `json:"split"`
	RefsPerClass int    `json:"refs_per_class"` // 0: all training windows
	// RefsPerClassUsed is the references per class actually taken
	// (data.RefsPerClassUsed): 0, all training windows, where no class has
	// more than RefsPerClass; Refs names them as every figure does
	// (data.DescribeRefs).
	RefsPerClassUsed int    `json:"refs_per_class_used"`
	Refs             string `json:"refs"`
	Seed             uint64 `json:"seed"`
	ValSubjects      []int  `json:"val_subjects,omitempty"` // --split val: the queries' subjects
	Normalized       bool   `json:"normalized"`             // the model file's normalisation was applied (baselines: never, raw signals)
	Threads          int    `json:"threads"`
}

func runEval(args []string, stdout io.Writer) error {
	fs := newFlags("eval", "--model M.json [--data PATH|embedded] [--split test|val|train] [--refs-per-class K] [--seed 1] [--threads N] [--json]",
		`Evaluates a model by 1-NN retrieval (DESIGN.md §4): every query window
(the --split, default test) is compared with every reference window (the train
split) and classified by its nearest reference. Prints the 1-NN accuracy, the
macro F1, the full-ranking MAP, the confusion matrix and per-class precision,
recall and F1, each figure with the reference set it was measured against.

--refs-per-class K takes K training windows per class as references
(data.BalancedSubset with --seed, spread over the subjects); 0 takes all of
them. A CGRU runs every (query, reference) pair as its own network run
(2947 × 7352 ≈ 21.7 M on full UCI HAR), so pass e.g. --refs-per-class 50 for
it. With --split val the queries are the training windows of the model's
validation subjects (the fold recorded in the model file by cgru train) and
the references come from the other training subjects: the paper's validation
figures. With --split train the queries are the training windows that are not
references, so K must be positive.

Ties go to the reference with the smaller index; a NaN distance ranks last.
The model file's normalisation, if any, is applied to queries and
references. Progress goes to stderr.`)
	modelPath := fs.String("model", "", "model file (required)")
	dataPath := fs.String("data", "embedded", "dataset: embedded, a UCI HAR folder or zip, or a CSV file")
	splitName := fs.String("split", "test", "query windows: test, val (the model's validation subjects), or train (the training windows that are not references)")
	refsPer := fs.Int("refs-per-class", 0, "reference windows per class from the train split (0: all)")
	seed := fs.Uint64("seed", 1, "seed of the reference subset")
	threads := fs.Int("threads", 0, "worker goroutines (0: all cores)")
	quiet := fs.Bool("quiet", false, "no progress on stderr")
	backend := backendFlag(fs)
	asJSON := fs.Bool("json", false, "print JSON")
	if err := parseFlags(fs, args, stdout); err != nil {
		return err
	}
	switch {
	case *modelPath == "":
		return usageErrorf(fs, "--model is required")
	case *splitName != "test" && *splitName != "val" && *splitName != "train":
		return usageErrorf(fs, "--split %q: want test, val or train", *splitName)
	case *refsPer < 0:
		return usageErrorf(fs, "--refs-per-class %d: want 0 (all) or more", *refsPer)
	case *splitName == "train" && *refsPer == 0:
		return usageErrorf(fs, "--split train needs --refs-per-class > 0: the queries are the training windows that are not references")
	case *threads < 0:
		return usageErrorf(fs, "--threads %d: want 0 (all cores) or more", *threads)
	}
	if err := checkBackend(fs, *backend); err != nil {
		return err
	}
	mf, split, err := loadModelAndData(*modelPath, *dataPath)
	if err != nil {
		return err
	}
	var valSubjects []int
	if *splitName == "val" {
		if valSubjects, err = modelValSubjects(mf, *modelPath); err != nil {
			return err
		}
	}
	train, refs, queries, err := evalSets(split, *splitName, valSubjects, *refsPer, *seed, *dataPath, *modelPath)
	if err != nil {
		return err
	}
	refsDesc := data.DescribeRefs(train, *refsPer)

	net := model.Convert[float32](mf.Net)
	eng, err := openEngine(*backend, *threads)
	if err != nil {
		return err
	}
	defer eng.close()
	var bar *progress
	if !*quiet {
		bar = newProgress(stderr, fmt.Sprintf("eval %d×%d pairs", queries.Len(), refs.Len()), queries.Len()*refs.Len())
	}
	start := time.Now()
	last := 0
	dm, err := eng.distanceMatrix(net, harness.Seqs(queries), harness.Seqs(refs), func(done, _ int) {
		bar.Add(done - last)
		last = done
	})
	if err != nil {
		return err
	}
	ev := model.Evaluate(dm, queries.Len(), refs.Len(), queries.Labels, refs.Labels, len(train.ClassNames))
	bar.Done()
	ev.ClassNames = train.ClassNames
	secs := time.Since(start).Seconds()

	res := evalResult{Model: *modelPath, Kind: net.Kind, evalSettings: evalSettings{Data: *dataPath, Dataset: queries.Name, Split: *splitName,
		RefsPerClass: *refsPer, RefsPerClassUsed: data.RefsPerClassUsed(train, *refsPer), Refs: refsDesc, Seed: *seed,
		ValSubjects: valSubjects, Normalized: mf.Normalization != nil, Threads: *threads}, Seconds: secs, Eval: ev}
	res.Backend, _ = eng.status()
	res.Adapter = eng.Adapter
	if res.Threads == 0 {
		res.Threads = runtime.GOMAXPROCS(0)
	}
	if *asJSON {
		return writeJSON(stdout, res)
	}
	printEval(stdout, res, refsDesc)
	return nil
}

// modelValSubjects returns the validation subjects that cgru train
// recorded in a model file (training.val_subjects).
func modelValSubjects(mf *model.File, path string) ([]int, error) {
	var rec model.TrainRecord
	if len(mf.Training) > 0 {
		json.Unmarshal(mf.Training, &rec) // a foreign record without these fields is caught below
	}
	if len(rec.ValSubjects) == 0 {
		return nil, fmt.Errorf("%s: training.val_subjects: the model file names no validation subjects (train it with cgru train --fold K)", path)
	}
	return rec.ValSubjects, nil
}

// evalSets picks the windows of a 1-NN evaluation from split (shared by
// cgru eval and cgru baseline, so that the same seed gives the same
// references): train is where the references come from, refs are K windows
// per class of it (data.BalancedSubset with seed; refsPer 0: all of them),
// and the queries are, by splitName,
//
//   - test: the test split;
//   - val: the training windows of valSubjects, with train then the other
//     training subjects' windows;
//   - train: the training windows that are not references.
//
// source names where valSubjects came from, for errors.
func evalSets(split *data.Split, splitName string, valSubjects []int, refsPer int, seed uint64, dataPath, source string) (train, refs, queries *data.Dataset, err error) {
	train = split.Train
	queries = split.Test
	if splitName == "val" {
		var val, rest []int
		for i, s := range train.Subjects {
			if slices.Contains(valSubjects, s) {
				val = append(val, i)
			} else {
				rest = append(rest, i)
			}
		}
		if len(val) == 0 {
			return nil, nil, nil, fmt.Errorf("%s: none of the validation subjects %v of %s is in %s", dataPath, valSubjects, source, dataPath)
		}
		train, queries = train.Subset(rest), train.Subset(val)
	}
	refIdx := data.RefIndices(train, refsPer, seed)
	refs = train.Subset(refIdx)
	if splitName == "train" {
		isRef := make([]bool, train.Len())
		for _, i := range refIdx {
			isRef[i] = true
		}
		var rest []int
		for i := range isRef {
			if !isRef[i] {
				rest = append(rest, i)
			}
		}
		queries = train.Subset(rest)
	}
	if refs.Len() == 0 {
		return nil, nil, nil, fmt.Errorf("%s: no training windows to use as references", dataPath)
	}
	return train, refs, queries, nil
}

// loadModelAndData reads a model file and a dataset, checks that they fit
// each other and applies the model's normalisation, if any, to both splits.
func loadModelAndData(modelPath, dataPath string) (*model.File, *data.Split, error) {
	mf, err := model.ReadFile(modelPath)
	if err != nil {
		return nil, nil, err
	}
	split, err := data.Load(dataPath)
	if err != nil {
		return nil, nil, err
	}
	if err := fitsData(mf, modelPath, split, dataPath); err != nil {
		return nil, nil, err
	}
	return mf, normalized(mf, split), nil
}

// fitsData checks that the model's input size is the dataset's channel
// count.
func fitsData(mf *model.File, modelPath string, split *data.Split, dataPath string) error {
	if ch := len(split.Train.Channels); mf.Net.Input != ch {
		return fmt.Errorf("%s: input size %d, but %s has %d channels", modelPath, mf.Net.Input, dataPath, ch)
	}
	return nil
}

// normalized applies the model's normalisation, if any, to both splits in
// place (data.Load returns a fresh copy) and returns split.
func normalized(mf *model.File, split *data.Split) *data.Split {
	if mf.Normalization == nil {
		return split
	}
	n := &data.Normalizer{Mean: mf.Normalization.Mean, Std: mf.Normalization.Std}
	n.Apply(split.Train)
	n.Apply(split.Test)
	return split
}

func printEval(w io.Writer, r evalResult, refs string) {
	ev := r.Eval
	fmt.Fprintf(w, "%s model %s: %d queries (%s split, %s), %s", r.Kind, r.Model, ev.NQueries, r.Split, r.Dataset, refs)
	if len(r.ValSubjects) > 0 {
		fmt.Fprintf(w, " from the other training subjects; validation subjects %v", r.ValSubjects)
	}
	if r.RefsPerClassUsed > 0 {
		fmt.Fprintf(w, " (seed %d)", r.Seed)
	}
	if r.Normalized {
		fmt.Fprint(w, ", normalised as the model file says")
	}
	fmt.Fprintln(w)
	printEvalBody(w, ev, refs, r.Seconds, r.Threads)
}

// printEvalBody prints the figures of an evaluation, each naming the
// reference set refs, and the time taken.
func printEvalBody(w io.Writer, ev *model.Eval, refs string, seconds float64, threads int) {
	fmt.Fprintf(w, "1-NN accuracy %.4f (%s)\n", ev.Accuracy, refs)
	fmt.Fprintf(w, "macro F1      %.4f (%s)\n", ev.MacroF1, refs)
	fmt.Fprintf(w, "MAP           %.4f (full ranking; %s)\n", ev.MAP, refs)

	names := ev.ClassNames
	width := 5
	for _, n := range names {
		width = max(width, len(n))
	}
	fmt.Fprintf(w, "\nconfusion matrix (rows: true class, columns: predicted; %s):\n", refs)
	fmt.Fprintf(w, "  %-*s", width+3, "")
	for c := range names {
		fmt.Fprintf(w, " %6d", c)
	}
	fmt.Fprintln(w)
	for t, row := range ev.Confusion {
		fmt.Fprintf(w, "  %d %-*s", t, width+1, names[t])
		for _, v := range row {
			fmt.Fprintf(w, " %6d", v)
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "\nper class (%s):\n", refs)
	fmt.Fprintf(w, "  %-*s %9s %9s %9s %8s\n", width+2, "class", "precision", "recall", "F1", "support")
	for c, n := range names {
		fmt.Fprintf(w, "  %d %-*s %9.4f %9.4f %9.4f %8d\n", c, width, n, ev.Precision[c], ev.Recall[c], ev.F1[c], ev.Support[c])
	}
	fmt.Fprintf(w, "\ntime %.1f s (%d × %d = %d pairs, %d threads)\n", seconds, ev.NQueries, ev.NRefs,
		ev.NQueries*ev.NRefs, threads)
}

// classOf names class c of names, or its number when out of range.
func classOf(names []string, c int) string {
	if c >= 0 && c < len(names) {
		return names[c]
	}
	return fmt.Sprint(c)
}
