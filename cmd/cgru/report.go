package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"gonum.org/v1/gonum/stat"

	"github.com/cgru/cgru/model"
)

// reportModel is a model file given to `cgru report`: its path, a label for
// figures and the training record `cgru train` wrote into it.
type reportModel struct {
	Path  string
	Label string
	Kind  model.Kind
	Run   model.TrainRecord
}

// reportEval is one figure set given to `cgru report`: the JSON output of
// `cgru eval --json` or of `cgru baseline --json` (which names a method).
type reportEval struct {
	Path         string
	Model        string     `json:"model"`
	Kind         model.Kind `json:"kind"`
	Method       string     `json:"method"`
	Data         string     `json:"data"`
	Dataset      string     `json:"dataset"`
	Split        string     `json:"split"`
	RefsPerClass int        `json:"refs_per_class"`
	// RefsPerClassUsed is what was taken (nil in a result from before it
	// was recorded): 0 where every training window was.
	RefsPerClassUsed *int    `json:"refs_per_class_used"`
	Seed             uint64  `json:"seed"`
	ValSubjects      []int   `json:"val_subjects"`
	Seconds          float64 `json:"seconds"`
	Threads          int     `json:"threads"`
	model.Eval
	baselineFields
	Label string `json:"-"`
}

// fig2bFit is the regression of loss on coupling norm over the early phase.
type fig2bFit struct {
	Model        string  `json:"model"`
	FirstEpoch   int     `json:"first_epoch"`
	LastEpoch    int     `json:"last_epoch"`
	Intercept    float64 `json:"intercept"`
	Slope        float64 `json:"slope"`
	R            float64 `json:"r"`
	EpochsInTrue int     `json:"epochs"`
}

