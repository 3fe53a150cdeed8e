package dynamics_test

import (
	"context"
	"fmt"

	"github.com/cgru/cgru/model/dynamics"
)

// Example is what a page's synchronisation panel does when a slider moves,
// on one goroutine: λ_max of the GRU at the chosen gain (the number
// `cgru sync lyapunov --gains 7.5 --inits 1 --steps 5000 --transient 1000`
// prints, bit for bit on amd64 and in wasm), the threshold to mark, and the
// error curve and 2-D picture of two copies at the chosen coupling. A
// cancelled ctx stops any of these within 1024 steps.
func Example() {
	ctx := context.Background()
	g := dynamics.RandomGRU(20, 7.5, 1) // H = 20, PyTorch init from seed 1, weight_hh × 7.5

	// The gain slider: λ_max (about 15 ms natively, 70 ms in wasm).
	x, _ := dynamics.OnAttractor(ctx, g, 1, 1000)
	lam, _ := dynamics.MaxLyapunov(ctx, g, x, dynamics.Options{Transient: 1000, Steps: 5000, Seed: 1})
	cStar := dynamics.DiffusiveThreshold(lam.Lambda)
	fmt.Printf("chaotic: %v, c* ≈ %.2f\n", lam.Lambda > 0, cStar)

	// The coupling slider: the error curve and both trajectories in the
	// plane of the uncoupled orbit's principal components.
	x0, _ := dynamics.Start(ctx, g, 1, 1000, 0)
	var orbit []float64
	h := append([]float64(nil), x0[:g.H]...)
	for range 500 {
		orbit = append(orbit, h...)
		g.Step(h, h)
	}
	proj := dynamics.PCA2(orbit, g.H)
	for _, c := range []float64{0.02, 0.1} {
		var path [][4]float64 // (u, v) of h and of h' per step, for drawing
		e, _ := dynamics.Run(ctx, dynamics.NewPair(g, dynamics.Diffusive, c), x0, 500, func(t int, x []float64) {
			u, v := proj.Apply(x[:g.H])
			u2, v2 := proj.Apply(x[g.H:])
			path = append(path, [4]float64{u, v, u2, v2})
		})
		fmt.Printf("c = %.2f: %d points, synchronised after 500 steps: %v\n", c, len(path), e[500] < 1e-6)
	}
	// Output:
	// chaotic: true, c* ≈ 0.04
	// c = 0.02: 501 points, synchronised after 500 steps: false
	// c = 0.10: 501 points, synchronised after 500 steps: true
}
