package model

import (
	"math/rand/v2"
	"runtime"
	"testing"
)

// benchBatch is the batch of DESIGN.md §5's bench: 36 windows (6 classes ×
// 6), T=128, I=9, H=20, float32.
func benchBatch(kind Kind) (*Net[float32], Seqs[float32], []int) {
	net := NewNet[float32](kind, 9, 20)
	net.Init(1, CouplingPaper)
	rng := rand.New(rand.NewPCG(3, 4))
	x := NewSeqs[float32](36, 128, 9)
	for i := range x.X {
		x.X[i] = float32(rng.NormFloat64() * 0.3)
	}
	labels := make([]int, 36)
	for i := range labels {
		labels[i] = i % 6
	}
	return net, x, labels
}

func benchLossGrad(b *testing.B, kind Kind, threads int) {
	net, x, labels := benchBatch(kind)
	e := CPU[float32]{Threads: threads}
	grad := make([]float32, len(net.Params))
	e.LossGrad(net, x, labels, Contrastive{Margin: 1}, grad)
	b.ResetTimer()
	for b.Loop() {
		e.LossGrad(net, x, labels, Contrastive{Margin: 1}, grad)
	}
}

func BenchmarkLossGradCGRU(b *testing.B)  { benchLossGrad(b, CGRU, runtime.GOMAXPROCS(0)) }
func BenchmarkLossGradSGRU(b *testing.B)  { benchLossGrad(b, SGRU, runtime.GOMAXPROCS(0)) }
func BenchmarkLossGradCGRU1(b *testing.B) { benchLossGrad(b, CGRU, 1) }

func BenchmarkDistancesCGRU(b *testing.B) {
	net, x, _ := benchBatch(CGRU)
	var e CPU[float32]
	pairs := AllPairs(x.N)
	for b.Loop() {
		e.Distances(net, x, pairs)
	}
}
