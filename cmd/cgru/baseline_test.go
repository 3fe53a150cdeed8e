package main

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/cgru/cgru/data"
	"github.com/cgru/cgru/model"
)

func TestBaselineUsage(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{nil, "--method is required"},
		{[]string{"--method", "knn"}, `--method "knn"`},
		{[]string{"--method", "dtw", "--split", "dev"}, `--split "dev"`},
		{[]string{"--method", "dtw", "--split", "val"}, "exactly one of --val-subjects and --val-model"},
		{[]string{"--method", "dtw", "--split", "val", "--val-subjects", "1", "--val-model", "m.json"}, "exactly one of"},
		{[]string{"--method", "dtw", "--val-subjects", "1,2"}, "go with --split val"},
		{[]string{"--method", "dtw", "--split", "val", "--val-subjects", "1,x"}, `"x" is not a subject number`},
		{[]string{"--method", "dtw", "--refs-per-class", "-1"}, "--refs-per-class -1"},
		{[]string{"--method", "dtw", "--split", "train"}, "--split train needs --refs-per-class"},
		{[]string{"--method", "dtw", "--band", "-2"}, "--band -2"},
		{[]string{"--method", "rvsml-opw", "--lambda2", "0"}, "lambda2 0"},
		{[]string{"--method", "rvsml-opw", "--sinkhorn-iters", "0"}, "iterations 0"},
		{[]string{"--method", "rvsml-dtw", "--lambda", "-1"}, "lambda -1"},
		{[]string{"--method", "rvsml-dtw", "--virtual-len", "0"}, "virtual length 0"},
		{[]string{"--method", "rvsml-dtw", "--train-per-class", "-3"}, "--train-per-class -3"},
		{[]string{"--method", "dtw", "--threads", "-1"}, "--threads -1"},
		{[]string{"--method", "dtw", "extra"}, `unexpected argument "extra"`},
		{[]string{"--method", "dtw", "--median-scale"}, "--median-scale applies to rvsml-opw, not to --method dtw"},
		{[]string{"--method", "rvsml-opw", "--band", "3"}, "--band applies to dtw and rvsml-dtw, not to --method rvsml-opw"},
		{[]string{"--method", "dtw", "--lambda", "1"}, "--lambda applies to rvsml-dtw and rvsml-opw, not to --method dtw"},
	} {
		code, _, errs := cli(append([]string{"baseline"}, c.args...)...)
		if code != 2 || !strings.Contains(errs, c.want) || !strings.HasSuffix(errs, "\nrun 'cgru baseline --help' for the flags\n") || strings.Count(errs, "\n") != 2 {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q, with where the flags are", c.args, code, errs, c.want)
		}
	}
	code, out, _ := cli("baseline", "--help")
	if code != 0 || !strings.Contains(out, "rvsml-opw") || !strings.Contains(out, "--sinkhorn-iters") {
		t.Errorf("--help: exit %d, %q", code, out)
	}
	if code, _, errs := cli("baseline", "--method", "dtw", "--data", "/nonexistent/har"); code != 1 || !strings.Contains(errs, "/nonexistent/har") {
		t.Errorf("missing data: exit %d, stderr %q", code, errs)
	}
}

// baselineJSON runs cgru baseline --json and decodes its output.
func baselineJSON(t *testing.T, args ...string) (baselineResult, string) {
	t.Helper()
	code, out, errs := cli(append([]string{"baseline", "--json", "--quiet"}, args...)...)
	if code != 0 {
		t.Fatalf("%v: exit %d: %s", args, code, errs)
	}
	var r baselineResult
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("%v: %v\n%s", args, err, out)
	}
	return r, out
}

