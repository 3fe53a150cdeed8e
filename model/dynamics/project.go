package dynamics

import (
	"fmt"
	"math"
)

// Projection maps states of R^H to a plane: p = (a₁·(x − Mean), a₂·(x − Mean)).
type Projection struct {
	Mean []float64    // [H]
	Axes [2][]float64 // [2][H] orthonormal
	// Variance is the variance of the states along each axis.
	Variance [2]float64
}

// PCA2 returns the projection of states ([n][H], flat) onto their two
// principal components (power iteration with deflation on the H×H
// covariance; each axis's sign is chosen so that its largest entry is
// positive, so the same states always give the same picture). It panics
// if len(states) is not a positive multiple of h.
func PCA2(states []float64, h int) Projection {
	if h <= 0 || len(states) == 0 || len(states)%h != 0 {
		panic(fmt.Sprintf("dynamics: PCA2 of %d values of dimension %d", len(states), h))
	}
	n := len(states) / h
	p := Projection{Mean: make([]float64, h)}
	for t := 0; t < n; t++ {
		for i, v := range states[t*h : (t+1)*h] {
			p.Mean[i] += v / float64(n)
		}
	}
	cov := make([]float64, h*h)
	d := make([]float64, h)
	for t := 0; t < n; t++ {
		for i, v := range states[t*h : (t+1)*h] {
			d[i] = v - p.Mean[i]
		}
		for i := range d {
			for j := range d {
				cov[i*h+j] += d[i] * d[j] / float64(n)
			}
		}
	}
	w := make([]float64, h)
	for k := 0; k < 2; k++ {
		a := make([]float64, h)
		for i := range a {
			a[i] = 1 + float64(i)/float64(h) // not orthogonal to a principal axis, generically
		}
		var lam float64
		for it := 0; it < 500; it++ {
			for i := range w {
				var s float64
				for j, v := range a {
					s += cov[i*h+j] * v
				}
				w[i] = s
			}
			if k == 1 { // stay orthogonal to the first axis
				var dot float64
				for i := range w {
					dot += w[i] * p.Axes[0][i]
				}
				for i := range w {
					w[i] -= dot * p.Axes[0][i]
				}
			}
			var norm float64
			for _, v := range w {
				norm += v * v
			}
			norm = math.Sqrt(norm)
			if norm == 0 {
				break
			}
			var change float64
			for i := range a {
				change = max(change, math.Abs(w[i]/norm-a[i]))
				a[i] = w[i] / norm
			}
			lam = norm
			if change < 1e-12 {
				break
			}
		}
		big := 0
		for i := range a {
			if math.Abs(a[i]) > math.Abs(a[big]) {
				big = i
			}
		}
		if a[big] < 0 {
			for i := range a {
				a[i] = -a[i]
			}
		}
		p.Axes[k], p.Variance[k] = a, lam
	}
	return p
}

// Apply returns the coordinates of x in the plane.
func (p Projection) Apply(x []float64) (float64, float64) {
	var u, v float64
	for i, m := range p.Mean {
		d := x[i] - m
		u += p.Axes[0][i] * d
		v += p.Axes[1][i] * d
	}
	return u, v
}
