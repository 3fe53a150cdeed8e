package main

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cgru/cgru/model"
)

// cli runs one command line and returns its exit status, stdout and stderr.
func cli(args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := run(args, &out, &errb)
	return code, out.String(), errb.String()
}

func writeTemp(t *testing.T, name, content string) string {
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// goldenCases reads the PyTorch golden file shared with the model tests.
func goldenCases(t *testing.T) []map[string]json.RawMessage {
	b, err := os.ReadFile("../../testdata/golden.json")
	if err != nil {
		t.Fatal(err)
	}
	var g struct {
		Cases []map[string]json.RawMessage `json:"cases"`
		Pairs []map[string]json.RawMessage `json:"pair_cases"`
	}
	if err := json.Unmarshal(b, &g); err != nil {
		t.Fatal(err)
	}
	return append(g.Cases, g.Pairs...)
}

// modelFileOf writes the model file of a golden case.
func modelFileOf(t *testing.T, c map[string]json.RawMessage) string {
	m := map[string]json.RawMessage{"format": json.RawMessage(`"cgru-model"`), "version": json.RawMessage(`1`)}
	for _, k := range []string{"kind", "input_size", "hidden_size", "params"} {
		m[k] = c[k]
	}
	b, _ := json.Marshal(m)
	return writeTemp(t, "model.json", string(b))
}

func rel(a, b float64) float64 {
	return math.Abs(a-b) / math.Max(math.Max(math.Abs(a), math.Abs(b)), 1e-12)
}

// TestGradAndDistanceGolden runs `cgru grad` and `cgru distance` on the
// PyTorch golden cases and compares their JSON output.
func TestGradAndDistanceGolden(t *testing.T) {
	for _, c := range goldenCases(t) {
		var name string
		json.Unmarshal(c["name"], &name)
		mpath := modelFileOf(t, c)
		if _, ok := c["a"]; ok { // a pair case
			pairs, _ := json.Marshal(map[string]json.RawMessage{"a": c["a"], "b": c["b"]})
			code, out, errs := cli("distance", "--model", mpath, "--pairs", writeTemp(t, "pairs.json", string(pairs)))
			if code != 0 {
				t.Fatalf("%s: exit %d: %s", name, code, errs)
			}
			var got struct{ Distances []float64 }
			var want []float64
			json.Unmarshal([]byte(out), &got)
			json.Unmarshal(c["distances"], &want)
			for i := range want {
				if rel(got.Distances[i], want[i]) > 1e-9 {
					t.Errorf("%s pair %d: distance %.17g, torch %.17g", name, i, got.Distances[i], want[i])
				}
			}
			continue
		}
		batch, _ := json.Marshal(map[string]json.RawMessage{"x": c["x"], "labels": c["labels"]})
		var loss string
		json.Unmarshal(c["loss"], &loss)
		args := []string{"grad", "--model", mpath, "--batch", writeTemp(t, "batch.json", string(batch)), "--loss", loss}
		for _, f := range []string{"margin", "alpha", "tau", "beta", "t"} {
			args = append(args, "--"+f, string(c[f]))
		}
		code, out, errs := cli(args...)
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", name, code, errs)
		}
		var got struct {
			Loss      float64
			Distances []float64
			Grads     map[string]json.RawMessage
		}
		if err := json.Unmarshal([]byte(out), &got); err != nil {
			t.Fatalf("%s: output %q: %v", name, out, err)
		}
		var want struct {
			Loss      float64
			Distances []float64
			Grads     map[string]json.RawMessage
		}
		json.Unmarshal(c["expect"], &want)
		if rel(got.Loss, want.Loss) > 1e-9 {
			t.Errorf("%s: loss %.17g, torch %.17g", name, got.Loss, want.Loss)
		}
		for name2, w := range want.Grads {
			var gv, wv any
			json.Unmarshal(got.Grads[name2], &gv)
			json.Unmarshal(w, &wv)
			gf, wf := flatten(gv), flatten(wv)
			if len(gf) != len(wf) {
				t.Fatalf("%s: grad %s has %d values, torch %d", name, name2, len(gf), len(wf))
			}
			var scale float64
			for _, v := range wf {
				scale = math.Max(scale, math.Abs(v))
			}
			for i := range wf {
				if math.Abs(gf[i]-wf[i]) > 1e-9*math.Max(math.Abs(wf[i]), 1e-6*scale) {
					t.Errorf("%s: grad %s[%d] %.17g, torch %.17g", name, name2, i, gf[i], wf[i])
				}
			}
		}
	}
}

func flatten(v any) []float64 {
	switch x := v.(type) {
	case float64:
		return []float64{x}
	case []any:
		var out []float64
		for _, e := range x {
			out = append(out, flatten(e)...)
		}
		return out
	}
	return nil
}

