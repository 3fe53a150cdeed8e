package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"math"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cgru/cgru/data"
	"github.com/cgru/cgru/internal/harness"
	"github.com/cgru/cgru/internal/words"
	"github.com/cgru/cgru/model"
)

// errInterrupted marks a run stopped by Ctrl-C after saving its state; the
// process exits with status 130.
var errInterrupted = errors.New("interrupted")

func runTrain(args []string, stdout io.Writer) error {
	fs := newFlags("train", "[--data PATH|embedded] [--kind cgru|sgru] [--fold K | --folds all] [--epochs N] [--out M.json] [flags]",
		`Trains an SGRU or a CGRU with the protocol of DESIGN.md §4: class-balanced
batches (--per-class windows of each activity), Adam with weight decay, the
coupling penalty (CGRU), gradient clipping, the learning rate halved on a
plateau of the training loss, early stopping on the validation 1-NN accuracy
of a leave-subjects-out fold (7 folds of 3 users on UCI HAR), and the best
network kept. Prints one line per epoch (loss, coupling norm, validation
accuracy, learning rate) and a progress bar with ETA on stderr.

The best model goes to --out after every improvement; the full state goes to
--checkpoint after every epoch. Ctrl-C stops cleanly after the batch in
progress; --resume continues a run exactly where its checkpoint left it.
--fold 0 trains on all training subjects without validation (the last
epoch's network is kept).`)
	dataPath := fs.String("data", "embedded", "dataset: embedded, a UCI HAR folder or zip, or a CSV file")
	kindName := fs.String("kind", "cgru", "model: cgru or sgru")
	hidden := fs.Int("hidden", 20, "hidden size H")
	ciName := fs.String("coupling-init", "paper", "CGRU coupling initialisation: paper (N(0,0.1²), c≈0.5) or weak (bias −4, c≈0.02)")
	lf := addLossFlags(fs)
	*lf.name = "structural"
	fs.Lookup("loss").DefValue = "structural"
	cfg := model.DefaultTrainConfig
	fs.IntVar(&cfg.Epochs, "epochs", cfg.Epochs, "epochs at most")
	fs.Float64Var(&cfg.LR, "lr", cfg.LR, "Adam's learning rate")
	fs.Float64Var(&cfg.WeightDecay, "weight-decay", cfg.WeightDecay, "weight decay (L2, in Adam)")
	fs.Float64Var(&cfg.CouplingPenalty, "coupling-penalty", cfg.CouplingPenalty, "weight of ‖W_hc‖_F in the loss (CGRU)")
	fs.Float64Var(&cfg.ClipNorm, "clip", cfg.ClipNorm, "global gradient norm clip (0: none)")
	fs.IntVar(&cfg.PlateauPatience, "plateau-patience", cfg.PlateauPatience, "epochs without training-loss improvement before halving the learning rate")
	fs.IntVar(&cfg.EarlyStop, "early-stop", cfg.EarlyStop, "epochs without better validation accuracy before stopping (0: never)")
	perClass := fs.Int("per-class", 6, "windows of each class per batch")
	seed := fs.Uint64("seed", 1, "seed of initialisation, folds and batches")
	nfolds := fs.Int("nfolds", 7, "number of leave-subjects-out folds")
	fold := fs.Int("fold", 1, "validation fold, 1…nfolds (0: none)")
	folds := fs.String("folds", "", `"all" to train every fold in turn (models get a -foldK suffix)`)
	valRefs := fs.Int("val-refs-per-class", 20, "validation references per class from the fold's training windows (0: all)")
	valMax := fs.Int("val-queries-per-class", 0, "validation queries per class (0: all the fold's validation windows)")
	normalize := fs.Bool("normalize", false, "standardise each channel with training statistics (off in the paper)")
	threads := fs.Int("threads", 0, "worker goroutines (0: all cores)")
	out := fs.String("out", "", "model file to write (default <kind>.json, or the --resume run's)")
	ckpt := fs.String("checkpoint", "", "checkpoint file (default <out>.ckpt)")
	resume := fs.String("resume", "", "continue the run of this checkpoint (its settings win over the flags, except --epochs and --out; without --out the model goes where the run wrote it)")
	quiet := fs.Bool("quiet", false, "no progress bar")
	backend := backendFlag(fs)
	if err := parseFlags(fs, args, stdout); err != nil {
		return err
	}
	kind, err := model.ParseKind(*kindName)
	if err != nil {
		return usageErrorf(fs, "--kind: %v", err)
	}
	ci, err := model.ParseCouplingInit(*ciName)
	if err != nil {
		return usageErrorf(fs, "--coupling-init: %v", err)
	}
	loss, ok := lf.loss()
	if !ok {
		return usageErrorf(fs, "--loss %q (tau %g): want contrastive, or structural with tau > 0", *lf.name, *lf.tau)
	}
	for _, c := range []struct {
		name string
		v    int
		min  int
	}{{"epochs", cfg.Epochs, 1}, {"per-class", *perClass, 1}, {"hidden", *hidden, 1}, {"nfolds", *nfolds, 1},
		{"fold", *fold, 0}, {"val-refs-per-class", *valRefs, 0}, {"val-queries-per-class", *valMax, 0},
		{"plateau-patience", cfg.PlateauPatience, 0}, {"early-stop", cfg.EarlyStop, 0}, {"threads", *threads, 0}} {
		if c.v < c.min {
			return usageErrorf(fs, "--%s %d: need %d or more", c.name, c.v, c.min)
		}
	}
	if *fold > *nfolds {
		return usageErrorf(fs, "--fold %d: need 0 ≤ --fold ≤ --nfolds (%d)", *fold, *nfolds)
	}
	if !(cfg.LR > 0) || math.IsInf(cfg.LR, 0) {
		return usageErrorf(fs, "--lr %g: need a finite rate > 0", cfg.LR)
	}
	// 0 turns these off (no decay, no penalty, no clipping: DESIGN.md §4,
	// model.TrainConfig); a negative value has no meaning.
	for _, c := range []struct {
		name string
		v    float64
	}{{"weight-decay", cfg.WeightDecay}, {"coupling-penalty", cfg.CouplingPenalty}, {"clip", cfg.ClipNorm}} {
		if !(c.v >= 0) || math.IsInf(c.v, 0) {
			return usageErrorf(fs, "--%s %g: need a finite value ≥ 0 (0: off)", c.name, c.v)
		}
	}
	if *folds != "" && *folds != "all" {
		return usageErrorf(fs, `--folds %q: only "all" is known`, *folds)
	}
	if err := checkBackend(fs, *backend); err != nil {
		return err
	}
	// The run's settings, kept in its checkpoints and model files.
	run := model.TrainRecord{Data: *dataPath, Kind: kind, Hidden: *hidden, PerClass: *perClass, Seed: *seed,
		Folds: *nfolds, Fold: *fold, ValRefs: *valRefs, ValQueries: *valMax, Normalize: *normalize, Config: cfg, Threads: *threads}
	run.SetLoss(loss)
	if kind == model.CGRU {
		run.CouplingInit = ci
	}
	var st *model.TrainState[float32]
	var resumeDir string // the resumed run's working directory
	if *resume != "" {
		b, err := os.ReadFile(*resume)
		if err != nil {
			return err
		}
		var raw json.RawMessage
		if st, raw, err = model.UnmarshalCheckpoint[float32](b, *resume); err != nil {
			return err
		}
		epochs := cfg.Epochs
		saved := ckptRun{TrainRecord: run}
		if err := json.Unmarshal(raw, &saved); err != nil {
			return fmt.Errorf("%s: run settings: %v", *resume, err)
		}
		run = saved.TrainRecord
		resumeDir = saved.Dir
		run.Config.Epochs = epochs
		loss = run.LossFunc()
		kind = run.Kind
		*folds = ""
		switch {
		case *out != "":
		case saved.Out != "":
			*out = resolveIn(saved.Dir, saved.Out)
			fmt.Fprintf(stdout, "writing the model to %s, as the run of %s did (--out to change)\n", *out, *resume)
		default:
			// A checkpoint from before the out was recorded.
			*out = string(kind) + ".json"
			fmt.Fprintf(stdout, "%s does not say where its run wrote the model: writing it to %s (--out to change)\n", *resume, *out)
		}
	}
	if *out == "" {
		*out = string(kind) + ".json"
	}
	dataFile := run.Data // the record keeps it as given
	if *resume != "" && run.Data != data.EmbeddedName {
		dataFile = resolveIn(resumeDir, run.Data)
	}
	split, err := data.Load(dataFile)
	if err != nil {
		return err
	}
	eng, err := openEngine(*backend, run.Threads)
	if err != nil {
		return err
	}
	defer eng.close()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if *folds == "all" {
		// Fewer subjects than --nfolds make fewer folds (data.Folds).
		nf := len(data.Folds(split.Train, run.Folds, run.Seed))
		if nf < run.Folds {
			fmt.Fprintf(stdout, "%s has %s: %s, not %d\n", run.Data, words.Count(nf, "training subject"), words.Count(nf, "fold"), run.Folds)
		}
		var accs []float64
		refs := map[string]bool{} // the folds' reference sets, as described
		for k := 1; k <= nf; k++ {
			r := run
			r.Fold = k
			o := foldName(*out, k)
			desc, err := trainOne(ctx, stdout, split, r, loss, nil, o, *ckpt, *quiet, eng)
			if err != nil {
				return err
			}
			refs[desc] = true
			m, err := model.ReadFile(o)
			if err != nil {
				return err
			}
			var rec model.TrainRecord
			json.Unmarshal(m.Training, &rec)
			accs = append(accs, rec.BestValAcc)
		}
		mean, sd := harness.MeanSD(accs)
		// One description, or each fold's where they differ (a class with
		// fewer windows than asked in some folds).
		descs := slices.Sorted(maps.Keys(refs))
		desc := strings.Join(descs, "; ")
		if len(descs) > 1 {
			desc = "differing by fold: " + desc
		}
		fmt.Fprintf(stdout, "%s: validation 1-NN accuracy over %d folds: %.4f ± %.4f (%s)\n", kind, len(accs), mean, sd, desc)
		return nil
	}
	_, err = trainOne(ctx, stdout, split, run, loss, st, *out, *ckpt, *quiet, eng)
	return err
}

