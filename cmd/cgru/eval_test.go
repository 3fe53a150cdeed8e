package main

import (
	"bytes"
	"encoding/json"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cgru/cgru/model"
)

// newModelFile writes a freshly initialised model with hidden size 8 to a
// temporary directory and returns its path.
func newModelFile(t *testing.T, kind model.Kind, input int, norm *model.Normalization) string {
	t.Helper()
	n := model.NewNet[float64](kind, input, 8)
	n.Init(1, model.CouplingPaper)
	p := filepath.Join(t.TempDir(), string(kind)+".json")
	if err := (&model.File{Net: n, Normalization: norm}).WriteFile(p); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestEvalEmbedded(t *testing.T) {
	sgru := newModelFile(t, model.SGRU, 9, nil)
	cgru := newModelFile(t, model.CGRU, 9, nil)
	cases := []struct {
		args          []string
		kind          model.Kind
		nq, nr, perCl int
	}{
		{[]string{"--model", sgru}, model.SGRU, 216, 432, 0},
		{[]string{"--model", sgru, "--split", "train", "--refs-per-class", "10"}, model.SGRU, 432 - 60, 60, 10},
		{[]string{"--model", cgru, "--refs-per-class", "2", "--threads", "2"}, model.CGRU, 216, 12, 2},
	}
	for _, c := range cases {
		args := append([]string{"eval", "--data", "embedded", "--json"}, c.args...)
		code, out, errs := cli(args...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, errs)
		}
		var r struct {
			Kind                   model.Kind
			Split                  string
			RefsPerClass           int `json:"refs_per_class"`
			NQueries               int `json:"n_queries"`
			NRefs                  int `json:"n_refs"`
			Seconds, Accuracy, MAP float64
			MacroF1                float64 `json:"macro_f1"`
			Confusion              [][]int
			Pred, Support          []int
			ClassNames             []string `json:"class_names"`
			Precision, Recall, F1  []float64
			Model, Data, Dataset   string
		}
		if err := json.Unmarshal([]byte(out), &r); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, out)
		}
		if r.Kind != c.kind || r.NQueries != c.nq || r.NRefs != c.nr || r.RefsPerClass != c.perCl || len(r.Pred) != c.nq ||
			len(r.ClassNames) != 6 || r.Data != "embedded" || r.Model == "" {
			t.Errorf("%v: kind %s, %d queries, %d refs, %d per class, %d predictions, classes %v; want %s %d %d %d",
				args, r.Kind, r.NQueries, r.NRefs, r.RefsPerClass, len(r.Pred), r.ClassNames, c.kind, c.nq, c.nr, c.perCl)
		}
		right, total := 0, 0
		for i, row := range r.Confusion {
			right += row[i]
			for _, v := range row {
				total += v
			}
		}
		if total != c.nq || math.Abs(r.Accuracy-float64(right)/float64(total)) > 1e-12 {
			t.Errorf("%v: confusion holds %d queries, %d right, accuracy %g", args, total, right, r.Accuracy)
		}
		for _, v := range []float64{r.Accuracy, r.MacroF1, r.MAP} {
			if !(v > 0 && v <= 1) {
				t.Errorf("%v: a figure outside (0, 1]: accuracy %g, F1 %g, MAP %g", args, r.Accuracy, r.MacroF1, r.MAP)
			}
		}
	}

	// Text: every line with a figure names the reference set.
	code, out, errs := cli("eval", "--model", cgru, "--refs-per-class", "2")
	if code != 0 {
		t.Fatalf("text: exit %d: %s", code, errs)
	}
	for _, key := range []string{"1-NN accuracy", "macro F1", "MAP", "confusion matrix", "per class"} {
		found := false
		for _, line := range strings.Split(out, "\n") {
			if strings.HasPrefix(line, key) {
				found = true
				if !strings.Contains(line, "refs: 2 per class, 12 windows") {
					t.Errorf("line %q does not name the references", line)
				}
			}
		}
		if !found {
			t.Errorf("no line starting %q in\n%s", key, out)
		}
	}
	if !strings.Contains(out, "WALKING_DOWNSTAIRS") || !strings.Contains(out, "216 × 12 = 2592 pairs") {
		t.Errorf("text output lacks class names or the pair count:\n%s", out)
	}
}

