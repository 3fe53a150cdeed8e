package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/cgru/cgru/model"
)

// TestReport runs the paper's pipeline on the embedded data in miniature:
// train both models for three epochs, evaluate them on the validation and
// test splits, measure the noise curves, and build the report from those
// files. It checks every figure decodes, the table carries the evaluations'
// own numbers, and Figure 2b's r is Pearson's r of the history.
func TestReport(t *testing.T) {
	dir := t.TempDir()
	p := func(name string) string { return filepath.Join(dir, name) }
	mustRun := func(args ...string) string {
		t.Helper()
		code, stdout, errs := cli(args...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, errs)
		}
		return stdout
	}
	var evals []string
	for _, kind := range []string{"sgru", "cgru"} {
		mustRun("train", "--kind", kind, "--epochs", "3", "--per-class", "2", "--val-refs-per-class", "3",
			"--val-queries-per-class", "3", "--quiet", "--out", p(kind+".json"))
		for _, split := range []string{"val", "test"} {
			out := p(kind + "-" + split + ".json")
			js := mustRun("eval", "--model", p(kind+".json"), "--split", split, "--refs-per-class", "4", "--json", "--quiet")
			if err := os.WriteFile(out, []byte(js), 0o644); err != nil {
				t.Fatal(err)
			}
			evals = append(evals, out)
		}
	}
	js := mustRun("noise", "--models", p("sgru.json")+","+p("cgru.json"), "--sigmas", "0,1", "--pairs-per-class", "3", "--json", "--quiet")
	os.WriteFile(p("noise.json"), []byte(js), 0o644)

	out := p("report")
	stdout := mustRun("report", "--out", out, "--models", p("sgru.json")+","+p("cgru.json"),
		"--evals", strings.Join(evals, ","), "--noise", p("noise.json"))
	for _, name := range []string{"fig2a-sgru", "fig2a-cgru", "fig2b-cgru", "fig3-noise",
		"confusion-sgru-val", "confusion-sgru-test", "confusion-cgru-val", "confusion-cgru-test"} {
		b, err := os.ReadFile(filepath.Join(out, name+".png"))
		if err != nil {
			t.Fatal(err)
		}
		if img, err := png.Decode(bytes.NewReader(b)); err != nil || img.Bounds().Dx() < 300 {
			t.Errorf("%s.png: %v", name, err)
		}
		svg, err := os.ReadFile(filepath.Join(out, name+".svg"))
		if err != nil || !bytes.Contains(svg, []byte("<svg")) {
			t.Errorf("%s.svg: %v, %d bytes", name, err, len(svg))
		}
		if !strings.Contains(stdout, name+".png") {
			t.Errorf("stdout does not list %s.png:\n%s", name, stdout)
		}
	}
	md, err := os.ReadFile(filepath.Join(out, "report.md"))
	if err != nil {
		t.Fatal(err)
	}
	// Each table row holds its evaluations' figures.
	for _, kind := range []string{"sgru", "cgru"} {
		var val, test evalResult
		for split, r := range map[string]*evalResult{"val": &val, "test": &test} {
			b, _ := os.ReadFile(p(kind + "-" + split + ".json"))
			if err := json.Unmarshal(b, r); err != nil {
				t.Fatal(err)
			}
		}
		want := fmt.Sprintf("| %s | %.4f | %.4f | %.4f | 4/class (24) | %.4f | %.4f | %.4f | 4/class (24) |",
			strings.ToUpper(kind), val.Accuracy, val.MacroF1, val.MAP, test.Accuracy, test.MacroF1, test.MAP)
		if !strings.Contains(string(md), want) {
			t.Errorf("report.md lacks the row\n%s\n in:\n%s", want, md)
		}
	}
	// Figure 2b: r over epochs 1..max(best, 3) = 1..3 here.
	f, _ := model.ReadFile(p("cgru.json"))
	var rec model.TrainRecord
	json.Unmarshal(f.Training, &rec)
	var x, y []float64
	for _, e := range rec.History[:3] {
		x, y = append(x, e.CouplingNorm), append(y, e.Loss)
	}
	var rep struct {
		Fig2b []fig2bFit `json:"fig2b"`
	}
	b, _ := os.ReadFile(filepath.Join(out, "report.json"))
	if err := json.Unmarshal(b, &rep); err != nil || len(rep.Fig2b) != 1 {
		t.Fatalf("report.json fig2b: %v %+v", err, rep.Fig2b)
	}
	if r := pearson(x, y); math.Abs(rep.Fig2b[0].R-r) > 1e-12 || rep.Fig2b[0].LastEpoch != 3 {
		t.Errorf("fig2b r = %v over epochs …%d, want %v over 1–3", rep.Fig2b[0].R, rep.Fig2b[0].LastEpoch, r)
	}
	if !strings.Contains(string(md), "CC BY 4.0") {
		t.Error("report.md does not credit UCI HAR")
	}
}