func foldName(out string, k int) string {
	ext := filepath.Ext(out)
	return strings.TrimSuffix(out, ext) + "-fold" + strconv.Itoa(k) + ext
}

// trainOne trains one fold (or none) of run, starting from st (nil: a new
// network), writing the best model to out and checkpoints to ckpt, on eng.
// It returns the description of the validation references
// (data.DescribeRefs; "" without validation).
func trainOne(ctx context.Context, stdout io.Writer, split *data.Split, run model.TrainRecord, loss model.Loss,
	st *model.TrainState[float32], out, ckpt string, quiet bool, eng *engine) (refsDesc string, err error) {
	if ckpt == "" {
		ckpt = out + ".ckpt"
	}
	// Before any training: a model file must have somewhere to go.
	for _, p := range []string{out, ckpt} {
		if err := checkWritable(p); err != nil {
			return "", err
		}
	}
	tv, err := data.SplitTrainVal(split.Train, run.Folds, run.Fold, run.ValRefs, run.ValQueries, run.Seed)
	if err != nil {
		return "", fmt.Errorf("%s: %v", run.Data, err)
	}
	trainDS := tv.Train
	run.ValSubjects = tv.ValSubjects
	if run.Fold > 0 {
		// Fewer training subjects than folds make fewer folds (data.Folds,
		// the same folds as asking for that many): the record and the
		// messages give the folds actually made.
		run.Folds = tv.Folds
	}
	var norm *data.Normalizer
	if run.Normalize {
		norm = data.FitNormalizer(trainDS)
		tv.Normalize(norm)
	}
	run.TrainWindows = trainDS.Len()
	e := eng.Engine
	run.Backend, run.Adapter = eng.Backend, eng.Adapter
	d := harness.TrainData(tv, run.PerClass, run.Seed, loss, func(net *model.Net[float32], q, refs model.Seqs[float32]) ([]float64, error) {
		return eng.distanceMatrix(net, q, refs, nil)
	})
	if q, refs := tv.Queries, tv.Refs; q != nil {
		refsDesc = data.DescribeRefs(trainDS, run.ValRefs)
		fmt.Fprintf(stdout, "%s fold %d/%d: validation subjects %v, %d training windows, validation %d queries against %d references (%s)\n",
			run.Kind, run.Fold, run.Folds, run.ValSubjects, trainDS.Len(), q.Len(), refs.Len(), strings.TrimPrefix(refsDesc, "refs: "))
		have := trainDS.ClassCounts()
		for c, n := range q.ClassCounts() {
			if n > 0 && have[c] == 0 {
				fmt.Fprintf(stderr, "warning: no training window of class %s outside the validation subjects: its %d validation queries cannot be matched\n",
					trainDS.ClassNames[c], n)
			}
		}
	} else {
		fmt.Fprintf(stdout, "%s: all %d training windows, no validation (the last epoch's network is kept)\n", run.Kind, trainDS.Len())
	}
	// data.Sampler repeats the windows of a class shorter than a batch's
	// share within each batch: allowed (a small dataset), but said.
	var short []string
	for c, n := range trainDS.ClassCounts() {
		if n > 0 && n < run.PerClass {
			short = append(short, fmt.Sprintf("%s has %s", trainDS.ClassNames[c], words.Count(n, "training window")))
		}
	}
	if len(short) > 0 {
		fmt.Fprintf(stderr, "warning: --per-class %d: class %s, so windows repeat within each batch\n", run.PerClass, strings.Join(short, ", "))
	}
	if st == nil {
		net := model.NewNet[float32](run.Kind, len(trainDS.Channels), run.Hidden)
		ci := run.CouplingInit
		if ci == "" {
			ci = model.CouplingPaper
		}
		net.Init(run.Seed, ci)
		st = model.NewTrainState(net, run.Config)
	} else {
		if st.BestVal >= 0 {
			fmt.Fprintf(stdout, "resuming after epoch %d (best validation accuracy %.4f at epoch %d)\n", st.Epoch, st.BestVal, st.BestEpoch)
		} else {
			fmt.Fprintf(stdout, "resuming after epoch %d (no validation)\n", st.Epoch)
		}
	}
	save := func() error {
		run.BestEpoch, run.BestValAcc, run.History = st.BestEpoch, st.BestVal, st.History
		if b, _ := eng.status(); b != eng.Backend {
			run.Backend = eng.Backend + ", then " + b // auto fell back to the CPU
		}
		b, err := st.MarshalCheckpoint(ckptRun{TrainRecord: run, Out: out, Dir: workDir()})
		if err != nil {
			return err
		}
		if err := writeAtomic(ckpt, b); err != nil {
			return err
		}
		if st.Best == nil {
			return nil
		}
		rec, _ := json.Marshal(run)
		f := &model.File{Net: model.Convert[float64](st.Best), Dataset: split.Train.Name, Training: rec}
		if run.Kind == model.CGRU {
			f.CouplingInit = run.CouplingInit
		}
		if norm != nil {
			f.Normalization = &model.Normalization{Mean: norm.Mean, Std: norm.Std}
		}
		return f.WriteFile(out)
	}
	var bar *progress
	var saveErr error
	report := func(ev model.Event) {
		switch ev.Kind {
		case model.EventBatch:
			if bar == nil && !quiet {
				bar = newProgress(stderr, fmt.Sprintf("epoch %d", ev.Epoch), ev.Batches)
			}
			if bar != nil {
				bar.Add(1)
			}
		case model.EventEpoch:
			if bar != nil {
				bar.Done()
				bar = nil
			}
			r := ev.Record
			line := fmt.Sprintf("epoch %3d/%d  loss %.4f", r.Epoch, run.Config.Epochs, r.Loss)
			if run.Kind == model.CGRU {
				line += fmt.Sprintf("  ‖W_hc‖ %.3f", r.CouplingNorm)
			}
			line += fmt.Sprintf("  grad %.3g", r.GradNorm)
			if r.ValAcc >= 0 {
				line += fmt.Sprintf("  val acc %.4f", r.ValAcc)
			}
			line += fmt.Sprintf("  lr %.3g  %.1fs", r.LR, r.Seconds)
			if r.Improved {
				line += "  *best"
			}
			if r.Rollbacks > 0 {
				line += fmt.Sprintf("  (%d rollback)", r.Rollbacks)
			}
			fmt.Fprintln(stdout, line)
			if err := save(); err != nil && saveErr == nil {
				saveErr = err
			}
		case model.EventRollback:
			if bar != nil {
				bar.Done()
				bar = nil
			}
			fmt.Fprintf(stdout, "warning: %s\n", ev.Message)
		case model.EventStop:
			fmt.Fprintf(stdout, "%s\n", ev.Message)
		}
	}
	start := time.Now()
	err = model.Train(ctx, e, st, d, run.Config, report)
	if bar != nil {
		bar.Done()
	}
	if saveErr != nil {
		return "", saveErr
	}
	if errors.Is(err, context.Canceled) {
		if err := save(); err != nil {
			return "", err
		}
		fmt.Fprintf(stdout, "interrupted during epoch %d: the best model so far is in %s; continue with --resume %s\n", st.Epoch+1, out, ckpt)
		return "", errInterrupted
	}
	if err != nil {
		return "", err
	}
	if err := save(); err != nil {
		return "", err
	}
	if st.BestVal >= 0 {
		fmt.Fprintf(stdout, "best validation 1-NN accuracy %.4f at epoch %d (%s); model in %s (%.0fs)\n",
			st.BestVal, st.BestEpoch, refsDesc, out, time.Since(start).Seconds())
	} else {
		fmt.Fprintf(stdout, "model in %s (%.0fs)\n", out, time.Since(start).Seconds())
	}
	return refsDesc, nil
}

