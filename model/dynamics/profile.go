package dynamics

import (
	"context"
	"fmt"
	"math"
	"slices"

	"github.com/cgru/cgru/model"
)

// Profile is what a trained network does, step by step, with a set of
// pairs: the coupling gate and the synchronisation error at every step,
// averaged over the pairs.
type Profile struct {
	Pairs, T int
	// Gate is the mean over pairs of the coupling gate c_t averaged over
	// the hidden units, per step t = 1…T, and GateSD its (population)
	// standard deviation over the pairs; nil for a network without coupling (an SGRU, or a
	// CGRU with its gate forced to 0).
	Gate, GateSD []float64
	// Err is the mean over pairs of ‖h_t − h'_t‖ per step, ErrSD its
	// standard deviation over the pairs.
	Err, ErrSD []float64
	// PairGate is each pair's gate averaged over steps and units (nil
	// without coupling); PairDist each pair's distance ‖h_T − h'_T‖.
	PairGate, PairDist []float64
}

// GateOff returns the plain GRU pair of a CGRU: the same GRU weights as an
// SGRU, which runs each sequence alone. That is the CGRU with its gate
// forced to c = 0 (then ñ = n: DESIGN.md §2). net's parameters are shared,
// not copied. An SGRU is returned as is.
func GateOff(net *model.Net[float64]) *model.Net[float64] {
	if net.Kind != model.CGRU {
		return net
	}
	l := model.NewLayout(model.SGRU, net.Input, net.Hidden)
	// The GRU tensors come first in both layouts (model.NewLayout).
	return &model.Net[float64]{Kind: model.SGRU, Input: net.Input, Hidden: net.Hidden, Params: net.Params[:l.Size:l.Size]}
}

// PairProfile runs every pair (x_a, x_b) of pairs through net with the CPU
// engine's Trace (float64) and averages the gate and the error per step.
// It looks at ctx between pairs; it panics if a pair is out of range or x
// does not fit net.
func PairProfile(ctx context.Context, net *model.Net[float64], x model.Seqs[float64], pairs []model.Pair) (*Profile, error) {
	if len(pairs) == 0 {
		panic("dynamics: PairProfile of no pairs")
	}
	e := &model.CPU[float64]{Threads: 1}
	T := x.T
	p := &Profile{Pairs: len(pairs), T: T, Err: make([]float64, T), ErrSD: make([]float64, T)}
	coupled := net.Kind == model.CGRU
	if coupled {
		p.Gate, p.GateSD = make([]float64, T), make([]float64, T)
	}
	// Welford's running means and sums of squared deviations per step
	// (exact 0 spread for equal values, no cancellation).
	gs, es := make([]float64, T), make([]float64, T)
	welford := func(mean, m2 []float64, t int, v, k float64) {
		d := v - mean[t]
		mean[t] += d / k
		m2[t] += d * (v - mean[t])
	}
	for i, pr := range pairs {
		k := float64(i + 1)
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if pr.A < 0 || int(pr.A) >= x.N || pr.B < 0 || int(pr.B) >= x.N {
			panic(fmt.Sprintf("dynamics: pair (%d,%d) out of range of %d sequences", pr.A, pr.B, x.N))
		}
		tr := e.Trace(net, x.Seq(int(pr.A)), x.Seq(int(pr.B)))
		for t, v := range tr.SyncError() {
			welford(p.Err, es, t, v, k)
		}
		p.PairDist = append(p.PairDist, tr.Distance)
		if coupled {
			var m float64
			for t, v := range tr.MeanGate() {
				welford(p.Gate, gs, t, v, k)
				m += v / float64(T)
			}
			p.PairGate = append(p.PairGate, m)
		}
	}
	n := float64(len(pairs))
	for t := range p.Err {
		p.ErrSD[t] = math.Sqrt(es[t] / n)
		if coupled {
			p.GateSD[t] = math.Sqrt(gs[t] / n)
		}
	}
	return p, nil
}

// AUC is the probability that a value drawn from a exceeds one drawn from
// b, ties counting one half (the Mann–Whitney statistic over |a|·|b|): 0.5
// when the two do not differ, 1 when every value of a is larger. NaN if a
// or b is empty.
func AUC(a, b []float64) float64 {
	if len(a) == 0 || len(b) == 0 {
		return math.NaN()
	}
	bs := slices.Clone(b)
	slices.Sort(bs)
	var s float64
	for _, v := range a {
		lo, _ := slices.BinarySearch(bs, v) // b values < v
		hi := lo
		for hi < len(bs) && bs[hi] == v {
			hi++
		}
		s += float64(lo) + float64(hi-lo)/2
	}
	return s / float64(len(a)*len(b))
}
