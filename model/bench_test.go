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

// TestStepMemory: one CGRU training step of the benchmark batch (36
// windows, 630 pairs, T=128, H=20, float32) allocates well under 256 MiB
// (the tape of every pair for backpropagation is most of it), and a second
// step on the same engine reuses it.
func TestStepMemory(t *testing.T) {
	if testing.Short() || runtime.GOOS == "js" {
		t.Skip("a full-size step")
	}
	net, x, labels := benchBatch(CGRU)
	var e CPU[float32]
	grad := make([]float32, len(net.Params))
	var m0, m1, m2 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m0)
	e.LossGrad(net, x, labels, Contrastive{Margin: 1}, grad)
	runtime.ReadMemStats(&m1)
	e.LossGrad(net, x, labels, Contrastive{Margin: 1}, grad)
	runtime.ReadMemStats(&m2)
	first := float64(m1.TotalAlloc-m0.TotalAlloc) / (1 << 20)
	second := float64(m2.TotalAlloc-m1.TotalAlloc) / (1 << 20)
	t.Logf("CGRU step allocates %.1f MiB (first), %.1f MiB (next)", first, second)
	if first > 256 {
		t.Errorf("first CGRU step allocates %.1f MiB, want < 256", first)
	}
	if second > 8 {
		t.Errorf("second CGRU step allocates %.1f MiB, want the engine's memory reused (< 8)", second)
	}
}
