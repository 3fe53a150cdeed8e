package model

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// FileFormat and FileVersion identify a model file (DESIGN.md §5).
const (
	FileFormat  = "cgru-model"
	FileVersion = 1
)

// File is a model file: a network in float64 and optional records. Fields
// this version does not know are kept in Extra and written back.
//
//	{"format": "cgru-model", "version": 1, "kind": "cgru" | "sgru",
//	 "input_size": I, "hidden_size": H,
//	 "params": {"weight_ih": [[…]], "weight_hh": [[…]], "bias_ih": […], "bias_hh": […],
//	            "weight_hc": [[…]], "bias_hc": […]},
//	 "coupling_init": "paper" | "weak", "normalization": {"mean": […], "std": […]},
//	 "training": {…}, "dataset": "…"}
//
// Matrices are row-major arrays of rows, with the names and shapes of
// torch.nn.GRU.
type File struct {
	Net *Net[float64]
	// CouplingInit records how the coupling was initialised (CGRU).
	CouplingInit CouplingInit
	// Normalization, if not nil, is the per-channel standardisation the
	// network was trained with: x' = (x − Mean)/Std.
	Normalization *Normalization
	// Dataset names the data the network was trained on.
	Dataset string
	// Training is a record of how the network was trained: a
	// [TrainRecord] in the files cgru train and the web page write, kept
	// as raw JSON so that a record of another writer survives a round trip.
	Training json.RawMessage
	// Extra holds the fields this version does not know.
	Extra map[string]json.RawMessage
}

// Normalization is a per-channel standardisation.
type Normalization struct {
	Mean []float64 `json:"mean"`
	Std  []float64 `json:"std"`
}

// known lists the top-level fields File handles itself.
var known = []string{"format", "version", "kind", "input_size", "hidden_size", "params",
	"coupling_init", "normalization", "dataset", "training"}

// ErrEvalResult is wrapped by ParseFile's error for the JSON output of
// cgru eval or cgru baseline given as a model file.
var ErrEvalResult = errors.New("this looks like a cgru eval result (it has accuracy and confusion), not a model file")

// ReadFile reads and validates the model file at path.
func ReadFile(path string) (*File, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return ParseFile(b, path)
}

