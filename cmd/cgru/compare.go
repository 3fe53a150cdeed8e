package main

import (
	"encoding/csv"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/cgru/cgru/data"
	"github.com/cgru/cgru/model"
)

// compareWindow names one window of `cgru compare`.
type compareWindow struct {
	ID    string `json:"id"`
	Split string `json:"split"` // where the ID was found: test or train
	Label string `json:"label"` // class name
	Class int    `json:"class"` // class index
}

// compareResult is what `cgru compare --json` prints. MeanGate is null for
// an SGRU.
type compareResult struct {
	Model     string        `json:"model"`
	Kind      model.Kind    `json:"kind"`
	A         compareWindow `json:"a"`
	B         compareWindow `json:"b"`
	Distance  float64       `json:"distance"`
	T         int           `json:"T"`
	H         int           `json:"H"`
	SyncError []float64     `json:"sync_error"` // [T] ‖h_t − h'_t‖
	MeanGate  []float64     `json:"mean_gate"`  // [T] mean of c_t over the hidden units (CGRU)
	H1        [][]float64   `json:"h1"`         // [T][H] h_t
	H2        [][]float64   `json:"h2"`         // [T][H] h'_t
}

func runCompare(args []string, stdout io.Writer) error {
	fs := newFlags("compare", "--model M.json [--data PATH|embedded] --a ID --b ID [--split test|train] [--json|--csv]",
		`Runs the pair of windows with IDs --a and --b through the model and prints
their distance and, for every time step t = 1…T, both hidden states h_t and
h'_t, their synchronization error ‖h_t − h'_t‖ and (CGRU) the mean coupling
gate. For an SGRU each window runs alone.

IDs are the dataset's window IDs: on UCI HAR and the embedded subset
"test/17" is line 17 of the test files ("cgru data --list" lists them). Each ID is
looked up in --split first, then in the other split. The model file's
normalisation, if any, is applied. Computed in float64.

--csv prints one row per step: t, sync_error, mean_gate (empty for an SGRU),
h1_0 … h1_{H-1}, h2_0 … h2_{H-1}.`)
	modelPath := fs.String("model", "", "model file (required)")
	dataPath := fs.String("data", "embedded", "dataset: embedded, a UCI HAR folder or zip, or a CSV file")
	idA := fs.String("a", "", "ID of the first window (required)")
	idB := fs.String("b", "", "ID of the second window (required)")
	splitName := fs.String("split", "test", "split searched first for the IDs: test or train")
	backend := backendFlag(fs)
	asJSON := fs.Bool("json", false, "print JSON")
	asCSV := fs.Bool("csv", false, "print CSV, one row per time step")
	if err := parseFlags(fs, args, stdout); err != nil {
		return err
	}
	switch {
	case *modelPath == "" || *idA == "" || *idB == "":
		return usageErrorf(fs, "--model, --a and --b are required")
	case *splitName != "test" && *splitName != "train":
		return usageErrorf(fs, "--split %q: want test or train", *splitName)
	case *asJSON && *asCSV:
		return usageErrorf(fs, "--json and --csv exclude each other")
	}
	if err := checkBackend(fs, *backend); err != nil {
		return err
	}
	if *backend != "cpu" {
		// A trace records every step of one pair: nothing for a GPU to
		// speed up, and it is computed in float64.
		return usageErrorf(fs, "--backend %s: compare traces one pair step by step in float64 on the CPU engine; use --backend cpu", *backend)
	}
	mf, split, err := loadModelAndData(*modelPath, *dataPath)
	if err != nil {
		return err
	}
	order := []struct {
		name string
		d    *data.Dataset
	}{{"test", split.Test}, {"train", split.Train}}
	if *splitName == "train" {
		order[0], order[1] = order[1], order[0]
	}
	find := func(id string) (compareWindow, []float64, error) {
		for _, s := range order {
			if i := slices.Index(s.d.IDs, id); i >= 0 {
				x := make([]float64, len(s.d.Window(i)))
				for k, v := range s.d.Window(i) {
					x[k] = float64(v)
				}
				l := s.d.Labels[i]
				return compareWindow{ID: id, Split: s.name, Label: classOf(s.d.ClassNames, l), Class: l}, x, nil
			}
		}
		return compareWindow{}, nil, fmt.Errorf("%s: no window with ID %q in the %s or %s split (IDs look like %s)",
			*dataPath, id, order[0].name, order[1].name, exampleIDs(split))
	}
	wa, xa, err := find(*idA)
	if err != nil {
		return err
	}
	wb, xb, err := find(*idB)
	if err != nil {
		return err
	}
	e := &model.CPU[float64]{Threads: 1}
	tr := e.Trace(mf.Net, xa, xb)
	res := compareResult{Model: *modelPath, Kind: mf.Net.Kind, A: wa, B: wb, Distance: tr.Distance, T: tr.T, H: tr.H,
		SyncError: tr.SyncError(), MeanGate: tr.MeanGate(), H1: tr.H1, H2: tr.H2}
	switch {
	case *asJSON:
		return writeJSON(stdout, res)
	case *asCSV:
		return writeCompareCSV(stdout, res)
	}
	printCompare(stdout, res)
	return nil
}

