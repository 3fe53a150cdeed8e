package main

import (
	"fmt"
	"io"

	"github.com/cgru/cgru/model"
)

func runDistance(args []string, stdout io.Writer) error {
	fs := newFlags("distance", "--model M.json --pairs P.json [--backend cpu|webgpu|auto]",
		`Prints the distance of every pair of sequences in P.json,
{"a": [[[…I]…T]…P], "b": [[[…I]…T]…P]} (a[p] against b[p]), under the model
file M.json, as {"distances": [P numbers]}. Computed in float64 on the CPU
engine; with --backend webgpu, or auto when it finds a hardware GPU, in
float32 on the GPU (SGRU pairs of unequal lengths still run on the CPU, in
float64). When auto runs the CPU engine, the result is that of --backend cpu.
For a CGRU both sequences of a pair need the same length.`)
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
	var eng *engine
	if *backend != "cpu" {
		if eng, err = openEngine(*backend, 0); err != nil {
			return err
		}
		defer eng.close()
	}
	d, err := pairDistances(net, a, b, *pairsPath, eng)
	if err != nil {
		return err
	}
	return writeJSON(stdout, map[string]any{"distances": d})
}

// pairDistances computes d(a[p], b[p]) with the float64 CPU engine, or with
// eng's GPU (float32) when it has one (eng.gpu64), grouping pairs of equal
// lengths into batches.
func pairDistances(net *model.Net[float64], a, b []seq, file string, eng *engine) ([]float64, error) {
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
		var dd []float64
		if g := eng.gpu64(); g != nil {
			x32 := model.NewSeqs[float32](x.N, x.T, x.I)
			for i, v := range x.X {
				x32.X[i] = float32(v)
			}
			var err error
			if dd, err = g.DistancesErr(model.Convert[float32](net), x32, pairs); err != nil {
				if err = eng.gpu64Failed(err); err != nil {
					return nil, err
				}
				dd = nil
			}
		}
		if dd == nil {
			dd = e.Distances(net, x, pairs)
		}
		for i, v := range dd {
			d[ps[i]] = v
		}
	}
	return d, nil
}
