package main

import (
	"bytes"
	"context"
	"encoding/json"
	"image/png"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cgru/cgru/data"
	"github.com/cgru/cgru/internal/harness"
	"github.com/cgru/cgru/model"
	"github.com/cgru/cgru/model/dynamics"
)

func TestSyncUsage(t *testing.T) {
	sgru := newModelFile(t, model.SGRU, 9, nil)
	cases := []struct {
		args []string
		code int
		want string // in stderr (or stdout for help)
	}{
		{[]string{"sync"}, 2, "usage: cgru sync <experiment>"},
		{[]string{"sync", "--help"}, 0, "threshold"},
		{[]string{"sync", "frob"}, 2, `unknown experiment "frob"`},
		{[]string{"sync", "lyapunov", "--help"}, 0, "usage: cgru sync lyapunov"},
		{[]string{"sync", "pair", "-h"}, 0, "usage: cgru sync pair"},
		{[]string{"sync", "threshold", "--help"}, 0, "usage: cgru sync threshold"},
		{[]string{"sync", "gate", "--help"}, 0, "usage: cgru sync gate"},
		{[]string{"sync", "lyapunov", "--gains", "1:x:1"}, 2, `--gains "1:x:1"`},
		{[]string{"sync", "lyapunov", "--gains", "-1,2"}, 2, "outside [0, 1e+06]"},
		{[]string{"sync", "lyapunov", "--steps", "0"}, 2, "--steps 0"},
		{[]string{"sync", "lyapunov", "--model", sgru, "--hidden", "5"}, 2, "--hidden and --seed choose a random network"},
		{[]string{"sync", "lyapunov", "--model", sgru, "--input", "1,2"}, 2, "--input has 2 values; the network's input size is 9"},
		{[]string{"sync", "lyapunov", "--input", "nan"}, 2, `--input: "nan" is not a finite number`},
		{[]string{"sync", "pair", "--form", "spring"}, 2, `unknown coupling form "spring"`},
		{[]string{"sync", "pair", "--coupling", "0.1,1.5"}, 2, "1.5 is outside [0, 1]"},
		{[]string{"sync", "pair", "--trajectory"}, 2, "--trajectory needs --json"},
		{[]string{"sync", "pair", "--json", "--csv"}, 2, "exclude each other"},
		{[]string{"sync", "threshold", "--couplings", "0.2,0.1"}, 2, "not sorted"},
		{[]string{"sync", "threshold", "--tol", "0"}, 2, "--tol 0"},
		{[]string{"sync", "gate"}, 2, "--model is required"},
		{[]string{"sync", "gate", "--model", sgru}, 1, "the gate experiment needs a CGRU"},
		{[]string{"sync", "lyapunov", "--model", "/nonexistent/m.json"}, 1, "no such file"},
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

// syncJSON runs a cgru sync command with --json and decodes its output.
func syncJSON(t *testing.T, v any, args ...string) string {
	t.Helper()
	code, out, errs := cli(append(args, "--json")...)
	if code != 0 {
		t.Fatalf("%v: exit %d: %s", args, code, errs)
	}
	if err := json.Unmarshal([]byte(out), v); err != nil {
		t.Fatalf("%v: %v", args, err)
	}
	return out
}

// TestSyncLyapunov: the command's numbers are the library's for the same
// settings, a stable gain is negative and a chaotic one positive, and c*
// is (1 − e^{−λ})/2.
func TestSyncLyapunov(t *testing.T) {
	var r lyapunovResult
	syncJSON(t, &r, "sync", "lyapunov", "--gains", "1,7.5", "--steps", "3000", "--transient", "500", "--inits", "2", "--spectrum", "--threads", "2")
	if r.Experiment != "lyapunov" || len(r.LambdaMax) != 2 || len(r.Spectrum) != 2 || len(r.Spectrum[1]) != 20 {
		t.Fatalf("result: %+v", r)
	}
	ctx := context.Background()
	for gi, gain := range []float64{1, 7.5} {
		g := dynamics.RandomGRU(20, gain, 1)
		for i := 0; i < 2; i++ {
			seed := uint64(i + 1)
			x, err := dynamics.OnAttractor(ctx, g, seed, 500)
			if err != nil {
				t.Fatal(err)
			}
			opt := dynamics.Options{Transient: 500, Steps: 3000, Seed: seed}
			var want float64
			if i == 0 {
				s, err := dynamics.Spectrum(ctx, g, x, 20, opt)
				if err != nil {
					t.Fatal(err)
				}
				want = s.Lambda[0]
				if float64(r.Spectrum[gi][19]) != s.Lambda[19] {
					t.Errorf("gain %g: λ_20 = %v, library %v", gain, r.Spectrum[gi][19], s.Lambda[19])
				}
			} else {
				e, err := dynamics.MaxLyapunov(ctx, g, x, opt)
				if err != nil {
					t.Fatal(err)
				}
				want = e.Lambda
			}
			if got := float64(r.Runs[gi][i]); got != want {
				t.Errorf("gain %g, initial state %d: λ_max %v, library %v", gain, i+1, got, want)
			}
		}
		l := float64(r.LambdaMax[gi])
		if c := float64(r.Threshold[gi]); math.Abs(c-dynamics.DiffusiveThreshold(l)) > 1e-15 {
			t.Errorf("gain %g: c* = %g for λ = %g", gain, c, l)
		}
	}
	if !(r.LambdaMax[0] < -0.3 && r.LambdaMax[1] > 0.05) {
		t.Errorf("λ_max %v: want < −0.3 at gain 1 and > 0.05 at gain 7.5", r.LambdaMax)
	}
	code, out, _ := cli("sync", "lyapunov", "--gains", "1,7.5", "--steps", "3000", "--transient", "500", "--inits", "2")
	if code != 0 || !strings.Contains(out, "stable") || !strings.Contains(out, "chaotic") {
		t.Errorf("table (exit %d):\n%s", code, out)
	}
}

// TestSyncPair: the error curve starts at the distance of the two initial
// states, c = 1/2 synchronises the diffusive form in one step, and the
// numbers are the library's.
func TestSyncPair(t *testing.T) {
	var r pairResult
	syncJSON(t, &r, "sync", "pair", "--coupling", "0,0.1,0.5", "--steps", "200", "--transient", "300", "--lyapunov-steps", "2000", "--trajectory")
	if len(r.Error) != 3 || len(r.Error[0]) != 201 || len(r.Projection[2]) != 201 || len(r.H1[1]) != 201 {
		t.Fatalf("shapes: %d curves, %d steps", len(r.Error), len(r.Error[0]))
	}
	ctx := context.Background()
	g := dynamics.RandomGRU(20, 7.5, 1)
	x0, err := dynamics.Start(ctx, g, 1, 300, 0)
	if err != nil {
		t.Fatal(err)
	}
	e, err := dynamics.Run(ctx, dynamics.NewPair(g, dynamics.Diffusive, 0.1), x0, 200, nil)
	if err != nil {
		t.Fatal(err)
	}
	for step, v := range e {
		if float64(r.Error[1][step]) != v {
			t.Fatalf("c=0.1, step %d: error %v, library %v", step, r.Error[1][step], v)
		}
	}
	if float64(r.Error[0][0]) != dynamics.SyncError(x0) || r.Error[2][1] != 0 {
		t.Errorf("error at t=0 %v (want %v); at c=1/2, t=1: %v (want 0)", r.Error[0][0], dynamics.SyncError(x0), r.Error[2][1])
	}
	if !math.IsNaN(float64(r.Transverse[2])) { // −Inf, written as null
		t.Errorf("λ⊥ at c=1/2: %v, want null", r.Transverse[2])
	}
	// The trajectory is the run's: ‖h_t − h'_t‖ from the states.
	var s float64
	for i := range r.H1[1][50] {
		d := r.H1[1][50][i] - r.H2[1][50][i]
		s += d * d
	}
	if math.Abs(math.Sqrt(s)-float64(r.Error[1][50])) > 1e-15 {
		t.Errorf("states at t=50 are %g apart, error %g", math.Sqrt(s), r.Error[1][50])
	}
	code, out, errs := cli("sync", "pair", "--coupling", "0,0.5", "--steps", "20", "--lyapunov-steps", "500", "--csv")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != 0 || len(lines) != 22 || lines[0] != "t,error_c=0,error_c=0.5" || !strings.HasPrefix(lines[2], "1,") || !strings.HasSuffix(lines[2], ",0") {
		t.Errorf("CSV (exit %d, %s): %q", code, errs, lines[:3])
	}
}

// TestSyncThresholdAndReport: a short threshold sweep agrees with the
// theory, and cgru report draws every experiment's figure.
func TestSyncThresholdAndReport(t *testing.T) {
	dir := t.TempDir()
	write := func(name, s string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	var th thresholdResult
	thPath := write("sync-threshold.json", syncJSON(t, &th, "sync", "threshold", "--couplings", "0:0.5:0.1",
		"--steps", "5000", "--transient", "1000", "--runs", "3", "--lyapunov-steps", "10000", "--resolution", "0.002"))
	t.Logf("threshold: theory %.4f, measured %.4f, tolerance %.4f", th.Theory, th.Measured, th.Tolerance)
	if th.Experiment != "threshold" || !th.Agree || len(th.Couplings) != 6 || th.Synced[0] || !th.Synced[5] {
		t.Errorf("threshold: agree %v, theory %v, measured %v, tolerance %v, synced %v", th.Agree, th.Theory, th.Measured, th.Tolerance, th.Synced)
	}
	if !math.IsNaN(float64(th.Transverse[5])) {
		t.Errorf("λ⊥ at c=1/2 = %v, want null (−∞)", th.Transverse[5])
	}
	var ly lyapunovResult
	lyPath := write("lyap.json", syncJSON(t, &ly, "sync", "lyapunov", "--gains", "1:8:3.5", "--steps", "1000", "--transient", "200", "--inits", "2", "--spectrum"))
	var pr pairResult
	prPath := write("sync-pair.json", syncJSON(t, &pr, "sync", "pair", "--steps", "100", "--transient", "200", "--lyapunov-steps", "500"))
	cg := newModelFile(t, model.CGRU, 9, nil)
	var gt gateResult
	gtPath := write("sync-gate.json", syncJSON(t, &gt, "sync", "gate", "--model", cg, "--pairs-per-class", "3"))

	out := filepath.Join(dir, "report")
	code, stdout, errs := cli("report", "--out", out, "--sync", strings.Join([]string{lyPath, prPath, thPath, gtPath}, ","))
	if code != 0 {
		t.Fatalf("report: exit %d: %s", code, errs)
	}
	for _, name := range []string{"sync-lyap", "sync-pair", "sync-threshold", "sync-gate"} {
		b, err := os.ReadFile(filepath.Join(out, name+".png"))
		if err != nil {
			t.Fatal(err)
		}
		if img, err := png.Decode(bytes.NewReader(b)); err != nil || img.Bounds().Dx() < 300 {
			t.Errorf("%s.png: %v", name, err)
		}
		if svg, err := os.ReadFile(filepath.Join(out, name+".svg")); err != nil || !bytes.Contains(svg, []byte("<svg")) {
			t.Errorf("%s.svg: %v", name, err)
		}
		if !strings.Contains(stdout, name+".png") {
			t.Errorf("stdout does not list %s.png", name)
		}
	}
	md, _ := os.ReadFile(filepath.Join(out, "report.md"))
	for _, want := range []string{"## Synchronization lab", "### Threshold sweep", "### The learned gate on real pairs", "| 4.5 |"} {
		if !strings.Contains(string(md), want) {
			t.Errorf("report.md lacks %q:\n%s", want, md)
		}
	}

	// Bad --sync files are refused before anything is written.
	bad := []struct{ content, want string }{
		{`{"gains": [1]}`, "experiment: missing"},
		{`{"experiment": "tide"}`, `experiment: "tide"`},
		{"{\"experiment\": \"lyapunov\",\n \"gains\": [1,}", "line 2, column"},
		{`{"experiment": "lyapunov", "gains": [1, 2], "lambda_max": [0.1], "sd": [0], "threshold": [0]}`, "gains, lambda_max, sd, threshold: 2, 1, 1, 1"},
		{`{"experiment": "pair", "couplings": "x"}`, "couplings: string where []dynamics.Num is wanted"},
	}
	for i, b := range bad {
		p := write("bad.json", b.content)
		o := filepath.Join(dir, "bad-report")
		code, _, errs := cli("report", "--out", o, "--sync", p)
		if code != 1 || !strings.Contains(errs, p) || !strings.Contains(errs, b.want) {
			t.Errorf("bad file %d: exit %d, %q; want it to name %s and say %q", i, code, errs, p, b.want)
		}
		if _, err := os.Stat(o); err == nil {
			t.Errorf("bad file %d: the report folder was created", i)
		}
	}
}

// TestSyncGate: on the embedded data, the gate at step 1 is σ(b_hc)
// averaged over units for every pair (h_0 = h'_0 = 0), the gate-off errors
// are those of the plain GRU pair, and the counts are per class.
func TestSyncGate(t *testing.T) {
	path := newModelFile(t, model.CGRU, 9, nil)
	var r gateResult
	syncJSON(t, &r, "sync", "gate", "--model", path, "--pairs-per-class", "4", "--seed", "3")
	mf, err := model.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	split := data.Embedded()
	nc := len(split.Test.ClassNames)
	if r.Positive.Pairs != 4*nc || r.Negative.Pairs != 4*nc || r.T != split.Test.T || len(r.ClassGate[0]) != nc {
		t.Fatalf("pairs %d/%d, T %d, %d classes", r.Positive.Pairs, r.Negative.Pairs, r.T, len(r.ClassGate[0]))
	}
	var g1 float64
	for _, b := range mf.Net.Param("bias_hc") {
		g1 += 1 / (1 + math.Exp(-b)) / float64(mf.Net.Hidden)
	}
	for _, s := range []dynamics.GateSide{r.Positive, r.Negative} {
		if math.Abs(s.Gate[0]-g1) > 1e-12 || s.GateSD[0] > 1e-12 {
			t.Errorf("gate at step 1: %g ± %g, want σ(b_hc) averaged = %g ± 0", s.Gate[0], s.GateSD[0], g1)
		}
	}
	// The first positive pair, gate off, by hand.
	pos, _ := data.SamplePairs(split.Test.Labels, nc, 4, 3)
	x := harness.Seqs64(split.Test)
	tr := (&model.CPU[float64]{}).Trace(dynamics.GateOff(mf.Net), x.Seq(pos[0].A), x.Seq(pos[0].B))
	if r.Positive.PairDistGateOff[0] != tr.Distance {
		t.Errorf("first positive pair, gate off: distance %v, want %v", r.Positive.PairDistGateOff[0], tr.Distance)
	}
	if !(r.GateAUC >= 0 && r.GateAUC <= 1) || math.Abs(r.GateAUCNullSE-math.Sqrt(float64(2*4*nc+1)/(12*float64(16*nc*nc)))) > 1e-15 {
		t.Errorf("gate AUC %v ± %v", r.GateAUC, r.GateAUCNullSE)
	}
}

func TestParseList(t *testing.T) {
	cases := []struct {
		in   string
		want []float64
		err  string
	}{
		{"0:0.3:0.1", []float64{0, 0.1, 0.2, 0.3}, ""},
		{"1,2.5", []float64{1, 2.5}, ""},
		{"0.5", []float64{0.5}, ""},
		{"0:1:0", nil, "step"},
		{"1:0:0.1", nil, "below"},
		{"0:1", nil, "from:to:step"},
		{"1001", nil, "outside"},
		{"0:1000:0.5", nil, "at most 1000"},
	}
	for _, c := range cases {
		got, err := parseList(c.in, 0, 1000)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%q: error %v, want %q", c.in, err, c.err)
			}
			continue
		}
		if err != nil || len(got) != len(c.want) {
			t.Errorf("%q: %v, %v; want %v", c.in, got, err, c.want)
			continue
		}
		for i := range got {
			if got[i] != c.want[i] {
				t.Errorf("%q: %v, want %v", c.in, got, c.want)
			}
		}
	}
}

// FuzzParseSyncFile: whatever the bytes, parsing returns an error or a
// result whose report section and figure can be written without a panic
// (nor a hang: a tolerance of 0 once sent the log-axis ticks into an
// endless loop).
func FuzzParseSyncFile(f *testing.F) {
	f.Add([]byte(`{"experiment": "lyapunov", "gains": [1, 2], "lambda_max": [0.1, null], "sd": [0, 0], "threshold": [0, 0], "spectrum": [[1], []]}`))
	f.Add([]byte(`{"experiment": "pair", "steps": 1, "couplings": [0.1], "transverse": [null], "error": [[1, 0]]}`))
	f.Add([]byte(`{"experiment": "threshold", "couplings": [0.1], "final": [[1e-9]], "synced": [true], "rate": [null], "transverse": [-0.1]}`))
	f.Add([]byte(`{"experiment": "gate", "T": 1, "positive": {"gate": [0.5], "error": [1], "error_gate_off": [1]}, "negative": {"gate": [0.5], "error": [1], "error_gate_off": [1]}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		sf, err := parseSyncFile(b, "fuzz.json")
		if err != nil {
			return
		}
		writeSyncMD(io.Discard, []*syncFile{sf})
		drawSync(sf, "svg", io.Discard) // an error is fine, a panic is not
	})
}