// ParseFile parses and validates a model file; name is used in errors,
// which name the offending field ("params.weight_hh[3] has 19 values, want
// 20 (hidden_size 20)", "params.bias_ih[4]: NaN is not a finite number"),
// or the line and column of a JSON syntax error. NaN and Infinity, which
// JSON has not but some writers put, are named like any bad value.
func ParseFile(b []byte, name string) (*File, error) {
	fail := func(format string, a ...any) error {
		return fmt.Errorf("%s: %s", name, fmt.Sprintf(format, a...))
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(b, &top); err != nil {
		// NaN or Infinity where JSON wants a number: parse the file with
		// them quoted, so that the error names the tensor and indices; if
		// that finds no fault, the syntax error stands.
		var se *json.SyntaxError
		if q, ok := quoteNonFinite(b); errors.As(err, &se) && ok {
			if _, qerr := ParseFile(q, name); qerr != nil {
				return nil, qerr
			}
		}
		return nil, fmt.Errorf("%s: %w", name, JSONError(b, err))
	}
	if top == nil {
		return nil, fail("not a JSON object")
	}
	var format string
	if err := field(top, "format", &format, true); err != nil || format != FileFormat {
		if err == nil {
			err = fmt.Errorf("%q, want %q", format, FileFormat)
		}
		_, acc := top["accuracy"]
		_, conf := top["confusion"]
		if _, ok := top["format"]; !ok && acc && conf {
			// The JSON of cgru eval (or cgru baseline), given where a
			// model file is wanted: say so rather than only "missing".
			return nil, fmt.Errorf("%s: format: missing: %w", name, ErrEvalResult)
		}
		return nil, fail("format: %v", err)
	}
	var version int
	if err := field(top, "version", &version, true); err != nil {
		return nil, fail("version: %v", err)
	}
	if version != FileVersion {
		return nil, fail("version: %d, this cgru reads version %d", version, FileVersion)
	}
	var kindName string
	if err := field(top, "kind", &kindName, true); err != nil {
		return nil, fail("kind: %v", err)
	}
	kind, err := ParseKind(kindName)
	if err != nil {
		return nil, fail("kind: %v", err)
	}
	var in, hid int
	if err := field(top, "input_size", &in, true); err != nil || in <= 0 {
		if err == nil {
			err = fmt.Errorf("%d, want a positive integer", in)
		}
		return nil, fail("input_size: %v", err)
	}
	if err := field(top, "hidden_size", &hid, true); err != nil || hid <= 0 {
		if err == nil {
			err = fmt.Errorf("%d, want a positive integer", hid)
		}
		return nil, fail("hidden_size: %v", err)
	}
	if in > 1<<16 || hid > 1<<12 {
		return nil, fail("input_size %d, hidden_size %d: too large (at most 65536 and 4096)", in, hid)
	}
	var raw map[string]json.RawMessage
	if err := field(top, "params", &raw, true); err != nil {
		return nil, fail("params: %v", err)
	}
	net := NewNet[float64](kind, in, hid)
	if err := ParseParams(net, raw); err != nil {
		return nil, fail("%v", err)
	}
	f := &File{Net: net}
	var ci string
	if err := field(top, "coupling_init", &ci, false); err != nil {
		return nil, fail("coupling_init: %v", err)
	}
	if ci != "" {
		if f.CouplingInit, err = ParseCouplingInit(ci); err != nil {
			return nil, fail("coupling_init: %v", err)
		}
	}
	if err := field(top, "normalization", &f.Normalization, false); err != nil {
		return nil, fail("normalization: %v", err)
	}
	if nm := f.Normalization; nm != nil {
		if len(nm.Mean) != in || len(nm.Std) != in {
			return nil, fail("normalization: %d means and %d stds, want %d (input_size)", len(nm.Mean), len(nm.Std), in)
		}
		for i, s := range nm.Std {
			if !(s > 0) || math.IsInf(s, 0) || math.IsNaN(nm.Mean[i]) || math.IsInf(nm.Mean[i], 0) {
				return nil, fail("normalization: channel %d: mean %g, std %g (std must be positive and finite)", i, nm.Mean[i], s)
			}
		}
	}
	if err := field(top, "dataset", &f.Dataset, false); err != nil {
		return nil, fail("dataset: %v", err)
	}
	f.Training = top["training"]
	for k, v := range top {
		if !slices.Contains(known, k) {
			if f.Extra == nil {
				f.Extra = map[string]json.RawMessage{}
			}
			f.Extra[k] = v
		}
	}
	return f, nil
}

// field decodes top[name] into v; a missing field is an error if required.
func field(top map[string]json.RawMessage, name string, v any, required bool) error {
	r, ok := top[name]
	if !ok {
		if required {
			return errors.New("missing")
		}
		return nil
	}
	if err := json.Unmarshal(r, v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return fmt.Errorf("%s where %s is wanted", te.Value, te.Type)
		}
		return err
	}
	return nil
}

