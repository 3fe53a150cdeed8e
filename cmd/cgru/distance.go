package main

import (
	"fmt"
	"io"

	"github.com/cgru/cgru/model"
)

func runDistance(args []string, stdout io.Writer) error {
	fs := newFlags("distance", "--model M.json --pairs P.json [--backend cpu]",
		`Prints the distance of every pair of sequences in P.json,
{"a": [[[…I]…T]…P], "b": [[[…I]…T]…P]} (a[p] against b[p]), under the model
file M.json, as {"distances": [P numbers]}. Computed in float64. For a CGRU
both sequences of a pair need the same length.`)
	modelPath := fs.String("model", "", "model file (required)")
	pairsPath := fs.String("pairs", "", "pairs file (required)")
	backend := backendFlag(fs)
	if err := parseFlags(fs, args, stdout); err != nil {
		return err
	}
	if *modelPath == "" || *pairsPath == "" {
		return usageErrorf(fs, "--model and --pairs are required")
	}
	if err := checkBackend(fs, *backend); err != nil {
		return err
	}
	mf, err := model.ReadFile(*modelPath)
	if err != nil {
		return err
	}
	net := mf.Net
	a, b, err := readPairs(*pairsPath, net.Input)
	if err != nil {
		return err
	}
	d, err := pairDistances(net, a, b, *pairsPath)
	if err != nil {
		return err
	}
	return writeJSON(stdout, map[string]any{"distances": d})
}

// pairDistances computes d(a[p], b[p]) with the CPU engine, grouping pairs
// of equal lengths into batches.
func pairDistances(net *model.Net[float64], a, b []seq, file string) ([]float64, error) {
	d := make([]float64, len(a))
	type key struct{ ta, tb int }
	groups := map[key][]int{}
	var order []key
	for p := range a {
		k := key{a[p].T, b[p].T}
		if k.ta != k.tb && net.Kind == model.CGRU {
			return nil, fmt.Errorf("%s: pair %d: a has %d steps, b has %d: a CGRU runs a pair as one system and needs equal lengths", file, p, k.ta, k.tb)
		}
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k] = append(groups[k], p)
	}
	var e model.CPU[float64]
	for _, k := range order {
		ps := groups[k]
		if k.ta != k.tb { // SGRU pairs of unequal lengths: one by one
			for _, p := range ps {
				d[p] = e.Trace(net, a[p].X, b[p].X).Distance
			}
			continue
		}
		x := model.NewSeqs[float64](2*len(ps), k.ta, net.Input)
		pairs := make([]model.Pair, len(ps))
		for i, p := range ps {
			copy(x.Seq(i), a[p].X)
			copy(x.Seq(len(ps)+i), b[p].X)
			pairs[i] = model.Pair{A: int32(i), B: int32(len(ps) + i)}
		}
		for i, v := range e.Distances(net, x, pairs) {
			d[ps[i]] = v
		}
	}
	return d, nil
}
