package main

import (
	"fmt"
	"io"
	"math"
	"strings"

	"github.com/cgru/cgru/data"
	"github.com/cgru/cgru/internal/harness"
	"github.com/cgru/cgru/model"
)

// noiseModel is one model's curves in `cgru noise --json`.
type noiseModel struct {
	Model   string     `json:"model"`
	Kind    model.Kind `json:"kind"`
	MeanPos []float64  `json:"mean_pos"` // [σ] mean distance of the positive pairs
	MeanNeg []float64  `json:"mean_neg"` // [σ] mean distance of the negative pairs
	SDPos   []float64  `json:"sd_pos"`   // [σ] population standard deviations
	SDNeg   []float64  `json:"sd_neg"`
}

// noiseResult is what `cgru noise --json` prints.
type noiseResult struct {
	Data          string       `json:"data"`
	Dataset       string       `json:"dataset"`
	Sigmas        []float64    `json:"sigmas"`
	Seed          uint64       `json:"seed"`
	PairsPerClass int          `json:"pairs_per_class"`
	NPos          int          `json:"n_pos"`
	NNeg          int          `json:"n_neg"`
	Models        []noiseModel `json:"models"`
}

func runNoise(args []string, stdout io.Writer) error {
	fs := newFlags("noise", "--models A.json[,B.json…] [--data PATH|embedded] [--sigmas 0:2:0.25] [--pairs-per-class N] [--seed 1] [--json]",
		`Measures how the distances of positive pairs (same class) and negative pairs
(different classes) hold up under additive Gaussian white noise (the paper's
Figure 3). Pairs are drawn once from the test split: for every class,
--pairs-per-class positive pairs (two different windows of the class) and as
many negative pairs (a window of the class and one of another class). For
each σ of --sigmas, noise of standard deviation σ is added to the raw test
windows, seeded by --seed and σ, so that every model sees the same noisy
windows; then each model's normalisation, if any, is applied, and the mean
distance of the positive and of the negative pairs is reported per model.

--sigmas takes "from:to:step" (to included) or a comma list ("0,0.5,1").`)
	modelsArg := fs.String("models", "", "comma-separated model files (required)")
	dataPath := fs.String("data", "embedded", "dataset: embedded, a UCI HAR folder or zip, or a CSV file")
	sigmasArg := fs.String("sigmas", "0:2:0.25", `noise levels: "from:to:step" or a comma list`)
	perClass := fs.Int("pairs-per-class", 100, "positive pairs, and negative pairs, drawn per class")
	seed := fs.Uint64("seed", 1, "seed of the pairs and the noise")
	threads := fs.Int("threads", 0, "worker goroutines (0: all cores)")
	quiet := fs.Bool("quiet", false, "no progress on stderr")
	backend := backendFlag(fs)
	asJSON := fs.Bool("json", false, "print JSON")
	if err := parseFlags(fs, args, stdout); err != nil {
		return err
	}
	if *modelsArg == "" {
		return usageErrorf(fs, "--models is required")
	}
	sigmas, err := parseSigmas(*sigmasArg)
	if err != nil {
		return usageErrorf(fs, "--sigmas %q: %v", *sigmasArg, err)
	}
	if *perClass < 1 {
		return usageErrorf(fs, "--pairs-per-class %d: want 1 or more", *perClass)
	}
	if *threads < 0 {
		return usageErrorf(fs, "--threads %d: want 0 (all cores) or more", *threads)
	}
	if err := checkBackend(fs, *backend); err != nil {
		return err
	}
	var paths []string
	for _, p := range strings.Split(*modelsArg, ",") {
		if p = strings.TrimSpace(p); p != "" {
			paths = append(paths, p)
		}
	}
	if len(paths) == 0 {
		return usageErrorf(fs, "--models %q names no file", *modelsArg)
	}
	split, err := data.Load(*dataPath)
	if err != nil {
		return err
	}
	files := make([]*model.File, len(paths))
	for k, p := range paths {
		if files[k], err = model.ReadFile(p); err != nil {
			return err
		}
		if err := fitsData(files[k], p, split, *dataPath); err != nil {
			return err
		}
	}

	test := split.Test
	pos, neg := data.SamplePairs(test.Labels, len(test.ClassNames), *perClass, *seed)
	if len(pos) == 0 || len(neg) == 0 {
		return fmt.Errorf("%s: the test split has %d positive and %d negative pairs to draw; need both", *dataPath, len(pos), len(neg))
	}
	// Only the windows in some pair are needed: gather them into one batch.
	used, pairs := harness.GatherPairs(append(append([]data.Pair(nil), pos...), neg...))
	raw := test.Subset(used)

	res := noiseResult{Data: *dataPath, Dataset: test.Name, Sigmas: sigmas, Seed: *seed, PairsPerClass: *perClass,
		NPos: len(pos), NNeg: len(neg)}
	nets := make([]*model.Net[float32], len(files))
	norms := make([]*data.Normalizer, len(files))
	for k, f := range files {
		nets[k] = model.Convert[float32](f.Net)
		if f.Normalization != nil {
			norms[k] = &data.Normalizer{Mean: f.Normalization.Mean, Std: f.Normalization.Std}
		}
		res.Models = append(res.Models, noiseModel{Model: paths[k], Kind: f.Net.Kind})
	}
	var bar *progress
	if !*quiet {
		bar = newProgress(stderr, "noise", len(sigmas)*len(files))
	}
	eng, err := openEngine(*backend, *threads)
	if err != nil {
		return err
	}
	defer eng.close()
	noisy := raw.Clone()
	x := make([]float32, len(raw.X))
	for _, sigma := range sigmas {
		data.AddNoise(noisy.X, raw.X, sigma, data.NoiseRNG(*seed, sigma))
		for k, net := range nets {
			copy(x, noisy.X)
			if norms[k] != nil {
				norms[k].ApplyWindow(x)
			}
			s := model.Seqs[float32]{N: noisy.Len(), T: noisy.T, I: len(noisy.Channels), X: x}
			d, err := eng.distances(net, s, pairs)
			if err != nil {
				return err
			}
			mp, sp := harness.MeanSD(d[:len(pos)])
			mn, sn := harness.MeanSD(d[len(pos):])
			m := &res.Models[k]
			m.MeanPos, m.SDPos = append(m.MeanPos, mp), append(m.SDPos, sp)
			m.MeanNeg, m.SDNeg = append(m.MeanNeg, mn), append(m.SDNeg, sn)
			bar.Add(1)
		}
	}
	bar.Done()
	if *asJSON {
		return writeJSON(stdout, res)
	}
	printNoise(stdout, res)
	return nil
}