// exampleIDs quotes the first ID of each split, for error messages.
func exampleIDs(s *data.Split) string {
	var ex []string
	for _, d := range []*data.Dataset{s.Test, s.Train} {
		if len(d.IDs) > 0 {
			ex = append(ex, strconv.Quote(d.IDs[0]))
		}
	}
	return strings.Join(ex, " or ")
}

func writeCompareCSV(w io.Writer, r compareResult) error {
	cw := csv.NewWriter(w)
	head := []string{"t", "sync_error", "mean_gate"}
	for _, p := range []string{"h1_", "h2_"} {
		for k := 0; k < r.H; k++ {
			head = append(head, p+strconv.Itoa(k))
		}
	}
	cw.Write(head)
	num := func(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
	for t := 0; t < r.T; t++ {
		row := []string{strconv.Itoa(t + 1), num(r.SyncError[t]), ""}
		if r.MeanGate != nil {
			row[2] = num(r.MeanGate[t])
		}
		for _, h := range [][]float64{r.H1[t], r.H2[t]} {
			for _, v := range h {
				row = append(row, num(v))
			}
		}
		cw.Write(row)
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("writing the result: %w", err)
	}
	return nil
}

func printCompare(w io.Writer, r compareResult) {
	fmt.Fprintf(w, "%s model %s\na = %s (%s split, %s)\nb = %s (%s split, %s)\ndistance ‖h_T − h'_T‖ = %.6g (T = %d, H = %d)\n\n",
		r.Kind, r.Model, r.A.ID, r.A.Split, r.A.Label, r.B.ID, r.B.Split, r.B.Label, r.Distance, r.T, r.H)
	fmt.Fprintf(w, "%4s %10s", "t", "‖h−h'‖")
	if r.MeanGate != nil {
		fmt.Fprintf(w, " %9s", "mean c")
	}
	fmt.Fprintf(w, "   h_t (%d values) | h'_t (%d values)\n", r.H, r.H)
	for t := 0; t < r.T; t++ {
		fmt.Fprintf(w, "%4d %10.5f", t+1, r.SyncError[t])
		if r.MeanGate != nil {
			fmt.Fprintf(w, " %9.5f", r.MeanGate[t])
		}
		fmt.Fprint(w, "  ")
		for _, v := range r.H1[t] {
			fmt.Fprintf(w, " %7.4f", v)
		}
		fmt.Fprint(w, " |")
		for _, v := range r.H2[t] {
			fmt.Fprintf(w, " %7.4f", v)
		}
		fmt.Fprintln(w)
	}
}