// ckptRun is the run settings a checkpoint keeps: the training record of
// the model file, and the model file the run writes, where --resume
// without --out goes on writing it.
type ckptRun struct {
	model.TrainRecord
	Out string `json:"out,omitempty"`
	// Dir is the working directory of the run, against which --resume
	// resolves a relative Out and data path from another directory.
	Dir string `json:"dir,omitempty"`
}

// checkWritable says why a file cannot be written at path, before a long
// run would find out: its folder missing, not a folder, or not writable
// (tried with a temporary file, removed at once).
func checkWritable(path string) error {
	dir := filepath.Dir(path)
	fi, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("cannot write %s: the folder %s does not exist", path, dir)
	case err != nil:
		return fmt.Errorf("cannot write %s: %v", path, err)
	case !fi.IsDir():
		return fmt.Errorf("cannot write %s: %s is not a folder", path, dir)
	}
	f, err := os.CreateTemp(dir, ".cgru-*.tmp")
	if err != nil {
		return fmt.Errorf("cannot write %s: %v", path, err)
	}
	f.Close()
	os.Remove(f.Name())
	return nil
}

// workDir is the working directory ("" if unknown).
func workDir() string {
	d, _ := os.Getwd()
	return d
}

// resolveIn returns path relative to dir when path is relative and dir is
// known (a checkpoint's Dir), else path.
func resolveIn(dir, path string) string {
	if dir == "" || path == "" || filepath.IsAbs(path) {
		return path
	}
	return filepath.Join(dir, path)
}

// writeAtomic writes b to path through a temporary file and a rename.
func writeAtomic(path string, b []byte) error {
	return writeFileAtomic(path, func(w io.Writer) error {
		_, err := w.Write(b)
		return err
	})
}