func TestBaselineEmbedded(t *testing.T) {
	dir := t.TempDir()
	var files []string
	for _, c := range []struct {
		method string
		args   []string
		nq, nr int
	}{
		{"dtw", []string{"--refs-per-class", "2"}, 216, 12},
		{"dtw", []string{"--refs-per-class", "2", "--band", "8", "--threads", "1"}, 216, 12},
		{"rvsml-dtw", []string{"--refs-per-class", "2", "--train-per-class", "6", "--max-iter", "3"}, 216, 12},
		{"rvsml-opw", []string{"--refs-per-class", "1", "--train-per-class", "4", "--max-iter", "2", "--sinkhorn-iters", "5"}, 216, 6},
		{"rvsml-dtw", []string{"--split", "train", "--refs-per-class", "3", "--max-iter", "2"}, 432 - 18, 18},
	} {
		args := append([]string{"--method", c.method}, c.args...)
		r, out := baselineJSON(t, args...)
		if string(r.Method) != c.method || r.NQueries != c.nq || r.NRefs != c.nr || len(r.Pred) != c.nq || len(r.ClassNames) != 6 || r.Data != "embedded" {
			t.Errorf("%v: method %s, %d queries, %d refs, %d predictions, classes %v; want %s, %d, %d",
				args, r.Method, r.NQueries, r.NRefs, len(r.Pred), r.ClassNames, c.method, c.nq, c.nr)
		}
		right, total := 0, 0
		for i, row := range r.Confusion {
			right += row[i]
			for _, v := range row {
				total += v
			}
		}
		if total != c.nq || math.Abs(r.Accuracy-float64(right)/float64(total)) > 1e-12 || !(r.MAP > 0 && r.MAP <= 1) {
			t.Errorf("%v: confusion holds %d queries, %d right; accuracy %g, MAP %g", args, total, right, r.Accuracy, r.MAP)
		}
		if c.method == "dtw" {
			if r.Training != nil || r.Settings["band"] == nil {
				t.Errorf("%v: training %v, settings %v", args, r.Training, r.Settings)
			}
		} else {
			tr := r.Training
			if tr == nil || tr.Iterations != len(tr.History) || tr.Iterations < 1 || len(tr.Projection) != 9 || len(tr.Projection[0]) != 24 {
				t.Fatalf("%v: training record %+v", args, tr)
			}
			if want := map[string]int{"rvsml-dtw": 36, "rvsml-opw": 24}[c.method]; c.args[0] != "--split" && tr.Windows != want {
				t.Errorf("%v: trained on %d windows, want %d", args, tr.Windows, want)
			}
			if c.args[0] == "--split" && tr.Windows != 18 {
				t.Errorf("--split train: trained on %d windows, want the 18 references", tr.Windows)
			}
		}
		p := filepath.Join(dir, strings.ReplaceAll(c.method+strings.Join(c.args, ""), "-", "")+".json")
		os.WriteFile(p, []byte(out), 0o644)
		if c.args[0] != "--split" {
			files = append(files, p)
		}
	}
	// Same seed ⇒ same references as cgru eval: a model whose distance is
	// the DTW's ranking is not at hand, but both commands pick references
	// with evalSets; check the picked windows directly.
	split, _ := data.Load("embedded")
	_, refs, _, err := evalSets(split, "test", nil, 2, 1, "embedded", "")
	if err != nil {
		t.Fatal(err)
	}
	if want := data.BalancedSubset(split.Train, 2, 1); len(want) != refs.Len() || split.Train.IDs[want[5]] != refs.IDs[5] {
		t.Errorf("evalSets picked %v", refs.IDs)
	}

	// cgru report puts the baselines' rows in Table 1, after an eval row.
	sgru := newModelFile(t, model.SGRU, 9, nil)
	js := mustCLI(t, "eval", "--model", sgru, "--refs-per-class", "2", "--json", "--quiet")
	ev := filepath.Join(dir, "sgru-test.json")
	os.WriteFile(ev, []byte(js), 0o644)
	out := filepath.Join(dir, "report")
	mustCLI(t, "report", "--out", out, "--evals", strings.Join(append([]string{ev}, files[0], files[2], files[3]), ","))
	md, err := os.ReadFile(filepath.Join(out, "report.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"| SGRU |", "| DTW |", "| RVSML-DTW |", "| RVSML-OPW |", "### Baselines", "lambda1=50", "sinkhorn_iters=5"} {
		if !strings.Contains(string(md), want) {
			t.Errorf("report.md lacks %q:\n%s", want, md)
		}
	}
	if i, j := strings.Index(string(md), "| SGRU |"), strings.Index(string(md), "| DTW |"); i > j {
		t.Errorf("report.md: baselines before SGRU")
	}
	var rep struct {
		Table []struct {
			Label   string
			TestAcc *float64
		}
	}
	b, _ := os.ReadFile(filepath.Join(out, "report.json"))
	if err := json.Unmarshal(b, &rep); err != nil || len(rep.Table) != 4 || rep.Table[1].Label != "dtw" || rep.Table[1].TestAcc == nil {
		t.Errorf("report.json table: %+v (%v)", rep.Table, err)
	}
	if _, err := os.Stat(filepath.Join(out, "confusion-rvsml-opw-test.png")); err != nil {
		t.Error(err)
	}
}

func TestBaselineValSplit(t *testing.T) {
	// --split val with the validation subjects of a model file gives the
	// same queries and references as cgru eval --split val on that model.
	split, _ := data.Load("embedded")
	subj, _ := split.Train.SubjectCounts()
	val := subj[:3]
	mf := &model.File{Net: model.NewNet[float64](model.SGRU, 9, 4)}
	mf.Net.Init(1, model.CouplingPaper)
	rec, _ := json.Marshal(map[string]any{"fold": 1, "val_subjects": val})
	mf.Training = rec
	mp := filepath.Join(t.TempDir(), "m.json")
	if err := mf.WriteFile(mp); err != nil {
		t.Fatal(err)
	}
	var e evalResult
	if err := json.Unmarshal([]byte(mustCLI(t, "eval", "--model", mp, "--split", "val", "--refs-per-class", "3", "--json", "--quiet")), &e); err != nil {
		t.Fatal(err)
	}
	b, _ := baselineJSON(t, "--method", "dtw", "--split", "val", "--val-model", mp, "--refs-per-class", "3")
	l := []string{}
	for _, s := range val {
		l = append(l, strconv.Itoa(s))
	}
	b2, _ := baselineJSON(t, "--method", "dtw", "--split", "val", "--val-subjects", strings.Join(l, ","), "--refs-per-class", "3")
	for _, r := range []baselineResult{b, b2} {
		if r.NQueries != e.NQueries || r.NRefs != e.NRefs || len(r.ValSubjects) != 3 || r.ValSubjects[0] != val[0] || r.Split != "val" {
			t.Errorf("baseline --split val: %d queries, %d refs, subjects %v; eval: %d, %d, %v", r.NQueries, r.NRefs, r.ValSubjects, e.NQueries, e.NRefs, e.ValSubjects)
		}
	}
	if b.Accuracy != b2.Accuracy {
		t.Errorf("--val-model and --val-subjects disagree: %g, %g", b.Accuracy, b2.Accuracy)
	}
	if code, _, errs := cli("baseline", "--method", "dtw", "--split", "val", "--val-subjects", "99", "--quiet"); code != 1 || !strings.Contains(errs, "none of the validation subjects [99]") {
		t.Errorf("unknown subject: exit %d, stderr %q", code, errs)
	}
}

// mustCLI runs a command line and returns its stdout, failing the test on a
// non-zero exit.
func mustCLI(t *testing.T, args ...string) string {
	t.Helper()
	code, out, errs := cli(args...)
	if code != 0 {
		t.Fatalf("%v: exit %d: %s", args, code, errs)
	}
	return out
}
