package model

import "fmt"

// Seqs is a batch of N sequences of T steps of I inputs, stored flat in X
// as [n][t][i].
type Seqs[F Float] struct {
	N, T, I int
	X       []F
}

// NewSeqs returns a zero batch of the given shape.
func NewSeqs[F Float](n, t, i int) Seqs[F] {
	return Seqs[F]{N: n, T: t, I: i, X: make([]F, n*t*i)}
}

// Seq returns sequence n as a [t][i] slice of s.X.
func (s Seqs[F]) Seq(n int) []F { return s.X[n*s.T*s.I : (n+1)*s.T*s.I] }

// check panics if s is not consistent or its input size differs from I.
func (s Seqs[F]) check(input int) {
	if s.N < 0 || s.T <= 0 || s.I != input || len(s.X) != s.N*s.T*s.I {
		panic(fmt.Sprintf("model: bad sequence batch N=%d T=%d I=%d len=%d for input size %d",
			s.N, s.T, s.I, len(s.X), input))
	}
}

// Pair names two sequences of a batch by index.
type Pair struct{ A, B int32 }

// NumPairs is the number of pairs i<j of n sequences: n(n−1)/2.
func NumPairs(n int) int { return n * (n - 1) / 2 }

// AllPairs returns every pair i<j of n sequences in row-major order:
// (0,1), (0,2), …, (0,n−1), (1,2), …
func AllPairs(n int) []Pair {
	ps := make([]Pair, 0, NumPairs(n))
	for i := 0; i < n; i++ {
		for j := i + 1; j < n; j++ {
			ps = append(ps, Pair{int32(i), int32(j)})
		}
	}
	return ps
}

// PairIndex returns the position of pair (i, j), i<j, in the row-major list
// of the pairs of n sequences. It panics unless 0 ≤ i < j < n.
func PairIndex(n, i, j int) int {
	if i < 0 || i >= j || j >= n {
		panic(fmt.Sprintf("model: bad pair (%d,%d) of %d", i, j, n))
	}
	return i*(2*n-i-1)/2 + (j - i - 1)
}