// ParseParams fills net.Params from a JSON object of named tensors in the
// shapes of net's layout. Every tensor of the layout must be present and
// every value a finite number within float32's range (the engines that
// train and evaluate run in float32); errors name the tensor, the value's indices
// (0-based) and the value, or the size found and the size wanted with
// where it comes from ("params.weight_hh[3][1]: NaN is not a finite
// number", "params.weight_ih has 59 rows, want 60 (3×hidden_size 20)").
// Tensors the layout does not have are refused.
func ParseParams[F Float](net *Net[F], raw map[string]json.RawMessage) error {
	l := net.Layout()
	for name := range raw {
		if _, ok := l.Tensor(name); !ok {
			return fmt.Errorf("params.%s: not a parameter of a %s network", name, net.Kind)
		}
	}
	for _, t := range l.Tensors {
		r, ok := raw[t.Name]
		if !ok {
			return fmt.Errorf("params.%s: missing (a %s network has %v)", t.Name, net.Kind, tensorNames(l))
		}
		dst := net.Params[t.Off : t.Off+t.Size()]
		path := "params." + t.Name
		if t.Vector {
			if err := parseRow(dst, r, path, l.sizeName(t.Rows)); err != nil {
				return err
			}
			continue
		}
		var rows []json.RawMessage
		if err := json.Unmarshal(r, &rows); err != nil {
			return fmt.Errorf("%s: %s, want an array of %d rows (%s) of %d numbers (%s)", path, jsonKind(r),
				t.Rows, l.sizeName(t.Rows), t.Cols, l.sizeName(t.Cols))
		}
		if len(rows) != t.Rows {
			return fmt.Errorf("%s has %d rows, want %d (%s)", path, len(rows), t.Rows, l.sizeName(t.Rows))
		}
		for i, row := range rows {
			if err := parseRow(dst[i*t.Cols:(i+1)*t.Cols], row, fmt.Sprintf("%s[%d]", path, i), l.sizeName(t.Cols)); err != nil {
				return err
			}
		}
	}
	return nil
}

// sizeName says where a tensor size of l comes from: "3×hidden_size 20",
// "hidden_size 20" or "input_size 9".
func (l Layout) sizeName(n int) string {
	switch n {
	case 3 * l.Hidden:
		return fmt.Sprintf("3×hidden_size %d", l.Hidden)
	case l.Hidden:
		return fmt.Sprintf("hidden_size %d", l.Hidden)
	case l.Input:
		return fmt.Sprintf("input_size %d", l.Input)
	}
	return strconv.Itoa(n)
}

// jsonKind names what a JSON value is, for errors: "an object", "a
// string", "a number", "null"...
func jsonKind(r json.RawMessage) string {
	r = bytes.TrimSpace(r)
	if len(r) == 0 {
		return "nothing"
	}
	switch r[0] {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	}
	return "a number"
}

func tensorNames(l Layout) []string {
	var s []string
	for _, t := range l.Tensors {
		s = append(s, t.Name)
	}
	return s
}

// parseRow parses a JSON array of exactly len(dst) finite numbers; path
// names the array and size where its length comes from.
func parseRow[F Float](dst []F, r json.RawMessage, path, size string) error {
	var vals []json.RawMessage
	if err := json.Unmarshal(r, &vals); err != nil {
		return fmt.Errorf("%s: %s, want an array of %d numbers (%s)", path, jsonKind(r), len(dst), size)
	}
	if len(vals) != len(dst) {
		return fmt.Errorf("%s has %d values, want %d (%s)", path, len(vals), len(dst), size)
	}
	for i, raw := range vals {
		v, err := strconv.ParseFloat(string(raw), 64)
		switch {
		case len(raw) > 0 && raw[0] == '"' && nonFinite[string(raw)]:
			// A NaN or Infinity token, quoted by ParseFile (see unquoteNonFinite).
			return fmt.Errorf("%s[%d]: %s is not a finite number", path, i, strings.Trim(string(raw), `"`))
		case jsonKind(raw) != "a number":
			return fmt.Errorf("%s[%d]: %s is not a number", path, i, raw)
		case err != nil || math.IsInf(v, 0) || math.IsInf(float64(F(v)), 0):
			return fmt.Errorf("%s[%d]: %s is not a finite number", path, i, raw)
		case math.Abs(v) > math.MaxFloat32:
			// The float32 engines (training, eval, the GPU) would make it
			// Inf: refused in a float64 network too, as the datasets
			// refuse such a value (data.ErrRange).
			return fmt.Errorf("%s[%d]: %s is out of float32 range", path, i, raw)
		}
		dst[i] = F(v)
	}
	return nil
}

// nonFinite are the tokens that some JSON writers (Python's json, for
// one) put for values JSON cannot hold, as quoteNonFinite quotes them.
var nonFinite = map[string]bool{`"NaN"`: true, `"Infinity"`: true, `"-Infinity"`: true}

