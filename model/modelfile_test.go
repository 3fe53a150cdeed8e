package model

import (
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func sampleFile(t *testing.T, kind Kind) []byte {
	n := NewNet[float64](kind, 2, 3)
	n.Init(7, CouplingWeak)
	f := &File{Net: n, CouplingInit: CouplingWeak, Dataset: "embedded",
		Normalization: &Normalization{Mean: []float64{0.1, -0.2}, Std: []float64{1, 2}},
		Training:      json.RawMessage(`{"epochs":3}`),
		Extra:         map[string]json.RawMessage{"note": json.RawMessage(`"kept"`)}}
	b, err := f.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestModelFileRoundTrip(t *testing.T) {
	for _, kind := range []Kind{SGRU, CGRU} {
		b := sampleFile(t, kind)
		f, err := ParseFile(b, "m.json")
		if err != nil {
			t.Fatalf("%s: %v", kind, err)
		}
		n := NewNet[float64](kind, 2, 3)
		n.Init(7, CouplingWeak)
		for i := range n.Params {
			if f.Net.Params[i] != n.Params[i] {
				t.Fatalf("%s: param %d read back as %.17g, want %.17g", kind, i, f.Net.Params[i], n.Params[i])
			}
		}
		if f.Dataset != "embedded" || f.CouplingInit != CouplingWeak || string(f.Extra["note"]) != `"kept"` ||
			f.Normalization.Std[1] != 2 || string(f.Training) != `{"epochs":3}` {
			t.Errorf("%s: records not kept: %+v", kind, f)
		}
		b2, _ := f.Marshal()
		if string(b2) != string(b) {
			t.Errorf("%s: second write differs:\n%s\n%s", kind, b, b2)
		}
	}
}

// TestModelFileErrors: each bad file is refused with a message naming the
// field (or the line and column of a syntax error).
func TestModelFileErrors(t *testing.T) {
	good := string(sampleFile(t, CGRU))
	edit := func(f func(m map[string]any)) string {
		var m map[string]any
		json.Unmarshal([]byte(good), &m)
		f(m)
		b, _ := json.Marshal(m)
		return string(b)
	}
	params := func(m map[string]any) map[string]any { return m["params"].(map[string]any) }
	cases := []struct {
		name, file, want string
	}{
		{"empty", "", "unexpected end"},
		{"syntax", "{\n  \"format\": \"cgru-model\",\n  \"version\": 1,,\n}", "line 3, column 16"},
		{"not object", "[1,2]", "array where"},
		{"eval result", `{"model":"sgru.json","kind":"sgru","accuracy":0.8,"macro_f1":0.8,"confusion":[[1]]}`, "format: missing: this looks like a cgru eval result (it has accuracy and confusion), not a model file"},
		{"format", edit(func(m map[string]any) { m["format"] = "gru" }), `format: "gru", want "cgru-model"`},
		{"version", edit(func(m map[string]any) { m["version"] = 2 }), "version: 2"},
		{"kind", edit(func(m map[string]any) { m["kind"] = "lstm" }), `kind: unknown model kind "lstm"`},
		{"missing hidden", edit(func(m map[string]any) { delete(m, "hidden_size") }), "hidden_size: missing"},
		{"hidden string", edit(func(m map[string]any) { m["hidden_size"] = "3" }), "hidden_size: string where int"},
		{"hidden zero", edit(func(m map[string]any) { m["hidden_size"] = 0 }), "hidden_size: 0, want a positive"},
		{"missing tensor", edit(func(m map[string]any) { delete(params(m), "weight_hc") }), "params.weight_hc: missing"},
		{"extra tensor", edit(func(m map[string]any) { params(m)["weight_xx"] = []float64{1} }), "params.weight_xx: not a parameter"},
		{"rows", edit(func(m map[string]any) { params(m)["weight_hh"] = params(m)["weight_hh"].([]any)[:8] }), "params.weight_hh has 8 rows, want 9 (3×hidden_size 3)"},
		{"row length", edit(func(m map[string]any) {
			w := params(m)["weight_hh"].([]any)
			w[3] = w[3].([]any)[:2]
		}), "params.weight_hh[3] has 2 values, want 3 (hidden_size 3)"},
		{"vector length", edit(func(m map[string]any) { params(m)["bias_hc"] = []float64{1, 2} }), "params.bias_hc has 2 values, want 3 (hidden_size 3)"},
		{"beyond float32", edit(func(m map[string]any) { params(m)["weight_ih"].([]any)[0].([]any)[1] = 1e39 }), "params.weight_ih[0][1]: 1e+39 is out of float32 range"},
		{"not number", edit(func(m map[string]any) { params(m)["bias_ih"].([]any)[4] = "x" }), `params.bias_ih[4]: "x" is not a number`},
		{"tensor not array", edit(func(m map[string]any) { params(m)["weight_ih"] = "w" }), "params.weight_ih: a string, want an array of 9 rows (3×hidden_size 3) of 2 numbers (input_size 2)"},
		{"row not array", edit(func(m map[string]any) { params(m)["weight_ih"].([]any)[7] = 1.5 }), "params.weight_ih[7]: a number, want an array of 2 numbers (input_size 2)"},
		{"normalization", edit(func(m map[string]any) { m["normalization"] = map[string]any{"mean": []float64{0}, "std": []float64{1}} }), "normalization: 1 means"},
		{"normalization std", edit(func(m map[string]any) {
			m["normalization"] = map[string]any{"mean": []float64{0, 0}, "std": []float64{1, 0}}
		}), "channel 1"},
	}
	for _, c := range cases {
		_, err := ParseFile([]byte(c.file), "m.json")
		if err == nil {
			t.Errorf("%s: accepted, want an error containing %q", c.name, c.want)
			continue
		}
		if !strings.Contains(err.Error(), c.want) || !strings.HasPrefix(err.Error(), "m.json: ") {
			t.Errorf("%s: error %q, want it to start with the file name and contain %q", c.name, err, c.want)
		}
	}
	// A value that overflows float64 is named with its row and column.
	i := strings.Index(good, `"bias_hc":[`) + len(`"bias_hc":[`)
	j := i + strings.IndexByte(good[i:], ',')
	bad := good[:i] + "1e999" + good[j:]
	if _, err := ParseFile([]byte(bad), "m.json"); err == nil || !strings.Contains(err.Error(), "m.json: params.bias_hc[0]: 1e999 is not a finite number") {
		t.Errorf("overflow: error %v", err)
	}
	// NaN and Infinity, which JSON has not but some writers put, are named
	// with the tensor and indices.
	marked := edit(func(m map[string]any) { params(m)["weight_hh"].([]any)[1].([]any)[2] = 12345.678 })
	for _, tok := range []string{"NaN", "-Infinity"} {
		bad = strings.Replace(marked, "12345.678", tok, 1)
		want := "m.json: params.weight_hh[1][2]: " + tok + " is not a finite number"
		if _, err := ParseFile([]byte(bad), "m.json"); err == nil || err.Error() != want {
			t.Errorf("%s: error %v, want %s", tok, err, want)
		}
	}
	// A NaN where the parameters are all right (in the free-form training
	// record) is JSON's syntax error.
	bad = strings.Replace(good, `"format":`, `"training":{"loss":NaN},"format":`, 1)
	if _, err := ParseFile([]byte(bad), "m.json"); err == nil || !strings.Contains(err.Error(), "invalid character 'N'") {
		t.Errorf("NaN in the training record: error %v, want JSON's syntax error", err)
	}
}

func TestModelFileWriteAtomic(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "m.json")
	n := NewNet[float64](SGRU, 1, 2)
	n.Init(1, CouplingPaper)
	if err := (&File{Net: n}).WriteFile(path); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(path)
	n.Params[0] = math.NaN()
	if err := (&File{Net: n}).WriteFile(path); err == nil || !strings.Contains(err.Error(), "weight_ih") {
		t.Fatalf("writing a NaN: error %v, want one naming weight_ih", err)
	}
	after, _ := os.ReadFile(path)
	if string(after) != string(before) {
		t.Error("a failed write changed the existing file")
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("%d files in the directory after a failed write, want 1", len(entries))
	}
}

// FuzzParseFile: the model file parser never panics, and what it accepts
// writes back to a file it reads the same.
func FuzzParseFile(f *testing.F) {
	f.Add(sampleFile(&testing.T{}, CGRU))
	f.Add(sampleFile(&testing.T{}, SGRU))
	f.Add([]byte(`{"format":"cgru-model","version":1,"kind":"sgru","input_size":1,"hidden_size":1,"params":{"weight_ih":[[1],[2],[3]],"weight_hh":[[1],[2],[3]],"bias_ih":[0,0,0],"bias_hh":[0,0,0]}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := ParseFile(b, "fuzz.json")
		if err != nil {
			return
		}
		out, err := m.Marshal()
		if err != nil {
			t.Fatalf("accepted file does not write back: %v", err)
		}
		m2, err := ParseFile(out, "again.json")
		if err != nil {
			t.Fatalf("written file refused: %v", err)
		}
		for i := range m.Net.Params {
			if m.Net.Params[i] != m2.Net.Params[i] {
				t.Fatalf("param %d: %g then %g", i, m.Net.Params[i], m2.Net.Params[i])
			}
		}
	})
}

func TestInit(t *testing.T) {
	a, b := NewNet[float64](CGRU, 9, 20), NewNet[float64](CGRU, 9, 20)
	a.Init(42, CouplingPaper)
	b.Init(42, CouplingPaper)
	for i := range a.Params {
		if a.Params[i] != b.Params[i] {
			t.Fatal("same seed, different parameters")
		}
	}
	k := 1 / math.Sqrt(20)
	for _, v := range a.Param("weight_hh") {
		if math.Abs(v) >= k {
			t.Fatalf("weight_hh value %g outside (−1/√H, 1/√H)", v)
		}
	}
	w := NewNet[float64](CGRU, 9, 20)
	w.Init(42, CouplingWeak)
	for _, v := range w.Param("bias_hc") {
		if v != -4 {
			t.Fatalf("weak coupling bias %g, want −4", v)
		}
	}
	var s, s2 float64
	hc := a.Param("weight_hc")
	for _, v := range hc {
		s += v
		s2 += v * v
	}
	if sd := math.Sqrt(s2 / float64(len(hc))); sd < 0.08 || sd > 0.12 {
		t.Errorf("paper coupling weights: sd %g, want ≈ 0.1", sd)
	}
}

// TestJSONError: syntax and type errors with their line and column (as
// the model file, a checkpoint and the CLI's JSON inputs report them);
// other errors unchanged.
func TestJSONError(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"{\"a\": 1,\n \"b\": }", "line 2, column 7: invalid character '}' looking for beginning of value"},
		{`{"a": "x"}`, "line 1, column 10: string where int is wanted"},
		{`{"a": 1`, "line 1, column 7: unexpected end of JSON input"},
	} {
		var v struct {
			A int `json:"a"`
		}
		err := json.Unmarshal([]byte(c.in), &v)
		if got := JSONError([]byte(c.in), err); got == nil || got.Error() != c.want {
			t.Errorf("%q: %v, want %q", c.in, got, c.want)
		}
	}
	other := errors.New("other")
	if got := JSONError(nil, other); got != other {
		t.Errorf("another error: %v", got)
	}
}

// TestCheckpointSizeError: a checkpoint whose vectors do not fit its
// network names the vector and both sizes.
func TestCheckpointSizeError(t *testing.T) {
	n := NewNet[float32](SGRU, 2, 3)
	n.Init(1, CouplingPaper)
	b, err := NewTrainState(n, DefaultTrainConfig).MarshalCheckpoint(nil)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	json.Unmarshal(b, &m)
	p := m["params"].([]any)
	m["params"] = p[:len(p)-1]
	b, _ = json.Marshal(m)
	const want = "c.ckpt: params has 62 values, want 63 (the sgru network's parameters: input_size 2, hidden_size 3)"
	if _, _, err := UnmarshalCheckpoint[float32](b, "c.ckpt"); err == nil || err.Error() != want {
		t.Errorf("error %v, want %s", err, want)
	}
}