// TestEvalNormalization: the model file's normalisation is applied, so an
// SGRU with a normalisation of mean 0 and std 1 gives the same figures as
// without, and a different one changes them.
func TestEvalNormalization(t *testing.T) {
	ones, zeros := make([]float64, 9), make([]float64, 9)
	for i := range ones {
		ones[i] = 1
	}
	scaled := slices.Clone(ones)
	for i := range scaled {
		scaled[i] = 0.05
	}
	get := func(norm *model.Normalization) (float64, bool) {
		code, out, errs := cli("eval", "--json", "--model", newModelFile(t, model.SGRU, 9, norm))
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errs)
		}
		var r struct {
			MAP        float64
			Normalized bool
		}
		json.Unmarshal([]byte(out), &r)
		return r.MAP, r.Normalized
	}
	plain, n0 := get(nil)
	same, n1 := get(&model.Normalization{Mean: zeros, Std: ones})
	other, n2 := get(&model.Normalization{Mean: zeros, Std: scaled})
	if n0 || !n1 || !n2 {
		t.Errorf("normalized flags %v %v %v, want false true true", n0, n1, n2)
	}
	if same != plain || other == plain {
		t.Errorf("MAP without normalisation %g, identity %g (want equal), scaled %g (want different)", plain, same, other)
	}
}

func TestEvalCompareNoiseUsage(t *testing.T) {
	m := newModelFile(t, model.SGRU, 9, nil)
	m3 := newModelFile(t, model.SGRU, 3, nil)
	cases := []struct {
		args []string
		code int
		want string // in stderr (stdout for help)
	}{
		{[]string{"eval", "--help"}, 0, "usage: cgru eval"},
		{[]string{"compare", "--help"}, 0, "usage: cgru compare"},
		{[]string{"noise", "--help"}, 0, "usage: cgru noise"},
		{[]string{"eval"}, 2, "--model is required"},
		{[]string{"eval", "--model", m, "--split", "validation"}, 2, `--split "validation": want test, val or train`},
		{[]string{"eval", "--model", m, "--split", "train"}, 2, "--split train needs --refs-per-class > 0"},
		{[]string{"eval", "--model", m, "--refs-per-class", "-1"}, 2, "--refs-per-class -1"},
		{[]string{"eval", "--model", m, "--backend", "opencl"}, 2, `--backend "opencl": want cpu, webgpu or auto`},
		{[]string{"eval", "--model", m3}, 1, "input size 3, but embedded has 9 channels"},
		{[]string{"eval", "--model", "/nonexistent/m.json"}, 1, "no such file"},
		{[]string{"compare", "--model", m, "--a", "test/11"}, 2, "--model, --a and --b are required"},
		{[]string{"compare", "--model", m, "--a", "test/11", "--b", "train/4", "--json", "--csv"}, 2, "exclude each other"},
		{[]string{"compare", "--model", m, "--a", "test/11", "--b", "nope/1"}, 1, `no window with ID "nope/1"`},
		{[]string{"noise"}, 2, "--models is required"},
		{[]string{"noise", "--models", m, "--sigmas", "2:0:0.5"}, 2, "below from"},
		{[]string{"noise", "--models", m, "--sigmas", "0,-1"}, 2, "-1 is below 0"},
		{[]string{"noise", "--models", m, "--pairs-per-class", "0"}, 2, "--pairs-per-class 0"},
		{[]string{"noise", "--models", m + "," + m3}, 1, "input size 3"},
	}
	for _, tc := range cases {
		code, out, errs := cli(tc.args...)
		text := errs
		if tc.code == 0 {
			text = out
		}
		if code != tc.code || !strings.Contains(text, tc.want) {
			t.Errorf("cgru %v: exit %d, want %d; output %q, want it to contain %q", tc.args, code, tc.code, text, tc.want)
		}
	}
}

