package baseline

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// twoClasses makes a synthetic problem where only the order of the values
// of channel 0 tells the classes apart: class 0 ramps up from 0 to 1, class
// 1 ramps down, both with small jitter; channels 1 and 2 are loud Gaussian
// noise (σ = 1.5) that swamps the signal for plain DTW. A projection onto
// channel 0 separates the classes, but only through the alignment: the
// values of channel 0 have the same distribution in both classes. Lengths
// vary from 25 to 35.
func twoClasses(seed uint64, perClass int) Labeled {
	rng := rand.New(rand.NewPCG(seed, 99))
	var l Labeled
	for c := 0; c < 2; c++ {
		for k := 0; k < perClass; k++ {
			n := 25 + rng.IntN(11)
			s := NewSeq(n, 3)
			for t := 0; t < n; t++ {
				r := float64(t) / float64(n-1)
				if c == 1 {
					r = 1 - r
				}
				x := s.At(t)
				x[0] = r + 0.05*rng.NormFloat64()
				x[1] = 1.5 * rng.NormFloat64()
				x[2] = 1.5 * rng.NormFloat64()
			}
			l.Seqs = append(l.Seqs, s)
			l.Labels = append(l.Labels, c)
		}
	}
	return l
}

func TestRVSMLTwoClasses(t *testing.T) {
	train, test := twoClasses(1, 20), twoClasses(2, 20)
	ctx := context.Background()

	// Plain DTW on the raw sequences, for contrast.
	dtwCfg := DefaultConfig(MethodDTW)
	raw, err := Run(ctx, dtwCfg, train, train, test, 2, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("plain DTW 1-NN accuracy %.3f, MAP %.3f", raw.Eval.Accuracy, raw.Eval.MAP)

	// Converged alignments, with milder OPW parameters than the paper's
	// (whose Sinkhorn needs ~10⁵ iterations to converge).
	slowOPW := OPW{Lambda1: 1, Lambda2: 0.5, Delta: 1, Iterations: 100000, Tol: 1e-10}
	for _, c := range []struct {
		name     string
		method   Method
		opw      OPW
		lambda   float64
		monotone bool
		threads  int
	}{
		{"rvsml-dtw", MethodRVSMLDTW, DefaultOPW(), 50, true, 1},
		{"rvsml-dtw 3 threads", MethodRVSMLDTW, DefaultOPW(), 50, true, 3},
		{"rvsml-dtw λ=0.01", MethodRVSMLDTW, DefaultOPW(), 0.01, true, 1},
		{"rvsml-opw converged λ=0.01", MethodRVSMLOPW, slowOPW, 0.01, true, 2},
		{"rvsml-opw defaults", MethodRVSMLOPW, DefaultOPW(), 50, false, 1},
	} {
		cfg := DefaultConfig(c.method)
		cfg.OPW, cfg.Threads, cfg.RVSML.Lambda = c.opw, c.threads, c.lambda
		var losses []float64
		res, err := Run(ctx, cfg, train, train, test, 2, func(p Progress) {
			if p.Stage == "train" {
				losses = append(losses, p.Loss)
			}
		})
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		h := res.RVSML.History
		if len(h) != len(losses) || len(h) < 2 {
			t.Fatalf("%s: %d history records, %d progress calls", c.name, len(h), len(losses))
		}
		for k := 1; k < len(h); k++ {
			// Exact steps for DTW; Sinkhorn run to 1e-10 for OPW.
			if h[k].Loss > h[k-1].Loss+1e-9*(h[k-1].AlignCost+h[k-1].Ridge) {
				if c.monotone {
					t.Errorf("%s: loss rose from %.12g to %.12g at iteration %d", c.name, h[k-1].Loss, h[k].Loss, k+1)
				} else {
					t.Logf("%s: loss rose from %.12g to %.12g at iteration %d (approximate alignments)", c.name, h[k-1].Loss, h[k].Loss, k+1)
				}
			}
			if s := h[k].AlignCost + h[k].Reg + h[k].Ridge; math.Abs(s-h[k].Loss) > 1e-12*math.Abs(s) {
				t.Errorf("%s: loss %g is not the sum of its terms %g", c.name, h[k].Loss, s)
			}
		}
		if res.Eval.Accuracy != 1 {
			t.Errorf("%s: 1-NN accuracy %.3f, want 1", c.name, res.Eval.Accuracy)
		}
		t.Logf("%s: %d iterations (converged %v), loss %.6g → %.6g, accuracy %.3f, MAP %.3f",
			c.name, len(h), res.RVSML.Converged, h[0].Loss, h[len(h)-1].Loss, res.Eval.Accuracy, res.Eval.MAP)
		// The projection weighs channel 0 far above the noise channels.
		var w [3]float64
		m := res.RVSML
		for p := 0; p < 3; p++ {
			for q := 0; q < m.Out; q++ {
				w[p] += m.L[p*m.Out+q] * m.L[p*m.Out+q]
			}
		}
		if !(w[0] > 10*w[1] && w[0] > 10*w[2]) {
			t.Errorf("%s: squared row norms of L %v: channel 0 should dominate", c.name, w)
		}
	}
	if raw.Eval.Accuracy == 1 {
		t.Errorf("plain DTW already separates the classes: the problem does not test the learning")
	}
}

func TestRVSMLThreadsAgree(t *testing.T) {
	train := twoClasses(3, 15)
	var ls [][]float64
	for _, th := range []int{1, 2, 5} {
		cfg := DefaultRVSML(DTW{Band: -1})
		cfg.Threads = th
		m, err := TrainRVSML(context.Background(), cfg, train.Seqs, train.Labels, 2, nil)
		if err != nil {
			t.Fatal(err)
		}
		ls = append(ls, m.L)
	}
	for k := 1; k < len(ls); k++ {
		if !slices.Equal(ls[0], ls[k]) {
			t.Errorf("L differs between 1 thread and run %d", k)
		}
	}
}

func TestRVSMLProjection(t *testing.T) {
	// ‖R(x − y)‖² = ‖Lᵀ(x − y)‖² for the reduced factor, Out > In and
	// Out < In.
	rng := rand.New(rand.NewPCG(4, 4))
	for _, sh := range [][2]int{{3, 8}, {9, 24}, {6, 4}} {
		in, out := sh[0], sh[1]
		m := &RVSML{In: in, Out: out, L: randSeq(rng, in, out).X}
		m.reduce()
		for trial := 0; trial < 20; trial++ {
			z := randSeq(rng, 1, in)
			full := make([]float64, out)
			project(full, m.L, z.X, out)
			var want float64
			for _, v := range full {
				want += v * v
			}
			got := m.Project(z)
			var g float64
			for _, v := range got.X {
				g += v * v
			}
			if got.D != min(in, out) || math.Abs(g-want) > 1e-10*want {
				t.Fatalf("%d→%d: ‖Rz‖² = %g (dimension %d), ‖Lᵀz‖² = %g", in, out, g, got.D, want)
			}
		}
	}
}

func TestRVSMLErrors(t *testing.T) {
	ctx := context.Background()
	good := twoClasses(5, 3)
	cfg := DefaultRVSML(DTW{Band: -1})
	cases := map[string]func() error{
		"no data": func() error { _, err := TrainRVSML(ctx, cfg, nil, nil, 2, nil); return err },
		"label":   func() error { _, err := TrainRVSML(ctx, cfg, good.Seqs, good.Labels, 1, nil); return err },
		"dimension": func() error {
			s := slices.Clone(good.Seqs)
			s[2] = NewSeq(4, 2)
			_, err := TrainRVSML(ctx, cfg, s, good.Labels, 2, nil)
			return err
		},
		"nan": func() error {
			s := slices.Clone(good.Seqs)
			s[1] = NewSeq(4, 3)
			s[1].X[5] = math.NaN()
			_, err := TrainRVSML(ctx, cfg, s, good.Labels, 2, nil)
			return err
		},
		"lambda": func() error {
			c := cfg
			c.Lambda = 0
			_, err := TrainRVSML(ctx, c, good.Seqs, good.Labels, 2, nil)
			return err
		},
		"virtual len": func() error {
			c := cfg
			c.VirtualLen = 0
			_, err := TrainRVSML(ctx, c, good.Seqs, good.Labels, 2, nil)
			return err
		},
		"bad opw": func() error {
			c := cfg
			c.Align = OPW{}
			_, err := TrainRVSML(ctx, c, good.Seqs, good.Labels, 2, nil)
			return err
		},
		"unknown": func() error { _, err := Run(ctx, Config{Method: "knn"}, good, good, good, 2, nil); return err },
		"ref label": func() error {
			r := good
			r.Labels = []int{0, 1, 2, 0, 1, 0}
			_, err := Run(ctx, DefaultConfig(MethodDTW), good, r, good, 2, nil)
			return err
		},
	}
	for name, f := range cases {
		if err := f(); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestRunCancel(t *testing.T) {
	data := twoClasses(6, 10)
	for _, th := range []int{1, 3} {
		ctx, cancel := context.WithCancel(context.Background())
		calls := 0
		cfg := DefaultConfig(MethodDTW)
		cfg.Threads = th
		_, err := Run(ctx, cfg, data, data, data, 2, func(p Progress) {
			calls++
			if p.Done >= 3*len(data.Seqs) {
				cancel()
			}
		})
		if !errors.Is(err, context.Canceled) {
			t.Errorf("threads %d: error %v after cancel, want context.Canceled", th, err)
		}
		cancel()
		// RVSML training stops too.
		ctx, cancel = context.WithCancel(context.Background())
		cfg = DefaultConfig(MethodRVSMLDTW)
		cfg.Threads = th
		_, err = Run(ctx, cfg, data, data, data, 2, func(p Progress) {
			if p.Stage == "train" && p.Iter == 2 {
				cancel()
			}
		})
		if !errors.Is(err, context.Canceled) {
			t.Errorf("threads %d: training error %v after cancel, want context.Canceled", th, err)
		}
		cancel()
	}
}

func TestMatrix(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 8))
	q := []Seq{randSeq(rng, 5, 2), randSeq(rng, 7, 2), randSeq(rng, 3, 2)}
	r := []Seq{randSeq(rng, 4, 2), randSeq(rng, 6, 2)}
	for _, m := range []Measure{DTW{Band: -1}, DTW{Band: 1}, DefaultOPW()} {
		for _, th := range []int{0, 1, 2, 8} {
			var dones []int
			d, err := Matrix(context.Background(), m, q, r, th, func(done, total int) {
				if total != 6 {
					t.Errorf("total %d, want 6", total)
				}
				dones = append(dones, done)
			})
			if err != nil {
				t.Fatal(err)
			}
			for i := range q {
				for j := range r {
					if want := m.Distance(q[i], r[j], nil); d[i*2+j] != want {
						t.Errorf("%T threads %d: d[%d,%d] = %g, want %g", m, th, i, j, d[i*2+j], want)
					}
				}
			}
			if len(dones) == 0 || dones[len(dones)-1] != 6 || !slices.IsSorted(dones) {
				t.Errorf("%T threads %d: progress %v", m, th, dones)
			}
		}
	}
}