// parseSigmas parses the noise levels of --sigmas: "from:to:step" or a
// comma list (parseList) of numbers ≥ 0.
func parseSigmas(s string) ([]float64, error) {
	return parseList(s, 0, math.Inf(1))
}

func printNoise(w io.Writer, r noiseResult) {
	fmt.Fprintf(w, "mean distances under Gaussian noise on the test split of %s: %d positive and %d negative pairs (%d of each per class), seed %d\n\n",
		r.Dataset, r.NPos, r.NNeg, r.PairsPerClass, r.Seed)
	fmt.Fprintf(w, "%8s", "")
	for _, m := range r.Models {
		fmt.Fprintf(w, " | %-29s", fmt.Sprintf("%s (%s)", m.Model, m.Kind))
	}
	fmt.Fprintf(w, "\n%7sσ", "")
	for range r.Models {
		fmt.Fprintf(w, " | %9s %9s %9s", "positive", "negative", "margin")
	}
	fmt.Fprintln(w)
	for s, sigma := range r.Sigmas {
		fmt.Fprintf(w, "%8.4g", sigma)
		for _, m := range r.Models {
			fmt.Fprintf(w, " | %9.4f %9.4f %9.4f", m.MeanPos[s], m.MeanNeg[s], m.MeanNeg[s]-m.MeanPos[s])
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintln(w, "\nmargin = mean negative − mean positive distance")
}