func TestCompare(t *testing.T) {
	for _, kind := range []model.Kind{model.SGRU, model.CGRU} {
		m := newModelFile(t, kind, 9, nil)
		code, out, errs := cli("compare", "--model", m, "--a", "test/11", "--b", "train/4", "--json")
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", kind, code, errs)
		}
		var r compareResult
		if err := json.Unmarshal([]byte(out), &r); err != nil {
			t.Fatal(err)
		}
		if r.Kind != kind || r.T != 128 || r.H != 8 || len(r.SyncError) != 128 || len(r.H1) != 128 || len(r.H2[127]) != 8 ||
			r.A.ID != "test/11" || r.A.Split != "test" || r.B.Split != "train" || r.A.Label == "" {
			t.Fatalf("%s: result %+v", kind, r)
		}
		if (kind == model.CGRU) != (len(r.MeanGate) == 128) {
			t.Errorf("%s: %d mean gates", kind, len(r.MeanGate))
		}
		if math.Abs(r.Distance-r.SyncError[127]) > 1e-12 || !(r.Distance > 0) {
			t.Errorf("%s: distance %g, last sync error %g", kind, r.Distance, r.SyncError[127])
		}
		code, csvOut, errs := cli("compare", "--model", m, "--a", "test/11", "--b", "train/4", "--csv")
		if code != 0 {
			t.Fatalf("%s csv: exit %d: %s", kind, code, errs)
		}
		lines := strings.Split(strings.TrimSpace(csvOut), "\n")
		if len(lines) != 129 || len(strings.Split(lines[0], ",")) != 3+16 || !strings.HasPrefix(lines[0], "t,sync_error,mean_gate,h1_0,") ||
			!strings.HasPrefix(lines[1], "1,") || !strings.Contains(lines[0], ",h2_7") {
			t.Errorf("%s csv: %d lines, header %q, first row %q", kind, len(lines), lines[0], lines[1])
		}
		// A window against itself: distance 0 at every step.
		code, out, _ = cli("compare", "--model", m, "--a", "test/11", "--b", "test/11", "--json")
		var self compareResult
		json.Unmarshal([]byte(out), &self)
		if code != 0 || self.Distance != 0 || slices.Max(self.SyncError) != 0 {
			t.Errorf("%s: window against itself: exit %d, distance %g", kind, code, self.Distance)
		}
		code, out, _ = cli("compare", "--model", m, "--a", "test/11", "--b", "train/4")
		if code != 0 || !strings.Contains(out, "distance ‖h_T − h'_T‖") || strings.Count(out, "\n") < 130 {
			t.Errorf("%s text: exit %d\n%s", kind, code, out)
		}
	}
}

func TestNoise(t *testing.T) {
	sgru := newModelFile(t, model.SGRU, 9, nil)
	cgru := newModelFile(t, model.CGRU, 9, nil)
	get := func(sigmas string) noiseResult {
		code, out, errs := cli("noise", "--models", sgru+","+cgru, "--sigmas", sigmas, "--pairs-per-class", "5", "--json")
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errs)
		}
		var r noiseResult
		if err := json.Unmarshal([]byte(out), &r); err != nil {
			t.Fatal(err)
		}
		return r
	}
	r := get("0,1.5")
	if r.NPos != 30 || r.NNeg != 30 || len(r.Models) != 2 || r.Models[0].Kind != model.SGRU || r.Models[1].Kind != model.CGRU ||
		!slices.Equal(r.Sigmas, []float64{0, 1.5}) {
		t.Fatalf("result %+v", r)
	}
	for _, m := range r.Models {
		if len(m.MeanPos) != 2 || len(m.MeanNeg) != 2 || !(m.MeanPos[0] > 0) || !(m.MeanNeg[1] > m.MeanNeg[0]) {
			t.Errorf("%s: mean pos %v neg %v (noise should push distances up)", m.Kind, m.MeanPos, m.MeanNeg)
		}
	}
	// Noise is seeded by σ: the same σ gives the same figures in another list.
	r2 := get("1.5")
	for k := range r.Models {
		if r2.Models[k].MeanPos[0] != r.Models[k].MeanPos[1] || r2.Models[k].MeanNeg[0] != r.Models[k].MeanNeg[1] {
			t.Errorf("model %d: σ = 1.5 alone gives %g/%g, in a list %g/%g", k,
				r2.Models[k].MeanPos[0], r2.Models[k].MeanNeg[0], r.Models[k].MeanPos[1], r.Models[k].MeanNeg[1])
		}
	}
	code, out, errs := cli("noise", "--models", sgru, "--sigmas", "0:1:0.5", "--pairs-per-class", "3")
	if code != 0 || !strings.Contains(out, "positive  negative    margin") || !strings.Contains(out, "\n     0.5 |") {
		t.Errorf("text: exit %d %s\n%s", code, errs, out)
	}
}

func TestParseSigmas(t *testing.T) {
	cases := []struct {
		in   string
		want []float64
		bad  bool
	}{
		{"0:2:0.25", []float64{0, 0.25, 0.5, 0.75, 1, 1.25, 1.5, 1.75, 2}, false},
		{"0:1:0.1", []float64{0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1}, false},
		{"0.5:0.5:1", []float64{0.5}, false},
		{"0:1:0.4", []float64{0, 0.4, 0.8}, false},
		{"0, 0.5,2", []float64{0, 0.5, 2}, false},
		{"1", []float64{1}, false},
		{"0:1", nil, true},
		{"0:1:0", nil, true},
		{"1:0:0.1", nil, true},
		{"0:1e6:1", nil, true},
		{"-1,2", nil, true},
		{"a", nil, true},
		{"NaN", nil, true},
		{"0,,1", nil, true},
	}
	for _, c := range cases {
		got, err := parseSigmas(c.in)
		if (err != nil) != c.bad || !slices.Equal(got, c.want) {
			t.Errorf("parseSigmas(%q) = %v, %v; want %v (error %v)", c.in, got, err, c.want, c.bad)
		}
	}
}