func runReport(args []string, stdout io.Writer) error {
	fs := newFlags("report", "--out DIR [--models A.json,B.json] [--evals E.json,…] [--noise N.json] [--sync S.json,…] [--early-epochs N]",
		`Writes the paper's figures and table into one folder, from what the other
commands produced:

  --models  model files written by cgru train (their training history):
            fig2a-<model>.png/.svg: loss, coupling-weight norm ‖W_hc‖_F (CGRU)
            and validation accuracy per epoch, the epochs where the validation
            accuracy improved marked (the paper's Figure 2a);
            fig2b-<model>.png/.svg (CGRU): loss against coupling norm, every
            epoch, with the least-squares line and Pearson's r over the early
            phase (the paper's Figure 2b; r = −0.984 there).
  --evals   outputs of cgru eval --json (--split val or test) and of
            cgru baseline --json: the table (Table 1: validation and test
            accuracy, macro F1 and MAP per method, each with its reference
            subset) and confusion-<label>-<split>.png/.svg.
  --noise   the output of cgru noise --json: fig3-noise.png/.svg, mean positive
            and negative distance against σ per model (the paper's Figure 3).
  --sync    outputs of cgru sync … --json, one figure each, named after the
            file (sync-*.png/.svg): λ_max against gain (lyapunov), sync error
            against time for several c (pair), the threshold sweep with
            theory and measurement (threshold), and the learned gate and sync
            error per step for positive vs negative pairs (gate); report.md
            gets a "Synchronization lab" section.

The early phase is epochs 1 to --early-epochs, by default up to the epoch of
the best validation accuracy (at least 3 epochs). report.md holds the table,
every setting behind each figure, and the list of figures; report.json the
same numbers for programs.`)
	out := fs.String("out", "", "folder to write (created if missing; required)")
	models := fs.String("models", "", "comma-separated model files from cgru train")
	evals := fs.String("evals", "", "comma-separated JSON outputs of cgru eval / cgru baseline")
	noisePath := fs.String("noise", "", "JSON output of cgru noise")
	syncPaths := fs.String("sync", "", "comma-separated JSON outputs of cgru sync")
	early := fs.Int("early-epochs", 0, "last epoch of the early phase of Figure 2b (0: the best validation epoch, at least 3)")
	if err := parseFlags(fs, args, stdout); err != nil {
		return err
	}
	switch {
	case *out == "":
		return usageErrorf(fs, "--out is required")
	case *models == "" && *evals == "" && *noisePath == "" && *syncPaths == "":
		return usageErrorf(fs, "nothing to report: give --models, --evals, --noise or --sync")
	case *early < 0:
		return usageErrorf(fs, "--early-epochs %d: want 0 (the best validation epoch) or more", *early)
	}

	// Read everything before writing anything.
	var ms []*reportModel
	for _, p := range splitList(*models) {
		m, err := readReportModel(p)
		if err != nil {
			return err
		}
		ms = append(ms, m)
	}
	labelModels(ms)
	var es []*reportEval
	for _, p := range splitList(*evals) {
		e, err := readReportEval(p)
		if err != nil {
			return err
		}
		es = append(es, e)
	}
	labelEvals(es)
	var noise *noiseResult
	if *noisePath != "" {
		b, err := os.ReadFile(*noisePath)
		if err != nil {
			return err
		}
		noise = new(noiseResult)
		if err := json.Unmarshal(b, noise); err != nil {
			return fmt.Errorf("%s: %v", *noisePath, err)
		}
		if len(noise.Sigmas) == 0 || len(noise.Models) == 0 {
			return fmt.Errorf("%s: no sigmas or no models: not the output of cgru noise --json", *noisePath)
		}
		for _, m := range noise.Models {
			if len(m.MeanPos) != len(noise.Sigmas) || len(m.MeanNeg) != len(noise.Sigmas) {
				return fmt.Errorf("%s: model %s: %d/%d means for %d sigmas", *noisePath, m.Model, len(m.MeanPos), len(m.MeanNeg), len(noise.Sigmas))
			}
		}
	}

	var syncs []*syncFile
	for _, p := range splitList(*syncPaths) {
		f, err := readSyncFile(p)
		if err != nil {
			return err
		}
		syncs = append(syncs, f)
	}
	labelSyncFiles(syncs)

	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	var files []string
	save := func(name string, write func(format string, w io.Writer) error) error {
		for _, format := range []string{"png", "svg"} {
			path := filepath.Join(*out, name+"."+format)
			if err := writeFileAtomic(path, func(w io.Writer) error { return write(format, w) }); err != nil {
				return fmt.Errorf("%s: %w", path, err)
			}
			files = append(files, path)
		}
		return nil
	}

	var fits []fig2bFit
	for _, m := range ms {
		if len(m.Run.History) == 0 {
			return fmt.Errorf("%s: training.history is empty: not a model file written by cgru train", m.Path)
		}
		if err := save("fig2a-"+m.Label, func(f string, w io.Writer) error { return drawFig2a(m, f, w) }); err != nil {
			return err
		}
		if m.Kind != model.CGRU {
			continue
		}
		fit, ok := earlyFit(m, *early)
		if !ok {
			fmt.Fprintf(stderr, "cgru report: %s: fewer than 3 epochs, no Figure 2b\n", m.Path)
			continue
		}
		fits = append(fits, fit)
		if err := save("fig2b-"+m.Label, func(f string, w io.Writer) error { return drawFig2b(m, fit, f, w) }); err != nil {
			return err
		}
	}
	if noise != nil {
		if err := save("fig3-noise", func(f string, w io.Writer) error { return drawFig3(noise, f, w) }); err != nil {
			return err
		}
	}
	for _, e := range es {
		if err := save("confusion-"+e.Label+"-"+e.Split, func(f string, w io.Writer) error { return drawConfusion(e, f, w) }); err != nil {
			return err
		}
	}

	for _, f := range syncs {
		if err := save(f.Label, func(format string, w io.Writer) error { return drawSync(f, format, w) }); err != nil {
			return err
		}
	}

	md := filepath.Join(*out, "report.md")
	if err := writeFileAtomic(md, func(w io.Writer) error {
		if err := writeReportMD(w, ms, es, fits, noise, files, *out); err != nil {
			return err
		}
		writeSyncMD(w, syncs)
		return nil
	}); err != nil {
		return err
	}
	js := filepath.Join(*out, "report.json")
	if err := writeFileAtomic(js, func(w io.Writer) error {
		return writeJSON(w, map[string]any{"table": tableRows(es), "fig2b": fits, "noise": noise, "evals": es, "sync": syncs})
	}); err != nil {
		return err
	}
	files = append(files, md, js)
	for _, f := range files {
		fmt.Fprintln(stdout, "wrote", f)
	}
	return nil
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func readReportModel(path string) (*reportModel, error) {
	mf, err := model.ReadFile(path)
	if errors.Is(err, model.ErrEvalResult) {
		return nil, fmt.Errorf("%w: give it with --evals", err)
	}
	if err != nil {
		return nil, err
	}
	m := &reportModel{Path: path, Kind: mf.Net.Kind}
	if len(mf.Training) == 0 {
		return nil, fmt.Errorf("%s: no training record: not a model file written by cgru train", path)
	}
	if err := json.Unmarshal(mf.Training, &m.Run); err != nil {
		return nil, fmt.Errorf("%s: training: %v", path, err)
	}
	return m, nil
}

func readReportEval(path string) (*reportEval, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	e := &reportEval{Path: path}
	if err := json.Unmarshal(b, e); err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	switch {
	case e.Split == "":
		return nil, fmt.Errorf("%s: split: missing (not the output of cgru eval --json or cgru baseline --json)", path)
	case e.Kind == "" && e.Method == "":
		return nil, fmt.Errorf("%s: neither kind nor method: not the output of cgru eval --json or cgru baseline --json", path)
	case len(e.Confusion) == 0 || len(e.Confusion) != len(e.ClassNames):
		return nil, fmt.Errorf("%s: confusion: %d rows for %d class names", path, len(e.Confusion), len(e.ClassNames))
	}
	for i, row := range e.Confusion {
		if len(row) != len(e.Confusion) {
			return nil, fmt.Errorf("%s: confusion row %d: %d values, want %d", path, i, len(row), len(e.Confusion))
		}
	}
	return e, nil
}

// labelModels names each model by its kind, adding the file's base name
// when two models share a kind.
func labelModels(ms []*reportModel) {
	n := map[model.Kind]int{}
	for _, m := range ms {
		n[m.Kind]++
	}
	for _, m := range ms {
		m.Label = string(m.Kind)
		if n[m.Kind] > 1 {
			m.Label = qualify(m.Label, m.Path)
		}
	}
}

// qualify tells apart two models of one kind by their file: the file's
// base name when it starts with the kind ("cgru-weak.json": cgru-weak),
// else kind-name.
func qualify(kind, path string) string {
	stem := strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	if strings.HasPrefix(strings.ToLower(stem), kind) {
		return strings.ToLower(stem)
	}
	return kind + "-" + stem
}

// labelEvals names each result by its method (baselines) or model kind,
// adding the model file's base name when two models of a kind are given.
func labelEvals(es []*reportEval) {
	models := map[string]map[string]bool{}
	for _, e := range es {
		k := e.rowName()
		if models[k] == nil {
			models[k] = map[string]bool{}
		}
		models[k][e.Model] = true
	}
	for _, e := range es {
		e.Label = e.rowName()
		if len(models[e.Label]) > 1 && e.Model != "" {
			e.Label = qualify(e.Label, e.Model)
		}
	}
}

func (e *reportEval) rowName() string {
	if e.Method != "" {
		if ms, _ := e.Settings["median_scale"].(bool); ms {
			return e.Method + "-median" // cgru baseline --median-scale
		}
		return e.Method
	}
	return string(e.Kind)
}

// earlyFit fits loss = a + b·norm over epochs 1…last of a CGRU's history.
func earlyFit(m *reportModel, last int) (fig2bFit, bool) {
	h := m.Run.History
	if last == 0 {
		last = max(m.Run.BestEpoch, 3)
	}
	last = min(last, len(h))
	if last < 3 {
		return fig2bFit{}, false
	}
	x, y := make([]float64, last), make([]float64, last)
	for i := range last {
		x[i], y[i] = h[i].CouplingNorm, h[i].Loss
	}
	a, b := stat.LinearRegression(x, y, nil, false)
	r := stat.Correlation(x, y, nil)
	return fig2bFit{Model: m.Path, FirstEpoch: h[0].Epoch, LastEpoch: h[last-1].Epoch, Intercept: a, Slope: b, R: r, EpochsInTrue: last}, true
}

// tableRow is one method of Table 1: its validation and test figures.
type tableRow struct {
	Label string      `json:"label"`
	Val   *reportEval `json:"-"`
	Test  *reportEval `json:"-"`
	// The figures, for report.json.
	ValAcc, ValF1, ValMAP    *float64 `json:",omitempty"`
	TestAcc, TestF1, TestMAP *float64 `json:",omitempty"`
}

// tableRows groups the results by label, SGRU and CGRU first, then the
// baselines in the order given.
func tableRows(es []*reportEval) []*tableRow {
	var rows []*tableRow
	byLabel := map[string]*tableRow{}
	for _, e := range es {
		r := byLabel[e.Label]
		if r == nil {
			r = &tableRow{Label: e.Label}
			byLabel[e.Label] = r
			rows = append(rows, r)
		}
		switch e.Split {
		case "val":
			r.Val = e
			r.ValAcc, r.ValF1, r.ValMAP = &e.Accuracy, &e.MacroF1, &e.MAP
		case "test":
			r.Test = e
			r.TestAcc, r.TestF1, r.TestMAP = &e.Accuracy, &e.MacroF1, &e.MAP
		}
	}
	rank := func(r *tableRow) int {
		switch {
		case strings.HasPrefix(r.Label, "sgru"):
			return 0
		case strings.HasPrefix(r.Label, "cgru"):
			return 1
		}
		return 2
	}
	slices.SortStableFunc(rows, func(a, b *tableRow) int { return rank(a) - rank(b) })
	return rows
}

func writeReportMD(w io.Writer, ms []*reportModel, es []*reportEval, fits []fig2bFit, noise *noiseResult, files []string, dir string) error {
	p := func(format string, a ...any) { fmt.Fprintf(w, format, a...) }
	p("# cgru report\n\n")
	p("Data: UCI Human Activity Recognition Using Smartphones (Anguita et al., ESANN 2013; UCI Machine Learning Repository; CC BY 4.0).\n\n")
	if len(es) > 0 {
		p("## Table 1: 1-NN retrieval\n\n")
		p("Accuracy and macro F1 of 1-NN classification, and full-ranking MAP; each cell names its reference set.\n\n")
		p("| method | val acc | val F1 | val MAP | val refs | test acc | test F1 | test MAP | test refs |\n")
		p("|---|---:|---:|---:|---|---:|---:|---:|---|\n")
		cells := func(e *reportEval) string {
			if e == nil {
				return " – | – | – | – "
			}
			return fmt.Sprintf(" %.4f | %.4f | %.4f | %s ", e.Accuracy, e.MacroF1, e.MAP, refsCell(e))
		}
		for _, r := range tableRows(es) {
			p("| %s |%s|%s|\n", strings.ToUpper(r.Label), cells(r.Val), cells(r.Test))
		}
		p("\n### Settings of each result\n\n")
		p("| method | split | file | queries | references | seed | time | threads |\n|---|---|---|---:|---|---:|---:|---:|\n")
		for _, e := range es {
			q := fmt.Sprint(e.NQueries)
			if len(e.ValSubjects) > 0 {
				q += fmt.Sprintf(" (subjects %v)", e.ValSubjects)
			}
			p("| %s | %s | %s | %s | %s | %d | %.1f s | %d |\n", strings.ToUpper(e.Label), e.Split, e.Path, q, refsCell(e), e.Seed, e.Seconds, e.Threads)
		}
		p("\n")
		writeBaselineSettingsMD(w, es)
	}
	if len(ms) > 0 {
		p("## Training runs\n\n")
		p("| model | file | data | fold | loss | coupling init | epochs run | best epoch | best val acc | final lr |\n|---|---|---|---|---|---|---:|---:|---:|---:|\n")
		for _, m := range ms {
			r := m.Run
			fold := "none (all training subjects)"
			if r.Fold > 0 {
				fold = fmt.Sprintf("%d/%d, val subjects %v, val refs %s", r.Fold, r.Folds, r.ValSubjects, refsText(r.ValRefs))
			}
			last := r.History[len(r.History)-1]
			ci := string(r.CouplingInit)
			if ci == "" {
				ci = "–"
			}
			p("| %s | %s | %s | %s | %s | %s | %d | %d | %.4f | %g |\n", strings.ToUpper(m.Label), m.Path, r.Data, fold,
				lossText(r), ci, len(r.History), r.BestEpoch, r.BestValAcc, last.LR)
		}
		p("\nAll runs: hidden %s, %s windows per class per batch, Adam lr %s, weight decay %s, coupling penalty %s (CGRU), clip %s, plateau patience %s, early stop %s, seed %s.\n\n",
			joinRuns(ms, func(r model.TrainRecord) string { return fmt.Sprint(r.Hidden) }),
			joinRuns(ms, func(r model.TrainRecord) string { return fmt.Sprint(r.PerClass) }),
			joinRuns(ms, func(r model.TrainRecord) string { return fmt.Sprint(r.Config.LR) }),
			joinRuns(ms, func(r model.TrainRecord) string { return fmt.Sprint(r.Config.WeightDecay) }),
			joinRuns(ms, func(r model.TrainRecord) string { return fmt.Sprint(r.Config.CouplingPenalty) }),
			joinRuns(ms, func(r model.TrainRecord) string { return fmt.Sprint(r.Config.ClipNorm) }),
			joinRuns(ms, func(r model.TrainRecord) string { return fmt.Sprint(r.Config.PlateauPatience) }),
			joinRuns(ms, func(r model.TrainRecord) string { return fmt.Sprint(r.Config.EarlyStop) }),
			joinRuns(ms, func(r model.TrainRecord) string { return fmt.Sprint(r.Seed) }))
	}
	if len(fits) > 0 {
		p("## Figure 2b: loss against coupling norm\n\n")
		p("| model | early phase | loss = a + b·‖W_hc‖ | r |\n|---|---|---|---:|\n")
		for _, f := range fits {
			p("| %s | epochs %d–%d | %s | %.3f |\n", f.Model, f.FirstEpoch, f.LastEpoch, linearText(f.Intercept, f.Slope, "%.4g", "‖W_hc‖"), f.R)
		}
		p("\n(The paper reports r = −0.984 over its early phase.)\n\n")
	}
	if noise != nil {
		p("## Figure 3: distances under Gaussian noise\n\n")
		p("Test split of %s, %d positive and %d negative pairs (%d per class), noise seed %d.\n\n", noise.Data, noise.NPos, noise.NNeg, noise.PairsPerClass, noise.Seed)
		labels := noiseLabels(noise)
		p("| σ |")
		for k := range noise.Models {
			p(" %s d⁺ | %s d⁻ |", labels[k], labels[k])
		}
		p("\n|---:|")
		for range noise.Models {
			p("---:|---:|")
		}
		p("\n")
		for i, s := range noise.Sigmas {
			p("| %g |", s)
			for _, m := range noise.Models {
				p(" %.4f | %.4f |", m.MeanPos[i], m.MeanNeg[i])
			}
			p("\n")
		}
		p("\nMargin kept (mean negative > mean positive distance) up to σ = ")
		for k, m := range noise.Models {
			if k > 0 {
				p(", ")
			}
			p("%s for %s (%s)", marginUpTo(noise.Sigmas, m), strings.ToUpper(labels[k]), m.Model)
		}
		p(".\n\n")
	}
	p("## Figures\n\n")
	for _, f := range files {
		if strings.HasSuffix(f, ".png") {
			rel, _ := filepath.Rel(dir, f)
			p("- [%s](%s)\n", rel, rel)
		}
	}
	return nil
}

// noiseLabels names the models of a noise sweep by kind, told apart by
// their file names when two share a kind (as labelModels does).
func noiseLabels(n *noiseResult) []string {
	count := map[model.Kind]int{}
	for _, m := range n.Models {
		count[m.Kind]++
	}
	labels := make([]string, len(n.Models))
	for k, m := range n.Models {
		labels[k] = string(m.Kind)
		if count[m.Kind] > 1 {
			labels[k] = qualify(labels[k], m.Model)
		}
	}
	return labels
}

// marginUpTo is the largest σ up to which every σ keeps the mean negative
// distance above the mean positive one ("none" if σ = first fails).
func marginUpTo(sigmas []float64, m noiseModel) string {
	last := math.NaN()
	for i, s := range sigmas {
		if !(m.MeanNeg[i] > m.MeanPos[i]) {
			break
		}
		last = s
	}
	if math.IsNaN(last) {
		return "none"
	}
	return fmt.Sprint(last)
}

// refsText names a training run's validation references in the report.
func refsText(k int) string {
	if k == 0 {
		return "all training windows"
	}
	return fmt.Sprintf("%d per class", k)
}

func refsCell(e *reportEval) string {
	if e.RefsPerClass == 0 || e.RefsPerClassUsed != nil && *e.RefsPerClassUsed == 0 {
		return fmt.Sprintf("all %d", e.NRefs)
	}
	return fmt.Sprintf("%d/class (%d)", e.RefsPerClass, e.NRefs)
}

func lossText(r model.TrainRecord) string {
	if r.Loss == "contrastive" {
		return fmt.Sprintf("contrastive (m=%g)", r.Margin)
	}
	return fmt.Sprintf("%s (α=%g τ=%g β=%g t=%g)", r.Loss, r.Alpha, r.Tau, r.Beta, r.T)
}

// joinRuns is the value of f for all runs if they agree, else the list.
func joinRuns(ms []*reportModel, f func(model.TrainRecord) string) string {
	var vals []string
	for _, m := range ms {
		v := f(m.Run)
		if !slices.Contains(vals, v) {
			vals = append(vals, v)
		}
	}
	return strings.Join(vals, " / ")
}

// writeFileAtomic writes path through a temporary file in its folder, so
// that a failure leaves no partial file.
func writeFileAtomic(path string, write func(io.Writer) error) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".cgru-*.tmp")
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("writing %s: the folder %s does not exist", path, filepath.Dir(path))
	}
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	if err := write(tmp); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return os.Rename(tmp.Name(), path) // its error names both files
}
