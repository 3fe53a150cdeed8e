package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"

	"github.com/cgru/cgru/gpu"
	"github.com/cgru/cgru/model"
)

// backendFlag adds --backend to fs.
func backendFlag(fs *flag.FlagSet) *string {
	return fs.String("backend", "cpu", "engine: cpu (pure Go), webgpu (WGSL shaders through WebGPU on any adapter, a software one such as "+
		"Mesa's lavapipe included; an error without one) or auto (WebGPU when a hardware adapter works and passes a self-test, else cpu: "+
		"a software adapter is slower than cpu, so auto passes it over and says so; on a GPU failure mid-run it continues on cpu)")
}

// checkBackend refuses unknown backends.
func checkBackend(fs *flag.FlagSet, b string) error {
	switch b {
	case "cpu", "webgpu", "auto":
		return nil
	}
	return usageErrorf(fs, "--backend %q: want cpu, webgpu or auto", b)
}

// engine is the float32 engine a command runs on, and what it is.
type engine struct {
	model.Engine[float32]
	Backend string // what runs: "cpu" or "webgpu"
	Adapter string // the GPU adapter
	Reason  string // why the CPU runs ("" for --backend cpu)

	gpuFailed bool // the GPU failed under auto in gpu64 (distance, grad)
}

// openEngine returns the engine of --backend (threads for the CPU engine)
// and, unless it is plain cpu, says on stderr what runs: the adapter, or why
// auto runs the CPU engine (and later, if the GPU fails, that it fell back).
func openEngine(backend string, threads int) (*engine, error) {
	c, err := gpu.ChooseWith(context.Background(), backend, threads, gpu.Options{OnFallback: func(reason string) {
		fmt.Fprintf(stderr, "cgru: %s\n", reason)
	}})
	if err != nil {
		return nil, fmt.Errorf("--backend %s: %w", backend, err)
	}
	e := &engine{Engine: c.Engine, Backend: c.Backend, Adapter: c.Adapter}
	if backend != "cpu" {
		e.Reason = c.Reason
		if c.Backend == "webgpu" {
			fmt.Fprintf(stderr, "cgru: backend webgpu on %s\n", c.Adapter)
		} else {
			fmt.Fprintf(stderr, "cgru: backend cpu: %s\n", c.Reason)
		}
	}
	return e, nil
}

// status returns what runs now (after a fallback of auto: cpu and why).
func (e *engine) status() (backend, reason string) {
	if a, ok := e.Engine.(*gpu.Auto); ok {
		return a.Status()
	}
	return e.Backend, e.Reason
}

// close releases the GPU, if any.
func (e *engine) close() {
	switch g := e.Engine.(type) {
	case *gpu.Engine:
		g.Close()
	case *gpu.Auto:
		if ge := g.GPU(); ge != nil {
			ge.Close()
		}
	}
}

// distances is Distances with the GPU's failure as an error (--backend
// webgpu has no fallback).
func (e *engine) distances(net *model.Net[float32], x model.Seqs[float32], pairs []model.Pair) ([]float64, error) {
	if g, ok := e.Engine.(*gpu.Engine); ok {
		return g.DistancesErr(net, x, pairs)
	}
	return e.Distances(net, x, pairs), nil
}

// gpu64 is the GPU engine for the commands that compute in float64 on the
// CPU (distance, grad): the GPU engine of --backend webgpu, or of auto while
// it runs a GPU, else nil (e nil, auto on the CPU engine, or after a GPU
// failure under auto), and then the caller takes its float64 CPU path, so
// that auto without a usable hardware GPU gives exactly what --backend cpu
// gives, not the float32 CPU engine's results.
func (e *engine) gpu64() *gpu.Engine {
	if e == nil || e.gpuFailed {
		return nil
	}
	switch g := e.Engine.(type) {
	case *gpu.Engine:
		return g
	case *gpu.Auto:
		return g.GPU()
	}
	return nil
}

// gpu64Failed handles a failure of gpu64's engine: under --backend webgpu
// it returns err; under auto it says on stderr that the float64 CPU engine
// continues, makes gpu64 return nil from now on and returns nil.
func (e *engine) gpu64Failed(err error) error {
	if _, ok := e.Engine.(*gpu.Auto); !ok {
		return err
	}
	fmt.Fprintf(stderr, "cgru: the GPU failed, the float64 CPU engine continues: %v\n", err)
	e.gpuFailed = true
	return nil
}

// matrixChunk is the number of pairs per Distances call of distanceMatrix
// (progress is reported after each).
const matrixChunk = 16384

// distanceMatrix is model.DistanceMatrix for any engine: d[i·nr + j] =
// d(q_i, r_j). The CPU engine uses model.DistanceMatrix; another engine gets
// the pairs (i, nq+j) of the batch q ++ r, a block of query rows at a time.
func (e *engine) distanceMatrix(net *model.Net[float32], q, r model.Seqs[float32], progress func(done, total int)) ([]float64, error) {
	if c, ok := e.Engine.(*model.CPU[float32]); ok {
		return model.DistanceMatrix(c, net, q, r, progress), nil
	}
	if q.T != r.T || q.I != r.I {
		panic(fmt.Sprintf("cgru: distance matrix of queries [%d][%d] and references [%d][%d]", q.T, q.I, r.T, r.I))
	}
	nq, nr := q.N, r.N
	d := make([]float64, nq*nr)
	x := model.Seqs[float32]{N: nq + nr, T: q.T, I: q.I, X: append(append([]float32(nil), q.X...), r.X...)}
	rows := max(1, matrixChunk/max(nr, 1))
	for first := 0; first < nq; first += rows {
		n := min(rows, nq-first)
		pairs := make([]model.Pair, 0, n*nr)
		for i := first; i < first+n; i++ {
			for j := 0; j < nr; j++ {
				pairs = append(pairs, model.Pair{A: int32(i), B: int32(nq + j)})
			}
		}
		dd, err := e.distances(net, x, pairs)
		if err != nil {
			return nil, err
		}
		copy(d[first*nr:], dd)
		if progress != nil {
			progress((first+n)*nr, nq*nr)
		}
	}
	if progress != nil && nq == 0 {
		progress(0, 0)
	}
	return d, nil
}

// writeJSON writes v as one line of JSON.
func writeJSON(w io.Writer, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	if err != nil {
		return fmt.Errorf("writing the result: %w", err)
	}
	return nil
}