func TestProgressPlain(t *testing.T) {
	var b bytes.Buffer
	now := time.Unix(0, 0)
	p := newProgress(&b, "job", 100)
	p.now = func() time.Time { return now }
	p.start, p.last = now, now
	p.Add(10) // at once: nothing
	now = now.Add(6 * time.Second)
	p.Add(20) // 30% after 6 s: ETA 14 s
	now = now.Add(time.Second)
	p.Add(10) // too soon
	now = now.Add(5 * time.Second)
	p.Add(60)
	p.Done()
	p.Add(1)
	p.Done()
	want := "job:  30% (30/100), 6s, ETA 14s\njob: 100% (100/100), 12s, ETA 0ms\njob: done, 100 in 12s\n"
	if b.String() != want {
		t.Errorf("output %q, want %q", b.String(), want)
	}
	b.Reset()
	q := newProgress(&b, "quick", 5)
	q.Add(5)
	q.Done()
	var nilBar *progress
	nilBar.Add(1)
	nilBar.Done()
	if b.Len() != 0 {
		t.Errorf("a quick task printed %q", b.String())
	}
	for _, c := range []struct {
		d    time.Duration
		want string
	}{{850 * time.Millisecond, "850ms"}, {59900 * time.Millisecond, "59s"}, {185 * time.Second, "3m05s"}, {3720 * time.Second, "1h02m"}} {
		if got := fmtDuration(c.d); got != c.want {
			t.Errorf("fmtDuration(%v) = %q, want %q", c.d, got, c.want)
		}
	}
}

// TestEvalRefsBeyondClass asks cgru eval and cgru baseline for more
// references per class than the embedded subset's 72: the figures say that
// all were taken, and the JSON keeps what was asked beside what was used.
func TestEvalRefsBeyondClass(t *testing.T) {
	sgru := newModelFile(t, model.SGRU, 9, nil)
	const want = "all 72 per class (fewer than the 1000 asked), 432 windows"
	code, out, errs := cli("eval", "--data", "embedded", "--model", sgru, "--refs-per-class", "1000", "--quiet")
	if code != 0 {
		t.Fatalf("eval: exit %d: %s", code, errs)
	}
	if !strings.Contains(out, "1-NN accuracy") || !strings.Contains(out, "("+"refs: "+want+")") || strings.Contains(out, "1000 per class") || strings.Contains(out, "seed") {
		t.Errorf("eval --refs-per-class 1000: output does not say %q (nor only that):\n%s", want, out)
	}
	code, out, errs = cli("eval", "--data", "embedded", "--model", sgru, "--refs-per-class", "1000", "--json")
	if code != 0 {
		t.Fatalf("eval --json: exit %d: %s", code, errs)
	}
	var r struct {
		RefsPerClass     int    `json:"refs_per_class"`
		RefsPerClassUsed *int   `json:"refs_per_class_used"`
		Refs             string `json:"refs"`
		NRefs            int    `json:"n_refs"`
	}
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	if r.RefsPerClass != 1000 || r.RefsPerClassUsed == nil || *r.RefsPerClassUsed != 0 || r.Refs != "refs: "+want || r.NRefs != 432 {
		t.Errorf("eval --json: refs_per_class %d, refs_per_class_used %v, refs %q, n_refs %d; want 1000, 0 (all), %q, 432",
			r.RefsPerClass, r.RefsPerClassUsed, r.Refs, r.NRefs, "refs: "+want)
	}
	// What was asked is taken where a class has more.
	code, out, _ = cli("eval", "--data", "embedded", "--model", sgru, "--refs-per-class", "3", "--json")
	json.Unmarshal([]byte(out), &r)
	if code != 0 || *r.RefsPerClassUsed != 3 || r.Refs != "refs: 3 per class, 18 windows" {
		t.Errorf("eval --refs-per-class 3: exit %d, refs_per_class_used %d, refs %q", code, *r.RefsPerClassUsed, r.Refs)
	}

	b, _ := baselineJSON(t, "--method", "dtw", "--refs-per-class", "1000", "--band", "1")
	if b.RefsPerClass != 1000 || b.RefsPerClassUsed != 0 || b.Refs != "refs: "+want || b.NRefs != 432 {
		t.Errorf("baseline --json: refs_per_class %d, refs_per_class_used %d, refs %q, n_refs %d; want 1000, 0, %q, 432",
			b.RefsPerClass, b.RefsPerClassUsed, b.Refs, b.NRefs, "refs: "+want)
	}
}
