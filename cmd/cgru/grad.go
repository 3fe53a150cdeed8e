package main

import (
	"io"

	"github.com/cgru/cgru/model"
)

// lossFlags are the flags that choose a loss and its parameters.
type lossFlags struct {
	name                   *string
	margin                 *float64
	alpha, tau, beta, tgap *float64
}

func addLossFlags(fs interface {
	String(string, string, string) *string
	Float64(string, float64, string) *float64
}) *lossFlags {
	return &lossFlags{
		name:   fs.String("loss", "contrastive", "loss: contrastive or structural (DESIGN.md §3)"),
		margin: fs.Float64("margin", 1, "contrastive: margin m"),
		alpha:  fs.Float64("alpha", 1, "structural: α in J_ij"),
		tau:    fs.Float64("tau", 1, "structural: temperature τ of the weights w_ij"),
		beta:   fs.Float64("beta", 1, "structural: weight β of the global term"),
		tgap:   fs.Float64("t", 1, "structural: margin t between mean positive and negative distance"),
	}
}

// loss returns the chosen loss, or "" and false for an unknown name.
func (l *lossFlags) loss() (model.Loss, bool) {
	switch *l.name {
	case "contrastive":
		return model.Contrastive{Margin: *l.margin}, true
	case "structural":
		if !(*l.tau > 0) {
			return nil, false
		}
		return model.Structural{Alpha: *l.alpha, Tau: *l.tau, Beta: *l.beta, T: *l.tgap}, true
	}
	return nil, false
}

func runGrad(args []string, stdout io.Writer) error {
	fs := newFlags("grad", "--model M.json --batch B.json --loss contrastive|structural [--margin m] [--alpha a --tau τ --beta b --t t] [--backend cpu|webgpu|auto]",
		`Prints the loss of the batch B.json, {"x": [[[…I]…T]…N], "labels": [N ints]},
over all its pairs i<j, the pair distances (row-major: (0,1), (0,2), …, (1,2), …)
and the gradient of that loss alone (no weight decay, no coupling penalty)
for every parameter of M.json, in the shapes of the model file:
{"loss": L, "distances": […], "grads": {"weight_ih": [[…]], …}}.
Computed in float64 on the CPU engine; with --backend webgpu, or auto when
it finds a hardware GPU, in float32 on the GPU. When auto runs the CPU engine,
the result is that of --backend cpu.`)
	modelPath := fs.String("model", "", "model file (required)")
	batchPath := fs.String("batch", "", "batch file (required)")
	lf := addLossFlags(fs)
	backend := backendFlag(fs)
	if err := parseFlags(fs, args, stdout); err != nil {
		return err
	}
	if *modelPath == "" || *batchPath == "" {
		return usageErrorf(fs, "--model and --batch are required")
	}
	loss, ok := lf.loss()
	if !ok {
		return usageErrorf(fs, "--loss %q (tau %g): want contrastive, or structural with tau > 0", *lf.name, *lf.tau)
	}
	if err := checkBackend(fs, *backend); err != nil {
		return err
	}
	mf, err := model.ReadFile(*modelPath)
	if err != nil {
		return err
	}
	net := mf.Net
	xs, labels, err := readBatch(*batchPath, net.Input)
	if err != nil {
		return err
	}
	x := model.NewSeqs[float64](len(xs), xs[0].T, net.Input)
	for n, s := range xs {
		copy(x.Seq(n), s.X)
	}
	grad := make([]float64, len(net.Params))
	var l float64
	var d []float64
	var eng *engine
	if *backend != "cpu" {
		if eng, err = openEngine(*backend, 0); err != nil {
			return err
		}
		defer eng.close()
	}
	onGPU := false
	if g := eng.gpu64(); g != nil { // float32 on the GPU
		x32 := model.NewSeqs[float32](x.N, x.T, x.I)
		for i, v := range x.X {
			x32.X[i] = float32(v)
		}
		g32 := make([]float32, len(grad))
		if l, d, err = g.LossGradErr(model.Convert[float32](net), x32, labels, loss, g32); err != nil {
			if err = eng.gpu64Failed(err); err != nil {
				return err
			}
		} else {
			onGPU = true
			for i, v := range g32 {
				grad[i] = float64(v)
			}
		}
	}
	if !onGPU { // float64 on the CPU engine, as --backend cpu
		var e model.CPU[float64]
		l, d = e.LossGrad(net, x, labels, loss, grad)
	}
	grads := map[string]any{}
	for _, t := range net.Layout().Tensors {
		g := grad[t.Off : t.Off+t.Size()]
		if t.Vector {
			grads[t.Name] = g
			continue
		}
		rows := make([][]float64, t.Rows)
		for i := range rows {
			rows[i] = g[i*t.Cols : (i+1)*t.Cols]
		}
		grads[t.Name] = rows
	}
	return writeJSON(stdout, map[string]any{"loss": l, "distances": d, "grads": grads})
}