func pearson(x, y []float64) float64 {
	n := float64(len(x))
	var mx, my float64
	for i := range x {
		mx, my = mx+x[i]/n, my+y[i]/n
	}
	var sxy, sxx, syy float64
	for i := range x {
		sxy += (x[i] - mx) * (y[i] - my)
		sxx += (x[i] - mx) * (x[i] - mx)
		syy += (y[i] - my) * (y[i] - my)
	}
	return sxy / math.Sqrt(sxx*syy)
}

func TestReportErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(`{"split":"test","kind":"cgru","accuracy":0.5,"confusion":[[1,0],[0]],"class_names":["a","b"]}`), 0o644)
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"report", "--models", "x.json"}, 2, "--out is required"},
		{[]string{"report", "--out", dir}, 2, "nothing to report"},
		{[]string{"report", "--out", dir, "--evals", bad}, 1, "bad.json: confusion row 1: 1 values, want 2"},
		{[]string{"report", "--out", dir, "--noise", filepath.Join(dir, "missing.json")}, 1, "missing.json"},
		{[]string{"report", "--out", dir, "--models", bad}, 1, "bad.json: format: missing: this looks like a cgru eval result (it has accuracy and confusion), not a model file: give it with --evals"},
	} {
		code, _, errs := cli(c.args...)
		if code != c.code || !strings.Contains(errs, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want %d and %q", c.args, code, errs, c.code, c.want)
		}
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Errorf("a refused report wrote files: %v", ents)
	}
}

// TestEvalValSplit: eval --split val measures the model on the validation
// subjects its file records, against references from the other training
// subjects, so with the training run's reference count and seed it gives
// the best validation accuracy that cgru train reported.
func TestEvalValSplit(t *testing.T) {
	out := filepath.Join(t.TempDir(), "sgru.json")
	if code, _, errs := cli("train", "--kind", "sgru", "--epochs", "2", "--per-class", "2", "--val-refs-per-class", "5",
		"--quiet", "--out", out); code != 0 {
		t.Fatalf("train: exit %d: %s", code, errs)
	}
	f, _ := model.ReadFile(out)
	var rec model.TrainRecord
	json.Unmarshal(f.Training, &rec)
	code, js, errs := cli("eval", "--model", out, "--split", "val", "--refs-per-class", "5", "--json", "--quiet")
	if code != 0 {
		t.Fatalf("eval: exit %d: %s", code, errs)
	}
	var r evalResult
	if err := json.Unmarshal([]byte(js), &r); err != nil {
		t.Fatal(err)
	}
	if r.Accuracy != rec.BestValAcc || fmt.Sprint(r.ValSubjects) != fmt.Sprint(rec.ValSubjects) || r.NRefs != 30 {
		t.Errorf("eval --split val: accuracy %v on subjects %v with %d refs; train reported %v on %v with 30",
			r.Accuracy, r.ValSubjects, r.NRefs, rec.BestValAcc, rec.ValSubjects)
	}
	// A model trained without validation has no validation split.
	out0 := filepath.Join(t.TempDir(), "nofold.json")
	if code, _, errs := cli("train", "--kind", "sgru", "--epochs", "1", "--fold", "0", "--quiet", "--out", out0); code != 0 {
		t.Fatalf("train --fold 0: exit %d: %s", code, errs)
	}
	if code, _, errs := cli("eval", "--model", out0, "--split", "val", "--quiet"); code != 1 || !strings.Contains(errs, "training.val_subjects") {
		t.Errorf("eval --split val without a fold: exit %d, stderr %q", code, errs)
	}
}

// TestDistinctTicks checks that the figures' tick labels of a narrow range
// differ (the default gives "14 14 14 14" for 13.68–13.88) and that a fit
// is written with its sign as an operator.
func TestDistinctTicks(t *testing.T) {
	for _, r := range [][2]float64{{13.68, 13.88}, {1.88, 2.02}, {0, 1}, {-0.5, 0.5}, {100, 300}, {0.59, 0.975}, {1.3, 6.3}} {
		var labels []string
		for _, tk := range (distinctTicks{}).Ticks(r[0], r[1]) {
			if tk.Label != "" {
				labels = append(labels, tk.Label)
				// A label writes its tick's value (0.95 is not "0.9").
				if v, err := strconv.ParseFloat(tk.Label, 64); err != nil || math.Abs(v-tk.Value) > 1e-9*(r[1]-r[0]) {
					t.Errorf("%v: tick %g labelled %q", r, tk.Value, tk.Label)
				}
			}
		}
		for i := 1; i < len(labels); i++ {
			if labels[i] == labels[i-1] || strings.Contains(labels[i], "e") {
				t.Errorf("%v: labels %q", r, labels)
				break
			}
		}
		t.Logf("%v: %q", r, labels)
	}
	if got, want := linearText(21.29, -3.835, "%.4g", "‖W_hc‖"), "21.29 − 3.835·‖W_hc‖"; got != want {
		t.Errorf("linearText: %q, want %q", got, want)
	}
	if got, want := linearText(1, 0.5, "%.3g", "x"), "1 + 0.5·x"; got != want {
		t.Errorf("linearText: %q, want %q", got, want)
	}
}
