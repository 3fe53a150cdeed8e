package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"strconv"

	"github.com/cgru/cgru/model"
)

// Sequence files of DESIGN.md §5: a batch {"x": [N][T][I], "labels": [N]}
// and pairs {"a": [P][T][I], "b": [P][T][I]}. Errors name the file, the
// field and the indices: "batch.json: x[3][17]: 8 values, want 9".

// seq is one sequence [T][I], flat.
type seq struct {
	T int
	X []float64
}

// readSeqs decodes the array field name of a sequence file: sequences of
// input values each (T ≥ 1, T may differ between sequences).
func readSeqs(file, name string, raw json.RawMessage, input int) ([]seq, error) {
	var seqs [][][]json.Number
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	if err := d.Decode(&seqs); err != nil {
		return nil, fmt.Errorf("%s: %s: want an array of sequences, each an array of steps of %d numbers", file, name, input)
	}
	out := make([]seq, len(seqs))
	for n, s := range seqs {
		if len(s) == 0 {
			return nil, fmt.Errorf("%s: %s[%d]: empty sequence", file, name, n)
		}
		x := make([]float64, 0, len(s)*input)
		for t, step := range s {
			if len(step) != input {
				return nil, fmt.Errorf("%s: %s[%d][%d]: %d values, want %d (the model's input_size)", file, name, n, t, len(step), input)
			}
			for i, v := range step {
				f, err := strconv.ParseFloat(string(v), 64)
				if err != nil || math.IsInf(f, 0) {
					return nil, fmt.Errorf("%s: %s[%d][%d][%d]: %s is not a finite number", file, name, n, t, i, v)
				}
				x = append(x, f)
			}
		}
		out[n] = seq{T: len(s), X: x}
	}
	return out, nil
}

// readObject reads a JSON object from path, with line and column on a
// syntax error.
func readObject(path string) (map[string]json.RawMessage, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(b, &top); err != nil {
		return nil, fmt.Errorf("%s: %w", path, model.JSONError(b, err))
	}
	if top == nil {
		return nil, fmt.Errorf("%s: not a JSON object", path)
	}
	return top, nil
}

// readBatch reads a batch file: N ≥ 2 sequences of one length and their
// integer labels.
func readBatch(path string, input int) ([]seq, []int, error) {
	top, err := readObject(path)
	if err != nil {
		return nil, nil, err
	}
	raw, ok := top["x"]
	if !ok {
		return nil, nil, fmt.Errorf("%s: x: missing", path)
	}
	xs, err := readSeqs(path, "x", raw, input)
	if err != nil {
		return nil, nil, err
	}
	if len(xs) < 2 {
		return nil, nil, fmt.Errorf("%s: x: %d sequences, want at least 2 (the loss is over pairs)", path, len(xs))
	}
	for n, s := range xs {
		if s.T != xs[0].T {
			return nil, nil, fmt.Errorf("%s: x[%d]: %d steps, but x[0] has %d (a batch has one length)", path, n, s.T, xs[0].T)
		}
	}
	raw, ok = top["labels"]
	if !ok {
		return nil, nil, fmt.Errorf("%s: labels: missing", path)
	}
	var labels []int
	if err := json.Unmarshal(raw, &labels); err != nil {
		return nil, nil, fmt.Errorf("%s: labels: want an array of %d integers", path, len(xs))
	}
	if len(labels) != len(xs) {
		return nil, nil, fmt.Errorf("%s: labels: %d labels for %d sequences", path, len(labels), len(xs))
	}
	return xs, labels, nil
}

// readPairs reads a pairs file: a[p] and b[p] for p < P.
func readPairs(path string, input int) (a, b []seq, err error) {
	top, err := readObject(path)
	if err != nil {
		return nil, nil, err
	}
	for _, f := range []struct {
		name string
		dst  *[]seq
	}{{"a", &a}, {"b", &b}} {
		raw, ok := top[f.name]
		if !ok {
			return nil, nil, fmt.Errorf("%s: %s: missing", path, f.name)
		}
		if *f.dst, err = readSeqs(path, f.name, raw, input); err != nil {
			return nil, nil, err
		}
	}
	if len(a) != len(b) {
		return nil, nil, fmt.Errorf("%s: %d sequences in a, %d in b (pairs are a[p] with b[p])", path, len(a), len(b))
	}
	return a, b, nil
}