// quoteNonFinite returns b with the bare tokens NaN, Infinity and
// -Infinity outside strings quoted, and whether it found any: a model file
// written by a tool that writes them parses, and its parameters are then
// refused with the tensor and indices named (ParseParams).
func quoteNonFinite(b []byte) ([]byte, bool) {
	var out []byte
	found, inString, escaped := false, false, false
	for i := 0; i < len(b); i++ {
		c := b[i]
		if inString {
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
			out = append(out, c)
			continue
		}
		if c == '"' {
			inString = true
			out = append(out, c)
			continue
		}
		tok := ""
		for _, t := range []string{"NaN", "Infinity", "-Infinity"} {
			if bytes.HasPrefix(b[i:], []byte(t)) {
				tok = t
			}
		}
		if tok == "" {
			out = append(out, c)
			continue
		}
		found = true
		out = append(out, '"')
		out = append(out, tok...)
		out = append(out, '"')
		i += len(tok) - 1
	}
	return out, found
}

// JSONError describes an error of json.Unmarshal on b for a person: a
// syntax error or a value of the wrong type with its line and column
// ("line 3, column 16: invalid character ',' …", "line 1, column 20:
// string where float64 is wanted"), a truncated input as such; other
// errors unchanged. The model file and the CLI's JSON inputs report their
// errors with it.
func JSONError(b []byte, err error) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		line, col := lineCol(b, se.Offset-1) // Offset is just past the bad byte
		return fmt.Errorf("line %d, column %d: %v", line, col, se)
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		line, col := lineCol(b, te.Offset)
		return fmt.Errorf("line %d, column %d: %s where %s is wanted", line, col, te.Value, te.Type)
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return errors.New("unexpected end of file (truncated?)")
	}
	return err
}

// lineCol converts a byte offset into a 1-based line and column.
func lineCol(b []byte, off int64) (int, int) {
	off = max(0, min(off, int64(len(b))))
	line := 1 + bytes.Count(b[:off], []byte("\n"))
	col := int(off) - bytes.LastIndexByte(b[:off], '\n')
	return line, col
}

// Marshal encodes f as a model file.
func (f *File) Marshal() ([]byte, error) {
	n := f.Net
	l := n.Layout()
	for i, v := range n.Params {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			t := tensorAt(l, i)
			return nil, fmt.Errorf("model: %s has a non-finite value (%g) at index %d", t.Name, v, i-t.Off)
		}
	}
	params := map[string]any{}
	for _, t := range l.Tensors {
		p := n.Params[t.Off : t.Off+t.Size()]
		if t.Vector {
			params[t.Name] = p
			continue
		}
		rows := make([][]float64, t.Rows)
		for i := range rows {
			rows[i] = p[i*t.Cols : (i+1)*t.Cols]
		}
		params[t.Name] = rows
	}
	top := map[string]any{}
	for k, v := range f.Extra {
		top[k] = v
	}
	top["format"] = FileFormat
	top["version"] = FileVersion
	top["kind"] = n.Kind
	top["input_size"] = n.Input
	top["hidden_size"] = n.Hidden
	top["params"] = params
	if f.CouplingInit != "" {
		top["coupling_init"] = f.CouplingInit
	}
	if f.Normalization != nil {
		top["normalization"] = f.Normalization
	}
	if f.Dataset != "" {
		top["dataset"] = f.Dataset
	}
	if len(f.Training) > 0 {
		top["training"] = f.Training
	}
	b, err := json.Marshal(top)
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// tensorAt returns the tensor holding flat index i.
func tensorAt(l Layout, i int) Tensor {
	for _, t := range l.Tensors {
		if i < t.Off+t.Size() {
			return t
		}
	}
	return Tensor{}
}

// WriteFile writes f to path atomically: to a temporary file in the same
// directory, renamed over path once complete, so that an existing model is
// never left half-written.
func (f *File) WriteFile(path string) error {
	b, err := f.Marshal()
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".cgru-model-*.json")
	if err != nil {
		return err
	}
	if err := tmp.Chmod(0o644); err != nil { // CreateTemp makes it 0600
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return nil
}