// TestUsage: exit statuses and messages of bad command lines.
func TestUsage(t *testing.T) {
	c := goldenCases(t)[0]
	mpath := modelFileOf(t, c)
	cases := []struct {
		args []string
		code int
		want string // in stderr (or stdout for help)
	}{
		{nil, 2, "usage: cgru <command>"},
		{[]string{"--help"}, 0, "commands:"},
		{[]string{"frobnicate"}, 2, `unknown command "frobnicate"`},
		{[]string{"grad", "--help"}, 0, "usage: cgru grad"},
		{[]string{"distance", "-h"}, 0, "usage: cgru distance"},
		{[]string{"bench", "--help"}, 0, "usage: cgru bench"},
		{[]string{"grad", "--model", mpath}, 2, "--model and --batch are required"},
		{[]string{"grad", "--nope"}, 2, "flag provided but not defined: -nope"},
		{[]string{"grad", "--model", mpath, "--batch", "b.json", "--loss", "hinge"}, 2, `--loss "hinge"`},
		{[]string{"distance", "--model", mpath, "--pairs", "p.json", "--backend", "cuda"}, 2, `--backend "cuda": want cpu, webgpu or auto`},
		{[]string{"distance", "--model", mpath, "--pairs", "p.json", "extra"}, 2, `unexpected argument "extra"`},
		{[]string{"bench", "--batch", "7"}, 2, "multiple of 6"},
		{[]string{"bench", "--kind", "lstm"}, 2, `unknown model kind "lstm"`},
		{[]string{"distance", "--model", "/nonexistent/m.json", "--pairs", "p.json"}, 1, "no such file"},
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
	// A usage error is one line and where the flags are, not the flags.
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"train", "--epochs", "x"}, "cgru train: invalid value \"x\" for flag -epochs: parse error\nrun 'cgru train --help' for the flags\n"},
		{[]string{"eval", "--split", "test"}, "cgru eval: --model is required\nrun 'cgru eval --help' for the flags\n"},
		{[]string{"sync", "gate", "--nope"}, "cgru sync gate: flag provided but not defined: -nope\nrun 'cgru sync gate --help' for the flags\n"},
		{[]string{"distance", "extra"}, "cgru distance: unexpected argument \"extra\"\nrun 'cgru distance --help' for the flags\n"},
	} {
		code, out, errs := cli(tc.args...)
		if code != 2 || errs != tc.want || out != "" {
			t.Errorf("cgru %v: exit %d, stdout %q, stderr %q; want 2, nothing, %q", tc.args, code, out, errs, tc.want)
		}
	}
}

// TestBadInputFiles: bad batch and pairs files are refused with the file,
// the field and the indices named.
func TestBadInputFiles(t *testing.T) {
	net := model.NewNet[float64](model.CGRU, 2, 3)
	net.Init(1, model.CouplingPaper)
	b, _ := (&model.File{Net: net}).Marshal()
	mpath := writeTemp(t, "m.json", string(b))
	cases := []struct {
		cmd, file, want string
	}{
		{"grad", `{"x": [[[1,2]],[[1,2]]]}`, "labels: missing"},
		{"grad", `{"x": [[[1,2]],[[1,2],[3,4]]], "labels": [0,1]}`, "x[1]: 2 steps, but x[0] has 1"},
		{"grad", `{"x": [[[1,2]],[[1,2,3]]], "labels": [0,1]}`, "x[1][0]: 3 values, want 2"},
		{"grad", `{"x": [[[1,2]],[[1,"a"]]], "labels": [0,1]}`, "x: want an array of sequences"},
		{"grad", `{"x": [[[1,2]],[[1,1e400]]], "labels": [0,1]}`, "x[1][0][1]: 1e400 is not a finite number"},
		{"grad", `{"x": [[[1,2]],[[1,2]]], "labels": [0]}`, "labels: 1 labels for 2 sequences"},
		{"grad", `{"x": [[[1,2]]], "labels": [0]}`, "x: 1 sequences, want at least 2"},
		{"grad", "{\"x\": [[[1,2]],\n[[1,2]]], \"labels\": [0,1]", "line 2"},
		{"distance", `{"a": [[[1,2]]], "b": []}`, "1 sequences in a, 0 in b"},
		{"distance", `{"a": [[[1,2]]], "b": [[[1,2],[3,4]]]}`, "pair 0: a has 1 steps, b has 2"},
		{"distance", `{"a": [[]], "b": [[[1,2]]]}`, "a[0]: empty sequence"},
	}
	for _, c := range cases {
		path := writeTemp(t, "in.json", c.file)
		flag := "--batch"
		if c.cmd == "distance" {
			flag = "--pairs"
		}
		code, _, errs := cli(c.cmd, "--model", mpath, flag, path)
		if code != 1 || !strings.Contains(errs, c.want) || !strings.Contains(errs, path) {
			t.Errorf("%s %s: exit %d, stderr %q; want exit 1 naming the file and %q", c.cmd, c.file, code, errs, c.want)
		}
	}
}

// TestBenchJSON runs a small benchmark and checks the fields other tools
// read.
func TestBenchJSON(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	code, out, errs := cli("bench", "--kind", "sgru", "--batch", "12", "--rounds", "1", "--warmup", "0", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var r map[string]any
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"train_step_ms", "forward_ms", "pairs", "threads"} {
		if v, ok := r[k].(float64); !ok || v <= 0 {
			t.Errorf("%s = %v, want a positive number", k, r[k])
		}
	}
	if r["pairs"].(float64) != 66 {
		t.Errorf("pairs = %v, want 66", r["pairs"])
	}
}
